import AssentCore

/// Trees for the tile tests, built straight from the definitions, not from the code under test.
enum TreeFixtures {
    static func leafHashes(_ count: Int, seed: String = "leaf") -> [Hash] {
        (0..<count).map { MerkleTree.leafHash(Array("\(seed) \($0)".utf8)) }
    }

    /// Every tile of the tree over `leafHashes`, by tlog-tiles' definition: hash i of level l is
    /// MTH of the leaves [i·256^l, (i+1)·256^l), which is MTH of 256 consecutive level l−1 hashes.
    static func tiles(_ leafHashes: [Hash]) -> [Tile: [UInt8]] {
        var tiles = [Tile: [UInt8]]()
        var hashes = leafHashes
        var level = 0
        while !hashes.isEmpty {
            var above = [Hash]()
            for start in stride(from: 0, to: hashes.count, by: 256) {
                let chunk = Array(hashes[start..<min(start + 256, hashes.count)])
                tiles[Tile(level: level, index: UInt64(start / 256), width: chunk.count)] = chunk.flatMap(\.bytes)
                if chunk.count == 256 { above.append(MerkleTree.rootHash(leafHashes: chunk)) }
            }
            hashes = above
            level += 1
        }
        return tiles
    }
}
