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

    /// RFC 9162 §2.1.3.2: recomputes the root from `leafHash` and the path.
    public func rootHash(leafHash: Hash) throws(ProofError) -> Hash {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for (i, p) in hashes.enumerated() {
            guard sn != 0 else { throw .proofTooLong(expected: i, found: hashes.count) }
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
        guard sn == 0 else { throw .proofTooShort(found: hashes.count) }
        return r
    }

    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    public func verify(leafHash: Hash, root: Hash) throws(ProofError) {
        let computed = try rootHash(leafHash: leafHash)
        guard computed == root else { throw .rootMismatch(computed: computed, expected: root) }
    }
}

public enum ProofError: Error, Equatable, Sendable, CustomStringConvertible {
    case indexOutOfRange(index: UInt64, size: UInt64)
    case proofTooLong(expected: Int, found: Int)
    case proofTooShort(found: Int)
    case wrongProofLength(expected: Int, found: Int)
    case rootMismatch(computed: Hash, expected: Hash)
    case badHashLength(Int)
    case sizeOutOfRange(old: UInt64, new: UInt64)
    case nonEmptyProofForEqualSizes
    case differentRootsForEqualSizes

    public var description: String {
        switch self {
        case let .indexOutOfRange(index, size): "leaf index \(index) is not in a tree of size \(size)"
        case let .proofTooLong(expected, found): "proof has \(found) hashes, expected \(expected)"
        case let .proofTooShort(found): "proof has \(found) hashes, too few for this tree"
        case let .wrongProofLength(expected, found): "proof has \(found) hashes, expected \(expected)"
        case let .rootMismatch(computed, expected): "proof leads to root \(computed), expected \(expected)"
        case let .badHashLength(n): "a hash is \(n) bytes, expected 32"
        case let .sizeOutOfRange(old, new): "no consistency proof from size \(old) to size \(new): need 0 < old ≤ new"
        case .nonEmptyProofForEqualSizes: "sizes are equal, so the proof must be empty"
        case .differentRootsForEqualSizes: "sizes are equal but the roots differ"
        }
    }
}
