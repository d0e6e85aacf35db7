import AssentCore
import AssentStore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Follows one peer's log into its mirror `LogStore` (ARCHITECTURE.md, "Replicate"; C2SP
/// tlog-mirror): checkpoint verified with the log's key from the federation file, consistency
/// with what the mirror holds, hash tiles and entry bundles authenticated against the signed
/// tree, every leaf replayed (`LogReplay`), then stored in chunks that end at epoch leaves. One
/// replication at a time per peer (`lock`): the background loop and a witness's `catchUp`
/// take turns.
final class PeerFollower: Sendable {
    let peer: Replicator.Peer
    let store: LogStore
    let settings: Replicator.Settings
    let operators: Set<PublicKey>
    let fetch: LogReadClient.Fetch
    let recordEvidence: Replicator.RecordEvidence
    let clock: any NodeClock
    let metrics: NodeMetrics
    let logger: Logger
    let lock = AsyncLock()
    let status: Mutex<PeerStatus>
    /// Chunks are stored here, off the cooperative pool (SQLite blocks), while the next chunk
    /// is fetched and verified.
    private let writer: DispatchQueue

    init(peer: Replicator.Peer, store: LogStore, settings: Replicator.Settings, operators: Set<PublicKey>,
         fetch: @escaping LogReadClient.Fetch, recordEvidence: @escaping Replicator.RecordEvidence,
         clock: any NodeClock, metrics: NodeMetrics, logger: Logger) {
        self.peer = peer
        self.store = store
        self.settings = settings
        self.operators = operators
        self.fetch = fetch
        self.recordEvidence = recordEvidence
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        writer = DispatchQueue(label: "assent.mirror.\(peer.origin)")
        status = Mutex(PeerStatus(origin: peer.origin, url: peer.url, mirroredSize: store.size))
        metrics.mirrorSize(origin: peer.origin, store.size)
    }

    /// The peer's latest checkpoint, verified with the log's key.
    func latestCheckpoint() async throws(ReplicationError) -> (checkpoint: Checkpoint, note: String) {
        let bytes: [UInt8]
        let (fetch, timeout) = (self.fetch, settings.checkpointTimeout)
        do {
            let fetched = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask { try await fetch("checkpoint") }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let fetched else { throw ReplicationError.unreachable(origin: peer.origin, "checkpoint: no reply within \(timeout)") }
            bytes = fetched
        } catch let error as ReplicationError { throw error } catch { throw .unreachable(origin: peer.origin, "\(error)") }
        let note = String(decoding: bytes, as: UTF8.self)
        do {
            let checkpoint = try Checkpoint.verified(try SignedNote(parsing: note), logKey: peer.key)
            return (checkpoint, note)
        } catch { throw .badCheckpoint(origin: peer.origin, "\(error)") }
    }

    /// One round of the background loop: the peer's latest checkpoint, then the mirror up to it.
    func poll() async throws {
        if case let .stopped(why) = status.withLock({ $0.state }) { throw ReplicationError.stopped(origin: peer.origin, why) }
        let checkpoint: Checkpoint, note: String
        do { (checkpoint, note) = try await latestCheckpoint() } catch {
            failed(error)
            throw error
        }
        status.withLock { $0.peerSize = max($0.peerSize ?? 0, checkpoint.size) }
        metrics.peerCheckpointSize(origin: peer.origin, checkpoint.size)
        try await sync(to: checkpoint, note: note)
    }

    /// Brings the mirror to exactly `checkpoint`, whose note `note` has been verified with the
    /// log's key. Records success or failure in the status.
    func sync(to checkpoint: Checkpoint, note: String) async throws {
        try await lock.withLock {
            if case let .stopped(why) = self.status.withLock({ $0.state }) { throw ReplicationError.stopped(origin: self.peer.origin, why) }
            // Only a checkpoint beyond the mirror is syncing: a poll that finds nothing new (every
            // second) leaves a follower `following`, as /v1/peers then reads it.
            if checkpoint.size > self.store.size { self.status.withLock { $0.state = .syncing } }
            do {
                try await self.replicate(to: checkpoint, note: note)
                self.succeeded()
            } catch let error as ReplicationError {
                self.failed(error)
                throw error
            } catch {
                let wrapped = ReplicationError.store(origin: self.peer.origin, "\(error)")
                self.failed(wrapped)
                throw wrapped
            }
        }
    }

