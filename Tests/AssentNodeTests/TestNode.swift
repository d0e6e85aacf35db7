import AssentCore
import AssentNode
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import XCTest

/// A real node on a real loopback socket, with its database in a temporary directory.
final class TestNode: @unchecked Sendable {
    let directory: URL
    var config: NodeConfig
    private(set) var node: Node!
    private(set) var port = 0
    private var group: ServiceGroup?
    private var runTask: Task<Void, Error>?
    /// The node's clock: the system's, or a manual one the test moves.
    let clock: any NodeClock
    /// The peer logs the node mirrors (`Node.init`'s `peers`), and the operator keys they trust.
    var peers: [Replicator.Peer] = []
    var peerOperators: Set<PublicKey> = []
    /// Replication paced for tests: polls and retries every 50 ms.
    var replication: Replicator.Settings = {
        var settings = Replicator.Settings()
        settings.interval = .milliseconds(50)
        settings.firstRetry = .milliseconds(50)
        settings.maxRetry = .milliseconds(400)
        return settings
    }()

    init(directory: URL? = nil, clock: any NodeClock = SystemClock(), configure: (inout NodeConfig) -> Void = { _ in }) {
        self.clock = clock
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("assent-node-\(UUID().uuidString)")
        config = NodeConfig(origin: "test.assent.example/log", listen: "127.0.0.1:0",
                            dataDirectory: self.directory.appendingPathComponent("data").path)
        config.batchIntervalMilliseconds = 5
        // Most tests submit preferences from keys nobody enrolled; the tests of the policy itself turn this off.
        config.openDeclarations.enabled = true
        config.openDeclarations.perKeyBurst = 100_000
        config.openDeclarations.perClientBurst = 100_000
        configure(&config)
    }

    func start() async throws {
        var logger = Logger(label: "test-node")
        logger.logLevel = .warning
        node = nil  // a restarted node takes over the data directory's lock from the stopped one
        node = try Node(config: config, clock: clock, logger: logger, peers: peers, peerOperators: peerOperators, replication: replication)
        let ready = AsyncStream<Int>.makeStream()
        let app = try node.application { port in ready.continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        self.group = group
        runTask = Task { try await group.run() }
        for await p in ready.stream {
            port = p
            break
        }
        await waitForSize(1)  // a new log's first epoch: tests see a log with a checkpoint
    }

    /// Graceful shutdown: the server drains, then the sequencer logs what it accepted.
    func stop() async throws {
        await triggerStop()
        try await stopped()
    }

    func triggerStop() async { await group?.triggerGracefulShutdown() }

    func stopped() async throws {
        defer { node?.close() }
        try await runTask?.value
        group = nil
        runTask = nil
    }

    /// Waits (for events, not time) until the sequencer has written the log to at least `size` leaves.
    func waitForSize(_ size: UInt64) async {
        if node.store.size >= size { return }
        for await written in node.sequencer.written where written >= size { return }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    var base: String { "http://127.0.0.1:\(port)" }
    var logKey: NoteVerifierKey { node.keys.log.verifierKey }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var json: JSONValue { (try? CanonicalJSON.parse(body)) ?? .object([:]) }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The receipt of a single-statement reply.
        func receipt() throws -> Receipt {
            guard case let .string(text)? = json["receipt"] else { throw TestFailure("no receipt in \(status) \(self.text)") }
            return try Receipt(text: text)
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        return try await send(request)
    }

    func post(_ path: String, _ body: [UInt8], timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request, timeout: timeout)
    }

    private func send(_ request: HTTPClientRequest, timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 128 * 1024 * 1024)
        var headers = [String: String]()
        for h in response.headers { headers[h.name.lowercased()] = h.value }
        return Reply(status: Int(response.status.code), headers: headers, body: Array(buffer: body))
    }
}

/// Statements for tests, signed with fixed keys.
enum Fixtures {
    static let creator = try! SigningKey(seed: [UInt8](repeating: 42, count: 32))

    static func preference(_ n: Int, issued: Timestamp = .now, key: SigningKey = creator) -> SignedStatement {
        SignedStatement.sign(.preference(Preference(by: key.publicKey, issued: issued, work: try! WorkID(parsing: "local:gema.de/\(n)"),
                                                     usage: ["train-ai": false, "search": true])), with: key)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 50 ms until it holds, for at most 30 s; then throws
/// `TestFailure("not within 30 s: <what>")`. For what another node does in the background
/// (replication, cosigning), which no event of the test's own marks.
func waitUntil(_ what: String, _ condition: () throws -> Bool) async throws {
    for _ in 0..<600 {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("not within 30 s: \(what)")
}

extension TestNode {
    /// Runs `assent audit`'s replay (`LogAudit`) against this node over HTTP, with a client of
    /// its own that is shut down whether the audit passes or throws.
    func audit(receipts: [Substring]? = nil) async throws -> LogAudit.Summary {
        let client = LogAudit.makeHTTPClient()
        let result: Result<LogAudit.Summary, Error>
        do { result = .success(try await LogAudit(logKey: logKey, fetch: LogAudit.httpFetch(base: base, client: client)).run(receipts: receipts)) } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        return try result.get()
    }
}
