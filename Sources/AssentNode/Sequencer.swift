import AssentCore
import AssentStore
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// The one writer of the node's log (PROTOCOL §4).
///
/// Statements queue here; a batch is written when it is full or its interval has passed:
/// the statement leaves, then an epoch leaf, appended with the signed checkpoint that covers
/// them in one durable transaction. Only then are waiters answered with receipts, so every
/// receipt is backed by a checkpoint on disk. An idle node still writes an epoch leaf every
/// `epochInterval`. The critical section is `LogStore.append`, run on one serial queue.
public actor Sequencer: Service {
    typealias Waiter = @Sendable (Result<Receipt, Error>) -> Void

    struct Pending {
        let statement: SignedStatement
        var waiters: [Waiter]
    }

    let store: LogStore
    let signer: NoteSigner
    let batchSize: Int
    let batchInterval: Duration
    let epochInterval: Duration
    let logger: Logger
    let metrics: NodeMetrics
    /// The state map root committed by epoch leaves. Until the state map exists this is the
    /// root of the empty map (32 zero bytes, PROTOCOL §5).
    let mapRoot = Hash.zero
    private let writer = DispatchQueue(label: "assent.sequencer.writer")

    private var pending: [Hash: Pending] = [:]
    private var order: [Hash] = []
    private var firstPendingAt: ContinuousClock.Instant?
    private var lastWriteAt = ContinuousClock.now
    private var stopped = false

    public init(store: LogStore, signer: NoteSigner, batchSize: Int, batchInterval: Duration, epochInterval: Duration,
                metrics: NodeMetrics, logger: Logger) {
        self.store = store
        self.signer = signer
        self.batchSize = batchSize
        self.batchInterval = batchInterval
        self.epochInterval = epochInterval
        self.metrics = metrics
        self.logger = logger
    }

    /// Queues checked statements in the order given (so a batch is logged in its order) and
    /// waits until each is logged under a signed checkpoint; each gets its own result. The same
    /// statement queued twice is logged once, and both callers get the same receipt.
    public func submit(_ statements: [SignedStatement]) async -> [Result<Receipt, Error>] {
        guard !statements.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let collector = ResultCollector(count: statements.count, continuation: continuation)
            for (i, statement) in statements.enumerated() {
                enqueue(statement) { collector.set(i, $0) }
            }
        }
    }

    private func enqueue(_ statement: SignedStatement, waiter: @escaping Waiter) {
        guard !stopped else {
            waiter(.failure(Problem("shutting-down", "Node is shutting down", status: 503, detail: "try again later")))
            return
        }
        let hash = statement.hash
        if pending[hash] != nil {
            pending[hash]!.waiters.append(waiter)
        } else {
            pending[hash] = Pending(statement: statement, waiters: [waiter])
            order.append(hash)
            if firstPendingAt == nil { firstPendingAt = .now }
        }
    }

    public nonisolated func run() async throws {
        // A new log starts with an epoch leaf so that it always has a signed checkpoint to serve.
        if store.size == 0 { try await flush() }
        let tick = min(batchInterval, .milliseconds(2))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if await due() {
                do { try await flush() } catch { logger.error("batch failed", metadata: ["error": "\(error)"]) }
            } else {
                try? await Task.sleep(for: tick)
            }
        }
        // Drain: whatever was accepted into the queue is logged before the node stops.
        await markStopped()
        do {
            while await !order.isEmpty { try await flush() }
        } catch {
            await failAllPending(error)
            throw error
        }
        logger.info("sequencer stopped", metadata: ["size": "\(store.size)"])
    }

    private func markStopped() { stopped = true }

    /// No waiter is ever left hanging: when the log cannot be written while stopping, everyone still queued is told.
    private func failAllPending(_ error: Error) {
        let problem = Problem.notLogged("the node stopped: \(error)")
        for hash in order { for waiter in pending[hash]?.waiters ?? [] { waiter(.failure(problem)) } }
        order = []
        pending = [:]
    }

    private func due() -> Bool {
        if order.count >= batchSize { return true }
        if let first = firstPendingAt, first.duration(to: .now) >= batchInterval { return true }
        return lastWriteAt.duration(to: .now) >= epochInterval
    }

    /// Writes one batch (possibly empty: an idle epoch) and answers its waiters.
    func flush() async throws {
        let hashes = Array(order.prefix(batchSize))
        order.removeFirst(hashes.count)
        let batch = hashes.map { pending.removeValue(forKey: $0)! }
        // Leftovers keep the oldest arrival time, so they are written in the next round, not an interval later.
        if order.isEmpty { firstPendingAt = nil }
        let statements = batch.map(\.statement)
        let started = ContinuousClock.now
        let outcome: Result<[Result<Receipt, Error>], Error> = await withCheckedContinuation { continuation in
            writer.async { [store, signer, mapRoot] in
                continuation.resume(returning: Result {
                    try Sequencer.write(statements, store: store, signer: signer, mapRoot: mapRoot)
                })
            }
        }
        lastWriteAt = .now
        logger.debug("batch written", metadata: ["statements": "\(statements.count)", "duration": "\(started.duration(to: lastWriteAt))"])
        switch outcome {
        case let .success(results):
            metrics.batchWritten(statements: statements.count, size: store.size)
            for (item, result) in zip(batch, results) {
                for waiter in item.waiters { waiter(result) }
            }
        case let .failure(error):
            // Nothing of the batch was committed: every submitter is told, none gets a receipt.
            let problem = Problem.notLogged("the log could not be written: \(error)")
            for item in batch { for waiter in item.waiters { waiter(.failure(problem)) } }
            throw error
        }
    }

    /// The critical section: build leaves continuing the chain, append them with the epoch leaf
    /// and the signed checkpoint in one transaction, then prove each statement's inclusion.
    static func write(_ statements: [SignedStatement], store: LogStore, signer: NoteSigner, mapRoot: Hash) throws -> [Result<Receipt, Error>] {
        var chain = store.chainHead
        let time = max(Timestamp.now, chain.lastTime ?? Timestamp(milliseconds: 0))
        var leaves = [LogLeaf]()
        var placed = [Result<(index: UInt64, leafHash: Hash?), Error>]()
        // Statements logged since their submitters checked (a repeat in an earlier batch) are not logged again.
        var seen = try store.indexes(ofStatements: statements.map(\.hash))
        for statement in statements {
            let hash = statement.hash
            if let index = seen[hash] {
                placed.append(.success((index, nil)))
                continue
            }
            do {
                let leaf = try LogLeaf(index: chain.nextIndex, origin: store.origin, prev: chain.prevHash, time: time, content: .statement(statement))
                let leafHash = try chain.append(leaf)
                leaves.append(leaf)
                seen[hash] = leaf.index
                placed.append(.success((leaf.index, leafHash)))
            } catch {
                placed.append(.failure(Problem("too-large", "Statement does not fit a log leaf", status: 413, detail: "\(error)")))
            }
        }
        let epoch = try LogLeaf(index: chain.nextIndex, origin: store.origin, prev: chain.prevHash, time: time,
                                content: .epoch(mapRoot: mapRoot, size: chain.nextIndex))
        leaves.append(epoch)
        let (checkpoint, note) = try store.append(leaves) { try $0.sign(with: signer).serialized }
        // From here on the batch is durable: a receipt that cannot be built says so, and never "not logged".
        let reader = store.hashReader()
        return zip(statements, placed).map { statement, place in
            switch place {
            case let .failure(error): return .failure(error)
            case let .success((index, knownHash)):
                do {
                    return .success(try Receipt(store: store, index: index, statementHash: statement.hash, size: checkpoint.size,
                                                note: note, reader: reader, leafHash: knownHash))
                } catch {
                    return .failure(Problem("receipt-unavailable", "Logged, but no receipt", status: 500,
                                            detail: "the statement is logged at index \(index), but its receipt could not be built: \(error)"))
                }
            }
        }
    }
}

/// Gathers the results of a batch's statements, answering once all have one.
final class ResultCollector: Sendable {
    private struct State {
        var results: [Result<Receipt, Error>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<Receipt, Error>], Never>?
    }
    private let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<[Result<Receipt, Error>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
    }

    func set(_ index: Int, _ result: Result<Receipt, Error>) {
        let done: ([Result<Receipt, Error>], CheckedContinuation<[Result<Receipt, Error>], Never>)? = state.withLock { s in
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
