import AssentCore
import Foundation
import GRDB

/// One log as one read transaction sees it (a WAL snapshot): every read through it is
/// consistent with every other, and it holds the `size` leaves it names (the smaller of the
/// store's memory and the transaction's `logs` row: memory is updated only after a commit, but
/// the transaction's snapshot may predate a commit that memory has already taken in).
///
/// The HTTP read path takes one with `LogStore.read`, which runs on GRDB's reader queues and
/// never on Swift's cooperative pool.
public struct LogSnapshot {
    let store: LogStore
    let db: Database
    /// The log's size when the snapshot was taken: the leaves this transaction holds, and no
    /// more than the store's memory has taken in.
    public let size: UInt64

    /// GRDB opens a read's WAL snapshot before the body runs (it reads the schema version
    /// first), so an append that commits between that and this init is already in the store's
    /// memory but not in the transaction: the size is the smaller of memory's and the `logs`
    /// row's as this transaction sees it (the writer updates that row in the batch's own
    /// transaction). Memory alone named leaves the snapshot could not read, and a healthy log
    /// read at such a moment was reported corrupt (`epoch(speakingFor:)`).
    init(store: LogStore, db: Database) throws {
        self.store = store
        self.db = db
        let inMemory = store.size
        guard let stored = try Int64.fetchOne(db, sql: "SELECT size FROM logs WHERE id = ?", arguments: [store.id]),
              let seen = UInt64(exactly: stored) else {
            throw StoreError.corrupt(origin: store.origin, "its row in the logs table is missing or gives a negative size")
        }
        size = min(inMemory, seen)
    }

    public var origin: String { store.origin }

    /// An epoch leaf: where it is, when, and the state-map root it commits to.
    public struct Epoch: Hashable, Sendable {
        public let index: UInt64
        public let time: Timestamp
        public let mapRoot: Hash
    }

    /// The epoch that speaks for time `t` (PROTOCOL §5): the first epoch leaf in this snapshot
    /// whose time is at least `t` and after which no leaf has a time ≤ `t`, so that its map holds
    /// every record in force at `t`; nil when the log has none yet (its coverage ends before `t`:
    /// `latestEpoch` says up to when it speaks).
    ///
    /// Leaf times only never decrease (§4): several batches can share a millisecond (the sequencer
    /// writes `max(now, last time)`), and then the first epoch of time `t` precedes leaves of time
    /// `t` that the answer counts. The last epoch of time exactly `t` is the one, unless a leaf of
    /// time `t` follows it too (leaves made elsewhere may carry their own times); then the first
    /// epoch after `t`.
    public func epoch(speakingFor t: Timestamp) throws -> Epoch? {
        let after = { try epoch(sql: "SELECT idx, time, map FROM epochs WHERE log = ? AND time > ? AND idx < ? ORDER BY time, idx LIMIT 1",
                                arguments: [store.id, t.milliseconds, Int64(size)]) }
        guard let atT = try epoch(sql: "SELECT idx, time, map FROM epochs WHERE log = ? AND time = ? AND idx < ? ORDER BY idx DESC LIMIT 1",
                                  arguments: [store.id, t.milliseconds, Int64(size)]) else { return try after() }
        guard atT.index + 1 < size else { return atT }
        guard let bytes = try leafBytes(at: atT.index + 1) else {
            throw StoreError.corrupt(origin: origin, "leaf \(atT.index + 1), after epoch leaf \(atT.index), is not stored")
        }
        let next: LogLeaf
        do { next = try LogLeaf(storedBytes: bytes) } catch { throw StoreError.badRow(origin: origin, "leaf \(atT.index + 1): \(error)") }
        return next.time > t ? atT : try after()
    }

    /// The latest epoch leaf in this snapshot: how far the log's state map speaks.
    public func latestEpoch() throws -> Epoch? {
        try epoch(sql: "SELECT idx, time, map FROM epochs WHERE log = ? AND idx < ? ORDER BY time DESC, idx DESC LIMIT 1",
                  arguments: [store.id, Int64(size)])
    }

    private func epoch(sql: String, arguments: StatementArguments) throws -> Epoch? {
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
        return try LogSnapshot.epoch(row, origin: origin)
    }

    /// An `epochs` row (idx, time, map) read back.
    static func epoch(_ row: Row, origin: String) throws -> Epoch {
        let map: Data = row["map"]
        guard let index = UInt64(exactly: row["idx"] as Int64), let root = Hash(bytes: [UInt8](map)) else {
            throw StoreError.badRow(origin: origin, "epochs row at leaf \(row["idx"] as Int64) is malformed")
        }
        return Epoch(index: index, time: Timestamp(milliseconds: row["time"]), mapRoot: root)
    }

