import AssentCore
import Foundation
import GRDB

/// Feeding a log's `ConsentIndex` from its state map (docs/protocol.md "The consent index"):
/// the record versions a batch makes, prepared inside the batch's transaction (where reading
/// may fail, and failing aborts the batch) and applied after its commit (where nothing may
/// fail); and the whole index rebuilt from `map_records` when the log is opened.
enum ConsentIndexStore {
    /// A record version with the facts of the preferences its entries reference (declaration
    /// records; empty for others), ready to apply without reading anything.
    struct Prepared {
        let record: MapRecord
        let preferences: [ConsentIndex.PreferenceFacts]
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
            guard case let .declaration(r) = record else { return Prepared(record: record, preferences: []) }
            let facts = try r.preferences.map { entry in
                try batch[entry.ref.index] ?? index(r.work, entry.ref.index) ?? read(entry.ref, db: db, log: log, origin: origin)
            }
            return Prepared(record: record, preferences: facts)
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

    /// The index of log `log`'s records: every version in the order it was made (rowid order,
    /// which is leaf order: docs/protocol.md "State map in the write path"), each replacing its
    /// subject's previous one. A declaration version changes one entry, whose leaf is read;
    /// the entries it carries over are already in the index.
    static func build(db: Database, log: Int64, origin: String, size: UInt64) throws -> ConsentIndex {
        var index = ConsentIndex()
        let rows = try Row.fetchCursor(db, sql: "SELECT record FROM map_records WHERE log = ? ORDER BY rowid", arguments: [log])
        while let row = try rows.next() {
            let data: Data = row[0]
            let record: MapRecord
            do { record = try MapRecord(bytes: [UInt8](data)) } catch { throw StoreError.badRow(origin: origin, "map record: \(error)") }
            let prepared = try prepare([record], leaves: [], index: { index.preferenceFacts(work: $0, at: $1) }, db: db, log: log, origin: origin)
            for p in prepared { index.apply(p.record, preferences: p.preferences) }
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
