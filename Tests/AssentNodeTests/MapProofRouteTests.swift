import AssentCore
import AssentNode
import AssentStore
import Foundation
import XCTest

/// `GET /v1/map/proof` (docs/node.md "State map proofs"): the state of a work, a declarant on a
/// work, or a party at T, proved against the epoch leaf the reply names; replies validate
/// against docs/openapi.yaml; every other spelling of the query is 400.
final class MapProofRouteTests: XCTestCase {
    func testProofsOfEachSubjectVerifyAgainstTheNamedEpochLeaf() async throws {
        let v = try SchemaValidator(yaml: String(contentsOfFile: OpenAPITests.path, encoding: .utf8))
        func check(_ reply: TestNode.Reply, file: StaticString = #filePath, line: UInt = #line) throws {
            guard let paths = v.document["paths"] as? [String: Any], let route = paths["/v1/map/proof"] as? [String: Any],
                  let get = route["get"] as? [String: Any], let responses = get["responses"] as? [String: Any],
                  var response = responses[String(reply.status)] as? [String: Any]
            else { return XCTFail("no \(reply.status) response documented", file: file, line: line) }
            if let ref = response["$ref"] as? String { response = try v.resolve(ref) }
            let content = try XCTUnwrap(response["content"] as? [String: Any])
            let schema = try XCTUnwrap((content.values.first as? [String: Any])?["schema"] as? [String: Any])
            XCTAssertEqual(try v.errors(try XCTUnwrap(Instance(json: reply.body)), schema), [], reply.text, file: file, line: line)
        }
        let replies = Replies()
        try await InProcessNode.run { node in
            let op = node.node.keys.operator.key
            let creator = Fixtures.creator
            let work = try WorkID(parsing: "local:gema.de/caf%C3%A9")  // a work id with escapes of its own
            func submit(_ statements: [SignedStatement]) async throws -> Timestamp {
                let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
                let reply = try await node.post("/v1/statements", Array(body.utf8))
                XCTAssertEqual(reply.json["accepted"], .integer(Int64(statements.count)), reply.text)
                guard case let .integer(index)? = reply.json["results"]?.arrayValue?.first?["index"],
                      let bytes = try node.node.store.leafBytes(at: UInt64(index)) else { throw TestFailure("no index in \(reply.text)") }
                return try LogLeaf(bytes: bytes).time
            }
            let first = try await submit([
                .sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: creator.publicKey, role: .creator)), with: op),
                .sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: creator.publicKey, works: [work], role: .author)), with: op),
                .sign(.preference(Preference(by: creator.publicKey, issued: .now, work: work, usage: ["train-ai": false])), with: creator),
            ])
            try await Task.sleep(for: .milliseconds(20))
            let second = try await submit([.sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: creator.publicKey, works: [work],
                                                                 role: .author, active: false)), with: op)])
            XCTAssertLessThan(first, second)
            let workQuery = "work=local:gema.de/caf%25C3%25A9"
            let hex = creator.publicKey.bytes.hexString

            /// Gets a proof, checks the epoch it names against the log's epoch leaf and the proof
            /// against its root; returns the state record's version (nil: no state at T).
            func state(_ query: String) async throws -> UInt32? {
                let reply = try await node.get("/v1/map/proof?" + query)
                XCTAssertEqual(reply.status, 200, reply.text)
                replies.add(reply, "/v1/map/proof")
                guard case let .integer(index)? = reply.json["epoch"]?["index"], case let .string(map)? = reply.json["epoch"]?["map"],
                      let root = Hash(base64: map), let bytes = try node.node.store.leafBytes(at: UInt64(index)) else { throw TestFailure(reply.text) }
                guard case .epoch(root, _) = try LogLeaf(bytes: bytes).content else { throw TestFailure("leaf \(index) is not the epoch leaf of \(map)") }
                let proof = try MapStateProof(json: try XCTUnwrap(reply.json["proof"]))
                return try proof.verify(root: root)?.stamp.version
            }
            let latest = try await state(workQuery)
            XCTAssertEqual(latest, 2)
            let atFirst = try await state(workQuery + "&at=" + first.rfc3339)
            XCTAssertEqual(atFirst, 1)
            let before = try await state(workQuery + "&at=2000-01-01T00:00:00.000Z")
            XCTAssertNil(before)
            let declarations = try await state(workQuery + "&declarant=" + hex)
            XCTAssertEqual(declarations, 1)
            let party = try await state("party=" + hex)
            XCTAssertEqual(party, 1)
            let never = try await state("work=iswc:T0345246801")
            XCTAssertNil(never)

            for bad in ["", "work=", "work=ISWC:T0345246801", "work=local:gema.de/caf%C3%A9", "work=local:gema.de/x%zz",
                        "party=" + hex.uppercased(), "party=" + hex + "&party=" + hex, "work=iswc:T0345246801&party=" + hex,
                        "declarant=" + hex, "party=" + hex + "&at=yesterday", "party=" + hex + "&version=1", "party=" + String(hex.dropLast())] {
                let reply = try await node.get("/v1/map/proof?" + bad)
                XCTAssertEqual(reply.status, 400, "\(bad): \(reply.text)")
                replies.add(reply, "/v1/map/proof")
            }
        }
        XCTAssertEqual(replies.all.count, 18)
        for (reply, _, _) in replies.all { try check(reply) }
    }
}
