import AssentCore
import Foundation
import Synchronization

/// The node's two clocks, injected so that tests move time instead of waiting for it:
/// wall-clock time for leaf times, clock windows and rate limits, and a monotonic clock for
/// the sequencer's deadlines (a wall clock that steps back must not delay an epoch).
public protocol NodeClock: Sendable {
    /// Wall-clock time, in milliseconds since the Unix epoch.
    var now: Timestamp { get }
    /// Monotonic time since some fixed start.
    var elapsed: Duration { get }
    /// Returns once `elapsed` has reached `deadline`; throws when the task is cancelled.
    func sleep(until deadline: Duration) async throws
}

/// The system's clocks.
public struct SystemClock: NodeClock {
    private let start = ContinuousClock.now
    public init() {}
    public var now: Timestamp { Timestamp.now }
    public var elapsed: Duration { start.duration(to: .now) }
    public func sleep(until deadline: Duration) async throws {
        try await Task.sleep(until: start.advanced(by: deadline), clock: .continuous)
    }
}

/// A clock that moves only when told to, for tests: `advance(by:)` moves both clocks and
/// wakes every sleeper whose deadline has come.
public final class ManualClock: NodeClock {
    private struct State {
        var now: Timestamp
        var elapsed: Duration = .zero
        var nextID = 0
        var sleepers: [Int: (deadline: Duration, continuation: CheckedContinuation<Void, Error>)] = [:]
    }
    private let state: Mutex<State>

    public init(now: Timestamp = Timestamp(milliseconds: 1_795_000_000_000)) {
        state = Mutex(State(now: now))
    }

    public var now: Timestamp { state.withLock { $0.now } }
    public var elapsed: Duration { state.withLock { $0.elapsed } }

    /// Moves both clocks forward and wakes the sleepers that are due.
    public func advance(by duration: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Error>] in
            s.elapsed += duration
            let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
            s.now = Timestamp(milliseconds: s.now.milliseconds + ms)
            let ready = s.sleepers.filter { $0.value.deadline <= s.elapsed }
            for id in ready.keys { s.sleepers[id] = nil }
            return ready.values.map(\.continuation)
        }
        for c in due { c.resume() }
    }

    /// Sets the wall clock alone (a clock that steps), leaving the monotonic clock as it is.
    public func setWallClock(_ now: Timestamp) { state.withLock { $0.now = now } }

    public func sleep(until deadline: Duration) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if Task.isCancelled || deadline <= s.elapsed { return true }
                    s.sleepers[id] = (deadline, c)
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { c.resume(throwing: CancellationError()) } else { c.resume() }
                }
            }
        } onCancel: {
            let c = state.withLock { $0.sleepers.removeValue(forKey: id)?.continuation }
            c?.resume(throwing: CancellationError())
        }
    }
}
extension Timestamp {
    /// The wall clock. The core never reads it; the node and the CLI pass it in.
    public static var now: Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
}
