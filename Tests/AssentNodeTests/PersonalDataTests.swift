import AssentCore
import AssentNode
import AssentStore
import Foundation
import GRDB
import XCTest

/// Issue 9 through the node: personal data stays off the permanent log. Commitments are
/// logged, disclosures kept in a deletable table and served, and an erasure deletes them from
/// the database file and its WAL while the statement, its receipt and the tree still verify.
final class PersonalDataTests: XCTestCase {
    static let salt = [UInt8](0..<16)
    static let name = "Alice Nameforerasure"
    static let ipi = "ipi:00052210040"
    static let credit = "Alice Creditline Example"
    static let note = "Reach me at alice@example.org, +49 30 1234567"

    /// An enrollment of `party` by the node's operator key, committing a name and an IPI number.
    static func enrollment(node: Node, party: PublicKey, name: String = PersonalDataTests.name,
                           salt: [UInt8] = PersonalDataTests.salt) throws -> Submission {
        let op = node.keys.operator.key
        let e = Enrollment(by: op.publicKey, issued: .now, party: party, role: .creator,
                           name: try Commitment(text: name, salt: salt), ids: [try Commitment(text: ipi, salt: salt)])
        return try Submission(statement: SignedStatement.sign(.enrollment(e), with: op), disclosures: [
            Disclosure(field: "/name", salt: salt, text: name), Disclosure(field: "/ids/0", salt: salt, text: ipi),
        ])
    }

    /// A preference committing a credit line and a note.
    static func preference(_ n: Int, key: SigningKey = Fixtures.creator, credit: String = PersonalDataTests.credit,
                           note: String = PersonalDataTests.note) throws -> Submission {
        let p = Preference(by: key.publicKey, issued: .now, work: try WorkID(parsing: "local:gema.de/pd-\(n)"), usage: ["train-genai": true],
                           conditions: Conditions(credit: try Commitment(text: credit, salt: salt), purpose: .research),
                           note: try Commitment(text: note, salt: salt))
        return try Submission(statement: SignedStatement.sign(.preference(p), with: key), disclosures: [
            Disclosure(field: "/conditions/credit", salt: salt, text: credit), Disclosure(field: "/note", salt: salt, text: note),
        ])
    }

    static func erasure(of hash: Hash, by key: SigningKey) -> SignedStatement {
        SignedStatement.sign(.erasure(Erasure(by: key.publicKey, issued: .now, erases: hash)), with: key)
    }

    // MARK: Refusals

