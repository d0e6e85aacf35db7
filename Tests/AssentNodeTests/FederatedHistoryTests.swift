import AssentCore
import AssentStore
@testable import AssentNode
import Foundation
import XCTest

/// History and parties across logs (docs/federation.md "History across logs"), on the three
/// real nodes of `FederatedStateTests.startFederation`: one history for a work whose changes
/// are in several logs, oldest first, paged across logs; a party enrolled at one society and
/// mandated at another; cursors that are not the node's refused.
extension FederatedStateTests {
    func hex(_ key: PublicKey) -> String { key.bytes.hexString }

    /// Submits each statement alone, in order, a few milliseconds apart, so that their leaf
    /// times are distinct and their order across logs is the order given.
    func submitInTurn(_ steps: [(TestNode, SignedStatement)]) async throws {
        for (node, statement) in steps {
            let reply = try await submit(node, [statement])
            XCTAssertEqual(reply.json["accepted"], 1, "\(node.config.origin): \(reply.text)")
            try await Task.sleep(for: .milliseconds(3))
        }
    }

    func schemaErrors(_ reply: TestNode.Reply, _ path: String) throws -> [String] {
        let v = try SchemaValidator(yaml: String(contentsOfFile: OpenAPITests.path, encoding: .utf8))
        return try v.errors(try XCTUnwrap(Instance(json: reply.body)), try v.responseSchema(path: path, method: "get", status: reply.status))
    }

