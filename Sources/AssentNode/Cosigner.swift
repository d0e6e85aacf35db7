import AssentCore
import AssentStore
import AsyncHTTPClient
import Dispatch
import Logging
import Synchronization

/// Gathers the federation's witnesses' cosignatures on this node's checkpoints
/// (docs/federation.md "Cosigning"; PROTOCOL §4, §8).
///
/// The sequencer commits a checkpoint (its note, signed by the log key, is durable and served
/// at once), then offers it here and goes on with the next batch: witnessing never holds the
/// critical section. Each witness has its own `WitnessClient`. Cosignatures are added to the
/// checkpoint's note as they come, and the note is stored (`LogStore.storeCheckpointNote`), so
/// `/checkpoint` serves the best-cosigned latest note.
///
/// Submitters of a batch wait (`cosigned(atLeast:)`) until a checkpoint at least as large as
/// their batch's has the quorum, or every witness has answered for one, or the deadline
/// (`witnessTimeoutMilliseconds`) passes; their receipts are then proved against the best such
/// checkpoint: the one with the most cosignatures, the smallest on a tie. A later checkpoint
/// serves an earlier batch because a slow witness asked for the newest only cosigns that one.
/// Below quorum the receipts still come, and the reply says so.
actor Cosigner {
    struct Gathering {
        let checkpoint: Checkpoint
        var note: SignedNote
        /// Witnesses (by name) that cosigned this checkpoint.
        var cosigners: Set<String> = []
    }

    /// What a batch's receipts are proved against.
    struct Cosigned: Sendable {
        let size: UInt64
        let note: String
        let cosignatures: Int
    }

    struct Waiter {
        let size: UInt64
        let continuation: CheckedContinuation<Cosigned, Never>
    }

    /// Checkpoints kept while they gather, newest last.
    static let kept = 256

    let federation: Federation
    let witnessCount: Int
    private let clients: [WitnessClient]
    private var gatherings: [UInt64: Gathering] = [:]
    /// Per witness name, the largest size it has answered for (cosigned or failed).
    private var answered: [String: UInt64] = [:]
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    private let store: LogStore
    private let timeout: Duration
    private let logger: Logger
    private let metrics: NodeMetrics
    /// Stores cosigned notes off the actor, in order.
    private let storing = DispatchQueue(label: "assent.cosigner.store")

    /// nil when there is no witness to ask (no federation, or no witness with a URL but this node's own).
    init?(federation: Federation?, witnesses: [Federation.Witness], store: LogStore, timeout: Duration, metrics: NodeMetrics, logger: Logger) {
        guard let federation else { return nil }
        let askable = witnesses.filter { $0.url != nil }
        guard !askable.isEmpty else { return nil }
        self.federation = federation
        self.witnessCount = askable.count
        self.store = store
        self.timeout = timeout
        self.metrics = metrics
        self.logger = logger
        let proof: WitnessClient.Proof = { old, new in
            try await store.read { try $0.consistencyProof(oldSize: old, newSize: new).hashes }
        }
        // The clients report to this actor through `relay`, which learns the actor once it exists.
        let relay = Relay()
        clients = askable.compactMap { witness in
            // A request may outlive the submitters' wait (`timeout`): a witness replicating a
            // large batch under load answers late, and its cosignature still serves the stored
            // note and later batches; cut at once, its catch-up would be wasted and it backed off.
            WitnessClient(witness: witness, timeout: timeout * 3, client: { await relay.target?.httpClient() }, proof: proof) { witness, size, result in
                await relay.target?.record(witness: witness, size: size, result: result)
            }
        }
        relay.set(self)
    }

    /// A weak reference to the cosigner for its clients' reports (no cycle through the clients).
    private final class Relay: Sendable {
        private struct Weak: @unchecked Sendable { weak var value: Cosigner? }
        private let box = Mutex(Weak())
        var target: Cosigner? { box.withLock { $0.value } }
        func set(_ cosigner: Cosigner) { box.withLock { $0.value = cosigner } }
    }

    private var http: HTTPClient?
    private var stopped = false

    /// The client for every witness, made on first use so that a node that never runs holds
    /// none (an `HTTPClient` must be shut down). A failed connection fails the request at once
    /// (no retries within it): the witness is asked again for a later checkpoint, after its
    /// back-off, rather than holding this one's submitters.
    func httpClient() -> HTTPClient? {
        guard !stopped else { return nil }
        if let http { return http }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        // A witness is asked at the URL the federation file gives, never where it redirects to.
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .milliseconds(min(1000, Int64(timeout.nanoseconds / 1_000_000)))
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        http = made
        return made
    }

    /// Offers a committed checkpoint to every witness; returns at once.
    func offer(_ checkpoint: Checkpoint, note: String) {
        guard gatherings[checkpoint.size] == nil, let parsed = try? SignedNote(parsing: note) else { return }
        gatherings[checkpoint.size] = Gathering(checkpoint: checkpoint, note: parsed)
        prune()
        for client in clients { Task { await client.offer(checkpoint, note: parsed) } }
    }

    /// Waits for the cosignatures of a checkpoint of at least `size` (see the type's comment).
    func cosigned(atLeast size: UInt64) async -> Cosigned {
        if let done = settled(size) { return done }
        nextWaiter += 1
        let id = nextWaiter
        let timer = Task { [timeout] in
            try? await Task.sleep(for: timeout)
            self.expire(id)
        }
        let result = await withCheckedContinuation { waiters[id] = Waiter(size: size, continuation: $0) }
        timer.cancel()
        return result
    }

    private func expire(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(returning: best(atLeast: waiter.size))
    }

    /// The answer for `size` when nothing more is worth waiting for: a checkpoint ≥ size with the
    /// quorum, or every witness has answered for some checkpoint ≥ size.
    private func settled(_ size: UInt64) -> Cosigned? {
        let candidates = gatherings.values.filter { $0.checkpoint.size >= size }
        if let met = candidates.filter({ $0.cosigners.count >= federation.quorum }).min(by: { $0.checkpoint.size < $1.checkpoint.size }) {
            return Cosigned(size: met.checkpoint.size, note: met.note.serialized, cosignatures: met.cosigners.count)
        }
        if clients.allSatisfy({ (answered[$0.witness.key.name] ?? 0) >= size }) { return best(atLeast: size) }
        return nil
    }

    private func best(atLeast size: UInt64) -> Cosigned {
        let candidates = gatherings.values.filter { $0.checkpoint.size >= size }
        guard let top = candidates.max(by: { ($0.cosigners.count, $1.checkpoint.size) < ($1.cosigners.count, $0.checkpoint.size) }) else {
            // Pruned or never offered: the latest stored note covers the batch (the store holds it).
            let (checkpoint, note) = store.latestCheckpoint ?? (Checkpoint(origin: store.origin, size: size, root: .zero), "")
            return Cosigned(size: checkpoint.size, note: note, cosignatures: 0)
        }
        return Cosigned(size: top.checkpoint.size, note: top.note.serialized, cosignatures: top.cosigners.count)
    }

    private func record(witness: Federation.Witness, size: UInt64, result: Result<SignedNote.Signature, WitnessClient.Failure>) {
        let name = witness.key.name
        answered[name] = max(answered[name] ?? 0, size)
        switch result {
        case let .success(signature):
            metrics.cosignature(witness: name, ok: true)
            if var gathering = gatherings[size], !gathering.cosigners.contains(name) {
                gathering.note = gathering.note.adding(signature)
                gathering.cosigners.insert(name)
                gatherings[size] = gathering
                let note = gathering.note.serialized
                storing.async { [store, logger] in
                    do { try store.storeCheckpointNote(note) } catch {
                        logger.error("cosigned checkpoint could not be stored", metadata: ["size": "\(size)", "error": "\(error)"])
                    }
                }
            }
        case let .failure(failure):
            metrics.cosignature(witness: name, ok: false)
            if failure != .backingOff, failure != .stopping {
                logger.warning("witness did not cosign", metadata: ["witness": "\(name)", "size": "\(size)", "why": "\(failure)"])
            }
        }
        for (id, waiter) in waiters {
            if let done = settled(waiter.size) {
                waiters[id] = nil
                waiter.continuation.resume(returning: done)
            }
        }
    }

    /// Keeps the newest `kept` checkpoints; older ones no waiter can still need.
    private func prune() {
        guard gatherings.count > Cosigner.kept else { return }
        let oldestWaited = waiters.values.map(\.size).min() ?? .max
        for size in gatherings.keys.sorted().prefix(gatherings.count - Cosigner.kept) where size < oldestWaited {
            gatherings[size] = nil
        }
    }

    /// Wakes every waiter with what there is, and shuts the HTTP client down (the node is stopping).
    func finish() async {
        for (_, waiter) in waiters { waiter.continuation.resume(returning: best(atLeast: waiter.size)) }
        waiters = [:]
        stopped = true
        if let http {
            self.http = nil
            try? await http.shutdown()
        }
    }
}
