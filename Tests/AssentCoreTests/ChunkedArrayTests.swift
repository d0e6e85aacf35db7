@testable import AssentCore
import AssentTestSupport
import XCTest

/// The storage of the node's map tree (`ChunkedArray`): a base built at once and chunks after
/// it, read, written, grown and cut back like an `Array` across every chunk boundary.
final class ChunkedArrayTests: XCTestCase {
    func testAppendsWritesAndTruncationsMatchAnArray() {
        var rng = SplitMix64(state: 3)
        let size = ChunkedArray<Int>.chunkSize
        for baseCount in [0, 5, size - 1, size + 3] {
            var base = [Int](0..<baseCount)
            base.reserveCapacity(baseCount + 7)  // spare room in the base is filled first
            var chunked = ChunkedArray(base: base)
            var reference = base
            for step in 0..<60 {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<5:
                    let n = Int.random(in: 0...(size / 2), using: &rng)
                    let new = (0..<n).map { _ in Int.random(in: 0..<1_000_000, using: &rng) }
                    chunked.append(contentsOf: new)
                    reference += new
                case 5..<8 where !reference.isEmpty:
                    for _ in 0..<50 {
                        let i = Int.random(in: 0..<reference.count, using: &rng)
                        let v = -Int.random(in: 1..<1_000, using: &rng)
                        chunked[i] = v
                        reference[i] = v
                    }
                default:
                    // Cut back to any point, a chunk boundary now and then.
                    var to = Int.random(in: 0...reference.count, using: &rng)
                    if Bool.random(using: &rng) { to = min(reference.count, baseCount + (to / size) * size) }
                    chunked.truncate(to: to)
                    reference.removeSubrange(to...)
                }
                XCTAssertEqual(chunked.count, reference.count, "base \(baseCount), step \(step)")
                for i in Set((0..<20).map { _ in Int.random(in: 0..<max(1, reference.count), using: &rng) } + [0, reference.count - 1, baseCount, baseCount + size])
                where i >= 0 && i < reference.count {
                    XCTAssertEqual(chunked[i], reference[i], "base \(baseCount), step \(step), index \(i)")
                }
            }
            XCTAssertEqual((0..<chunked.count).map { chunked[$0] }, reference, "base \(baseCount)")
            XCTAssertGreaterThanOrEqual(chunked.bytesHeld, reference.count * MemoryLayout<Int>.stride)
        }
    }

    /// A tree built at open (its entries the base), then grown by batches across several chunks
    /// and rolled back over a chunk boundary: the roots of a tree built from all keys at once.
    func testATreeGrownPastItsBaseKeepsTheRootsOfOneBuiltAtOnce() throws {
        var rng = SplitMix64(state: 5)
        func entry() -> PrefixTreeEntry {
            PrefixTreeEntry(key: Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!,
                            value: Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!)
        }
        let size = ChunkedArray<PrefixTreeEntry>.chunkSize
        var all = (0..<(size / 2)).map { _ in entry() }
        var tree = try CompactPrefixTree(entries: all)
        for _ in 0..<5 {
            let batch = (0..<(size * 3 / 4)).map { _ in entry() }
            try tree.insert(batch)
            all += batch
        }
        XCTAssertEqual(tree.count, all.count)
        XCTAssertEqual(tree.root, try CompactPrefixTree(entries: all).root)
        let before = tree.root
        try tree.beginBatch()
        try tree.insert((0..<(size + 10)).map { _ in entry() })
        tree.rollBackBatch()
        XCTAssertEqual(tree.root, before)
        XCTAssertEqual(tree.count, all.count)
        for e in all.prefix(200) + all.suffix(200) { XCTAssertEqual(tree.value(for: e.key), e.value) }
    }
}
