import AssentCore
@testable import AssentNode
import AssentStore
import Foundation
import GRDB
import XCTest

/// Who may write (PROTOCOL §3) and what the node does under pressure, on a real node whose
/// clock the test moves.
final class IntakeTests: XCTestCase {
    var node: TestNode!
    let clock = ManualClock(now: .now)

    override func tearDown() async throws {
        try? await node?.stop()
        node?.remove()
    }

    func start(_ configure: @escaping (inout NodeConfig) -> Void = { _ in }) async throws {
        node = TestNode(clock: clock) {
            $0.batchSize = 1  // every statement is written as soon as it is queued: no interval to wait for
            configure(&$0)
        }
        try await node.start()
    }

    func enroll(_ party: PublicKey, active: Bool = true, issued: Timestamp? = nil) -> SignedStatement {
        let op = node.node.keys.operator.key
        return SignedStatement.sign(.enrollment(Enrollment(by: op.publicKey, issued: issued ?? clock.now, party: party, role: .creator,
                                                           active: active)), with: op)
    }

    func preference(_ n: Int, key: SigningKey) -> SignedStatement { Fixtures.preference(n, issued: clock.now, key: key) }

    func testWithOpenDeclarationsOffOnlyEnrolledPartiesMayDeclare() async throws {
        try await start { $0.openDeclarations.enabled = false }
        let alice = try SigningKey(seed: [UInt8](repeating: 61, count: 32))
        let refused = try await node.post("/v1/statements", preference(1, key: alice).canonicalBytes)
        XCTAssertEqual(refused.status, 403, refused.text)
        XCTAssertEqual(refused.json["type"], "urn:assent:problem:not-enrolled")
        XCTAssertTrue(refused.json["detail"]?.stringValue?.contains(alice.publicKey.base64) ?? false, refused.text)

        let r1 = try await node.post("/v1/statements", enroll(alice.publicKey).canonicalBytes)
        XCTAssertEqual(r1.status, 200)
        let accepted = try await node.post("/v1/statements", preference(2, key: alice).canonicalBytes)
        XCTAssertEqual(accepted.status, 200, accepted.text)

        // A revocation issued before the enrollment, though logged after it, does not end it.
        let early = try await node.post("/v1/statements", enroll(alice.publicKey, active: false,
                                                                 issued: Timestamp(milliseconds: clock.now.milliseconds - 1000)).canonicalBytes)
        XCTAssertEqual(early.status, 200, early.text)
        let stillEnrolled = try await node.post("/v1/statements", preference(5, key: alice).canonicalBytes)
        XCTAssertEqual(stillEnrolled.status, 200, stillEnrolled.text)
        // A later revocation (later `issued`) ends it.
        clock.advance(by: .seconds(1))
        let r2 = try await node.post("/v1/statements", enroll(alice.publicKey, active: false).canonicalBytes)
        XCTAssertEqual(r2.status, 200)
        let afterRevocation = try await node.post("/v1/statements", preference(3, key: alice).canonicalBytes)
        XCTAssertEqual(afterRevocation.json["type"], "urn:assent:problem:not-enrolled")
    }

    func testEnrollmentsSurviveARestart() async throws {
        try await start { $0.openDeclarations.enabled = false }
        let bob = try SigningKey(seed: [UInt8](repeating: 62, count: 32))
        let r3 = try await node.post("/v1/statements", enroll(bob.publicKey).canonicalBytes)
        XCTAssertEqual(r3.status, 200)
        try await node.stop()
        try await node.start()
        let r4 = try await node.post("/v1/statements", preference(4, key: bob).canonicalBytes)
        XCTAssertEqual(r4.status, 200)
    }

    func testOpenDeclarationsAreRateLimitedPerKeyAndRefillWithTime() async throws {
        try await start {
            $0.openDeclarations = .init()
            $0.openDeclarations.enabled = true
            $0.openDeclarations.perKeyBurst = 2
            $0.openDeclarations.perKeyPerMinute = 6
        }
        let key = try SigningKey(seed: [UInt8](repeating: 63, count: 32))
        for n in 0..<2 { let r5 = try await node.post("/v1/statements", preference(10 + n, key: key).canonicalBytes); XCTAssertEqual(r5.status, 200) }
        let limited = try await node.post("/v1/statements", preference(12, key: key).canonicalBytes)
        XCTAssertEqual(limited.status, 429, limited.text)
        XCTAssertEqual(limited.json["type"], "urn:assent:problem:rate-limited")
        XCTAssertEqual(limited.headers["retry-after"], "10", "six a minute: one token every 10 s")
        // Another key from the same client is not held back by the first key's bucket.
        let other = try SigningKey(seed: [UInt8](repeating: 64, count: 32))
        let r6 = try await node.post("/v1/statements", preference(13, key: other).canonicalBytes)
        XCTAssertEqual(r6.status, 200)
        // An enrolled party is never rate limited.
        let r7 = try await node.post("/v1/statements", enroll(key.publicKey).canonicalBytes)
        XCTAssertEqual(r7.status, 200)
        let r8 = try await node.post("/v1/statements", preference(14, key: key).canonicalBytes)
        XCTAssertEqual(r8.status, 200)
        let third = try SigningKey(seed: [UInt8](repeating: 65, count: 32))
        for n in 0..<2 { _ = try await node.post("/v1/statements", preference(20 + n, key: third).canonicalBytes) }
        let r9 = try await node.post("/v1/statements", preference(22, key: third).canonicalBytes)
        XCTAssertEqual(r9.status, 429)
        clock.advance(by: .seconds(10))
        let r10 = try await node.post("/v1/statements", preference(23, key: third).canonicalBytes)
        XCTAssertEqual(r10.status, 200, "a token came back")
    }

