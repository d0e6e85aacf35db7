import AssentCore
import AssentNode
import Foundation
import XCTest

/// The state routes' real replies (a work with a licence, unverified declarants and a steward's
/// labels; its history; a party; a bulk check, line by line; refusals) validate against the
/// schemas docs/openapi.yaml gives them for their status.
final class StateOpenAPITests: XCTestCase {
    func testTheStateRoutesRepliesValidate() async throws {
        let v = try SchemaValidator(yaml: String(contentsOfFile: OpenAPITests.path, encoding: .utf8))
        func schema(_ path: String, _ method: String, _ status: Int) throws -> [String: Any] {
            try v.responseSchema(path: path, method: method, status: status)
        }
        let replies = Replies()
        try await InProcessNode.run { node in
            let op = node.node.keys.operator.key
            let alice = try SigningKey(seed: [UInt8](repeating: 91, count: 32))
            let steward = try SigningKey(seed: [UInt8](repeating: 92, count: 32))
            let stranger = try SigningKey(seed: [UInt8](repeating: 93, count: 32))
            let work = try WorkID(parsing: "iswc:T0345246801")
            let licensee = try XCTUnwrap(Audience("licensee:example-ai.com"))
            let credit = try Commitment(text: "Alice Example", salt: [UInt8](repeating: 1, count: 16))
            let disclosure = #","disclosures":[{"field":"/conditions/credit","salt":"AQEBAQEBAQEBAQEBAQEBAQ==","text":"Alice Example"}]"#
            let statements: [(SignedStatement, String)] = [
                (.sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: alice.publicKey, role: .creator)), with: op), ""),
                (.sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: steward.publicKey, role: .steward)), with: op), ""),
                (.sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: alice.publicKey, works: [work], role: .author)), with: op), ""),
                (.sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: steward.publicKey, works: [work], role: .steward, labels: ["TK-NC"])), with: op), ""),
                (.sign(.preference(Preference(by: alice.publicKey, issued: .now, work: work, audience: licensee, usage: ["train-genai": true],
                                              conditions: Conditions(credit: credit, terms: "https://example.org/terms", purpose: .research))), with: alice), disclosure),
                (.sign(.preference(Preference(by: stranger.publicKey, issued: .now, work: work, usage: ["search": true])), with: stranger), ""),
            ]
            for (s, disclosures) in statements {
                // A statement with its disclosures, canonical: "disclosures" sorts before "sig".
                var body = Array(s.canonicalBytes)
                if !disclosures.isEmpty { body = Array(("{" + disclosures.dropFirst() + "," + String(decoding: body.dropFirst(), as: UTF8.self)).utf8) }
                let reply = try await node.post("/v1/statements", body)
                XCTAssertEqual(reply.status, 200, reply.text)
            }
            let state = try await node.get("/v1/works/\(work)?audience=licensee:example-ai.com&purpose=research")
            XCTAssertEqual(state.json["categories"]?["train-genai"]?["value"], "allowed", state.text)
            replies.add(state, "/v1/works/{work}")
            replies.add(try await node.get("/v1/works/\(work)?at=2099-01-01T00:00:00.000Z&unverified=count"), "/v1/works/{work}")
            replies.add(try await node.get("/v1/works/iswc:T0345246802"), "/v1/works/{work}")
            replies.add(try await node.get("/v1/works/\(work)/history"), "/v1/works/{work}/history")
            let hex = alice.publicKey.bytes.map { String(format: "%02x", $0) }.joined()
            replies.add(try await node.get("/v1/parties/\(hex)"), "/v1/parties/{key}")
            replies.add(try await node.get("/v1/parties/xyz"), "/v1/parties/{key}")
            replies.add(try await node.post("/v1/check", Array("{\"purpose\":\"research\"}\n\"\(work)\"\n\"doi:nope\"\n".utf8)), "/v1/check", "post")
            replies.add(try await node.post("/v1/check", Array("[]\n".utf8)), "/v1/check", "post")
        }
        let all = replies.all
        XCTAssertEqual(all.count, 8)
        XCTAssertEqual(Set(all.map { $0.0.status }), [200, 400])
        var lines = 0
        for (reply, path, method) in all {
            let s = try schema(path, method, reply.status)
            if reply.headers["content-type"] == "application/x-ndjson" {
                for line in reply.text.split(separator: "\n") {
                    XCTAssertEqual(try v.errors(try XCTUnwrap(Instance(json: Array(line.utf8))), s), [], "\(path) line \(line)")
                    lines += 1
                }
            } else {
                XCTAssertEqual(try v.errors(try XCTUnwrap(Instance(json: reply.body)), s), [], "\(method.uppercased()) \(path) \(reply.status): \(reply.text)")
            }
        }
        XCTAssertEqual(lines, 4)  // head, one answer, one error, end
    }
}
