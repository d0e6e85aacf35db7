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
    public static func generate(oldSize m: UInt64, newSize n: UInt64, reader: some SubtreeHashReader) throws -> ConsistencyProof {
        guard m > 0, m <= n else { throw MerkleError.sizeOutOfRange(old: m, new: n) }
        var proof = [Hash]()
        try subproof(m: m, start: 0, end: n, complete: true, reader: reader, into: &proof)
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
    public func verify(oldRoot: Hash, newRoot: Hash) throws(ProofError) {
        try ConsistencyProof.verify(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot.bytes, newRoot: newRoot.bytes, proof: hashes)
    }

    /// The byte-level check, for callers holding roots that may not even be 32 bytes
    /// (the test vectors compare equal-size roots bytewise).
    public static func verify(oldSize m: UInt64, newSize n: UInt64, oldRoot: [UInt8], newRoot: [UInt8], proof: [Hash]) throws(ProofError) {
        guard m > 0, m <= n else { throw .sizeOutOfRange(old: m, new: n) }
        if m == n {
            guard proof.isEmpty else { throw .nonEmptyProofForEqualSizes }
            guard oldRoot == newRoot else { throw .differentRootsForEqualSizes }
            return
        }
        guard let oldHash = Hash(bytes: oldRoot) else { throw .badHashLength(oldRoot.count) }
        guard let newHash = Hash(bytes: newRoot) else { throw .badHashLength(newRoot.count) }
        guard !proof.isEmpty else { throw .proofTooShort(found: 0) }
        // If m is a power of two, the old root is itself the first node of the proof.
        var path = proof[...]
        if m & (m - 1) == 0 { path = ([oldHash] + proof)[...] }
        var fn = m - 1
        var sn = n - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path.first!
        var sr = path.first!
        for c in path.dropFirst() {
            guard sn != 0 else { throw .proofTooLong(expected: proof.count - path.count + 1, found: proof.count) }
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
        guard sn == 0 else { throw .proofTooShort(found: proof.count) }
        guard fr == oldHash else { throw .rootMismatch(computed: fr, expected: oldHash) }
        guard sr == newHash else { throw .rootMismatch(computed: sr, expected: newHash) }
    }
}
