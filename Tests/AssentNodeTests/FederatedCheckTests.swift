import AssentCore
import AssentStore
@testable import AssentNode
import Foundation
import XCTest

/// The bulk check over several logs (docs/federation.md "Bulk check"), on the three real nodes
/// of `FederatedStateTests.startFederation`: works no log has a record of are decided from the
/// consent indexes of every log, mirrors included; the others from every log's records; and
/// every line says what the work route says.
extension FederatedStateTests {
    func testABulkCheckDecidesWorksNoLogHoldsFromTheIndexesAndTheOthersFromEveryLog() async throws {
        try await startFederation()
        let (gema, sacem, apra) = (nodes[0], nodes[1], nodes[2])
        let op = gema.node.keys.operator.key
        let alice = try SigningKey(seed: [UInt8](repeating: 21, count: 32))
        let bob = try SigningKey(seed: [UInt8](repeating: 22, count: 32))
        let mandated = try WorkID(parsing: "iswc:T-034.524.680-1")
        let declared = try WorkID(parsing: "iswc:T-070.237.182-1")
        let unheard = try (0..<40).map { try WorkID(parsing: "local:gema.de/unheard-\($0)") }
        let enrolled = try await submit(gema, [alice, bob].map { .sign(.enrollment(Enrollment(by: op.publicKey, issued: .now, party: $0.publicKey, role: .creator)), with: op) }
            + [.sign(.mandate(Mandate(by: op.publicKey, issued: .now, party: alice.publicKey, works: [mandated], role: .author)), with: op)])
        XCTAssertEqual(enrolled.json["accepted"], 3, enrolled.text)
        try await waitForReplication()
        // `mandated` has records at GEMA (the mandate) and SACEM (alice's grant); `declared` only
        // at APRA (bob's refusal, unverified: no mandate names him).
        try await submitInTurn([
            (sacem, .sign(.preference(Preference(by: alice.publicKey, issued: .now, work: mandated, usage: ["train-ai": true])), with: alice)),
            (apra, .sign(.preference(Preference(by: bob.publicKey, issued: .now, work: declared, usage: ["tdm": false])), with: bob)),
        ])
        try await waitForReplication()

        // SACEM's own index knows nothing of `declared`; its mirror of APRA's log does.
        XCTAssertEqual(sacem.node.store.worksWithoutRecords([declared], coveringAtLeast: sacem.node.store.size), [true])
        let trusted = try XCTUnwrap(sacem.node.trusted)
        XCTAssertEqual(try trusted.readBlocking { $0.withoutRecordsInAnyLog([mandated, declared] + unheard) },
                       [false, false] + unheard.map { _ in true })
        // An index that covers fewer leaves than the snapshot cannot speak for it.
        XCTAssertNil(sacem.node.store.worksWithoutRecords([declared], coveringAtLeast: sacem.node.store.size + 1))

        // The check, at one T on every node, with unverified declarants counted: each line says
        // what the work route says of that work, and every node gives the same lines.
        let at = Timestamp.now.rfc3339
        let works = [mandated, declared] + unheard
        let body = Array(("{\"at\":\"\(at)\",\"unverified\":\"count\"}\n" + works.map { "\"\($0)\"\n" }.joined()).utf8)
        var all = [[JSONValue]]()
        // An unknown work's line, written from memory, has the bytes the records' path gives it.
        var slow = [UInt8]()
        let q = try StateQuery.parse("unverified=count").resolution(unheard[0], now: try XCTUnwrap(Timestamp(rfc3339: at)))
        CanonicalJSON.write(Node.checkLine(Resolution.resolve(q, facts: Resolution.Facts(operators: sacem.node.admission.operators)), unverifiedNotRead: 0), into: &slow)
        for node in nodes {
            let reply = try await node.post("/v1/check", body)
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.text.split(separator: "\n")[3], Substring(String(decoding: slow, as: UTF8.self)))
            let lines = reply.text.split(separator: "\n").map { (try? CanonicalJSON.parse(Array($0.utf8))) ?? .object([:]) }
            XCTAssertEqual(lines.count, works.count + 2, reply.text)
            XCTAssertEqual(lines.last?["end"]?["works"], .integer(Int64(works.count)))
            all.append(Array(lines.dropFirst().dropLast()))
        }
        for other in all.dropFirst() { XCTAssertEqual(other, all[0]) }
        for (work, line) in zip(works, all[0]) {
            let path = "/v1/works/" + (try XCTUnwrap(work.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics)))
            let state = try await sacem.get(path + "?at=\(at)&unverified=count")
            XCTAssertEqual(state.status, 200, state.text)
            XCTAssertEqual(line["work"], .string(work.description))
            for category in UsageCategory.allCases {
                XCTAssertEqual(line["values"]?[JSONKey(category.rawValue)], state.json["categories"]?[JSONKey(category.rawValue)]?["value"], "\(work) \(category)")
            }
        }
        XCTAssertEqual(all[0][0]["values"]?["train-ai"], "allowed")
        XCTAssertEqual(all[0][1]["values"]?["tdm"], "disallowed")
        XCTAssertEqual(all[0][1]["refs"]?.arrayValue?.first?["log"], .string(apra.config.origin))
        for line in all[0].dropFirst(2) { XCTAssertEqual(line["refs"], .array([])) }
    }
}
