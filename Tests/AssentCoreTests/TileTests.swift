import AssentCore
import XCTest

final class TileTests: XCTestCase {
    func testIndexPathEncodingMatchesTheSpecExample() {
        XCTAssertEqual(Tile.encodeIndex(1_234_067), "x001/x234/067")
        XCTAssertEqual(Tile.encodeIndex(0), "000")
        XCTAssertEqual(Tile.encodeIndex(999), "999")
        XCTAssertEqual(Tile.encodeIndex(1000), "x001/000")
    }

    func testPathsOfFullAndPartialTiles() {
        XCTAssertEqual(Tile(level: 0, index: 1_234_067).path, "tile/0/x001/x234/067")
        XCTAssertEqual(Tile(level: 2, index: 5, width: 17).path, "tile/2/005.p/17")
        XCTAssertEqual(Tile(level: 0, index: 5, width: 17).entriesPath, "tile/entries/005.p/17")
    }

    func testParsingAcceptsOnlyTheCanonicalSpelling() {
        func parse(_ s: String) -> (UInt64, Int)? {
            Tile.parseIndexAndWidth(s.split(separator: "/", omittingEmptySubsequences: false)).map { ($0.index, $0.width) }
        }
        XCTAssertEqual(parse("x001/x234/067")?.0, 1_234_067)
        XCTAssertEqual(parse("x001/x234/067")?.1, 256)
        XCTAssertEqual(parse("005.p/17")?.0, 5)
        XCTAssertEqual(parse("005.p/17")?.1, 17)
        XCTAssertNil(parse("5"))
        XCTAssertNil(parse("001/234"))  // missing x
        XCTAssertNil(parse("005.p/0"))
        XCTAssertNil(parse("005.p/256"))
        XCTAssertNil(parse("005.p/017"))
        XCTAssertNil(parse("x1a3/000"))
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