    /// Replaying a victim's logged open declaration, or repeating one statement in a batch,
    /// costs the victim's key nothing: only new statements are charged, once each.
    func testReplaysAndRepeatsAreNotChargedToTheDeclarant() async throws {
        try await start {
            $0.openDeclarations.enabled = true
            $0.openDeclarations.perKeyBurst = 2
            $0.openDeclarations.perKeyPerMinute = 1
        }
        let victim = try SigningKey(seed: [UInt8](repeating: 69, count: 32))
        let logged = preference(100, key: victim)
        let first = try await node.post("/v1/statements", logged.canonicalBytes)
        XCTAssertEqual(first.status, 200)
        let text = String(decoding: logged.canonicalBytes, as: UTF8.self)
        let replay = try await node.post("/v1/statements", Array(("[" + Array(repeating: text, count: 50).joined(separator: ",") + "]").utf8))
        XCTAssertEqual(replay.json["accepted"], 50, "each replay gets the logged statement's receipt")
        let fresh = preference(101, key: victim)
        let freshText = String(decoding: fresh.canonicalBytes, as: UTF8.self)
        let repeated = try await node.post("/v1/statements", Array(("[" + Array(repeating: freshText, count: 5).joined(separator: ",") + "]").utf8))
        XCTAssertEqual(repeated.json["accepted"], 5, "one new statement, charged once: \(repeated.text)")
        // The burst of two is now spent, by the victim's own two statements and nothing else.
        let third = try await node.post("/v1/statements", preference(102, key: victim).canonicalBytes)
        XCTAssertEqual(third.status, 429, third.text)
    }

    func testOpenDeclarationsAreRateLimitedPerClient() async throws {
        try await start {
            $0.openDeclarations.enabled = true
            $0.openDeclarations.perClientBurst = 3
            $0.openDeclarations.perClientPerMinute = 1
        }
        for n in 0..<3 {
            let key = try SigningKey(seed: [UInt8](repeating: UInt8(70 + n), count: 32))
            let r11 = try await node.post("/v1/statements", preference(30 + n, key: key).canonicalBytes)
            XCTAssertEqual(r11.status, 200)
        }
        let key = try SigningKey(seed: [UInt8](repeating: 80, count: 32))
        let limited = try await node.post("/v1/statements", preference(40, key: key).canonicalBytes)
        XCTAssertEqual(limited.status, 429)
        XCTAssertTrue(limited.json["detail"]?.stringValue?.hasPrefix("client 127.0.0.1") ?? false, limited.text)
    }

    func testClockWindowFollowsTheNodesClock() async throws {
        try await start()
        let key = try SigningKey(seed: [UInt8](repeating: 66, count: 32))
        let issued = clock.now
        let statement = Fixtures.preference(50, issued: issued, key: key)
        // The node's clock moves on by more than a day: the same statement is now stale.
        clock.advance(by: .seconds(86_401))
        let stale = try await node.post("/v1/statements", statement.canonicalBytes)
        XCTAssertEqual(stale.json["type"], "urn:assent:problem:stale", stale.text)
        let future = Fixtures.preference(51, issued: Timestamp(milliseconds: clock.now.milliseconds + 301_000), key: key)
        let r12 = try await node.post("/v1/statements", future.canonicalBytes)
        XCTAssertEqual(r12.json["type"], "urn:assent:problem:future")
    }

