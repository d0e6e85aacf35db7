/// An array of millions of elements that grows without copying what it holds: a contiguous
/// `base` (what a tree is built with at once, at its exact size) followed by chunks of
/// `chunkSize` elements, each allocated once at that size. Appending to a full `Array` allocates
/// a larger one and copies into it, so for that moment the old and the new storage are both
/// alive: for the state map's tree at 3,000,000 keys (192 MB of leaves) one more key cost a
/// 216 MB allocation beside the 192 MB one, and the node's peak memory with it
/// (docs/benchmarks.md "Node memory and past T"). Here one more key costs at most one chunk.
struct ChunkedArray<Element: Sendable>: Sendable {
    /// 16,384 elements: 1 MiB of 64-byte map entries, 640 KiB of 40-byte parents.
    static var chunkShift: Int { 14 }
    static var chunkSize: Int { 1 << chunkShift }

    private var base: [Element]
    private var chunks: [[Element]] = []
    private(set) var count: Int

    /// `base` becomes the first elements; later appends fill its spare capacity, then chunks.
    init(base: consuming [Element] = []) {
        self.base = base
        count = self.base.count
    }

    /// Room for `n` elements in the base, when nothing is held yet (a bottom-up build knows
    /// about how many parents it will make).
    mutating func reserveBase(_ n: Int) {
        guard count == 0 else { return }
        base.reserveCapacity(n)
    }

    subscript(i: Int) -> Element {
        get {
            if i < base.count { return base[i] }
            let j = i - base.count
            return chunks[j >> Self.chunkShift][j & (Self.chunkSize - 1)]
        }
        set {
            if i < base.count { base[i] = newValue; return }
            let j = i - base.count
            chunks[j >> Self.chunkShift][j & (Self.chunkSize - 1)] = newValue
        }
    }

    mutating func append(_ element: Element) {
        if chunks.isEmpty, base.count < base.capacity {
            base.append(element)
        } else {
            let j = count - base.count
            if j >> Self.chunkShift == chunks.count {
                // A small tree (a test's, a young mirror's) grows its first chunk as an array
                // does; a chunk after that is allocated at its full size once.
                var chunk = [Element]()
                if j > 0 || base.count >= Self.chunkSize { chunk.reserveCapacity(Self.chunkSize) }
                chunks.append(chunk)
            }
            chunks[j >> Self.chunkShift].append(element)
        }
        count += 1
    }

    mutating func append(contentsOf elements: some Sequence<Element>) {
        for e in elements { append(e) }
    }

    /// Drops the elements from `n` on (`n` ≤ `count`), keeping the room they took.
    mutating func truncate(to n: Int) {
        guard n < count else { return }
        if n <= base.count {
            chunks.removeAll()
            base.removeSubrange(n...)
        } else {
            let j = n - base.count
            let keep = (j + Self.chunkSize - 1) >> Self.chunkShift
            chunks.removeSubrange(keep...)
            let last = j - ((keep - 1) << Self.chunkShift)
            chunks[keep - 1].removeLast(chunks[keep - 1].count - last)
        }
        count = n
    }

    /// Bytes of the storage allocated (capacity, not count).
    var bytesHeld: Int {
        (base.capacity + chunks.reduce(0) { $0 + $1.capacity }) * MemoryLayout<Element>.stride
    }
}
