import AssentCore
import AssentStore
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Follows every peer log of the federation into a mirror in this node's database (issue 8;
/// ARCHITECTURE.md "Replicate"; C2SP tlog-mirror): one `PeerFollower` per peer, each polling
/// the peer's checkpoint and replicating up to it, with exponential backoff after a failure.
/// A peer found signing conflicting checkpoints is recorded as evidence and no longer followed;
/// its mirror is never overwritten.
///
/// Runs as a service of the node; the witness calls `catchUp(to:note:deadline:)` before it
/// cosigns, so that a cosignature means "mirrored and replayed to this size" (PROTOCOL §8).
public final class Replicator: Service, Sendable {
    /// A peer log: its origin, its checkpoint key (from the federation file) and the base URL
    /// its tlog-tiles paths are under.
    public struct Peer: Sendable, Equatable {
        public let origin: String
        public let key: NoteVerifierKey
        public let url: String

        public init(origin: String, key: NoteVerifierKey, url: String) {
            self.origin = origin
            self.key = key
            self.url = url
        }
    }

    public struct Settings: Sendable {
        /// How often a followed peer's checkpoint is polled.
        public var interval: Duration = .seconds(1)
        /// The wait after a first failure; it doubles with each failure up to `maxRetry`.
        public var firstRetry: Duration = .seconds(1)
        public var maxRetry: Duration = .seconds(300)
        /// Entry bundles fetched at once, with their level-0 tiles.
        public var batchBundles = 16
        /// Leaves per stored chunk, about (each chunk ends at an epoch leaf): bounds memory.
        public var chunkLeaves = 16_384
        /// Bytes of leaves per stored chunk, about: a chunk is also cut (at its last epoch leaf)
        /// once its leaves hold this many bytes, whatever their number.
        public var chunkBytes = 64 << 20
        /// Leaves without an epoch leaf before the peer is judged broken (PROTOCOL §4: each batch
        /// ends with one; this node's batches hold at most 1,000 statements).
        public var maxLeavesWithoutEpoch = 65_536
        /// Bytes of leaves without an epoch leaf before the peer is judged broken: twice the most
        /// a batch of this node's can hold (1,000 statements of at most 64,512 bytes, in leaves of
        /// at most 65,535). Without it, 65,536 leaves of 64 KiB each (4 GiB, held parsed until an
        /// epoch leaf came) were a peer's to send.
        public var maxBytesWithoutEpoch = 128 << 20
        /// Tasks that parse leaves and verify their signatures: the cores.
        public var verifyTasks = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Per-request timeout on a peer, in seconds.
        public var requestTimeoutSeconds: Int64 = 60
        /// The longest wait for a peer's checkpoint (a few hundred bytes). A link cut while a poll
        /// is in flight leaves the connection open and silent: without this, the poll would
        /// wait `requestTimeoutSeconds`, the peer would show as `following` meanwhile, and after
        /// the heal the request would hang on in TCP's retransmission back-off (found by
        /// Scripts/partition-drill.sh).
        public var checkpointTimeout: Duration = .seconds(5)

        public init() {}
    }

    /// Keeps evidence that a peer signed conflicting checkpoints (the node's `EvidenceRecorder`),
    /// with the log's key it must verify against.
    public typealias RecordEvidence = @Sendable (Evidence, NoteVerifierKey) async throws -> Void

    static func summary(_ evidence: Evidence) -> String {
        let sizes = evidence.checkpoints.map { String($0.size) }.joined(separator: " and ")
        return switch evidence.kind {
        case .sameSizeDifferentRoot: "two checkpoints of size \(sizes) with different roots (evidence kept)"
        case .inconsistent: "checkpoints of sizes \(sizes) whose trees are not consistent (evidence kept)"
        }
    }

    let followers: [String: PeerFollower]
    let settings: Settings
    let logger: Logger
    /// Made on first use, so a node that never runs nor replicates has no client to shut down
    /// (AsyncHTTPClient requires a shutdown before a client goes away).
    private let clientState = Mutex<ClientState>(.none)

    private enum ClientState {
        case none
        case running(HTTPClient)
        case shutDown
    }

    /// The client for reading peers; throws once the replicator has shut down.
    func client() throws -> HTTPClient {
        try clientState.withLock { state in
            switch state {
            case let .running(client): return client
            case .shutDown: throw ReplicationError.unreachable(origin: "", "the replicator has shut down")
            case .none:
                let client = LogReadClient.makeHTTPClient(connect: .seconds(10), read: .seconds(settings.requestTimeoutSeconds))
                state = .running(client)
                return client
            }
        }
    }

