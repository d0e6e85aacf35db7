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
///
/// One `LogStore` a log in a process: its memory (the tree's right edge, the state map, the
/// consent index, the filters of its statement hashes and map keys) follows its own appends only.
public final class LogStore: Sendable {
    public let origin: String
    public let verifierKey: NoteVerifierKey
    public let role: LogRole
    let id: Int64
    let database: AssentDatabase

    struct WriterState {
        var chain: ChainVerifier
        /// The right edge of the tree: its partial tiles and its root.
        var edge = TileEdge()
        var checkpoint: Checkpoint?
        var checkpointNote: String?
        /// The latest epoch leaf stored: the map root the tree must have between appends.
        var latestEpoch: LogSnapshot.Epoch?
        var size: UInt64 { edge.size }
    }

    private let state: Mutex<WriterState>
    /// The state map's tree (PROTOCOL §5), derived from `map_records`: built at open, changed by
    /// each append. The writer holds this lock from the tree's change through the commit and the
    /// update of `state`, so whoever holds it sees the tree of `state.latestEpoch`, committed.
    private let map = Mutex(CompactPrefixTree())
    /// Held for the whole of an append, so appends are serialized even with several callers.
    private let writerLock = Mutex(())
    /// The current resolution inputs of every work (`ConsentIndex`), derived from the latest map
    /// records: rebuilt at open, and after each commit changed to that commit's records before
    /// the writer lets go of the map (in `appendHoldingWriterLock`). It names the size and the
    /// latest leaf time it covers, and changes with them under its own lock, so a reader sees
    /// a committed batch's index whole, with the size it is of.
    private let consent = Mutex(ConsentIndex())
    private let fullTiles = Mutex<[TileKey: [UInt8]]>([:])
    /// The parties this log enrolls and has not revoked, as the `parties` table says after the last commit.
    private let enrolled = Mutex<Set<PublicKey>>([])
    /// Every statement hash in the `statements` table and any an append is committing: a hash it
    /// has never seen is not logged, without a read (`LogSnapshot.indexes(ofStatements:)`).
    /// Changed by the writer before it commits, so a committed hash is always in it.
    let statementFilter = Mutex(HashFilter())
    /// Every key of the state map's tree and any an append is inserting (changed, like the tree,
    /// under the map's lock): a key it has never seen is not in the tree, without a walk down it.
    let mapKeys = Mutex(HashFilter())
    private static let fullTileCacheLimit = 2048

    private struct TileKey: Hashable {
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
            let stored = try Int64.fetchOne(db, sql: "SELECT size FROM logs WHERE id = ?", arguments: [id]) ?? 0
            guard stored >= 0 else { throw StoreError.corrupt(origin: origin, "stored size \(stored) is negative") }
            let size = UInt64(stored)
            if size > 0 {
                let lastBytes = try [UInt8](Data.fetchOne(db, sql: "SELECT data FROM leaves WHERE log = ? AND idx = ?", arguments: [id, Int64(size - 1)]) ?? Data())
                let last = try LogLeaf(bytes: lastBytes)
                s.chain = ChainVerifier(origin: origin, continuingAfter: last)
            }
            do {
                s.edge = try TileEdge(size: size) { tile in
                    try [UInt8](Data.fetchOne(db, sql: "SELECT hashes FROM tiles WHERE log = ? AND level = ? AND idx = ?",
                                              arguments: [id, tile.level, Int64(tile.index)]) ?? Data())
                }
            } catch let error as TileError {
                throw StoreError.corrupt(origin: origin, "cannot load the right edge: \(error)")
            }
            if let row = try Row.fetchOne(db, sql: "SELECT idx, time, map FROM epochs WHERE log = ? ORDER BY idx DESC LIMIT 1", arguments: [id]) {
                s.latestEpoch = try LogSnapshot.epoch(row, origin: origin)
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
        let filter: HashFilter = try database.pool.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM statements WHERE log = ?", arguments: [id]) ?? 0
            var filter = HashFilter(expected: 2 * count)
            let hashes = try Row.fetchCursor(db, sql: "SELECT hash FROM statements WHERE log = ?", arguments: [id])
            while let row = try hashes.next() {
                let bytes: Data = row[0]
                guard let hash = Hash(bytes: [UInt8](bytes)) else { throw StoreError.badRow(origin: origin, "a statements row with a \(bytes.count)-byte hash") }
                filter.insert(hash)
            }
            return filter
        }
        statementFilter.withLock { $0 = filter }
        let active: Set<PublicKey> = try database.pool.read { db in
            Set(try Data.fetchAll(db, sql: "SELECT party FROM parties WHERE log = ? AND active = 1", arguments: [id])
                .compactMap { try? PublicKey(bytes: [UInt8]($0)) })
        }
        consent.withLock { $0 = .declining }
        try map.withLock { tree in
            let (built, keys) = try database.pool.read { db in try StateMapStore.treeAndKeys(db: db, log: id, origin: origin) }
            // The records must give the root the latest epoch leaf carries. A zero root there is an
            // epoch written before the node kept its map (docs/protocol.md "State map in the write
            // path"): its records were rebuilt from the leaves, and the next batch commits to them.
            if let epoch = loaded.latestEpoch, epoch.mapRoot != .zero, epoch.mapRoot != built.root {
                throw StoreError.corrupt(origin: origin, "the map records give root \(built.root.base64), but the latest epoch leaf \(epoch.index) carries \(epoch.mapRoot.base64)")
            }
            tree = built
            mapKeys.withLock { $0 = keys }
            state.withLock { $0 = loaded }
        }
        enrolled.withLock { $0 = active }
        try verifyAgainstCheckpoint()
        // After the tiles are checked (a tampered leaf is reported as such first). Built under the
        // map's lock, so no append lands between the state it is of and its publication; until
        // then the index declines and checks read the records.
        try map.withLock { _ in
            let index = try database.pool.read { db in try ConsentIndexStore.build(db: db, log: id, origin: origin, size: state.withLock { $0.size }) }
            consent.withLock { $0 = index }
        }
    }

