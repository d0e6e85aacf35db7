import Synchronization

/// Runs async work one at a time per key, in arrival order, and work under different keys at
/// once. The witness serializes each log's add-checkpoint requests with it: tlog-witness needs
/// the check of the old size and the write of the new one to be atomic, and between them the
/// witness awaits replication, which must not let a second request for that log in.
final class KeyedSerialQueue: Sendable {
    private struct Waiters {
        /// Per key: whether one holds it, and who waits, first in first out.
        var busy = Set<String>()
        var queues = [String: [CheckedContinuation<Void, Never>]]()
    }
    private let state = Mutex(Waiters())

    func run<T>(_ key: String, _ body: () async throws -> T) async rethrows -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.busy.insert(key).inserted { return true }
                s.queues[key, default: []].append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the key to the first waiter, or frees it.
    private func release(_ key: String) {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard var queue = s.queues[key], !queue.isEmpty else {
                s.busy.remove(key)
                s.queues[key] = nil
                return nil
            }
            let first = queue.removeFirst()
            s.queues[key] = queue.isEmpty ? nil : queue
            return first
        }
        next?.resume()
    }

    /// Keys held now (for tests).
    var held: Int { state.withLock { $0.busy.count } }
}
