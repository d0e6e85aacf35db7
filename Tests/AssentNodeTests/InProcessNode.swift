import AssentCore
import AssentNode
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import XCTest

/// A node whose router is driven in process (HummingbirdTesting's `.router`): no socket, no
/// port, the sequencer running as the application's service. For every route test that is not
/// about sockets; `TestNode` keeps a real loopback socket for those that are.
struct InProcessNode: Sendable {
    let node: Node
    let client: any TestClientProtocol

    var config: NodeConfig { node.config }
    var logKey: NoteVerifierKey { node.keys.log.verifierKey }

    /// Runs `body` against a fresh node in a temporary directory, removed afterwards.
    static func run(clock: any NodeClock = SystemClock(), configure: (inout NodeConfig) -> Void = { _ in },
                    _ body: @Sendable (InProcessNode) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-inprocess-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = NodeConfig(origin: "test.assent.example/log", listen: "127.0.0.1:0",
                                dataDirectory: directory.appendingPathComponent("data").path)
        config.batchIntervalMilliseconds = 5
        // Most tests submit preferences from keys nobody enrolled; the tests of the policy itself turn this off.
        config.openDeclarations.enabled = true
        config.openDeclarations.perKeyBurst = 100_000
        config.openDeclarations.perClientBurst = 100_000
        configure(&config)
        var logger = Logger(label: "test-node")
        logger.logLevel = .warning
        let node = try Node(config: config, clock: clock, logger: logger)
        defer { node.close() }
        let app = try node.application()
        try await app.test(.router) { client in
            let inProcess = InProcessNode(node: node, client: client)
            // A new log's first leaf, its genesis epoch, is written by the sequencer as it starts,
            // concurrently with the body: waited for here, so that a test reading the log's size
            // or checkpoint first does not race it (RefusalTests failed so in a loaded CI run).
            await inProcess.waitForSize(1)
            try await body(inProcess)
        }
    }

    /// Waits (for events, not time) until the sequencer has written the log to at least `size` leaves.
    func waitForSize(_ size: UInt64) async {
        if node.store.size >= size { return }
        for await written in node.sequencer.written where written >= size { return }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> TestNode.Reply {
        try await send(path, method: .get, headers: headers, body: nil)
    }

    func post(_ path: String, _ body: [UInt8], headers: [(String, String)] = []) async throws -> TestNode.Reply {
        try await send(path, method: .post, headers: [("Content-Type", "application/json")] + headers, body: ByteBuffer(bytes: body))
    }

    struct BadHeaderName: Error {
        let name: String
    }

    func send(_ path: String, method: HTTPRequest.Method, headers: [(String, String)] = [], body: ByteBuffer?) async throws -> TestNode.Reply {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let field = HTTPField.Name(name) else { throw BadHeaderName(name: name) }
            fields.append(HTTPField(name: field, value: value))
        }
        let response = try await client.executeRequest(uri: path, method: method, headers: fields, body: body)
        var replyHeaders = [String: String]()
        for field in response.headers { replyHeaders[field.name.canonicalName] = field.value }
        return TestNode.Reply(status: response.status.code, headers: replyHeaders, body: Array(buffer: response.body))
    }
}
