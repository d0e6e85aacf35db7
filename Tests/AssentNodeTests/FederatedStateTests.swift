import AssentCore
import AssentStore
@testable import AssentNode
import Foundation
import XCTest

/// One federation, one answer (issue 8 item 6; docs/federation.md): three real nodes on
/// loopback, one federation file. A member enrolled and mandated at GEMA submits at SACEM; a
/// revocation goes to APRA; once each node mirrors the others, all three give the same state of
/// the work with the same provenance, each naming every log it read and how far it speaks.
final class FederatedStateTests: FederationTestCase {
    /// Three nodes that take no open declarations: a preference is logged only from a party
    /// enrolled in a log the node trusts. No witnesses (cosigning has its own tests).
    func startFederation() async throws {
        try await startNodes(witnesses: false, quorum: 0) { $0.openDeclarations.enabled = false }
    }

    /// Waits until every node mirrors every other node's whole log (at most 30 s).
    func waitForReplication() async throws {
        try await waitUntil("the three nodes mirror each other") {
            nodes.allSatisfy { node in
                nodes.allSatisfy { other in
                    other === node || node.node.replicator?.mirrored(origin: other.config.origin)?.size == other.node.store.size
                }
            }
        }
    }

    func submit(_ node: TestNode, _ statements: [SignedStatement]) async throws -> TestNode.Reply {
        let body = "[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
        return try await node.post("/v1/statements", Array(body.utf8))
    }

    /// A reply without the answering node's origin, the one member that differs between nodes.
    func withoutLog(_ value: JSONValue) -> JSONValue {
        guard case var .object(o) = value else { return value }
        o["log"] = nil
        return .object(o)
    }

    /// Three real nodes; SACEM is stopped while GEMA enrolls and mandates a member and APRA logs
    /// her grant, so it misses writes to both logs it mirrors. Meanwhile GEMA answers with
    /// SACEM's log where it stood (each log's coverage is its own). Restarted, SACEM catches up
    /// on both, its mirrors reach the others' roots; it logs her revocation, which GEMA and APRA
    /// mirror (their followers of SACEM resumed), and all three give one answer.
    func testANodeStoppedWhileTheOthersWriteCatchesUpAndAllThreeGiveOneAnswer() async throws {
        try await startFederation()
        let (gema, sacem, apra) = (nodes[0], nodes[1], nodes[2])
        try await waitForReplication()
        let sacemSize = sacem.node.store.size
        try await sacem.stop()

        let alice = try SigningKey(seed: [UInt8](repeating: 9, count: 32))
        let work = try WorkID(parsing: "iswc:T-345.246.800-3")
        let gemaOperator = gema.node.keys.operator.key
        let admin = try await submit(gema, [
            .sign(.enrollment(Enrollment(by: gemaOperator.publicKey, issued: .now, party: alice.publicKey, role: .creator)), with: gemaOperator),
            .sign(.mandate(Mandate(by: gemaOperator.publicKey, issued: .now, party: alice.publicKey, works: [work], role: .author)), with: gemaOperator),
        ])
        XCTAssertEqual(admin.json["accepted"], 2, admin.text)
        try await waitUntil("APRA mirrors GEMA") { apra.node.replicator?.mirrored(origin: gema.config.origin)?.size == gema.node.store.size }
        let grant = SignedStatement.sign(.preference(Preference(by: alice.publicKey, issued: .now, work: work, usage: ["train-ai": true])), with: alice)
        let granted = try await submit(apra, [grant])
        XCTAssertEqual(granted.json["accepted"], 1, granted.text)
        try await waitUntil("GEMA mirrors APRA") { gema.node.replicator?.mirrored(origin: apra.config.origin)?.size == apra.node.store.size }

        let path = "/v1/works/" + work.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let askedAt = Timestamp.now
        let during = try await gema.get(path + "?at=" + askedAt.rfc3339)
        XCTAssertEqual(during.json["categories"]?["train-ai"]?["value"], "allowed", during.text)
        let sacemLog = during.json["logs"]?.arrayValue?.first { $0["origin"] == .string(sacem.config.origin) }
        XCTAssertEqual(sacemLog?["size"], .integer(Int64(sacemSize)), during.text)
        // SACEM's log speaks only up to its last epoch, before T: provisional for this answer.
        XCTAssertEqual(sacemLog?["provisional"], .bool(true), during.text)
        let sacemEpoch = try XCTUnwrap(sacemLog?["epoch"]?["time"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }, during.text)
        XCTAssertLessThan(sacemEpoch.milliseconds, askedAt.milliseconds)
        XCTAssertEqual(sacemLog?["epoch"]?["index"], .integer(Int64(sacemSize - 1)), during.text)

        try await sacem.start()
        try await waitForReplication()
        for other in [gema, apra] {
            let mirrored = try XCTUnwrap(sacem.node.replicator?.mirrored(origin: other.config.origin))
            XCTAssertEqual(mirrored.root, try other.node.store.treeHash(size: other.node.store.size))
        }
        // SACEM takes her revocation (her enrollment and mandate are in its mirror of GEMA's log
        // again): GEMA and APRA follow SACEM's log after its outage too.
        let revocation = SignedStatement.sign(.preference(Preference(by: alice.publicKey, issued: .now, work: work, usage: ["train-ai": false])), with: alice)
        let revoked = try await submit(sacem, [revocation])
        XCTAssertEqual(revoked.json["accepted"], 1, revoked.text)
        XCTAssertGreaterThan(sacem.node.store.size, sacemSize)
        try await waitForReplication()
        for other in [gema, apra] {
            let mirrored = try XCTUnwrap(other.node.replicator?.mirrored(origin: sacem.config.origin))
            XCTAssertEqual(mirrored.root, try sacem.node.store.treeHash(size: sacem.node.store.size))
        }
        let at = Timestamp.now.rfc3339
        var answers = [JSONValue]()
        for node in nodes {
            let reply = try await node.get(path + "?at=" + at)
            XCTAssertEqual(reply.status, 200, reply.text)
            answers.append(withoutLog(reply.json))
        }
        for answer in answers.dropFirst() { XCTAssertEqual(answer, answers[0]) }
        XCTAssertEqual(answers[0]["categories"]?["train-ai"]?["value"], "disallowed", "\(answers[0])")
        XCTAssertEqual(answers[0]["categories"]?["train-ai"]?["decidedBy"]?.arrayValue?.first?["statement"]?["log"], .string(sacem.config.origin))
        let logs = try XCTUnwrap(answers[0]["logs"]?.arrayValue)
        XCTAssertEqual(logs.first { $0["origin"] == .string(sacem.config.origin) }?["size"], .integer(Int64(sacem.node.store.size)))
    }

