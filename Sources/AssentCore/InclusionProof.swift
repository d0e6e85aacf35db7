/// An RFC 9162 §2.1.3 inclusion proof: the audit path for leaf `index` in the tree of `size` leaves.
public struct InclusionProof: Hashable, Sendable {
    public let index: UInt64
    public let size: UInt64
    public let hashes: [Hash]

    public init(index: UInt64, size: UInt64, hashes: [Hash]) {
        self.index = index
        self.size = size
        self.hashes = hashes
    }

    /// PATH(m, D[0:n]) of RFC 9162 §2.1.3.1, from stored subtree hashes.
    public static func generate(index: UInt64, size: UInt64, reader: some SubtreeHashReader) throws -> InclusionProof {
        guard index < size else { throw MerkleError.indexOutOfRange(index: index, size: size) }
        var path = [Hash]()
        // Walk down from the whole range, collecting the sibling subtree at each split.
        var start: UInt64 = 0
        var end = size
        var siblings = [Hash]()
        while end - start > 1 {
            let k = MerkleTree.largestPowerOfTwo(below: end - start)
            if index < start + k {
                siblings.append(try MerkleTree.rangeHash(start: start + k, end: end, reader: reader))
                end = start + k
            } else {
                siblings.append(try MerkleTree.rangeHash(start: start, end: start + k, reader: reader))
                start += k
            }
        }
        // The path lists siblings from the leaf up.
        path = siblings.reversed()
        return InclusionProof(index: index, size: size, hashes: path)
    }

    /// The number of hashes in the audit path of leaf `index` in a tree of `size` leaves: one for
    /// each pass of RFC 9162 §2.1.3.2's loop before `sn` reaches 0. Nil when the index is outside.
    public static func pathLength(index: UInt64, size: UInt64) -> Int? {
        guard index < size else { return nil }
        return passes(fn: index, sn: size - 1)
    }

    /// The passes of the verification loop shared by RFC 9162 §2.1.3.2 and §2.1.4.2, from `fn`
    /// and `sn` until `sn` reaches 0: each consumes one proof hash.
    static func passes(fn start: UInt64, sn end: UInt64) -> Int {
        var fn = start
        var sn = end
        var count = 0
        while sn != 0 {
            if fn & 1 == 0 && fn == sn {
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            }
            fn >>= 1
            sn >>= 1
            count += 1
        }
        return count
    }

    /// RFC 9162 §2.1.3.2: recomputes the root from `leafHash` and the path.
    ///
    /// The RFC fails a proof when `sn` reaches 0 before the path ends or is not 0 after it;
    /// `pathLength` counts exactly the passes before `sn` reaches 0, so checking the length
    /// first is the same test, and lets the error say how many hashes were expected.
    public func rootHash(leafHash: Hash) throws(MerkleError) -> Hash {
        guard let expected = InclusionProof.pathLength(index: index, size: size) else {
            throw .indexOutOfRange(index: index, size: size)
        }
        guard hashes.count == expected else {
            throw .wrongProofLength(.inclusion(index: index, size: size), expected: expected, found: hashes.count)
        }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in hashes {
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return r
    }

    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    public func verify(leafHash: Hash, root: Hash) throws(MerkleError) {
        let computed = try rootHash(leafHash: leafHash)
        guard computed == root else {
            throw .rootMismatch(.inclusion(index: index, size: size), treeSize: size, computed: computed, expected: root)
        }
    }
}
