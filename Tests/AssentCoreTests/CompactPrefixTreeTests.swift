@testable import AssentCore
import AssentTestSupport
import Foundation
import XCTest

/// The in-memory tree a node keeps (`CompactPrefixTree`) is the tree of PROTOCOL §5: the same
/// roots and proofs as `PrefixTree` after any batches, the shared vectors, and an undo that puts
/// it back exactly.
final class CompactPrefixTreeTests: XCTestCase {
    func entry(_ rng: inout SplitMix64) -> PrefixTreeEntry {
        var key = [UInt8](repeating: 0, count: 32)
        var value = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { key[i] = UInt8.random(in: 0...255, using: &rng); value[i] = UInt8.random(in: 0...255, using: &rng) }
        // Some keys share long prefixes, so that paths run deep and leaves move down far.
        if Bool.random(using: &rng) { for i in 0..<Int.random(in: 1...6, using: &rng) { key[i] = 0x5a } }
        return PrefixTreeEntry(key: Hash(bytes: key)!, value: Hash(bytes: value)!)
    }

    func testRandomBatchesGiveTheRootsAndProofsOfPrefixTree() throws {
        var rng = SplitMix64(state: 7)
        var reference = PrefixTree(storage: InMemoryPrefixTreeStorage())
        var compact = CompactPrefixTree()
        var all = [PrefixTreeEntry]()
        for round in 0..<60 {
            let batch = (0..<Int.random(in: 0...(round % 10 == 0 ? 400 : 40), using: &rng)).map { _ in entry(&rng) }
            let expected = try reference.insert(batch)
            let root = try compact.insert(batch)
            XCTAssertEqual(root, expected, "round \(round)")
            XCTAssertEqual(compact.root, expected)
            all += batch
            // Proofs of present keys and of absent ones are byte for byte those of PrefixTree.
            for e in all.shuffled(using: &rng).prefix(20) + (0..<5).map({ _ in entry(&rng) }) {
                let proof = compact.prove(e.key)
                XCTAssertEqual(proof, try reference.prove(e.key))
                XCTAssertEqual(try proof.verify(key: e.key, root: root), all.contains(e) ? e.value : nil)
                // The look-up a batch makes for every subject walks the same path without hashing.
                XCTAssertEqual(compact.value(for: e.key), all.contains(e) ? e.value : nil)
            }
        }
        XCTAssertEqual(compact.count, all.count)
        // Built in one pass from the entries in any order: the same root and proofs.
        let rebuilt = try CompactPrefixTree(entries: all.shuffled(using: &rng))
        XCTAssertEqual(rebuilt.root, compact.root)
        for e in all.prefix(50) { XCTAssertEqual(rebuilt.prove(e.key), compact.prove(e.key)) }
        XCTAssertEqual(try CompactPrefixTree(entries: []).root, .zero)
    }

    func testTheSharedVectorsGiveTheirRootsInAnyOrderAndBatching() throws {
        let vectors = PrefixTreeVectorTests.self
        for (n, c) in PrefixTreeVectorTests.vectors.cases.enumerated() {
            for (how, batches) in vectors.orders(vectors.entries(c), seed: UInt64(n + 1)) {
                var tree = CompactPrefixTree()
                for batch in batches { try tree.insert(batch) }
                XCTAssertEqual(tree.root.hex, c.root, "\(c.name), \(how)")
            }
            XCTAssertEqual(try CompactPrefixTree(entries: vectors.entries(c)).root.hex, c.root, c.name)
        }
    }

    func testARolledBackBatchPutsTheTreeBackExactly() throws {
        var rng = SplitMix64(state: 11)
        var tree = try CompactPrefixTree(entries: (0..<500).map { _ in entry(&rng) })
        let before = tree.root
        let probes = (0..<30).map { _ in entry(&rng) }
        let proofsBefore = probes.map { tree.prove($0.key) }
        let (leaves, inner) = (tree.count, tree.parentCount)
        // Two inserts in one batch (a batch of leaves with two epochs), the second touching the
        // parents the first changed.
        let first = (0..<200).map { _ in entry(&rng) }
        let second = (0..<100).map { _ in entry(&rng) } + probes
        try tree.beginBatch()
        XCTAssertThrowsError(try tree.beginBatch()) { XCTAssertEqual($0 as? PrefixTreeError, .batchOpen) }
        try tree.insert(first)
        let after = try tree.insert(second)
        XCTAssertNotEqual(after, before)
        tree.rollBackBatch()
        XCTAssertEqual(tree.root, before)
        XCTAssertEqual(tree.count, leaves)
        XCTAssertEqual(tree.parentCount, inner)
        XCTAssertEqual(probes.map { tree.prove($0.key) }, proofsBefore)
        // The same inserts again give the same root: nothing of the rolled-back batch is left.
        try tree.beginBatch()
        try tree.insert(first)
        XCTAssertEqual(try tree.insert(second), after)
        tree.endBatch()
        tree.rollBackBatch()  // no batch open: nothing to undo
        XCTAssertEqual(tree.root, after)
    }

    func testAKeyAlreadyPresentOrRepeatedIsRefusedAndChangesNothing() throws {
        var rng = SplitMix64(state: 13)
        let existing = (0..<100).map { _ in entry(&rng) }
        var tree = try CompactPrefixTree(entries: existing)
        let root = tree.root
        let fresh = (0..<50).map { _ in entry(&rng) }
        XCTAssertThrowsError(try tree.insert(fresh + [PrefixTreeEntry(key: existing[7].key, value: .zero)])) {
            XCTAssertEqual($0 as? PrefixTreeError, .keyAlreadyPresent(existing[7].key))
        }
        XCTAssertThrowsError(try tree.insert(fresh + [fresh[3]])) {
            XCTAssertEqual($0 as? PrefixTreeError, .duplicateKeyInBatch(fresh[3].key))
        }
        XCTAssertThrowsError(try CompactPrefixTree(entries: existing + [existing[0]]))
        XCTAssertEqual(tree.root, root)
        XCTAssertEqual(tree.count, 100)
        XCTAssertEqual(try tree.insert(fresh), try CompactPrefixTree(entries: existing + fresh).root)
    }

    func testHashesSortByteByByte() {
        var rng = SplitMix64(state: 17)
        let hashes = (0..<2000).map { _ in entry(&rng).key }
        XCTAssertEqual(hashes.sorted(), hashes.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })
    }
}
