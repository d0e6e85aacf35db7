import Synchronization

/// A map shared between threads that holds about `capacity` entries in two generations: when
/// the current one is full it becomes the previous one and the one before is dropped; a hit in
/// the previous generation moves back into the current one. What is used often stays, memory
/// stays below 2 × capacity entries, and nothing is ever scanned. For values that never change
/// once made (parsed leaves and records), where forgetting costs only a recomputation.
final class TwoGenerationCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Generations {
        var current = [Key: Value]()
        var previous = [Key: Value]()
        var hits = 0
        var misses = 0
    }

    let capacity: Int
    private let generations = Mutex(Generations())

    /// `capacity` is clamped to at least 1.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func value(_ key: Key) -> Value? {
        generations.withLock { g in
            if let hit = g.current[key] {
                g.hits &+= 1
                return hit
            }
            guard let old = g.previous.removeValue(forKey: key) else {
                g.misses &+= 1
                return nil
            }
            g.hits &+= 1
            Self.insert(old, key, into: &g, capacity: capacity)
            return old
        }
    }

    func insert(_ value: Value, for key: Key) {
        generations.withLock { Self.insert(value, key, into: &$0, capacity: capacity) }
    }

    private static func insert(_ value: Value, _ key: Key, into g: inout Generations, capacity: Int) {
        if g.current.count >= capacity, g.current[key] == nil {
            g.previous = g.current
            g.current = [:]
            g.current.reserveCapacity(capacity)
        }
        g.current[key] = value
    }

    var stats: (count: Int, hits: Int, misses: Int) {
        generations.withLock { ($0.current.count + $0.previous.count, $0.hits, $0.misses) }
    }
}
