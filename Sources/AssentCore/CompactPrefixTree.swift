/// The state map's prefix tree (PROTOCOL §5, docs/state-map.md §5) held in memory in two flat
/// arrays, for a node that writes millions of keys: the same tree, roots and proofs as
/// `PrefixTree`, at a few tens of bytes a key and no allocation per node.
///
/// - `leaves`: one `PrefixTreeEntry` (key, value: 64 bytes) per map key, in insertion order. A
///   leaf never changes once added: when a new key lands in its subtree it moves down, which
///   changes only the reference its parent holds.
/// - `inner`: one `Inner` (its hash and two child references: 40 bytes) per parent node.
///
/// Both are `ChunkedArray`s: what the build at open made stays where it is, and later keys go
/// into chunks, so growing never holds a copy of millions of entries beside the original.
///
/// A reference (`Ref`, 32 bits) is 0 for an empty subtree, `leafBit | i` for `leaves[i]`, or
/// `j + 1` for `inner[j]`. A leaf's hash is not kept; it is recomputed when a parent or a proof
/// needs it (one SHA-256), which saves 32 bytes a key.
///
/// The tree is derived data: a store rebuilds it from its records (`init(entries:)`, one sorted
/// pass), and commits the records, not the tree. Between `beginBatch` and `endBatch` the tree
/// keeps what `rollBackBatch` needs to put it back exactly, for a transaction that fails after
/// the tree was changed.
public struct CompactPrefixTree: Sendable {
    /// A parent node: the hash of `0x03 ‖ left ‖ right` and where its children are.
    public struct Inner: Sendable {
        public var hash: Hash
        var left: UInt32
        var right: UInt32
    }

    typealias Ref = UInt32
    static let leafBit: UInt32 = 0x8000_0000
    /// At most 2^31 − 1 leaves and 2^31 − 2 parents: references are 32 bits.
    static let maxNodes = Int(leafBit) - 2

    private var leaves = ChunkedArray<PrefixTreeEntry>()
    private var inner = ChunkedArray<Inner>()
    private var rootRef: Ref = 0
    /// While a batch is open (`beginBatch`): the tree as it was when it opened, and the old
    /// contents of every parent that existed then and was changed since.
    private var batch: Batch?

    struct Batch: Sendable {
        let leafCount: Int
        let innerCount: Int
        let rootRef: UInt32
        var changed: [(index: Int, node: Inner)] = []
    }

    public init() {}

    /// Builds the tree holding exactly `entries` (any order; keys distinct) bottom-up in one pass
    /// over them sorted: what a store does at open from its records.
    /// `entries` is consumed: a store passes the only copy, which becomes `leaves` in place, so
    /// a rebuild of millions of keys holds them once.
    public init(entries: consuming [PrefixTreeEntry]) throws {
        var sorted = consume entries
        let n = sorted.count
        guard n <= CompactPrefixTree.maxNodes else { throw PrefixTreeError.tooManyKeys(n) }
        sorted.sort { $0.key < $1.key }
        for i in sorted.indices.dropFirst() where sorted[i].key == sorted[i - 1].key {
            throw PrefixTreeError.duplicateKeyInBatch(sorted[i].key)
        }
        leaves = ChunkedArray(base: consume sorted)
        // A canonical tree of n ≥ 2 keys has n − 1 parents plus one per empty sibling; random
        // keys need about 1.44 n in all (more spill into chunks).
        inner.reserveBase(n + n / 2)
        let indexes = (0..<n).map { UInt32($0) }
        rootRef = indexes.isEmpty ? 0 : try build(indexes[...], depth: 0)
    }

    /// The number of keys in the map.
    public var count: Int { leaves.count }

    /// The map root: 32 zero bytes for an empty map.
    public var root: Hash { hash(rootRef) }

    /// The number of parent nodes.
    public var parentCount: Int { inner.count }

    /// Bytes held by the two arrays (their capacity), for a node reporting its memory.
    public var bytesHeld: Int { leaves.bytesHeld + inner.bytesHeld }

    // MARK: Insert

    /// Opens a batch: until `endBatch`, `rollBackBatch` puts the tree back exactly as it is now
    /// (a store opens one for each transaction that changes the map, and rolls back when the
    /// transaction fails). Refused while one is open.
    public mutating func beginBatch() throws {
        guard batch == nil else { throw PrefixTreeError.batchOpen }
        batch = Batch(leafCount: leaves.count, innerCount: inner.count, rootRef: rootRef)
    }

    /// Keeps what the open batch inserted (its transaction committed).
    public mutating func endBatch() { batch = nil }

    /// Undoes every insert since `beginBatch` and closes the batch; nothing when none is open.
    public mutating func rollBackBatch() {
        guard let b = batch else { return }
        restore(b)
        batch = nil
    }

    private mutating func restore(_ b: Batch) {
        // Newest first, so a parent changed twice ends with its oldest contents.
        for (index, node) in b.changed.reversed() where index < b.innerCount { inner[index] = node }
        leaves.truncate(to: b.leafCount)
        inner.truncate(to: b.innerCount)
        rootRef = b.rootRef
    }

    /// Inserts new keys and returns the new root. Every key must be new and none may repeat;
    /// otherwise the tree is left as it was before this call and the error names the key.
    @discardableResult
    public mutating func insert(_ entries: [PrefixTreeEntry]) throws -> Hash {
        guard !entries.isEmpty else { return root }
        guard entries.count <= CompactPrefixTree.maxNodes - leaves.count else {
            throw PrefixTreeError.tooManyKeys(leaves.count + entries.count)
        }
        var undo = Batch(leafCount: leaves.count, innerCount: inner.count, rootRef: rootRef)
        leaves.append(contentsOf: entries)
        var added = (undo.leafCount..<leaves.count).map { UInt32($0) }
        added.sort { leaves[Int($0)].key < leaves[Int($1)].key }
        do {
            for i in added.indices.dropFirst() where leaves[Int(added[i])].key == leaves[Int(added[i - 1])].key {
                throw PrefixTreeError.duplicateKeyInBatch(leaves[Int(added[i])].key)
            }
            rootRef = try update(rootRef, added[...], depth: 0, &undo)
        } catch {
            restore(undo)
            throw error
        }
        if let open = batch?.innerCount { batch?.changed.append(contentsOf: undo.changed.filter { $0.index < open }) }
        return root
    }

