/// The right edge of a tiled tree: what an appender needs to extend the tree and its tiles
/// without reading anything else.
///
/// For each level it holds the hashes of that level's last, incomplete tile (tlog-tiles: the
/// partial tile of width (size / 256^level) mod 256), and the roots of the complete subtrees
/// the size decomposes into, one per set bit of the size. RFC 6962 §2.1 splits a tree at the
/// largest power of two below its size, so the root is those subtrees folded from the right.
public struct TileEdge: Equatable, Sendable {
    public private(set) var size: UInt64 = 0
    /// `hashes[level]`: the 32-byte hashes of the level's incomplete tile, in order.
    private var hashes: [[UInt8]] = []
    /// Roots of the complete subtrees of the decomposition, leftmost (largest) first.
    private var subtrees: [Hash] = []

    /// The edge of the empty tree.
    public init() {}

    /// The edge of a tree of `size` leaves, from its partial tiles. `readTile` returns a tile's
    /// hashes as stored: at least its width (a store keeps its right-edge tiles as they stand
    /// now, which may be wider than the tile an older size implies).
    public init(size: UInt64, readTile: (Tile) throws -> [UInt8]) throws {
        let partial = Tile.partialTiles(forTreeSize: size)
        var hashes = [[UInt8]](repeating: [], count: (partial.last?.level ?? -1) + 1)
        for tile in partial {
            let bytes = try readTile(tile)
            guard bytes.count >= tile.width * Hash.byteCount else {
                throw TileError.wrongWidth(tile: tile.path, bytes: bytes.count, expected: tile.width * Hash.byteCount)
            }
            hashes[tile.level] = Array(bytes.prefix(tile.width * Hash.byteCount))
        }
        self.init(size: size, hashes: hashes)
    }

    private init(size: UInt64, hashes: [[UInt8]]) {
        self.size = size
        self.hashes = hashes
        // Highest level first: its subtrees are the leftmost. Within a partial tile of width W,
        // the subtrees are W's set bits from the highest down, each over consecutive hashes.
        for level in hashes.indices.reversed() {
            let tile = Tile.innerLevels(hashes[level])
            var start = 0
            for bit in (0..<Tile.height).reversed() where tile[0].count & (1 << bit) != 0 {
                subtrees.append(tile[bit][start >> bit])
                start += 1 << bit
            }
        }
    }

    /// MTH of the tree of `size` leaves.
    public var rootHash: Hash {
        subtrees.reversed().reduce(nil) { right, left in right.map { MerkleTree.nodeHash(left, $0) } ?? left } ?? MerkleTree.emptyRoot
    }

    /// The partial tiles of the tree and their hashes, lowest level first.
    public var partialTiles: [(tile: Tile, hashes: [UInt8])] {
        hashes.indices.compactMap { level in
            hashes[level].isEmpty ? nil : (currentTile(level: level), hashes[level])
        }
    }

    private func currentTile(level: Int) -> Tile {
        Tile(level: level, index: (size >> (8 * UInt64(level))) / 256, width: hashes[level].count / Hash.byteCount)
    }

    /// Appends leaves by their leaf hashes. Returns every tile the append changed, as it now
    /// stands, ordered by level and index: the tiles that filled up (full, never to change
    /// again) and the new partial tiles. A tile that fills sends its root to the level above
    /// (tlog-tiles: level l+1 holds the roots of the full tiles of level l).
    public mutating func append(_ leafHashes: some Sequence<Hash>) -> [(tile: Tile, hashes: [UInt8])] {
        var changed = [(tile: Tile, hashes: [UInt8])]()
        var highest = -1
        for leafHash in leafHashes {
            add(leafHash, level: 0, filled: &changed, highest: &highest)
            // The new leaf merges with every complete subtree of equal height on the edge.
            subtrees.append(leafHash)
            var n = size
            while n & 1 == 1, subtrees.count >= 2 {
                let right = subtrees.removeLast()
                let left = subtrees.removeLast()
                subtrees.append(MerkleTree.nodeHash(left, right))
                n >>= 1
            }
            size += 1
        }
        if highest >= 0 {
            for level in 0...highest where !hashes[level].isEmpty {
                changed.append((currentTile(level: level), hashes[level]))
            }
        }
        return changed.sorted { ($0.tile.level, $0.tile.index) < ($1.tile.level, $1.tile.index) }
    }

    /// Adds one hash at `level`, before `size` counts the leaf that brought it.
    private mutating func add(_ hash: Hash, level: Int, filled: inout [(tile: Tile, hashes: [UInt8])], highest: inout Int) {
        if hashes.count <= level { hashes.append([]) }
        highest = max(highest, level)
        hashes[level] += hash.bytes
        guard hashes[level].count == Tile.fullWidth * Hash.byteCount else { return }
        let full = hashes[level]
        hashes[level] = []
        // Hashes at this level before this one: size / 256^level; so this tile's index is that / 256.
        filled.append((Tile(level: level, index: (size >> (8 * UInt64(level))) / 256), full))
        let levels = Tile.innerLevels(full)
        add(MerkleTree.nodeHash(levels[7][0], levels[7][1]), level: level + 1, filled: &filled, highest: &highest)
    }
}