    /// Reads the log's state again from the database, after a failed append: whatever the
    /// failure left on disk (a whole batch or none of it), memory then agrees with it, or this
    /// throws and the log must not be written or served.
    public func reload() throws {
        try writerLock.withLock { _ in
            fullTiles.withLock { $0.removeAll() }
            try load()
        }
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

    /// Appends a batch: `statements` (statement leaves continuing the log), then the epoch leaf
    /// that closes it, then asks `sign` for the checkpoint note that covers them, and commits all
    /// of it in one transaction (PROTOCOL §4–5). Inside that transaction the statements are applied
    /// to the log's state map (docs/state-map.md §4) and `epoch` is called with the map root after
    /// them: it makes the epoch leaf (its index, prev and time are the chain's; only its map root
    /// comes from here), which must be an epoch leaf carrying that root. `epoch` or `sign` may
    /// refuse (throw), and then nothing is written: leaves, map records, tree and memory stay as
    /// they were. Returns the new checkpoint and its note.
    ///
    /// `disclosures` (by statement hash) are stored for the statements these leaves log, in the
    /// same transaction: no statement is acknowledged without its disclosures. An erasure leaf
    /// deletes its statement's disclosures in that transaction too (docs/protocol.md "Erasure").
    @discardableResult
    public func append(_ statements: [LogLeaf], epoch: (_ mapRoot: Hash) throws -> LogLeaf, disclosures: [Hash: [Disclosure]] = [:],
                       sign: (Checkpoint) throws -> String) throws -> (checkpoint: Checkpoint, note: String) {
        try withoutActuallyEscaping(epoch) { epoch in
            try writerLock.withLock { _ in try appendHoldingLocks(statements, closingEpoch: epoch, disclosures: disclosures, sign: sign) }
        }
    }

    /// Appends leaves made elsewhere (tests, tools; a mirror's copy of its peer), ending with an
    /// epoch leaf. Each epoch leaf among them must carry the map root the store computes from the
    /// leaves before it, or nothing is written: the store never holds an epoch whose map it does
    /// not have. Otherwise as `append(_:epoch:disclosures:sign:)`.
    @discardableResult
    public func append(_ leaves: [LogLeaf], disclosures: [Hash: [Disclosure]] = [:],
                       sign: (Checkpoint) throws -> String) throws -> (checkpoint: Checkpoint, note: String) {
        try writerLock.withLock { _ in try appendHoldingLocks(leaves, closingEpoch: nil, disclosures: disclosures, sign: sign) }
    }

    /// Appends a mirror's copy of its peer's leaves (role `.mirror` only), ending with an epoch
    /// leaf, which the caller has authenticated against a signed checkpoint of the peer of at
    /// least the new size (the replicator). `note` is the peer's checkpoint note for exactly the
    /// new size, checked as `append`'s notes are; nil when the leaves end before the signed size
    /// (one chunk of a longer catch-up, so memory stays bounded): then no note is stored for the
    /// new size and the mirror keeps publishing its latest note, which covers fewer leaves than
    /// it holds until the chunk that ends at the signed size. Every epoch leaf's map root is
    /// recomputed as in `append(_:disclosures:sign:)`. Returns the tree at the new size.
    @discardableResult
    public func appendMirrored(_ leaves: [LogLeaf], note: String?) throws -> Checkpoint {
        guard role == .mirror else { throw StoreError.badAppend(origin: origin, "only a mirror appends its peer's leaves without signing them") }
        return try writerLock.withLock { _ in
            try appendHoldingLocks(leaves, closingEpoch: nil, disclosures: [:]) { _ in note }.checkpoint
        }
    }

    /// Takes the map's lock for the whole append: the tree changes, the transaction commits (or
    /// the tree is rolled back), then memory moves on, and only then can a proof read the tree.
    /// `sign` returns nil only for a mirror's unsigned chunk (`appendMirrored`): the result's note is then "".
    private func appendHoldingLocks(_ leaves: [LogLeaf], closingEpoch: ((Hash) throws -> LogLeaf)?, disclosures: [Hash: [Disclosure]],
                                    sign: (Checkpoint) throws -> String?) throws -> (checkpoint: Checkpoint, note: String) {
        try map.withLock { tree in
            try tree.beginBatch()
            do {
                let result = try appendHoldingWriterLock(leaves, closingEpoch: closingEpoch, disclosures: disclosures, tree: &tree, sign: sign)
                tree.endBatch()
                return result
            } catch {
                tree.rollBackBatch()
                throw error
            }
        }
    }

    private func appendHoldingWriterLock(_ leaves: [LogLeaf], closingEpoch: ((Hash) throws -> LogLeaf)?, disclosures: [Hash: [Disclosure]],
                                         tree: inout CompactPrefixTree, sign: (Checkpoint) throws -> String?) throws -> (checkpoint: Checkpoint, note: String) {
        let current = state.withLock { $0 }
        var next = current
        var enrollmentsChanged = Set<PublicKey>()
        var nowActive = Set<PublicKey>()
        var prepared = [ConsentIndexStore.Prepared]()
        let result: (Checkpoint, String?) = try database.pool.write { db in
            let insertLeaf = try RowInsert(db, sql: "INSERT INTO leaves (log, idx, data) VALUES (?, ?, ?)")
            let insertStatement = try RowInsert(db, sql: "INSERT INTO statements (log, hash, idx) VALUES (?, ?, ?)")
            // The first disclosures of a statement win: a later submission of the same statement cannot replace them.
            let insertDisclosure = try db.cachedStatement(sql: "INSERT OR IGNORE INTO disclosures (log, hash, field, salt, text, digest) VALUES (?, ?, ?, ?, ?, ?)")
            var leafHashes = [Hash]()
            leafHashes.reserveCapacity(leaves.count + 1)
            // Statement leaves since the last epoch leaf, `leaves[unmapped...]` up to the leaf at
            // hand: the map changes they make are applied when the epoch leaf that commits to them
            // comes (docs/state-map.md §4). A range, not a copy: a leaf copied is a dozen retains.
            var unmapped = leaves.startIndex
            // The statement index rows, inserted in hash order after the leaves: the index is keyed
            // by hash, so rows in leaf order land on random pages, and with SQLite's small page
            // cache nearly every one spills a page to the WAL mid-transaction and reads it back
            // (a page per statement once the index outgrows the cache, docs/benchmarks.md
            // "Replication"); in hash order each page is visited once a batch.
            var statementRows = [(hash: Hash, index: UInt64)]()
            statementRows.reserveCapacity(leaves.count)
            func mapRoot(upTo end: Int) throws -> Hash {
                defer { unmapped = end + 1 }
                // Only the writer changes the index, and it holds the writer lock: what it reads
                // here is the index of the last commit, which the batch's records continue.
                let (entries, made) = try StateMapStore.applyReturningInputs(
                    leaves[unmapped..<end], db: db, log: id, origin: origin,
                    hasKey: { key in mapKeys.withLock { $0.mightContain(key) } && tree.value(for: key) != nil },
                    index: { work, leaf in consent.withLock { $0.preferenceFacts(work: work, at: leaf) } })
                prepared += made
                // Before the tree: a key in the tree is always in the filter (a batch rolled back
                // leaves its keys there, as false positives).
                mapKeys.withLock { keys in for entry in entries { keys.insert(entry.key) } }
                return try tree.insert(entries)
            }
            func add(_ leaf: LogLeaf) throws {
                do { leafHashes.append(try next.chain.append(leaf)) } catch { throw StoreError.badAppend(origin: origin, "\(error)") }
                let index = try MapRecordStore.sqliteIndex(leaf.index, origin: origin, "a leaf")
                try insertLeaf.run { row in
                    try row.int(id)
                    try row.int(index)
                    try row.blob(leaf.bytes)
                }
                try LogStore.recordEpoch(leaf, log: id, db: db)
                try MapRecordStore.recordOrder(leaf, log: id, db: db)
                if case let .epoch(root, _) = leaf.content { next.latestEpoch = LogSnapshot.Epoch(index: leaf.index, time: leaf.time, mapRoot: root) }
                if let statement = leaf.statement {
                    statementRows.append((statement.hash, leaf.index))
                    for d in disclosures[statement.hash] ?? [] {
                        let digest = try AssentDatabase.digest(salt: d.salt, text: d.text)
                        try insertDisclosure.execute(arguments: [id, Data(statement.hash.bytes), d.field, Data(d.salt), d.text, Data(digest.bytes)])
                    }
                    switch statement.statement {
                    case let .enrollment(enrollment):
                        try LogStore.recordEnrollment(enrollment, hash: statement.hash, index: leaf.index, log: id, db: db)
                        enrollmentsChanged.insert(enrollment.party)
                    case let .erasure(erasure):
                        try LogStore.recordErasure(erasure, hash: statement.hash, time: leaf.time, log: id, db: db)
                    case .preference, .mandate:
                        break
                    }
                }
            }
            for (i, leaf) in zip(leaves.indices, leaves) {
                if case let .epoch(carried, _) = leaf.content {
                    let computed = try mapRoot(upTo: i)
                    guard carried == computed else {
                        throw StoreError.badAppend(origin: origin, "epoch leaf \(leaf.index) carries map root \(carried.base64), but the map after the leaves before it has root \(computed.base64)")
                    }
                }
                try add(leaf)
            }
            if let closingEpoch {
                let root = try mapRoot(upTo: leaves.endIndex)
                let epoch = try closingEpoch(root)
                guard case .epoch(root, epoch.index) = epoch.content else {
                    throw StoreError.badAppend(origin: origin, "the leaf made to close the batch at index \(epoch.index) is not an epoch leaf carrying map root \(root.base64)")
                }
                try add(epoch)
            } else if unmapped < leaves.endIndex || leaves.last?.isEpoch != true {
                throw StoreError.badAppend(origin: origin, "a batch must end with its epoch leaf, which commits to the map after its statements")
            }
            statementRows.sort { $0.hash < $1.hash }
            for row in statementRows {
                try insertStatement.run { columns in
                    try columns.int(id)
                    try columns.blob(row.hash)
                    try columns.int(Int64(row.index))
                }
            }
            // Before the commit: a reader that sees these rows must find them in the filter. If
            // the batch fails, they stay in it, as false positives (a read, as before the filter).
            statementFilter.withLock { filter in
                for row in statementRows { filter.insert(row.hash) }
            }
            let changed = next.edge.append(leafHashes)
            let checkpoint = Checkpoint(origin: origin, size: next.edge.size, root: next.edge.rootHash)
            if let previous = current.checkpoint, previous.size == checkpoint.size, previous.root != checkpoint.root {
                throw StoreError.inconsistentCheckpoint(origin: origin, "two roots for size \(checkpoint.size)")
            }
            let note = try sign(checkpoint).map { try checkedNote($0, for: checkpoint) }
            let upsertTile = try db.cachedStatement(sql: "INSERT OR REPLACE INTO tiles (log, level, idx, hashes) VALUES (?, ?, ?, ?)")
            for (tile, hashes) in changed {
                try upsertTile.execute(arguments: [id, tile.level, Int64(tile.index), Data(hashes)])
            }
            if let note {
                try db.execute(sql: "INSERT OR REPLACE INTO checkpoints (log, size, note) VALUES (?, ?, ?)",
                               arguments: [id, Int64(checkpoint.size), note])
            }
            try db.execute(sql: "UPDATE logs SET size = ? WHERE id = ?", arguments: [Int64(next.size), id])
            for party in enrollmentsChanged
            where try Bool.fetchOne(db, sql: "SELECT active FROM parties WHERE log = ? AND party = ?", arguments: [id, Data(party.bytes)]) == true {
                nowActive.insert(party)
            }
            return (checkpoint, note)
        }
        if let note = result.1 {
            next.checkpoint = result.0
            next.checkpointNote = note
        }
        // Enrollments first: nobody sees the new size with the old enrolled set.
        if !enrollmentsChanged.isEmpty {
            enrolled.withLock { set in
                set.subtract(enrollmentsChanged)
                set.formUnion(nowActive)
            }
        }
        // The index moves to this commit in one step, naming its size, before the map's lock is
        // let go; it cannot fail (everything it needs was read before the commit).
        let latestTime = next.latestEpoch?.time
        consent.withLock { index in
            for p in prepared { index.apply(p.subject, p.inputs) }
            index.advance(size: next.size, time: latestTime)
        }
        state.withLock { $0 = next }
        return (result.0, result.1 ?? "")
    }

    /// The one check every checkpoint note passes before it is stored: it must be a note of
    /// exactly `checkpoint` (origin, size, root) signed by this log's key (`Checkpoint.verifyNote`).
    /// Used for the notes `append` asks its signer for and for notes stored later
    /// (`storeCheckpointNote`, for a mirror or a cosigned note).
    private func checkedNote(_ note: String, for checkpoint: Checkpoint) throws -> String {
        do { try checkpoint.verifyNote(note, logKey: verifierKey) } catch {
            throw StoreError.badNote(origin: origin, size: checkpoint.size, "\(error)")
        }
        return note
    }

    /// Stores a checkpoint note for a size the store already holds (a mirror's copy of its
    /// peer's note, or a note with more signatures): checked against the stored tree at that
    /// size and the log's key, then kept beside the notes `append` stored. Returns the checkpoint.
    @discardableResult
    public func storeCheckpointNote(_ note: String) throws -> Checkpoint {
        try writerLock.withLock { _ in
            let stated: Checkpoint
            do { stated = try Checkpoint(text: try SignedNote(parsing: note).text) } catch {
                throw StoreError.badNote(origin: origin, size: nil, "\(error)")
            }
            guard stated.size <= size else { throw StoreError.missingLeaves(origin: origin, stored: size, checkpoint: stated.size) }
            let checkpoint = Checkpoint(origin: origin, size: stated.size, root: try treeHash(size: stated.size))
            try checkedNote(note, for: checkpoint)
            try database.pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO checkpoints (log, size, note) VALUES (?, ?, ?)",
                               arguments: [id, Int64(checkpoint.size), note])
            }
            state.withLock { s in
                if s.checkpoint.map({ $0.size <= checkpoint.size }) ?? true {
                    s.checkpoint = checkpoint
                    s.checkpointNote = note
                }
            }
            return checkpoint
        }
    }

    /// Records an enrollment if it is the party's latest in this log: latest by `issued`, ties
    /// broken by the greater statement hash (PROTOCOL §6), so log order does not matter.
    static func recordEnrollment(_ enrollment: Enrollment, hash: Hash, index: UInt64, log: Int64, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO parties (log, party, active, issued, hash, idx) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (log, party) DO UPDATE SET active = excluded.active, issued = excluded.issued, hash = excluded.hash, idx = excluded.idx
            WHERE excluded.issued > parties.issued OR (excluded.issued = parties.issued AND excluded.hash > parties.hash)
            """, arguments: [log, Data(enrollment.party.bytes), enrollment.active, enrollment.issued.milliseconds, Data(hash.bytes), Int64(index)])
    }

    /// Deletes the disclosures of the statement `erasure` names (secure_delete zeroes them in
    /// the page), and every other disclosure in the database with the same commitment digest
    /// (the same text and salt, copied under another statement: it would still serve the erased
    /// text); records the first erasure of it, and that the WAL is owed a truncation.
    /// Indexes an epoch leaf by its time (does nothing for a statement leaf).
    static func recordEpoch(_ leaf: LogLeaf, log: Int64, db: Database) throws {
        guard case let .epoch(mapRoot, _) = leaf.content else { return }
        try db.execute(sql: "INSERT INTO epochs (log, time, idx, map) VALUES (?, ?, ?, ?)",
                       arguments: [log, leaf.time.milliseconds, Int64(leaf.index), Data(mapRoot.bytes)])
    }

    static func recordErasure(_ erasure: Erasure, hash: Hash, time: Timestamp, log: Int64, db: Database) throws {
        let target = Data(erasure.erases.bytes)
        try db.execute(sql: """
            DELETE FROM disclosures WHERE digest IN (SELECT digest FROM disclosures WHERE log = ? AND hash = ?)
            """, arguments: [log, target])
        try db.execute(sql: "DELETE FROM disclosures WHERE log = ? AND hash = ?", arguments: [log, target])
        try db.execute(sql: "INSERT OR IGNORE INTO erasures (log, hash, erasure, at) VALUES (?, ?, ?, ?)",
                       arguments: [log, target, Data(hash.bytes), time.milliseconds])
        try db.execute(sql: "INSERT OR IGNORE INTO wal_truncation (id, since) VALUES (1, ?)", arguments: [time.milliseconds])
    }

    /// Moves the WAL into the database file and truncates it, so the frames that still held
    /// erased text are gone from disk (`AssentDatabase.checkpointAndTruncateWAL`).
    @discardableResult
    public func checkpointWAL(busyTimeoutMilliseconds: Int = AssentDatabase.busyTimeoutSeconds * 1000) throws -> Bool {
        try database.checkpointAndTruncateWAL(busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    // MARK: Reading

    /// Runs `body` with the state map's tree and the latest epoch leaf, under the map's lock:
    /// the tree is the committed tree of that epoch (no append is between its change and its
    /// commit while the lock is held). Keep `body` short: it holds up the writer.
    func withCommittedMap<T>(_ body: (borrowing CompactPrefixTree, LogSnapshot.Epoch?) throws -> T) rethrows -> T {
        try map.withLock { tree in try body(tree, state.withLock { $0.latestEpoch }) }
    }

    /// The compact decisions of `queries` (one per query, in order) from the consent index
    /// (`ConsentIndex.decide`), all under one hold of its lock: nil for a query at a time before
    /// the index's latest leaf (ask a snapshot, `consentFacts` and `Resolution`, then).
    public func compactDecisions(_ queries: [Resolution.Query], operators: Set<PublicKey>,
                                 unverifiedLimit: (Resolution.Query) -> Int) -> [CompactDecision?] {
        consent.withLock { index in
            let numbers = index.operatorNumbers(operators)
            return queries.map { index.decide($0, operators: numbers, unverifiedLimit: unverifiedLimit($0)) }
        }
    }

    /// For each of `works`, whether this log has no record of it at all (`ConsentIndex.holdsFacts`),
    /// when the consent index covers at least `size` leaves, the size of the snapshot the caller
    /// reads: records only grow, so an index at or past the snapshot that holds nothing of a work
    /// speaks for the snapshot. Nil when the index is behind it (a commit it has not taken yet, or
    /// a reload, when it declines).
    public func worksWithoutRecords(_ works: [WorkID], coveringAtLeast size: UInt64) -> [Bool]? {
        consent.withLock { index in
            guard index.size >= size else { return nil }
            return works.map { !index.holdsFacts(of: $0) }
        }
    }

    /// The works the consent index holds and the leaves it covers.
    public var consentIndexSize: (works: Int, leaves: UInt64) { consent.withLock { ($0.workCount, $0.size) } }

    /// The consent index's estimated bytes in memory (`ConsentIndex.bytesHeld`: walks every work).
    public var consentIndexBytes: Int { consent.withLock { $0.bytesHeld } }

    /// How many keys the state map holds and the bytes its tree takes in memory.
    public var mapSize: (keys: Int, bytes: Int) { map.withLock { ($0.count, $0.bytesHeld) } }

    /// Whether this log enrolls `party` and has not revoked it (as of the last commit).
    public func isEnrolled(_ party: PublicKey) -> Bool { enrolled.withLock { $0.contains(party) } }

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
        try await database.pool.read { db in try body(try LogSnapshot(store: self, db: db)) }
    }

    /// The same, blocking the calling thread: for the sequencer's writer queue, the CLI and tests.
    public func readBlocking<T>(_ body: (LogSnapshot) throws -> T) throws -> T {
        try database.pool.read { db in try body(try LogSnapshot(store: self, db: db)) }
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

    /// Whether a tree of `size` leaves has `tile`: the tile at its place is at least as wide
    /// (a partial tile of width W never changes, so it is served for as long as the log has it).
    static func hasReached(_ tile: Tile, size: UInt64) -> Bool {
        guard let current = Tile.at(level: tile.level, index: tile.index, treeSize: size) else { return false }
        return tile.width <= current.width
    }

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
