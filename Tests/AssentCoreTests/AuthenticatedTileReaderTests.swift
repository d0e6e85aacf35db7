import AssentCore
import XCTest

final class AuthenticatedTileReaderTests: XCTestCase {
    /// 66,000 leaves: 257 full level-0 tiles and a partial one, a full level-1 tile and a
    /// partial one, and a partial level-2 tile.
    static let hashes = TreeFixtures.leafHashes(66_000)
    static let tiles = TreeFixtures.tiles(hashes)
    static let root = MerkleTree.rootHash(leafHashes: hashes)

    final class Counter { var fetches = 0 }

    /// A reader over `tiles` served the way a store keeps them: by level and index, as they
    /// stand, whatever width the reader asks for.
    func reader(size: UInt64 = 66_000, root: Hash = AuthenticatedTileReaderTests.root, tiles: [Tile: [UInt8]] = AuthenticatedTileReaderTests.tiles,
                counter: Counter = Counter()) -> AuthenticatedTileReader {
        let byPosition = Dictionary(uniqueKeysWithValues: tiles.map { ("\($0.key.level)/\($0.key.index)", $0.value) })
        return AuthenticatedTileReader(size: size, root: root) { tile in
            counter.fetches += 1
            guard let bytes = byPosition["\(tile.level)/\(tile.index)"] else { throw TileError.notInTree(level: tile.level, index: tile.index, size: 0) }
            return bytes
        }
    }

    func testEveryTileOfTheSignedTreeIsAcceptedAndFetchedOnce() throws {
        for size in [1, 255, 256, 257, 600, 66_000] {
            let hashes = Array(Self.hashes[..<size])
            let tiles = TreeFixtures.tiles(hashes)
            let root = MerkleTree.rootHash(leafHashes: hashes)
            let counter = Counter()
            let reader = reader(size: UInt64(size), root: root, tiles: tiles, counter: counter)
            for tile in Tile.tiles(forTreeSize: UInt64(size)).reversed() {
                let read = try reader.tile(level: tile.level, index: tile.index)
                XCTAssertEqual(read.tile, tile)
                XCTAssertEqual(read.hashes, tiles[tile], "size \(size): \(tile.path)")
            }
            XCTAssertEqual(counter.fetches, tiles.count, "size \(size)")
            // Roots and proofs from checked tiles are the tree's.
            XCTAssertEqual(try MerkleTree.treeHash(size: UInt64(size), reader: reader), root)
            let index = UInt64(size / 2)
            let proof = try InclusionProof.generate(index: index, size: UInt64(size), reader: reader)
            XCTAssertNoThrow(try proof.verify(leafHash: hashes[Int(index)], root: root))
            XCTAssertEqual(counter.fetches, tiles.count, "size \(size): nothing fetched twice")
        }
    }

    func testATamperedByteInAnOlderFullLevel0TileIsFoundAndNamed() {
        var tiles = Self.tiles
        tiles[Tile(level: 0, index: 5)]?[100] ^= 1
        let reader = reader(tiles: tiles)
        XCTAssertThrowsError(try reader.tile(level: 0, index: 5)) { error in
            guard case let .parentMismatch(tile, _, parent, position, expected)? = error as? TileError else { return XCTFail("\(error)") }
            XCTAssertEqual(tile, "tile/0/005")
            XCTAssertEqual(parent, "tile/1/000")
            XCTAssertEqual(position, 5)
            XCTAssertEqual(expected, MerkleTree.rootHash(leafHashes: Array(Self.hashes[(5 * 256)..<(6 * 256)])))
            XCTAssertTrue("\(error)".hasPrefix("tile tile/0/005 hashes to "), "\(error)")
        }
        // Its neighbours are still good.
        XCTAssertNoThrow(try reader.tile(level: 0, index: 6))
    }

    func testATamperedFullLevel1TileIsFoundWhenAnyTileBelowIsRead() {
        var tiles = Self.tiles
        tiles[Tile(level: 1, index: 0)]?[8000] ^= 0x80
        XCTAssertThrowsError(try reader(tiles: tiles).tile(level: 0, index: 17)) { error in
            guard case let .parentMismatch(tile, _, parent, position, _)? = error as? TileError else { return XCTFail("\(error)") }
            XCTAssertEqual(tile, "tile/1/000")
            XCTAssertEqual(parent, "tile/2/000.p/1")
            XCTAssertEqual(position, 0)
        }
    }

