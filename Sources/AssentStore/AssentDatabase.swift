import AssentCore
import Foundation
import GRDB

/// One SQLite database (WAL) holding a node's own log and the mirrors of its peers' logs.
///
/// What is durable when: every write is one SQLite transaction with `synchronous = FULL`,
/// so when a write call returns its data survives a process crash and a power cut.
public final class AssentDatabase: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Copies the WAL into the database file off the writer's thread (`WALCheckpointer`).
    let checkpointer: WALCheckpointer
    /// Held by any checkpoint this process runs on this database (`WALCheckpointer.checkpointLock`).
    private let checkpointLock = NSLock()

    /// `passiveCheckpointFrames` and `truncateCheckpointFrames`: when the checkpointer copies
    /// the WAL and when it cuts it (`WALCheckpointer`; the defaults are measured in
    /// docs/benchmarks.md "Write path: checkpoints and pages (session 5)").
    public init(path: String, passiveCheckpointFrames: Int = AssentDatabase.passiveCheckpointFrames,
                truncateCheckpointFrames: Int = AssentDatabase.truncateCheckpointFrames) throws {
        self.path = path
        var config = Configuration()
        config.label = "assent"
        config.busyMode = .timeout(TimeInterval(AssentDatabase.busyTimeoutSeconds))
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Deleted content is overwritten with zeros, in the database file and in the WAL frames
            // that record the deletion: an erased disclosure leaves no trace in a freed page or cell
            // (docs/data-protection.md). Per connection, so every connection of the pool sets it.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // Each time the WAL restarts from its beginning, it is cut to zero bytes (SQLite keeps
            // it at its largest otherwise): frames from before an erasure that a restart did not
            // overwrite do not stay on disk behind the new ones (docs/data-protection.md).
            try db.execute(sql: "PRAGMA journal_size_limit = 0")
            // No memory-mapped reads (SQLite's default): a mapping is per connection, and every
            // page a connection touched through it counts in the process's resident memory once per
            // connection (the writer and up to five readers: 1.5 GB at 256 MiB each). Bulk checks
            // "now" read the consent index, not SQLite (docs/benchmarks.md, "Consent state").
            try db.execute(sql: "PRAGMA mmap_size = 0")
            // No checkpoint inside a commit: the checkpointer's thread copies the WAL instead, so
            // the log's writer does not wait for page copies and the database file's fsync.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            if !db.configuration.readonly {
                // The writer's page cache (SQLite's default is 2 MB): each statement inserts rows at
                // random places in the `statements` and state-map indexes, whose pages were read back
                // through the kernel on every insert. Readers keep the default (up to five of them).
                try db.execute(sql: "PRAGMA cache_size = \(-AssentDatabase.writerCacheKibibytes)")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.cannotOpen(path: path, "\(error)")
        }
        do {
            // GRDB's DatabasePool puts its writer in WAL mode after `prepareDatabase` ran and sets
            // `synchronous = NORMAL` there, which does not sync the WAL at a commit: a power cut
            // could lose a batch whose receipts were given. FULL again, on the one connection that
            // writes (readers never commit).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.cannotOpen(path: path, "cannot set synchronous = FULL on the writer: \(error)")
        }
        try AssentDatabase.migrate(pool, path: path)
        do {
            checkpointer = try WALCheckpointer(path: path, configuration: config, checkpointLock: checkpointLock,
                                               passiveFrames: passiveCheckpointFrames, truncateFrames: truncateCheckpointFrames,
                                               busyTimeoutMilliseconds: AssentDatabase.truncateBusyTimeoutMilliseconds)
        } catch {
            throw StoreError.cannotOpen(path: path, "the WAL checkpointer's connection: \(error)")
        }
        let observer = CommitObserver(checkpointer: checkpointer)
        try pool.writeWithoutTransaction { db in db.add(transactionObserver: observer, extent: .databaseLifetime) }
    }

    deinit {
        checkpointer.close()
    }

    /// WAL frames (pages) written since the last checkpoint that make the checkpointer copy them:
    /// 16 MiB of 4 KiB pages (SQLite's auto-checkpoint copied every 1,000).
    public static let passiveCheckpointFrames = 4096
    /// WAL frames after which the checkpointer cuts the WAL even if that holds up the writer:
    /// 64 MiB of 4 KiB pages, the most the WAL holds while no reader pins it.
    public static let truncateCheckpointFrames = 16384
    /// How long that cut waits for the writer's transaction and for readers.
    static let truncateBusyTimeoutMilliseconds = 500
    /// The writer connection's page cache, KiB.
    public static let writerCacheKibibytes = 65536

    private static func migrate(_ pool: DatabasePool, path: String) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Each log is one row: the node's own log, or a mirror of a peer's.
            try db.execute(sql: """
                CREATE TABLE logs (
                    id INTEGER PRIMARY KEY,
                    origin TEXT NOT NULL UNIQUE,
                    vkey TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('own', 'mirror')),
                    size INTEGER NOT NULL DEFAULT 0
                );
                -- Leaves as logged: canonical JSON bytes, served in entry bundles.
                CREATE TABLE leaves (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    idx INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (log, idx)
                ) WITHOUT ROWID;
                -- tlog-tiles hashes: each row is a tile as it stands now (full, or the
                -- growing right edge); a partial tile of width W is its first W hashes.
                CREATE TABLE tiles (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    level INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    hashes BLOB NOT NULL,
                    PRIMARY KEY (log, level, idx)
                ) WITHOUT ROWID;
                -- Every checkpoint note signed by (own) or accepted from (mirror) the log.
                CREATE TABLE checkpoints (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    size INTEGER NOT NULL,
                    note TEXT NOT NULL,
                    PRIMARY KEY (log, size)
                ) WITHOUT ROWID;
                -- Statement hash → leaf index, for de-duplication and look-up.
                CREATE TABLE statements (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    hash BLOB NOT NULL,
                    idx INTEGER NOT NULL,
                    PRIMARY KEY (log, hash)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2-parties") { db in
            // The latest enrollment of each party in each log (latest by issued, ties by statement
            // hash, as PROTOCOL §6 orders statements): who counts as enrolled when a node decides
            // whether a preference is an open declaration (PROTOCOL §3).
            try db.execute(sql: """
                CREATE TABLE parties (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    party BLOB NOT NULL,
                    active INTEGER NOT NULL,
                    issued INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    idx INTEGER NOT NULL,
                    PRIMARY KEY (log, party)
                ) WITHOUT ROWID;
                """)
            // Logs written before this table existed: index their enrollments now. A leaf that does
            // not parse fails the migration: skipping it could leave a revoked party enrolled.
            try AssentDatabase.forEachStoredLeaf(db) { leaf, log in
                guard let statement = leaf.statement, case let .enrollment(enrollment) = statement.statement else { return }
                try LogStore.recordEnrollment(enrollment, hash: statement.hash, index: leaf.index, log: log, db: db)
            }
        }
        migrator.registerMigration("v3-disclosures") { db in
            // The only personal data a node keeps (docs/data-protection.md): the texts and salts
            // behind a statement's commitments, deletable. Never in a key column: a WITHOUT ROWID
            // table copies keys into interior pages, where a deletion would leave them behind.
            try db.execute(sql: """
                CREATE TABLE disclosures (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    hash BLOB NOT NULL,
                    field TEXT NOT NULL,
                    salt BLOB NOT NULL,
                    text TEXT NOT NULL,
                    PRIMARY KEY (log, hash, field)
                ) WITHOUT ROWID;
                -- Statements whose disclosures an erasure deleted: the first erasure logged, its leaf time (ms).
                CREATE TABLE erasures (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    hash BLOB NOT NULL,
                    erasure BLOB NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (log, hash)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-erasure-copies") { db in
            // The commitment digest of each disclosure, so that an erasure deletes every row that
            // discloses the same text with the same salt (a copy of the disclosure under another
            // statement), by an index that holds digests, never text.
            try db.execute(sql: "ALTER TABLE disclosures ADD COLUMN digest BLOB")
            let rows = try Row.fetchAll(db, sql: "SELECT log, hash, field, salt, text FROM disclosures")
            for row in rows {
                let digest = try AssentDatabase.digest(salt: [UInt8](row["salt"] as Data), text: row["text"])
                try db.execute(sql: "UPDATE disclosures SET digest = ? WHERE log = ? AND hash = ? AND field = ?",
                               arguments: [Data(digest.bytes), row["log"] as Int64, row["hash"] as Data, row["field"] as String])
            }
            try db.execute(sql: "CREATE INDEX disclosures_digest ON disclosures (digest)")
            // One row while an erasure's WAL truncation is owed (`truncateWALIfPending`): kept in
            // the database so a crash between the erasure and the truncation does not forget it.
            try db.execute(sql: """
                CREATE TABLE wal_truncation (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    since INTEGER NOT NULL
                );
                """)
        }
        // The state map's tables (PROTOCOL §5, docs/state-map.md).
        StateMapStore.registerMigration(in: &migrator)
        migrator.registerMigration("v5-epochs") { db in
            // Epoch leaves by time (issue 7): "the epoch that speaks for time T" is the first epoch
            // whose time is at least T, one index lookup. `size` is the number of leaves the
            // epoch's map root covers (its own index), `map` that root.
            try db.execute(sql: """
                CREATE TABLE epochs (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    time INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    map BLOB NOT NULL,
                    PRIMARY KEY (log, time, idx)
                ) WITHOUT ROWID;
                """)
            // Logs written before this table existed: index their epoch leaves now.
            try AssentDatabase.forEachStoredLeaf(db) { leaf, log in try LogStore.recordEpoch(leaf, log: log, db: db) }
        }
        StateMapStore.registerIndexMigration(in: &migrator)
        // Mandates by the party they name (GET /v1/parties/{key}).
        PartyMandateIndex.registerMigration(in: &migrator)
        // Equivocation evidence (issue 8 item 5).
        EvidenceStore.registerMigration(in: &migrator)
        // The witness's latest cosigned checkpoint per log (C2SP tlog-witness).
        WitnessStateStore.registerMigration(in: &migrator)
        // Each record version's resolution inputs beside it (docs/state-map.md "Resolution inputs").
        StateMapStore.registerInputsMigration(in: &migrator)
        do { try migrator.migrate(pool) } catch { throw StoreError.cannotOpen(path: path, "migration failed: \(error)") }
    }

    /// Opens the log with this origin, creating it if it does not exist. An existing log must
    /// have the same key and role. Opening checks the stored tree against the latest checkpoint.
    public func openLog(origin: String, verifierKey: NoteVerifierKey, role: LogRole) throws -> LogStore {
        let id: Int64 = try pool.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT id, vkey, role FROM logs WHERE origin = ?", arguments: [origin]) {
                let vkey: String = row["vkey"]
                let storedRole: String = row["role"]
                guard Bytewise.equal(vkey, verifierKey.description) else {
                    throw StoreError.keyMismatch(origin: origin, stored: vkey, given: verifierKey.description)
                }
                guard storedRole == role.rawValue else { throw StoreError.roleMismatch(origin: origin, stored: storedRole) }
                return row["id"]
            }
            try db.execute(sql: "INSERT INTO logs (origin, vkey, role) VALUES (?, ?, ?)",
                           arguments: [origin, verifierKey.description, role.rawValue])
            return db.lastInsertedRowID
        }
        return try LogStore(database: self, id: id, origin: origin, verifierKey: verifierKey, role: role)
    }

    /// The commitment digest of a disclosure's salt and text (`Commitment`).
    static func digest(salt: [UInt8], text: String) throws -> Hash {
        do { return try Commitment(text: text, salt: salt).digest } catch {
            throw StoreError.badRow(origin: "disclosures", "a disclosure with a bad salt: \(error)")
        }
    }

    /// The busy timeout of every connection (seconds): how long a write waits for another.
    public static let busyTimeoutSeconds = 10

    /// Copies every WAL frame into the database file and truncates the WAL to zero bytes, so
    /// that frames holding deleted content (an erased disclosure) are gone from disk too; waits
    /// for readers at most `busyTimeoutMilliseconds`. Returns false when readers kept it from
    /// finishing (the WAL is then left as it was, to be tried again).
    @discardableResult
    public func checkpointAndTruncateWAL(busyTimeoutMilliseconds: Int = AssentDatabase.busyTimeoutSeconds * 1000) throws -> Bool {
        try pool.writeWithoutTransaction { db in
            guard lockCheckpoints(busyTimeoutMilliseconds: busyTimeoutMilliseconds) else { return false }
            defer { checkpointLock.unlock() }
            return try AssentDatabase.truncateWAL(db, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        }
    }

    /// Waits for the checkpointer's checkpoint, if one runs, at most `busyTimeoutMilliseconds`:
    /// SQLite would refuse a second checkpoint at once (SQLITE_BUSY).
    private func lockCheckpoints(busyTimeoutMilliseconds: Int) -> Bool {
        checkpointLock.lock(before: Date(timeIntervalSinceNow: Double(max(0, busyTimeoutMilliseconds)) / 1000))
    }

    static func truncateWAL(_ db: Database, busyTimeoutMilliseconds: Int) throws -> Bool {
        try db.execute(sql: "PRAGMA busy_timeout = \(max(0, busyTimeoutMilliseconds))")
        defer { try? db.execute(sql: "PRAGMA busy_timeout = \(busyTimeoutSeconds * 1000)") }
        do {
            let (walFrames, checkpointed) = try db.checkpoint(.truncate)
            return walFrames <= 0 || walFrames == checkpointed
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return false
        }
    }

    /// Whether an erasure's WAL truncation is still owed (recorded in the erasure's transaction).
    public func walTruncationPending() throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM wal_truncation WHERE id = 1") ?? false }
    }

    /// If an erasure's WAL truncation is owed, truncates the WAL, waiting for readers at most
    /// `busyTimeoutMilliseconds` (it holds the writer meanwhile, so keep it short), then clears
    /// the record. Returns true when nothing is owed any more. Clearing the record writes a
    /// frame of its own to the WAL; that frame holds only the record's page.
    @discardableResult
    public func truncateWALIfPending(busyTimeoutMilliseconds: Int) throws -> Bool {
        try pool.writeWithoutTransaction { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM wal_truncation WHERE id = 1") ?? false else { return true }
            guard lockCheckpoints(busyTimeoutMilliseconds: busyTimeoutMilliseconds) else { return false }
            let truncated: Bool
            do {
                defer { checkpointLock.unlock() }
                truncated = try AssentDatabase.truncateWAL(db, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            }
            guard truncated else { return false }
            try db.execute(sql: "DELETE FROM wal_truncation")
            return true
        }
    }

    /// Every stored leaf of every log, in order, for migrations that index what is already
    /// logged. A cursor, not one array: a large log is read leaf by leaf. A leaf that does not
    /// parse fails with the log and index.
    static func forEachStoredLeaf(_ db: Database, _ body: (LogLeaf, _ log: Int64) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT log, idx, data FROM leaves ORDER BY log, idx")
        while let row = try rows.next() {
            let data: Data = row["data"]
            let leaf: LogLeaf
            do { leaf = try LogLeaf(bytes: [UInt8](data)) } catch {
                throw StoreError.badRow(origin: "log \(row["log"] as Int64)", "leaf \(row["idx"] as Int64): \(error)")
            }
            try body(leaf, row["log"])
        }
    }

    /// The logs this database holds.
    public func logs() throws -> [(origin: String, verifierKey: String, role: LogRole, size: UInt64)] {
        try pool.read { db in
            // The table's CHECK keeps `role` to the two values and `size` non-negative; a file edited
            // by hand is still refused with a reason, not a trap.
            try Row.fetchAll(db, sql: "SELECT origin, vkey, role, size FROM logs ORDER BY id").map { row in
                let origin: String = row["origin"]
                guard let role = LogRole(rawValue: row["role"]), let size = UInt64(exactly: row["size"] as Int64) else {
                    throw StoreError.badRow(origin: origin, "logs row has role \(row["role"] as String? ?? "?") and size \(row["size"] as Int64? ?? -1)")
                }
                return (origin: origin, verifierKey: row["vkey"], role: role, size: size)
            }
        }
    }
}

