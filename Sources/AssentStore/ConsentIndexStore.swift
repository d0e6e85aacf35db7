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
    static func prepare(_ records: [MapRecord], leaves: [LogLeaf], index: (WorkID, UInt64) -> ConsentIndex.PreferenceFacts?,
                        db: Database, log: Int64, origin: String) throws -> [Prepared] {
        var batch = [UInt64: ConsentIndex.PreferenceFacts]()
        for leaf in leaves {
            if case let .preference(p)? = leaf.statement?.statement { batch[leaf.index] = ConsentIndex.PreferenceFacts(p) }
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

    /// The index of log `log`'s records: every version's resolution inputs (the `inputs` column,
    /// `RecordInputs`) in the order it was made (rowid order, which is leaf order:
    /// docs/protocol.md "State map in the write path"), each replacing its subject's previous
    /// one. No record or leaf is parsed (docs/state-map.md "Resolution inputs").
    static func build(db: Database, log: Int64, origin: String, size: UInt64) throws -> ConsentIndex {
        var index = ConsentIndex()
        let rows = try Row.fetchCursor(db, sql: "SELECT work, party, inputs, idx FROM map_records WHERE log = ? ORDER BY rowid", arguments: [log])
        var works = [String: WorkID]()
        while let row = try rows.next() {
            let (subject, inputs) = try stored(row, origin: origin, works: &works)
            index.apply(subject, inputs)
        }
        // The index speaks from the time of the log's latest leaf (times never go back, §4).
        var latest: Timestamp?
        if size > 0, let data = try Data.fetchOne(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?", arguments: [log, Int64(clamping: size - 1)]) {
            do { latest = try LogLeaf(storedBytes: [UInt8](data)).time } catch { throw StoreError.badRow(origin: origin, "leaf \(size - 1): \(error)") }
        }
        index.advance(size: size, time: latest)
        return index
    }

    /// The subject and inputs of a `map_records` row from its `work`, `party` and `inputs`
    /// columns (and `idx`, to say which row fails). `works` keeps the work ids parsed so far: a
    /// work has several versions and declarants.
    static func stored(_ row: Row, origin: String, works: inout [String: WorkID]) throws -> (MapSubject, RecordInputs) {
        let text: String? = row["work"]
        var work: WorkID?
        if let text {
            work = works[text]
            if work == nil {
                do { work = try WorkID(parsing: text) } catch {
                    throw StoreError.badRow(origin: origin, "map record made by leaf \(row["idx"] as Int64? ?? -1): work \(text): \(error)")
                }
                if works.count >= 4096 { works.removeAll(keepingCapacity: true) }
                works[text] = work
            }
        }
        let party = (row["party"] as Data?).map { [UInt8]($0) }
        let inputs: RecordInputs
        do { inputs = try RecordInputs(bytes: row["inputs"] as Data? ?? Data()) } catch {
            throw StoreError.badRow(origin: origin, "resolution inputs of the map record made by leaf \(row["idx"] as Int64? ?? -1): \(error)")
        }
        guard let subject = MapSubject(storedWork: work, party: party), inputs.fits(subject) else {
            throw StoreError.badRow(origin: origin, "map record made by leaf \(row["idx"] as Int64? ?? -1): its work and party columns and its resolution inputs name different kinds of record")
        }
        return (subject, inputs)
    }
}
