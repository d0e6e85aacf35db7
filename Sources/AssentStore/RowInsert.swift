import AssentCore
import GRDB
import GRDBSQLite

/// Runs a prepared INSERT of the writer's hot rows (leaves, statement rows, map records) through
/// SQLite's C API: each value bound straight from its bytes, where GRDB's `execute(arguments:)`
/// first builds a `StatementArguments` array (a `DatabaseValue` and often a `Data` a column)
/// and binds it through nested closures, which cost a mirror about a tenth of its writer's time
/// (docs/benchmarks.md "Replication"). Only for statements that return no row, inside a
/// transaction the caller holds (GRDB's write closures): nothing here opens or ends one. GRDB
/// does not see these statements run, so they must not be observed: the writer's one
/// transaction observer (`CommitObserver`) observes commits, which SQLite's commit hook reports,
/// and no row events.
///
/// The statement comes from `Database.cachedStatement`, so GRDB keeps owning and finalizing it;
/// each `run` resets it before binding (GRDB's `execute` leaves a statement it ran un-reset, and
/// SQLite refuses to bind one: SQLITE_MISUSE) and after stepping (on success or failure), which
/// leaves it as GRDB expects to find it.
struct RowInsert {
    private let statement: GRDB.Statement

    init(_ statement: GRDB.Statement) { self.statement = statement }

    init(_ db: Database, sql: String) throws { statement = try db.cachedStatement(sql: sql) }

    /// Binds the columns in order with `bind`, then steps the statement once.
    func run(_ bind: (inout Columns) throws -> Void) throws {
        let handle = statement.sqliteStatement
        var columns = Columns(handle: handle)
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        try bind(&columns)
        guard columns.next - 1 == sqlite3_bind_parameter_count(handle) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(columns.next - 1) values bound to \(sqlite3_bind_parameter_count(handle)) parameters",
                                sql: statement.sql)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// The values of one row, bound left to right. Blobs and texts are copied by SQLite
    /// (`SQLITE_TRANSIENT`): nothing bound needs to outlive the call that binds it.
    struct Columns {
        fileprivate let handle: OpaquePointer
        fileprivate var next: Int32 = 1

        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        private mutating func check(_ code: Int32) throws {
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "binding parameter \(next)",
                                    sql: sqlite3_sql(handle).map { String(cString: $0) })
            }
            next += 1
        }

        mutating func int(_ value: Int64) throws { try check(sqlite3_bind_int64(handle, next, value)) }

        mutating func null() throws { try check(sqlite3_bind_null(handle, next)) }

        mutating func blob(_ bytes: UnsafeRawBufferPointer) throws {
            // A zero-length blob is still a blob, not NULL: SQLite reads no byte of a non-nil pointer.
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            try check(sqlite3_bind_blob64(handle, next, base, sqlite3_uint64(bytes.count), Columns.transient))
        }

        mutating func blob(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try blob($0) } }

        mutating func blob(_ hash: Hash) throws { try hash.withUnsafeBytes { try blob($0) } }

        mutating func text(_ string: String) throws {
            var string = string
            try string.withUTF8 { utf8 in
                let base = UnsafeRawPointer(utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                try check(sqlite3_bind_text64(handle, next, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(utf8.count),
                                              Columns.transient, UInt8(SQLITE_UTF8)))
            }
        }
    }
}
