/// Why the state map's prefix tree could not be updated or read (PROTOCOL §5).
public enum PrefixTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Map leaves are only added, never changed (keys are versioned): this key is already in the map.
    case keyAlreadyPresent(Hash)
    /// The same key twice in one batch.
    case duplicateKeyInBatch(Hash)
    /// The stored nodes do not form a canonical tree: a parent names a child that is not stored,
    /// or a node sits where a canonical tree cannot have one.
    case corruptStorage(PrefixTreePosition, String)
    /// More keys than a `CompactPrefixTree` references (2^31 − 2).
    case tooManyKeys(Int)
    /// A `CompactPrefixTree` path deeper than 256 bits: two keys that do not differ.
    case tooDeep
    /// A `CompactPrefixTree` batch opened while one is open.
    case batchOpen

    public var description: String {
        switch self {
        case let .keyAlreadyPresent(key): "map key \(key.hex) is already present: map leaves are never changed, a new state is a new version"
        case let .duplicateKeyInBatch(key): "map key \(key.hex) appears twice in one batch"
        case let .corruptStorage(position, why): "map node at path \"\(position)\" (depth \(position.depth)): \(why)"
        case let .tooManyKeys(n): "\(n) map keys: an in-memory map holds at most \(CompactPrefixTree.maxNodes)"
        case .tooDeep: "a map path deeper than 256 bits: the tree holds two equal keys"
        case .batchOpen: "a map batch was opened while another is open"
        }
    }
}
