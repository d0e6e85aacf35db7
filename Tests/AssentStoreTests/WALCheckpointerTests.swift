import AssentCore
@testable import AssentStore
import Foundation
import XCTest

/// The WAL is copied into the database file by the checkpointer's thread, not by the commit
/// (docs/protocol.md "Write path: checkpoints off the writer").
final class WALCheckpointerTests: StoreTestCase {
    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    /// Waits up to five seconds for `condition`.
    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: 5)
        while !condition(), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return condition()
    }

    func testACommitDoesNotCopyTheWALIntoTheDatabaseFile() throws {
        // A checkpointer that would copy only after far more frames than these commits write.
        let database = try AssentDatabase(path: path, passiveCheckpointFrames: 1_000_000, truncateCheckpointFrames: 1_000_000)
        let store = try database.openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
        try store.append(try batch(store, statements: 10), sign: sign)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // More than SQLite's auto-checkpoint of 1,000 pages, which ran inside the committing
        // connection before: each of these commits would have copied pages into the file.
        for n in 1...12 { try store.append(try batch(store, statements: 200, offset: n * 1000), sign: sign) }
        XCTAssertGreaterThan(fileSize(path + "-wal"), 1000 * 4096, "the WAL holds more than 1,000 pages")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "a commit wrote into the database file")
        XCTAssertEqual(database.checkpointer.counts.passive, 0)
    }

    func testTheCheckpointerCopiesTheWALOnceItHoldsEnoughFrames() throws {
        let database = try AssentDatabase(path: path, passiveCheckpointFrames: 64, truncateCheckpointFrames: 1_000_000)
        let store = try database.openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
        let sizeBefore = fileSize(path)
        for n in 0..<4 { try store.append(try batch(store, statements: 200, offset: n * 1000), sign: sign) }
        XCTAssertTrue(eventually { database.checkpointer.counts.passive > 0 }, "no checkpoint after 4 batches of 200 statements")
        XCTAssertTrue(eventually { fileSize(path) > sizeBefore }, "the database file did not grow: \(fileSize(path)) bytes")
        // A passive checkpoint never cuts the WAL, and this one is below the hard limit.
        XCTAssertGreaterThan(fileSize(path + "-wal"), 0)
        XCTAssertEqual(database.checkpointer.counts.truncate, 0)
        // The log reads back whole from the file after the copy, on a fresh open.
        let size = store.size
        let reopened = try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
        XCTAssertEqual(reopened.size, size)
    }

    func testAWALPastTheHardLimitIsCutToZeroBytes() throws {
        let database = try AssentDatabase(path: path, passiveCheckpointFrames: 64, truncateCheckpointFrames: 64)
        let store = try database.openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
        try store.append(try batch(store, statements: 200), sign: sign)
        XCTAssertTrue(eventually { database.checkpointer.counts.truncate > 0 }, "the WAL was not truncated")
        XCTAssertTrue(eventually { fileSize(path + "-wal") == 0 }, "the WAL has \(fileSize(path + "-wal")) bytes")
        // Writes go on after the cut.
        try store.append(try batch(store, statements: 10, offset: 1000), sign: sign)
        XCTAssertEqual(store.size, try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own).size)
    }
}
