/// Reads subtree hashes out of tiles, so a store or a client holding tiles can
/// produce any root or proof (the approach of golang.org/x/mod/sumdb/tlog).
///
/// `readTile(level, index)` returns the tile's hashes as stored: at least as many as needed.
/// Each tile is read once per reader and its eight inner levels are hashed once, so the many
/// proofs of one batch of receipts cost a few tile reads, not one per proof step. A reader
/// is meant to be short-lived (one request or one batch): it does not see later appends.
///
/// This reader trusts its tiles: it is for a store reading its own. A client reading tiles
/// from elsewhere uses `AuthenticatedTileReader`, which checks them against a signed root.
public final class TileHashReader: SubtreeHashReader {
    private let readTile: (Int, UInt64) throws -> [UInt8]
    private var expanded: [TileKey: [[Hash]]] = [:]
    private var ranges: [ClosedRange<UInt64>: Hash] = [:]

    public func rememberedRangeHash(start: UInt64, end: UInt64) -> Hash? { ranges[start...end] }
    public func rememberRangeHash(_ hash: Hash, start: UInt64, end: UInt64) { ranges[start...end] = hash }

    private struct TileKey: Hashable {
        let level: Int
        let index: UInt64
    }

    public init(readTile: @escaping (Int, UInt64) throws -> [UInt8]) {
        self.readTile = readTile
    }

    public func subtreeHash(level h: Int, index k: UInt64) throws -> Hash {
        let at = Tile.locate(height: h, index: k)
        let levels = try innerLevels(level: at.level, index: at.tile)
        guard at.within < levels.count, at.offset < levels[at.within].count else { throw MerkleError.hashNotStored(level: h, index: k) }
        return levels[at.within][at.offset]
    }

    private func innerLevels(level: Int, index: UInt64) throws -> [[Hash]] {
        let key = TileKey(level: level, index: index)
        if let levels = expanded[key] { return levels }
        let bytes = try readTile(level, index)
        guard bytes.count % Hash.byteCount == 0 else {
            throw TileError.badTileSize(tile: "tile/\(level)/\(Tile.encodeIndex(index))", bytes: bytes.count)
        }
        let levels = Tile.innerLevels(bytes)
        expanded[key] = levels
        return levels
    }
}
