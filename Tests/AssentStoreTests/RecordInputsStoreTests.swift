@testable import AssentCore
@testable import AssentStore
import AssentTestSupport
import Foundation
import GRDB
import XCTest

/// Decisions at any T from the resolution inputs stored beside each record version
/// (`LogSnapshot.compactDecisions`, docs/state-map.md "Resolution inputs") against the
/// reference: `Resolution.resolve` over the facts read from the records and leaves
/// (`LogSnapshot.consentFacts`), in compact form, with the unverified limits.
extension ConsentIndexTests {
    /// Every work, audience, purpose, count-unverified and limit, at `t` (any time, before or
    /// after the log's latest leaf).
    func assertInputsAgree(_ store: LogStore, at t: Timestamp, cache: ParsedStateCache, _ context: String) throws {
        let operators: Set<PublicKey> = [trusted.publicKey]
        for work in works {
            for audience in audiences {
                for purpose in [Purpose.commercial, .nonCommercial, .research] {
                    for count in [false, true] {
                        for limit in [0, 1, 100] {
                            let q = Resolution.Query(work: work, at: t, audience: audience, purpose: purpose, countUnverified: count)
                            let (fromInputs, facts, notRead) = try store.readBlocking { s in
                                let d = try s.compactDecisions([q, q], operators: operators, cache: cache, unverifiedLimit: { _ in limit })
                                let (facts, notRead) = try s.consentFacts(for: work, at: t, audience: audience, operators: operators,
                                                                         cache: ParsedStateCache(), unverifiedLimit: limit)
                                return (d, facts, notRead)
                            }
                            var expected = Resolution.resolve(q, facts: facts).compactJSON
                            if notRead > 0, case var .object(o) = expected {
                                o["unverifiedNotRead"] = .integer(Int64(notRead))
                                expected = .object(o)
                            }
                            XCTAssertEqual(fromInputs.map(\.json), [expected, expected],
                                           "\(context): \(work) \(audience) \(purpose) count \(count) limit \(limit) at \(t.rfc3339)")
                        }
                    }
                }
            }
        }
    }

    func testDecisionsFromTheStoredInputsAreResolutionOverTheRecordsAtRandomTimes() throws {
        for seed in [11, 12] as [UInt64] {
            if seed > 11 { try setUpWithError() }
            var rng = SplitMix64(state: seed)
            let store = try open()
            let cache = ParsedStateCache()
            var logged = Set<Hash>()
            for batch in 0..<10 {
                let statements = (0..<Int.random(in: 1...12, using: &rng)).map { _ in randomStatement(&rng, batch: batch) }
                    .filter { logged.insert($0.hash).inserted }
                guard !statements.isEmpty else { continue }
                try append(statements, at: minute(batch), to: store)
                // A random earlier time (on a batch's minute, or a millisecond either side), and the
                // latest leaf's time: the cache serves the first and must not keep the second.
                let past = Timestamp(milliseconds: minute(Int.random(in: -1...batch, using: &rng)).milliseconds + Int64.random(in: -1...1, using: &rng))
                try assertInputsAgree(store, at: past, cache: cache, "seed \(seed) batch \(batch)")
                try assertInputsAgree(store, at: minute(batch), cache: cache, "seed \(seed) batch \(batch), now")
            }
            // After a reopen (the inputs are read from the table, not from memory): a past T again.
            try assertInputsAgree(try open(), at: minute(Int.random(in: 0...9, using: &rng)), cache: cache, "seed \(seed) reopened")
            if seed < 12 { try tearDownWithError() }
        }
    }

    /// A party's record in force at T is kept only once the log holds a leaf later than T: batches
    /// can share a millisecond, so a revocation logged later at exactly T still changes the answer.
    func testAnAnswerAtTheLatestLeafsTimeIsNotKeptWhileALeafOfThatTimeCanStillCome() throws {
        let store = try open()
        let party = parties[0]
        let work = works[0]
        try append([.sign(.enrollment(Enrollment(by: trusted.publicKey, issued: minute(0), party: party.publicKey, role: .creator)), with: trusted),
                    .sign(.mandate(Mandate(by: trusted.publicKey, issued: minute(0), party: party.publicKey, works: [work], role: .author)), with: trusted),
                    .sign(.preference(Preference(by: party.publicKey, issued: minute(0), work: work, usage: ["tdm": true])), with: party)],
                   at: minute(1), to: store)
        let cache = ParsedStateCache()
        let q = Resolution.Query(work: work, at: minute(1))
        func tdm() throws -> Decision.Value? {
            try store.readBlocking { try $0.compactDecisions([q], operators: [trusted.publicKey], cache: cache, unverifiedLimit: { _ in 100 }) }
                .first?.values[UsageCategory.allCases.firstIndex(of: .tdm) ?? 0]
        }
        XCTAssertEqual(try tdm(), .allowed)
        // The operator revokes the enrollment in a later batch of the same millisecond.
        try append([.sign(.enrollment(Enrollment(by: trusted.publicKey, issued: minute(1), party: party.publicKey, role: .creator, active: false)), with: trusted)],
                   at: minute(1), to: store)
        XCTAssertEqual(try tdm(), .unknown, "the party no longer counts at T")
        // Once a later leaf is logged, T is final: the answer is kept, and stays right.
        try append([.sign(.preference(Preference(by: parties[1].publicKey, issued: minute(2), work: works[1], usage: ["tdm": true])), with: parties[1])],
                   at: minute(2), to: store)
        XCTAssertEqual(try tdm(), .unknown)
        XCTAssertEqual(cache.enrollments.stats.count, 1)
        XCTAssertEqual(try tdm(), .unknown)
        XCTAssertEqual(cache.enrollments.stats.hits, 1)
    }

