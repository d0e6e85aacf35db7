import AssentCore
import AssentNode
import AssentStore
import Foundation
import GRDB
import XCTest

/// The review of issue 9, through the node: clear text through other fields, who may erase,
/// erasure abuse (chains, repeats, rate), copies of an erased disclosure, which disclosures are
/// served, and the WAL truncation an erasure owes.
final class ErasureRulesTests: XCTestCase {
    static func serveAll(_ config: inout NodeConfig) { config.publicDisclosures = NodeConfig.disclosableFields.sorted() }

    /// A name and a phone number in the query of `conditions.terms` are refused; a `url:` work
    /// id keeps its query (real work URLs need one), and the rest of the log holds no such text.
    func testTermsWithAQueryAreRefusedAndWorkURLsKeepTheirs() async throws {
        try await InProcessNode.run { node in
            let key = Fixtures.creator
            func preference(terms: String, work: String) throws -> SignedStatement {
                SignedStatement.sign(.preference(Preference(by: key.publicKey, issued: .now, work: try WorkID(parsing: work),
                                                            usage: ["train-ai": false], conditions: Conditions(terms: terms))), with: key)
            }
            let smuggled = try preference(terms: "https://example.org/terms?name=Alice%20Example&phone=01705551234",
                                          work: "https://example.org/song-1")
            let reply = try await node.post("/v1/statements", smuggled.canonicalBytes)
            XCTAssertEqual(reply.status, 400, reply.text)
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:invalid-statement")
            XCTAssertTrue(reply.text.contains("conditions.terms"), reply.text)
            let work = try preference(terms: "https://example.org/terms", work: "https://example.org/watch?v=abc123")
            let taken = try await node.post("/v1/statements", work.canonicalBytes)
            XCTAssertEqual(taken.status, 200, taken.text)
            for tile in Tile.tiles(forTreeSize: node.node.store.size) where tile.level == 0 {
                for entry in try EntryBundle.decode(try await node.get("/" + tile.entriesPath).body) {
                    XCTAssertFalse(String(decoding: entry, as: UTF8.self).contains("01705551234"))
                }
            }
        }
    }

