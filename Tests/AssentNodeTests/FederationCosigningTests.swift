import AssentCore
@testable import AssentNode
import Foundation
import Logging
import XCTest

/// Three real nodes on loopback, one federation file: each node's checkpoints are cosigned by
/// the other two nodes' witnesses (`POST /add-checkpoint`, which replicates and replays the log
/// before it cosigns), and receipts carry those cosignatures (docs/federation.md "Cosigning").
final class FederationCosigningTests: XCTestCase {
    var directory: URL!
    var nodes: [TestNode] = []
    let names = ["gema", "sacem", "apra"]

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-three-\(UUID().uuidString)")
    }

    override func tearDown() async throws {
        for node in nodes { try? await node.stop() }
        try? FileManager.default.removeItem(at: directory)
    }

    func startFederation(quorum: Int) async throws -> Federation {
        let path = directory.appendingPathComponent("federation.json").path
        var configured = [TestNode]()
        var keys = [NodeKeys]()
        for name in names {
            let port = try FederationFixtures.freePort()
            let node = TestNode(directory: directory.appendingPathComponent(name)) { c in
                c.origin = "\(name).assent.example/log"
                c.listen = "127.0.0.1:\(port)"
                c.federation = path
                c.witnessTimeoutMilliseconds = 10_000
                c.witnessCatchUpMilliseconds = 5000
            }
            configured.append(node)
            keys.append(try FederationFixtures.keys(for: node.config))
        }
        let logs = zip(configured, keys).map { FederationFixtures.log($0.config, keys: $1) }
        let witnesses = zip(configured, keys).map { FederationFixtures.witness($0.config, keys: $1) }
        let federation = try FederationFixtures.write(path, logs: logs, witnesses: witnesses, quorum: quorum)
        for (i, node) in configured.enumerated() {
            let others = logs.indices.filter { $0 != i }
            node.peers = others.map { Replicator.Peer(origin: logs[$0].origin, key: logs[$0].key, url: logs[$0].url) }
            node.peerOperators = Set(others.flatMap { logs[$0].operators })
        }
        for node in configured { try await node.start() }
        nodes = configured
        return federation
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
