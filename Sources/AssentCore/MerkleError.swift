/// Why a Merkle tree hash or proof could not be made or checked (RFC 9162 §2.1), saying which
/// proof or subtree it was about: one error for the tree, its readers and both kinds of proof.
public enum MerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A reader has no hash for the complete subtree of 2^level leaves starting at leaf index × 2^level.
    case hashNotStored(level: Int, index: UInt64)
    /// An inclusion proof was asked for, or claims, a leaf outside the tree.
    case indexOutOfRange(index: UInt64, size: UInt64)
    /// A consistency proof was asked for, or claims, sizes that do not satisfy 0 < old ≤ new.
    case sizeOutOfRange(old: UInt64, new: UInt64)
    /// The proof does not have the number of hashes its sizes call for (RFC 9162 §2.1.3.2, §2.1.4.2).
    case wrongProofLength(Proof, expected: Int, found: Int)
    /// The proof leads to another root for the tree of `treeSize` leaves than the one given.
    case rootMismatch(Proof, treeSize: UInt64, computed: Hash, expected: Hash)
    /// A root given to check a proof against is not a 32-byte hash.
    case badRootLength(Proof, treeSize: UInt64, bytes: Int)
    /// A consistency proof between equal sizes relates two different roots.
    case differentRootsForEqualSizes(size: UInt64)

    /// Which proof an error is about.
    public enum Proof: Hashable, Sendable, CustomStringConvertible {
        case inclusion(index: UInt64, size: UInt64)
        case consistency(old: UInt64, new: UInt64)

        public var description: String {
            switch self {
            case let .inclusion(index, size): "inclusion proof of leaf \(index) in the tree of size \(size)"
            case let .consistency(old, new): "consistency proof from size \(old) to size \(new)"
            }
        }
    }

    public var description: String {
        switch self {
        case let .hashNotStored(level, index): "no stored hash for the subtree at level \(level), index \(index)"
        case let .indexOutOfRange(index, size): "leaf index \(index) is not in a tree of size \(size)"
        case let .sizeOutOfRange(old, new): "no consistency proof from size \(old) to size \(new): need 0 < old ≤ new"
        case let .wrongProofLength(proof, expected, found): "\(proof) has \(found) hashes, expected \(expected)"
        case let .rootMismatch(proof, treeSize, computed, expected):
            "\(proof) leads to root \(computed) for size \(treeSize), expected \(expected)"
        case let .badRootLength(proof, treeSize, bytes): "\(proof): the root for size \(treeSize) is \(bytes) bytes, expected 32"
        case let .differentRootsForEqualSizes(size): "consistency proof from size \(size) to itself, but the two roots differ"
        }
    }
}