    /// - `operators`: the keys the peers' sequencers trusted for enrollments and mandates (the
    ///   federation's operator keys), as the replay applies the intake rules.
    /// - `recordEvidence`: keeps a conflict (the evidence store); when it throws, the conflict is
    ///   still reported and the peer still stopped.
    public init(database: AssentDatabase, peers: [Peer], operators: Set<PublicKey>, settings: Settings = .init(),
                clock: any NodeClock, metrics: NodeMetrics, logger: Logger,
                recordEvidence: @escaping RecordEvidence) throws {
        self.settings = settings
        self.logger = logger
        var followers = [String: PeerFollower]()
        // The followers read through `client()`, which needs `self`: set below, before any read.
        let box = WeakReplicator()
        for peer in peers {
            // Opening a mirror checks its stored tree against its latest note, as for the own log.
            let store = try database.openLog(origin: peer.origin, verifierKey: peer.key, role: .mirror)
            followers[peer.origin] = PeerFollower(
                peer: peer, store: store, settings: settings, operators: operators,
                fetch: { [timeout = settings.requestTimeoutSeconds] path in
                    guard let replicator = box.value else { throw ReplicationError.unreachable(origin: peer.origin, "the replicator is gone") }
                    return try await LogReadClient.fetch(base: peer.url, client: try replicator.client(), timeout: .seconds(timeout))(path)
                },
                recordEvidence: recordEvidence, clock: clock, metrics: metrics, logger: logger)
        }
        self.followers = followers
        box.value = self
    }

    /// The mirror of each peer, by origin (the mirror routes serve them).
    public var mirrors: [String: LogStore] { followers.mapValues(\.store) }

    /// Every peer's status, by origin.
    public func status() -> [PeerStatus] {
        followers.values.map { $0.status.withLock { $0 } }.sorted { $0.origin < $1.origin }
    }

    /// Follows every peer until the node shuts down, then closes the HTTP client.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for follower in self.followers.values { group.addTask { await self.follow(follower) } }
            }
        }
        // Every follower has ended: the node is stopping, or each peer was stopped (evidence of
        // equivocation). In the second case the service must not end before the node does: a
        // service that returns ends the node's whole service group, so a node whose every peer
        // equivocated stopped serving its own log (found by the node-level fork test).
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Closes the HTTP client (`run` does when the node stops; a caller that only used `catchUp`
    /// calls this). Reads after it fail.
    public func shutdown() async throws {
        let client: HTTPClient? = clientState.withLock { state in
            defer { state = .shutDown }
            if case let .running(client) = state { return client }
            return nil
        }
        try await client?.shutdown()
    }

    private func follow(_ follower: PeerFollower) async {
        var failures = 0
        while !Task.isCancelled {
            let wait: Duration
            do {
                try await follower.poll()
                failures = 0
                wait = settings.interval
            } catch {
                if case .stopped = follower.status.withLock({ $0.state }) { return }
                failures += 1
                wait = Replicator.backoff(failures: failures, first: settings.firstRetry, max: settings.maxRetry)
            }
            do { try await Task.sleep(for: wait) } catch { return }
        }
    }

    /// The wait after `failures` consecutive failures: `first`, doubled each time, at most `max`.
    static func backoff(failures: Int, first: Duration, max: Duration) -> Duration {
        var wait = first
        for _ in 1..<Swift.max(1, Swift.min(failures, 32)) where wait < max { wait = wait * 2 }
        return Swift.min(wait, max)
    }
}

extension Replicator {
    /// Brings the mirror of `checkpoint.origin` up to exactly `checkpoint` (whose note `note` the
    /// caller has verified with the log's key), fetching and verifying from that peer's URL, and
    /// returns once the mirror holds that size with that root. Throws `ReplicationError`
    /// (unknown origin, peer unreachable or not done within `deadline` — the replication goes on
    /// in the background —, verification failure naming the leaf or tile, or `.inconsistent`
    /// with the evidence when the mirror's tree disagrees).
    public func catchUp(to checkpoint: Checkpoint, note: String, deadline: Duration) async throws {
        guard let follower = followers[checkpoint.origin] else { throw ReplicationError.unknownOrigin(checkpoint.origin) }
        // The note must be the checkpoint's, signed by the key the federation file names.
        do { try checkpoint.verifyNote(note, logKey: follower.peer.key) } catch {
            throw ReplicationError.badCheckpoint(origin: checkpoint.origin, "\(error)")
        }
        let work = Task { try await follower.sync(to: checkpoint, note: note) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await work.value }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw ReplicationError.deadline(origin: checkpoint.origin, deadline)
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// The size and root the mirror of `origin` holds, verified; nil if none.
    public func mirrored(origin: String) -> (size: UInt64, root: Hash)? {
        guard let store = followers[origin]?.store else { return nil }
        let size = store.size
        guard size > 0, let root = try? store.treeHash(size: size) else { return nil }
        return (size, root)
    }
}

/// The replicator as its followers reach it, without a reference cycle.
private final class WeakReplicator: @unchecked Sendable {
    // Set once, in `Replicator.init`, before any follower reads.
    weak var value: Replicator?
}
