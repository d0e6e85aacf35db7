import AssentCore
@testable import AssentNode
import Foundation
import XCTest

/// Three real nodes on loopback, one federation file naming them all (docs/federation.md): what
/// the federation tests share. Each test starts them with `startNodes`; tearDown stops them and
/// removes their directories.
class FederationTestCase: XCTestCase {
    var directory: URL!
    var nodes: [TestNode] = []
    let names = ["gema", "sacem", "apra"]

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-federation-\(UUID().uuidString)")
    }

    override func tearDown() async throws {
        for node in nodes { try? await node.stop() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a node a name, `<name>.assent.example/log` on a free loopback port, each mirroring
    /// the others as the federation file lists them. With `witnesses` the file lists each node's
    /// witness too, and `quorum` cosignatures are asked of each checkpoint. `configure` adds to
    /// each node's configuration. Returns the federation as written.
    @discardableResult
    func startNodes(witnesses: Bool, quorum: Int, configure: (inout NodeConfig) -> Void) async throws -> Federation {
        let path = directory.appendingPathComponent("federation.json").path
        var configured = [TestNode]()
        var keys = [NodeKeys]()
        for name in names {
            let port = try FederationFixtures.freePort()
            let node = TestNode(directory: directory.appendingPathComponent(name)) { c in
                c.origin = "\(name).assent.example/log"
                c.listen = "127.0.0.1:\(port)"
                c.federation = path
                configure(&c)
            }
            configured.append(node)
            keys.append(try FederationFixtures.keys(for: node.config))
        }
        let logs = zip(configured, keys).map { FederationFixtures.log($0.config, keys: $1) }
        let listed = witnesses ? zip(configured, keys).map { FederationFixtures.witness($0.config, keys: $1) } : []
        let federation = try FederationFixtures.write(path, logs: logs, witnesses: listed, quorum: quorum)
        // Stopped by tearDown even when a later one fails to start.
        nodes = configured
        for node in configured { try await node.start() }
        return federation
    }
}
