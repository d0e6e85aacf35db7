import AssentCore
@testable import AssentStore
import XCTest

/// The history across logs (docs/federation.md "History across logs"): the merge of several
/// logs' rows oldest first by (leaf time, origin bytes, leaf index), its pages and its cursor.
final class FederatedMergeTests: XCTestCase {
    let origins = ["apra.assent.example/log", "gema.assent.example/log", "sacem.assent.example/log"]

    /// A row of a log: its leaf's time (ms after a fixed instant) and index.
    struct Row: Equatable {
        let log: Int
        let time: Int64
        let index: UInt64
    }

    /// Three logs whose rows interleave in time, with equal times across logs (then the origin's
    /// bytes decide) and runs of one log, at indexes with gaps as a work's rows have.
    let logs: [[Row]] = [
        [Row(log: 0, time: 5, index: 2), Row(log: 0, time: 5, index: 3), Row(log: 0, time: 9, index: 10)],
        [Row(log: 1, time: 1, index: 0), Row(log: 1, time: 5, index: 4), Row(log: 1, time: 6, index: 7),
         Row(log: 1, time: 6, index: 8), Row(log: 1, time: 20, index: 30)],
        [Row(log: 2, time: 1, index: 1), Row(log: 2, time: 5, index: 1_000), Row(log: 2, time: 9, index: 1_001)],
    ]

    func sources(_ logs: [[Row]], chunk: Int) -> [FederatedMerge.Source<Row>] {
        logs.indices.map { i in
            FederatedMerge.Source(log: i, chunk: chunk) { from, limit in
                Array(logs[i].filter { $0.index >= from }.prefix(limit))
            }
        }
    }

    func page(_ logs: [[Row]], from cursor: FederatedCursor, limit: Int, chunk: Int) throws -> (items: [Row], next: FederatedCursor?) {
        var taken = 0
        let page = try FederatedMerge.page(sources(logs, chunk: chunk), from: cursor, origins: origins,
                                           stamp: { (Timestamp(milliseconds: 1_795_000_000_000 + $0.time), $0.index) },
                                           take: { _ in
                                               guard taken < limit else { return false }
                                               taken += 1
                                               return true
                                           })
        XCTAssertEqual(page.items.map(\.log), page.items.map(\.item.log))
        return (page.items.map(\.item), page.next)
    }

    func testPagesOfAnySizeGiveEveryRowOnceOldestFirstByTimeThenOriginThenIndex() throws {
        let expected = [
            Row(log: 1, time: 1, index: 0), Row(log: 2, time: 1, index: 1),
            Row(log: 0, time: 5, index: 2), Row(log: 0, time: 5, index: 3), Row(log: 1, time: 5, index: 4), Row(log: 2, time: 5, index: 1_000),
            Row(log: 1, time: 6, index: 7), Row(log: 1, time: 6, index: 8),
            Row(log: 0, time: 9, index: 10), Row(log: 2, time: 9, index: 1_001),
            Row(log: 1, time: 20, index: 30),
        ]
        for chunk in [1, 2, 3, 16] {
            for limit in 1...12 {
                var cursor = FederatedCursor.start(logs: 3)
                var all = [Row]()
                var pages = 0
                while true {
                    // Each page's cursor goes through its spelling, as a client sends it back.
                    let (items, next) = try page(logs, from: cursor, limit: limit, chunk: chunk)
                    XCTAssertLessThanOrEqual(items.count, limit)
                    all += items
                    pages += 1
                    guard let next else { break }
                    XCTAssertFalse(items.isEmpty, "a page that names a next page takes something")
                    cursor = try FederatedCursor(token: next.token(origins: origins), origins: origins)
                    XCTAssertEqual(cursor, next)
                    if pages > 20 { return XCTFail("no end with limit \(limit)") }
                }
                XCTAssertEqual(all, expected, "limit \(limit), chunk \(chunk)")
                // The merge looks one row ahead: no empty last page when the rows fill the pages exactly.
                XCTAssertEqual(pages, (expected.count + limit - 1) / limit, "limit \(limit)")
            }
        }
        // A page of 4 stops inside time 5: each log's position is the leaf after its last row taken.
        let (items, next) = try page(logs, from: .start(logs: 3), limit: 4, chunk: 16)
        XCTAssertEqual(items, Array(expected.prefix(4)))
        XCTAssertEqual(next?.positions, [4, 1, 2])
    }

