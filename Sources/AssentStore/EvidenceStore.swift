import AssentCore
import Foundation
import GRDB

/// Equivocation evidence the node found (issue 8 item 5): kept for good, served at
/// `GET /v1/evidence`. Only evidence that verifies against the log's key is recorded: a pair
/// of notes not both signed by the log is a bad peer reply, not the log's misbehaviour.
public final class EvidenceStore: Sendable {
    /// One recorded piece of evidence: when this node found it and the key it verified with.
    public struct Recorded: Sendable, Equatable {
        public let evidence: Evidence
        public let logKey: NoteVerifierKey
        public let foundAt: Timestamp
    }

    let database: AssentDatabase

    public init(database: AssentDatabase) {
        self.database = database
    }

    static let migrationName = "v9-evidence"

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            // `id` is `Evidence.id` (the kind and both checkpoint bodies), so one conflict is one row
            // whatever cosignatures its notes carried; `body` is the evidence file, canonical JSON.
            try db.execute(sql: """
                CREATE TABLE evidence (
                    id BLOB NOT NULL PRIMARY KEY,
                    origin TEXT NOT NULL,
                    vkey TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    body BLOB NOT NULL,
                    found_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    /// Verifies `evidence` against `logKey` and records it, once: recording the same conflict
    /// again changes nothing (the first finding's time stays). Returns true when it is new.
    /// Throws `EvidenceError` when it does not verify, and stores nothing.
    @discardableResult
    public func record(_ evidence: Evidence, logKey: NoteVerifierKey, foundAt: Timestamp) async throws -> Bool {
        try evidence.verify(logKey: logKey)
        return try await database.pool.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO evidence (id, origin, vkey, kind, body, found_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [Data(evidence.id.bytes), evidence.origin, logKey.description, evidence.kind.rawValue,
                                 Data(evidence.json.canonicalBytes), foundAt.milliseconds])
            return db.changesCount > 0
        }
    }

    /// Every recorded piece of evidence, oldest finding first.
    public func all() async throws -> [Recorded] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT origin, vkey, body, found_at FROM evidence ORDER BY found_at, id").map { row in
                let origin: String = row["origin"]
                do {
                    let evidence = try Evidence(bytes: [UInt8](row["body"] as Data))
                    let key = try NoteVerifierKey(parsing: row["vkey"])
                    return Recorded(evidence: evidence, logKey: key, foundAt: Timestamp(milliseconds: row["found_at"]))
                } catch {
                    throw StoreError.badRow(origin: origin, "evidence row: \(error)")
                }
            }
        }
    }

    /// How many pieces of evidence are recorded (blocking: for start-up and tests).
    public func count() throws -> Int {
        try database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM evidence") ?? 0 }
    }

    /// The same, on GRDB's reader queues: for the node's async paths (the witness's, the
    /// replicator's), where a blocking read on the cooperative pool can deadlock it.
    public func recordedCount() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM evidence") ?? 0 }
    }
}
