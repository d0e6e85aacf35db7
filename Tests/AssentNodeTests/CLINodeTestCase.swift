import XCTest

/// The CLI against a real node: a node that takes statements only from enrolled parties, a
/// scratch directory for the `assent` binary's files, and the flags that point a verb at the node.
class CLINodeTestCase: XCTestCase {
    var node: TestNode!
    var cli: AssentCLI!

    override func setUp() async throws {
        node = TestNode { $0.openDeclarations.enabled = false }
        try await node.start()
        cli = AssentCLI()
    }

    override func tearDown() async throws {
        try await node.stop()
        node.remove()
        cli.remove()
    }

    var operatorKey: String { node.directory.appendingPathComponent("data/operator.key").path }
    var target: [String] { ["--node", node.base, "--log-key", node.logKey.description] }
}
