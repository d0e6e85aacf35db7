import AssentCore
import AssentNode
import AssentStore
import Foundation
import XCTest

/// `LogAudit` replays erasures by the rule the node applies on submission (docs/protocol.md
/// "Personal data"): an erasure names a statement earlier in the log and is signed by one who
/// may erase it. Logs a node would never write are built here directly in a store and served to
/// the audit through its `fetch`.
final class AuditErasureTests: XCTestCase {
    let logKey = try! NoteSigner(name: "audit.example/log", key: SigningKey(seed: [UInt8](repeating: 31, count: 32)))
    let creator = try! SigningKey(seed: [UInt8](repeating: 32, count: 32))
    let stranger = try! SigningKey(seed: [UInt8](repeating: 33, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-22T10:00:00.000Z")!

    /// Audits a log made of `statements` (then an epoch leaf), served from a store on disk.
    func audit(_ statements: [SignedStatement], operators: Set<PublicKey>? = nil) async throws -> LogAudit.Summary {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try AssentDatabase(path: directory.appendingPathComponent("node.sqlite").path)
            .openLog(origin: logKey.name, verifierKey: logKey.verifierKey, role: .own)
        var chain = store.chainHead
        var leaves = [LogLeaf]()
        for statement in statements {
            let leaf = try LogLeaf(index: chain.nextIndex, origin: logKey.name, prev: chain.prevHash, time: t0, content: .statement(statement))
            try chain.append(leaf)
            leaves.append(leaf)
        }
        try store.append(leaves, epoch: { root in
            try LogLeaf(index: chain.nextIndex, origin: self.logKey.name, prev: chain.prevHash, time: self.t0, content: .epoch(mapRoot: root, size: chain.nextIndex))
        }) { try $0.sign(with: self.logKey).serialized }
        let fetch: LogAudit.Fetch = { path in
            if path == "checkpoint" { return Array(try XCTUnwrap(store.latestCheckpoint?.note).utf8) }
            let (tile, isEntries) = try Tile.parse(path: path)
            return try XCTUnwrap(isEntries ? store.entryBundle(tile) : store.tile(tile))
        }
        return try await LogAudit(logKey: logKey.verifierKey, operators: operators, fetch: fetch).run()
    }

    func preference() throws -> SignedStatement {
        SignedStatement.sign(.preference(Preference(by: creator.publicKey, issued: t0, work: try WorkID(parsing: "iswc:T0345246801"),
                                                    usage: ["train-ai": false], note: try Commitment(text: "a note", salt: [UInt8](0..<16)))), with: creator)
    }

    func erasure(of hash: Hash, by key: SigningKey) -> SignedStatement {
        SignedStatement.sign(.erasure(Erasure(by: key.publicKey, issued: t0, erases: hash)), with: key)
    }

    func testAnErasureByTheDeclarantAudits() async throws {
        let p = try preference()
        let summary = try await audit([p, erasure(of: p.hash, by: creator)])
        XCTAssertEqual(summary.statements, 2)
    }

    func testAnErasureByAnotherKeyFailsTheAudit() async throws {
        let p = try preference()
        do {
            _ = try await audit([p, erasure(of: p.hash, by: stranger)])
            XCTFail("the audit passed an erasure by a stranger")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("audit failed: leaf 1: \(stranger.publicKey.base64) may not erase this preference: only its declarant or the node's operator key may; the operator keys were inferred from the log"), "\(error)")
            XCTAssertTrue("\(error)".contains("give it with --operator"), "\(error)")
        }
    }

    /// Review of issue 9: an operator key that signed nothing earlier in the log (a rotated key)
    /// erases; the audit passes when given the log's operator keys, and without them fails
    /// naming the key and suggesting --operator. An erasure of an erasure fails either way.
    func testAnErasureByARotatedOperatorKeyAuditsWithOperatorGiven() async throws {
        let p = try preference()
        let rotated = try SigningKey(seed: [UInt8](repeating: 34, count: 32))
        let erasure = erasure(of: p.hash, by: rotated)
        let summary = try await audit([p, erasure], operators: [rotated.publicKey])
        XCTAssertEqual(summary.statements, 2)
        XCTAssertFalse(summary.operatorsInferred)
        do {
            _ = try await audit([p, erasure])
            XCTFail("the audit inferred a key that signed nothing")
        } catch {
            XCTAssertTrue("\(error)".contains(rotated.publicKey.base64) && "\(error)".contains("--operator"), "\(error)")
        }
        do {
            _ = try await audit([p, erasure, self.erasure(of: erasure.hash, by: rotated)], operators: [rotated.publicKey])
            XCTFail("the audit passed an erasure of an erasure")
        } catch {
            XCTAssertEqual("\(error)", "audit failed: leaf 2: nothing to erase: the statement named is itself an erasure, which holds no personal data")
        }
    }

    /// An operator key inferred from the log may erase a statement it did not sign, even one
    /// logged before the key's first enrollment (inference looks at the whole log).
    func testAnOperatorInferredFromLaterInTheLogMayErase() async throws {
        let p = try preference()
        let op = try SigningKey(seed: [UInt8](repeating: 35, count: 32))
        let enrollment = SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: t0, party: creator.publicKey, role: .creator)), with: op)
        let summary = try await audit([p, erasure(of: p.hash, by: op), enrollment])
        XCTAssertTrue(summary.operatorsInferred)
        XCTAssertEqual(summary.operators, [op.publicKey])
    }

    func testAnErasureOfAStatementNotEarlierInTheLogFailsTheAudit() async throws {
        let p = try preference()
        do {
            _ = try await audit([erasure(of: p.hash, by: creator), p])
            XCTFail("the audit passed an erasure of a later statement")
        } catch {
            XCTAssertEqual("\(error)", "audit failed: leaf 0: field \"erases\": names statement \(p.hash), which is not earlier in the log")
        }
    }
}
