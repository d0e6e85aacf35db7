import AssentCore
@testable import AssentNode
import Foundation
import XCTest

/// The HTTP server's limits, on a real socket: they are about connections and bytes on the wire.
final class LimitTests: XCTestCase {
    func elapsed(since start: ContinuousClock.Instant) -> Double {
        let d = start.duration(to: .now)
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func problemType(_ response: RawConnection.Response) -> String? {
        (try? CanonicalJSON.parse(response.body))?["type"]?.stringValue
    }

    func testABodyDeclaredOverTheLimitIsRefusedBeforeItIsRead() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let connection = try RawConnection(port: node.port)
        // 70 MB declared; only 4 KiB ever sent. The answer comes without waiting for the rest.
        await connection.send("POST /v1/statements HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 73400320\r\n\r\n")
        await connection.send([UInt8](repeating: 0x20, count: 4096))
        let response = try await connection.readResponse(timeout: 5)
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.headers["content-type"], "application/problem+json")
        XCTAssertEqual(response.headers["connection"], "close")
        XCTAssertEqual(problemType(response), "urn:assent:problem:too-large", response.text)
        let closed = await connection.waitUntilClosed(timeout: 5)
        XCTAssertTrue(closed, "the node closes the connection after refusing the body")
        try await node.stop()
    }

    func testAChunkedBodyOverTheLimitIsRefusedTooLarge() async throws {
        let node = TestNode { $0.maxBodyBytes = 65_536 }
        try await node.start()
        defer { node.remove() }
        let connection = try RawConnection(port: node.port)
        await connection.send("POST /v1/statements HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = "4000\r\n" + String(repeating: " ", count: 0x4000) + "\r\n"
        for _ in 0..<8 { await connection.send(chunk) }  // 128 KiB, twice the limit
        await connection.send("0\r\n\r\n")
        let response = try await connection.readResponse(timeout: 5)
        XCTAssertEqual(response.status, 413, response.text)
        XCTAssertEqual(problemType(response), "urn:assent:problem:too-large", response.text)
        XCTAssertEqual(response.headers["connection"], "close")
        let closed = await connection.waitUntilClosed(timeout: 5)
        XCTAssertTrue(closed)
        try await node.stop()
    }

    func testAnIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        let node = TestNode { $0.idleTimeoutSeconds = 0.3 }
        try await node.start()
        defer { node.remove() }
        // A connection that never sends a byte.
        let silent = try RawConnection(port: node.port)
        let start = ContinuousClock.now
        let closed = await silent.waitUntilClosed(timeout: 10)
        XCTAssertTrue(closed)
        XCTAssertGreaterThanOrEqual(elapsed(since: start), 0.25)
        // A kept-alive connection, idle after its response.
        let kept = try RawConnection(port: node.port)
        await kept.send("GET /healthz HTTP/1.1\r\nHost: node\r\n\r\n")
        let health = try await kept.readResponse(timeout: 5)
        XCTAssertEqual(health.status, 200)
        let keptClosed = await kept.waitUntilClosed(timeout: 10)
        XCTAssertTrue(keptClosed)
        try await node.stop()
    }

    func testARequestHeadThatStallsIsCutOffAfterTheHeaderTimeout() async throws {
        let node = TestNode {
            $0.headerTimeoutSeconds = 0.3
            $0.idleTimeoutSeconds = 60
        }
        try await node.start()
        defer { node.remove() }
        let connection = try RawConnection(port: node.port)
        await connection.send("GET /healthz HTTP/1.1\r\nHost: node\r\n")  // the blank line never comes
        let start = ContinuousClock.now
        let closed = await connection.waitUntilClosed(timeout: 10)
        XCTAssertTrue(closed)
        XCTAssertLessThan(elapsed(since: start), 10, "closed by the header timeout, long before the idle one")
        try await node.stop()
    }

    func testABodyTrickledAByteAtATimeIsCutOffAfterTheBodyTimeout() async throws {
        let node = TestNode { $0.bodyTimeoutSeconds = 0.5 }
        try await node.start()
        defer { node.remove() }
        let connection = try RawConnection(port: node.port)
        await connection.send("POST /v1/statements HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        var sent = 0
        var received = [UInt8]()
        var closed = false
        let start = ContinuousClock.now
        // One byte every 50 ms would take 50 s; the node gives up after 0.5 s.
        while sent < 1000, !closed, received.isEmpty, elapsed(since: start) < 10 {
            guard await connection.send("{") else { break }
            sent += 1
            let got = await connection.read(for: 0.05)
            received += got.bytes
            closed = got.closed
        }
        XCTAssertLessThan(sent, 200, "the node stopped waiting for the body")
        if !received.isEmpty {
            let rest = await connection.read(for: 2)
            let text = String(decoding: received + rest.bytes, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("HTTP/1.1 408"), text)
            XCTAssertTrue(text.contains("urn:assent:problem:request-timeout"), text)
        }
        let end = await connection.waitUntilClosed(timeout: 5)
        XCTAssertTrue(closed || end)
        try await node.stop()
    }

    func testConnectionsOverTheCapAreRefusedWhileTheOthersAreServed() async throws {
        let node = TestNode { $0.maxConnections = 2 }
        try await node.start()
        defer { node.remove() }
        let health = "GET /healthz HTTP/1.1\r\nHost: node\r\n\r\n"
        let a = try RawConnection(port: node.port)
        let b = try RawConnection(port: node.port)
        for connection in [a, b] {
            await connection.send(health)
            let reply = try await connection.readResponse(timeout: 5)
            XCTAssertEqual(reply.status, 200)
        }
        let c = try RawConnection(port: node.port)
        await c.send(health)
        let refused = try await c.readResponse(timeout: 5)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.headers["retry-after"], "1")
        XCTAssertEqual(problemType(refused), "urn:assent:problem:busy", refused.text)
        let cClosed = await c.waitUntilClosed(timeout: 5)
        XCTAssertTrue(cClosed)
        // The connections within the cap are still served.
        await a.send(health)
        let again = try await a.readResponse(timeout: 5)
        XCTAssertEqual(again.status, 200)
        // Once one closes, a new connection gets in (after the node has seen the close).
        a.close()
        var admittedConnection: RawConnection?
        for _ in 0..<50 where admittedConnection == nil {
            let d = try RawConnection(port: node.port)
            await d.send(health)
            if try await d.readResponse(timeout: 5).status == 200 {
                admittedConnection = d
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let d = try XCTUnwrap(admittedConnection)
        // Both slots are taken now (b and d), so the metrics are read over d itself: a new
        // connection would be refused, which is the point of the cap.
        await d.send("GET /metrics HTTP/1.1\r\nHost: node\r\n\r\n")
        let metrics = try await d.readResponse(timeout: 5)
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains("assent_http_connections_refused_total"), metrics.text)
        b.close()
        d.close()
        try await node.stop()
    }

    func testLargeBodiesBeyondTheBoundAreAnswered503AndSmallOnesAreNotHeldUp() async throws {
        let node = TestNode { $0.maxConcurrentLargeBodies = 1 }
        try await node.start()
        defer { node.remove() }
        let head = "POST /v1/statements HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n\r\n"
        // A holds the one permit: its body is under way and stalls.
        let a = try RawConnection(port: node.port)
        await a.send(head)
        await a.send([UInt8](repeating: 0x20, count: 1000))
        var held = false
        for _ in 0..<100 where !held {
            held = node.node.bodyPermits.held == 1
            if !held { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertTrue(held)
        // B, large too, is not queued behind it.
        let b = try RawConnection(port: node.port)
        await b.send(head)
        let busy = try await b.readResponse(timeout: 5)
        XCTAssertEqual(busy.status, 503)
        XCTAssertEqual(busy.headers["retry-after"], "1")
        XCTAssertEqual(problemType(busy), "urn:assent:problem:busy", busy.text)
        // A single statement needs no permit.
        let small = try await node.post("/v1/statements", Fixtures.preference(9000).canonicalBytes)
        XCTAssertEqual(small.status, 200, small.text)
        // A finishes; its permit is free again.
        await a.send([UInt8](repeating: 0x20, count: 299_000))
        let aReply = try await a.readResponse(timeout: 10)
        XCTAssertEqual(problemType(aReply), "urn:assent:problem:too-large", aReply.text)  // judged on its content
        XCTAssertTrue(aReply.text.contains("statement is 300000 bytes"), aReply.text)
        XCTAssertEqual(node.node.bodyPermits.held, 0)
        try await node.stop()
    }

    func testAClientThatDisconnectsMidBodyIsCountedAs499NotAs500() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let connection = try RawConnection(port: node.port)
        await connection.send("POST /v1/statements HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"sig\":")
        try await Task.sleep(for: .milliseconds(50))
        connection.close()
        var lines = [Substring]()
        for _ in 0..<100 where lines.isEmpty {
            let metrics = try await node.get("/metrics").text
            lines = metrics.split(separator: "\n").filter { $0.contains("route=\"/v1/statements\"") && $0.contains("_count") }
            if lines.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertFalse(lines.isEmpty, "the request was recorded")
        XCTAssertTrue(lines.allSatisfy { $0.contains("status=\"499\"") }, lines.joined(separator: "\n"))
        try await node.stop()
    }
}
