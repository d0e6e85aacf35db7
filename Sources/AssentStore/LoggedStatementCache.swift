import AssentCore
import Synchronization

/// Statements read from a log's leaves, parsed once and kept: the mandates and enrollments that
/// a state query reads are shared by many works (one mandate names up to 1,000), so a bulk check
/// would otherwise parse the same leaves again for every work. Leaves never change, so an entry
/// is never stale; it is keyed by (log, leaf index) and checked against the leaf hash the map
/// record references before it is used.
///
/// Bounded at about `capacity` statements in two generations: when the current one is full it
/// becomes the previous one and the one before is dropped; a hit in the previous generation
/// moves back into the current one. So what is used often stays, memory stays below 2 × capacity
/// statements (each at most 64,512 bytes, typically under 1 KiB), and nothing is ever scanned.
public final class LoggedStatementCache: Sendable {
    /// A statement as its leaf holds it.
    public struct Entry: Sendable {
        public let statement: SignedStatement
        public let leafHash: Hash
        public let time: Timestamp
    }

    struct Key: Hashable {
        let log: Int64
        let index: UInt64
    }

    private struct Generations {
        var current = [Key: Entry]()
        var previous = [Key: Entry]()
        var hits = 0
        var misses = 0
    }

    public let capacity: Int
    private let generations = Mutex(Generations())

    /// `capacity` is clamped to at least 1.
    public init(capacity: Int = 65_536) {
        self.capacity = max(1, capacity)
    }

    func entry(_ key: Key) -> Entry? {
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

    func insert(_ entry: Entry, for key: Key) {
        generations.withLock { Self.insert(entry, key, into: &$0, capacity: capacity) }
    }

    private static func insert(_ entry: Entry, _ key: Key, into g: inout Generations, capacity: Int) {
        if g.current.count >= capacity, g.current[key] == nil {
            g.previous = g.current
            g.current = [:]
            g.current.reserveCapacity(capacity)
        }
        g.current[key] = entry
    }

    /// Statements held now (both generations), and the hits and misses so far: for benchmarks and tests.
    public var stats: (count: Int, hits: Int, misses: Int) {
        generations.withLock { ($0.current.count + $0.previous.count, $0.hits, $0.misses) }
    }
}
