import AssentCore
import AssentStore
import Foundation
import XCTest

/// Epochs by time (issue 7): the epoch that speaks for T is the first whose time is at least T
/// and after which no leaf has a time ≤ T.
extension LogStoreTests {
    /// One statement and its epoch leaf at `time`, appended; returns the epoch's map root.
    func appendEpochBatch(_ store: LogStore, at time: Timestamp, n: Int) throws -> Hash {
        let statement = SignedStatement.sign(.preference(Preference(
            by: author.publicKey, issued: time, work: try WorkID(parsing: "local:gema.de/epoch-\(n)"), usage: ["tdm": false])), with: author)
        guard case let .epoch(root, _)? = try append([statement], at: time, to: store).last?.content else { throw StoreError.notFound("epoch leaf") }
        return root
    }

    func testTheEpochThatSpeaksForATimeIsOneLookupAndSurvivesAReopen() async throws {
        let store = try open()
        let times = [1_000, 2_000, 2_000, 5_000].map { Timestamp(milliseconds: 1_795_000_000_000 + Int64($0)) }
        var roots = [Hash]()
        for (n, time) in times.enumerated() { roots.append(try appendEpochBatch(store, at: time, n: n)) }
        XCTAssertEqual(Set(roots).count, 4)  // each batch changed the map
        func speaking(_ ms: Int64) async throws -> LogSnapshot.Epoch? {
            try await store.read { try $0.epoch(speakingFor: Timestamp(milliseconds: 1_795_000_000_000 + ms)) }
        }
        // Epoch leaves are at indexes 1, 3, 5 and 7.
        let before = try await speaking(0)
        XCTAssertEqual(before?.index, 1)
        let exactly = try await speaking(1_000)
        XCTAssertEqual(exactly?.index, 1)
        let between = try await speaking(1_001)
        XCTAssertEqual(between?.index, 3)  // the first of the two epochs at 2,000
        XCTAssertEqual(between?.mapRoot, roots[1])
        let last = try await speaking(4_000)
        XCTAssertEqual(last?.index, 7)
        let beyond = try await speaking(5_001)
        XCTAssertNil(beyond)  // the log speaks only up to its latest epoch
        let latest = try await store.read { try $0.latestEpoch() }
        XCTAssertEqual(latest?.index, 7)
        XCTAssertEqual(latest?.time, times[3])
        // Exactly 2,000: the later of the two epochs at 2,000, the one whose map holds leaf 4
        // (time 2,000); the first would miss it. Reopened, the index is the same.
        let atTwo = try await speaking(2_000)
        XCTAssertEqual(atTwo?.index, 5)
        let reopened = try open()
        let again = try await reopened.read { try $0.epoch(speakingFor: times[1]) }
        XCTAssertEqual(again, atTwo)
        let againBetween = try await reopened.read { try $0.epoch(speakingFor: Timestamp(milliseconds: 1_795_000_001_001)) }
        XCTAssertEqual(againBetween, between)
    }

    /// A log written before the index existed gets its epochs indexed when it is opened.
    func testALogWrittenBeforeTheIndexIsIndexedWhenOpened() async throws {
        let store = try open()
        let time = Timestamp(milliseconds: 1_795_000_000_000)
        let root = try appendEpochBatch(store, at: time, n: 0)
        try sqlite("DROP TABLE epochs")
        try sqlite("DELETE FROM grdb_migrations WHERE identifier = 'v5-epochs'")
        let reopened = try open()
        let epoch = try await reopened.read { try $0.epoch(speakingFor: time) }
        XCTAssertEqual(epoch?.index, 1)
        XCTAssertEqual(epoch?.mapRoot, root)
    }
}
