@testable import AssentNode
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest

/// Whatever refuses or fails a request, the client gets an RFC 9457 problem, and never the
/// text of an internal error.
final class ProblemTests: XCTestCase {
    func testUnknownRoutesAndWrongMethodsAreProblems() async throws {
        try await InProcessNode.run { node in
            let missing = try await node.get("/no/such/route")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.headers["content-type"], "application/problem+json")
            XCTAssertEqual(missing.json["type"], "urn:assent:problem:not-found")
            XCTAssertEqual(missing.json["detail"], "no route for GET /no/such/route")

            let cases: [(method: HTTPRequest.Method, path: String, allow: String)] = [
                (.get, "/v1/statements", "POST"), (.post, "/checkpoint", "GET, HEAD"), (.delete, "/tile/0/000", "GET, HEAD"),
                (.put, "/v1/proof/inclusion", "GET, HEAD"), (.head, "/v1/statements", "POST"),
            ]
            for c in cases {
                let reply = try await node.send(c.path, method: c.method, body: c.method == .get ? nil : ByteBuffer(string: "{}"))
                XCTAssertEqual(reply.status, 405, "\(c.method) \(c.path)")
                XCTAssertEqual(reply.headers["allow"], c.allow, "\(c.method) \(c.path)")
                if c.method == .head {
                    XCTAssertEqual(reply.body, [], "a reply to HEAD has no content (RFC 9110 §9.3.2)")
                } else {
                    XCTAssertEqual(reply.json["type"], "urn:assent:problem:method-not-allowed", "\(c.method) \(c.path)")
                }
            }
        }
    }

    func testADeclaredBodyOverTheLimitIsRefusedTooLarge() async throws {
        try await InProcessNode.run(configure: { $0.maxBodyBytes = 65_536 }) { node in
            let reply = try await node.post("/v1/statements", [UInt8](repeating: 0x20, count: 65_537))
            XCTAssertEqual(reply.status, 413)
            XCTAssertEqual(reply.headers["content-type"], "application/problem+json")
            XCTAssertEqual(reply.headers["connection"], "close")
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:too-large")
            XCTAssertEqual(reply.json["detail"]?.stringValue?.contains("at most 65536 bytes"), true, reply.text)
            // At the limit it is read and judged on its content: an empty batch.
            let atLimit = try await node.post("/v1/statements", Array(("[" + String(repeating: " ", count: 65_534) + "]").utf8))
            XCTAssertEqual(atLimit.status, 400, atLimit.text)
            XCTAssertEqual(atLimit.json["detail"], "empty batch")
        }
    }

    struct SecretFailure: Error, CustomStringConvertible {
        var description: String { "SQLITE_CORRUPT at /var/lib/assent/node.sqlite, key=hunter2" }
    }

    /// A tiny application with the node's middleware and routes that fail in given ways.
    func withFailingRoutes(_ body: @Sendable (any TestClientProtocol, NodeMetrics) async throws -> Void) async throws {
        let metrics = NodeMetrics()
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware(maxBodyBytes: 100, allowedMethods: { _ in [] }))
        router.get("/secret") { _, _ -> Response in throw SecretFailure() }
        router.get("/refused") { _, _ -> Response in throw Problem.badRequest("no thanks") }
        router.post("/gone") { _, _ -> Response in throw ClientGone.closed }
        router.post("/slow") { _, _ -> Response in throw ClientGone.bodyTimedOut }
        router.post("/collect") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 100)
            return Response(status: .ok)
        }
        try await Application(router: router).test(.router) { client in try await body(client, metrics) }
    }

    func testAnInternalErrorReachesTheClientAsAReferenceOnly() async throws {
        try await withFailingRoutes { client, _ in
            let reply = try await client.executeRequest(uri: "/secret", method: .get, headers: [:], body: nil)
            XCTAssertEqual(reply.status, .internalServerError)
            XCTAssertEqual(reply.headers[.contentType], "application/problem+json")
            let text = String(buffer: reply.body)
            XCTAssertTrue(text.contains("urn:assent:problem:internal"), text)
            XCTAssertTrue(text.contains("reference "), text)
            for secret in ["hunter2", "SQLITE", "/var/lib"] { XCTAssertFalse(text.contains(secret), text) }

            let refused = try await client.executeRequest(uri: "/refused", method: .get, headers: [:], body: nil)
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertTrue(String(buffer: refused.body).contains("no thanks"))
        }
    }

    func testABodyWithoutADeclaredLengthIsHeldToTheLimitWhereItIsCollected() async throws {
        try await withFailingRoutes { client, _ in
            // The router test client always declares the length; a route collecting with a limit is the second layer.
            let reply = try await client.executeRequest(uri: "/collect", method: .post, headers: [:], body: ByteBuffer(repeating: 1, count: 99))
            XCTAssertEqual(reply.status, .ok)
            let big = try await client.executeRequest(uri: "/collect", method: .post, headers: [:], body: ByteBuffer(repeating: 1, count: 101))
            XCTAssertEqual(big.status.code, 413)
            XCTAssertTrue(String(buffer: big.body).contains("urn:assent:problem:too-large"))
        }
    }

    func testAClientThatGoesAwayIsNotCountedAsAFailureOfTheNode() async throws {
        try await withFailingRoutes { client, metrics in
            _ = try await client.executeRequest(uri: "/gone", method: .post, headers: [:], body: ByteBuffer(string: "x"))
            let slow = try await client.executeRequest(uri: "/slow", method: .post, headers: [:], body: ByteBuffer(string: "x"))
            XCTAssertEqual(slow.status.code, 408)
            XCTAssertTrue(String(buffer: slow.body).contains("urn:assent:problem:request-timeout"))
            let exposition = String(decoding: metrics.render(size: 0), as: UTF8.self)
            let gone = exposition.split(separator: "\n").filter { $0.contains("route=\"/gone\"") }
            XCTAssertFalse(gone.isEmpty)
            XCTAssertTrue(gone.allSatisfy { $0.contains("status=\"499\"") }, gone.joined(separator: "\n"))
            XCTAssertFalse(exposition.contains("status=\"500\""), exposition)
        }
    }
}
