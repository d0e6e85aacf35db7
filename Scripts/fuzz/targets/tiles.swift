// Tile bytes as a client holding tiles from a server reads them: TileHashReader over hostile
// tile contents, asked for the subtree hashes of proofs and roots at sizes and indexes taken
// from the input (first 16 bytes), the rest being every tile's bytes (at most 8 hashes and a
// ragged tail, so that each input costs a few hashes, not a tree's worth).
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        let hashes = Samples.leaves.flatMap(\.leafHash.bytes)
        return [[0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4] + hashes,
                [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + hashes]
    }

    static func run(_ input: [UInt8]) {
        guard input.count >= 16 else { return }
        let index = input[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let size = input[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let tile = Array(input[16...].prefix(8 * 32 + 31))
        let reader = TileHashReader { _, _ in tile }
        do { _ = try MerkleTree.treeHash(size: size, reader: reader) } catch { describe(error) }
        do { _ = try InclusionProof.generate(index: index, size: size, reader: reader) } catch { describe(error) }
        do { _ = try ConsistencyProof.generate(oldSize: index, newSize: size, reader: reader) } catch { describe(error) }
        for level in [0, 7, 8, 63] {
            do { _ = try reader.subtreeHash(level: level, index: index) } catch { describe(error) }
        }
    }
}
