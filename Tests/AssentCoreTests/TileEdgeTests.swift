import AssentCore
import XCTest

final class TileEdgeTests: XCTestCase {
    func testRootIsTheTreeHashAtEverySize() {
        let hashes = TreeFixtures.leafHashes(700)
        var edge = TileEdge()
        XCTAssertEqual(edge.rootHash, MerkleTree.emptyRoot)
        for size in 1...hashes.count {
            _ = edge.append([hashes[size - 1]])
            XCTAssertEqual(edge.size, UInt64(size))
            XCTAssertEqual(edge.rootHash, MerkleTree.rootHash(leafHashes: Array(hashes[..<size])), "size \(size)")
        }
    }

    /// 66,000 leaves fill a level-1 tile; appended in uneven batches, every tile an append
    /// reports is the tile as the definition gives it, and a full tile is reported only once.
    func testEveryReportedTileIsTheTileOfTheTree() {
        let hashes = TreeFixtures.leafHashes(66_000)
        var edge = TileEdge()
        var reported = [String: [UInt8]]()
        var fullReported = Set<Tile>()
        let batches = [1, 7, 255, 256, 300, 1000, 2, 4097]
        var next = 0
        var n = 0
        while next < hashes.count {
            let end = min(next + batches[n % batches.count], hashes.count)
            for (tile, bytes) in edge.append(hashes[next..<end]) {
                XCTAssertEqual(bytes.count, tile.width * 32, tile.path)
                reported["\(tile.level)/\(tile.index)"] = bytes
                if !tile.isPartial { XCTAssertTrue(fullReported.insert(tile).inserted, "\(tile.path) reported twice") }
                let current = Tile.at(level: tile.level, index: tile.index, treeSize: UInt64(end))
                XCTAssertEqual(current, tile, "reported \(tile.path) at size \(end)")
            }
            next = end
            n += 1
        }
        let expected = TreeFixtures.tiles(hashes)
        XCTAssertEqual(expected.count, Tile.tiles(forTreeSize: 66_000).count)
        XCTAssertEqual(reported.count, expected.count)
        for (tile, bytes) in expected {
            XCTAssertEqual(reported["\(tile.level)/\(tile.index)"], bytes, tile.path)
        }
        XCTAssertEqual(edge.rootHash, MerkleTree.rootHash(leafHashes: hashes))
        XCTAssertEqual(edge.partialTiles.map(\.tile.path), ["tile/0/257.p/208", "tile/1/001.p/1", "tile/2/000.p/1"])
    }

    /// A store keeps each right-edge tile as it stands now; loading an older size from those
    /// wider tiles gives the same edge as appending up to that size, and both go on alike.
    func testLoadingFromStoredTilesGivesTheAppendedEdge() throws {
        let hashes = TreeFixtures.leafHashes(66_000)
        let stored = TreeFixtures.tiles(hashes)
        func read(_ tile: Tile) throws -> [UInt8] {
            try XCTUnwrap(stored.first { $0.key.level == tile.level && $0.key.index == tile.index }?.value, tile.path)
        }
        for size in [0, 1, 255, 256, 257, 600, 65_535, 65_536, 65_537, 65_900] {
            var appended = TileEdge()
            _ = appended.append(hashes[..<size])
            var loaded = try TileEdge(size: UInt64(size), readTile: read)
            XCTAssertEqual(loaded, appended, "size \(size)")
            XCTAssertEqual(loaded.rootHash, appended.rootHash, "size \(size)")
            let more = hashes[size..<(size + 100)]
            XCTAssertEqual(loaded.append(more).map(\.hashes), appended.append(more).map(\.hashes), "size \(size)")
            XCTAssertEqual(loaded.rootHash, MerkleTree.rootHash(leafHashes: Array(hashes[..<(size + 100)])), "size \(size)")
        }
    }

    func testAShortStoredTileIsRefused() {
        let stored = TreeFixtures.tiles(TreeFixtures.leafHashes(600))
        XCTAssertThrowsError(try TileEdge(size: 600) { tile in Array((stored[tile] ?? []).dropLast(32)) }) { error in
            XCTAssertEqual(error as? TileError, .wrongWidth(tile: "tile/0/002.p/88", bytes: 87 * 32, expected: 88 * 32))
        }
    }
}