public enum LogRole: String, Sendable {
    case own, mirror
}

public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, String)
    case keyMismatch(origin: String, stored: String, given: String)
    case roleMismatch(origin: String, stored: String)
    case treeMismatch(origin: String, size: UInt64, stored: Hash, checkpoint: Hash)
    case checkpointInvalid(origin: String, String)
    case missingLeaves(origin: String, stored: UInt64, checkpoint: UInt64)
    case tileMismatch(origin: String, index: UInt64)
    case badAppend(origin: String, String)
    case notFound(String)
    case inconsistentCheckpoint(origin: String, String)
    case locked(directory: String, holder: String)
    /// A checkpoint note that is not a note of the stored tree by the log's key (size nil: unreadable).
    case badNote(origin: String, size: UInt64?, String)
    case corrupt(origin: String, String)
    case badRow(origin: String, String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, why): "cannot open database \(path): \(why)"
        case let .keyMismatch(origin, stored, given): "log \(origin) is stored with key \(stored), not \(given)"
        case let .roleMismatch(origin, stored): "log \(origin) is stored as \(stored)"
        case let .treeMismatch(origin, size, stored, checkpoint):
            "log \(origin): stored tree at size \(size) has root \(stored), but the latest signed checkpoint says \(checkpoint); refusing to serve"
        case let .checkpointInvalid(origin, why): "log \(origin): latest stored checkpoint is invalid: \(why)"
        case let .missingLeaves(origin, stored, checkpoint): "log \(origin): \(stored) leaves stored, but the latest checkpoint covers \(checkpoint)"
        case let .tileMismatch(origin, index): "log \(origin): stored leaf \(index) does not hash to the stored tile hash"
        case let .badAppend(origin, why): "log \(origin): cannot append: \(why)"
        case let .notFound(what): "\(what) not found"
        case let .inconsistentCheckpoint(origin, why): "log \(origin): \(why)"
        case let .locked(directory, holder): "data directory \(directory) is in use by \(holder): one node per data directory"
        case let .badNote(origin, size, why):
            "log \(origin): refusing to store the checkpoint note\(size.map { " for size \($0)" } ?? ""): \(why)"
        case let .corrupt(origin, why): "log \(origin): \(why)"
        case let .badRow(origin, what): "log \(origin): unreadable \(what)"
        }
    }
}