    /// The review's probe: a revoked party on a closed node wrote 30 permanent leaves, erasing
    /// an enrollment with nothing to erase, then each erasure. Now none is logged.
    func testARevokedPartyCannotWriteErasureChains() async throws {
        try await InProcessNode.run(configure: { $0.openDeclarations.enabled = false }) { node in
            let op = node.node.keys.operator.key
            let party = try SigningKey(seed: [UInt8](repeating: 91, count: 32))
            let t0 = Timestamp.now
            let enroll = SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: t0, party: party.publicKey, role: .creator)), with: op)
            _ = try await node.post("/v1/statements", enroll.canonicalBytes).receipt()
            let revoke = SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: Timestamp(milliseconds: t0.milliseconds + 1),
                                                                     party: party.publicKey, role: .creator, active: false)), with: op)
            _ = try await node.post("/v1/statements", revoke.canonicalBytes).receipt()
            var target = enroll.hash
            var accepted = 0
            for i in 0..<30 {
                let e = SignedStatement.sign(.erasure(Erasure(by: party.publicKey, issued: Timestamp(milliseconds: t0.milliseconds + 10 + Int64(i)),
                                                              erases: target)), with: party)
                let r = try await node.post("/v1/statements", e.canonicalBytes)
                if r.status == 200 { accepted += 1 } else if i == 0 { XCTAssertEqual(r.json["type"], "urn:assent:problem:nothing-to-erase", r.text) }
                target = e.hash
            }
            XCTAssertEqual(accepted, 0, "a revoked, unenrolled key logged \(accepted) permanent leaves on a closed node")
        }
    }

    /// A statement is erased once: another erasure of it is `already-erased` with the first's
    /// time; the same erasure sent again gets its receipt; an erasure of the erasure has nothing to erase.
    func testAStatementIsErasedOnce() async throws {
        try await InProcessNode.run { node in
            let party = try SigningKey(seed: [UInt8](repeating: 93, count: 32))
            let enrollment = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey)
            _ = try await node.post("/v1/statements", enrollment.canonicalBytes).receipt()
            let first = PersonalDataTests.erasure(of: enrollment.statement.hash, by: party)
            let logged = try await node.post("/v1/statements", first.canonicalBytes).receipt()
            let again = try await node.post("/v1/statements", first.canonicalBytes)
            XCTAssertEqual(try again.receipt().index, logged.index, "the same erasure is deduplicated like any statement")
            let second = SignedStatement.sign(.erasure(Erasure(by: node.node.keys.operator.key.publicKey, issued: .now,
                                                               erases: enrollment.statement.hash)), with: node.node.keys.operator.key)
            let refused = try await node.post("/v1/statements", second.canonicalBytes)
            XCTAssertEqual(refused.status, 409, refused.text)
            XCTAssertEqual(refused.json["type"], "urn:assent:problem:already-erased")
            XCTAssertTrue(refused.text.contains(first.hash.base64) && refused.text.contains(logged.time.rfc3339), refused.text)
            let chain = try await node.post("/v1/statements", PersonalDataTests.erasure(of: first.hash, by: party).canonicalBytes)
            XCTAssertEqual(chain.status, 400, chain.text)
            XCTAssertEqual(chain.json["type"], "urn:assent:problem:nothing-to-erase")
            // Two different erasures of one statement in one batch: the first goes on.
            let other = try PersonalDataTests.enrollment(node: node.node, party: try SigningKey(seed: [UInt8](repeating: 94, count: 32)).publicKey,
                                                         name: "Other Name")
            _ = try await node.post("/v1/statements", other.canonicalBytes).receipt()
            let a = PersonalDataTests.erasure(of: other.statement.hash, by: node.node.keys.operator.key)
            let b = SignedStatement.sign(.erasure(Erasure(by: node.node.keys.operator.key.publicKey, issued: Timestamp(milliseconds: Timestamp.now.milliseconds + 1),
                                                          erases: other.statement.hash)), with: node.node.keys.operator.key)
            let batch = try await node.post("/v1/statements", Array("[".utf8) + a.canonicalBytes + Array(",".utf8) + b.canonicalBytes + Array("]".utf8))
            XCTAssertEqual(batch.json["accepted"]?.integerValue, 1, batch.text)
        }
    }

    /// Erasures by keys no log enrolls are charged to the open-declaration buckets, even on a
    /// node that takes no open declarations: a revoked party erases one enrollment, and the
    /// next erasure within the burst is refused with 429.
    func testErasuresByUnenrolledKeysAreRateLimitedOnAClosedNode() async throws {
        try await InProcessNode.run(configure: {
            $0.openDeclarations.enabled = false
            $0.openDeclarations.perKeyBurst = 1
            $0.openDeclarations.perKeyPerMinute = 1
        }) { node in
            let party = try SigningKey(seed: [UInt8](repeating: 95, count: 32))
            let one = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey, name: "First Name")
            let two = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey, name: "Second Name", salt: [UInt8](16..<32))
            let op = node.node.keys.operator.key
            let revoke = SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: Timestamp(milliseconds: Timestamp.now.milliseconds + 5),
                                                                     party: party.publicKey, role: .creator, active: false)), with: op)
            for s in [one.canonicalBytes, two.canonicalBytes, revoke.canonicalBytes] { _ = try await node.post("/v1/statements", s).receipt() }
            XCTAssertFalse(node.node.store.isEnrolled(party.publicKey))
            let first = try await node.post("/v1/statements", PersonalDataTests.erasure(of: one.statement.hash, by: party).canonicalBytes)
            XCTAssertEqual(first.status, 200, first.text)
            let next = try await node.post("/v1/statements", PersonalDataTests.erasure(of: two.statement.hash, by: party).canonicalBytes)
            XCTAssertEqual(next.status, 429, next.text)
            XCTAssertEqual(next.json["type"], "urn:assent:problem:rate-limited")
        }
    }

    /// The node's operator key may erase any statement in its log: a preference whose note
    /// names a third person, signed by a declarant who will not erase it.
    func testTheOperatorMayEraseAnyStatement() async throws {
        try await InProcessNode.run(configure: ErasureRulesTests.serveAll) { node in
            let preference = try PersonalDataTests.preference(20, note: "Bob Thirdperson lives at 1 Example Street")
            _ = try await node.post("/v1/statements", preference.canonicalBytes).receipt()
            let reply = try await node.post("/v1/statements", PersonalDataTests.erasure(of: preference.statement.hash, by: node.node.keys.operator.key).canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
            let record = try StatementRecord.parseReply(try await node.get("/v1/statements/\(preference.statement.hash.hex)").body)
            XCTAssertEqual(record["disclosures"], .array([]))
            XCTAssertNotNil(record["erased"])
        }
    }

    /// The copy attack: another declarant commits to the same text with the same salt (copied
    /// from a served disclosure); erasing the original deletes the copy's disclosure too.
    func testAnErasureDeletesEveryCopyOfTheDisclosure() async throws {
        try await InProcessNode.run(configure: ErasureRulesTests.serveAll) { node in
            let mallory = try SigningKey(seed: [UInt8](repeating: 96, count: 32))
            let original = try PersonalDataTests.preference(21, credit: "Alice Copiedcredit", note: "Alice's own note")
            let copy = try PersonalDataTests.preference(22, key: mallory, credit: "Alice Copiedcredit", note: "Mallory's note")
            for s in [original, copy] { _ = try await node.post("/v1/statements", s.canonicalBytes).receipt() }
            let before = try StatementRecord.parseReply(try await node.get("/v1/statements/\(copy.statement.hash.hex)").body)
            XCTAssertEqual(before["disclosures"]?.arrayValue?.count, 2, "control: the copy is served before the erasure")
            _ = try await node.post("/v1/statements", PersonalDataTests.erasure(of: original.statement.hash, by: Fixtures.creator).canonicalBytes).receipt()
            let after = try StatementRecord.parseReply(try await node.get("/v1/statements/\(copy.statement.hash.hex)").body)
            let served = try Disclosure.list(json: try XCTUnwrap(after["disclosures"]))
            XCTAssertEqual(served.map(\.text), ["Mallory's note"], "the copied credit line is erased with the original")
        }
    }

    /// Default `publicDisclosures`: only the credit line is served; a name, ids and a note are
    /// kept and checked but withheld, and the reply names them. `erased` is absent until an erasure.
    func testOnlyTheCreditLineIsServedByDefault() async throws {
        try await InProcessNode.run { node in
            let party = try SigningKey(seed: [UInt8](repeating: 97, count: 32))
            let enrollment = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey)
            let preference = try PersonalDataTests.preference(23)
            for s in [enrollment, preference] { _ = try await node.post("/v1/statements", s.canonicalBytes).receipt() }
            let got = try await node.get("/v1/statements/\(enrollment.statement.hash.hex)")
            XCTAssertFalse(got.text.contains("erased"), got.text)
            XCTAssertFalse(got.text.contains(PersonalDataTests.name), got.text)
            let record = try CanonicalJSON.parse(got.body, requireCanonical: true)
            XCTAssertEqual(record["disclosures"], .array([]))
            XCTAssertEqual(record["withheld"], ["/name", "/ids/0"])
            let pref = try CanonicalJSON.parse(try await node.get("/v1/statements/\(preference.statement.hash.hex)").body, requireCanonical: true)
            XCTAssertEqual(pref["disclosures"], .array([Disclosure(field: "/conditions/credit", salt: PersonalDataTests.salt, text: PersonalDataTests.credit).json]))
            XCTAssertEqual(pref["withheld"], ["/note"])
        }
    }

    /// A reader (a backup, a long query) keeps the WAL from being truncated after an erasure:
    /// the erasure is still answered at once (the sequencer does not wait on it), the truncation
    /// stays owed in the database, and once the reader is gone the node finishes it by itself,
    /// leaving no byte of the erased text in the database file or its WAL.
    func testAWALTruncationKeptFromFinishingIsOwedAndDoneLater() async throws {
        let node = TestNode(configure: ErasureRulesTests.serveAll)
        try await node.start()
        defer { node.remove() }
        let party = try SigningKey(seed: [UInt8](repeating: 98, count: 32))
        let enrollment = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey, name: "Walter Heldbyreader")
        _ = try await node.post("/v1/statements", enrollment.canonicalBytes).receipt()
        let path = node.directory.appendingPathComponent("data").appendingPathComponent(StoreCheck.databaseFileName).path
        func onDisk(_ text: String) -> Bool {
            [path, path + "-wal"].contains { FileManager.default.contents(atPath: $0)?.range(of: Data(text.utf8)) != nil }
        }
        XCTAssertTrue(onDisk("Walter Heldbyreader"), "control")
        // A long read on its own connection, as a backup would hold.
        let reader = try DatabaseQueue(path: path)
        let release = AsyncStream<Void>.makeStream()
        let holding = AsyncStream<Void>.makeStream()
        let read = Task.detached {
            try await reader.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leaves")
                holding.continuation.yield()
                let done = DispatchSemaphore(value: 0)
                Task { for await _ in release.stream { break }; done.signal() }
                done.wait()
            }
        }
        for await _ in holding.stream { break }
        let started = ContinuousClock.now
        let reply = try await node.post("/v1/statements", PersonalDataTests.erasure(of: enrollment.statement.hash, by: party).canonicalBytes)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertLessThan(started.duration(to: .now), .seconds(5), "the erasure waited on the WAL truncation")
        XCTAssertTrue(try node.node.database.walTruncationPending(), "the truncation is owed while the reader holds the WAL")
        // Ordinary traffic meanwhile.
        for n in 0..<20 { _ = try await node.post("/v1/statements", Fixtures.preference(9000 + n).canonicalBytes).receipt() }
        release.continuation.yield()
        try await read.value
        try reader.close()
        let deadline = ContinuousClock.now + .seconds(20)
        while try node.node.database.walTruncationPending(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertFalse(try node.node.database.walTruncationPending(), "the node did not finish the owed truncation")
        XCTAssertFalse(onDisk("Walter Heldbyreader"), "the erased name is still in the database or its WAL")
        XCTAssertFalse(onDisk("ipi:00052210040"))
        try await node.stop()
    }

    /// A truncation owed when the node stopped (a crash) is done at the next start.
    func testAnOwedTruncationIsDoneAtStart() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        try await node.stop()
        let path = node.directory.appendingPathComponent("data").appendingPathComponent(StoreCheck.databaseFileName).path
        let db = try DatabaseQueue(path: path)
        try await db.write { try $0.execute(sql: "INSERT INTO wal_truncation (id, since) VALUES (1, 0)") }
        try db.close()
        try await node.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while try node.node.database.walTruncationPending(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(try node.node.database.walTruncationPending())
        try await node.stop()
    }

    /// The review's probe: after the operator key is rotated, the node's new operator key
    /// erases an enrollment the old key signed. `assent audit` with the keys given by
    /// `--operator` (a base64 key and the node's operator.pub) passes; without them it fails,
    /// naming the new key and suggesting --operator, and says the keys were inferred.
    func testAuditPassesAnErasureByARotatedOperatorKeyWithOperatorGiven() async throws {
        let node = TestNode()
        try await node.start()
        defer { node.remove() }
        let party = try SigningKey(seed: [UInt8](repeating: 92, count: 32))
        let old = node.node.keys.operator.key
        let enrollment = try PersonalDataTests.enrollment(node: node.node, party: party.publicKey)
        _ = try await node.post("/v1/statements", enrollment.canonicalBytes).receipt()
        try await node.stop()
        let data = node.directory.appendingPathComponent("data")
        try FileManager.default.removeItem(at: data.appendingPathComponent("operator.key"))
        try? FileManager.default.removeItem(at: data.appendingPathComponent("operator.pub"))
        try await node.start()
        let new = node.node.keys.operator.key
        XCTAssertNotEqual(new.publicKey, old.publicKey)
        let reply = try await node.post("/v1/statements", PersonalDataTests.erasure(of: enrollment.statement.hash, by: new).canonicalBytes)
        XCTAssertEqual(reply.status, 200, reply.text)

        let cli = AssentCLI()
        defer { cli.remove() }
        let logKey = node.logKey.description
        let given = try cli.run(["audit", "--node", node.base, "--log-key", logKey, "--operator", old.publicKey.base64,
                                 "--operator", data.appendingPathComponent("operator.pub").path])
        XCTAssertEqual(given.status, 0, given.output)
        XCTAssertTrue(given.output.contains("erasures checked against the operator keys given"), given.output)
        let inferred = try cli.run(["audit", "--node", node.base, "--log-key", logKey])
        XCTAssertNotEqual(inferred.status, 0, inferred.output)
        XCTAssertTrue(inferred.output.contains(new.publicKey.base64) && inferred.output.contains("--operator"), inferred.output)
        // The node's reply, inspected with the log key: its receipt verifies.
        let got = try await node.get("/v1/statements/\(enrollment.statement.hash.hex)")
        let inspected = try cli.run(["inspect", "-", "--log-key", logKey], input: got.text)
        XCTAssertTrue(inspected.output.contains("receipt verified against test.assent.example/log"), inspected.output)
        try await node.stop()
    }
}
