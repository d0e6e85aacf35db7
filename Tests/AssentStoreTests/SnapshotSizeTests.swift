import AssentCore
@testable import AssentStore
import AssentTestSupport
import Dispatch
import Foundation
import GRDB
import XCTest

/// A snapshot's size is what its read transaction holds. GRDB opens a read's WAL snapshot
/// before the body runs (it reads the schema version first), so an append that commits between
/// that and `LogSnapshot.init` is in the store's memory but not in the snapshot: a size taken
/// from memory alone then names leaves the snapshot cannot read.
final class SnapshotSizeTests: StoreTestCase {
    func testASnapshotNamesOnlyTheLeavesItsTransactionHoldsWhenAnAppendCommitsAsItOpens() throws {
        let store = try open()
        let work = try WorkID(parsing: "local:gema.de/race")
        func preference(_ usage: [String: Bool]) -> SignedStatement {
            .sign(.preference(Preference(by: author.publicKey, issued: t0, work: work, usage: usage)), with: author)
        }
        try append([preference(["train-ai": false])], to: store)
        let before = store.size
        let seen = try store.database.pool.read { db -> (size: UInt64, stored: UInt64, last: Bool, epochError: String?, changes: Int) in
            // The transaction is open, its snapshot taken; another thread appends and commits now.
            let done = DispatchSemaphore(value: 0)
            let failure = LockedBox<String?>(nil)
            let later = SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: Timestamp(milliseconds: t0.milliseconds + 1),
                                                                    work: work, usage: ["train-ai": true])), with: author)
            // The test case is not Sendable; the block is waited for before this goes on.
            nonisolated(unsafe) let test = self
            DispatchQueue.global().async {
                do { try test.append([later], to: store) } catch { failure.value = "\(error)" }
                done.signal()
            }
            done.wait()
            XCTAssertNil(failure.value)
            let snapshot = try LogSnapshot(store: store, db: db)
            let stored = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM leaves WHERE log = ?", arguments: [store.id]) ?? -1
            var epochError: String?
            do { _ = try snapshot.epoch(speakingFor: t0) } catch { epochError = "\(error)" }
            return (snapshot.size, UInt64(clamping: stored), try snapshot.leafBytes(at: snapshot.size - 1) != nil, epochError,
                    try snapshot.workHistory(of: work).count)
        }
        XCTAssertEqual(store.size, before + 2, "the append committed while the read was open")
        XCTAssertEqual(seen.stored, before, "the read's snapshot predates the append")
        XCTAssertEqual(seen.size, seen.stored, "the snapshot names the leaves it holds, no more")
        XCTAssertTrue(seen.last, "the snapshot's last leaf is readable in it")
        // A healthy log read at the epoch of t0 is not reported corrupt.
        XCTAssertNil(seen.epochError)
        XCTAssertEqual(seen.changes, 1)
        // A read after the commit sees it all.
        XCTAssertEqual(try store.readBlocking { $0.size }, before + 2)
    }
}