    func testAWorksChangesInThreeLogsAreOneHistoryOldestFirstPagedAcrossLogs() async throws {
        try await startFederation()
        let (gema, sacem, apra) = (nodes[0], nodes[1], nodes[2])
        let op = gema.node.keys.operator.key
        let alice = try SigningKey(seed: [UInt8](repeating: 17, count: 32))
        let bob = try SigningKey(seed: [UInt8](repeating: 18, count: 32))
        let work = try WorkID(parsing: "iswc:T-034.524.680-1")
        // Each statement issued a millisecond after the one before: of two preferences of one
        // declarant issued in the same millisecond, the later logged may not replace the other
        // (PROTOCOL §6 orders them by issued, then by hash) and would make no change.
        let start = Timestamp.now.milliseconds
        var issued = 0
        func next() -> Timestamp {
            issued += 1
            return Timestamp(milliseconds: start + Int64(issued))
        }
        func preference(_ key: SigningKey, _ usage: [String: Bool]) -> SignedStatement {
            .sign(.preference(Preference(by: key.publicKey, issued: next(), work: work, usage: usage)), with: key)
        }
        func mandate(_ key: SigningKey) -> SignedStatement {
            .sign(.mandate(Mandate(by: op.publicKey, issued: next(), party: key.publicKey, works: [work], role: .author)), with: op)
        }
        // Enrolled at GEMA (no change of the work), so that every node takes their preferences.
        let enrolled = try await submit(gema, [alice, bob].map { .sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: $0.publicKey, role: .creator)), with: op) })
        XCTAssertEqual(enrolled.json["accepted"], 2, enrolled.text)
        try await waitForReplication()
        let steps: [(TestNode, SignedStatement)] = [
            (gema, mandate(alice)), (sacem, preference(alice, ["train-ai": true])), (gema, preference(bob, ["search": true])),
            (sacem, preference(alice, ["train-ai": false])), (apra, preference(bob, ["tdm": false])), (gema, mandate(bob)),
        ]
        try await submitInTurn(steps)
        try await waitForReplication()
        let expected = steps.map { JSONValue.string($0.1.hash.base64) }
        let expectedLogs = steps.map { JSONValue.string($0.0.config.origin) }

        // Every node gives one history: the six changes in the order they were logged, each
        // naming its log, and every log read with its coverage.
        let path = "/v1/works/" + (try XCTUnwrap(work.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics))) + "/history"
        var replies = [JSONValue]()
        for node in nodes {
            let reply = try await node.get(path)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(try schemaErrors(reply, "/v1/works/{work}/history"), [])
            let changes = try XCTUnwrap(reply.json["changes"]?.arrayValue)
            XCTAssertEqual(changes.map { $0["statementHash"] }, expected, reply.text)
            XCTAssertEqual(changes.map { $0["log"] }, expectedLogs)
            XCTAssertEqual(changes.map { $0["record"] }, ["work", "declaration", "declaration", "declaration", "declaration", "work"])
            XCTAssertNil(reply.json["next"])
            let logs = try XCTUnwrap(reply.json["logs"]?.arrayValue)
            XCTAssertEqual(logs.map { $0["origin"] }, [apra, gema, sacem].map { .string($0.config.origin) })
            XCTAssertEqual(logs.map { $0["size"] }, [apra, gema, sacem].map { .integer(Int64($0.node.store.size)) })
            XCTAssertEqual(reply.json["log"], .string(node.config.origin))
            replies.append(withoutLog(reply.json))
        }
        for reply in replies.dropFirst() { XCTAssertEqual(reply, replies[0]) }

        // Pages of 1 to 4 changes (the route's are of 1,000) give the same six, nothing repeated
        // or skipped, each cursor going through its spelling as a client sends it back.
        let trusted = try XCTUnwrap(sacem.node.trusted)
        let origins = trusted.logs.map(\.origin)
        for limit in 1...4 {
            var cursor = FederatedCursor.start(logs: 3)
            var hashes = [JSONValue]()
            var pages = 0
            while true {
                let page = try trusted.readBlocking { try $0.workHistory(of: work, from: cursor, limit: limit) }
                XCTAssertLessThanOrEqual(page.changes.count, limit)
                hashes += page.changes.map { .string($0.change.statement.hash.base64) }
                pages += 1
                guard let next = page.next, pages < 10 else { break }
                cursor = try FederatedCursor(token: next.token(origins: origins), origins: origins)
            }
            XCTAssertEqual(hashes, expected, "pages of \(limit)")
            XCTAssertEqual(pages, (steps.count + limit - 1) / limit)
        }
        // Over HTTP, a cursor after the first two changes gives the other four.
        let afterTwo = try XCTUnwrap(try trusted.readBlocking { try $0.workHistory(of: work, from: .start(logs: 3), limit: 2) }.next)
        let rest = try await sacem.get(path + "?from=" + afterTwo.token(origins: origins))
        XCTAssertEqual(rest.status, 200, rest.text)
        XCTAssertEqual(rest.json["changes"]?.arrayValue?.map { $0["statementHash"] }, Array(expected.dropFirst(2)))

        // `assent history` prints the one history, each change with its log.
        let cli = AssentCLI()
        defer { cli.remove() }
        let (status, output) = try await cli.runDetached(["history", work.description, "--node", sacem.base])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1 + 3 + steps.count, output)  // head, each log read, each change
        XCTAssertTrue(lines.first?.contains("over 3 logs") == true, output)
        for (line, step) in zip(lines.suffix(steps.count), steps) {
            XCTAssertTrue(line.contains(step.0.config.origin + " leaf "), line)
        }

        // A cursor altered in a log's hash prefix, cut, of another spelling, or a leaf index
        // (the `from` of a node alone): 400, saying what is wrong.
        var altered = Array(afterTwo.token(origins: origins))
        altered[2] = altered[2] == "A" ? "B" : "A"
        for (from, says) in [(String(altered), "position 0"), (String(altered.dropLast()), "64 characters"),
                             (String(altered.dropLast()) + "=", "base64url"), ("3", "64 characters"),
                             (afterTwo.token(origins: origins) + "&at=x", "from=<cursor>")] {
            let refused = try await sacem.get(path + "?from=" + from)
            XCTAssertEqual(refused.status, 400, refused.text)
            XCTAssertEqual(refused.json["type"], "urn:assent:problem:bad-request")
            XCTAssertTrue(refused.json["detail"]?.stringValue?.contains(says) == true, "\(from): \(refused.text)")
        }
    }

    func testAPartyEnrolledAtOneSocietyAndMandatedAtAnotherHasOneHistory() async throws {
        try await startFederation()
        let (gema, sacem, apra) = (nodes[0], nodes[1], nodes[2])
        let carol = try SigningKey(seed: [UInt8](repeating: 19, count: 32))
        let work = try WorkID(parsing: "iswc:T-070.237.182-1")
        func enrollment(at node: TestNode) -> SignedStatement {
            let op = node.node.keys.operator.key
            return .sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: carol.publicKey, role: .creator)), with: op)
        }
        let sacemOperator = sacem.node.keys.operator.key
        let mandate = SignedStatement.sign(.mandate(Mandate(by: sacemOperator.publicKey, issued: .now, party: carol.publicKey, works: [work], role: .author)), with: sacemOperator)
        // Enrolled by GEMA, mandated by SACEM, then enrolled by APRA's operator too.
        try await submitInTurn([(gema, enrollment(at: gema))])
        try await waitForReplication()
        let steps = [(sacem, mandate), (apra, enrollment(at: apra))]
        try await submitInTurn(steps)
        try await waitForReplication()

        let path = "/v1/parties/\(hex(carol.publicKey))"
        var replies = [JSONValue]()
        for node in nodes {
            let reply = try await node.get(path)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(try schemaErrors(reply, "/v1/parties/{key}"), [])
            let enrollments = try XCTUnwrap(reply.json["enrollments"]?.arrayValue)
            XCTAssertEqual(enrollments.map { $0["log"] }, [gema, apra].map { .string($0.config.origin) }, reply.text)
            XCTAssertEqual(enrollments.map { $0["record"] }, ["party", "party"])
            let mandates = try XCTUnwrap(reply.json["mandates"]?.arrayValue)
            XCTAssertEqual(mandates.map { $0["log"] }, [.string(sacem.config.origin)])
            XCTAssertEqual(mandates.first?["statementHash"], .string(mandate.hash.base64))
            XCTAssertEqual(reply.json["logs"]?.arrayValue?.count, 3)
            XCTAssertNil(reply.json["next"])
            replies.append(withoutLog(reply.json))
        }
        for reply in replies.dropFirst() { XCTAssertEqual(reply, replies[0]) }

        // One enrollment a page: the first page stops before APRA's enrollment, with the mandate
        // logged before it; the second holds that enrollment alone, and nothing follows.
        let trusted = try XCTUnwrap(apra.node.trusted)
        let origins = trusted.logs.map(\.origin)
        let first = try trusted.readBlocking { try $0.partyHistory(of: carol.publicKey, from: .start(logs: 3), enrollmentLimit: 1) }
        XCTAssertEqual(first.enrollments.map(\.origin), [gema.config.origin])
        XCTAssertEqual(first.mandates.map(\.mandate.statement.hash), [mandate.hash])
        let next = try XCTUnwrap(first.next)
        let second = try await apra.get(path + "?from=" + next.token(origins: origins))
        XCTAssertEqual(second.status, 200, second.text)
        XCTAssertEqual(second.json["enrollments"]?.arrayValue?.map { $0["log"] }, [.string(apra.config.origin)])
        XCTAssertEqual(second.json["mandates"], .array([]))
        XCTAssertNil(second.json["next"])

        // Another node's spelling of the position (GEMA's log first): refused.
        let wrong = FederatedCursor(positions: next.positions).token(origins: [gema, apra, sacem].map(\.config.origin))
        let refused = try await apra.get(path + "?from=" + wrong)
        XCTAssertEqual(refused.status, 400, refused.text)
        XCTAssertTrue(refused.json["detail"]?.stringValue?.contains("position 0") == true, refused.text)
    }
}
