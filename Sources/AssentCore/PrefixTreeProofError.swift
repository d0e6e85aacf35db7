/// Why a state-map proof could not be read or does not prove what was asked (PROTOCOL §5).
public enum PrefixTreeProofError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes or JSON are not a proof: the reason names the offset or member.
    case malformed(String)
    /// More siblings than a 256-bit key has levels.
    case tooManySiblings(Int)
    /// The path ends in a leaf whose key does not share the first `depth` bits with the key asked about.
    case leafOffPath(key: Hash, leafKey: Hash, depth: Int)
    /// The proof leads to another root than the one it is checked against.
    case rootMismatch(key: Hash, computed: Hash, expected: Hash)
    /// Membership was asked, the proof shows the key is absent.
    case keyAbsent(Hash)
    /// Non-membership was asked, the proof shows the key is present.
    case keyPresent(Hash)
    /// The key is present with another value than the one asked about.
    case valueMismatch(key: Hash, proven: Hash, expected: Hash)

    public var description: String {
        switch self {
        case let .malformed(why): "not a map proof: \(why)"
        case let .tooManySiblings(n): "map proof has \(n) sibling hashes, at most 256 (one per key bit)"
        case let .leafOffPath(key, leafKey, depth):
            "map proof for key \(key.hex) ends at depth \(depth) in the leaf of key \(leafKey.hex), which is not on that key's path"
        case let .rootMismatch(key, computed, expected): "map proof for key \(key.hex) leads to root \(computed.hex), expected \(expected.hex)"
        case let .keyAbsent(key): "map key \(key.hex) is absent, the proof shows no leaf for it"
        case let .keyPresent(key): "map key \(key.hex) is present, the proof shows its leaf"
        case let .valueMismatch(key, proven, expected): "map key \(key.hex) holds value \(proven.hex), expected \(expected.hex)"
        }
    }
}