    /// The rows read ahead of a page (read, not taken) stay within the page's own bound over
    /// the most logs a federation holds: a party's page of 100 mandates over 64 logs read 16 a
    /// log held 1,024 mandates (up to 63 KiB each) in memory for a page of 100.
    func testAPageOverSixtyFourLogsReadsNoMoreRowsThanItsOwnBoundAhead() throws {
        let origins = (0..<Federation.maxLogs).map { "society\($0).assent.example/log" }.sorted { Bytewise.precedes($0, $1) }
        // Every log holds 20 rows, one a millisecond, at the same times as the others'.
        let logs = origins.indices.map { log in (0..<20).map { Row(log: log, time: Int64($0), index: UInt64($0)) } }
        for limit in [LogSnapshot.maxMandates, LogSnapshot.maxHistory, 1, 63, 64, 65] {
            var read = 0
            let sources = logs.indices.map { i in
                FederatedMerge.Source<Row>(log: i, chunk: FederatedSnapshot.mergeChunk(limit: limit, logs: logs.count)) { from, chunk in
                    let rows = Array(logs[i].filter { $0.index >= from }.prefix(chunk))
                    read += rows.count
                    return rows
                }
            }
            var taken = 0
            let page = try FederatedMerge.page(sources, from: .start(logs: origins.count), origins: origins,
                                               stamp: { (Timestamp(milliseconds: 1_795_000_000_000 + $0.time), $0.index) },
                                               take: { _ in
                                                   guard taken < limit else { return false }
                                                   taken += 1
                                                   return true
                                               })
            XCTAssertEqual(page.items.count, min(limit, 64 * 20))
            // What is held besides the page: at most one chunk a log, the chunks together no
            // more than the page's bound (or one row a log when the bound is below the logs).
            let ahead = read - page.items.count
            XCTAssertLessThanOrEqual(ahead, max(limit, logs.count), "limit \(limit): \(ahead) rows read ahead")
        }
    }

    /// A mirror that grows between two pages (a peer caught up: its new leaves' times are
    /// earlier than rows already given from other logs), beside a log with no row at all: every
    /// row comes exactly once, the new ones on a later page, whatever the page size.
    func testALogGrowingBetweenPagesAddsItsRowsLaterAndRepeatsOrSkipsNothing() throws {
        let before: [[Row]] = [[], [Row(log: 1, time: 1, index: 0), Row(log: 1, time: 8, index: 5), Row(log: 1, time: 9, index: 6)],
                               [Row(log: 2, time: 2, index: 0), Row(log: 2, time: 3, index: 4)]]
        var after = before
        after[2] += [Row(log: 2, time: 3, index: 9), Row(log: 2, time: 4, index: 12), Row(log: 2, time: 10, index: 13)]
        let every = after.flatMap { $0 }
        // Pages smaller than the five rows there were: the first page names a next one.
        for limit in 1...4 {
            let (first, next) = try page(before, from: .start(logs: 3), limit: limit, chunk: 2)
            var all = first
            var cursor = try XCTUnwrap(next)
            var pages = 0
            while true {
                let (items, next) = try page(after, from: cursor, limit: limit, chunk: 2)
                all += items
                pages += 1
                guard let next, pages < 20 else { break }
                cursor = next
            }
            XCTAssertEqual(all.count, every.count, "limit \(limit): \(all)")
            XCTAssertEqual(Set(all.map { "\($0.log)/\($0.index)" }).count, every.count, "limit \(limit): a row repeated")
            XCTAssertEqual(Set(all.map { "\($0.log)/\($0.index)" }), Set(every.map { "\($0.log)/\($0.index)" }))
        }
    }

