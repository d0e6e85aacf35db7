import AssentCore
import Foundation
import GRDB

/// The state map of one log (PROTOCOL §5, docs/state-map.md): its records in SQLite
/// (`MapRecordStore`, the durable truth, changed inside the transaction of the batch that
/// changes them) and its tree in memory (`CompactPrefixTree`, derived from the records: built
/// at open, changed with each batch, rolled back with a batch that fails).
public enum StateMapStore {
    /// Applies a batch's statement leaves (in index order, before its epoch leaf) to the records
    /// of log `log` through `db`, inside the caller's write transaction, and returns the new map
    /// entries (one per new version) for the tree.
    /// `hasKey` says whether the map (as of before these leaves) holds a key; a subject whose
    /// version 1 it lacks is known to have no record, without a read.
    public static func apply(_ leaves: [LogLeaf], db: Database, log: Int64, origin: String,
                             hasKey: (Hash) -> Bool = { _ in true }) throws -> [PrefixTreeEntry] {
        try applyReturningInputs(leaves[...], db: db, log: log, origin: origin, hasKey: hasKey).entries
    }

    /// As `apply`, and also returns the new record versions' subjects and resolution inputs in
    /// the order they were made (stored beside the records, and for the consent index,
    /// `ConsentIndex.apply`). `index` gives the facts of a preference an entry carried over from
    /// a record's previous version references, when the consent index holds it (otherwise its
    /// leaf is read: `ConsentIndexStore.prepare`).
    static func applyReturningInputs(_ leaves: ArraySlice<LogLeaf>, db: Database, log: Int64, origin: String,
                                     hasKey: (Hash) -> Bool = { _ in true },
                                     index: (WorkID, UInt64) -> ConsentIndex.PreferenceFacts? = { _, _ in nil })
        throws -> (entries: [PrefixTreeEntry], prepared: [ConsentIndexStore.Prepared]) {
        try withoutActuallyEscaping(hasKey) { hasKey in
            let records = MapRecordStore(db: db, log: log, origin: origin, hasKey: hasKey)
            var update = MapUpdate(source: records)
            for leaf in leaves { try update.apply(leaf) }
            let prepared = try ConsentIndexStore.prepare(update.records, leaves: leaves, index: index, db: db, log: log, origin: origin)
            return (try records.store(update.records, inputs: prepared.map(\.inputs)), prepared)
        }
    }

    /// The tree of log `log`'s records: every version's key and value, read in one pass and
    /// built bottom-up.
    public static func tree(db: Database, log: Int64, origin: String) throws -> CompactPrefixTree {
        try treeAndKeys(db: db, log: log, origin: origin).tree
    }

    /// As `tree`, with a filter of its keys (`LogStore.mapKeys`), from the same read.
    static func treeAndKeys(db: Database, log: Int64, origin: String) throws -> (tree: CompactPrefixTree, keys: HashFilter) {
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM map_records WHERE log = ?", arguments: [log]) ?? 0
        var entries = [PrefixTreeEntry]()
        entries.reserveCapacity(count)
        var keys = HashFilter(expected: 2 * count)
        let rows = try Row.fetchCursor(db, sql: "SELECT key, value, subject, version FROM map_records WHERE log = ?", arguments: [log])
        while let row = try rows.next() {
            guard let key = Hash(bytes: [UInt8](row["key"] as Data)), let value = Hash(bytes: [UInt8](row["value"] as Data)) else {
                throw StoreError.badRow(origin: origin, "map record version \(row["version"] as Int64) has a key or value that is not 32 bytes")
            }
            entries.append(PrefixTreeEntry(key: key, value: value))
            keys.insert(key)
        }
        do { return (try CompactPrefixTree(entries: consume entries), keys) } catch {
            throw StoreError.corrupt(origin: origin, "the map records do not make a tree: \(error)")
        }
    }

    /// The map root of log `log`'s records (32 zero bytes for an empty map): builds the tree.
    public static func root(db: Database, log: Int64, origin: String) throws -> Hash {
        try tree(db: db, log: log, origin: origin).root
    }

    /// Rebuilds the records of every log that has leaves but no map records (a log written
    /// before the node kept its map), by replaying its statement leaves batch by batch (each
    /// epoch leaf closes one), inside the caller's transaction. The old epoch leaves keep the
    /// root they were written with (32 zero bytes), which `assent audit` then reports: the map
    /// they committed to was not the map of their leaves.
    static func rebuildMissingMaps(db: Database) throws {
        let logs = try Row.fetchAll(db, sql: """
            SELECT id, origin FROM logs WHERE size > 0 AND NOT EXISTS (SELECT 1 FROM map_records WHERE map_records.log = logs.id)
            """)
        for row in logs {
            let log: Int64 = row["id"]
            let origin: String = row["origin"]
            var pending = [LogLeaf]()
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, data FROM leaves WHERE log = ? ORDER BY idx", arguments: [log])
            while let leafRow = try rows.next() {
                let leaf: LogLeaf
                do { leaf = try LogLeaf(bytes: [UInt8](leafRow["data"] as Data)) } catch {
                    throw StoreError.badRow(origin: origin, "leaf \(leafRow["idx"] as Int64): \(error)")
                }
                if leaf.isEpoch {
                    _ = try apply(pending, db: db, log: log, origin: origin)
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(leaf)
                }
            }
            if !pending.isEmpty { _ = try apply(pending, db: db, log: log, origin: origin) }
        }
    }