    public func leafBytes(at index: UInt64) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?", arguments: [store.id, Int64(index)]).map { [UInt8]($0) }
    }

    public func leafBytes(from start: UInt64, to end: UInt64) throws -> [[UInt8]] {
        try Data.fetchAll(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx >= ? AND idx < ? ORDER BY idx",
                          arguments: [store.id, Int64(start), Int64(end)]).map { [UInt8]($0) }
    }

    /// The leaf indexes of those of `asked` that are logged, in one query per 500 hashes that
    /// the log may hold.
    public func indexes(ofStatements asked: [Hash]) throws -> [Hash: UInt64] {
        // Only hashes the log may hold are read (`HashFilter`): nearly all asked are new.
        let hashes = store.statementFilter.withLock { filter in asked.filter { filter.mightContain($0) } }
        var found = [Hash: UInt64]()
        for start in stride(from: 0, to: hashes.count, by: 500) {
            let chunk = hashes[start..<min(start + 500, hashes.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            var arguments: StatementArguments = [store.id]
            for hash in chunk { arguments += [Data(hash.bytes)] }
            for row in try Row.fetchAll(db, sql: "SELECT hash, idx FROM statements WHERE log = ? AND hash IN (\(marks))", arguments: arguments) {
                let hash: Data = row["hash"]
                let index: Int64 = row["idx"]
                guard let key = Hash(bytes: [UInt8](hash)), index >= 0 else {
                    throw StoreError.badRow(origin: store.origin, "statements row with a \(hash.count)-byte hash at index \(index)")
                }
                found[key] = UInt64(index)
            }
        }
        return found
    }

    /// The disclosures still held for the statement `hash`, ordered by field.
    public func disclosures(of hash: Hash) throws -> [Disclosure] {
        try Row.fetchAll(db, sql: "SELECT field, salt, text FROM disclosures WHERE log = ? AND hash = ? ORDER BY field",
                         arguments: [store.id, Data(hash.bytes)]).map { row in
            Disclosure(field: row["field"], salt: [UInt8](row["salt"] as Data), text: row["text"])
        }
    }

    /// The first erasure logged of the statement `hash`: the erasure statement's hash and its leaf time.
    public func erasure(of hash: Hash) throws -> (erasure: Hash, at: Timestamp)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT erasure, at FROM erasures WHERE log = ? AND hash = ?",
                                         arguments: [store.id, Data(hash.bytes)]) else { return nil }
        let bytes: Data = row["erasure"]
        guard let erasure = Hash(bytes: [UInt8](bytes)) else {
            throw StoreError.badRow(origin: store.origin, "erasures row with a \(bytes.count)-byte erasure hash")
        }
        return (erasure, Timestamp(milliseconds: row["at"]))
    }

    /// A tile's bytes as served: a full tile, or a partial one of `tile.width` hashes that the
    /// snapshot's size implies. Nil when the log has not reached it.
    public func tile(_ tile: Tile) throws -> [UInt8]? {
        guard LogStore.hasReached(tile, size: size) else { return nil }
        return Array(try tileHashes(level: tile.level, index: tile.index).prefix(tile.width * 32))
    }

    /// The entry bundle for level-0 tile `tile`: each leaf with a big-endian uint16 length
    /// (tlog-tiles). Nil when the log has not reached it.
    public func entryBundle(_ tile: Tile) throws -> [UInt8]? {
        guard tile.level == 0, LogStore.hasReached(tile, size: size) else { return nil }
        let start = tile.index * 256
        return EntryBundle.encode(try leafBytes(from: start, to: start + UInt64(tile.width)))
    }

    /// Reads tiles through this snapshot (and the store's cache of full tiles).
    public func hashReader() -> TileHashReader {
        TileHashReader { level, index in try tileHashes(level: level, index: index) }
    }

    public func treeHash(size: UInt64) throws -> Hash {
        try MerkleTree.treeHash(size: size, reader: hashReader())
    }

    public func inclusionProof(index: UInt64, size: UInt64) throws -> InclusionProof {
        guard size <= self.size else { throw StoreError.notFound("tree size \(size)") }
        return try InclusionProof.generate(index: index, size: size, reader: hashReader())
    }

    public func consistencyProof(oldSize: UInt64, newSize: UInt64) throws -> ConsistencyProof {
        guard newSize <= size else { throw StoreError.notFound("tree size \(newSize)") }
        return try ConsistencyProof.generate(oldSize: oldSize, newSize: newSize, reader: hashReader())
    }

    /// The RFC 6962 hash of leaf `index`, read from its level-0 tile.
    public func leafHash(at index: UInt64) throws -> Hash {
        guard index < size else { throw StoreError.notFound("leaf \(index)") }
        let tile = try tileHashes(level: 0, index: index / 256)
        let offset = Int(index % 256) * 32
        guard tile.count >= offset + 32, let hash = Hash(bytes: Array(tile[offset..<(offset + 32)])) else {
            throw StoreError.tileMismatch(origin: store.origin, index: index)
        }
        return hash
    }

    func tileHashes(level: Int, index: UInt64) throws -> [UInt8] {
        try store.cachedTileHashes(level: level, index: index) { try store.tileHashes(level: level, index: index, db: db) }
    }
}
