import AssentCore
import XCTest

/// The per-leaf rules `LogReplay` applies to a log it is fed leaf by leaf (the audit's and the
/// replicator's one replay).
final class LogReplayTests: XCTestCase {
    let origin = "replay.example/log"
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 61, count: 32))
    let stranger = try! SigningKey(seed: [UInt8](repeating: 62, count: 32))
    let creator = try! SigningKey(seed: [UInt8](repeating: 63, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-22T10:00:00.000Z")!

    /// Leaves of `statements` at `times` (t0 for each by default), chained from leaf 0.
    func leaves(_ statements: [SignedStatement], times: [Timestamp]? = nil) throws -> [LogLeaf] {
        var chain = ChainVerifier(origin: origin)
        return try statements.enumerated().map { n, s in
            let leaf = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: times?[n] ?? t0, content: .statement(s))
            try chain.append(leaf)
            return leaf
        }
    }

    func enrollment(by key: SigningKey, issued: Timestamp? = nil) -> SignedStatement {
        SignedStatement.sign(.enrollment(Enrollment(by: key.publicKey, issued: issued ?? t0, party: creator.publicKey, role: .creator)), with: key)
    }

    func preference(issued: Timestamp? = nil) throws -> SignedStatement {
        SignedStatement.sign(.preference(Preference(by: creator.publicKey, issued: issued ?? t0, work: try WorkID(parsing: "iswc:T0345246801"),
                                                    usage: ["train-ai": false], note: try Commitment(text: "a note", salt: [UInt8](0..<16)))), with: creator)
    }

    func testAnEnrollmentByAKeyThatIsNoOperatorFailsWhenTheOperatorsAreGiven() throws {
        let log = try leaves([enrollment(by: operatorKey), enrollment(by: stranger)])
        var given = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false)
        try given.append(log[0])
        XCTAssertThrowsError(try given.append(log[1])) { error in
            XCTAssertEqual("\(error)", "leaf 1: enrollment statements are accepted only from a trusted operator key, and \(self.stranger.publicKey.base64) is not one")
        }
        // Not given, they are inferred: both keys sign enrollments, so both are operators.
        var inferred = LogReplay(origin: origin, operators: nil, replayMap: false)
        for leaf in log { try inferred.append(leaf) }
        XCTAssertEqual(inferred.inferredOperators, [operatorKey.publicKey, stranger.publicKey])
    }

    /// A statement issued more than ten years before its leaf's time could not have been admitted
    /// by any node (the widest clock window); one issued a day before could.
    func testAStatementOutsideTheWidestClockWindowFails() throws {
        let old = Timestamp(milliseconds: t0.milliseconds - Admission.ClockWindow.maxPast - 1)
        let log = try leaves([preference(issued: Timestamp(milliseconds: t0.milliseconds - 86_400_000)), preference(issued: old)])
        var replay = LogReplay(origin: origin, operators: nil, replayMap: false)
        try replay.append(log[0])
        XCTAssertThrowsError(try replay.append(log[1])) { error in
            XCTAssertTrue("\(error)".hasPrefix("leaf 1: issued \(old) is more than"), "\(error)")
        }
    }

    func testTimeGoingBackFailsNamingTheLeaf() throws {
        let earlier = Timestamp(milliseconds: t0.milliseconds - 1)
        let first = try leaves([preference()])[0]
        let second = try LogLeaf(index: 1, origin: origin, prev: first.leafHash, time: earlier, content: .statement(preference(issued: earlier)))
        var replay = LogReplay(origin: origin, operators: nil, replayMap: false)
        try replay.append(first)
        XCTAssertThrowsError(try replay.append(second)) { error in
            XCTAssertEqual(error as? LogReplayError, LogReplayError(index: 1, .leaf, "index 1: time \(earlier) is before the previous leaf's \(t0)"))
        }
    }

    /// A replay that continues after leaves it no longer holds (a mirror resuming, or one that
    /// forgot a stored chunk) asks `earlierStatement` for an erased statement.
    func testAnErasureOfAStatementBeforeTheReplayIsJudgedByEarlierStatement() throws {
        let p = try preference()
        let byStranger = SignedStatement.sign(.erasure(Erasure(by: stranger.publicKey, issued: t0, erases: p.hash)), with: stranger)
        let byCreator = SignedStatement.sign(.erasure(Erasure(by: creator.publicKey, issued: t0, erases: p.hash)), with: creator)
        let log = try leaves([p, byCreator, byStranger])
        var asked = [Hash]()
        var replay = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false, continuingAfter: log[0]) { hash in
            asked.append(hash)
            return hash == p.hash ? Admission.ErasureTarget(p.statement) : nil
        }
        try replay.append(log[1])
        // Asked whether the erasure itself is already in the log, then for the statement it erases.
        XCTAssertEqual(asked, [byCreator.hash, p.hash])
        XCTAssertThrowsError(try replay.append(log[2])) { error in
            XCTAssertTrue("\(error)".hasPrefix("leaf 2: \(self.stranger.publicKey.base64) may not erase this preference"), "\(error)")
        }

        // Held in memory, the statement is not asked for; forgotten, it is.
        var fromZero = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false) { hash in
            asked.append(hash)
            return nil
        }
        try fromZero.append(log[0])
        fromZero.forgetStatements(before: 0)
        asked = []
        try fromZero.append(log[1])
        XCTAssertEqual(asked, [byCreator.hash])
        var forgetting = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false) { _ in nil }
        try forgetting.append(log[0])
        forgetting.forgetStatements(before: 1)
        XCTAssertThrowsError(try forgetting.append(log[1])) { error in
            XCTAssertTrue("\(error)".contains("which is not earlier in the log"), "\(error)")
        }
    }

    /// A node never logs a statement twice (docs/protocol.md "Identity"), and a mirror's store
    /// cannot hold it twice: a log that does is refused by the replay, naming the leaf, whether
    /// the first copy is held in memory or only in the mirror (`earlierStatement`). Before, the
    /// replay passed it and the mirror's store failed on it, a store error that the witness
    /// answered 503 ("try later") for ever and the replicator retried for ever.
    func testAStatementLoggedTwiceFails() throws {
        let p = try preference()
        let log = try leaves([p, p])
        var replay = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false)
        try replay.append(log[0])
        XCTAssertThrowsError(try replay.append(log[1])) { error in
            XCTAssertEqual(error as? LogReplayError, LogReplayError(index: 1, .leaf, "field \"statement\": \(p.hash) is already in the log at leaf 0: a node logs each statement once"), "\(error)")
        }
        var resumed = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false, continuingAfter: log[0]) { hash in
            hash == p.hash ? Admission.ErasureTarget(p.statement) : nil
        }
        XCTAssertThrowsError(try resumed.append(log[1])) { error in
            XCTAssertTrue("\(error)".hasPrefix("leaf 1: field \"statement\": \(p.hash) is already in the log at an earlier leaf"), "\(error)")
        }
    }

    /// A statement another erasure already erased cannot be erased again (docs/protocol.md
    /// "Erasure", `already-erased`): a log with a second, different erasure of it is refused,
    /// with the first erasure in memory or only in the mirror (`earlierErasure`).
    func testASecondErasureOfAnErasedStatementFails() throws {
        let p = try preference()
        let byCreator = SignedStatement.sign(.erasure(Erasure(by: creator.publicKey, issued: t0, erases: p.hash)), with: creator)
        let byOperator = SignedStatement.sign(.erasure(Erasure(by: operatorKey.publicKey, issued: t0, erases: p.hash)), with: operatorKey)
        let log = try leaves([p, byCreator, byOperator])
        var replay = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false)
        try replay.append(log[0])
        try replay.append(log[1])
        XCTAssertThrowsError(try replay.append(log[2])) { error in
            XCTAssertEqual("\(error)", "leaf 2: field \"erases\": names statement \(p.hash), which erasure \(byCreator.hash) already erased")
        }
        var resumed = LogReplay(origin: origin, operators: [operatorKey.publicKey], replayMap: false, continuingAfter: log[1],
                                earlierStatement: { $0 == p.hash ? Admission.ErasureTarget(p.statement) : nil },
                                earlierErasure: { $0 == p.hash ? byCreator.hash : nil })
        XCTAssertThrowsError(try resumed.append(log[2])) { error in
            XCTAssertEqual("\(error)", "leaf 2: field \"erases\": names statement \(p.hash), which erasure \(byCreator.hash) already erased")
        }
    }
}