    func testAMemberOfOneSocietySubmitsAtAnotherAndAllThreeGiveOneAnswer() async throws {
        try await startFederation()
        let (gema, sacem, apra) = (nodes[0], nodes[1], nodes[2])
        let alice = try SigningKey(seed: [UInt8](repeating: 7, count: 32))
        let work = try WorkID(parsing: "iswc:T-034.524.680-1")
        let gemaOperator = gema.node.keys.operator.key
        func preference(_ usage: [String: Bool]) -> SignedStatement {
            .sign(.preference(Preference(by: alice.publicKey, issued: .now, work: work, usage: usage)), with: alice)
        }

        // Nobody enrolls alice yet: SACEM takes no open declarations.
        let early = try await sacem.post("/v1/statements", preference(["train-ai": true]).canonicalBytes)
        XCTAssertEqual(early.json["type"], "urn:assent:problem:not-enrolled", early.text)

        // GEMA enrolls alice and mandates her for the work, in GEMA's log.
        let admin = try await submit(gema, [
            .sign(.enrollment(Enrollment(by: gemaOperator.publicKey, issued: .now, party: alice.publicKey, role: .creator)), with: gemaOperator),
            .sign(.mandate(Mandate(by: gemaOperator.publicKey, issued: .now, party: alice.publicKey, works: [work], role: .author)), with: gemaOperator),
        ])
        XCTAssertEqual(admin.json["accepted"], 2, admin.text)
        try await waitForReplication()

        // SACEM now finds her enrollment in its mirror of GEMA's log: her grant is logged at SACEM.
        let grant = preference(["train-ai": true, "search": true])
        let granted = try await submit(sacem, [grant])
        XCTAssertEqual(granted.json["accepted"], 1, granted.text)
        try await waitForReplication()

        // SACEM's own log alone reads her as an unverified declarant (its map holds no mandate
        // of hers): the answer a node gave before it merged its trusted logs.
        let asked = Resolution.Query(work: work, at: .now)
        let alone = try sacem.node.store.readBlocking { try $0.workState(asked, operators: sacem.node.admission.operators, cache: ParsedStateCache()) }
        XCTAssertTrue(alone.decision.parties.isEmpty)
        XCTAssertEqual(alone.decision[.trainAI], .unknown)

        // One T for all three nodes (each node's "now" is its own).
        let path = "/v1/works/" + work.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        var at = Timestamp.now.rfc3339
        var answers = [JSONValue]()
        for node in nodes {
            let reply = try await node.get(path + "?at=" + at)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.json["log"], .string(node.config.origin))
            answers.append(reply.json)
        }
        for answer in answers.dropFirst() { XCTAssertEqual(withoutLog(answer), withoutLog(answers[0])) }
        let answer = answers[0]
        XCTAssertEqual(answer["categories"]?["train-ai"]?["value"], "allowed", "\(answer)")
        // Counted through GEMA's mandate and enrollment; decided by the statement SACEM logged.
        XCTAssertEqual(answer["parties"]?.arrayValue?.first?["party"], .string(alice.publicKey.base64))
        XCTAssertEqual(answer["parties"]?.arrayValue?.first?["mandates"]?.arrayValue?.first?["log"], .string(gema.config.origin))
        XCTAssertEqual(answer["parties"]?.arrayValue?.first?["enrollments"]?.arrayValue?.first?["log"], .string(gema.config.origin))
        let decidedBy = answer["categories"]?["train-ai"]?["decidedBy"]?.arrayValue?.first?["statement"]
        XCTAssertEqual(decidedBy?["log"], .string(sacem.config.origin))
        XCTAssertEqual(decidedBy?["statementHash"], .string(grant.hash.base64))
        XCTAssertEqual(answer["unverified"], .array([]))
        // Every log read, in the order of the origins' bytes, each with its epoch.
        guard case let .array(logs)? = answer["logs"] else { return XCTFail("no logs in \(answer)") }
        XCTAssertEqual(logs.map { $0["origin"] }, [apra, gema, sacem].map { .string($0.config.origin) })
        for (log, node) in zip(logs, [apra, gema, sacem]) {
            XCTAssertEqual(log["size"], .integer(Int64(node.node.store.size)))
            XCTAssertNotNil(log["epoch"]?["map"])
        }

