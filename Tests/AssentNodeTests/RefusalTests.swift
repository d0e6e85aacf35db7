import AssentCore
import AssentNode
import Foundation
import XCTest

/// Every bad input gets a 4xx problem that names the reason, and nothing of it is logged.
final class RefusalTests: XCTestCase {
    func testBadInputsAreRefusedWithAProblemAndChangeNothing() async throws {
        try await InProcessNode.run { node in

            let key = Fixtures.creator
            let now = Timestamp.now
            func text(_ s: SignedStatement) -> String { String(decoding: s.canonicalBytes, as: UTF8.self) }
            func signedBody(_ body: JSONValue, with signer: SigningKey = key) -> [UInt8] {
                let sig = signer.sign(SignedStatement.domain + body.canonicalBytes)
                return JSONValue.object(["statement": body, "sig": .string(Base64.encode(sig))]).canonicalBytes
            }
            let good = Fixtures.preference(1)
            var unknownType = Fixtures.preference(2).statement.json.objectValue!
            unknownType["type"] = "licence"
            var oversizeNote = Fixtures.preference(3).statement.json.objectValue!
            oversizeNote["note"] = .string(String(repeating: "x", count: 70_000))
            let notOperator = SignedStatement.sign(.enrollment(Enrollment(by: key.publicKey, issued: now, party: key.publicKey, role: .creator)), with: key)
            let batch1001 = "[" + (0..<1001).map { _ in text(good) }.joined(separator: ",") + "]"

            let cases: [(name: String, body: [UInt8], status: Int, reason: String)] = [
                ("malformed JSON", Array(#"{"sig":"#.utf8), 400, "malformed-json"),
                ("non-canonical bytes", Array(text(good).replacingOccurrences(of: ",", with: ", ").utf8), 400, "not-canonical"),
                ("bad signature", Array(text(good).replacingOccurrences(of: #""search":"y""#, with: #""search":"n""#).utf8), 400, "bad-signature"),
                ("unknown type", signedBody(.object(unknownType)), 400, "unknown-type"),
                ("oversize", signedBody(.object(oversizeNote)), 413, "too-large"),
                ("stale issued", Fixtures.preference(4, issued: Timestamp(milliseconds: now.milliseconds - 2 * 86_400_000)).canonicalBytes, 400, "stale"),
                ("future issued", Fixtures.preference(5, issued: Timestamp(milliseconds: now.milliseconds + 3_600_000)).canonicalBytes, 400, "future"),
                ("enrollment by a non-operator key", notOperator.canonicalBytes, 403, "not-authorized"),
                ("batch of 1,001", Array(batch1001.utf8), 413, "batch-too-large"),
                ("a float", signedBody(["type": "preference"]).replacing(Array("\"preference\"".utf8), with: Array("1.5".utf8)), 400, "malformed-json"),
            ]
            let sizeBefore = node.node.store.size
            let checkpointBefore = try await node.get("/checkpoint").text
            for c in cases {
                let reply = try await node.post("/v1/statements", c.body)
                XCTAssertEqual(reply.status, c.status, "\(c.name): \(reply.text)")
                XCTAssertEqual(reply.headers["content-type"], "application/problem+json", c.name)
                XCTAssertEqual(reply.json["type"]?.stringValue, "urn:assent:problem:\(c.reason)", "\(c.name): \(reply.text)")
                XCTAssertEqual(reply.json["status"]?.integerValue, Int64(c.status), c.name)
                XCTAssertFalse(reply.json["detail"]?.stringValue?.isEmpty ?? true, c.name)
            }
            XCTAssertEqual(node.node.store.size, sizeBefore)
            let checkpointAfter = try await node.get("/checkpoint").text
            XCTAssertEqual(checkpointAfter, checkpointBefore)
        }
    }
}

final class HostileReadTests: XCTestCase {
    /// Tile indexes near 2^64 must not overflow anywhere: the node answers and stays up.
    func testHugeTileIndexesAreRefusedAndTheNodeStaysUp() async throws {
        try await InProcessNode.run { node in
            for path in ["/tile/0/x018/x446/x744/x073/x709/x551/615", "/tile/0/x018/x446/x744/x073/x709/x551/999",
                         "/tile/entries/x072/x057/x594/x037/x927/x935/.p/5", "/tile/entries/x072/x057/x594/x037/x927/935",
                         "/tile/3/x999/x999/x999/x999/x999/x999/999.p/1", "/tile/entries/x018/x446/x744/x073/x709/x551/615"] {
                let reply = try await node.get(path)
                XCTAssertTrue([400, 404].contains(reply.status), "\(path): \(reply.status)")
                XCTAssertEqual(reply.headers["content-type"], "application/problem+json", path)
            }
            let health = try await node.get("/healthz")
            XCTAssertEqual(health.status, 200)
        }
    }

    func testMalformedBatchFramingIsRefusedWhole() async throws {
        try await InProcessNode.run { node in
            // The opening epoch leaf first: the size checked below must not race it.
            await node.waitForSize(1)
            let s = String(decoding: Fixtures.preference(1).canonicalBytes, as: UTF8.self)
            for body in ["[\(s)}", "[\(s),]", "[,\(s)]", "[\(s)"] {
                let reply = try await node.post("/v1/statements", Array(body.utf8))
                XCTAssertEqual(reply.status, 400, body.prefix(20) + "…")
                XCTAssertEqual(reply.json["type"], "urn:assent:problem:malformed-json")
            }
            // The opening epoch leaf is written by the sequencer on its own schedule (an in-process
            // node does not wait for it; under load it came after the refusals): wait for it, then
            // check that it is all the log holds.
            await node.waitForSize(1)
            XCTAssertEqual(node.node.store.size, 1)
        }
    }
}

extension Array where Element == UInt8 {
    func replacing(_ old: [UInt8], with new: [UInt8]) -> [UInt8] {
        Array(String(decoding: self, as: UTF8.self).replacingOccurrences(of: String(decoding: old, as: UTF8.self),
                                                                           with: String(decoding: new, as: UTF8.self)).utf8)
    }
}