    private func succeeded() {
        let size = store.size
        status.withLock { s in
            s.mirroredSize = size
            s.verifiedSize = size
            s.lastSuccess = clock.now
            s.failures = 0
            s.state = .following
        }
        metrics.mirrorSize(origin: peer.origin, size)
    }

    private func failed(_ error: ReplicationError) {
        let size = store.size
        status.withLock { s in
            s.mirroredSize = size
            // What was verified and not stored is fetched and verified again on the next try.
            s.verifiedSize = size
            s.lastError = "\(error)"
            s.lastErrorAt = clock.now
            s.failures += 1
            switch error {
            case let .inconsistent(evidence): s.state = .stopped(Replicator.summary(evidence))
            case let .conflictWithoutEvidence(_, why): s.state = .stopped(why)
            case .stopped: break
            default: s.state = .failing
            }
        }
        metrics.replicationFailed(origin: peer.origin)
        logger.warning("replication failed", metadata: ["origin": "\(peer.origin)", "error": "\(error)"])
    }

    // MARK: Replication

    private func replicate(to checkpoint: Checkpoint, note: String) async throws {
        let origin = peer.origin
        let held = store.size
        if checkpoint.size <= held {
            let store = self.store
            let root = try await offPool { try store.treeHash(size: checkpoint.size) }
            guard root == checkpoint.root else { try await conflict(checkpoint, note: note, tiles: nil) }
            // The peer's note for a size the mirror holds without one (the end of a catch-up cut
            // short, or an older note): kept, so the mirror publishes it.
            if store.latestCheckpoint.map({ $0.checkpoint.size < checkpoint.size }) ?? true {
                try await offPool { _ = try store.storeCheckpointNote(note) }
            }
            return
        }
        let tiles = PeerTiles(checkpoint: checkpoint, fetch: fetch)
        // Consistency (RFC 9162 §2.1.4) of what the mirror holds with the signed tree, the proof
        // made from the peer's tiles as that tree authenticates them.
        if held > 0 {
            let proof: ConsistencyProof
            do { proof = try await tiles.run { try ConsistencyProof.generate(oldSize: held, newSize: checkpoint.size, reader: $0) } } catch {
                throw ReplicationError.verification(origin: origin, "hash tiles of the tree of size \(checkpoint.size): \(error)")
            }
            let store = self.store
            let heldRoot = try await offPool { try store.treeHash(size: held) }
            do { try proof.verify(oldRoot: heldRoot, newRoot: checkpoint.root) } catch {
                try await conflict(checkpoint, note: note, tiles: tiles)
            }
        }
        try await copyLeaves(from: held, to: checkpoint, note: note, tiles: tiles)
    }