    /// A node restarted with a log more, or one replaced: a cursor it gave before is refused
    /// (read against the new logs it would skip or misplace positions), saying why and to start again.
    func testACursorFromBeforeTheTrustedLogsChangedIsRefusedSayingSo() throws {
        let old = FederatedCursor(positions: [3, 5, 8]).token(origins: origins)
        for now in [origins + ["wipo.assent.example/log"], [origins[0], "jasrac.assent.example/log", origins[2]]] {
            let sorted = now.sorted { Bytewise.precedes($0, $1) }
            XCTAssertThrowsError(try FederatedCursor(token: old, origins: sorted)) { error in
                let said = "\(error)"
                XCTAssertTrue(said.contains("before this node's trusted logs changed"), said)
            }
        }
    }

    func testRowsOutOfLeafOrderAreACorruptStoreNotAPageThatSkips() throws {
        // Times going back within a log, and two rows of one leaf: either would page wrongly.
        for bad in [[Row(log: 0, time: 5, index: 2), Row(log: 0, time: 4, index: 3)],
                    [Row(log: 0, time: 5, index: 2), Row(log: 0, time: 5, index: 2)]] {
            XCTAssertThrowsError(try page([bad, [], []], from: .start(logs: 3), limit: 10, chunk: 16)) { error in
                guard case let StoreError.corrupt(origin, reason) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(origin, origins[0])
                XCTAssertTrue(reason.contains("out of leaf order"), reason)
            }
        }
        // A cursor for two logs given to a merge of three: refused, not read past its end.
        XCTAssertThrowsError(try page(logs, from: .start(logs: 2), limit: 10, chunk: 16))
    }

    func testTheCursorSpellsEachLogsPositionAndRefusesAnyOtherSpelling() throws {
        let cursor = FederatedCursor(positions: [0, 1_001, UInt64.max])
        let token = cursor.token(origins: origins)
        XCTAssertEqual(token.count, 64)  // 48 bytes, base64url without padding
        XCTAssertTrue(token.utf8.allSatisfy { $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "/") })
        XCTAssertEqual(try FederatedCursor(token: token, origins: origins), cursor)
        // Entry 1: the first 8 bytes of SHA-256 of the origin, then 1,001 big-endian.
        let bytes = try XCTUnwrap(Base64.decode(token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")))
        XCTAssertEqual(Array(bytes[16..<24]), Array(SHA256.hash(Array(origins[1].utf8)).bytes.prefix(8)))
        XCTAssertEqual(Array(bytes[24..<32]), [0, 0, 0, 0, 0, 0, 0x03, 0xE9])

        func refusal(_ text: String, _ origins: [String]? = nil) -> String {
            do {
                _ = try FederatedCursor(token: text, origins: origins ?? self.origins)
                return "accepted"
            } catch { return error.description }
        }
        // A cursor of two logs (another federation), a huge one, a tampered one.
        XCTAssertTrue(refusal(FederatedCursor(positions: [0, 0]).token(origins: Array(origins.prefix(2)))).contains("is 64 characters"))
        XCTAssertTrue(refusal(String(repeating: "A", count: 1 << 20)).contains("not 1048576"))
        XCTAssertTrue(refusal(String(token.dropLast()) + "+").contains("base64url"))
        XCTAssertTrue(refusal(String(token.dropLast()) + "%").contains("base64url"))
        // The logs in another order: position 0 is SACEM's, not APRA's.
        let swapped = FederatedCursor(positions: [0, 0, 0]).token(origins: origins.reversed())
        let wrongLog = refusal(swapped)
        XCTAssertTrue(wrongLog.contains("position 0") && wrongLog.contains(origins[0]) && wrongLog.contains("altered"), wrongLog)
        // One changed character in the hash prefix of log 1.
        var altered = Array(token)
        altered[23] = altered[23] == "A" ? "B" : "A"
        XCTAssertTrue(refusal(String(altered)).contains("position 1"), refusal(String(altered)))
        // One log: 16 bytes are 22 characters whose last carries 4 unused bits, which must be 0.
        let one = FederatedCursor(positions: [7]).token(origins: [origins[0]])
        XCTAssertEqual(try FederatedCursor(token: one, origins: [origins[0]]).positions, [7])
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = try XCTUnwrap(alphabet.firstIndex(of: try XCTUnwrap(one.last)))
        XCTAssertEqual(last & 15, 0)
        XCTAssertTrue(refusal(String(one.dropLast()) + String(alphabet[last ^ 1]), [origins[0]]).contains("not canonical"))
    }
}