    /// The inputs of every row as written by the write path, by rowid.
    func storedInputs() throws -> [Int64: Data] {
        try DatabaseQueue(path: path).read { db in
            var out = [Int64: Data]()
            for row in try Row.fetchAll(db, sql: "SELECT rowid, inputs FROM map_records") { out[row[0]] = row[1] }
            return out
        }
    }

    /// A store written before migration `v9-map-record-inputs` (map_records without `inputs`)
    /// gets every row's inputs when opened: the same bytes the write path stores, the same
    /// decisions at every T, and a store check that passes.
    func testAStoreWrittenWithoutInputsGetsTheWritePathsInputsWhenOpened() throws {
        var rng = SplitMix64(state: 21)
        var logged = Set<Hash>()
        do {
            let store = try open()
            for batch in 0..<10 {
                let statements = (0..<Int.random(in: 4...12, using: &rng)).map { _ in randomStatement(&rng, batch: batch) }
                    .filter { logged.insert($0.hash).inserted }
                if !statements.isEmpty { try append(statements, at: minute(batch), to: store) }
            }
        }
        let written = try storedInputs()
        XCTAssertGreaterThan(written.count, 20)
        XCTAssertFalse(written.values.contains(Data()))
        // The previous schema: the column dropped, the indexes by work and party as
        // `v7-map-in-memory` made them, and the migration not yet run.
        try sqlite("DROP INDEX map_records_work")
        try sqlite("DROP INDEX map_records_party_versions")
        try sqlite("ALTER TABLE map_records DROP COLUMN inputs")
        try sqlite("CREATE INDEX map_records_work ON map_records(log, work, party, version) WHERE work IS NOT NULL")
        try sqlite("CREATE INDEX map_records_party_versions ON map_records(log, party, version) WHERE work IS NULL")
        try sqlite("DELETE FROM grdb_migrations WHERE identifier = ?", [StateMapStore.inputsMigrationName])
        XCTAssertTrue(try StoreCheck.run(path: directory.path).ok, "a store of the previous schema still checks")

        let store = try open()
        XCTAssertEqual(try storedInputs(), written)
        for m in [-1, 2, 5, 9] { try assertInputsAgree(store, at: minute(m), cache: ParsedStateCache(), "migrated, minute \(m)") }
        try assertIndexAgrees(store, at: minute(9), "migrated")
        XCTAssertTrue(try StoreCheck.run(path: directory.path).ok)
    }

    /// Inputs that no longer say what the record and its leaves say are served as they are
    /// (decisions read only the inputs), so the store check must report them, naming the leaf.
    func testInputsThatDisagreeWithTheirRecordAreReportedByTheStoreCheck() throws {
        let store = try open()
        let work = works[0]
        try append([.sign(.enrollment(Enrollment(by: trusted.publicKey, issued: minute(0), party: author.publicKey, role: .creator)), with: trusted),
                    .sign(.mandate(Mandate(by: trusted.publicKey, issued: minute(0), party: author.publicKey, works: [work], role: .author)), with: trusted)],
                   at: minute(0), to: store)
        // Leaf 3: the author refuses training.
        try append([.sign(.preference(Preference(by: author.publicKey, issued: minute(1), work: work, usage: ["train-ai": false])), with: author)],
                   at: minute(1), to: store)
        XCTAssertTrue(try StoreCheck.run(path: directory.path).ok)
        let trainAI = UsageCategory.allCases.firstIndex(of: .trainAI) ?? 0
        func answer() throws -> Decision.Value? {
            try open().readBlocking {
                try $0.compactDecisions([Resolution.Query(work: work, at: minute(1))], operators: [trusted.publicKey], cache: ParsedStateCache(),
                                        unverifiedLimit: { _ in 100 })
            }.first?.values[trainAI]
        }
        XCTAssertEqual(try answer(), .disallowed)

        // The declaration's inputs rewritten to say `y` for training.
        let stored = try XCTUnwrap(try DatabaseQueue(path: path).read { try Data.fetchOne($0, sql: "SELECT inputs FROM map_records WHERE idx = 3") })
        guard case let .declaration(entries) = try RecordInputs(bytes: stored), let entry = entries.first else { return XCTFail("not a declaration's inputs") }
        let allowing = ConsentIndex.PreferenceFacts(Preference(by: author.publicKey, issued: minute(1), work: work, usage: ["train-ai": true]))
        let forged = RecordInputs.declaration([.init(audience: entry.audience, index: entry.index, facts: allowing)])
        try sqlite("UPDATE map_records SET inputs = ? WHERE idx = 3", [Data(forged.bytes)])

        XCTAssertEqual(try answer(), .allowed, "the forged inputs are read as they are")
        let report = try StoreCheck.run(path: directory.path)
        XCTAssertEqual(report.failures.map(\.kind), [.mapRecords], report.text)
        XCTAssertEqual(report.firstFailure?.leaf, 3, report.text)
        XCTAssertTrue(report.text.contains("resolution inputs"), report.text)
    }
}