    /// The peer signed `checkpoint`, which conflicts with the mirror. Evidence needs a note the
    /// mirror kept: the latest, at the same size (two roots) or at another size, with the path
    /// from the larger tree (the peer's tiles, authenticated against its note; or the mirror's
    /// own, which its kept note signs) that gives the smaller size another root (`Evidence`).
    private func conflict(_ checkpoint: Checkpoint, note: String, tiles: PeerTiles?) async throws -> Never {
        let origin = peer.origin
        func withoutEvidence(_ why: String) -> ReplicationError { .conflictWithoutEvidence(origin: origin, why) }
        guard let (kept, keptNote) = store.latestCheckpoint, kept.size > 0 else {
            throw withoutEvidence("the signed tree of size \(checkpoint.size) does not contain the leaves mirrored so far, and the mirror keeps no note of the peer to show it")
        }
        let evidence: Evidence
        do {
            if kept.size == checkpoint.size {
                guard kept.root != checkpoint.root else {
                    throw withoutEvidence("the signed tree of size \(checkpoint.size) is the kept note's, yet does not contain the leaves mirrored beyond it")
                }
                evidence = try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [keptNote, note], proof: [])
            } else if kept.size < checkpoint.size {
                let tiles = tiles ?? PeerTiles(checkpoint: checkpoint, fetch: fetch)
                do { evidence = try await tiles.run { try Evidence.inconsistency(earlier: keptNote, later: note, laterTree: $0) } } catch let error as EvidenceError {
                    throw error
                } catch {
                    throw ReplicationError.verification(origin: origin, "hash tiles of the tree of size \(checkpoint.size): \(error)")
                }
            } else {
                let store = self.store
                evidence = try await offPool { try Evidence.inconsistency(earlier: note, later: keptNote, laterTree: store.hashReader()) }
            }
            try evidence.verify(logKey: peer.key)
        } catch let error as ReplicationError {
            throw error
        } catch {
            // The trees differ from what the mirror holds, yet the notes do not show it (the kept
            // note's tree is extended; the conflict is with leaves stored after it).
            throw withoutEvidence("the signed tree of size \(checkpoint.size) does not contain the leaves mirrored after the kept note (size \(kept.size)): \(error)")
        }
        // Not kept (the store failed): said loudly, and the peer is stopped all the same.
        do { try await recordEvidence(evidence, peer.key) } catch {
            logger.error("evidence not recorded", metadata: ["origin": "\(origin)", "error": "\(error)"])
        }
        throw ReplicationError.inconsistent(evidence)
    }

    /// Fetches, authenticates, replays and stores leaves `held` ..< `checkpoint.size`: batches of
    /// `settings.batchBundles` entry bundles fetched at once with their level-0 tiles, leaves
    /// parsed (signatures verified) on `settings.verifyTasks` tasks, replayed in order, then
    /// stored in chunks of about `settings.chunkLeaves` ending at an epoch leaf, each while the
    /// next batch is fetched and verified. The last chunk carries the peer's note.
    ///
    /// Three stages overlap: batch k + 1 is parsed while batch k is replayed (the replay, the
    /// mirror look-up before it and the authentication of the next batch are serial, and with
    /// the parse waiting for them a core stood idle for about a sixth of a catch-up,
    /// docs/benchmarks.md "Replication"), and chunk c is stored while later batches are parsed
    /// and replayed. Memory: two batches of bundles, two of parsed leaves, two chunks.
    private func copyLeaves(from held: UInt64, to checkpoint: Checkpoint, note: String, tiles: PeerTiles) async throws {
        let origin = peer.origin
        let store = self.store
        var last: LogLeaf?
        if held > 0 {
            guard let bytes = try await offPool({ try store.leafBytes(at: held - 1) }) else { throw ReplicationError.store(origin: origin, "leaf \(held - 1) is missing") }
            last = try LogLeaf(storedBytes: bytes)
        }
        // What the replay asks of statements already in the mirror (a statement logged again, the
        // target of an erasure, an erasure already made) is read for each batch before it is
        // replayed, in one GRDB read (`earlier`), never by the replay itself: it runs on the
        // cooperative pool, where a blocking read can deadlock the node (`offPool`).
        let known = EarlierInMirror()
        var replay = LogReplay(origin: origin, operators: operators, replayMap: false, continuingAfter: last,
                               earlierStatement: { known.statements[$0] }, earlierErasure: { known.erasures[$0] })
        var pending = [LogLeaf]()
        var pendingBytes = 0
        var storing: Task<Void, Error>?
        var handedOver = held
        let lastTile = (checkpoint.size - 1) / UInt64(Tile.fullWidth)
        var next = held / UInt64(Tile.fullWidth)
        func nextBatch() -> [Tile] {
            let end = min(lastTile, next + UInt64(settings.batchBundles) - 1)
            defer { next = end + 1 }
            return (next...end).compactMap { Tile.at(level: 0, index: $0, treeSize: checkpoint.size) }
        }
        // The next batch's bundles and level-0 hash tiles are fetched while this one is checked
        // and parsed (read-ahead of one batch: memory stays two batches of bundles).
        var batch = nextBatch()
        var fetching = fetchBatch(batch, tiles: tiles)
        // Matches `batch`'s bundles with the leaf hashes of its tiles, authenticated here (the
        // tiles are this task's), and hands both to a parse on tasks of its own, which checks each
        // entry against its hash and runs while the batch before is replayed; then moves on to the
        // next batch.
        func startParsing() async throws -> (parsing: Task<[[LogLeaf]], Error>, isLast: Bool) {
            let (current, currentFetch) = (batch, fetching)
            let isLast = next > lastTile
            if !isLast {
                batch = nextBatch()
                fetching = fetchBatch(batch, tiles: tiles)
            }
            let entries: [[UInt8]], hashes: [Hash]
            do { (entries, hashes) = try await signedEntries(current, fetched: currentFetch, from: held, checkpoint: checkpoint, tiles: tiles) } catch {
                // This batch's fetches too, not only the next one's (cancelled below): when its
                // tiles fail, its bundles would otherwise go on downloading past the lock.
                currentFetch.bundles.cancel()
                currentFetch.tiles.cancel()
                throw error
            }
            tiles.forgetLevel0()
            let first = max(held, current[0].index * UInt64(Tile.fullWidth))
            let tasks = settings.verifyTasks
            let size = checkpoint.size
            let parsing = Task {
                do { return try await PeerFollower.parse(entries, leafHashes: hashes, first: first, treeSize: size, tasks: tasks) } catch {
                    throw ReplicationError.verification(origin: origin, "\(error)")
                }
            }
            return (parsing, isLast)
        }
        // The batch being parsed and whether it is the last; nil once the last was taken.
        var upcoming: (parsing: Task<[[LogLeaf]], Error>, isLast: Bool)?
        do {
            upcoming = try await startParsing()
            while let (parsing, isLast) = upcoming {
                let parts = try await parsing.value
                upcoming = isLast ? nil : try await startParsing()
                let found = try await PeerFollower.earlier(of: parts.joined(), in: store)
                known.statements = found.statements
                known.erasures = found.erasures
                for part in parts {
                    for leaf in part {
                        do { try replay.append(leaf) } catch { throw ReplicationError.verification(origin: origin, "\(error)") }
                    }
                    pending += part
                    pendingBytes = part.reduce(pendingBytes) { $0 + $1.bytes.count }
                }
                let verified = replay.nextIndex
                status.withLock { $0.verifiedSize = verified }
                guard isLast || pending.count >= settings.chunkLeaves || pendingBytes >= settings.chunkBytes else { continue }
                guard let cut = pending.lastIndex(where: \.isEpoch) else {
                    guard !isLast, pending.count <= settings.maxLeavesWithoutEpoch, pendingBytes <= settings.maxBytesWithoutEpoch else {
                        throw ReplicationError.verification(origin: origin, "no epoch leaf among leaves \(pending[0].index)…\(pending[pending.count - 1].index) (\(pendingBytes) bytes; PROTOCOL §4: every batch ends with one)")
                    }
                    continue
                }
                if isLast && cut != pending.count - 1 {
                    throw ReplicationError.verification(origin: origin, "the checkpoint of size \(checkpoint.size) does not end with an epoch leaf (PROTOCOL §4)")
                }
                // The chunk keeps `pending`'s storage; only the leaves after the cut (fewer than an
                // epoch's) are copied: a leaf copied is a dozen retains and releases.
                let rest = Array(pending[(cut + 1)...])
                pending.removeLast(pending.count - cut - 1)
                let chunk = pending
                pending = rest
                pendingBytes = rest.reduce(0) { $0 + $1.bytes.count }
                try await storing?.value
                storing = nil
                replay.forgetStatements(before: handedOver)
                let chunkNote = isLast ? note : nil
                storing = Task { try await self.write(chunk, note: chunkNote) }
                handedOver = chunk[chunk.count - 1].index + 1
            }
            try await storing?.value
        } catch {
            fetching.bundles.cancel()
            fetching.tiles.cancel()
            // Never leave a parse or a write running past the lock: the next replication reads the store.
            upcoming?.parsing.cancel()
            _ = try? await upcoming?.parsing.value
            _ = try? await storing?.value
            throw error
        }
    }

    /// The entries of `batch` from index `held` on, each with the leaf hash the signed tree holds
    /// for it (the peer's level-0 tile, authenticated); `parse` checks each entry against it.
    private func signedEntries(_ batch: [Tile], fetched: FetchedBatch, from held: UInt64, checkpoint: Checkpoint,
                               tiles: PeerTiles) async throws -> (entries: [[UInt8]], leafHashes: [Hash]) {
        let origin = peer.origin
        let bundles: [[UInt8]]
        do {
            tiles.adopt(try await fetched.tiles.value)
            bundles = try await fetched.bundles.value
        } catch { throw ReplicationError.unreachable(origin: origin, "\(error)") }
        var entries = [[UInt8]](), leafHashes = [Hash]()
        for (tile, bundle) in zip(batch, bundles) {
            let hashes: [Hash]
            do { hashes = try await tiles.leafHashes(tile: tile.index) } catch let error as LogReadError {
                throw ReplicationError.unreachable(origin: origin, "\(error)")
            } catch { throw ReplicationError.verification(origin: origin, "\(tile.path) is not part of the signed tree of size \(checkpoint.size): \(error)") }
            let decoded: [[UInt8]]
            do { decoded = try EntryBundle.decode(bundle) } catch { throw ReplicationError.verification(origin: origin, "\(tile.entriesPath): \(error)") }
            guard decoded.count == tile.width, hashes.count == tile.width else {
                throw ReplicationError.verification(origin: origin, "\(tile.entriesPath): \(decoded.count) entries, the signed tree has \(tile.width) there")
            }
            let first = tile.index * UInt64(Tile.fullWidth)
            let skip = Int(held > first ? held - first : 0)
            entries += decoded[skip...]
            leafHashes += hashes[skip...]
        }
        return (entries, leafHashes)
    }

    /// What the mirror holds of the statements of `leaves` and of those their erasures name: each
    /// one's erasure target, and each erased one's erasure. One read on GRDB's reader queues.
    static func earlier(of leaves: some Sequence<LogLeaf>, in store: LogStore) async throws -> EarlierInMirror.Found {
        var asked = [Hash]()
        for leaf in leaves {
            guard let s = leaf.statement else { continue }
            asked.append(s.hash)
            if case let .erasure(e) = s.statement { asked.append(e.erases) }
        }
        guard !asked.isEmpty else { return .init() }
        let hashes = asked
        return try await store.read { snapshot in
            var found = EarlierInMirror.Found()
            for (hash, index) in try snapshot.indexes(ofStatements: hashes) {
                guard let bytes = try snapshot.leafBytes(at: index), let statement = try LogLeaf(storedBytes: bytes).statement else {
                    throw StoreError.notFound("statement \(hash) at leaf \(index) of the mirror")
                }
                found.statements[hash] = Admission.ErasureTarget(statement.statement)
                if let erasure = try snapshot.erasure(of: hash) { found.erasures[hash] = erasure.erasure }
            }
            return found
        }
    }

    /// A batch's entry bundles and level-0 hash tiles, being fetched.
    struct FetchedBatch {
        let bundles: Task<[[UInt8]], Error>
        let tiles: Task<[(Tile, [UInt8])], Error>
    }

    /// Fetches the entry bundles and the level-0 hash tiles of `batch` at once, in tasks of their own.
    private func fetchBatch(_ batch: [Tile], tiles: PeerTiles) -> FetchedBatch {
        let (fetch, paths) = (self.fetch, batch.map(\.entriesPath))
        let bundles = Task { try await LogReadClient.fetchAll(paths, with: fetch) }
        return FetchedBatch(bundles: bundles, tiles: tiles.fetchTask(batch))
    }

    /// Parses leaves, verifying their statements' signatures, on `tasks` cores: in eight slices
    /// a core, so that a core whose slice ends first (the writer and the replay share the cores)
    /// takes another instead of waiting idle for the last one. Each entry is first checked against
    /// the leaf hash the signed tree holds for it (`leafHashes`, same order), on the same cores.
    /// Returns the leaves in slices, in order (joined, one leaf an entry).
    static func parse(_ entries: [[UInt8]], leafHashes: [Hash], first: UInt64, treeSize: UInt64, tasks: Int) async throws -> [[LogLeaf]] {
        guard leafHashes.count == entries.count else {
            throw LogReplayError(index: first, .leaf, "\(entries.count) entries but \(leafHashes.count) leaf hashes from the signed tree")
        }
        let slices = 8 * max(1, tasks)
        let per = max(1, (entries.count + slices - 1) / slices)
        func notInTree(_ i: Int) -> LogReplayError {
            let index = first + UInt64(i)
            let tile = Tile.at(level: 0, index: index / UInt64(Tile.fullWidth), treeSize: treeSize)?.path ?? "its hash tile"
            return LogReplayError(index: index, .leaf, "is not the leaf the signed tree of size \(treeSize) holds there (its hash is not the one in \(tile))")
        }
        return try await withThrowingTaskGroup(of: (Int, [LogLeaf]).self) { group in
            for start in stride(from: 0, to: entries.count, by: per) {
                let range = start..<min(entries.count, start + per)
                group.addTask {
                    var leaves = [LogLeaf]()
                    leaves.reserveCapacity(range.count)
                    for i in range {
                        // Authenticated before it is parsed: bytes the signed tree does not hold
                        // cost a hash, never a signature verification.
                        do { leaves.append(try LogLeaf(bytes: entries[i], signedLeafHash: leafHashes[i])) } catch LeafError.notTheSignedLeaf {
                            throw notInTree(i)
                        } catch {
                            throw LogReplayError(index: first + UInt64(i), .leaf, "\(error)")
                        }
                    }
                    return (start, leaves)
                }
            }
            var parts = [(Int, [LogLeaf])]()
            for try await part in group { parts.append(part) }
            // The slices in order, not joined into one array: joining copies every leaf.
            parts.sort { $0.0 < $1.0 }
            return parts.map(\.1)
        }
    }

    /// Runs a blocking store call (each reads a SQLite connection from GRDB's pool, waiting for
    /// one when all are busy) on the writer queue, never on the cooperative pool: with its few
    /// threads (two on two cores) blocked waiting for readers, the async reads holding those
    /// readers could never resume to return them, and the node stopped answering (found with
    /// three federated nodes under load; docs/federation.md "Cosigning").
    private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            writer.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Stores one chunk on the writer queue.
    private func write(_ chunk: [LogLeaf], note: String?) async throws {
        let store = self.store
        let origin = peer.origin
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            writer.async {
                do {
                    try store.appendMirrored(chunk, note: note)
                    continuation.resume()
                } catch { continuation.resume(throwing: ReplicationError.store(origin: origin, "\(error)")) }
            }
        }
        metrics.leavesMirrored(origin: origin, chunk.count, size: store.size)
        status.withLock { $0.mirroredSize = store.size }
    }
}

/// The mirror's answers for the batch being replayed (`PeerFollower.earlier`), which the
/// replay's look-ups read. Written between batches, read during one, by one task only.
final class EarlierInMirror: @unchecked Sendable {
    struct Found: Sendable {
        var statements: [Hash: Admission.ErasureTarget] = [:]
        var erasures: [Hash: Hash] = [:]
    }

    var statements: [Hash: Admission.ErasureTarget] = [:]
    var erasures: [Hash: Hash] = [:]
}
