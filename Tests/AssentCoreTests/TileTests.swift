import AssentCore
import XCTest

final class TileTests: XCTestCase {
    func testIndexPathEncodingMatchesTheSpecExample() {
        XCTAssertEqual(Tile.encodeIndex(1_234_067), "x001/x234/067")
        XCTAssertEqual(Tile.encodeIndex(0), "000")
        XCTAssertEqual(Tile.encodeIndex(999), "999")
        XCTAssertEqual(Tile.encodeIndex(1000), "x001/000")
    }

    func testEntryTilesAreTheLevelZeroTilesMadeOneAtATime() {
        for size: UInt64 in [0, 1, 255, 256, 257, 512, 65_536 + 3] {
            XCTAssertEqual(Array(Tile.entryTiles(forTreeSize: size)), Tile.tiles(forTreeSize: size).filter { $0.level == 0 }, "size \(size)")
        }
        // A signed size can be any number: the first bundles come at once, nothing is built for the rest.
        let first = Array(Tile.entryTiles(forTreeSize: .max).prefix(2))
        XCTAssertEqual(first, [Tile(level: 0, index: 0), Tile(level: 0, index: 1)])
    }

    func testPathsOfFullAndPartialTiles() {
        XCTAssertEqual(Tile(level: 0, index: 1_234_067).path, "tile/0/x001/x234/067")
        XCTAssertEqual(Tile(level: 2, index: 5, width: 17).path, "tile/2/005.p/17")
        XCTAssertEqual(Tile(level: 0, index: 5, width: 17).entriesPath, "tile/entries/005.p/17")
    }

    func testParsingRoundTripsEveryKindOfPath() throws {
        for tile in [Tile(level: 0, index: 0), Tile(level: 0, index: 1), Tile(level: 3, index: 999, width: 1),
                     Tile(level: 0, index: 1000, width: 255), Tile(level: 63, index: 1_234_067), Tile(level: 1, index: .max)] {
            let hashes = try Tile.parse(path: tile.path)
            XCTAssertEqual(hashes.tile, tile, tile.path)
            XCTAssertFalse(hashes.isEntries)
            let entries = try Tile.parse(path: Tile(level: 0, index: tile.index, width: tile.width).entriesPath)
            XCTAssertEqual(entries.tile, Tile(level: 0, index: tile.index, width: tile.width))
            XCTAssertTrue(entries.isEntries)
        }
        XCTAssertEqual(Tile(level: 1, index: .max).path, "tile/1/x018/x446/x744/x073/x709/x551/615")
    }

    /// tlog-tiles gives each tile one path; every other spelling is refused, with the reason.
    func testParsingRefusesEveryOtherSpelling() {
        let refused: [(String, String)] = [
            ("tile/0/x000/001", "zero group"),  // 1 is 001
            ("tile/entries/x000/x000/005.p/3", "zero group"),
            ("tile/0/000/", "empty path element"),
            ("tile//0/000", "empty path element"),
            ("/tile/0/000", "expected tile/"),
            ("tile/0/5", "three decimal digits"),
            ("tile/0/0005", "three decimal digits"),
            ("tile/0/001/234", "must start with \"x\""),
            ("tile/0/x1a3/000", "three decimal digits"),
            ("tile/0/+12", "three decimal digits"),
            ("tile/00/000", "level \"00\""),
            ("tile/64/000", "level \"64\""),
            ("tile/-0/000", "level"),
            ("tile/0/005.p/0", "partial width \"0\""),
            ("tile/0/005.p/256", "partial width \"256\""),
            ("tile/0/005.p/017", "partial width \"017\""),
            ("tile/0/.p/5", "three decimal digits"),
            ("tile/0/x005.p/5/000", "three decimal digits"),
            ("tile/0/x018/x446/x744/x073/x709/x551/616", "64 bits"),  // 2^64
            ("tile/entries", "expected tile/"),
            ("tiles/0/000", "expected tile/"),
        ]
        for (path, reason) in refused {
            XCTAssertThrowsError(try Tile.parse(path: path), path) { error in
                guard case let .badPath(p, why)? = error as? TileError else { return XCTFail("\(path): \(error)") }
                XCTAssertEqual(p, path)
                XCTAssertTrue(why.contains(reason), "\(path): \(why)")
            }
        }
    }

    func testTheTileAtAPositionHasTheWidthTheTreeSizeImplies() {
        XCTAssertEqual(Tile.at(level: 0, index: 0, treeSize: 600), Tile(level: 0, index: 0))
        XCTAssertEqual(Tile.at(level: 0, index: 2, treeSize: 600), Tile(level: 0, index: 2, width: 88))
        XCTAssertNil(Tile.at(level: 0, index: 3, treeSize: 600))
        XCTAssertEqual(Tile.at(level: 1, index: 0, treeSize: 600), Tile(level: 1, index: 0, width: 2))
        XCTAssertNil(Tile.at(level: 2, index: 0, treeSize: 600))
        XCTAssertNil(Tile.at(level: 0, index: 2, treeSize: 512))
        XCTAssertNil(Tile.at(level: 64, index: 0, treeSize: .max))
        XCTAssertEqual(Tile.at(level: 7, index: 0, treeSize: .max), Tile(level: 7, index: 0, width: 255))
        XCTAssertEqual(Tile.partialTiles(forTreeSize: 70_000).map(\.path), ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"])
        XCTAssertEqual(Tile.partialTiles(forTreeSize: 65_536).map(\.path), ["tile/2/000.p/1"])
    }

    /// tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    /// level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and
    /// one partial level 2 tile of width 1."
    func testTilesOfA70000LeafTreeMatchTheSpec() {
        let tiles = Tile.tiles(forTreeSize: 70_000)
        XCTAssertEqual(tiles.filter { $0.level == 0 && !$0.isPartial }.count, 273)
        XCTAssertEqual(tiles.filter { $0.level == 0 && $0.isPartial }.map(\.width), [112])
        XCTAssertEqual(tiles.filter { $0.level == 1 && !$0.isPartial }.count, 1)
        XCTAssertEqual(tiles.filter { $0.level == 1 && $0.isPartial }.map(\.width), [17])
        XCTAssertEqual(tiles.filter { $0.level == 2 }.map(\.width), [1])
        XCTAssertEqual(tiles.count, 277)
    }

    func testATreeOf256LeavesIsOneFullTileAndAPartialLevelOneTile() {
        XCTAssertEqual(Tile.tiles(forTreeSize: 256), [Tile(level: 0, index: 0), Tile(level: 1, index: 0, width: 1)])
        XCTAssertEqual(Tile.tiles(forTreeSize: 0), [])
    }

    func testEntryBundlesRoundTripWithBigEndianLengths() throws {
        let entries: [[UInt8]] = [Array("a".utf8), [], [UInt8](repeating: 7, count: 300)]
        let bundle = EntryBundle.encode(entries)
        XCTAssertEqual(Array(bundle[0..<3]), [0, 1, UInt8(ascii: "a")])
        XCTAssertEqual(Array(bundle[5..<7]), [0x01, 0x2C])
        XCTAssertEqual(try EntryBundle.decode(bundle), entries)
    }

    func testTruncatedEntryBundleIsRefused() {
        XCTAssertThrowsError(try EntryBundle.decode([0, 5, 1, 2])) { error in
            XCTAssertEqual(error as? TileError, .truncatedBundle(offset: 0))
        }
        XCTAssertThrowsError(try EntryBundle.decode([0, 1, 9, 0]))
    }
}
