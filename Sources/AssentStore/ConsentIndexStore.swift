import AssentCore
import Foundation
import GRDB

/// Feeding a log's `ConsentIndex` from its state map (docs/protocol.md "The consent index"):
/// the record versions a batch makes, prepared inside the batch's transaction (where reading
/// may fail, and failing aborts the batch) and applied after its commit (where nothing may
/// fail); and the whole index rebuilt from `map_records` when the log is opened.
enum ConsentIndexStore {
    /// A record version's subject and resolution inputs (`RecordInputs`: for a declaration
    /// record, the facts of the preferences its entries reference), ready to store beside the
    /// record and to apply to the index without reading anything.
    struct Prepared {
        let subject: MapSubject
        let inputs: RecordInputs
    }

    /// Prepares `records` (made from `leaves`, in order). A declaration entry references a
    /// statement of this batch (taken from `leaves`), or one the index already holds for the
    /// same work (an entry carried over from the previous version), or else one read from the
    /// log through `db` and checked against the reference's leaf hash.
    static func prepare(_ records: [MapRecord], leaves: ArraySlice<LogLeaf>, index: (WorkID, UInt64) -> ConsentIndex.PreferenceFacts?,
                        db: Database, log: Int64, origin: String) throws -> [Prepared] {
        var batch = [UInt64: ConsentIndex.PreferenceFacts]()
        for leaf in leaves {
            if case let .statement(signed) = leaf.content, case let .preference(p) = signed.statement { batch[leaf.index] = ConsentIndex.PreferenceFacts(p) }
        }
        return try records.map { record in
            var facts = [ConsentIndex.PreferenceFacts]()
            if case let .declaration(r) = record {
                facts = try r.preferences.map { entry in
                    try batch[entry.ref.index] ?? index(r.work, entry.ref.index) ?? read(entry.ref, db: db, log: log, origin: origin)
                }
            }
            guard let inputs = RecordInputs(record, preferences: facts) else {
                throw StoreError.corrupt(origin: origin, "the resolution inputs of version \(record.stamp.version) of \(record.subject) cannot be made")
            }
            return Prepared(subject: record.subject, inputs: inputs)
        }
    }

    /// The facts of the preference in the leaf `ref` names, read from the log.
    static func read(_ ref: MapLeafReference, db: Database, log: Int64, origin: String) throws -> ConsentIndex.PreferenceFacts {
        let select = try db.cachedStatement(sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?")
        guard let index = Int64(exactly: ref.index), let data = try Data.fetchOne(select, arguments: [log, index]) else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index), which is not stored")
        }
        let leaf: LogLeaf
        do { leaf = try LogLeaf(storedBytes: [UInt8](data)) } catch { throw StoreError.badRow(origin: origin, "leaf \(ref.index): \(error)") }
        guard leaf.leafHash == ref.hash else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index) with hash \(ref.hash), but the leaf hashes to \(leaf.leafHash)")
        }
        guard case let .preference(p)? = leaf.statement?.statement else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index) as a preference, but it holds none")
        }
        return ConsentIndex.PreferenceFacts(p)
    }

    /// The index of log `log`'s records: the resolution inputs (the `inputs` column,
    /// `RecordInputs`) of the latest version of every subject, read from the indexes by work and
    /// by party, which cover them (no row of the table, no record or leaf is read:
    /// docs/state-map.md "Resolution inputs"). A version changes only its own subject's part of
    /// the index, so the order of subjects does not matter.
    static func build(db: Database, log: Int64, origin: String, size: UInt64) throws -> ConsentIndex {
        var index = ConsentIndex()
        let works = try Row.fetchCursor(db, sql: """
            SELECT work, party, inputs, idx, MAX(version) FROM map_records INDEXED BY map_records_work
            WHERE log = ? AND work IS NOT NULL GROUP BY work, party
            """, arguments: [log])
        let parties = try Row.fetchCursor(db, sql: """
            SELECT NULL, party, inputs, idx, MAX(version) FROM map_records INDEXED BY map_records_party_versions
            WHERE log = ? AND work IS NULL GROUP BY party
            """, arguments: [log])
        for rows in [works, parties] {
            while let row = try rows.next() {
                let inputs: RecordInputs
                do { inputs = try RecordInputs(bytes: row[2] as Data? ?? Data()) } catch {
                    throw StoreError.badRow(origin: origin, "resolution inputs of the map record made by leaf \(row[3] as Int64? ?? -1): \(error)")
                }
                guard index.apply(storedWork: row[0], party: (row[1] as Data?).map { [UInt8]($0) }, inputs) else {
                    throw StoreError.badRow(origin: origin, "map record made by leaf \(row[3] as Int64? ?? -1): its work and party columns and its resolution inputs name different kinds of record")
                }
            }
        }
        // The index speaks from the time of the log's latest leaf (times never go back, §4).
        var latest: Timestamp?
        if size > 0, let data = try Data.fetchOne(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?", arguments: [log, Int64(clamping: size - 1)]) {
            do { latest = try LogLeaf(storedBytes: [UInt8](data)).time } catch { throw StoreError.badRow(origin: origin, "leaf \(size - 1): \(error)") }
        }
        index.advance(size: size, time: latest)
        return index
    }
}
