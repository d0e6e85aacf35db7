import AssentCore
import AssentNode
import XCTest

/// `GET /v1/node` reports the node's identity and the limits it actually enforces.
final class NodeInfoTests: XCTestCase {
    func testNodeInfoReportsKeysAndTheConfiguredLimits() async throws {
        try await InProcessNode.run(configure: {
            $0.society = "GEMA"
            $0.maxBodyBytes = 1 << 20
            $0.clockWindowPastSeconds = 3600
            $0.clockWindowFutureSeconds = 60
            $0.openDeclarations.enabled = true
            $0.openDeclarations.perKeyPerMinute = 7
            $0.openDeclarations.dailyQuotaPerKey = 99
        }) { node in
            let reply = try await node.get("/v1/node")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.headers["content-type"], "application/json")
            let info = try XCTUnwrap(Instance(json: reply.body))
            guard case let .object(o) = info, case let .object(limits)? = o["limits"], case let .object(open)? = o["openDeclarations"] else {
                return XCTFail("not an object: \(reply.text)")
            }
            XCTAssertEqual(o["origin"], .string("test.assent.example/log"))
            XCTAssertEqual(o["society"], .string("GEMA"))
            // The log key is the verifier key that checks the node's own checkpoints.
            guard case let .string(logKeyText)? = o["logKey"] else { return XCTFail("no logKey") }
            let logKey = try NoteVerifierKey(parsing: logKeyText)
            XCTAssertEqual(logKey, node.logKey)
            // An in-process node writes its first checkpoint on its own schedule: wait for it.
            await node.waitForSize(1)
            let checkpoint = try await node.get("/checkpoint")
            XCTAssertNoThrow(try Checkpoint.verified(SignedNote(parsing: checkpoint.text), logKey: logKey))
            XCTAssertEqual(o["operatorKeys"], .array([.string(node.node.keys.operator.key.publicKey.base64)]))
            XCTAssertEqual(o["witnessKey"], .null)
            XCTAssertEqual(o["version"], .string(NodeInfo.softwareVersion))
            XCTAssertEqual(limits["maxBatch"], .integer(1000))
            XCTAssertEqual(limits["maxBodyBytes"], .integer(1 << 20))
            XCTAssertEqual(limits["maxStatementBytes"], .integer(Int64(SignedStatement.maxSize)))
            XCTAssertEqual(limits["maxSubmissionBytes"], .integer(97_280), "a statement with its disclosures (Submission.maxSize)")
            XCTAssertEqual(limits["clockWindowPastSeconds"], .integer(3600))
            XCTAssertEqual(limits["clockWindowFutureSeconds"], .integer(60))
            XCTAssertEqual(open["enabled"], .bool(true))
            XCTAssertEqual(open["perKeyPerMinute"], .integer(7))
            XCTAssertEqual(open["dailyQuotaPerKey"], .integer(99))
            guard case let .string(trust)? = o["trust"] else { return XCTFail("no trust sentence") }
            XCTAssertTrue(trust.contains("federation file"))
        }
    }

    /// The limits reported are the ones enforced: a statement issued outside the reported past
    /// window is refused `stale`, one inside it is accepted.
    func testTheReportedClockWindowIsTheEnforcedOne() async throws {
        try await InProcessNode.run(configure: { $0.clockWindowPastSeconds = 600 }) { node in
            let reply = try await node.get("/v1/node")
            guard case let .object(o)? = Instance(json: reply.body), case let .object(limits)? = o["limits"],
                  case let .integer(past)? = limits["clockWindowPastSeconds"] else { return XCTFail(reply.text) }
            // The system clock moves while the test runs: a margin of 5 s either side of the edge.
            let now = node.node.clock.now.milliseconds
            let inside = Fixtures.preference(1, issued: Timestamp(milliseconds: now - past * 1000 + 5000))
            let outside = Fixtures.preference(2, issued: Timestamp(milliseconds: now - past * 1000 - 5000))
            let accepted = try await node.post("/v1/statements", inside.canonicalBytes)
            XCTAssertEqual(accepted.status, 200, accepted.text)
            let refused = try await node.post("/v1/statements", outside.canonicalBytes)
            XCTAssertEqual(refused.json["type"], .string("urn:assent:problem:stale"))
        }
    }
}
