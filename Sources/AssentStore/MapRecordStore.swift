import AssentCore
import Foundation
import GRDB

/// Every version of every state-map record of one log in SQLite (docs/state-map.md §3–4): the
/// current records a batch starts from (`MapUpdate.Source`), and the versions a "state at T"
/// proof needs (`record(_:version:)`).
///
/// Table `map_records` (a rowid table: rows are appended in leaf order, so the record bytes are
/// written sequentially): `subject` is the subject's key at version 0 (SHA-256 of its family's
/// prefix and identity with version 0, which no map key uses), `record` the canonical bytes.
/// A subject is found by its work and party columns (`map_records_work` for work and declaration
/// records, `map_records_party_versions` for party records), not by a hash: an index keyed by a
/// hash dirties a random page for every insert.
/// Works inside a transaction it is given, never one of its own: the map changes in the
/// transaction of the batch that changes it.
public struct MapRecordStore: MapUpdate.Source {
    let db: Database
    let log: Int64
    let origin: String
    /// Whether the map holds a key: a subject whose version 1 is not in the map has no record,
    /// and is not looked up (a batch of new works reads nothing back).
    let hasKey: (Hash) -> Bool

    public init(db: Database, log: Int64, origin: String, hasKey: @escaping (Hash) -> Bool = { _ in true }) {
        self.db = db
        self.log = log
        self.origin = origin
        self.hasKey = hasKey
    }

    /// A leaf index as SQLite stores it (a signed 64-bit integer), or the store's refusal naming
    /// `what` is at that index: the one check for every index the writer binds.
    static func sqliteIndex(_ index: UInt64, origin: String, _ what: String) throws -> Int64 {
        guard let value = Int64(exactly: index) else { throw StoreError.badAppend(origin: origin, "\(what) at index \(index), beyond what SQLite holds") }
        return value
    }

    /// The `subject` column: the subject's key at version 0, which no map key uses.
    static func subjectKey(_ subject: MapSubject) -> Hash { subject.key(version: 0) }

    static func subjectID(_ subject: MapSubject) -> Data { Data(subjectKey(subject).bytes) }

    /// The rows of one subject, by the columns that identify it, newest version first.
    private func select(_ subject: MapSubject, version: UInt32?) throws -> Data? {
        let versionClause = version == nil ? "ORDER BY version DESC LIMIT 1" : "AND version = ?"
        let (sql, arguments): (String, StatementArguments)
        switch subject {
        case let .work(work):
            sql = "SELECT record FROM map_records INDEXED BY map_records_work WHERE log = ? AND work = ? AND party IS NULL \(versionClause)"
            arguments = [log, work.description]
        case let .declaration(work, declarant):
            sql = "SELECT record FROM map_records INDEXED BY map_records_work WHERE log = ? AND work = ? AND party = ? \(versionClause)"
            arguments = [log, work.description, Data(declarant.bytes)]
        case let .party(party):
            sql = "SELECT record FROM map_records INDEXED BY map_records_party_versions WHERE log = ? AND party = ? AND work IS NULL \(versionClause)"
            arguments = [log, Data(party.bytes)]
        }
        var all = arguments
        if let version { all += [Int64(version)] }
        return try Data.fetchOne(db.cachedStatement(sql: sql), arguments: all)
    }

    public func latestRecord(_ subject: MapSubject) throws -> MapRecord? {
        guard hasKey(subject.key(version: 1)) else { return nil }
        return try read(select(subject, version: nil), subject)
    }

    /// The subject's record of `version`, nil when it has no such version.
    public func record(_ subject: MapSubject, version: UInt32) throws -> MapRecord? {
        try read(select(subject, version: version), subject)
    }

    private func read(_ data: Data?, _ subject: MapSubject) throws -> MapRecord? {
        guard let data else { return nil }
        let record: MapRecord
        do { record = try MapRecord(bytes: [UInt8](data)) } catch { throw StoreError.badRow(origin: origin, "map record of \(subject): \(error)") }
        guard record.subject == subject else { throw StoreError.badRow(origin: origin, "map record of \(subject) is about \(record.subject)") }
        return record
    }