    func testClearTextInAPersonalFieldIsRefusedByTheNode() async throws {
        try await InProcessNode.run { node in
            let key = Fixtures.creator
            let body: JSONValue = ["type": "preference", "by": .string(key.publicKey.base64), "issued": .string(Timestamp.now.rfc3339),
                                   "work": "local:gema.de/1", "audience": "*", "usage": ["train-ai": "n"], "note": "Alice, +49 30 1234567"]
            let sig = key.sign(SignedStatement.domain + body.canonicalBytes)
            let bytes = JSONValue.object(["sig": .string(Base64.encode(sig)), "statement": body]).canonicalBytes
            let reply = try await node.post("/v1/statements", bytes)
            XCTAssertEqual(reply.status, 400, reply.text)
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:personal-data-in-clear")
            XCTAssertTrue(reply.json["detail"]?.stringValue?.contains(#"field "note" is personal data or free text in clear"#) == true, reply.text)
            XCTAssertEqual(try node.node.store.indexes(ofStatements: [SHA256.hash(bytes)]), [:], "nothing is logged")
        }
    }

    func testADisclosureThatDoesNotMatchRefusesTheWholeSubmission() async throws {
        try await InProcessNode.run { node in
            let good = try PersonalDataTests.preference(1)
            let tampered = String(decoding: good.canonicalBytes, as: UTF8.self)
                .replacingOccurrences(of: PersonalDataTests.credit, with: "Mallory Creditline Example")
            let reply = try await node.post("/v1/statements", Array(tampered.utf8))
            XCTAssertEqual(reply.status, 400, reply.text)
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:bad-disclosure")
            XCTAssertTrue(reply.json["detail"]?.stringValue?.hasPrefix(#"disclosure "/conditions/credit": text and salt do not hash"#) == true, reply.text)
            XCTAssertEqual(try node.node.store.indexes(ofStatements: [good.statement.hash]), [:])
        }
    }

    func testAMissingOrAnExtraDisclosureRefusesTheSubmission() async throws {
        try await InProcessNode.run { node in
            let good = try PersonalDataTests.preference(2)
            // The statement alone: its commitments are not disclosed.
            let bare = try await node.post("/v1/statements", good.statement.canonicalBytes)
            XCTAssertEqual(bare.status, 400, bare.text)
            XCTAssertEqual(bare.json["type"], "urn:assent:problem:bad-disclosure")
            XCTAssertTrue(bare.text.contains(#"disclosure \"/conditions/credit\": no disclosure"#), bare.text)
            // One disclosure too many, in a batch: that element alone is refused.
            var extra = good.disclosures.map(\.json)
            extra.append(["field": "/name", "salt": .string(Base64.encode(PersonalDataTests.salt)), "text": "Alice"])
            var members = good.statement.json.objectValue ?? [:]
            members["disclosures"] = .array(extra)
            let other = try PersonalDataTests.preference(3)
            let batch = "[" + JSONValue.object(members).canonicalString + "," + String(decoding: other.canonicalBytes, as: UTF8.self) + "]"
            let reply = try await node.post("/v1/statements", Array(batch.utf8))
            XCTAssertEqual(reply.json["accepted"], 1, reply.text)
            let results = try XCTUnwrap(reply.json["results"]?.arrayValue)
            XCTAssertEqual(results[0]["problem"]?["type"], "urn:assent:problem:bad-disclosure")
            XCTAssertTrue(results[0]["problem"]?["detail"]?.stringValue?.hasPrefix(#"disclosure "/name": points at no commitment"#) == true, reply.text)
            XCTAssertNotNil(results[1]["receipt"])
        }
    }

    // MARK: Serving

    func testAMatchingDisclosureIsServedWithTheStatementAndAReceipt() async throws {
        try await InProcessNode.run(configure: ErasureRulesTests.serveAll) { node in
            let submission = try PersonalDataTests.preference(4)
            let reply = try await node.post("/v1/statements", submission.canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
            let hash = submission.statement.hash
            let got = try await node.get("/v1/statements/\(hash.hex)")
            XCTAssertEqual(got.status, 200, got.text)
            // Nothing erased: no `erased` member (Assent's JSON has no null), and canonical JSON.
            XCTAssertFalse(got.text.contains("erased"), got.text)
            XCTAssertNoThrow(try CanonicalJSON.parse(got.body, requireCanonical: true))
            let record = try StatementRecord.parseReply(got.body)
            XCTAssertEqual(record["disclosures"], .array(submission.disclosures.map(\.json)))
            XCTAssertEqual(record["statement"], submission.statement.json)
            let receipt = try Receipt(text: try XCTUnwrap(record["receipt"]?.stringValue))
            XCTAssertEqual(record["index"]?.integerValue, Int64(receipt.index))
            try receipt.verify(statement: submission.statement, logKey: node.logKey)
            // Each served text proves itself against the logged commitment.
            let served = try Disclosure.list(json: try XCTUnwrap(record["disclosures"]))
            XCTAssertNoThrow(try Submission(statement: submission.statement, disclosures: served))

            let unknown = try await node.get("/v1/statements/\(String(repeating: "ab", count: 32))")
            XCTAssertEqual(unknown.status, 404, unknown.text)
            XCTAssertEqual(unknown.json["type"], "urn:assent:problem:not-found")
            let upper = try await node.get("/v1/statements/\(hash.hex.uppercased())")
            XCTAssertEqual(upper.status, 400, upper.text)
        }
    }

    /// The same statement submitted twice is answered with its receipt and its stored
    /// disclosures are left alone: after an erasure, submitting it again does not bring them back.
    func testTheFirstDisclosuresOfAStatementWin() async throws {
        try await InProcessNode.run(configure: ErasureRulesTests.serveAll) { node in
            let first = try PersonalDataTests.preference(5)
            _ = try await node.post("/v1/statements", first.canonicalBytes).receipt()
            // Same statement bytes, so the same salts must be used; a second copy with the text
            // disclosed again is answered with the same receipt.
            let again = try await node.post("/v1/statements", first.canonicalBytes)
            XCTAssertEqual(again.status, 200, again.text)
            let record = try StatementRecord.parseReply(try await node.get("/v1/statements/\(first.statement.hash.hex)").body)
            XCTAssertEqual(record["disclosures"], .array(first.disclosures.map(\.json)))
            _ = try await node.post("/v1/statements", PersonalDataTests.erasure(of: first.statement.hash, by: Fixtures.creator).canonicalBytes).receipt()
            let resent = try await node.post("/v1/statements", first.canonicalBytes)
            XCTAssertEqual(try resent.receipt().index, try again.receipt().index)
            let after = try StatementRecord.parseReply(try await node.get("/v1/statements/\(first.statement.hash.hex)").body)
            XCTAssertEqual(after["disclosures"], .array([]))
            XCTAssertNotNil(after["erased"])
        }
    }

    /// Issue 10: a single statement with a leading space and one with a trailing newline are
    /// treated alike: both accepted, as white space around each element of a batch is.
    func testLeadingSpaceAndTrailingNewlineAreTreatedAlike() async throws {
        try await InProcessNode.run { node in
            let a = Fixtures.preference(901), b = Fixtures.preference(902)
            let leading = try await node.post("/v1/statements", Array(" ".utf8) + a.canonicalBytes)
            let trailing = try await node.post("/v1/statements", b.canonicalBytes + Array("\n".utf8))
            XCTAssertEqual(leading.status, 200, leading.text)
            XCTAssertEqual(trailing.status, 200, trailing.text)
            try leading.receipt().verify(statement: a, logKey: node.logKey)
            try trailing.receipt().verify(statement: b, logKey: node.logKey)
            // Inside the object, bytes must still be canonical.
            let inner = Array(String(decoding: Fixtures.preference(903).canonicalBytes, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
            let refused = try await node.post("/v1/statements", inner)
            XCTAssertEqual(refused.json["type"], "urn:assent:problem:not-canonical")
            // An empty disclosures list beside a statement with no commitments is accepted.
            let empty = Array(#"{"disclosures":[],"#.utf8) + Fixtures.preference(904).canonicalBytes.dropFirst()
            let emptyReply = try await node.post("/v1/statements", empty)
            XCTAssertEqual(emptyReply.status, 200, emptyReply.text)
        }
    }

    // MARK: Erasure

    func testErasureOfAStatementNotInTheLogIsRefused() async throws {
        try await InProcessNode.run { node in
            let never = try PersonalDataTests.preference(6).statement.hash
            let reply = try await node.post("/v1/statements", PersonalDataTests.erasure(of: never, by: Fixtures.creator).canonicalBytes)
            XCTAssertEqual(reply.status, 400, reply.text)
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:unknown-statement")
            XCTAssertTrue(reply.text.contains(never.hex), reply.text)
        }
    }

    func testErasureByAnyoneElseIsRefused() async throws {
        try await InProcessNode.run(configure: ErasureRulesTests.serveAll) { node in
            let party = try SigningKey(seed: [UInt8](repeating: 77, count: 32))
            let stranger = try SigningKey(seed: [UInt8](repeating: 78, count: 32))
            let enrollment = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey)
            let preference = try PersonalDataTests.preference(7)
            for s in [enrollment, preference] { _ = try await node.post("/v1/statements", s.canonicalBytes).receipt() }
            // A stranger may erase neither; the party of the enrollment may not erase another's preference.
            for (target, key) in [(enrollment, stranger), (preference, stranger), (preference, party)] {
                let reply = try await node.post("/v1/statements", PersonalDataTests.erasure(of: target.statement.hash, by: key).canonicalBytes)
                XCTAssertEqual(reply.status, 403, reply.text)
                XCTAssertEqual(reply.json["type"], "urn:assent:problem:erasure-not-allowed")
            }
            let record = try StatementRecord.parseReply(try await node.get("/v1/statements/\(enrollment.statement.hash.hex)").body)
            XCTAssertEqual(record["disclosures"]?.arrayValue?.count, 2)
            // The enrolled party (the data subject) may.
            let byParty = try await node.post("/v1/statements", PersonalDataTests.erasure(of: enrollment.statement.hash, by: party).canonicalBytes)
            XCTAssertEqual(byParty.status, 200, byParty.text)
        }
    }

    /// The whole story on a real node and its files: the text is on disk, an erasure by the
    /// declarant is logged, and then no byte of the text is left in the database file or its WAL
    /// (before and after a checkpoint and a VACUUM); the statement, its receipt and the tree verify,
    /// and `assent audit` passes.
    func testAfterErasureTheTextIsGoneFromTheDatabaseAndWALAndEverythingVerifies() async throws {
        let node = TestNode {
            $0.openDeclarations.enabled = false
            ErasureRulesTests.serveAll(&$0)
        }
        try await node.start()
        defer { node.remove() }
        let party = try SigningKey(seed: [UInt8](repeating: 79, count: 32))
        let enrollment = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey)
        let enrolled = try await node.post("/v1/statements", enrollment.canonicalBytes)
        let preference = try PersonalDataTests.preference(8, key: party)
        let declared = try await node.post("/v1/statements", preference.canonicalBytes)
        _ = try declared.receipt()
        // Another declarant's texts stay: the erased rows share their page with live ones.
        let kept = try PersonalDataTests.preference(9, key: party, credit: "Bob Keptcredit", note: "Bob keeps this note")
        _ = try await node.post("/v1/statements", kept.canonicalBytes).receipt()

        let database = node.directory.appendingPathComponent("data").appendingPathComponent(StoreCheck.databaseFileName).path
        func onDisk(_ text: String) -> Bool {
            let needle = Data(text.utf8)
            return [database, database + "-wal"].contains { FileManager.default.contents(atPath: $0)?.range(of: needle) != nil }
        }
        XCTAssertTrue(onDisk(PersonalDataTests.note), "control: the disclosed text is stored before the erasure")
        XCTAssertTrue(onDisk(PersonalDataTests.name))

        // The declarant (the enrolled party) erases its preference; the operator erases the enrollment's data.
        let erasures = [PersonalDataTests.erasure(of: preference.statement.hash, by: party),
                        PersonalDataTests.erasure(of: enrollment.statement.hash, by: node.node.keys.operator.key)]
        for erasure in erasures {
            let reply = try await node.post("/v1/statements", erasure.canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
        }
        // The node truncates the WAL after each erasure, off the write path: nothing is left once
        // it has, with no help from the test.
        let deadline = ContinuousClock.now + .seconds(10)
        while try node.node.database.walTruncationPending(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        for text in [PersonalDataTests.note, PersonalDataTests.credit, PersonalDataTests.name, PersonalDataTests.ipi] {
            XCTAssertFalse(onDisk(text), "\(text) is still in the database or its WAL after the erasure")
        }
        // Again after a checkpoint and a VACUUM (which rewrites every page).
        XCTAssertTrue(try node.node.store.checkpointWAL())
        let vacuum = try DatabaseQueue(path: database)
        try await vacuum.writeWithoutTransaction { try $0.execute(sql: "VACUUM") }
        try vacuum.close()
        try node.node.store.checkpointWAL()
        for text in [PersonalDataTests.note, PersonalDataTests.credit, PersonalDataTests.name, PersonalDataTests.ipi] {
            XCTAssertFalse(onDisk(text), "\(text) is in the database or its WAL after checkpoint and VACUUM")
        }

        // The statements, their receipts and the tree still verify; the reply says what was erased.
        for (submission, original) in [(enrollment, enrolled), (preference, declared)] {
            let got = try await node.get("/v1/statements/\(submission.statement.hash.hex)")
            let record = try StatementRecord.parseReply(got.body)
            XCTAssertEqual(record["disclosures"], .array([]))
            XCTAssertNotNil(record["erased"]?["at"]?.stringValue, got.text)
            XCTAssertEqual(record["statement"], submission.statement.json)
            try Receipt(text: try XCTUnwrap(record["receipt"]?.stringValue)).verify(statement: submission.statement, logKey: node.logKey)
            try original.receipt().verify(statement: submission.statement, logKey: node.logKey)
        }
        let audited = try await node.audit()
        XCTAssertEqual(audited.statements, 5)
        XCTAssertTrue(onDisk("Bob keeps this note"), "only the erased statements' texts are deleted")
        try await node.stop()
        let report = try StoreCheck.run(path: node.directory.appendingPathComponent("data").path)
        XCTAssertTrue(report.ok, report.text)
    }

    /// A log built like the demo's (enrollments with names and ids, preferences with credit
    /// lines and notes, an erasure): no entry bundle holds any of the texts in clear.
    func testNoEntryBundleHoldsANameAnIdentifierOrFreeText() async throws {
        try await InProcessNode.run(configure: ErasureRulesTests.serveAll) { node in
            let party = try SigningKey(seed: [UInt8](repeating: 80, count: 32))
            let submissions = [try PersonalDataTests.enrollment(node: node.node, party: party.publicKey)]
                + (try (10..<20).map { try PersonalDataTests.preference($0) })
            let batch = "[" + submissions.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
            let reply = try await node.post("/v1/statements", Array(batch.utf8))
            XCTAssertEqual(reply.json["accepted"], .integer(Int64(submissions.count)), reply.text)
            _ = try await node.post("/v1/statements", PersonalDataTests.erasure(of: submissions[1].statement.hash, by: Fixtures.creator).canonicalBytes).receipt()

            let texts = [PersonalDataTests.name, PersonalDataTests.ipi, "00052210040", PersonalDataTests.credit, PersonalDataTests.note, "alice@example.org"]
            let size = node.node.store.size
            var leaves = 0
            for tile in Tile.tiles(forTreeSize: size) where tile.level == 0 {
                let bundle = try await node.get("/" + tile.entriesPath)
                XCTAssertEqual(bundle.status, 200)
                for entry in try EntryBundle.decode(bundle.body) {
                    leaves += 1
                    let text = String(decoding: entry, as: UTF8.self)
                    for t in texts { XCTAssertFalse(text.contains(t), "leaf holds \(t): \(text)") }
                }
            }
            XCTAssertEqual(UInt64(leaves), size)
            // Control: the texts are there to be found, in the node's deletable table.
            let record = try StatementRecord.parseReply(try await node.get("/v1/statements/\(submissions[0].statement.hash.hex)").body)
            XCTAssertTrue(record.canonicalString.contains(PersonalDataTests.name))
        }
    }
}
