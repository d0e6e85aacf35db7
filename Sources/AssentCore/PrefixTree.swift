/// The state map of PROTOCOL §5: a binary Merkle prefix tree over 256-bit keys, hashed as the
/// IETF KEYTRANS prefix tree (see `PrefixTreeNode`), over nodes kept in a `PrefixTreeStorage`.
///
/// Only insertion exists: map keys carry versions, so a new state is a new key and a leaf is
/// never changed or removed. A batch is inserted in one walk: its keys are sorted, split at each
/// level by their next bit, and every node on the union of their paths is read once, rewritten
/// once and hashed once, so the levels near the root are shared by the whole batch. Reads and
/// writes per key are O(depth); depth is about log2(keys) for keys that are SHA-256 outputs.
public struct PrefixTree<Storage: PrefixTreeStorage> {
    public var storage: Storage

    public init(storage: Storage) {
        self.storage = storage
    }

    /// The map root: the hash of the root node, 32 zero bytes for an empty map.
    public func root() throws -> Hash {
        try storage.node(at: .root)?.hash ?? .zero
    }

    /// The value stored under `key`, nil when the key is absent. Reads one path.
    public func value(for key: Hash) throws -> Hash? {
        let proof = try prove(key)
        if case let .leaf(k, v) = proof.terminal, k == key { return v }
        return nil
    }

    /// Inserts a batch of new keys and returns the new root. Every key must be new, and none may
    /// repeat; otherwise nothing is stored and the error names the key.
    @discardableResult
    public mutating func insert(_ entries: [PrefixTreeEntry]) throws -> Hash {
        let sorted = entries.sorted { $0.key < $1.key }
        for i in sorted.indices.dropFirst() where sorted[i].key == sorted[i - 1].key {
            throw PrefixTreeError.duplicateKeyInBatch(sorted[i].key)
        }
        guard !sorted.isEmpty else { return try root() }
        var writes = [PrefixTreePosition: PrefixTreeNode]()
        let root = try update(.root, try storage.node(at: .root), sorted[...], &writes)
        try storage.store(writes)
        return root
    }

    /// Inserts `entries` (sorted, distinct, all below `position`) into the subtree at `position`
    /// whose stored node is `node`; returns the subtree's new hash and records every node written.
    private func update(
        _ position: PrefixTreePosition, _ node: PrefixTreeNode?, _ entries: ArraySlice<PrefixTreeEntry>,
        _ writes: inout [PrefixTreePosition: PrefixTreeNode]
    ) throws -> Hash {
        switch node {
        case nil:
            return try build(position, entries, &writes)
        case let .leaf(key, value):
            // The leaf moves down beside the new keys: the subtree is rebuilt from all of them.
            var all = Array(entries)
            let at = all.firstIndex { !($0.key < key) } ?? all.endIndex
            if at < all.endIndex, all[at].key == key { throw PrefixTreeError.keyAlreadyPresent(key) }
            all.insert(PrefixTreeEntry(key: key, value: value), at: at)
            return try build(position, all[...], &writes)
        case let .parent(left, right):
            let (l, r) = try split(position, entries)
            let newLeft = l.isEmpty ? left : try update(child(position, 0), try stored(child(position, 0), hash: left), l, &writes)
            let newRight = r.isEmpty ? right : try update(child(position, 1), try stored(child(position, 1), hash: right), r, &writes)
            let parent = PrefixTreeNode.parent(left: newLeft, right: newRight)
            writes[position] = parent
            return parent.hash
        }
    }

    /// Writes the canonical subtree holding exactly `entries` (sorted, distinct, non-empty) at an
    /// empty `position`: one entry is a leaf there; more split on the next bit, and a side with
    /// none is an empty child (no node, hash zero).
    private func build(
        _ position: PrefixTreePosition, _ entries: ArraySlice<PrefixTreeEntry>,
        _ writes: inout [PrefixTreePosition: PrefixTreeNode]
    ) throws -> Hash {
        if entries.count == 1, let only = entries.first {
            let leaf = PrefixTreeNode.leaf(key: only.key, value: only.value)
            writes[position] = leaf
            return leaf.hash
        }
        let (l, r) = try split(position, entries)
        let left = l.isEmpty ? Hash.zero : try build(child(position, 0), l, &writes)
        let right = r.isEmpty ? Hash.zero : try build(child(position, 1), r, &writes)
        let parent = PrefixTreeNode.parent(left: left, right: right)
        writes[position] = parent
        return parent.hash
    }

    /// Splits sorted entries below `position` into those whose next bit is 0 and those where it is 1.
    private func split(
        _ position: PrefixTreePosition, _ entries: ArraySlice<PrefixTreeEntry>
    ) throws -> (ArraySlice<PrefixTreeEntry>, ArraySlice<PrefixTreeEntry>) {
        // Two distinct keys differ before bit 256, so a split is never asked for at depth 256
        // unless the storage holds a parent there.
        guard position.depth < PrefixTreePosition.maxDepth else {
            throw PrefixTreeError.corruptStorage(position, "a node at depth 256 must be a leaf")
        }
        // Sorted keys that share the first `depth` bits: all 0s of the next bit come first.
        var lo = entries.startIndex, hi = entries.endIndex
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if entries[mid].key.bit(position.depth) == 0 { lo = mid + 1 } else { hi = mid }
        }
        return (entries[..<lo], entries[lo...])
    }

    private func child(_ position: PrefixTreePosition, _ bit: Int) throws -> PrefixTreePosition {
        guard let c = position.child(bit) else { throw PrefixTreeError.corruptStorage(position, "a node at depth 256 must be a leaf") }
        return c
    }

    /// The node a parent points at: absent exactly when the parent says that child is empty.
    private func stored(_ position: PrefixTreePosition, hash: Hash) throws -> PrefixTreeNode? {
        let node = try storage.node(at: position)
        switch (node, hash == .zero) {
        case (nil, true), (.some, false): return node
        case (nil, false): throw PrefixTreeError.corruptStorage(position, "its parent names a child \(hash.hex) that is not stored")
        case (.some, true): throw PrefixTreeError.corruptStorage(position, "a node is stored where its parent says the subtree is empty")
        }
    }

    /// The proof for `key` against the current root: the siblings along its path from the root
    /// down, and where the path ends (the key's leaf, another key's leaf, or an empty subtree).
    public func prove(_ key: Hash) throws -> PrefixTreeProof {
        var siblings = [Hash]()
        var position = PrefixTreePosition.root
        var node = try storage.node(at: .root)
        while true {
            switch node {
            case nil:
                return PrefixTreeProof(siblings: siblings, terminal: .empty)
            case let .leaf(k, v):
                return PrefixTreeProof(siblings: siblings, terminal: .leaf(key: k, value: v))
            case let .parent(left, right):
                guard position.depth < PrefixTreePosition.maxDepth else {
                    throw PrefixTreeError.corruptStorage(position, "a node at depth 256 must be a leaf")
                }
                let bit = key.bit(position.depth)
                siblings.append(bit == 0 ? right : left)
                position = try child(position, bit)
                node = try stored(position, hash: bit == 0 ? left : right)
            }
        }
    }
}

extension PrefixTree: Sendable where Storage: Sendable {}
