import AssentCore
@testable import AssentNode
import Foundation
import Logging
import XCTest

/// Three real nodes on loopback, one federation file: each node's checkpoints are cosigned by
/// the other two nodes' witnesses (`POST /add-checkpoint`, which replicates and replays the log
/// before it cosigns), and receipts carry those cosignatures (docs/federation.md "Cosigning").
final class FederationCosigningTests: FederationTestCase {
    /// Each node a witness of the federation, waiting long enough for the others to catch up.
    func startFederation(quorum: Int) async throws -> Federation {
        try await startNodes(witnesses: true, quorum: quorum) { c in
            c.witnessTimeoutMilliseconds = 10_000
            c.witnessCatchUpMilliseconds = 5000
        }
    }

    /// Submits fresh statements to `node` until a reply meets the quorum (at most 40 tries):
    /// nodes start one after another, so each first asked peers that were not up yet and holds
    /// them in back-off (250 ms) for a moment. Returns that reply and its statement.
    func submitUntilQuorum(_ node: TestNode, from n: Int) async throws -> (TestNode.Reply, SignedStatement) {
        var last: (TestNode.Reply, SignedStatement)?
        for i in 0..<40 {
            let statement = Fixtures.preference(n + i)
            let reply = try await node.post("/v1/statements", statement.canonicalBytes)
            last = (reply, statement)
            if reply.json["witnessed"]?["belowQuorum"] == .bool(false) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try XCTUnwrap(last)
    }

    func testEachNodesReceiptsCarryTheOtherTwoNodesCosignatures() async throws {
        let federation = try await startFederation(quorum: 2)
        for (i, node) in nodes.enumerated() {
            let (reply, statement) = try await submitUntilQuorum(node, from: 700 + 100 * i)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.json["witnessed"], ["cosignatures": 2, "quorum": 2, "belowQuorum": false], "\(names[i]): \(reply.text)")
            XCTAssertEqual(reply.headers["assent-quorum"], "met; cosignatures=2; quorum=2")
            let receipt = try reply.receipt()
            XCTAssertNoThrow(try receipt.verify(statement: statement, logKey: node.logKey))
            let cosigners = federation.cosigners(of: try SignedNote(parsing: receipt.checkpoint)).map(\.key.name)
            XCTAssertEqual(Set(cosigners), Set(names.filter { $0 != names[i] }.map { "\($0).assent.example/witness" }))
            // Each witness cosigned only after replicating: its mirror holds the log at least to the receipt's checkpoint.
            let size = try Checkpoint(text: SignedNote(parsing: receipt.checkpoint).text).size
            for other in nodes where other !== node {
                XCTAssertGreaterThanOrEqual(other.node.replicator?.mirrored(origin: node.config.origin)?.size ?? 0, size)
            }
        }
    }

    /// A node that is down cannot cosign: with quorum 2 the others publish below quorum and say so,
    /// and once it is back its cosignatures come again.
    func testANodeDownMeansBelowQuorumUntilItIsBack() async throws {
        _ = try await startFederation(quorum: 2)
        let (warm, _) = try await submitUntilQuorum(nodes[0], from: 1000)
        XCTAssertEqual(warm.json["witnessed"]?["belowQuorum"], .bool(false), warm.text)
        try await nodes[2].stop()
        let down = try await nodes[0].post("/v1/statements", Fixtures.preference(1100).canonicalBytes)
        XCTAssertEqual(down.status, 200, down.text)
        XCTAssertEqual(down.json["witnessed"], ["cosignatures": 1, "quorum": 2, "belowQuorum": true], down.text)
        XCTAssertEqual(down.headers["assent-quorum"], "below; cosignatures=1; quorum=2")
        try await nodes[2].start()
        let (back, _) = try await submitUntilQuorum(nodes[0], from: 1200)
        XCTAssertEqual(back.json["witnessed"]?["belowQuorum"], .bool(false), "the restarted witness never cosigned again: \(back.text)")
    }
}
