import AssentCore
import Foundation
import GRDB

/// Every version of every state-map record of one log in SQLite (docs/state-map.md §3–4): the
/// current records a batch starts from (`MapUpdate.Source`), and the versions a "state at T"
/// proof needs (`record(_:version:)`).
///
/// Table `map_records`: `subject` is the subject's key at version 0 (SHA-256 of its family's
/// prefix and identity with version 0, which no map key uses), `record` the canonical bytes.
/// Works inside a transaction it is given, like `MapNodeStore`.
public struct MapRecordStore: MapUpdate.Source {
    let db: Database
    let log: Int64
    let origin: String

    public init(db: Database, log: Int64, origin: String) {
        self.db = db
        self.log = log
        self.origin = origin
    }

    static func subjectID(_ subject: MapSubject) -> Data { Data(subject.key(version: 0).bytes) }

    public func latestRecord(_ subject: MapSubject) throws -> MapRecord? {
        let select = try db.cachedStatement(sql: "SELECT record FROM map_records WHERE log = ? AND subject = ? ORDER BY version DESC LIMIT 1")
        return try read(Data.fetchOne(select, arguments: [log, Self.subjectID(subject)]), subject)
    }

    /// The subject's record of `version`, nil when it has no such version.
    public func record(_ subject: MapSubject, version: UInt32) throws -> MapRecord? {
        let select = try db.cachedStatement(sql: "SELECT record FROM map_records WHERE log = ? AND subject = ? AND version = ?")
        return try read(Data.fetchOne(select, arguments: [log, Self.subjectID(subject), Int64(version)]), subject)
    }

    private func read(_ data: Data?, _ subject: MapSubject) throws -> MapRecord? {
        guard let data else { return nil }
        let record: MapRecord
        do { record = try MapRecord(bytes: [UInt8](data)) } catch { throw StoreError.badRow(origin: origin, "map record of \(subject): \(error)") }
        guard record.subject == subject else { throw StoreError.badRow(origin: origin, "map record of \(subject) is about \(record.subject)") }
        return record
    }

    /// The order of the statement in a referenced leaf, read from the `leaves` table; the leaf
    /// must hash to the reference's hash.
    public func statementOrder(_ ref: MapLeafReference) throws -> MapUpdate.StatementOrder {
        guard ref.index <= UInt64(Int64.max),
              let data = try Data.fetchOne(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?", arguments: [log, Int64(ref.index)])
        else { throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index), which is not stored") }
        let leaf: LogLeaf
        do { leaf = try LogLeaf(bytes: [UInt8](data)) } catch { throw StoreError.badRow(origin: origin, "leaf \(ref.index): \(error)") }
        guard leaf.leafHash == ref.hash, let statement = leaf.statement else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index) with another hash, or a leaf that holds no statement")
        }
        return MapUpdate.StatementOrder(statement)
    }

    /// Stores new versions (as `MapUpdate` made them), with the columns other queries read
    /// (docs/state-map.md "Stored form"): the map key and value, the leaf index and time
    /// (milliseconds) of the version, the work id and the party key the record is about.
    public func store(_ records: [MapRecord]) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO map_records (log, subject, version, record, key, value, idx, time, work, party)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for r in records {
            try MapRecordStore.insert(r, log: log, origin: origin, statement: insert)
        }
    }

    /// One row of `map_records`, every column computed from the record itself.
    static func insert(_ r: MapRecord, log: Int64, origin: String, statement insert: GRDB.Statement) throws {
        let bytes = r.canonicalBytes
        guard let index = Int64(exactly: r.stamp.index) else {
            throw StoreError.badAppend(origin: origin, "a map record at leaf \(r.stamp.index), beyond what SQLite holds")
        }
        let work: String?
        let party: Data?
        switch r {
        case let .work(w): (work, party) = (w.work.description, nil)
        case let .declaration(d): (work, party) = (d.work.description, Data(d.declarant.bytes))
        case let .party(p): (work, party) = (nil, Data(p.party.bytes))
        }
        try insert.execute(arguments: [log, subjectID(r.subject), Int64(r.stamp.version), Data(bytes),
                                       Data(r.key.bytes), Data(SHA256.hash(bytes).bytes), index, r.stamp.time.milliseconds, work, party])
    }
}
