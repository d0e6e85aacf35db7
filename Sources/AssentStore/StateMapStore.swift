import AssentCore
import Foundation
import GRDB

/// The state map of one log in SQLite (PROTOCOL §5, docs/state-map.md): its records
/// (`MapRecordStore`) and its tree (`MapNodeStore`), changed together inside the transaction
/// of the batch that changes them.
public enum StateMapStore {
    /// Applies a batch's statement leaves (in index order, before its epoch leaf) to the map of
    /// log `log` through `db`, inside the caller's write transaction: new record versions, new
    /// map leaves. Returns the map root the batch's epoch leaf must carry.
    public static func apply(_ leaves: [LogLeaf], db: Database, log: Int64, origin: String) throws -> Hash {
        let records = MapRecordStore(db: db, log: log, origin: origin)
        var update = MapUpdate(source: records)
        for leaf in leaves { try update.apply(leaf) }
        try records.store(update.records)
        var tree = PrefixTree(storage: MapNodeStore(db: db, log: log, origin: origin))
        return try tree.insert(update.entries)
    }

    /// The map root of log `log` as stored (32 zero bytes for an empty map).
    public static func root(db: Database, log: Int64, origin: String) throws -> Hash {
        try PrefixTree(storage: MapNodeStore(db: db, log: log, origin: origin)).root()
    }

    /// The name of the migration that creates the map's tables.
    public static let migrationName = "v4-state-map"

    /// Registers the migration that creates `map_nodes` and `map_records`; AssentDatabase
    /// registers it after its own. A log with leaves but no map is a log written before the
    /// map existed: its map is rebuilt by replaying its leaves (`apply`), not here.
    public static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            try db.execute(sql: """
                -- The prefix tree's nodes (MapNodeStore): path = uint16 BE depth ‖ prefix bytes,
                -- node = its 65-byte hash input.
                CREATE TABLE map_nodes (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    path BLOB NOT NULL,
                    node BLOB NOT NULL,
                    PRIMARY KEY (log, path)
                ) WITHOUT ROWID;
                -- Every version of every record (MapRecordStore): subject = its key at version 0.
                CREATE TABLE map_records (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    subject BLOB NOT NULL,
                    version INTEGER NOT NULL,
                    record BLOB NOT NULL,
                    PRIMARY KEY (log, subject, version)
                ) WITHOUT ROWID;
                """)
        }
    }
}
