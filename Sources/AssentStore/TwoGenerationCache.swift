import Synchronization

/// A map shared between threads that holds about `capacity` entries in two generations: when
/// the current one is full it becomes the previous one and the one before is dropped; a hit in
/// the previous generation moves back into the current one. What is used often stays, memory
/// stays below 2 × capacity entries, and nothing is ever scanned. For values that never change
/// once made (parsed leaves and records), where forgetting costs only a recomputation.
///
/// A generation is also full once the estimated bytes of its values (the `cost` each insert
/// gives) reach `byteCapacity`: entries differ in size by three orders of magnitude (a party's
/// enrollments against a mandate naming 1,000 works), so a count alone does not bound memory.
/// Both generations together then hold under 2 × `byteCapacity` estimated bytes plus one entry.
final class TwoGenerationCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Generations {
        var current = [Key: (value: Value, cost: Int)]()
        var previous = [Key: (value: Value, cost: Int)]()
        var currentBytes = 0
        var previousBytes = 0
        var hits = 0
        var misses = 0
    }

    let capacity: Int
    let byteCapacity: Int
    private let generations = Mutex(Generations())

    /// `capacity` and `byteCapacity` are clamped to at least 1.
    init(capacity: Int, byteCapacity: Int = .max) {
        self.capacity = max(1, capacity)
        self.byteCapacity = max(1, byteCapacity)
    }

    func value(_ key: Key) -> Value? {
        generations.withLock { g in
            if let hit = g.current[key] {
                g.hits &+= 1
                return hit.value
            }
            guard let old = g.previous.removeValue(forKey: key) else {
                g.misses &+= 1
                return nil
            }
            g.previousBytes -= old.cost
            g.hits &+= 1
            Self.insert(old, key, into: &g, capacity: capacity, byteCapacity: byteCapacity)
            return old.value
        }
    }

    /// Inserts `value`, whose estimated size in bytes is `cost` (clamped to 0 ... `byteCapacity`).
    func insert(_ value: Value, for key: Key, cost: Int = 0) {
        let entry = (value: value, cost: min(max(0, cost), byteCapacity))
        generations.withLock { Self.insert(entry, key, into: &$0, capacity: capacity, byteCapacity: byteCapacity) }
    }

    private static func insert(_ entry: (value: Value, cost: Int), _ key: Key, into g: inout Generations, capacity: Int, byteCapacity: Int) {
        if let replaced = g.current[key] {
            g.currentBytes -= replaced.cost
        } else if !g.current.isEmpty, g.current.count >= capacity || g.currentBytes > byteCapacity - entry.cost {
            g.previous = g.current
            g.previousBytes = g.currentBytes
            g.current = [:]
            g.currentBytes = 0
            g.current.reserveCapacity(min(capacity, 1024))
        }
        g.current[key] = entry
        g.currentBytes += entry.cost
    }

    var stats: (count: Int, hits: Int, misses: Int) {
        generations.withLock { ($0.current.count + $0.previous.count, $0.hits, $0.misses) }
    }

    /// The estimated bytes of the values held now, both generations.
    var bytes: Int { generations.withLock { $0.currentBytes + $0.previousBytes } }
}
