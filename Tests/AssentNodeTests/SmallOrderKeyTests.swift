import AssentCore
import AssentNode
import Foundation
import XCTest

/// A real node refuses a statement "by" a key that belongs to nobody (PROTOCOL §3), though its
/// signature is one libcrypto accepts, and logs nothing of it.
final class SmallOrderKeyTests: XCTestCase {
    func testAStatementByTheIdentityPointGetsAnInvalidStatementProblem() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        // The identity point (y = 1) and the signature (R, S) = (identity, 0): [0]B = R + [k]·identity
        // holds for every message, so the signature verifies in libcrypto without any private key.
        var body = Fixtures.preference(1).statement.json.objectValue ?? [:]
        body["by"] = .string(Base64.encode([0x01] + [UInt8](repeating: 0, count: 31)))
        let forged = JSONValue.object([
            "statement": .object(body),
            "sig": .string(Base64.encode([0x01] + [UInt8](repeating: 0, count: 63))),
        ]).canonicalBytes
        let sizeBefore = node.node.store.size

        let reply = try await node.post("/v1/statements", forged)
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertEqual(reply.headers["content-type"], "application/problem+json")
        XCTAssertEqual(reply.json["type"]?.stringValue, "urn:assent:problem:invalid-statement", reply.text)
        let detail = reply.json["detail"]?.stringValue ?? ""
        XCTAssertTrue(detail.hasPrefix("field \"by\": small-order point (order 1): no private key exists"), detail)
        XCTAssertEqual(node.node.store.size, sizeBefore)
        try await node.stop()
    }
}
