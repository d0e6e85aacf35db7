import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on loopback that forwards GETs to a node and can alter what it answers:
/// a peer serving tampered bytes, for the replicator's tests. Counts the requests by path.
final class TamperingProxy: Sendable {
    /// The node forwarded to; a test may switch it (a peer replaced by another with the same key).
    let target: Mutex<String>
    /// Changes the body of a 200 reply to `path` (without the leading `/`); nil: forward as is.
    let tamper = Mutex<(@Sendable (_ path: String, _ body: [UInt8]) -> [UInt8])?>(nil)
    /// While set, requests are held unanswered with their connection open, as behind a cut link.
    let silent = Mutex(false)
    private let counts = Mutex<[String: Int]>([:])
    private let server = LoopbackServer()

    init(target: String) { self.target = Mutex(target) }

    var base: String { "http://127.0.0.1:\(server.port)" }

    /// Requests received for each path.
    var requests: [String: Int] { counts.withLock { $0 } }
    func resetCounts() { counts.withLock { $0 = [:] } }

    func start() async throws {
        let router = Router()
        router.get("/**") { request, _ -> Response in
            let path = String(request.uri.path.dropFirst())
            self.counts.withLock { $0[path, default: 0] += 1 }
            while self.silent.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
            // No Accept-Encoding: the node answers with the bytes themselves, which the tamper sees.
            let reply = try await HTTPClient.shared.execute(HTTPClientRequest(url: self.target.withLock { $0 } + "/" + path), timeout: .seconds(30))
            var body = Array(buffer: try await reply.body.collect(upTo: 1 << 26))
            if reply.status == .ok, let tamper = self.tamper.withLock({ $0 }) { body = tamper(path, body) }
            return Response(status: .init(code: Int(reply.status.code)), headers: [.contentType: "application/octet-stream"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        try await server.start(router, label: "tampering-proxy")
    }

    func stop() async throws { try await server.stop() }
}
