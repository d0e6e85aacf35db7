/// An RFC 9162 §2.1.4 consistency proof between the trees of `oldSize` and `newSize` leaves.
public struct ConsistencyProof: Hashable, Sendable {
    public let oldSize: UInt64
    public let newSize: UInt64
    public let hashes: [Hash]

    public init(oldSize: UInt64, newSize: UInt64, hashes: [Hash]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.hashes = hashes
    }

    /// PROOF(m, D[0:n]) of RFC 9162 §2.1.4.1 (SUBPROOF with b = true at the top), from stored hashes.
    ///
    /// With `includingOldRoot`, SUBPROOF(m, D[0:n], false): when m is a power of two the path
    /// then begins with the hash of the first m leaves of *this* tree, which the RFC leaves out
    /// because its verifier holds the old root. Equivocation evidence (`Evidence`) needs it:
    /// there that hash is exactly what differs from the old signed root.
    public static func generate(oldSize m: UInt64, newSize n: UInt64, reader: some SubtreeHashReader,
                                includingOldRoot: Bool = false) throws -> ConsistencyProof {
        guard m > 0, m <= n else { throw MerkleError.sizeOutOfRange(old: m, new: n) }
        var proof = [Hash]()
        try subproof(m: m, start: 0, end: n, complete: !includingOldRoot, reader: reader, into: &proof)
        return ConsistencyProof(oldSize: m, newSize: n, hashes: proof)
    }

    // SUBPROOF(m, D[start:end], b): the nodes are appended in the RFC's order
    // (deepest first), so recursion comes before the sibling.
    private static func subproof(
        m: UInt64, start: UInt64, end: UInt64, complete: Bool,
        reader: some SubtreeHashReader, into proof: inout [Hash]
    ) throws {
        let n = end - start
        if m == n {
            if !complete { proof.append(try MerkleTree.rangeHash(start: start, end: end, reader: reader)) }
            return
        }
        let k = MerkleTree.largestPowerOfTwo(below: n)
        if m <= k {
            try subproof(m: m, start: start, end: start + k, complete: complete, reader: reader, into: &proof)
            proof.append(try MerkleTree.rangeHash(start: start + k, end: end, reader: reader))
        } else {
            try subproof(m: m - k, start: start + k, end: end, complete: false, reader: reader, into: &proof)
            proof.append(try MerkleTree.rangeHash(start: start, end: start + k, reader: reader))
        }
    }

    /// RFC 9162 §2.1.4.2. Sizes must satisfy 0 < old ≤ new (the rule of the RFC 6962
    /// test vectors; tlog-witness's old size 0 is handled by the witness, not here).
    public func verify(oldRoot: Hash, newRoot: Hash) throws(MerkleError) {
        try ConsistencyProof.verify(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot.bytes, newRoot: newRoot.bytes, proof: hashes)
    }

    /// The number of hashes in the consistency proof from `old` to `new` leaves: none for equal
    /// sizes; otherwise the first node (unless the old tree is a complete subtree, whose root
    /// stands in for it) and one for each pass of RFC 9162 §2.1.4.2's loop before `sn`
    /// reaches 0. Nil unless 0 < old ≤ new.
    public static func proofLength(oldSize m: UInt64, newSize n: UInt64) -> Int? {
        guard m > 0, m <= n else { return nil }
        if m == n { return 0 }
        let first = m & (m - 1) == 0 ? 0 : 1
        var fn = m - 1
        var sn = n - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        return first + InclusionProof.passes(fn: fn, sn: sn)
    }

    /// The byte-level check, for callers holding roots that may not even be 32 bytes
    /// (the test vectors compare equal-size roots bytewise).
    ///
    /// The RFC fails a proof when `sn` reaches 0 before the path ends or is not 0 after it;
    /// `proofLength` counts exactly those passes, so checking the length first is the same
    /// test, and lets the error say how many hashes were expected.
    public static func verify(oldSize m: UInt64, newSize n: UInt64, oldRoot: [UInt8], newRoot: [UInt8], proof: [Hash]) throws(MerkleError) {
        guard let expected = proofLength(oldSize: m, newSize: n) else { throw .sizeOutOfRange(old: m, new: n) }
        let which = MerkleError.Proof.consistency(old: m, new: n)
        guard proof.count == expected else { throw .wrongProofLength(which, expected: expected, found: proof.count) }
        if m == n {
            guard oldRoot == newRoot else { throw .differentRootsForEqualSizes(size: m) }
            return
        }
        guard let oldHash = Hash(bytes: oldRoot) else { throw .badRootLength(which, treeSize: m, bytes: oldRoot.count) }
        guard let newHash = Hash(bytes: newRoot) else { throw .badRootLength(which, treeSize: n, bytes: newRoot.count) }
        // If m is a power of two, the old root is itself the first node of the path.
        let path = m & (m - 1) == 0 ? [oldHash] + proof : proof
        // The length check guarantees at least one node (m < n always needs one).
        guard let (fr, sr) = roots(oldSize: m, newSize: n, path: path) else {
            throw .wrongProofLength(which, expected: expected, found: proof.count)
        }
        guard fr == oldHash else { throw .rootMismatch(which, treeSize: m, computed: fr, expected: oldHash) }
        guard sr == newHash else { throw .rootMismatch(which, treeSize: n, computed: sr, expected: newHash) }
    }

    /// The two roots RFC 9162 §2.1.4.2 computes from a consistency path for 0 < m < n: `fr`, the
    /// old tree's root, and `sr`, the new tree's. `path` is the proof with, when m is a power of
    /// two, the old tree's root first (as the RFC prepends it). Nil for an empty path. Callers
    /// check the path's length (`proofLength`); with another length the roots mean nothing.
    ///
    /// Separate from `verify` because equivocation evidence (`Evidence`) needs the roots
    /// themselves: a path whose `sr` is the new signed root but whose `fr` is not the old
    /// signed root shows the new tree does not extend the old.
    static func roots(oldSize m: UInt64, newSize n: UInt64, path: [Hash]) -> (old: Hash, new: Hash)? {
        guard m > 0, m < n else { return nil }
        var fn = m - 1
        var sn = n - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        guard let first = path.first else { return nil }
        var fr = first
        var sr = first
        for c in path.dropFirst() {
            if fn & 1 == 1 || fn == sn {
                fr = MerkleTree.nodeHash(c, fr)
                sr = MerkleTree.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return (fr, sr)
    }
}