    /// The migration that gives `map_records` the columns other queries read (docs/state-map.md
    /// "Stored form"; the contract of issue 7): the version's map key and value, leaf index and
    /// time, work id and party key, with indexes by work and by party.
    public static let indexMigrationName = "v6-map-records-index"

    /// Registers `indexMigrationName` and `memoryMigrationName`; AssentDatabase registers them
    /// after "v5-epochs". The table is recreated (SQLite cannot add NOT NULL columns without a
    /// default): every existing row's columns come from its record bytes.
    public static func registerIndexMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(indexMigrationName) { db in
            try db.execute(sql: """
                ALTER TABLE map_records RENAME TO map_records_v4;
                CREATE TABLE map_records (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    subject BLOB NOT NULL,
                    version INTEGER NOT NULL,
                    record BLOB NOT NULL,
                    key BLOB NOT NULL,
                    value BLOB NOT NULL,
                    idx INTEGER NOT NULL,
                    time INTEGER NOT NULL,
                    work TEXT,
                    party BLOB,
                    PRIMARY KEY (log, subject, version)
                ) WITHOUT ROWID;
                CREATE INDEX map_records_work ON map_records(log, work) WHERE work IS NOT NULL;
                CREATE INDEX map_records_party ON map_records(log, party) WHERE party IS NOT NULL;
                """)
            let insert = try db.makeStatement(sql: """
                INSERT INTO map_records (log, subject, version, record, key, value, idx, time, work, party)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let old = try Row.fetchCursor(db, sql: "SELECT log, subject, version, record FROM map_records_v4")
            while let row = try old.next() {
                let log: Int64 = row["log"]
                let record: MapRecord
                do { record = try MapRecord(bytes: [UInt8](row["record"] as Data)) } catch {
                    throw StoreError.badRow(origin: "log \(log)", "map record version \(row["version"] as Int64): \(error)")
                }
                guard MapRecordStore.subjectID(record.subject) == row["subject"] as Data, Int64(record.stamp.version) == row["version"] as Int64 else {
                    throw StoreError.badRow(origin: "log \(log)", "map record version \(row["version"] as Int64) is stored under another subject or version")
                }
                try MapRecordStore.insert(record, inputs: nil, log: log, origin: "log \(log)", statement: insert)
            }
            try db.execute(sql: "DROP TABLE map_records_v4")
        }
        migrator.registerMigration(memoryMigrationName) { db in
            try db.execute(sql: """
                -- The tree lives in memory now (CompactPrefixTree, rebuilt from map_records at open).
                DROP TABLE IF EXISTS map_nodes;
                -- The order (PROTOCOL §6: issued, then statement hash) of each statement leaf a map
                -- record can reference, so a batch compares statements without parsing leaves.
                CREATE TABLE statement_orders (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    idx INTEGER NOT NULL,
                    issued INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    PRIMARY KEY (log, idx)
                ) WITHOUT ROWID;
                """)
            // map_records as a rowid table, rows in leaf order: record bytes are appended, and the
            // subject is found through the work and party columns, so that no insert lands at a
            // random place of an index keyed by a hash (a random page dirtied for every record,
            // written to the WAL and again at its checkpoint). The contract's indexes keep their
            // names; map_records_work also holds party and version, so it answers a subject.
            try db.execute(sql: """
                ALTER TABLE map_records RENAME TO map_records_v6;
                DROP INDEX map_records_work;
                DROP INDEX map_records_party;
                CREATE TABLE map_records (
                    log INTEGER NOT NULL REFERENCES logs(id),
                    subject BLOB NOT NULL,
                    version INTEGER NOT NULL,
                    record BLOB NOT NULL,
                    key BLOB NOT NULL,
                    value BLOB NOT NULL,
                    idx INTEGER NOT NULL,
                    time INTEGER NOT NULL,
                    work TEXT,
                    party BLOB
                );
                INSERT INTO map_records (log, subject, version, record, key, value, idx, time, work, party)
                    SELECT log, subject, version, record, key, value, idx, time, work, party FROM map_records_v6 ORDER BY log, idx, subject;
                DROP TABLE map_records_v6;
                CREATE INDEX map_records_work ON map_records(log, work, party, version) WHERE work IS NOT NULL;
                CREATE INDEX map_records_party ON map_records(log, party) WHERE party IS NOT NULL;
                CREATE INDEX map_records_party_versions ON map_records(log, party, version) WHERE work IS NULL;
                """)
            try AssentDatabase.forEachStoredLeaf(db) { leaf, log in try MapRecordStore.recordOrder(leaf, log: log, db: db) }
            // The records of logs written before the map are rebuilt by `inputsMigrationName`, once
            // the table has every column its rows are written with.
        }
    }

    /// The migration that gives every `map_records` row its resolution inputs (column `inputs`,
    /// `RecordInputs`; docs/state-map.md "Resolution inputs"), so that a decision at any T and
    /// the consent index at open read no record JSON and no leaf; then rebuilds the records of
    /// logs written before the map (until this migration, `memoryMigrationName` did).
    public static let inputsMigrationName = "v9-map-record-inputs"

    /// Registers `inputsMigrationName`; AssentDatabase registers it after the others.
    public static func registerInputsMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(inputsMigrationName) { db in
            try db.execute(sql: "ALTER TABLE map_records ADD COLUMN inputs BLOB NOT NULL DEFAULT x''")
            try fillInputs(db: db)
            // The indexes by work and by party cover what a decision at T reads (each version's
            // time, leaf and inputs): the records in force at T are found and read without
            // visiting the table, whose rows hold the record bytes (a random page each).
            try db.execute(sql: """
                DROP INDEX map_records_work;
                CREATE INDEX map_records_work ON map_records(log, work, party, version, time, idx, inputs) WHERE work IS NOT NULL;
                DROP INDEX map_records_party_versions;
                CREATE INDEX map_records_party_versions ON map_records(log, party, version, time, idx, inputs) WHERE work IS NULL;
                """)
            try rebuildMissingMaps(db: db)
        }
    }

    /// Computes the inputs of every stored version, in rowid (leaf) order, from its record
    /// bytes: a declaration entry carried over from the subject's previous version takes that
    /// version's inputs (filled just before), a new one reads and checks its leaf
    /// (`ConsentIndexStore.read`). Memory stays bounded: rows are read 10,000 at a time.
    static func fillInputs(db: Database) throws {
        let update = try db.makeStatement(sql: "UPDATE map_records SET inputs = ? WHERE rowid = ?")
        let previous = try db.makeStatement(sql: """
            SELECT inputs FROM map_records INDEXED BY map_records_work WHERE log = ? AND work = ? AND party = ? AND version = ?
            """)
        var after: Int64 = 0
        while true {
            let rows = try Row.fetchAll(db, sql: "SELECT rowid, log, version, record FROM map_records WHERE rowid > ? ORDER BY rowid LIMIT 10000",
                                        arguments: [after])
            guard let last = rows.last else { return }
            after = last["rowid"]
            for row in rows {
                let log: Int64 = row["log"]
                let origin = "log \(log)"
                let record: MapRecord
                do { record = try MapRecord(bytes: [UInt8](row["record"] as Data)) } catch {
                    throw StoreError.badRow(origin: origin, "map record version \(row["version"] as Int64): \(error)")
                }
                var carried = [UInt64: ConsentIndex.PreferenceFacts]()
                if case let .declaration(d) = record, d.stamp.version > 1,
                   let data = try Data.fetchOne(previous, arguments: [log, d.work.description, Data(d.declarant.bytes), Int64(d.stamp.version - 1)]) {
                    do {
                        if case let .declaration(entries) = try RecordInputs(bytes: data) {
                            for e in entries { carried[e.index] = e.facts }
                        }
                    } catch {
                        throw StoreError.badRow(origin: origin, "resolution inputs of version \(d.stamp.version - 1) of \(record.subject): \(error)")
                    }
                }
                let prepared = try ConsentIndexStore.prepare([record], leaves: [], index: { _, leaf in carried[leaf] },
                                                             db: db, log: log, origin: origin)
                for p in prepared { try update.execute(arguments: [Data(p.inputs.bytes), row["rowid"] as Int64]) }
            }
        }
    }

    /// The migration that drops `map_nodes` (the tree is kept in memory), makes `map_records` a
    /// rowid table found by work and party, adds `statement_orders`, and rebuilds the records of
    /// logs written before the map.
    public static let memoryMigrationName = "v7-map-in-memory"

    /// The name of the migration that creates the map's tables.
    public static let migrationName = "v4-state-map"

    /// Registers the migration that creates `map_nodes` (dropped by `memoryMigrationName`) and
    /// `map_records`; AssentDatabase registers it after its own.
    public static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            try db.execute(sql: """
                -- The prefix tree's nodes (until v7): path = uint16 BE depth ‖ prefix bytes,
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
