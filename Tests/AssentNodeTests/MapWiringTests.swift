import AssentCore
import AssentNode
import AssentStore
import Foundation
import XCTest

/// A node's epoch leaves commit to the state map of the leaves before them (PROTOCOL §5,
/// docs/state-map.md §4): replaying the log from its leaves alone gives every epoch's root.
final class MapWiringTests: XCTestCase {
    func testEveryEpochLeafOfANodeCarriesTheRootItsLeavesGive() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let op = node.node.keys.operator.key
        let creator = Fixtures.creator
        func work(_ n: Int) throws -> WorkID { try WorkID(parsing: "local:gema.de/\(n)") }
        let base = Timestamp.now.milliseconds
        func at(_ s: Int64) -> Timestamp { Timestamp(milliseconds: base - 60_000 + s * 1000) }
        // Three batches: an enrollment and a mandate, then preferences and a revocation, then a
        // statement older than the one it would replace (it changes nothing) beside a newer one.
        let batches: [[SignedStatement]] = [
            [.sign(.enrollment(Enrollment(by: op.publicKey, issued: at(0), party: creator.publicKey, role: .creator)), with: op),
             .sign(.mandate(Mandate(by: op.publicKey, issued: at(1), party: creator.publicKey, works: try (0..<4).map(work), role: .author)), with: op)],
            [.sign(.preference(Preference(by: creator.publicKey, issued: at(2), work: try work(1), usage: ["train-ai": false])), with: creator),
             .sign(.mandate(Mandate(by: op.publicKey, issued: at(3), party: creator.publicKey, works: [try work(2)], role: .author, active: false)), with: op)],
            [.sign(.preference(Preference(by: creator.publicKey, issued: at(1), work: try work(1), usage: ["train-ai": true])), with: creator),
             .sign(.preference(Preference(by: creator.publicKey, issued: at(4), work: try work(3), usage: ["search": true])), with: creator)],
        ]
        for statements in batches {
            let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let reply = try await node.post("/v1/statements", Array(body.utf8))
            XCTAssertEqual(reply.json["accepted"], .integer(Int64(statements.count)), reply.text)
        }
        // Each reply came after its batch was committed.
        let store = node.node.store
        var replay = MapReplay()
        var roots = [Hash]()
        for bytes in try store.leafBytes(from: 0, to: store.size) {
            let leaf = try LogLeaf(bytes: bytes)
            // MapReplay checks each epoch leaf's root against the leaves before it, naming the epoch.
            try replay.append(leaf)
            if case let .epoch(root, _) = leaf.content { roots.append(root) }
        }
        XCTAssertEqual(replay.epochs, roots.count)
        XCTAssertEqual(roots.first, .zero)  // the opening epoch of an empty log
        XCTAssertGreaterThanOrEqual(Set(roots.filter { $0 != .zero }).count, 3, "each batch changed the map: \(roots.map(\.base64))")
        XCTAssertEqual(roots.last, replay.tree.root)
        // The revoked mandate and the older preference are as the rules say.
        guard case let .work(w2)? = replay.latestRecord(.work(try work(2))) else { return XCTFail("no record of work 2") }
        XCTAssertEqual(w2.stamp.version, 2)
        XCTAssertEqual(w2.mandates.map(\.active), [false])
        guard case let .declaration(d1)? = replay.latestRecord(.declaration(work: try work(1), declarant: creator.publicKey)) else {
            return XCTFail("no declarations on work 1")
        }
        XCTAssertEqual(d1.stamp.version, 1)
        try await node.stop()
    }
}
