import AssentCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A witness on a real loopback socket that follows C2SP tlog-witness v1.0.0 "add-checkpoint"
/// for one log, written from the spec for the tests of the node's witness client: it checks
/// the log's signature, the old size against the size it last cosigned (409 with
/// `text/x.tlog.size`), the consistency proof (422), and cosigns (tlog-cosignature). It can be
/// told to answer slowly, or to be unavailable (503, as a witness that cannot reach the log),
/// and records each request's old size.
final class TestWitness: Sendable {
    struct State {
        var size: UInt64 = 0
        var root: Hash?
        var olds: [UInt64] = []
        var delay: Duration = .zero
        /// Answer every request 503, as a witness cut off from the log it should mirror first.
        var unavailable = false
        /// Requests answered 503 while `unavailable`.
        var refused = 0
    }

    let signer: NoteSigner
    let logKey: NoteVerifierKey
    let state = Mutex(State())
    private let server = LoopbackServer()

    init(name: String, seed: UInt8, logKey: NoteVerifierKey) throws {
        signer = try NoteSigner(name: name, key: SigningKey(seed: [UInt8](repeating: seed, count: 32)), type: .cosignatureV1)
        self.logKey = logKey
    }

    var port: Int { server.port }
    var url: String { "http://127.0.0.1:\(port)/" }
    var federationWitness: Federation.Witness { Federation.Witness(key: signer.verifierKey, url: url) }
    var olds: [UInt64] { state.withLock { $0.olds } }
    var size: UInt64 { state.withLock { $0.size } }

    func start() async throws {
        let router = Router()
        router.post("/add-checkpoint") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let delay = self.state.withLock { $0.delay }
            if delay > .zero { try await Task.sleep(for: delay) }
            let unavailable = self.state.withLock { s in
                if s.unavailable { s.refused += 1 }
                return s.unavailable
            }
            if unavailable { return Response(status: .serviceUnavailable, headers: [.retryAfter: "5"]) }
            let (status, contentType, text) = self.answer(String(decoding: Array(buffer: body), as: UTF8.self))
            return Response(status: .init(code: status), headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        try await server.start(router, label: "test-witness")
    }

    func stop() async { try? await server.stop() }

    /// The spec's checks, in its order.
    func answer(_ body: String) -> (Int, String, String) {
        guard let blank = body.range(of: "\n\n") else { return (400, "text/plain", "no empty line") }
        let head = body[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let old = UInt64(first.dropFirst(4)) else { return (400, "text/plain", "no old line") }
        let proof = head.dropFirst().compactMap { Hash(base64: $0) }
        guard proof.count == head.count - 1 else { return (400, "text/plain", "bad proof line") }
        let noteText = String(body[blank.upperBound...])
        guard let note = try? SignedNote(parsing: noteText), let checkpoint = try? Checkpoint.verified(note, logKey: logKey) else {
            return (403, "text/plain", "no valid log signature")
        }
        return state.withLock { s in
            s.olds.append(old)
            guard old <= checkpoint.size else { return (400, "text/plain", "old > size") }
            guard old == s.size else { return (409, "text/x.tlog.size", "\(s.size)\n") }
            if old == checkpoint.size {
                guard s.root == nil || s.root == checkpoint.root else { return (409, "text/x.tlog.size", "\(s.size)\n") }
            } else if old > 0 {
                guard let root = s.root, (try? ConsistencyProof(oldSize: old, newSize: checkpoint.size, hashes: proof)
                    .verify(oldRoot: root, newRoot: checkpoint.root)) != nil else { return (422, "text/plain", "bad proof") }
            } else if !proof.isEmpty {
                return (422, "text/plain", "proof from 0 must be empty")
            }
            s.size = checkpoint.size
            s.root = checkpoint.root
            guard let line = try? Cosignature.sign(note, witness: signer, timestamp: UInt64(Date().timeIntervalSince1970)).line else {
                return (500, "text/plain", "cannot sign")
            }
            return (200, "text/plain", line)
        }
    }
}
