import AssentCore
@testable import AssentNode
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import XCTest

/// A hostile peer or a hung witness that sends a 200 reply's head, one byte of its body, then
/// nothing: AsyncHTTPClient's deadline ends with the head, so before `LogReadClient.within` a
/// follower reading that peer (read timeout 60 s, reset by each trickled byte) and a witness
/// client (no read timeout at all) waited for ever. A real server on loopback.
final class StallingReplyTests: XCTestCase {
    /// Serves every path (GET and POST) with one byte, then holds the body open for `hold`.
    final class StallingServer: Sendable {
        private let server = LoopbackServer()
        var base: String { "http://127.0.0.1:\(server.port)/" }

        func start(hold: Duration) async throws {
            try await start { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "—"))
                    try? await Task.sleep(for: hold)
                    try await writer.finish(nil)
                })
            }
        }

        /// Answers every request with `stall`.
        func start(_ stall: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) async throws {
            let router = Router()
            router.get("/**", use: stall)
            router.post("/**", use: stall)
            try await server.start(router, label: "stalling-server", logLevel: .critical)
        }

        func stop() async { try? await server.stop() }
    }

    /// Runs `body`, failing the test (rather than hanging it) when it takes more than `limit`.
    func finishes<T: Sendable>(within limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> Result<T, Error> {
        let started = ContinuousClock.now
        let outcome = await withTaskGroup(of: Result<T, Error>?.self) { group in
            group.addTask {
                do { return .success(try await body()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcome else {
            // Failed, not thrown: the test goes on to shut its HTTP client down.
            XCTFail("\(what) did not finish within \(limit)")
            return .failure(CancellationError())
        }
        XCTAssertLessThan(ContinuousClock.now - started, limit, what)
        return outcome
    }

    func testAPeerStallingABodyFailsTheFetchWithinItsTimeout() async throws {
        let server = StallingServer()
        // The stall outlasts the test's limit, and the client's read timeout is longer still.
        try await server.start(hold: .seconds(20))
        let client = LogReadClient.makeHTTPClient(connect: .seconds(5), read: .seconds(120))
        let fetch = LogReadClient.fetch(base: server.base, client: client, timeout: .seconds(1))
        let outcome = try await finishes(within: .seconds(10), "a fetch of a stalled body") { try await fetch("checkpoint") }
        guard case let .failure(error) = outcome else { return XCTFail("a stalled body was read: \(outcome)") }
        XCTAssertTrue("\(error)".contains("no complete reply within"), "\(error)")
        XCTAssertTrue("\(error)".contains(server.base + "checkpoint"), "\(error)")
        try await client.shutdown()
        await server.stop()
    }

    /// A peer that answers with a redirect does not send the node's requests elsewhere: the
    /// fetch fails naming the status, and the host it pointed to is never asked.
    func testAPeerRedirectIsNotFollowed() async throws {
        let elsewhere = StallingServer()
        let reached = Mutex(0)
        try await elsewhere.start { _, _ in
            reached.withLock { $0 += 1 }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "not the peer")))
        }
        let peer = StallingServer()
        let target = elsewhere.base + "checkpoint"
        try await peer.start { _, _ in
            Response(status: .found, headers: [.location: target])
        }
        let client = LogReadClient.makeHTTPClient(connect: .seconds(5), read: .seconds(5))
        let fetch = LogReadClient.fetch(base: peer.base, client: client, timeout: .seconds(5))
        let outcome = try await finishes(within: .seconds(10), "a fetch answered with a redirect") { try await fetch("checkpoint") }
        guard case let .failure(error) = outcome else { return XCTFail("the redirect was followed: \(outcome)") }
        XCTAssertTrue("\(error)".contains("302"), "\(error)")
        XCTAssertEqual(reached.withLock { $0 }, 0, "the host the redirect named was asked")
        try await client.shutdown()
        await peer.stop()
        await elsewhere.stop()
    }

    func testAWitnessStallingItsReplyFailsTheRequestWithinItsTimeout() async throws {
        let server = StallingServer()
        try await server.start(hold: .seconds(20))
        // The client the Cosigner makes: no read timeout.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration())
        let origin = "stall.example/log"
        let log = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
        let note = try SignedNote.sign(text: Checkpoint(origin: origin, size: 3, root: SHA256.hash([1])).text, with: log)
        let signer = try NoteSigner(name: "stall.example/witness", key: SigningKey(seed: [UInt8](repeating: 2, count: 32)), type: .cosignatureV1)
        let witness = try XCTUnwrap(WitnessClient(
            witness: Federation.Witness(key: signer.verifierKey, url: server.base), timeout: .seconds(1),
            client: { client }, proof: { _, _ in [] }, report: { _, _, _ in }))
        let checkpoint = try Checkpoint(text: note.text)
        let outcome = try await finishes(within: .seconds(10), "a request to a stalled witness") {
            await witness.cosign(checkpoint, note: note)
        }
        guard case let .success(.failure(.unreachable(why))) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(why.contains("no complete reply within"), why)
        try await client.shutdown()
        await server.stop()
    }

    /// A witness whose 409 names a size beyond the checkpoint offered (it lies, or the log forked)
    /// was learned as "the size it cosigned", and every later checkpoint smaller than that lie
    /// was dropped without a word: its batches waited the whole timeout for an answer that
    /// never came, until the node restarted. Now such a size is not learned, and each later
    /// checkpoint is asked and answered (failed, `ahead`).
    func testAWitnessNamingASizeBeyondTheCheckpointIsStillAskedForTheNextOne() async throws {
        let server = StallingServer()
        let asked = Mutex(0)
        try await server.start { _, _ in
            asked.withLock { $0 += 1 }
            return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"], body: .init(byteBuffer: ByteBuffer(string: "1000000\n")))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration())
        let origin = "ahead.example/log"
        let log = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
        let signer = try NoteSigner(name: "ahead.example/witness", key: SigningKey(seed: [UInt8](repeating: 2, count: 32)), type: .cosignatureV1)
        let reports = Mutex<[(UInt64, String)]>([])
        let witness = try XCTUnwrap(WitnessClient(
            witness: Federation.Witness(key: signer.verifierKey, url: server.base), timeout: .seconds(5),
            client: { client }, proof: { _, _ in [] }, report: { _, size, result in reports.withLock { $0.append((size, "\(result)")) } }))
        for (n, size) in [UInt64(3), 4].enumerated() {
            let note = try SignedNote.sign(text: Checkpoint(origin: origin, size: size, root: SHA256.hash([UInt8(size)])).text, with: log)
            await witness.offer(try Checkpoint(text: note.text), note: note)
            let waitUntil = ContinuousClock.now + .seconds(10)
            while reports.withLock({ $0.count }) <= n, ContinuousClock.now < waitUntil { try await Task.sleep(for: .milliseconds(20)) }
            guard let report = reports.withLock({ $0.count > n ? $0[n] : nil }) else { return XCTFail("no report for size \(size)") }
            XCTAssertEqual(report.0, size)
            XCTAssertTrue(report.1.contains("1000000"), report.1)
        }
        XCTAssertEqual(asked.withLock { $0 }, 2, "each checkpoint is asked once (the 409's size is beyond it: no retry)")
        try await client.shutdown()
        await server.stop()
    }
}
