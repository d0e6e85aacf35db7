// Tile bytes as a mirror or an auditor reads them from a server it does not trust: an
// AuthenticatedTileReader (tiles checked against a root) and a plain TileHashReader over hostile
// tile contents, asked for the hashes of proofs and roots. The input is an index (8 bytes), a
// tree size (2 bytes, so at most a few tiles), then the bytes every tile is cut from.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        let hashes = Samples.leaves.flatMap(\.leafHash.bytes)
        return [[0, 0, 0, 0, 0, 0, 0, 2, 0, 4] + hashes, [0, 0, 0, 0, 0, 0, 1, 3, 0x02, 0x01] + hashes,
                [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF] + hashes]
    }

    static func run(_ input: [UInt8]) {
        guard input.count >= 10 else { return }
        let index = input[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let size = UInt64(input[8]) << 8 | UInt64(input[9])
        let blob = Array(input[10...])
        // A tile of width W is the blob repeated to W hashes; a blob of 8 or fewer hashes and a
        // ragged tail keeps each input to a few hundred hash computations.
        let unit = Array(blob.prefix(8 * 32 + 31))
        func cut(_ tile: Tile) -> [UInt8] {
            guard !unit.isEmpty else { return [] }
            let want = tile.width * 32 + (unit.count % 32 == 0 ? 0 : 1)
            return (0..<want).map { unit[$0 % unit.count] }
        }
        // The root a verified checkpoint would carry: the one the input's own edge tiles imply,
        // so that the reader gets past the edge check to the full tiles and their parents.
        let root = (try? TileEdge(size: size, readTile: cut))?.rootHash ?? .zero
        let authenticated = AuthenticatedTileReader(size: size, root: root, fetch: cut)
        let plain = TileHashReader { level, index in cut(Tile(level: level, index: index, width: Tile.fullWidth)) }
        for reader in [authenticated, plain] as [any SubtreeHashReader] {
            do { _ = try MerkleTree.treeHash(size: size, reader: reader) } catch { describe(error) }
            do { _ = try InclusionProof.generate(index: index, size: size, reader: reader) } catch { describe(error) }
            do { _ = try ConsistencyProof.generate(oldSize: index, newSize: size, reader: reader) } catch { describe(error) }
            do { _ = try reader.subtreeHash(level: Int(input[7] % 64), index: index) } catch { describe(error) }
        }
    }
}
