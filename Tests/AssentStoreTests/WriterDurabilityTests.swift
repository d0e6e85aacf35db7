@testable import AssentStore
import XCTest

/// What is durable when (`AssentDatabase`): a commit syncs the WAL before it returns.
final class WriterDurabilityTests: StoreTestCase {
    func testTheWriterSyncsTheWALAtEachCommit() throws {
        let database = try AssentDatabase(path: path)
        // GRDB's pool set NORMAL (1) on its writer after our FULL (2): commits did not sync the WAL.
        let level = try database.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        XCTAssertEqual(level, 2, "the writer's synchronous level (2 is FULL)")
    }
}
