/// A stored node of the state map's prefix tree (PROTOCOL §5).
///
/// Only two kinds are ever stored: a leaf, at the shallowest position where its key is alone
/// in its subtree ("a subtree holding one leaf is that leaf"), and a parent, which holds the
/// hashes of both its children so that an insert or a proof reads only the nodes on one path.
/// An empty subtree is not stored: its hash is 32 zero bytes.
///
/// A node's encoding is its hash input: 0x02 ‖ key ‖ value for a leaf, 0x03 ‖ left ‖ right for
/// a parent (65 bytes either way), so the hash of a stored node is SHA-256 of its bytes.
public enum PrefixTreeNode: Hashable, Sendable {
    case leaf(key: Hash, value: Hash)
    case parent(left: Hash, right: Hash)

    /// The domain-separation bytes of PROTOCOL §5 (as the IETF KEYTRANS prefix tree).
    public static let leafPrefix: UInt8 = 0x02
    public static let parentPrefix: UInt8 = 0x03
    public static let encodedCount = 1 + 2 * Hash.byteCount

    /// The node's hash: SHA-256 of its encoding.
    public var hash: Hash {
        switch self {
        case let .leaf(key, value): PrefixTreeNode.leafHash(key: key, value: value)
        case let .parent(left, right): PrefixTreeNode.parentHash(left: left, right: right)
        }
    }

    /// leaf = SHA-256(0x02 ‖ key ‖ value).
    public static func leafHash(key: Hash, value: Hash) -> Hash { hash(leafPrefix, key, value) }

    /// parent = SHA-256(0x03 ‖ left ‖ right).
    public static func parentHash(left: Hash, right: Hash) -> Hash { hash(parentPrefix, left, right) }

    private static func hash(_ prefix: UInt8, _ a: Hash, _ b: Hash) -> Hash {
        // 65 bytes on the stack: a batch hashes millions of nodes, an array each would dominate.
        withUnsafeTemporaryAllocation(byteCount: encodedCount, alignment: 1) { input in
            input[0] = prefix
            a.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: input[1..<33]).copyMemory(from: $0) }
            b.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: input[33..<65]).copyMemory(from: $0) }
            return SHA256.hash(raw: UnsafeRawBufferPointer(input))
        }
    }

    /// The 65 bytes this node is stored as (and hashed from).
    public var encoded: [UInt8] {
        switch self {
        case let .leaf(key, value): [PrefixTreeNode.leafPrefix] + key.bytes + value.bytes
        case let .parent(left, right): [PrefixTreeNode.parentPrefix] + left.bytes + right.bytes
        }
    }

    /// Reads a stored node back; nil for anything that is not exactly one of the two encodings,
    /// or a parent that a canonical tree never holds (an empty child beside an empty or single
    /// leaf child cannot be told apart here, so only the both-empty parent is refused).
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == PrefixTreeNode.encodedCount,
              let a = Hash(bytes: Array(bytes[1..<33])), let b = Hash(bytes: Array(bytes[33..<65]))
        else { return nil }
        switch bytes[0] {
        case PrefixTreeNode.leafPrefix: self = .leaf(key: a, value: b)
        case PrefixTreeNode.parentPrefix where !(a == .zero && b == .zero): self = .parent(left: a, right: b)
        default: return nil
        }
    }
}