    func testAFullQueueTurnsSubmittersAwayWithRetryAfter() async throws {
        try await start {
            $0.batchSize = 1000
            $0.batchIntervalMilliseconds = 100
            $0.maxQueued = 3
        }
        let key = try SigningKey(seed: [UInt8](repeating: 67, count: 32))
        let statements = (0..<5).map { preference(60 + $0, key: key) }
        let node = self.node!
        let body = Array(("[" + statements.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]").utf8)
        async let batch = node.post("/v1/statements", body)
        for await queued in node.node.sequencer.queueLengths where queued == 3 { break }
        // The queue is full: a single statement is turned away at once, with Retry-After.
        let single = try await node.post("/v1/statements", preference(70, key: key).canonicalBytes)
        XCTAssertEqual(single.status, 503)
        XCTAssertEqual(single.json["type"], "urn:assent:problem:queue-full")
        XCTAssertEqual(single.headers["retry-after"], "1")
        clock.advance(by: .milliseconds(100))
        let reply = try await batch
        XCTAssertEqual(reply.json["accepted"], 3)
        let results = try XCTUnwrap(reply.json["results"]?.arrayValue)
        XCTAssertEqual(results[3]["problem"]?["type"], "urn:assent:problem:queue-full")
        XCTAssertEqual(results[4]["problem"]?["type"], "urn:assent:problem:queue-full")
        // Nothing refused was logged; what was accepted was.
        let logged = try node.node.store.leafBytes(from: 0, to: node.node.store.size).compactMap { try LogLeaf(bytes: $0).statement }
        XCTAssertEqual(Set(logged), Set(statements.prefix(3)))
    }

    func testASecondNodeOnTheSameDataDirectoryRefusesToStart() async throws {
        try await start()
        XCTAssertThrowsError(try Node(config: node.config, clock: clock, logger: .init(label: "second"))) { error in
            guard case StoreError.locked = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("one node per data directory"), "\(error)")
        }
        // The first node is unharmed.
        let r13 = try await node.post("/v1/statements", preference(80, key: Fixtures.creator).canonicalBytes)
        XCTAssertEqual(r13.status, 200)
    }

    /// A store that cannot be written: the batch is refused `not-logged`, memory is reloaded
    /// from disk, and once the disk takes writes again the node goes on with a consistent log.
    func testAFailingStoreAnswersNotLoggedAndTheNodeRecovers() async throws {
        try await start()
        let key = try SigningKey(seed: [UInt8](repeating: 68, count: 32))
        let r14 = try await node.post("/v1/statements", preference(90, key: key).canonicalBytes)
        XCTAssertEqual(r14.status, 200)
        let sizeBefore = node.node.store.size
        // A second connection to the node's own SQLite file makes every leaf insert fail.
        let db = try DatabaseQueue(path: node.config.dataDirectory + "/node.sqlite")
        try await db.write { try $0.execute(sql: "CREATE TRIGGER fail BEFORE INSERT ON leaves BEGIN SELECT RAISE(ABORT, 'disk is full'); END") }
        let failed = try await node.post("/v1/statements", preference(91, key: key).canonicalBytes)
        XCTAssertEqual(failed.status, 503, failed.text)
        XCTAssertEqual(failed.json["type"], "urn:assent:problem:not-logged")
        XCTAssertFalse(failed.text.contains("disk is full"), "no internal error text reaches a client")
        XCTAssertEqual(node.node.store.size, sizeBefore)
        try await db.write { try $0.execute(sql: "DROP TRIGGER fail") }
        // The same statement sent again is logged, continuing the chain and the tree.
        let statement = preference(91, key: key)
        let retry = try await node.post("/v1/statements", statement.canonicalBytes)
        XCTAssertEqual(retry.status, 200, retry.text)
        let verified = try retry.receipt().verify(statement: statement, logKey: node.logKey)
        XCTAssertEqual(verified.leaf.index, sizeBefore)
        try await node.stop()
        try await node.start()  // opening re-verifies the stored tree against the latest checkpoint
        XCTAssertEqual(node.node.store.size, sizeBefore + 2)
    }

    /// A store that fails and then cannot even be reloaded: the node stops rather than serve a log
    /// it no longer knows, and nobody is left waiting — not the batch, not later submitters.
    func testAStoreThatCannotBeReloadedStopsTheNodeAndAnswersEveryone() async throws {
        try await start()
        let key = try SigningKey(seed: [UInt8](repeating: 71, count: 32))
        let db = try DatabaseQueue(path: node.config.dataDirectory + "/node.sqlite")
        try await db.write {
            try $0.execute(sql: "CREATE TRIGGER fail BEFORE INSERT ON leaves BEGIN SELECT RAISE(ABORT, 'disk is full'); END")
            try $0.execute(sql: "UPDATE checkpoints SET note = 'not a note'")
        }
        // The reply is 503 not-logged, or the connection closes as the node stops under it.
        if let reply = try? await node.post("/v1/statements", preference(110, key: key).canonicalBytes, timeout: .seconds(5)) {
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:not-logged", reply.text)
        }
        do {
            try await node.stopped()
            XCTFail("the node kept running on a log it could not reload")
        } catch {
            XCTAssertTrue("\(error)".contains("checkpoint"), "\(error)")
        }
        let late = await node.node.sequencer.submit([preference(111, key: key)])
        guard case let .failure(problem) = late[0] else { return XCTFail("a stopped sequencer took a statement") }
        XCTAssertEqual(problem.reason, .shuttingDown)
    }
}
