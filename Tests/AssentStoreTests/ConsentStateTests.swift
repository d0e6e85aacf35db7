@testable import AssentCore
@testable import AssentStore
import Foundation
import GRDB
import XCTest

/// A work's state at T read back from the state map the store keeps (LogSnapshot.workState,
/// workHistory, partyHistory, mandates(naming:)): the records in force at T, their statements,
/// and the epoch that speaks for T.
final class ConsentStateTests: StoreTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    let licensee = Audience("licensee:example-ai.com")!
    var work: WorkID { try! WorkID(parsing: "iswc:T-034.524.680-1") }

    func at(_ minutes: Int) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + Int64(minutes) * 60_000) }

    func signed(_ s: AssentCore.Statement, _ key: SigningKey) -> SignedStatement { .sign(s, with: key) }

    /// Minute 1: enrollment and mandate; minute 2: the author refuses all mining; minute 3: the
    /// author licenses example-ai.com for generative training. One batch (and epoch) per minute.
    func story(_ store: LogStore) throws {
        try append([signed(.enrollment(Enrollment(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, role: .creator)), operatorKey),
                    signed(.mandate(Mandate(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, works: [work], role: .author)), operatorKey)],
                   at: at(1), to: store)
        try append([signed(.preference(Preference(by: author.publicKey, issued: at(2), work: work, usage: ["tdm": false])), author)], at: at(2), to: store)
        try append([signed(.preference(Preference(by: author.publicKey, issued: at(3), work: work, audience: licensee, usage: ["train-genai": true])), author)],
                   at: at(3), to: store)
    }

    func state(_ store: LogStore, at t: Timestamp, audience: Audience = .everyone, cache: ParsedStateCache = ParsedStateCache()) throws -> WorkState {
        try store.readBlocking { try $0.workState(Resolution.Query(work: work, at: t, audience: audience), operators: [operatorKey.publicKey], cache: cache) }
    }

    func testTheStateAtEachTimeIsTheOneTheRecordsInForceThenGive() throws {
        let store = try open()
        try story(store)
        // Before the refusal, and between the mandate and the refusal: nothing said.
        XCTAssertEqual(try state(store, at: at(0)).decision[.trainAI], .unknown)
        XCTAssertEqual(try state(store, at: Timestamp(milliseconds: at(2).milliseconds - 1)).decision[.trainAI], .unknown)
        // From the refusal's leaf time on: refused, for everyone and for the future licensee.
        let refused = try state(store, at: at(2))
        XCTAssertEqual(refused.decision[.trainGenAI], .disallowed)
        XCTAssertEqual(refused.decision.parties.map(\.key), [author.publicKey])
        XCTAssertEqual(try state(store, at: at(2), audience: licensee).decision[.trainGenAI], .disallowed)
        // After the licence: allowed to the licensee for generative training only; still refused to others.
        let licensed = try state(store, at: at(3), audience: licensee)
        XCTAssertEqual(licensed.decision[.trainGenAI], .allowed)
        XCTAssertEqual(licensed.decision[.trainAI], .disallowed)
        XCTAssertEqual(try state(store, at: at(3)).decision[.trainGenAI], .disallowed)
        // Provenance names the licence's leaf: leaves 0–1 and epoch 2, refusal 3 and epoch 4, licence 5.
        guard case let .statement(reference, audience)? = licensed.decision.categories.first(where: { $0.category == .trainGenAI })?.contributions.first?.source
        else { return XCTFail("no statement decided train-genai") }
        XCTAssertEqual(reference.index, 5)
        XCTAssertEqual(audience, licensee)
    }

    func testTheAnswerStandsOnTheFirstEpochAtOrAfterTAndIsProvisionalBeyondTheLatest() throws {
        let store = try open()
        try story(store)
        let between = try state(store, at: Timestamp(milliseconds: at(2).milliseconds + 30_000))
        XCTAssertEqual(between.epoch?.index, 6)  // the epoch of minute 3's batch
        XCTAssertEqual(between.epoch?.time, at(3))
        XCTAssertFalse(between.provisional)
        let exact = try state(store, at: at(2))
        XCTAssertEqual(exact.epoch?.index, 4)
        let later = try state(store, at: at(10))
        XCTAssertEqual(later.epoch?.index, 6)
        XCTAssertTrue(later.provisional)
        XCTAssertEqual(later.json(log: origin)["provisional"], .bool(true))
        XCTAssertEqual(later.json(log: origin)["epoch"]?["index"], .integer(6))
    }

    func testHistoryListsEveryVersionOldestFirstWithTheStatementThatMadeIt() throws {
        let store = try open()
        try story(store)
        let history = try store.readBlocking { try $0.workHistory(of: work) }
        XCTAssertEqual(history.map(\.record.stamp.index), [1, 3, 5])
        XCTAssertEqual(history.map(\.record.stamp.version), [1, 1, 2])  // work v1; declarations v1, v2
        XCTAssertEqual(history.map { $0.statement.statement.kind }, [.mandate, .preference, .preference])
        XCTAssertEqual(history[2].json["declarant"], .string(author.publicKey.base64))
        XCTAssertEqual(history[2].json["time"], .string(at(3).rfc3339))
        XCTAssertEqual(try store.readBlocking { try $0.workHistory(of: work, from: 2, limit: 1) }.map(\.record.stamp.index), [3])
        XCTAssertEqual(try store.readBlocking { try $0.workHistory(of: try WorkID(parsing: "isbn:9780306406157")) }.count, 0)
    }

    func testAPartysHistoryHasItsEnrollmentsAndEveryMandateNamingIt() throws {
        let store = try open()
        try story(store)
        let other = try WorkID(parsing: "isbn:9780306406157")
        try append([signed(.mandate(Mandate(by: operatorKey.publicKey, issued: at(4), party: author.publicKey, works: [other], role: .rightsholder)), operatorKey),
                    signed(.mandate(Mandate(by: operatorKey.publicKey, issued: at(4), party: operatorKey.publicKey, works: [other], role: .rightsholder)), operatorKey),
                    signed(.enrollment(Enrollment(by: operatorKey.publicKey, issued: at(4), party: author.publicKey, role: .creator, active: false)), operatorKey)],
                   at: at(4), to: store)
        let (enrollments, mandates) = try store.readBlocking { s in (try s.partyHistory(of: author.publicKey), try s.mandates(naming: author.publicKey)) }
        XCTAssertEqual(enrollments.map(\.record.stamp.index), [0, 9])
        XCTAssertEqual(enrollments.map { s -> Bool? in if case let .enrollment(e) = s.statement.statement { e.active } else { nil } }, [true, false])
        // Both of the author's mandates, not the operator's own.
        XCTAssertEqual(mandates.map(\.index), [1, 7])
        XCTAssertEqual(try store.readBlocking { try $0.mandates(naming: author.publicKey, from: 2) }.map(\.index), [7])
        // The revoked enrollment ends the author's say from minute 4 on.
        XCTAssertEqual(try state(store, at: at(3)).decision[.trainAI], .disallowed)
        XCTAssertEqual(try state(store, at: at(4)).decision[.trainAI], .unknown)
    }

    func testSharedStatementsAreParsedOnceAndTheCacheStaysBounded() throws {
        let store = try open()
        let works = try (0..<5).map { try WorkID(parsing: "local:gema.de/\($0)") }
        try append([signed(.enrollment(Enrollment(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, role: .creator)), operatorKey),
                    signed(.mandate(Mandate(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, works: works, role: .author)), operatorKey)],
                   at: at(1), to: store)
        let cache = ParsedStateCache()
        for w in works {
            _ = try store.readBlocking { try $0.workState(Resolution.Query(work: w, at: at(1)), operators: [operatorKey.publicKey], cache: cache) }
        }
        XCTAssertEqual(cache.stats.misses, 2)  // the mandate and the enrollment, once each
        XCTAssertEqual(cache.stats.hits, 8)
        XCTAssertEqual(cache.recordStats.misses, 1)  // the author's party record, parsed once for five works
        XCTAssertEqual(cache.recordStats.hits, 4)
        let small = ParsedStateCache(capacity: 1)
        for w in works {
            _ = try store.readBlocking { try $0.workState(Resolution.Query(work: w, at: at(1)), operators: [operatorKey.publicKey], cache: small) }
        }
        XCTAssertLessThanOrEqual(small.stats.count, 2)
    }

    func testALeafThatNoLongerHashesToItsReferenceIsReportedNotBelieved() throws {
        let store = try open()
        try story(store)
        // The licence's leaf (index 5) rewritten behind the store's back: another statement's bytes.
        let other = try XCTUnwrap(try store.leafBytes(at: 3))
        try sqlite("UPDATE leaves SET data = ? WHERE idx = 5", [Data(other)])
        XCTAssertThrowsError(try state(store, at: at(3), audience: licensee)) { error in
            XCTAssertTrue("\(error)".contains("references leaf 5 with hash"), "\(error)")
        }
    }

    func testAWorkRecordNamingAMandateThatDoesNotNameTheWorkIsReported() throws {
        let store = try open()
        let other = try WorkID(parsing: "isbn:9780306406157")
        try append([signed(.enrollment(Enrollment(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, role: .creator)), operatorKey),
                    signed(.mandate(Mandate(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, works: [work], role: .author)), operatorKey),
                    signed(.mandate(Mandate(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, works: [other], role: .author)), operatorKey)],
                   at: at(1), to: store)
        XCTAssertEqual(try state(store, at: at(1)).decision.parties.count, 1)
        // The work's record rewritten to reference the other work's mandate (leaf 2, its true hash).
        let leaf1 = try LogLeaf(bytes: try XCTUnwrap(try store.leafBytes(at: 1)))
        let leaf2 = try LogLeaf(bytes: try XCTUnwrap(try store.leafBytes(at: 2)))
        let subject = Data(MapSubject.work(work).key(version: 0).bytes)
        let stored = try DatabaseQueue(path: path).read { try Data.fetchOne($0, sql: "SELECT record FROM map_records WHERE subject = ?", arguments: [subject]) }
        let text = String(decoding: try XCTUnwrap(stored), as: UTF8.self)
            .replacingOccurrences(of: #"{"hash":"\#(leaf1.leafHash.base64)","index":1}"#, with: #"{"hash":"\#(leaf2.leafHash.base64)","index":2}"#)
        try sqlite("UPDATE map_records SET record = ? WHERE subject = ?", [Data(text.utf8), subject])
        XCTAssertThrowsError(try state(store, at: at(1))) { error in
            XCTAssertTrue("\(error)".contains("references leaf 2 as its mandate, but that leaf holds no mandate naming it"), "\(error)")
        }
    }

    func testOnlyThePreferencesForTheAskedAudienceAndEveryoneAreRead() throws {
        let store = try open()
        try story(store)
        let others = ["licensee:a.example", "licensee:b.example", "licensee:c.example"].compactMap(Audience.init)
        try append(others.map { signed(.preference(Preference(by: author.publicKey, issued: at(4), work: work, audience: $0, usage: ["search": true])), author) },
                   at: at(4), to: store)
        let cache = ParsedStateCache()
        XCTAssertEqual(try state(store, at: at(4), cache: cache).decision[.search], .disallowed)
        XCTAssertEqual(cache.stats.misses, 3)  // the mandate, the enrollment and the * refusal; no licence
        XCTAssertEqual(try state(store, at: at(4), audience: others[1], cache: cache).decision[.search], .allowed)
        XCTAssertEqual(cache.stats.misses, 4)  // and now the one licence asked about
    }

    func testDeclarantsNoMandateNamesAreReadUpToALimitAndTheRestCounted() throws {
        let store = try open()
        try story(store)
        let strangers = try (0..<3).map { try SigningKey(seed: [UInt8](repeating: UInt8(30 + $0), count: 32)) }
        try append(strangers.map { signed(.preference(Preference(by: $0.publicKey, issued: at(4), work: work, usage: ["tdm": true])), $0) },
                   at: at(4), to: store)
        let (facts, notRead) = try store.readBlocking {
            try $0.consentFacts(for: work, at: at(4), operators: [operatorKey.publicKey], cache: ParsedStateCache(), unverifiedLimit: 1)
        }
        XCTAssertEqual(notRead, 2)
        // The mandated author's declarations are read whatever the limit, and one stranger's.
        XCTAssertEqual(Set(facts.preferences.map(\.body.by)).count, 2)
        XCTAssertTrue(facts.preferences.contains { $0.body.by == author.publicKey })
        let all = try state(store, at: at(4))
        XCTAssertEqual(all.unverifiedNotRead, 0)
        XCTAssertEqual(all.decision.unverified.count, 3)
    }
}
