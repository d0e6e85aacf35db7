import AssentCore
@testable import AssentNode
import XCTest

/// Review of issue 10, finding 16: every resource has one spelling. The tile paths already did
/// (TilePathTests); a statement's path with a trailing `/`, and proof queries with `+1`, `01`
/// or a parameter given twice, were answered as if spelled canonically.
final class OneSpellingTests: XCTestCase {
    func testProofQueriesHaveOneSpelling() async throws {
        try await InProcessNode.run { node in
            for n in 0..<3 { _ = try await node.post("/v1/statements", Fixtures.preference(60 + n).canonicalBytes) }
            await node.waitForSize(3)
            let size = node.node.store.size
            for query in ["index=1&size=\(size)", "size=\(size)&index=1"] {
                let reply = try await node.get("/v1/proof/inclusion?\(query)")
                XCTAssertEqual(reply.status, 200, "\(query): \(reply.text)")
            }
            let consistency = try await node.get("/v1/proof/consistency?old=1&new=\(size)")
            XCTAssertEqual(consistency.status, 200)
            // The largest value the documented schema allows parses; it names no tree, so 404, not 400.
            let largest = try await node.get("/v1/proof/inclusion?index=0&size=18446744073709551615")
            XCTAssertEqual(largest.status, 404, largest.text)
            for query in ["index=+1&size=\(size)", "index=01&size=\(size)", "index=1&size=\(size)&size=\(size)", "index=1&size=0\(size)",
                          "index=1&size=18446744073709551616", "index=-1&size=\(size)", "index=1&size=", "index=1", "index=1&size=\(size)&x=1",
                          "index=%31&size=\(size)", "index=1&size=\(size)&", ""] {
                let reply = try await node.get("/v1/proof/inclusion?\(query)")
                XCTAssertEqual(reply.status, 400, "\(query): \(reply.text)")
                XCTAssertEqual(reply.json["type"]?.stringValue, "urn:assent:problem:bad-request", query)
            }
            for query in ["old=+1&new=\(size)", "old=1&old=1&new=\(size)", "old=1&new=00\(size)"] {
                let reply = try await node.get("/v1/proof/consistency?\(query)")
                XCTAssertEqual(reply.status, 400, "\(query): \(reply.text)")
            }
            let twice = try await node.get("/v1/proof/inclusion?index=1&size=\(size)&size=\(size)")
            XCTAssertEqual(twice.json["detail"]?.stringValue, "size is given more than once; the query is index=<n>&size=<n>")
        }
    }

    func testAPathWithAnEmptySegmentIsRefused() async throws {
        try await InProcessNode.run { node in
            let reply = try await node.post("/v1/statements", Fixtures.preference(70).canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
            guard let hash = reply.json["statementHash"]?.stringValue.flatMap(Hash.init(base64:)) else { return XCTFail(reply.text) }
            await node.waitForSize(1)
            let path = "/v1/statements/\(hash.hex)"
            let found = try await node.get(path)
            XCTAssertEqual(found.status, 200)
            for bad in [path + "/", "/v1//statements/\(hash.hex)", "/v1/node/", "//v1/node"] {
                let refused = try await node.get(bad)
                XCTAssertEqual(refused.status, 400, "\(bad): \(refused.text)")
                XCTAssertEqual(refused.json["type"]?.stringValue, "urn:assent:problem:bad-request", bad)
            }
            let info = try await node.get("/v1/node")
            XCTAssertEqual(info.status, 200)
        }
    }

    func testTheDecimalSpellingIsDigitsWithoutLeadingZeros() {
        XCTAssertEqual(ProofQuery.decimal("0"), 0)
        XCTAssertEqual(ProofQuery.decimal("18446744073709551615"), .max)
        for text in ["", "+1", "00", "01", "1 ", "0x1", "18446744073709551616", "99999999999999999999", "-0", "１"] {
            XCTAssertNil(ProofQuery.decimal(Substring(text)), text)
        }
    }
}

/// Review of issue 10, finding 17: HEAD is answered wherever GET is (RFC 9110 §9.3.2), with
/// GET's status and headers and no content; it was 405.
final class HeadTests: XCTestCase {
    func testHeadAnswersAsGetWithoutContent() async throws {
        try await InProcessNode.run { node in
            let reply = try await node.post("/v1/statements", Fixtures.preference(80).canonicalBytes)
            guard let hash = reply.json["statementHash"]?.stringValue.flatMap(Hash.init(base64:)) else { return XCTFail(reply.text) }
            await node.waitForSize(1)
            let size = node.node.store.size
            for path in ["/v1/node", "/checkpoint", "/healthz", "/tile/entries/000.p/\(size)", "/v1/statements/\(hash.hex)",
                         "/v1/proof/inclusion?index=0&size=\(size)", "/no/such/route", "/v1/statements/\(hash.hex)/"] {
                let get = try await node.get(path)
                let head = try await node.send(path, method: .head, body: nil)
                XCTAssertEqual(head.status, get.status, path)
                XCTAssertEqual(head.body, [], "\(path): HEAD carries no content")
                XCTAssertEqual(head.headers["content-type"], get.headers["content-type"], path)
                // A problem's detail names the method, so only a found resource has GET's length.
                if get.status == 200 { XCTAssertEqual(head.headers["content-length"], String(get.body.count), path) }
            }
            let post = try await node.send("/v1/statements", method: .head, body: nil)
            XCTAssertEqual(post.status, 405)
            XCTAssertEqual(post.headers["allow"], "POST")
        }
    }
}
