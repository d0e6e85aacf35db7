import AssentCore
import GRDB
import XCTest

@testable import AssentStore

/// The writer's direct bindings (`RowInsert`): every value lands as GRDB would have written it,
/// a wrong number of values or a broken constraint is an error that leaves the statement usable,
/// and nothing stays bound from one row to the next.
final class RowInsertTests: XCTestCase {
    private func table() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB, s TEXT, h BLOB)")
        }
        return queue
    }

    func testValuesAreStoredAsBound() throws {
        let queue = try table()
        let hash = SHA256.hash(Array("row".utf8))
        // A name whose bytes are not in normalization form C: stored as given (identity is bytes).
        let text = "cafe\u{301} 🎼"
        try queue.write { db in
            let insert = try RowInsert(db, sql: "INSERT INTO t (i, b, s, h) VALUES (?, ?, ?, ?)")
            try insert.run { row in
                try row.int(-7)
                try row.blob([1, 2, 3])
                try row.text(text)
                try row.blob(hash)
            }
            try insert.run { row in
                try row.int(Int64.max)
                try row.blob([UInt8]())
                try row.null()
                try row.null()
            }
        }
        try queue.read { db in
            let first = try XCTUnwrap(Row.fetchOne(db, sql: "SELECT * FROM t WHERE i = -7"))
            XCTAssertEqual(first["b"] as Data, Data([1, 2, 3]))
            XCTAssertEqual(Array((first["s"] as String).utf8), Array(text.utf8))
            XCTAssertEqual(first["h"] as Data, Data(hash.bytes))
            // An empty blob is a blob of length 0, not NULL.
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT typeof(b) FROM t WHERE i = ?", arguments: [Int64.max]), "blob")
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT length(b) FROM t WHERE i = ?", arguments: [Int64.max]), 0)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT typeof(s) FROM t WHERE i = ?", arguments: [Int64.max]), "null")
        }
    }

    func testTooFewValuesAreRefusedAndNothingIsWritten() throws {
        let queue = try table()
        try queue.write { db in
            let insert = try RowInsert(db, sql: "INSERT INTO t (i, b, s, h) VALUES (?, ?, ?, ?)")
            XCTAssertThrowsError(try insert.run { row in
                try row.int(1)
                try row.blob([9])
            }) { error in
                XCTAssertEqual((error as? DatabaseError)?.resultCode, .SQLITE_MISUSE, "\(error)")
            }
        }
        XCTAssertEqual(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }, 0)
    }

    /// A cached statement GRDB ran last (its `execute` leaves it stepped to the end, not reset)
    /// is bound and run all the same: SQLite refuses to bind a statement that is not reset.
    func testAStatementGRDBRanLastIsUsable() throws {
        let queue = try table()
        let sql = "INSERT INTO t (i, b, s, h) VALUES (?, ?, ?, ?)"
        try queue.write { db in
            try db.cachedStatement(sql: sql).execute(arguments: [1, Data([1]), "a", nil])
            try RowInsert(db, sql: sql).run { row in
                try row.int(2)
                try row.blob([2])
                try row.text("")
                try row.null()
            }
        }
        let rows = try queue.read { try Row.fetchAll($0, sql: "SELECT i, s FROM t ORDER BY i") }
        XCTAssertEqual(rows.map { $0["i"] as Int64 }, [1, 2])
        // An empty text is a text of length 0, not NULL.
        XCTAssertEqual(rows.map { $0["s"] as String? }, ["a", ""])
    }

    func testAFailedRowLeavesTheStatementUsableAndUnbound() throws {
        let queue = try table()
        try queue.write { db in
            let insert = try RowInsert(db, sql: "INSERT INTO t (i, b, s, h) VALUES (?, ?, ?, ?)")
            func add(_ i: Int64, _ b: [UInt8]) throws {
                try insert.run { row in
                    try row.int(i)
                    try row.blob(b)
                    try row.null()
                    try row.null()
                }
            }
            try add(1, [1])
            XCTAssertThrowsError(try add(1, [2])) { error in
                XCTAssertEqual((error as? DatabaseError)?.resultCode.primaryResultCode, .SQLITE_CONSTRAINT, "\(error)")
                XCTAssertTrue("\(error)".contains("UNIQUE"), "\(error)")
            }
            try add(2, [3])
            // The same statement through GRDB afterwards binds its own values.
            try db.cachedStatement(sql: "INSERT INTO t (i, b, s, h) VALUES (?, ?, ?, ?)").execute(arguments: [3, Data([4]), "x", nil])
        }
        let rows = try queue.read { try Row.fetchAll($0, sql: "SELECT i, b FROM t ORDER BY i") }
        XCTAssertEqual(rows.map { $0["i"] as Int64 }, [1, 2, 3])
        XCTAssertEqual(rows.map { $0["b"] as Data }, [Data([1]), Data([3]), Data([4])])
    }
}
