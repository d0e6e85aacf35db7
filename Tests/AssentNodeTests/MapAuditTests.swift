import AssentCore
import AssentNode
import AsyncHTTPClient
import Foundation
import XCTest

/// `assent audit` recomputes every epoch's map root from the leaves (issue 7, docs/state-map.md):
/// a node's log passes; a log whose epoch leaf commits to another root fails, naming that epoch.
final class MapAuditTests: XCTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 61, count: 32))
    let creator = try! SigningKey(seed: [UInt8](repeating: 62, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-22T10:00:00.000Z")!

    func testTheAuditOfANodesLogRecomputesEveryMapRoot() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let op = node.node.keys.operator.key
        for n in 0..<3 {
            let works = try (0..<5).map { try WorkID(parsing: "local:gema.de/audit-\(n)-\($0)") }
            let statements: [SignedStatement] = [
                .sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: creator.publicKey, role: .creator, active: n != 1)), with: op),
                .sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: creator.publicKey, works: works, role: .author)), with: op),
            ] + works.map { .sign(.preference(Preference(by: creator.publicKey, issued: .now, work: $0, usage: ["train-ai": false])), with: creator) }
            let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let reply = try await node.post("/v1/statements", Array(body.utf8))
            XCTAssertEqual(reply.json["accepted"], .integer(Int64(statements.count)), reply.text)
        }
        let summary = try await node.audit()
        // 3 party versions, 15 work versions, 15 declaration versions.
        XCTAssertEqual(summary.mapKeys, 33)
        try await node.stop()
    }

    /// A log signed by a test key whose second epoch leaf carries a root the leaves do not give,
    /// everything else (chain, tiles, checkpoint signature) correct: the audit fails naming it.
    func testAnEpochLeafWithAnotherRootFailsTheAuditNamingIt() async throws {
        let signer = try NoteSigner(name: "altered.example/log", key: SigningKey(seed: [UInt8](repeating: 63, count: 32)))
        var chain = ChainVerifier(origin: signer.name)
        var replay = MapReplay()
        var leaves = [LogLeaf]()
        var alteredIndex: UInt64 = 0
        for batch in 0..<3 {
            let issued = Timestamp(milliseconds: t0.milliseconds + Int64(batch) * 1000)
            let statements: [SignedStatement] = [
                .sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .creator)), with: operatorKey),
                .sign(.preference(Preference(by: creator.publicKey, issued: issued, work: try WorkID(parsing: "local:gema.de/\(batch)"),
                                             usage: ["train-ai": batch == 1])), with: creator),
            ]
            for s in statements {
                let leaf = try LogLeaf(index: chain.nextIndex, origin: signer.name, prev: chain.prevHash, time: issued, content: .statement(s))
                try chain.append(leaf)
                try replay.append(leaf)
                leaves.append(leaf)
            }
            var root = try replay.applyPending()
            if batch == 1 {
                // Only the map is wrong: the root of the previous epoch, the chain and tree built over it.
                guard case let .epoch(previous, _) = try XCTUnwrap(leaves.last { $0.isEpoch }).content else { return XCTFail() }
                root = previous
                alteredIndex = chain.nextIndex
            }
            let epoch = try LogLeaf(index: chain.nextIndex, origin: signer.name, prev: chain.prevHash, time: issued, content: .epoch(mapRoot: root, size: chain.nextIndex))
            try chain.append(epoch)
            leaves.append(epoch)
        }
        XCTAssertEqual(alteredIndex, 5)
        let served = try MapAuditTests.serve(leaves, signer: signer)
        do {
            _ = try await LogAudit(logKey: signer.verifierKey) { path in
                guard let bytes = served[path] else { throw AuditFailure("\(path) is not served") }
                return bytes
            }.run()
            XCTFail("the audit passed a log whose epoch leaf 5 commits to another map")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("audit failed: state map: epoch leaf 5: its map root is"), "\(error)")
        }
    }

    /// What a node serves for `leaves`: the checkpoint note signed by `signer`, entry bundles and
    /// hash tiles (full and partial), by path.
    static func serve(_ leaves: [LogLeaf], signer: NoteSigner) throws -> [String: [UInt8]] {
        var served = [String: [UInt8]]()
        var edge = TileEdge()
        var tiles = [Tile: [UInt8]]()
        for (tile, hashes) in edge.append(leaves.map(\.leafHash)) { tiles[tile] = hashes }
        let size = UInt64(leaves.count)
        for tile in Tile.tiles(forTreeSize: size) {
            let stored = tiles.first { $0.key.level == tile.level && $0.key.index == tile.index }?.value ?? []
            served[tile.path] = Array(stored.prefix(tile.width * 32))
        }
        for tile in Tile.entryTiles(forTreeSize: size) {
            let start = Int(tile.index) * 256
            served[tile.entriesPath] = EntryBundle.encode(leaves[start..<(start + tile.width)].map(\.bytes))
        }
        served["checkpoint"] = Array(try Checkpoint(origin: signer.name, size: size, root: edge.rootHash).sign(with: signer).serialized.utf8)
        return served
    }
}
