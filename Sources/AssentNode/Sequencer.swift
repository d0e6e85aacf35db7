import AssentCore
import AssentStore
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// The one writer of the node's log (PROTOCOL §4).
///
/// Statements queue here (at most `maxQueued`; beyond that a submitter is told to come back,
/// 503). A batch is written when it is full or its interval has passed: the statement leaves,
/// then an epoch leaf, appended with the signed checkpoint that covers them in one durable
/// transaction — the critical section, `LogStore.append`, run on one serial queue. Only then
/// are receipts proved (outside the critical section, while the next batch is written) and
/// waiters answered, so every receipt is backed by a checkpoint on disk. An idle node still
/// writes an epoch leaf every `epochInterval`.
///
/// The sequencer sleeps until something is due: a statement arriving, a batch interval or the
/// epoch interval running out (deadlines on the injected monotonic clock). When an append
/// fails, the store is reloaded from disk before anything else is written, so memory never
/// runs ahead of or behind the database; if it cannot be reloaded, the sequencer stops, and
/// the node with it.
public actor Sequencer: Service {
    public struct Settings: Sendable {
        public var batchSize: Int
        public var batchInterval: Duration
        public var epochInterval: Duration
        public var maxQueued: Int
        /// The most record versions a batch may make (`MapUpdate.batchRecordBound`; smaller in tests).
        public var batchRecordBound: Int

        public init(batchSize: Int, batchInterval: Duration, epochInterval: Duration, maxQueued: Int,
                    batchRecordBound: Int = MapUpdate.batchRecordBound) {
            self.batchSize = batchSize
            self.batchInterval = batchInterval
            self.epochInterval = epochInterval
            self.maxQueued = maxQueued
            self.batchRecordBound = batchRecordBound
        }
    }

    typealias Waiter = @Sendable (Result<Receipt, Problem>) -> Void

    struct Pending {
        let statement: SignedStatement
        /// The disclosures of the first submission of this statement; later ones are dropped.
        let disclosures: [Disclosure]
        var waiters: [Waiter]
    }

    /// Where a statement of a written batch ended up.
    enum Placement: Sendable {
        case logged(LogLeaf)
        /// Already in the log, from an earlier batch.
        case earlier(index: UInt64)
        case refused(Problem)
    }

    let store: LogStore
    let signer: NoteSigner
    let settings: Settings
    /// Asks the federation's witnesses to cosign each checkpoint; nil when there are none.
    let cosigner: Cosigner?
    let clock: any NodeClock
    let logger: Logger
    let metrics: NodeMetrics
    private let writer = DispatchQueue(label: "assent.sequencer.writer")
    /// Receipts are proved here, one batch at a time: off the writer, and bounded.
    private let provers = DispatchQueue(label: "assent.sequencer.receipts")

    private var pending: [Hash: Pending] = [:]
    private var order: [Hash] = []
    private var firstPendingAt: Duration?
    private var lastWriteAt: Duration
    private var stopping = false
    private var wake: CheckedContinuation<Void, Never>?
    private var proving: [Int: Task<Void, Never>] = [:]
    private var nextProof = 0

    /// The log's size after each batch, for whoever watches (tests, progress): newest only.
    public nonisolated let written: AsyncStream<UInt64>
    private let writtenContinuation: AsyncStream<UInt64>.Continuation
    /// The queue's length each time a statement joins it, for whoever watches: newest only.
    public nonisolated let queueLengths: AsyncStream<Int>
    private let queueLengthsContinuation: AsyncStream<Int>.Continuation

    /// Called after a batch that logged an erasure is committed: the WAL truncation it owes is
    /// done off this write path (`WALTruncation`).
    let erasureLogged: @Sendable () -> Void

    init(store: LogStore, signer: NoteSigner, settings: Settings, clock: any NodeClock, metrics: NodeMetrics, logger: Logger,
         cosigner: Cosigner? = nil, erasureLogged: @escaping @Sendable () -> Void = {}) {
        self.erasureLogged = erasureLogged
        self.cosigner = cosigner
        self.store = store
        self.signer = signer
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        lastWriteAt = clock.elapsed
        (written, writtenContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        (queueLengths, queueLengthsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Statements waiting to be written.
    public var queued: Int { order.count }

    /// Queues checked statements in the order given (so a batch is logged in its order) and
    /// waits until each is logged under a signed checkpoint; each gets its own result. The same
    /// statement queued twice is logged once, and both callers get the same receipt; the
    /// disclosures of the first are stored (docs/protocol.md "Personal data"). Statements
    /// beyond the queue's bound are refused with `queue-full` and logged nowhere.
    func submit(_ statements: [Submission]) async -> [Result<Receipt, Problem>] {
        await submit(statements.map { ($0.statement, $0.disclosures) })
    }

    /// Statements without disclosures (tests; a statement with commitments is refused before
    /// it gets here, by `Submission`).
    func submit(_ statements: [SignedStatement]) async -> [Result<Receipt, Problem>] {
        await submit(statements.map { ($0, []) })
    }

    private func submit(_ statements: [(SignedStatement, [Disclosure])]) async -> [Result<Receipt, Problem>] {
        guard !statements.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let collector = ResultCollector(count: statements.count, continuation: continuation)
            for (i, (statement, disclosures)) in statements.enumerated() {
                enqueue(statement, disclosures: disclosures) { collector.set(i, $0) }
            }
            // The run loop recomputes its deadline: a first statement or a full batch brings it forward.
            signal()
        }
    }

    private func enqueue(_ statement: SignedStatement, disclosures: [Disclosure], waiter: @escaping Waiter) {
        guard !stopping else {
            waiter(.failure(Problem(.shuttingDown, "the node is stopping; try again later", retryAfter: 5)))
            return
        }
        let hash = statement.hash
        if pending[hash] != nil {
            pending[hash]!.waiters.append(waiter)
            return
        }
        guard order.count < settings.maxQueued else {
            metrics.queueFull()
            waiter(.failure(Problem(.queueFull, "\(order.count) statements are waiting to be logged, the most this node queues; try again shortly",
                                    retryAfter: 1)))
            return
        }
        pending[hash] = Pending(statement: statement, disclosures: disclosures, waiters: [waiter])
        order.append(hash)
        queueLengthsContinuation.yield(order.count)
        if firstPendingAt == nil { firstPendingAt = clock.elapsed }
    }

    public nonisolated func run() async throws {
        do {
            // A new log starts with an epoch leaf so that it always has a signed checkpoint to serve.
            if store.size == 0 { try await flush() }
            try await withGracefulShutdownHandler {
                while await !isStopping() {
                    if await isDue() { try await flush() } else { await sleepUntilDue() }
                }
            } onGracefulShutdown: {
                Task { await self.beginStopping() }
            }
            // Drain: whatever was accepted into the queue is logged before the node stops.
            await beginStopping()
            while await !isQueueEmpty() { try await flush() }
        } catch {
            // Whatever ended the sequencer (a log that cannot be written or reloaded), nobody
            // waits for it: everyone queued is answered, and later submitters are turned away.
            await failAllPending(error)
            await cosigner?.finish()
            await finishProving()
            finishStreams()
            throw error
        }
        await cosigner?.finish()
        await finishProving()
        finishStreams()
        logger.info("sequencer stopped", metadata: ["size": "\(store.size)"])
    }

    private nonisolated func finishStreams() {
        writtenContinuation.finish()
        queueLengthsContinuation.finish()
    }

    private func isStopping() -> Bool { stopping || Task.isCancelled }
    private func isQueueEmpty() -> Bool { order.isEmpty }

    private func beginStopping() {
        stopping = true
        signal()
    }

    private func signal() {
        if let wake {
            self.wake = nil
            wake.resume()
        }
    }

    /// A batch is due when it is full, when its first statement has waited `batchInterval`, or
    /// when nothing has been written for `epochInterval` (an idle epoch).
    private func isDue() -> Bool { nextDeadline() <= clock.elapsed }

    private func nextDeadline() -> Duration {
        if order.count >= settings.batchSize { return .zero }
        let epoch = lastWriteAt + settings.epochInterval
        guard let first = firstPendingAt else { return epoch }
        return min(epoch, first + settings.batchInterval)
    }

    /// How many of the queued statements the next batch takes: at most `batchSize`, and no more
    /// than can make `settings.batchRecordBound` record versions (a batch of large mandates is
    /// cut, its rest written in the next round), but always at least one.
    private func batchLength() -> Int {
        MapUpdate.batchLength(order.prefix(settings.batchSize).lazy.compactMap { self.pending[$0]?.statement.statement },
                              bound: settings.batchRecordBound)
    }

    /// Sleeps until the next deadline or until `signal` (a statement arrived, or the node is stopping).
    /// Checked in the same actor turn that parks the loop, so a stop that came between the loop's
    /// steps is not lost (a statement that came is: it moved the deadline).
    private func sleepUntilDue() async {
        guard !stopping else { return }
        let deadline = nextDeadline()
        let timer = Task { [clock] in
            guard (try? await clock.sleep(until: deadline)) != nil else { return }
            await self.signal()
        }
        // Cancellation (not a graceful stop) must wake the loop too, or it would sleep until the deadline.
        await withTaskCancellationHandler {
            await withCheckedContinuation { wake = $0 }
        } onCancel: {
            Task { await self.signal() }
        }
        timer.cancel()
    }

    /// No waiter is ever left hanging: when the log cannot be written while stopping, everyone still queued is told.
    private func failAllPending(_ error: Error) {
        stopping = true
        let problem = Problem.notLogged("the node stopped before this statement could be logged")
        logger.error("log could not be written while stopping", metadata: ["error": "\(error)"])
        for hash in order { for waiter in pending[hash]?.waiters ?? [] { waiter(.failure(problem)) } }
        order = []
        pending = [:]
    }

    /// Writes one batch (possibly empty: an idle epoch), then proves its receipts in the
    /// background and answers its waiters.
    func flush() async throws {
        let hashes = Array(order.prefix(batchLength()))
        order.removeFirst(hashes.count)
        let batch = hashes.map { pending.removeValue(forKey: $0)! }
        // Leftovers keep the oldest arrival time, so they are written in the next round, not an interval later.
        if order.isEmpty { firstPendingAt = nil }
        let statements = batch.map(\.statement)
        var disclosures = [Hash: [Disclosure]]()
        for item in batch where !item.disclosures.isEmpty { disclosures[item.statement.hash] = item.disclosures }
        let time = clock.now
        let outcome: Result<(placements: [Placement], checkpoint: Checkpoint, note: String), Error> = await withCheckedContinuation { c in
            writer.async { [store, signer, disclosures] in
                c.resume(returning: Result {
                    try Sequencer.write(statements, disclosures: disclosures, time: time, store: store, signer: signer)
                })
            }
        }
        lastWriteAt = clock.elapsed
        switch outcome {
        case let .success((placements, checkpoint, note)):
            metrics.batchWritten(statements: statements.count, size: checkpoint.size)
            if placements.contains(where: { if case let .logged(leaf) = $0, case .erasure? = leaf.statement?.statement { true } else { false } }) {
                erasureLogged()
            }
            writtenContinuation.yield(checkpoint.size)
            // The checkpoint is durable and served; the witnesses are asked while the next batch is written.
            await cosigner?.offer(checkpoint, note: note)
            prove(batch, placements: placements, size: checkpoint.size, note: note)
        case let .failure(error):
            logger.error("batch could not be written", metadata: ["error": "\(error)", "statements": "\(statements.count)"])
            try await recover(batch, after: error)
        }
    }

    /// After a failed append: reload the store from disk (or stop the node, by throwing), then
    /// answer the batch. A failure can come after the commit reached the disk; statements the
    /// reloaded log holds get their receipts, the others `not-logged`.
    private func recover(_ batch: [Pending], after error: Error) async throws {
        let reloaded: Result<Void, Error> = await withCheckedContinuation { c in
            writer.async { [store] in c.resume(returning: Result { try store.reload() }) }
        }
        if case let .failure(reloadError) = reloaded {
            let problem = Problem.notLogged("the log could not be written; the node is stopping")
            for item in batch { for waiter in item.waiters { waiter(.failure(problem)) } }
            logger.critical("log state could not be reloaded after a failed append; stopping", metadata: ["error": "\(reloadError)"])
            throw reloadError
        }
        // Which of the batch the reloaded log holds; if even that cannot be read, the node stops
        // rather than tell a submitter "not logged" about a statement that may be.
        let hashes = batch.map(\.statement.hash)
        let read: Result<[Hash: UInt64], Error> = await withCheckedContinuation { c in
            writer.async { [store] in c.resume(returning: Result { try store.indexes(ofStatements: hashes) }) }
        }
        let known: [Hash: UInt64]
        switch read {
        case let .success(k): known = k
        case let .failure(readError):
            let problem = Problem(.receiptUnavailable, "the log could not be written, and whether this statement was logged could not be read back; submit it again once the node is back")
            for item in batch { for waiter in item.waiters { waiter(.failure(problem)) } }
            logger.critical("log could not be read after a failed append; stopping", metadata: ["error": "\(readError)"])
            throw readError
        }
        let notLogged = Problem.notLogged("the log could not be written; nothing of this statement was logged, send it again")
        var logged = [Pending]()
        for item in batch {
            if known[item.statement.hash] != nil { logged.append(item) } else { for waiter in item.waiters { waiter(.failure(notLogged)) } }
        }
        guard !logged.isEmpty, let (checkpoint, note) = store.latestCheckpoint else { return }
        prove(logged, placements: logged.map { .earlier(index: known[$0.statement.hash]!) }, size: checkpoint.size, note: note)
    }

    /// Proves the receipts of a written batch on the prover queue, off the actor and off the
    /// writer, then answers its waiters. In a federation, first waits for the witnesses'
    /// cosignatures (`Cosigner`), and proves against the checkpoint they cosigned, which may be
    /// a later one than the batch's.
    private func prove(_ batch: [Pending], placements: [Placement], size batchSize: UInt64, note batchNote: String) {
        nextProof += 1
        let id = nextProof
        let store = self.store
        let provers = self.provers
        let cosigner = self.cosigner
        let metrics = self.metrics
        proving[id] = Task {
            var against = (size: batchSize, note: batchNote)
            if let cosigner {
                let cosigned = await cosigner.cosigned(atLeast: batchSize)
                if !cosigned.note.isEmpty { against = (cosigned.size, cosigned.note) }
                if cosigned.cosignatures < cosigner.federation.quorum { metrics.batchBelowQuorum() }
            }
            let (size, note) = against
            let results: [Result<Receipt, Problem>] = await withCheckedContinuation { c in
                provers.async {
                    let results: [Result<Receipt, Problem>]
                    do { results = try store.readBlocking { Sequencer.receipts(for: placements, size: size, note: note, snapshot: $0) } } catch {
                        results = placements.map { placement in
                            switch placement {
                            case let .refused(p): .failure(p)
                            case let .logged(leaf): .failure(Sequencer.receiptUnavailable(at: leaf.index))
                            case let .earlier(index): .failure(Sequencer.receiptUnavailable(at: index))
                            }
                        }
                    }
                    c.resume(returning: results)
                }
            }
            for (item, result) in zip(batch, results) { for waiter in item.waiters { waiter(result) } }
            await self.doneProving(id)
        }
    }

    private func doneProving(_ id: Int) { proving[id] = nil }

    private func finishProving() async {
        while let (_, task) = proving.first { await task.value }
    }

    /// The critical section: build leaves continuing the chain, append them with the epoch leaf,
    /// the disclosures of the statements they log and the signed checkpoint in one transaction.
    /// The store applies the statements to the state map in that transaction and hands back the
    /// new map root, which the epoch leaf made here carries (PROTOCOL §5).
    /// Nothing else: receipts are proved after, and the WAL truncation an erasure owes (recorded in
    /// the same transaction) is done by `WALTruncation`, never here.
    static func write(_ statements: [SignedStatement], disclosures: [Hash: [Disclosure]] = [:], time now: Timestamp, store: LogStore,
                      signer: NoteSigner) throws -> (placements: [Placement], checkpoint: Checkpoint, note: String) {
        var chain = store.chainHead
        // Leaf time never decreases (PROTOCOL §4), even if the wall clock steps back.
        let time = max(now, chain.lastTime ?? Timestamp(milliseconds: 0))
        var leaves = [LogLeaf]()
        var placements = [Placement]()
        // Statements logged since their submitters checked (a repeat in an earlier batch) are not logged again.
        var seen = try store.indexes(ofStatements: statements.map(\.hash))
        // Two different erasures of one statement may pass their checks at once (two requests);
        // the first written wins, the other is refused here, so a statement is erased once.
        var erasedBy = try Sequencer.erasures(of: statements, store: store)
        for statement in statements {
            if let index = seen[statement.hash] {
                placements.append(.earlier(index: index))
                continue
            }
            if case let .erasure(e) = statement.statement {
                if let first = erasedBy[e.erases] {
                    placements.append(.refused(Problem(.alreadyErased, "statement \(e.erases.base64) was already erased by erasure \(first.base64)")))
                    continue
                }
                erasedBy[e.erases] = statement.hash
            }
            do {
                let leaf = try LogLeaf(index: chain.nextIndex, origin: store.origin, prev: chain.prevHash, time: time, content: .statement(statement))
                try chain.append(leaf)
                leaves.append(leaf)
                seen[statement.hash] = leaf.index
                placements.append(.logged(leaf))
            } catch {
                placements.append(.refused(Problem(.tooLarge, "the statement does not fit a log leaf: \(error)")))
            }
        }
        let (checkpoint, note) = try store.append(leaves, epoch: { root in
            try LogLeaf(index: chain.nextIndex, origin: store.origin, prev: chain.prevHash, time: time, content: .epoch(mapRoot: root, size: chain.nextIndex))
        }, disclosures: disclosures) { try $0.sign(with: signer).serialized }
        return (placements, checkpoint, note)
    }

    /// The erasures already logged of the statements `statements`' erasures name: erased → erasure.
    static func erasures(of statements: [SignedStatement], store: LogStore) throws -> [Hash: Hash] {
        let targets = statements.compactMap { if case let .erasure(e) = $0.statement { e.erases } else { nil } }
        guard !targets.isEmpty else { return [:] }
        return try store.readBlocking { snapshot in
            var out = [Hash: Hash]()
            for target in targets { if let first = try snapshot.erasure(of: target) { out[target] = first.erasure } }
            return out
        }
    }

    /// Receipts for a written batch, against the checkpoint `note` of `size` leaves. One tile
    /// reader serves the whole batch. From here on the batch is durable: a receipt that cannot be
    /// built says so, and never "not logged".
    static func receipts(for placements: [Placement], size: UInt64, note: String, snapshot: LogSnapshot) -> [Result<Receipt, Problem>] {
        let reader = snapshot.hashReader()
        return placements.map { placement in
            let index: UInt64
            switch placement {
            case let .refused(problem): return .failure(problem)
            case let .logged(leaf): index = leaf.index
            case let .earlier(i): index = i
            }
            do {
                var leaf: LogLeaf
                if case let .logged(l) = placement { leaf = l } else {
                    guard let bytes = try snapshot.leafBytes(at: index) else { throw StoreError.notFound("leaf \(index)") }
                    leaf = try LogLeaf(bytes: bytes)
                }
                let proof = try InclusionProof.generate(index: index, size: size, reader: reader)
                return .success(Receipt(leaf: leaf, proof: proof.hashes, checkpoint: note))
            } catch {
                return .failure(receiptUnavailable(at: index))
            }
        }
    }
}

extension Sequencer {
    static func receiptUnavailable(at index: UInt64) -> Problem {
        Problem(.receiptUnavailable, "the statement is logged at index \(index), but its receipt could not be built; submit it again to get it")
    }
}

/// Gathers the results of a batch's statements, answering once all have one.
final class ResultCollector: Sendable {
    private struct State {
        var results: [Result<Receipt, Problem>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<Receipt, Problem>], Never>?
    }
    private let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<[Result<Receipt, Problem>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
    }

    func set(_ index: Int, _ result: Result<Receipt, Problem>) {
        let done: ([Result<Receipt, Problem>], CheckedContinuation<[Result<Receipt, Problem>], Never>)? = state.withLock { s in
            guard s.results[index] == nil else { return nil }
            s.results[index] = result
            s.remaining -= 1
            guard s.remaining == 0, let c = s.continuation else { return nil }
            s.continuation = nil
            return (s.results.map { $0! }, c)
        }
        if let (results, continuation) = done { continuation.resume(returning: results) }
    }
}
