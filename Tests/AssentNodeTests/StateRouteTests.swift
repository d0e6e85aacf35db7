import AssentCore
@testable import AssentNode
import AssentStore
import AssentTestSupport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import NIOCore
import XCTest

/// The state routes' spelling and refusals (`GET /v1/works/{work}`, `/history`, `/v1/parties/{key}`,
/// `POST /v1/check`); the consent rules themselves are in ConsentScenarioTests.
private let alice = try! SigningKey(seed: [UInt8](repeating: 81, count: 32))
private let local = try! WorkID(parsing: "local:gema.de/Café")

final class StateRouteTests: XCTestCase {

    /// Enrolls and mandates alice for `local` and iswc:T0345246801, and has her refuse train-ai on both.
    static func story(_ node: InProcessNode) async throws {
        let op = node.node.keys.operator.key
        let iswc = try WorkID(parsing: "iswc:T0345246801")
        let statements: [SignedStatement] = [
            .sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: alice.publicKey, role: .creator)), with: op),
            .sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: alice.publicKey, works: [local, iswc], role: .author)), with: op),
            .sign(.preference(Preference(by: alice.publicKey, issued: .now, work: local, usage: ["train-ai": false])), with: alice),
            .sign(.preference(Preference(by: alice.publicKey, issued: .now, work: iswc, usage: ["train-ai": false])), with: alice),
        ]
        for s in statements {
            let reply = try await node.post("/v1/statements", s.canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
        }
    }

    func testAWorkIdIsOnePercentEncodedSegmentInAnyTypedSpelling() async throws {
        try await InProcessNode.run { node in
            try await StateRouteTests.story(node)
            // local:gema.de/Caf%C3%A9: `/` as %2F, the id's own `%` as %25.
            let encoded = try await node.get("/v1/works/local%3Agema.de%2FCaf%25C3%25A9")
            XCTAssertEqual(encoded.status, 200, encoded.text)
            XCTAssertEqual(encoded.json["work"], .string(local.description))
            XCTAssertEqual(encoded.json["categories"]?["train-ai"]?["value"], "disallowed")
            // Typed as people write it (é as UTF-8, escaped once), and with dots and dashes: the same works.
            let typedLocal = try await node.get("/v1/works/local%3Agema.de%2FCaf%C3%A9")
            XCTAssertEqual(typedLocal.json["work"], .string(local.description))
            let typed = try await node.get("/v1/works/iswc:T-034.524.680-1")
            XCTAssertEqual(typed.json["work"], "iswc:T0345246801")
            XCTAssertEqual(typed.json["categories"]?["train-genai"]?["value"], "disallowed")
            let unencoded = try await node.get("/v1/works/local:gema.de/1")
            XCTAssertEqual(unencoded.status, 404)
            XCTAssertTrue(unencoded.json["detail"]?.stringValue?.contains("percent-encode the work id") ?? false, unencoded.text)
        }
    }

    func testBadWorksQueriesAndKeysAreRefusedSayingWhy() async throws {
        try await InProcessNode.run { node in
            for (path, why) in [
                ("/v1/works/iswc:T0345246802", "check digit is 2, expected 1"),
                ("/v1/works/iswc:T0345246801?audience=licensee:Example", "audience must be * or licensee:<id>"),
                ("/v1/works/iswc:T0345246801?purpose=any", "purpose must be commercial, non-commercial or research"),
                ("/v1/works/iswc:T0345246801?at=2026-11-21T10:00:00Z", "at must be an RFC 3339 UTC time with milliseconds"),
                ("/v1/works/iswc:T0345246801?at=2026-11-21T10:00:00.000Z&at=2026-11-21T10:00:00.000Z", "at is given more than once"),
                ("/v1/works/iswc:T0345246801?unverified=yes", "unverified takes only the value count"),
                ("/v1/works/iswc:T0345246801?when=now", "unknown parameter \"when\""),
                ("/v1/works/iswc%3AT0345246801%ZZ", "not percent-encoded UTF-8"),
                ("/v1/works/iswc:T0345246801/history?from=01", "from must be a decimal integer"),
                ("/v1/parties/\(alice.publicKey.base64.replacingOccurrences(of: "/", with: "_"))", "64 lower-case hex digits"),
                ("/v1/parties/\(String(repeating: "0", count: 64))", "party key"),
            ] {
                let reply = try await node.get(path)
                XCTAssertEqual(reply.status, 400, path)
                XCTAssertEqual(reply.json["type"], "urn:assent:problem:bad-request", path)
                XCTAssertTrue(reply.json["detail"]?.stringValue?.contains(why) ?? false, "\(path): \(reply.text)")
            }
        }
    }

    func testHistoryAndPartyRepliesNameEachChangeAndItsStatement() async throws {
        try await InProcessNode.run { node in
            try await StateRouteTests.story(node)
            let history = try await node.get("/v1/works/local%3Agema.de%2FCaf%25C3%25A9/history")
            XCTAssertEqual(history.status, 200, history.text)
            guard case let .array(changes)? = history.json["changes"] else { return XCTFail(history.text) }
            XCTAssertEqual(changes.compactMap { $0["record"]?.stringValue }, ["work", "declaration"])
            XCTAssertEqual(changes.compactMap { $0["statement"]?["type"]?.stringValue }, ["mandate", "preference"])
            XCTAssertEqual(changes[1]["declarant"], .string(alice.publicKey.base64))
            XCTAssertNil(history.json["next"])
            let hex = alice.publicKey.bytes.map { String(format: "%02x", $0) }.joined()
            let party = try await node.get("/v1/parties/\(hex)")
            XCTAssertEqual(party.status, 200, party.text)
            XCTAssertEqual(party.json["party"], .string(alice.publicKey.base64))
            XCTAssertEqual(party.json["enrollments"]?[0]?["statement"]?["type"], "enrollment")
            XCTAssertEqual(party.json["mandates"]?[0]?["statement"]?["works"]?[0], .string(local.description))
        }
    }

    /// The check body as NDJSON text, and the reply's lines parsed.
    static func check(_ node: InProcessNode, _ body: String) async throws -> (status: Int, lines: [JSONValue], text: String) {
        let reply = try await node.post("/v1/check", Array(body.utf8), headers: [("Content-Type", "application/x-ndjson")])
        let lines = reply.text.split(separator: "\n").map { (try? CanonicalJSON.parse(Array($0.utf8))) ?? .string(String($0)) }
        return (reply.status, lines, reply.text)
    }

    func testABulkCheckAnswersEveryLineInOrderAndABadLineOnlyForItself() async throws {
        try await InProcessNode.run { node in
            try await StateRouteTests.story(node)
            let body = #"""
                {"audience":"licensee:example-ai.com","purpose":"research"}
                "iswc:T-034.524.680-1"
                "iswc:T0345246802"

                iswc:T0345246801
                "local:gema.de/Café"
                "isbn:9780306406157"
                """#
            let (status, lines, text) = try await StateRouteTests.check(node, body)
            XCTAssertEqual(status, 200, text)
            XCTAssertEqual(lines.count, 7, text)  // query, 5 answers, end
            XCTAssertEqual(lines[0]["audience"], "licensee:example-ai.com")
            XCTAssertEqual(lines[0]["purpose"], "research")
            XCTAssertEqual(lines[0]["log"], .string(node.config.origin))
            XCTAssertNotNil(lines[0]["epoch"]?["index"])
            XCTAssertEqual(lines[1]["work"], "iswc:T0345246801")
            XCTAssertEqual(lines[1]["values"]?["train-ai"], "disallowed")
            XCTAssertEqual(lines[1]["refs"], [7])  // alice's refusal on the iswc work: leaf 7 (each statement is a batch with its epoch, after the log's first epoch)
            XCTAssertEqual(lines[2]["line"], .integer(3))
            XCTAssertTrue(lines[2]["problem"]?["detail"]?.stringValue?.contains("check digit") ?? false, text)
            XCTAssertEqual(lines[3]["line"], .integer(5))  // the blank line is skipped, not answered
            XCTAssertTrue(lines[3]["problem"]?["detail"]?.stringValue?.contains("as a JSON string") ?? false, text)
            XCTAssertEqual(lines[4]["work"], .string(local.description))
            XCTAssertEqual(lines[5]["values"]?["tdm"], "unknown")
            XCTAssertEqual(lines[6]["end"], ["works": 5, "errors": 2])
        }
    }

    /// A check at a past T (decided from the records, not the consent index) that names one work
    /// many times answers each line as a check of that work alone does, and the other works
    /// for themselves: the answer reused within a chunk is the answer of that work.
    func testAWorkAskedAgainInACheckAtAPastTimeGetsItsOwnAnswerEachTime() async throws {
        try await InProcessNode.run { node in
            try await StateRouteTests.story(node)
            // The time of alice's refusal on the local work (leaf 5): before the log's latest leaf.
            let past = try LogLeaf(bytes: try XCTUnwrap(try node.node.store.leafBytes(at: 5))).time
            let head = #"{"at":"\#(past.rfc3339)","audience":"*","purpose":"commercial"}"#
            let many = [head, #""iswc:T0345246801""#, #""local:gema.de/Café""#, #""iswc:T0345246801""#, #""iswc:T0345246801""#]
                .joined(separator: "\n")
            let (status, lines, text) = try await StateRouteTests.check(node, many)
            XCTAssertEqual(status, 200, text)
            XCTAssertEqual(lines.count, 6, text)
            let (_, alone, aloneText) = try await StateRouteTests.check(node, head + "\n" + #""iswc:T0345246801""#)
            let (_, localAlone, _) = try await StateRouteTests.check(node, head + "\n" + #""local:gema.de/Café""#)
            XCTAssertEqual(alone.count, 3, aloneText)
            for i in [1, 3, 4] { XCTAssertEqual(lines[i], alone[1], "line \(i) answers as the work alone does") }
            XCTAssertEqual(lines[2], localAlone[1], "the other work is answered for itself")
            XCTAssertEqual(lines[2]["values"]?["train-ai"], "disallowed")
            XCTAssertEqual(lines[5]["end"], ["works": 4, "errors": 0])
        }
    }

    /// The story, then the iswc work's resolution inputs damaged behind the node's back; returns
    /// a T at which a check reads them: before the work's latest change, so that the check reads
    /// its records at T (the consent index answers only after a work's latest change). T is the
    /// time of the story's last leaf, and a change of the work is logged some milliseconds later.
    static func damagedAtAPastT(_ node: InProcessNode) async throws -> Timestamp {
        try await story(node)
        let past = try LogLeaf(bytes: try XCTUnwrap(try node.node.store.leafBytes(at: node.node.store.size - 1))).time
        try await Task.sleep(for: .milliseconds(5))
        let later = SignedStatement.sign(.preference(Preference(by: alice.publicKey, issued: .now, work: try WorkID(parsing: "iswc:T0345246801"),
                                                                usage: ["tdm": false])), with: alice)
        let logged = try await node.post("/v1/statements", later.canonicalBytes)
        XCTAssertEqual(logged.status, 200, logged.text)
        let db = try DatabaseQueue(path: node.config.dataDirectory + "/node.sqlite")
        try await db.write { try $0.execute(sql: "UPDATE map_records SET inputs = X'FF' WHERE work = 'iswc:T0345246801'") }
        return past
    }

    /// A node failure after the status is sent (a store row it cannot read) is said on the stream
    /// as an internal problem after the lines already answered, and the reply stops there,
    /// without its `end` line: a client tells the cut answer from a whole one.
    func testAFailureOfTheNodeMidCheckIsSaidOnTheStreamAndTheReplyHasNoEnd() async throws {
        try await InProcessNode.run { node in
            let past = try await StateRouteTests.damagedAtAPastT(node)
            // A first chunk of works without records, answered; the damaged work in the second.
            let body = [#"{"at":"\#(past.rfc3339)"}"#] + Array(repeating: #""isbn:9780306406157""#, count: Node.checkChunk)
                + [#""iswc:T0345246801""#]
            let (status, lines, text) = try await StateRouteTests.check(node, body.joined(separator: "\n"))
            XCTAssertEqual(status, 200, text)
            XCTAssertEqual(lines.count, 1 + Node.checkChunk + 1, text)
            XCTAssertEqual(lines[Node.checkChunk]["work"], "isbn:9780306406157")
            XCTAssertEqual(lines.last?["problem"]?["type"], "urn:assent:problem:internal", text)
            XCTAssertFalse(text.contains("resolution inputs"), "no internal error text reaches a client")
            XCTAssertFalse(lines.contains { $0["end"] != nil }, text)
        }
    }

    /// A body that grows past the node's limit while a work line waits in its chunk, and a node
    /// failure when that chunk is answered: the failure is said on the stream and the check
    /// stops as after any other failure (no `end` line, no `too-large` line). Before, the
    /// `too-large` handler's last flush threw `CheckStopped` past the handler that catches it:
    /// the error left `answerCheck`, the reply was never finished and the connection dropped
    /// mid-stream, so a client saw a broken transfer instead of the node's problem line.
    func testAFailureWhileTheBodyGrowsPastItsLimitStopsTheCheckAsAnyOtherFailure() async throws {
        try await InProcessNode.run { node in
            let past = try await StateRouteTests.damagedAtAPastT(node)
            let lines = #"{"at":"\#(past.rfc3339)"}"# + "\n" + #""iswc:T0345246801""# + "\n"
            // Two parts, so that the lines are read before the body is found too large.
            let parts = AsyncStream<ByteBuffer> { body in
                body.yield(ByteBuffer(string: lines))
                body.yield(ByteBuffer(string: String(repeating: " ", count: 1000) + "\n"))
                body.finish()
            }
            let reader = LineReader(RequestBody(asyncSequence: parts), maxLine: Node.maxCheckLine, maxBytes: lines.utf8.count + 100)
            let query = try await Node.checkQuery(reader)
            let written = LockedBox<[UInt8]>([])
            var writer: any ResponseBodyWriter = CollectingWriter(into: written)
            let summary = try await Node.answerCheck(reader, query: query, at: past, store: node.node.store, operators: node.node.admission.operators,
                                                     cache: ParsedStateCache(), writer: &writer)
            XCTAssertNil(summary, "a check cut by a failure of the node has no end line")
            let text = String(decoding: written.value, as: UTF8.self)
            let replyLines = text.split(separator: "\n").map { (try? CanonicalJSON.parse(Array($0.utf8))) ?? .string(String($0)) }
            XCTAssertEqual(replyLines.count, 1, text)
            XCTAssertEqual(replyLines.first?["problem"]?["type"], "urn:assent:problem:internal", text)
            XCTAssertNil(replyLines.first?["line"], text)
        }
    }

    /// A response body writer that keeps what is written.
    struct CollectingWriter: ResponseBodyWriter {
        let into: LockedBox<[UInt8]>
        mutating func write(_ buffer: ByteBuffer) async throws { into.value += Array(buffer.readableBytesView) }
        mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws { for b in buffers { try await write(b) } }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    func testABadFirstLineRefusesTheWholeCheck() async throws {
        try await InProcessNode.run { node in
            for (body, why) in [("", "the body is empty"), ("\"iswc:T0345246801\"\n", "must be the query, a JSON object"),
                                ("{\"purpose\":\"any\"}\n", "purpose must be"), ("{\"audience\":1}\n", "audience must be a string"),
                                ("{\"colour\":\"red\"}\n", "unknown parameter \"colour\"")] {
                let (status, lines, text) = try await StateRouteTests.check(node, body)
                XCTAssertEqual(status, 400, body)
                XCTAssertTrue(lines.first?["detail"]?.stringValue?.contains(why) ?? false, "\(body): \(text)")
            }
        }
    }

    func testACheckAnswersAtMost100000WorksAndSaysWhereItStopped() async throws {
        try await InProcessNode.run { node in
            // Lines that are not work ids cost no reads: the limit is on lines answered.
            let body = "{}\n" + String(repeating: "x\n", count: Node.maxCheckWorks + 2)
            let (status, lines, _) = try await StateRouteTests.check(node, body)
            XCTAssertEqual(status, 200)
            XCTAssertEqual(lines.count, 1 + Node.maxCheckWorks + 2)
            let last = lines[lines.count - 2]
            XCTAssertEqual(last["line"], .integer(Int64(Node.maxCheckWorks + 2)))
            XCTAssertEqual(last["problem"]?["type"], "urn:assent:problem:too-large")
            XCTAssertEqual(lines.last?["end"]?["works"], .integer(Int64(Node.maxCheckWorks)))
        }
    }

    func testAPartysRepliesArePagedWithoutRepeatingOrSkipping() async throws {
        try await InProcessNode.run { node in
            let op = node.node.keys.operator.key
            let mandates: [SignedStatement] = try (0..<101).map { n in
                .sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: alice.publicKey, works: [try WorkID(parsing: "local:gema.de/\(n)")],
                                       role: .author)), with: op)
            }
            let enrollment = SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: alice.publicKey, role: .creator)), with: op)
            let batch = "[" + (mandates + [enrollment]).map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let logged = try await node.post("/v1/statements", Array(batch.utf8))
            XCTAssertEqual(logged.json["accepted"], .integer(102), logged.text)
            let hex = alice.publicKey.bytes.map { String(format: "%02x", $0) }.joined()
            let first = try await node.get("/v1/parties/\(hex)")
            guard case let .array(page1)? = first.json["mandates"], case let .integer(next)? = first.json["next"] else { return XCTFail(first.text) }
            XCTAssertEqual(page1.count, 100)
            XCTAssertEqual(first.json["enrollments"], .array([]))  // logged after the cut: on the next page
            let second = try await node.get("/v1/parties/\(hex)?from=\(next)")
            guard case let .array(page2)? = second.json["mandates"] else { return XCTFail(second.text) }
            XCTAssertEqual(page2.count, 1)
            XCTAssertEqual(second.json["enrollments"]?[0]?["statement"]?["type"], "enrollment")
            XCTAssertNil(second.json["next"])
            let indexes = (page1 + page2).compactMap { if case let .integer(i)? = $0["index"] { i } else { nil } }
            XCTAssertEqual(Set(indexes).count, 101)
        }
    }
}
