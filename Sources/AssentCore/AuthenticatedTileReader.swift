/// Reads tiles from a source it does not trust (a peer a mirror copies, the node an auditor
/// checks) and hands out only hashes proven to be in the tree of a verified checkpoint: the
/// idea of golang.org/x/mod/sumdb/tlog's TileHashReader (research.swtch.com/tlog, "Authenticating
/// Tiles").
///
/// - The partial tiles of the tree's right edge are checked together, on first need, by
///   recomputing the root from them alone: they hold exactly the complete subtrees the size
///   decomposes into (see `TileEdge`).
/// - A full tile is checked against its parent: the root of its subtree must be the hash the
///   parent, itself checked first, holds at its position. Every chain of parents ends at a
///   partial tile of the edge, so a full tile costs at most one fetch per level above it.
///
/// `fetch` gets the tile exactly as this tree size has it (full, or partial of the implied
/// width) and must return exactly its hashes. Checked tiles are kept for the reader's life.
public final class AuthenticatedTileReader: SubtreeHashReader {
    public let size: UInt64
    public let root: Hash
    private let fetch: (Tile) throws -> [UInt8]
    private var checked: [Tile: (bytes: [UInt8], levels: [[Hash]])] = [:]

    public init(size: UInt64, root: Hash, fetch: @escaping (Tile) throws -> [UInt8]) {
        self.size = size
        self.root = root
        self.fetch = fetch
    }

    /// A reader for the tree a checkpoint commits to. The checkpoint's signature must have
    /// been verified (`Checkpoint.verified`): the reader trusts its size and root.
    public convenience init(checkpoint: Checkpoint, fetch: @escaping (Tile) throws -> [UInt8]) {
        self.init(size: checkpoint.size, root: checkpoint.root, fetch: fetch)
    }

    /// The tile at `level` and `index` as this tree has it, with its hashes, checked against the root.
    public func tile(level: Int, index: UInt64) throws -> (tile: Tile, hashes: [UInt8]) {
        let (tile, entry) = try checkedTile(level: level, index: index)
        return (tile, entry.bytes)
    }

    public func subtreeHash(level h: Int, index k: UInt64) throws -> Hash {
        let at = Tile.locate(height: h, index: k)
        let levels = try checkedTile(level: at.level, index: at.tile).1.levels
        guard at.within < levels.count, at.offset < levels[at.within].count else { throw MerkleError.hashNotStored(level: h, index: k) }
        return levels[at.within][at.offset]
    }

    private func checkedTile(level: Int, index: UInt64) throws -> (Tile, (bytes: [UInt8], levels: [[Hash]])) {
        guard let tile = Tile.at(level: level, index: index, treeSize: size) else {
            throw TileError.notInTree(level: level, index: index, size: size)
        }
        if let known = checked[tile] { return (tile, known) }
        if tile.isPartial {
            try checkEdge()
        } else {
            let bytes = try fetchExactly(tile)
            let levels = Tile.innerLevels(bytes)
            let (parent, parentEntry) = try checkedTile(level: level + 1, index: index / 256)
            let position = Int(index % 256)
            // A full tile at index n means (n + 1)·256 hashes at its level, so its parent has position n % 256.
            guard let computed = Tile.rootOfFull(levels), position < parentEntry.levels[0].count else {
                throw TileError.wrongWidth(tile: parent.path, bytes: parentEntry.bytes.count, expected: (position + 1) * Hash.byteCount)
            }
            let expected = parentEntry.levels[0][position]
            guard computed == expected else {
                throw TileError.parentMismatch(tile: tile.path, computed: computed, parent: parent.path, position: position, expected: expected)
            }
            checked[tile] = (bytes, levels)
        }
        guard let entry = checked[tile] else { throw TileError.notInTree(level: level, index: index, size: size) }
        return (tile, entry)
    }

    /// Fetches every partial tile and checks that together they give the signed root.
    private func checkEdge() throws {
        let partial = Tile.partialTiles(forTreeSize: size)
        var fetched = [Tile: [UInt8]]()
        for tile in partial { fetched[tile] = try fetchExactly(tile) }
        let edge = try TileEdge(size: size) { fetched[$0] ?? [] }
        guard edge.rootHash == root else {
            throw TileError.rootMismatch(tiles: partial.map(\.path), size: size, computed: edge.rootHash, expected: root)
        }
        for (tile, bytes) in fetched { checked[tile] = (bytes, Tile.innerLevels(bytes)) }
    }

    private func fetchExactly(_ tile: Tile) throws -> [UInt8] {
        let bytes = try fetch(tile)
        guard bytes.count == tile.width * Hash.byteCount else {
            throw TileError.wrongWidth(tile: tile.path, bytes: bytes.count, expected: tile.width * Hash.byteCount)
        }
        return bytes
    }
}
