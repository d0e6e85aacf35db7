import AssentCore
import AssentStore
import Foundation
import GRDB
import XCTest

/// Review of issue 9 (its wal.py): a long reader kept the post-erasure WAL truncation from
/// finishing, and the WAL, restarted by later traffic but left at its largest, kept the erased
/// text in frames past the new ones. With `journal_size_limit = 0` a restarted WAL is cut to
/// zero bytes; the truncation stays owed until it succeeds.
final class WALErasureTests: StoreTestCase {
    func testAnErasedTextLeavesTheWALWhenTrafficRestartsItEvenIfTheTruncationFailed() throws {
        let database = try AssentDatabase(path: path)
        let store = try database.openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
        let secret = "Alice Walframe +49 170 5551234"
        let salt = [UInt8](0..<16)
        // A busy node: the WAL grows well past what later traffic rewrites.
        for n in 0..<10 { try store.append(try batch(store, statements: 200, offset: n * 1000), sign: sign) }
        let preference = SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: t0, work: try WorkID(parsing: "local:gema.de/secret"),
                                                                     usage: ["train-ai": false], note: try Commitment(text: secret, salt: salt))), with: author)
        try append([preference], disclosures: [preference.hash: [Disclosure(field: "/note", salt: salt, text: secret)]], to: store)
        for n in 10..<20 { try store.append(try batch(store, statements: 200, offset: n * 1000), sign: sign) }

        // A long read (a backup) holds the WAL while the erasure is logged.
        let reader = try DatabaseQueue(path: path)
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? reader.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leaves")
                holding.signal()
                release.wait()
            }
            finished.signal()
        }
        holding.wait()
        try append([SignedStatement.sign(.erasure(Erasure(by: author.publicKey, issued: t0, erases: preference.hash)), with: author)], to: store)
        XCTAssertFalse(try database.truncateWALIfPending(busyTimeoutMilliseconds: 50), "control: the reader keeps the truncation from finishing")
        XCTAssertTrue(try database.walTruncationPending())
        release.signal()
        finished.wait()
        try reader.close()

        // Ordinary traffic afterwards: a passive checkpoint by another connection, then writes
        // that restart the WAL from its beginning. No truncation is asked for.
        for n in 20..<22 { try store.append(try batch(store, statements: 200, offset: n * 1000), sign: sign) }
        let other = try DatabaseQueue(path: path)
        _ = try other.writeWithoutTransaction { try $0.checkpoint(.passive) }
        try other.close()
        for n in 22..<24 { try store.append(try batch(store, statements: 20, offset: n * 1000), sign: sign) }
        for file in [path, path + "-wal"] {
            XCTAssertNil(FileManager.default.contents(atPath: file)?.range(of: Data("Alice Walframe".utf8)), "the erased text is in \(file)")
        }
        // And the owed truncation is still done when asked.
        XCTAssertTrue(try database.walTruncationPending())
        XCTAssertTrue(try database.truncateWALIfPending(busyTimeoutMilliseconds: 50))
        XCTAssertFalse(try database.walTruncationPending())
    }
}
