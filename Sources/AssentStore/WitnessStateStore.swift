import AssentCore
import Foundation
import GRDB

/// The witness's record per log (C2SP tlog-witness v1.0.0): the latest checkpoint it cosigned,
/// with its cosigned note. "The witness MUST persist the new checkpoint before responding", and
/// checking the old size and storing the new checkpoint must be one atomic step: `advance` is a
/// compare-and-set in one SQLite transaction (`synchronous = FULL`), so when it returns the
/// new size is on disk and no other request moved it in between.
public final class WitnessStateStore: Sendable {
    let database: AssentDatabase

    public init(database: AssentDatabase) {
        self.database = database
    }

    static let migrationName = "v10-witness-state"

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            // One row per log origin this node has cosigned for. `note` is the checkpoint note with
            // the witness's cosignature; `size` and `root` repeat what it states, for the compare-and-set.
            try db.execute(sql: """
                CREATE TABLE witness_state (
                    origin TEXT NOT NULL PRIMARY KEY,
                    size INTEGER NOT NULL CHECK (size >= 0),
                    root BLOB NOT NULL,
                    note TEXT NOT NULL,
                    cosigned_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    /// The latest checkpoint cosigned for `origin`, nil if none.
    public func latest(origin: String) async throws -> WitnessState? {
        try await database.pool.read { db in try WitnessStateStore.latest(db, origin: origin) }
    }

    static func latest(_ db: Database, origin: String) throws -> WitnessState? {
        guard let row = try Row.fetchOne(db, sql: "SELECT size, root, note FROM witness_state WHERE origin = ?", arguments: [origin]) else {
            return nil
        }
        // A row edited on disk is reported, not trusted: the note must state the size and root beside it.
        let note: String = row["note"]
        guard let size = UInt64(exactly: row["size"] as Int64), let root = Hash(bytes: [UInt8](row["root"] as Data)),
              let checkpoint = try? Checkpoint(text: SignedNote(parsing: note).text),
              Bytewise.equal(checkpoint.origin, origin), checkpoint.size == size, checkpoint.root == root
        else { throw StoreError.badRow(origin: origin, "witness_state row does not match its note") }
        return WitnessState(checkpoint: checkpoint, note: note)
    }

    /// Stores `state` as the latest cosigned checkpoint of its log if the stored size is still
    /// `old` (0 when none is stored), in one transaction. Returns the stored state instead when
    /// it has moved (nothing is written): the caller answers 409 with its size.
    public func advance(from old: UInt64, to state: WitnessState, at time: Timestamp) async throws -> WitnessState? {
        let origin = state.checkpoint.origin
        guard state.checkpoint.size >= old, let size = Int64(exactly: state.checkpoint.size) else {
            throw StoreError.badAppend(origin: origin, "witness state cannot go from size \(old) to \(state.checkpoint.size)")
        }
        return try await database.pool.write { db in
            let current = try WitnessStateStore.latest(db, origin: origin)
            guard (current?.checkpoint.size ?? 0) == old else { return current }
            try db.execute(sql: """
                INSERT INTO witness_state (origin, size, root, note, cosigned_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note,
                    cosigned_at = excluded.cosigned_at
                """, arguments: [origin, size, Data(state.checkpoint.root.bytes), state.note, time.milliseconds])
            return nil
        }
    }

    /// Every log's latest cosigned checkpoint, by origin.
    public func all() async throws -> [WitnessState] {
        try await database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT origin FROM witness_state ORDER BY origin").compactMap { try WitnessStateStore.latest(db, origin: $0) }
        }
    }
}