        // The revocation goes to APRA, a third node: after replication all three say disallowed.
        let revocation = try await submit(apra, [preference(["train-ai": false])])
        XCTAssertEqual(revocation.json["accepted"], 1, revocation.text)
        try await waitForReplication()
        at = Timestamp.now.rfc3339
        var after = [JSONValue]()
        for node in nodes { after.append(withoutLog(try await node.get(path + "?at=" + at).json)) }
        for answer in after.dropFirst() { XCTAssertEqual(answer, after[0]) }
        XCTAssertEqual(after[0]["categories"]?["train-ai"]?["value"], "disallowed", "\(after[0])")
        XCTAssertEqual(after[0]["categories"]?["train-ai"]?["decidedBy"]?.arrayValue?.first?["statement"]?["log"], .string(apra.config.origin))
        // A category the revocation does not name: the latest statement decides alone (§6 rule 3).
        XCTAssertEqual(after[0]["categories"]?["search"]?["value"], "unknown")

        // The bulk check gives the same lines on every node, its refs naming their logs.
        let body = Array(("{\"at\":\"\(at)\"}\n\"" + work.description + "\"\n\"iswc:T0702371821\"\n").utf8)
        var lines = [[JSONValue]]()
        for node in nodes {
            let reply = try await node.post("/v1/check", body)
            XCTAssertEqual(reply.status, 200, reply.text)
            let parsed = reply.text.split(separator: "\n").map { (try? CanonicalJSON.parse(Array($0.utf8))) ?? .object([:]) }
            XCTAssertEqual(parsed.count, 4, reply.text)
            XCTAssertEqual(parsed.first?["logs"].map { if case let .array(a) = $0 { a.count } else { 0 } }, 3)
            XCTAssertEqual(parsed.last?["end"]?["works"], 2)
            lines.append(Array(parsed[1..<3]))
        }
        for other in lines.dropFirst() { XCTAssertEqual(other, lines[0]) }
        XCTAssertEqual(lines[0].first?["values"]?["train-ai"], "disallowed", "\(lines[0])")
        let apraIndex = try XCTUnwrap(after[0]["categories"]?["train-ai"]?["decidedBy"]?.arrayValue?.first?["statement"]?["index"])
        XCTAssertEqual(lines[0].first?["refs"], .array([["log": .string(apra.config.origin), "index": apraIndex]]))
        XCTAssertEqual(lines[0].last?["values"]?["train-ai"], "unknown")
    }
}
