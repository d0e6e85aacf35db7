import AssentCore
import Foundation
import GRDB
import Synchronization

/// One log in the database: its leaves, its tiles, its checkpoints.
///
/// Appends are serialized and atomic: the leaves, the tiles they change, the statement
/// index and the signed checkpoint that covers them commit in one transaction, so a crash
/// leaves either all of a batch or none of it, and the latest signed checkpoint is always
/// durable before anyone can read it. Reads run concurrently against the WAL snapshot.
public final class LogStore: Sendable {
    public let origin: String
    public let verifierKey: NoteVerifierKey
    public let role: LogRole
    let id: Int64
    let database: AssentDatabase

    struct WriterState {
        var size: UInt64 = 0
        var chain: ChainVerifier
        /// The right edge of the tree: for each tile level, the hashes of its last, incomplete tile.
        var edge: [[UInt8]] = []
        var checkpoint: Checkpoint?
        var checkpointNote: String?
    }

    private let state: Mutex<WriterState>
    /// Held for the whole of an append, so appends are serialized even with several callers.
    private let writerLock = Mutex(())
    private let fullTiles = Mutex<[TileKey: [UInt8]]>([:])
    private static let fullTileCacheLimit = 2048

    struct TileKey: Hashable {
        let level: Int
        let index: UInt64
    }

    init(database: AssentDatabase, id: Int64, origin: String, verifierKey: NoteVerifierKey, role: LogRole) throws {
        self.database = database
        self.id = id
        self.origin = origin
        self.verifierKey = verifierKey
        self.role = role
        state = Mutex(WriterState(chain: ChainVerifier(origin: origin)))
        try load()
    }

    // MARK: Opening and checking

