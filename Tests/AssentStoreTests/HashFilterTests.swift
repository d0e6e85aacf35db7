@testable import AssentStore
import AssentCore
import AssentTestSupport
import XCTest

final class HashFilterTests: XCTestCase {
    private func hashes(_ count: Int, seed: UInt64) -> [Hash] {
        var random = SplitMix64(state: seed)
        return (0..<count).map { _ in Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })! }
    }

    /// Every hash added is reported as possible, across the generations the filter grows
    /// (65,536, then 131,072, then 262,144 hashes): a false negative would report a logged
    /// statement as new.
    func testEveryHashAddedIsFoundAcrossGenerations() {
        var filter = HashFilter()
        let added = hashes(200_000, seed: 1)
        for hash in added { filter.insert(hash) }
        // Those the filter took for possible already (its false positives) were not counted again.
        XCTAssertLessThanOrEqual(filter.count, added.count)
        XCTAssertGreaterThan(filter.count, added.count - added.count / 100)
        XCTAssertEqual(added.filter { !filter.mightContain($0) }.count, 0)
        // Three generations: 65,536 + 131,072 + a third begun; 11 bits a hash each.
        XCTAssertEqual(filter.bytesHeld, (65_536 + 131_072 + 262_144) * 11 / 8)
    }

    /// Hashes never added are mostly refused: about 0.5% pass a generation, so well under 2%
    /// pass a filter of three (seeded, the same inputs every run).
    func testHashesNeverAddedAreMostlyRefused() {
        var filter = HashFilter()
        for hash in hashes(200_000, seed: 2) { filter.insert(hash) }
        let passed = hashes(100_000, seed: 3).filter { filter.mightContain($0) }.count
        XCTAssertLessThan(passed, 2_000)
        XCTAssertGreaterThan(passed, 0, "a filter of this size has some false positives; none means it is not a Bloom filter")
    }

    /// An empty filter refuses everything; one sized for more hashes at open starts with one
    /// generation of that size.
    func testAnEmptyFilterRefusesAndAnExpectedSizeIsOneGeneration() {
        let empty = HashFilter()
        XCTAssertFalse(hashes(1_000, seed: 4).contains { empty.mightContain($0) })
        XCTAssertEqual(HashFilter(expected: 1_000_000).bytesHeld, 1_000_000 * 11 / 8)
        XCTAssertEqual(HashFilter(expected: 10).bytesHeld, HashFilter.firstCapacity * 11 / 8)
    }

    /// A hash already reported as possible is not added again: a batch that fails and is tried
    /// again (a mirror's, whose store is not reloaded) adds its hashes once, however many tries.
    func testAHashAddedAgainTakesNoRoom() {
        var filter = HashFilter()
        let added = hashes(100_000, seed: 5)
        for hash in added { filter.insert(hash) }
        let (count, bytes) = (filter.count, filter.bytesHeld)
        for _ in 0..<3 { for hash in added { filter.insert(hash) } }
        XCTAssertEqual(filter.count, count)
        XCTAssertEqual(filter.bytesHeld, bytes)
        XCTAssertEqual(added.filter { !filter.mightContain($0) }.count, 0)
    }
}