    /// Inserts the leaves `added` (indexes into `leaves`, sorted by key, all below this subtree)
    /// into the subtree `ref` at `depth`; returns the subtree's new reference.
    private mutating func update(_ ref: Ref, _ added: ArraySlice<UInt32>, depth: Int, _ undo: inout Batch) throws -> Ref {
        if ref == 0 { return try build(added, depth: depth) }
        if ref & CompactPrefixTree.leafBit != 0 {
            // The leaf moves down beside the new keys: the subtree is rebuilt from all of them.
            let old = ref & ~CompactPrefixTree.leafBit
            let key = leaves[Int(old)].key
            var all = Array(added)
            let at = all.firstIndex { !(leaves[Int($0)].key < key) } ?? all.endIndex
            if at < all.endIndex, leaves[Int(all[at])].key == key { throw PrefixTreeError.keyAlreadyPresent(key) }
            all.insert(old, at: at)
            return try build(all[...], depth: depth)
        }
        let j = Int(ref - 1)
        let (l, r) = try split(added, depth: depth)
        let node = inner[j]
        let left = l.isEmpty ? node.left : try update(node.left, l, depth: depth + 1, &undo)
        let right = r.isEmpty ? node.right : try update(node.right, r, depth: depth + 1, &undo)
        if j < undo.innerCount { undo.changed.append((j, node)) }
        inner[j] = Inner(hash: PrefixTreeNode.parentHash(left: hash(left), right: hash(right)), left: left, right: right)
        return ref
    }

    /// Makes the canonical subtree holding exactly the leaves `indexes` (sorted by key, distinct,
    /// non-empty) at `depth`: one leaf is itself; more split on the next bit, and a side with
    /// none is an empty child.
    private mutating func build(_ indexes: ArraySlice<UInt32>, depth: Int) throws -> Ref {
        if indexes.count == 1, let only = indexes.first { return only | CompactPrefixTree.leafBit }
        let (l, r) = try split(indexes, depth: depth)
        let left = l.isEmpty ? 0 : try build(l, depth: depth + 1)
        let right = r.isEmpty ? 0 : try build(r, depth: depth + 1)
        guard inner.count < CompactPrefixTree.maxNodes else { throw PrefixTreeError.tooManyKeys(leaves.count) }
        inner.append(Inner(hash: PrefixTreeNode.parentHash(left: hash(left), right: hash(right)), left: left, right: right))
        return UInt32(inner.count)
    }

    /// Splits leaves sorted by key below depth `depth` into those whose bit `depth` is 0 and 1.
    private func split(_ indexes: ArraySlice<UInt32>, depth: Int) throws -> (ArraySlice<UInt32>, ArraySlice<UInt32>) {
        // Two distinct keys differ before bit 256; a split deeper means a corrupt tree.
        guard depth < PrefixTreePosition.maxDepth else { throw PrefixTreeError.tooDeep }
        var lo = indexes.startIndex, hi = indexes.endIndex
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if leaves[Int(indexes[mid])].key.bit(depth) == 0 { lo = mid + 1 } else { hi = mid }
        }
        return (indexes[..<lo], indexes[lo...])
    }

    private func hash(_ ref: Ref) -> Hash {
        if ref == 0 { return .zero }
        if ref & CompactPrefixTree.leafBit != 0 {
            let leaf = leaves[Int(ref & ~CompactPrefixTree.leafBit)]
            return PrefixTreeNode.leafHash(key: leaf.key, value: leaf.value)
        }
        return inner[Int(ref - 1)].hash
    }

    // MARK: Reading

    /// The proof for `key` against `root`: the siblings along its path and where it ends.
    public func prove(_ key: Hash) -> PrefixTreeProof {
        var siblings = [Hash]()
        var ref = rootRef
        var depth = 0
        while ref != 0, ref & CompactPrefixTree.leafBit == 0, depth < PrefixTreePosition.maxDepth {
            let node = inner[Int(ref - 1)]
            let bit = key.bit(depth)
            siblings.append(hash(bit == 0 ? node.right : node.left))
            ref = bit == 0 ? node.left : node.right
            depth += 1
        }
        if ref == 0 { return PrefixTreeProof(siblings: siblings, terminal: .empty) }
        let leaf = leaves[Int(ref & ~CompactPrefixTree.leafBit)]
        return PrefixTreeProof(siblings: siblings, terminal: .leaf(key: leaf.key, value: leaf.value))
    }

    /// The value under `key`, nil when absent: the walk of `prove` without its siblings' hashes
    /// (a batch asks this for every subject it touches, and a sibling that is a leaf costs a
    /// SHA-256).
    public func value(for key: Hash) -> Hash? {
        var ref = rootRef
        var depth = 0
        while ref != 0, ref & CompactPrefixTree.leafBit == 0, depth < PrefixTreePosition.maxDepth {
            let node = inner[Int(ref - 1)]
            ref = key.bit(depth) == 0 ? node.left : node.right
            depth += 1
        }
        guard ref & CompactPrefixTree.leafBit != 0 else { return nil }
        let leaf = leaves[Int(ref & ~CompactPrefixTree.leafBit)]
        return leaf.key == key ? leaf.value : nil
    }
}