    func testATamperedByteInAnyTileOfAnyLevelIsFound() {
        for target in Self.tiles.keys {
            var tiles = Self.tiles
            let last = (tiles[target]?.count ?? 0) - 1
            tiles[target]?[last] ^= 0x01
            XCTAssertThrowsError(try reader(tiles: tiles).tile(level: target.level, index: target.index), target.path) { error in
                switch error as? TileError {
                case let .parentMismatch(tile, _, _, _, _)?: XCTAssertEqual(tile, target.path)
                case let .rootMismatch(edge, size, _, expected)?:
                    XCTAssertTrue(target.isPartial, target.path)
                    XCTAssertEqual(edge, ["tile/0/257.p/208", "tile/1/001.p/1", "tile/2/000.p/1"])
                    XCTAssertEqual(size, 66_000)
                    XCTAssertEqual(expected, Self.root)
                default: XCTFail("\(target.path): \(error)")
                }
            }
        }
    }

    func testShortAndLongTilesAreRefused() {
        var tiles = Self.tiles
        tiles[Tile(level: 0, index: 3)]?.removeLast(32)
        XCTAssertThrowsError(try reader(tiles: tiles).tile(level: 0, index: 3)) { error in
            XCTAssertEqual(error as? TileError, .wrongWidth(tile: "tile/0/003", bytes: 255 * 32, expected: 256 * 32))
        }
        tiles = Self.tiles
        tiles[Tile(level: 0, index: 257, width: 208)]?.append(contentsOf: [UInt8](repeating: 0, count: 32))
        XCTAssertThrowsError(try reader(tiles: tiles).tile(level: 0, index: 0)) { error in
            XCTAssertEqual(error as? TileError, .wrongWidth(tile: "tile/0/257.p/208", bytes: 209 * 32, expected: 208 * 32))
        }
    }

    func testTilesFromAnotherTreeAreRefused() {
        let other = TreeFixtures.tiles(TreeFixtures.leafHashes(66_000, seed: "other"))
        // A whole other tree of the same size: its edge does not give our root.
        XCTAssertThrowsError(try reader(tiles: other).tile(level: 0, index: 0)) { error in
            guard case .rootMismatch? = error as? TileError else { return XCTFail("\(error)") }
        }
        // One full tile of the other tree among ours: refused by its parent.
        var mixed = Self.tiles
        mixed[Tile(level: 0, index: 200)] = other[Tile(level: 0, index: 200)]
        XCTAssertThrowsError(try reader(tiles: mixed).tile(level: 0, index: 200)) { error in
            guard case let .parentMismatch(tile, _, _, position, _)? = error as? TileError else { return XCTFail("\(error)") }
            XCTAssertEqual(tile, "tile/0/200")
            XCTAssertEqual(position, 200)
        }
        // Our own tree at a newer size is another tree too: asked for tile/0/257.p/207 of size
        // 65,999, a server that has grown answers with its 208 hashes, which are refused.
        let older = MerkleTree.rootHash(leafHashes: Array(Self.hashes[..<65_999]))
        XCTAssertThrowsError(try reader(size: 65_999, root: older).tile(level: 0, index: 0)) { error in
            XCTAssertEqual(error as? TileError, .wrongWidth(tile: "tile/0/257.p/207", bytes: 208 * 32, expected: 207 * 32))
        }
    }

    func testTilesBeyondTheTreeAreRefused() {
        XCTAssertThrowsError(try reader().tile(level: 0, index: 258)) { error in
            XCTAssertEqual(error as? TileError, .notInTree(level: 0, index: 258, size: 66_000))
        }
        XCTAssertThrowsError(try reader().tile(level: 3, index: 0)) { error in
            XCTAssertEqual(error as? TileError, .notInTree(level: 3, index: 0, size: 66_000))
        }
    }
}
