import AssentCore

/// Which SHA-256 hashes a set may hold: a scalable Bloom filter (Almeida et al., 2007). Each log
/// keeps two: the hashes in its `statements` table (`LogStore.statementFilter`), so that asking
/// whether statements are logged already (the sequencer's de-duplication, a mirror's replay,
/// `GET /v1/statements`) reads SQLite only for hashes that may be there, and the keys of its
/// state map (`LogStore.mapKeys`), so that asking whether a subject has a record walks the
/// map's tree only for keys that may be in it. Nearly every hash asked about is new, and each
/// answer without the filter was a descent through a B-tree or the tree, keyed by a random
/// hash, whose pages or nodes the caches had rarely kept (docs/benchmarks.md, "Replication").
///
/// No false negatives: a hash added is always reported as possible. False positives (about
/// 0.5% a generation) cost the read or walk there would have been anyway. Each generation is
/// sized for twice the hashes of the one before, at 11 bits a hash: 1.4 to 2.8 bytes a hash
/// held (a million: at most 2.8 MB); a store opened with n hashes starts with one generation
/// for 2n. A statement hash or map key is SHA-256, uniformly spread: its own words give the
/// probes (double hashing, Kirsch and Mitzenmacher, 2006), nothing is hashed again. Hashes
/// chosen to hit set bits only cost what a filter spares: it never answers "held".
struct HashFilter: Sendable {
    /// Hashes the first generation is sized for.
    static let firstCapacity = 1 << 16
    /// Bits a hash, and probes a look-up: about 0.5% false positives a generation.
    static let bitsPerHash = 11
    static let probes = 7

    private struct Generation: Sendable {
        var words: [UInt64]
        let capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            words = [UInt64](repeating: 0, count: (capacity * HashFilter.bitsPerHash + 63) / 64)
        }

        var bitCount: UInt64 { UInt64(words.count) * 64 }

        mutating func insert(_ probes: Probes) {
            for i in 0..<HashFilter.probes {
                let bit = probes.bit(i, of: bitCount)
                words[Int(bit / 64)] |= 1 << (bit % 64)
            }
            count += 1
        }

        func mightContain(_ probes: Probes) -> Bool {
            for i in 0..<HashFilter.probes {
                let bit = probes.bit(i, of: bitCount)
                if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
            }
            return true
        }
    }

    /// The probes of a hash: the i-th is h1 + i × h2 from two of its words (h2 odd, so that the
    /// probes of one hash differ), mapped onto a generation's bits by a multiply, not a division.
    private struct Probes {
        let h1: UInt64
        let h2: UInt64

        init(_ hash: Hash) {
            (h1, h2) = hash.withUnsafeBytes {
                ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) | 1)
            }
        }

        func bit(_ i: Int, of bitCount: UInt64) -> UInt64 {
            (h1 &+ UInt64(i) &* h2).multipliedFullWidth(by: bitCount).high
        }
    }

    private var generations: [Generation] = []

    /// A filter for about `expected` hashes in its first generation (at least `firstCapacity`).
    init(expected: Int = 0) {
        generations = [Generation(capacity: max(HashFilter.firstCapacity, expected))]
    }

    /// Hashes added: each once, and none the filter already reported as possible when added.
    var count: Int { generations.reduce(0) { $0 + $1.count } }

    /// Bytes of bits held.
    var bytesHeld: Int { generations.reduce(0) { $0 + $1.words.count * 8 } }

    /// Adds `hash`, unless the filter already reports it as possible (added before, or a false
    /// positive): bits are never cleared, so it stays possible, and adding it again would only
    /// count it again. A batch that fails after adding its hashes leaves them here, and a
    /// mirror's store is not reloaded after one: the follower tries the same chunk again after
    /// each failure and at each witness request, and counted each time, a chunk that always
    /// fails (an epoch leaf with another map root) grew the filter by a generation after another.
    mutating func insert(_ hash: Hash) {
        let probes = Probes(hash)
        guard !mightContain(probes) else { return }
        if let last = generations.last, last.count >= last.capacity {
            generations.append(Generation(capacity: last.capacity * 2))
        }
        generations[generations.count - 1].insert(probes)
    }

    /// False only when `hash` was never added.
    func mightContain(_ hash: Hash) -> Bool { mightContain(Probes(hash)) }

    private func mightContain(_ probes: Probes) -> Bool {
        generations.contains { $0.mightContain(probes) }
    }
}
