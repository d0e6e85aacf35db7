/// What is wrong with a tile, a tile path or an entry bundle, and which one.
public enum TileError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncatedBundle(offset: Int)
    case badTileSize(tile: String, bytes: Int)
    case badPath(path: String, String)
    /// A tile that does not have exactly the hashes the tree size implies.
    case wrongWidth(tile: String, bytes: Int, expected: Int)
    /// A tile the tree of this size does not have.
    case notInTree(level: Int, index: UInt64, size: UInt64)
    /// The right-edge tiles do not lead to the signed root; which of them is wrong cannot be told.
    case rootMismatch(tiles: [String], size: UInt64, computed: Hash, expected: Hash)
    /// A full tile whose subtree root is not the hash its (already authenticated) parent holds.
    case parentMismatch(tile: String, computed: Hash, parent: String, position: Int, expected: Hash)

    public var description: String {
        switch self {
        case let .truncatedBundle(offset): "entry bundle is truncated at byte \(offset)"
        case let .badTileSize(tile, bytes): "tile \(tile) has \(bytes) bytes, not a whole number of the hashes it should hold"
        case let .badPath(path, why): "not a tlog-tiles path: \(path): \(why)"
        case let .wrongWidth(tile, bytes, expected): "tile \(tile) has \(bytes) bytes, expected \(expected) (\(expected / 32) hashes)"
        case let .notInTree(level, index, size): "a tree of \(size) leaves has no tile \(index) at level \(level)"
        case let .rootMismatch(tiles, size, computed, expected):
            "the right-edge tiles \(tiles.joined(separator: ", ")) lead to root \(computed) for size \(size), but the checkpoint says \(expected)"
        case let .parentMismatch(tile, computed, parent, position, expected):
            "tile \(tile) hashes to \(computed), but its parent \(parent) holds \(expected) at position \(position)"
        }
    }
}