    /// Loads the right edge and the latest checkpoint, and refuses a store whose tree
    /// does not match its latest signed checkpoint.
    private func load() throws {
        let loaded: WriterState = try database.pool.read { db in
            var s = WriterState(chain: ChainVerifier(origin: origin))
            s.size = UInt64(try Int64.fetchOne(db, sql: "SELECT size FROM logs WHERE id = ?", arguments: [id]) ?? 0)
            if s.size > 0 {
                let lastBytes = try [UInt8](Data.fetchOne(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?", arguments: [id, Int64(s.size - 1)]) ?? Data())
                let last = try LogLeaf(bytes: lastBytes)
                s.chain = ChainVerifier(origin: origin, continuingAfter: last)
            }
            var level = 0
            var count = s.size
            while count > 0 || level == 0 {
                let width = Int(count % 256)
                var hashes = [UInt8]()
                if width > 0 {
                    let blob = try Data.fetchOne(db, sql: "SELECT hashes FROM tiles WHERE log = ? AND level = ? AND idx = ?",
                                                 arguments: [id, level, Int64(count / 256)]) ?? Data()
                    guard blob.count >= width * 32 else { throw StoreError.tileMismatch(origin: origin, index: count) }
                    hashes = [UInt8](blob.prefix(width * 32))
                }
                s.edge.append(hashes)
                count /= 256
                level += 1
                if count == 0 { break }
            }
            if let row = try Row.fetchOne(db, sql: "SELECT size, note FROM checkpoints WHERE log = ? ORDER BY size DESC LIMIT 1", arguments: [id]) {
                let note: String = row["note"]
                s.checkpointNote = note
                do {
                    let parsed = try SignedNote(parsing: note)
                    s.checkpoint = try Checkpoint.verified(parsed, logKey: verifierKey)
                } catch {
                    throw StoreError.checkpointInvalid(origin: origin, "\(error)")
                }
            }
            return s
        }
        state.withLock { $0 = loaded }
        try verifyAgainstCheckpoint()
    }

    /// Recomputes the root at the latest checkpoint's size from the stored tiles, and the
    /// leaf hashes of the last level-0 tile from the stored leaves.
    public func verifyAgainstCheckpoint() throws {
        let (size, checkpoint) = state.withLock { ($0.size, $0.checkpoint) }
        guard let checkpoint else {
            guard size == 0 else { throw StoreError.checkpointInvalid(origin: origin, "\(size) leaves but no checkpoint") }
            return
        }
        guard checkpoint.size <= size else { throw StoreError.missingLeaves(origin: origin, stored: size, checkpoint: checkpoint.size) }
        let root = try treeHash(size: checkpoint.size)
        guard root == checkpoint.root else {
            throw StoreError.treeMismatch(origin: origin, size: checkpoint.size, stored: root, checkpoint: checkpoint.root)
        }
        guard size > 0 else { return }
        let first = (size - 1) / 256 * 256
        let leaves = try leafBytes(from: first, to: size)
        let tile = try tileHashes(level: 0, index: first / 256)
        for (i, leaf) in leaves.enumerated() where MerkleTree.leafHash(leaf).bytes != Array(tile[(i * 32)..<(i * 32 + 32)]) {
            throw StoreError.tileMismatch(origin: origin, index: first + UInt64(i))
        }
    }

    // MARK: Writing

    /// Appends leaves that continue the log, then asks `sign` for the checkpoint note that
    /// covers them, and commits both together. `sign` may refuse (throw), in which case
    /// nothing is written. Returns the new checkpoint and its note.
    @discardableResult
    public func append(_ leaves: [LogLeaf], sign: (Checkpoint) throws -> String) throws -> (checkpoint: Checkpoint, note: String) {
        try writerLock.withLock { _ in try appendHoldingWriterLock(leaves, sign: sign) }
    }

    private func appendHoldingWriterLock(_ leaves: [LogLeaf], sign: (Checkpoint) throws -> String) throws -> (checkpoint: Checkpoint, note: String) {
        let current = state.withLock { $0 }
        var next = current
        var touched = [TileKey: [UInt8]]()
        let result: (Checkpoint, String) = try database.pool.write { db in
            let insertLeaf = try db.cachedStatement(sql: "INSERT INTO leaves (log, idx, data) VALUES (?, ?, ?)")
            let insertStatement = try db.cachedStatement(sql: "INSERT INTO statements (log, hash, idx) VALUES (?, ?, ?)")
            for leaf in leaves {
                let hash: Hash
                do { hash = try next.chain.append(leaf) } catch { throw StoreError.badAppend(origin: origin, "\(error)") }
                try insertLeaf.execute(arguments: [id, Int64(leaf.index), Data(leaf.bytes)])
                if let statement = leaf.statement {
                    try insertStatement.execute(arguments: [id, Data(statement.hash.bytes), Int64(leaf.index)])
                }
                LogStore.addHash(hash.bytes, level: 0, size: next.size, edge: &next.edge, touched: &touched)
                next.size += 1
            }
            let reader = TileHashReader { level, index in
                if let t = touched[TileKey(level: level, index: index)] { return t }
                return try self.tileHashes(level: level, index: index, db: db)
            }
            let checkpoint = Checkpoint(origin: origin, size: next.size, root: try MerkleTree.treeHash(size: next.size, reader: reader))
            if let previous = current.checkpoint, previous.size == checkpoint.size, previous.root != checkpoint.root {
                throw StoreError.inconsistentCheckpoint(origin: origin, "two roots for size \(checkpoint.size)")
            }
            let note = try sign(checkpoint)
            let upsertTile = try db.cachedStatement(sql: "INSERT OR REPLACE INTO tiles (log, level, idx, hashes) VALUES (?, ?, ?, ?)")
            for (key, hashes) in touched {
                try upsertTile.execute(arguments: [id, key.level, Int64(key.index), Data(hashes)])
            }
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoints (log, size, note) VALUES (?, ?, ?)",
                           arguments: [id, Int64(checkpoint.size), note])
            try db.execute(sql: "UPDATE logs SET size = ? WHERE id = ?", arguments: [Int64(next.size), id])
            return (checkpoint, note)
        }
        next.checkpoint = result.0
        next.checkpointNote = result.1
        state.withLock { $0 = next }
        return result
    }

    /// Adds one hash at `level` to the right edge; a tile that fills up is written whole and
    /// its root climbs to the level above (tlog-tiles: level l+1 holds roots of full level-l tiles).
    private static func addHash(_ hash: [UInt8], level: Int, size: UInt64, edge: inout [[UInt8]], touched: inout [TileKey: [UInt8]]) {
        if edge.count <= level { edge.append([]) }
        // Hashes already at this level before the new one: size / 256^level.
        let count = size >> (8 * UInt64(level))
        let tileIndex = count / 256
        edge[level].append(contentsOf: hash)
        touched[TileKey(level: level, index: tileIndex)] = edge[level]
        if edge[level].count == 256 * 32 {
            let full = edge[level]
            edge[level] = []
            let hashes = (0..<256).map { Hash(bytes: Array(full[($0 * 32)..<($0 * 32 + 32)]))! }
            addHash(MerkleTree.rootHash(leafHashes: hashes).bytes, level: level + 1, size: size, edge: &edge, touched: &touched)
        }
    }

    // MARK: Reading

    public var size: UInt64 { state.withLock { $0.size } }

    /// The latest checkpoint and its signed note, as stored.
    public var latestCheckpoint: (checkpoint: Checkpoint, note: String)? {
        state.withLock { s in s.checkpoint.flatMap { c in s.checkpointNote.map { (c, $0) } } }
    }

    /// The leaf hash of the last leaf and its time (for a sequencer continuing the chain).
    public var chainHead: ChainVerifier { state.withLock { $0.chain } }

    /// Runs `body` on a snapshot of the log inside one read transaction, on GRDB's reader
    /// queues: a handler on Swift's cooperative pool awaits it without blocking a thread.
    public func read<T: Sendable>(_ body: @escaping @Sendable (LogSnapshot) throws -> T) async throws -> T {
        try await database.pool.read { db in try body(LogSnapshot(store: self, db: db)) }
    }

    /// The same, blocking the calling thread: for the sequencer's writer queue, the CLI and tests.
    public func readBlocking<T>(_ body: (LogSnapshot) throws -> T) throws -> T {
        try database.pool.read { db in try body(LogSnapshot(store: self, db: db)) }
    }

    public func leafBytes(at index: UInt64) throws -> [UInt8]? { try readBlocking { try $0.leafBytes(at: index) } }

    public func leafBytes(from start: UInt64, to end: UInt64) throws -> [[UInt8]] {
        try readBlocking { try $0.leafBytes(from: start, to: end) }
    }

    /// The leaf indexes of those of `hashes` that are logged.
    public func indexes(ofStatements hashes: [Hash]) throws -> [Hash: UInt64] {
        guard !hashes.isEmpty else { return [:] }
        return try readBlocking { try $0.indexes(ofStatements: hashes) }
    }

    /// See `LogSnapshot.tile`.
    public func tile(_ tile: Tile) throws -> [UInt8]? { try readBlocking { try $0.tile(tile) } }

    /// See `LogSnapshot.entryBundle`.
    public func entryBundle(_ tile: Tile) throws -> [UInt8]? { try readBlocking { try $0.entryBundle(tile) } }

    public func treeHash(size: UInt64) throws -> Hash {
        try MerkleTree.treeHash(size: size, reader: hashReader())
    }

    public func inclusionProof(index: UInt64, size: UInt64) throws -> InclusionProof {
        try readBlocking { try $0.inclusionProof(index: index, size: size) }
    }

    public func consistencyProof(oldSize: UInt64, newSize: UInt64) throws -> ConsistencyProof {
        try readBlocking { try $0.consistencyProof(oldSize: oldSize, newSize: newSize) }
    }

    /// Reads each tile in a read transaction of its own: for callers that hold no snapshot
    /// (the sequencer, right after its own commit).
    public func hashReader() -> TileHashReader {
        TileHashReader { level, index in try self.tileHashes(level: level, index: index) }
    }

    func tileHashes(level: Int, index: UInt64) throws -> [UInt8] {
        try cachedTileHashes(level: level, index: index) {
            try database.pool.read { db in try self.tileHashes(level: level, index: index, db: db) }
        }
    }

    /// Full tiles never change, so they are kept (up to `fullTileCacheLimit`) once read.
    func cachedTileHashes(level: Int, index: UInt64, fetch: () throws -> [UInt8]) throws -> [UInt8] {
        let key = TileKey(level: level, index: index)
        if let cached = fullTiles.withLock({ $0[key] }) { return cached }
        let hashes = try fetch()
        if hashes.count == 256 * 32 {
            fullTiles.withLock { cache in
                if cache.count >= LogStore.fullTileCacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[key] = hashes
            }
        }
        return hashes
    }

    func tileHashes(level: Int, index: UInt64, db: Database) throws -> [UInt8] {
        guard let data = try Data.fetchOne(db, sql: "SELECT hashes FROM tiles WHERE log = ? AND level = ? AND idx = ?",
                                           arguments: [id, level, Int64(index)]) else {
            throw MerkleError.hashNotStored(level: level * 8, index: index * 256)
        }
        return [UInt8](data)
    }
}

extension LogStore {
    /// The RFC 6962 hash of leaf `index`, read from its level-0 tile.
    public func leafHash(at index: UInt64) throws -> Hash { try readBlocking { try $0.leafHash(at: index) } }
}