    /// The order of the statement in a referenced leaf, from `statement_orders` (written with
    /// the leaf, `recordOrder`): one primary-key lookup, no leaf parsed.
    public func statementOrder(_ ref: MapLeafReference) throws -> MapUpdate.StatementOrder {
        let select = try db.cachedStatement(sql: "SELECT issued, hash FROM statement_orders WHERE log = ? AND idx = ?")
        guard let index = Int64(exactly: ref.index), let row = try Row.fetchOne(select, arguments: [log, index]) else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index), which holds no statement the store knows")
        }
        guard let hash = Hash(bytes: [UInt8](row["hash"] as Data)) else {
            throw StoreError.badRow(origin: origin, "statement order of leaf \(ref.index): a hash that is not 32 bytes")
        }
        return MapUpdate.StatementOrder(issued: Timestamp(milliseconds: row["issued"]), hash: hash)
    }

    /// Records the order of a statement leaf that map records can reference (every statement but
    /// an erasure), in the transaction that stores the leaf.
    static func recordOrder(_ leaf: LogLeaf, log: Int64, db: Database) throws {
        guard let signed = leaf.statement else { return }
        if case .erasure = signed.statement { return }
        let index = try sqliteIndex(leaf.index, origin: "log \(log)", "a statement order")
        try RowInsert(db, sql: "INSERT INTO statement_orders (log, idx, issued, hash) VALUES (?, ?, ?, ?)").run { row in
            try row.int(log)
            try row.int(index)
            try row.int(signed.statement.issued.milliseconds)
            try row.blob(signed.hash)
        }
    }

    /// Stores new versions (as `MapUpdate` made them) with their resolution inputs (`inputs`, in
    /// the same order, from `ConsentIndexStore.prepare`), and the columns other queries read
    /// (docs/state-map.md "Stored form"): the map key and value, the leaf index and time
    /// (milliseconds) of the version, the work id and the party key the record is about.
    /// Returns the map entries of the records (each record encoded and hashed once, for both).
    @discardableResult
    public func store(_ records: [MapRecord], inputs: [RecordInputs]) throws -> [PrefixTreeEntry] {
        guard records.count == inputs.count else {
            throw StoreError.badAppend(origin: origin, "\(records.count) map records but \(inputs.count) resolution inputs to store")
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO map_records (log, subject, version, record, key, value, idx, time, work, party, inputs)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        return try zip(records, inputs).map { try MapRecordStore.insert($0, inputs: $1, log: log, origin: origin, statement: insert) }
    }

    /// One row of `map_records`, every column computed from the record itself and its inputs
    /// (nil: a table from before the `inputs` column, migration `v6-map-records-index`, whose
    /// statement takes ten arguments); returns its entry.
    @discardableResult
    static func insert(_ r: MapRecord, inputs: RecordInputs?, log: Int64, origin: String, statement insert: GRDB.Statement) throws -> PrefixTreeEntry {
        let bytes = r.canonicalBytes
        let entry = PrefixTreeEntry(key: r.key, value: SHA256.hash(bytes))
        let index = try sqliteIndex(r.stamp.index, origin: origin, "a map record")
        let subject = subjectKey(r.subject)
        try RowInsert(insert).run { row in
            try row.int(log)
            try row.blob(subject)
            try row.int(Int64(r.stamp.version))
            try row.blob(bytes)
            try row.blob(entry.key)
            try row.blob(entry.value)
            try row.int(index)
            try row.int(r.stamp.time.milliseconds)
            switch r {
            case let .work(w):
                try row.text(w.work.description)
                try row.null()
            case let .declaration(d):
                try row.text(d.work.description)
                try row.blob(d.declarant.bytes)
            case let .party(p):
                try row.null()
                try row.blob(p.party.bytes)
            }
            if let inputs { try row.blob(inputs.bytes) }
        }
        return entry
    }
}
