import AssentCore
@testable import AssentNode
import XCTest

final class EntryBundleCacheTests: XCTestCase {
    /// Distinct, poorly compressible bundles of about `size` bytes.
    func bundle(_ seed: UInt64, size: Int = 20_000) -> [UInt8] {
        var x = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<size).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    func testAFullBundleIsCompressedOnceAndServedFromMemoryAfter() async throws {
        let cache = EntryBundleCache(capacityBytes: 1 << 20)
        let raw = bundle(1)
        let made = await cache.gzipped(Tile(level: 0, index: 7), bundle: raw)
        let first = try XCTUnwrap(made)
        XCTAssertEqual(try gunzip(first), raw)
        XCTAssertEqual(cache.cached(7), first)
        XCTAssertEqual(cache.heldBytes, first.count)
        // Given other bytes for the same full bundle, the cache answers with what it kept: nothing is compressed again.
        let again = await cache.gzipped(Tile(level: 0, index: 7), bundle: [1, 2, 3])
        XCTAssertEqual(again, first)
    }

    func testPartialBundlesAreCompressedButNotKept() async throws {
        let cache = EntryBundleCache(capacityBytes: 1 << 20)
        let raw = bundle(2, size: 500)
        let made = await cache.gzipped(Tile(level: 0, index: 3, width: 5), bundle: raw)
        let gz = try XCTUnwrap(made)
        XCTAssertEqual(try gunzip(gz), raw)
        XCTAssertNil(cache.cached(3))
        XCTAssertEqual(cache.heldBytes, 0)
    }

    func testMemoryStaysUnderTheBoundAndTheLeastRecentlyServedGoesFirst() async throws {
        let cache = EntryBundleCache(capacityBytes: 70_000)  // room for three ~20 KB bundles
        for i in 0..<3 { _ = await cache.gzipped(Tile(level: 0, index: UInt64(i)), bundle: bundle(UInt64(i))) }
        XCTAssertNotNil(cache.cached(0))  // 0 served again: 1 is now the least recently served
        _ = await cache.gzipped(Tile(level: 0, index: 3), bundle: bundle(3))
        XCTAssertNil(cache.cached(1))
        XCTAssertNotNil(cache.cached(0))
        XCTAssertNotNil(cache.cached(2))
        XCTAssertNotNil(cache.cached(3))
        for i in 4..<40 { _ = await cache.gzipped(Tile(level: 0, index: UInt64(i)), bundle: bundle(UInt64(i))) }
        XCTAssertLessThanOrEqual(cache.heldBytes, 70_000)
    }

    func testABundleLargerThanTheWholeCacheIsServedButNotKept() async throws {
        let cache = EntryBundleCache(capacityBytes: 1_000)
        let gz = await cache.gzipped(Tile(level: 0, index: 0), bundle: bundle(9))
        XCTAssertNotNil(gz)
        XCTAssertEqual(cache.heldBytes, 0)
    }
}
