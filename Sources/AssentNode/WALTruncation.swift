import AssentStore
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// Truncates the database's WAL after an erasure (docs/data-protection.md "On disk"), off the
/// sequencer's write path.
///
/// An erasure's transaction records that a truncation is owed (`wal_truncation`, in the
/// database, so a crash does not forget it). This service then tries it: at start, each time
/// the sequencer says it logged an erasure, and after a failure again with backoff (from
/// `firstRetry`, doubling up to `maxRetry`) until it succeeds. Each try holds the writer for at
/// most `busyTimeoutMilliseconds` while it waits for readers (a long read, a backup), so it
/// delays the log's writes by at most that.
public final class WALTruncation: Service, Sendable {
    let database: AssentDatabase
    let logger: Logger
    let busyTimeoutMilliseconds: Int
    let firstRetry: Duration
    let maxRetry: Duration
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    /// The tries block on SQLite (up to the busy timeout): run here, off the cooperative pool.
    private let queue = DispatchQueue(label: "assent.wal-truncation")
    /// Tries made and truncations done, for tests and metrics.
    private let counts = Mutex((tries: 0, done: 0))

    public init(database: AssentDatabase, logger: Logger, busyTimeoutMilliseconds: Int = 100,
                firstRetry: Duration = .milliseconds(250), maxRetry: Duration = .seconds(60)) {
        self.database = database
        self.logger = logger
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.firstRetry = firstRetry
        self.maxRetry = maxRetry
        (wake, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// An erasure was logged: try now.
    public func signal() { wakeContinuation.yield() }

    public var tries: Int { counts.withLock { $0.tries } }

    /// One try: true when nothing is owed any more.
    @discardableResult
    public func attempt() -> Bool {
        counts.withLock { $0.tries += 1 }
        do {
            let done = try database.truncateWALIfPending(busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            if done { counts.withLock { $0.done += 1 } }
            return done
        } catch {
            logger.error("WAL truncation after an erasure failed; retrying", metadata: ["error": "\(error)"])
            return false
        }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await loop()
        } onGracefulShutdown: { [wakeContinuation] in
            wakeContinuation.finish()
        }
    }

    /// `attempt`, on `queue`.
    private func attemptOffPool() async -> Bool {
        await withCheckedContinuation { c in queue.async { c.resume(returning: self.attempt()) } }
    }

    private func loop() async throws {
        var signals = wake.makeAsyncIterator()
        var delay = firstRetry
        // At start: a truncation owed from before a crash or a stop.
        var owed = await !attemptOffPool()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if owed {
                logger.warning("WAL truncation after an erasure is kept from finishing by readers; retrying", metadata: ["in": "\(delay)"])
                // A signal meanwhile does not cut the wait short: the backoff bounds the tries.
                let wait = delay
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) } } catch { return }
                delay = min(delay * 2, maxRetry)
            } else {
                delay = firstRetry
                guard await signals.next() != nil else { return }
            }
            owed = await !attemptOffPool()
        }
    }
}
