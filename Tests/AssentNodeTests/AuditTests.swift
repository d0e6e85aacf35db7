import AssentCore
import AssentNode
import AssentStore
import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import XCTest

/// `assent audit`'s checks (`LogAudit`) against a real node over HTTP.
final class AuditTests: XCTestCase {
    var node: TestNode!

    override func setUp() async throws {
        node = TestNode()
        try await node.start()
    }

    override func tearDown() async throws {
        try await node.stop()
        node.remove()
    }

    /// Posts `statements` as one batch and returns the receipts as `assent-load` writes them:
    /// one JSON text a line, `{"receipt": tlog-proof text, "statement": signed statement}`.
    func submit(_ statements: [SignedStatement]) async throws -> [Substring] {
        let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
        let reply = try await node.post("/v1/statements", Array(body.utf8))
        XCTAssertEqual(reply.json["accepted"], .integer(Int64(statements.count)), reply.text)
        return try zip(statements, XCTUnwrap(reply.json["results"]?.arrayValue)).map { statement, item in
            Substring(JSONValue.object(["receipt": try XCTUnwrap(item["receipt"]), "statement": statement.json]).canonicalString)
        }
    }

    func audit(with client: HTTPClient, receipts: [Substring]? = nil) async throws -> LogAudit.Summary {
        try await LogAudit(logKey: node.logKey, fetch: LogAudit.httpFetch(base: node.base, client: client)).run(receipts: receipts)
    }

    /// A log can sign a checkpoint of any size. The audit reads bundles as it goes and fails at
    /// the first one missing; it used to list every tile of the signed size first (2^62 leaves:
    /// 2^54 tiles, memory that no machine has).
    func testACheckpointOfAHugeSignedSizeFailsAtTheFirstMissingBundle() async throws {
        let signer = try NoteSigner(name: "huge.example/log", key: SigningKey(seed: [UInt8](repeating: 3, count: 32)))
        let note = try Checkpoint(origin: "huge.example/log", size: 1 << 62, root: SHA256.hash([1])).sign(with: signer)
        let audit = LogAudit(logKey: signer.verifierKey) { path in
            guard path == "checkpoint" else { throw AuditFailure("\(path) is not served") }
            return Array(note.serialized.utf8)
        }
        do {
            _ = try await audit.run()
            XCTFail("the audit of a log that serves no entries passed")
        } catch {
            XCTAssertTrue("\(error)".contains("tile/entries/000"), "\(error)")
        }
    }

    /// A few hundred valid statements of repeated text make an entry bundle that gzip shrinks
    /// far more than 25:1, the most `HTTPClient.shared` inflates; the audit reads it all the same.
    /// (Free text is capped at a few hundred characters, but a steward's enrollment may name 64
    /// Local Contexts projects of 256 bytes each: 16 KiB of whatever the operator wrote.)
    func testAHighlyCompressibleEntryBundleDoesNotStopTheAudit() async throws {
        let projects = (0..<64).map { String(repeating: "lc-project-", count: 23) + String(format: "%02d", $0) }
        let op = node.node.keys.operator.key
        let statements = try (0..<300).map { n in
            let party = try SigningKey(seed: SHA256.hash(Array("steward \(n)".utf8)).bytes).publicKey
            return SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: party, role: .steward,
                                                               community: .init(name: "Example Nation", projects: projects))), with: op)
        }
        let receipts = try await submit(statements)

        // The full bundle, as the node sends it gzip-encoded, and inflated.
        let raw = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: .init(), decompression: .disabled))
        var request = HTTPClientRequest(url: node.base + "/tile/entries/000")
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        let compressed = try await raw.execute(request, timeout: .seconds(30)).body.collect(upTo: 1 << 24).readableBytes
        try await raw.shutdown()
        let inflated = try await node.get("/tile/entries/000", headers: [("Accept-Encoding", "identity")]).body.count
        XCTAssertGreaterThan(inflated, 25 * compressed, "\(inflated) bytes gzip to \(compressed)")

        // What stopped the audit before: the shared client refuses that ratio.
        do {
            _ = try await audit(with: .shared)
            XCTFail("HTTPClient.shared inflated a bundle of ratio \(inflated / compressed)")
        } catch {
            XCTAssertTrue("\(error)".contains("limit"), "\(error)")
        }

        let client = LogAudit.makeHTTPClient()
        let result: Result<LogAudit.Summary, Error>
        do { result = .success(try await audit(with: client, receipts: receipts)) } catch { result = .failure(error) }
        try await client.shutdown()
        let summary = try result.get()
        XCTAssertEqual(summary.statements, 300)
        XCTAssertEqual(summary.receipts, 300)
        XCTAssertEqual(summary.tiles, Tile.tiles(forTreeSize: summary.checkpoint.size).count)
        XCTAssertGreaterThanOrEqual(summary.checkpoint.size, 302)
    }

    /// A node checks only its right edge when it opens, so it opens and serves a store with a
    /// tampered hash in an older full tile; `assent audit` and `assent store check` both find it.
    func testATamperedHashTileIsFoundByTheAuditAndByTheStoreCheck() async throws {
        _ = try await submit((0..<300).map { Fixtures.preference(2000 + $0) })
        try await node.stop()
        let database = try DatabaseQueue(path: node.config.dataDirectory + "/node.sqlite")
        let stored = try await database.read { try Data.fetchOne($0, sql: "SELECT data FROM leaves WHERE idx = 7") }
        let leaf7 = MerkleTree.leafHash([UInt8](try XCTUnwrap(stored)))
        try await database.write { db in
            try db.execute(sql: "UPDATE tiles SET hashes = substr(hashes, 1, 224) || zeroblob(32) || substr(hashes, 257) WHERE level = 0 AND idx = 0")
        }
        try database.close()

        try await node.start()
        let served = try await node.get("/tile/0/000")
        XCTAssertEqual(served.status, 200)
        XCTAssertEqual(Array(served.body[224..<256]), [UInt8](repeating: 0, count: 32), "the node serves the tampered tile")

        let client = LogAudit.makeHTTPClient()
        var failure: Error?
        do { _ = try await audit(with: client) } catch { failure = error }
        try await client.shutdown()
        XCTAssertEqual(failure.map { "\($0)" }, "audit failed: tile/0/000 holds \(Hash.zero) at position 7, but leaf 7 hashes to \(leaf7)")

        // The store check, run beside the running node, names the same hash.
        let report = try StoreCheck.run(path: node.config.dataDirectory)
        XCTAssertEqual(report.failures.count, 1, report.text)
        XCTAssertEqual(report.firstFailure?.kind, .leafNotInTile)
        XCTAssertEqual(report.firstFailure?.leaf, 7)
        XCTAssertEqual(report.firstFailure?.tile, 0)
    }
}
