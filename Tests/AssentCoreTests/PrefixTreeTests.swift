@testable import AssentCore
import AssentTestSupport
import XCTest

/// The state map's tree (PROTOCOL §5) built incrementally, in batches, against a reference
/// computed from the definition; its errors; and the work it does per insert.
final class PrefixTreeTests: XCTestCase {
    typealias RNG = SplitMix64

    /// The root straight from the definition, over the whole set, sharing no code with the tree.
    static func referenceRoot(_ entries: [PrefixTreeEntry], depth: Int = 0) -> Hash {
        if entries.isEmpty { return .zero }
        if entries.count == 1 { return SHA256.hash([0x02] + entries[0].key.bytes + entries[0].value.bytes) }
        func bit(_ h: Hash) -> Bool { h.bytes[depth / 8] & (0x80 >> UInt8(depth % 8)) != 0 }
        let left = referenceRoot(entries.filter { !bit($0.key) }, depth: depth + 1)
        let right = referenceRoot(entries.filter { bit($0.key) }, depth: depth + 1)
        return SHA256.hash([0x03] + left.bytes + right.bytes)
    }

    static func randomHash(_ rng: inout RNG) -> Hash {
        Hash(bytes: (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } })!
    }

    /// Random keys, some of them in clusters that share long prefixes (deep paths, empty siblings).
    static func randomEntries(_ count: Int, _ rng: inout RNG) -> [PrefixTreeEntry] {
        var out = [PrefixTreeEntry]()
        while out.count < count {
            var key = randomHash(&rng).bytes
            if Int.random(in: 0..<4, using: &rng) == 0, let near = out.randomElement(using: &rng) {
                // Same first n bits as an existing key, then a different bit n.
                let n = Int.random(in: 0..<256, using: &rng)
                key = near.key.bytes
                key[n / 8] ^= 0x80 >> UInt8(n % 8)
            }
            let entry = PrefixTreeEntry(key: Hash(bytes: key)!, value: randomHash(&rng))
            if !out.contains(where: { $0.key == entry.key }) { out.append(entry) }
        }
        return out
    }

    func testRandomBatchesGiveTheRootOfTheWholeSetAfterEveryBatch() throws {
        var rng = RNG(state: 11)
        for round in 0..<20 {
            let all = Self.randomEntries(Int.random(in: 1...300, using: &rng), &rng)
            var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
            var inserted = [PrefixTreeEntry]()
            var rest = all[...]
            while !rest.isEmpty {
                let n = Int.random(in: 1...40, using: &rng)
                let root = try tree.insert(Array(rest.prefix(n)))
                inserted += rest.prefix(n)
                rest = rest.dropFirst(n)
                XCTAssertEqual(root, Self.referenceRoot(inserted), "round \(round) after \(inserted.count) keys")
                XCTAssertEqual(try tree.root(), root)
            }
            var scratch = PrefixTree(storage: InMemoryPrefixTreeStorage())
            try scratch.insert(all)
            // Same root and the very same stored nodes: the incremental tree is canonical.
            XCTAssertEqual(tree.storage.nodes, scratch.storage.nodes, "round \(round)")
        }
    }

    func testAnEmptyBatchLeavesTheRootAsItIs() throws {
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        XCTAssertEqual(try tree.insert([]), .zero)
        var rng = RNG(state: 12)
        let root = try tree.insert(Self.randomEntries(5, &rng))
        XCTAssertEqual(try tree.insert([]), root)
    }

    func testInsertingAPresentKeyIsRefusedAndStoresNothing() throws {
        var rng = RNG(state: 13)
        let entries = Self.randomEntries(50, &rng)
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        try tree.insert(entries)
        let before = tree.storage.nodes
        let fresh = Self.randomEntries(10, &rng)
        let again = PrefixTreeEntry(key: entries[17].key, value: Self.randomHash(&rng))
        XCTAssertThrowsError(try tree.insert(fresh + [again])) { error in
            XCTAssertEqual(error as? PrefixTreeError, .keyAlreadyPresent(entries[17].key))
            XCTAssertTrue("\(error)".contains(entries[17].key.hex))
        }
        XCTAssertEqual(tree.storage.nodes, before, "a refused batch must store none of its nodes")
        XCTAssertEqual(try tree.value(for: entries[17].key), entries[17].value)
    }

    func testAKeyTwiceInOneBatchIsRefused() throws {
        var rng = RNG(state: 14)
        let entries = Self.randomEntries(5, &rng)
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        XCTAssertThrowsError(try tree.insert(entries + [entries[2]])) { error in
            XCTAssertEqual(error as? PrefixTreeError, .duplicateKeyInBatch(entries[2].key))
        }
        XCTAssertTrue(tree.storage.nodes.isEmpty)
    }

    /// Counts what the tree asks of its storage.
    struct CountingStorage: PrefixTreeStorage {
        var inner = InMemoryPrefixTreeStorage()
        final class Counts { var reads = 0, writes = 0 }
        let counts = Counts()
        func node(at position: PrefixTreePosition) throws -> PrefixTreeNode? {
            counts.reads += 1
            return inner.node(at: position)
        }
        mutating func store(_ nodes: [PrefixTreePosition: PrefixTreeNode]) throws {
            counts.writes += nodes.count
            inner.store(nodes)
        }
    }

    func testAnInsertReadsAndWritesOnlyTheNodesOnItsPath() throws {
        var rng = RNG(state: 15)
        var tree = PrefixTree(storage: CountingStorage())
        var big = [PrefixTreeEntry]()
        for _ in 0..<20_000 { big.append(PrefixTreeEntry(key: Self.randomHash(&rng), value: Self.randomHash(&rng))) }
        try tree.insert(big)
        for _ in 0..<50 {
            let entry = PrefixTreeEntry(key: Self.randomHash(&rng), value: Self.randomHash(&rng))
            let reads = tree.storage.counts.reads, writes = tree.storage.counts.writes
            try tree.insert([entry])
            let (readCount, writeCount) = (tree.storage.counts.reads - reads, tree.storage.counts.writes - writes)
            // The new leaf's depth bounds the path: one read and one write per level, plus the
            // moved leaf and the new one. 20,000 random keys put leaves about 15–30 levels down.
            let depth = try tree.prove(entry.key).siblings.count
            XCTAssertLessThanOrEqual(readCount, depth + 1)
            XCTAssertLessThanOrEqual(writeCount, depth + 2)
            XCTAssertLessThan(depth, 48)
        }
    }

    func testABatchReadsEachNodeOnTheUnionOfItsPathsOnce() throws {
        var rng = RNG(state: 16)
        var tree = PrefixTree(storage: CountingStorage())
        try tree.insert((0..<5_000).map { _ in PrefixTreeEntry(key: Self.randomHash(&rng), value: Self.randomHash(&rng)) })
        let batch = (0..<1_000).map { _ in PrefixTreeEntry(key: Self.randomHash(&rng), value: Self.randomHash(&rng)) }
        let reads = tree.storage.counts.reads
        try tree.insert(batch)
        let batchReads = tree.storage.counts.reads - reads
        var separate = 0
        for e in batch { separate += try tree.prove(e.key).siblings.count }
        // A shared walk reads the top levels once, not once per key.
        XCTAssertLessThan(batchReads, separate / 2, "batch read \(batchReads) nodes; one path per key would read about \(separate)")
    }

    func testTwoKeysThatDifferOnlyInTheLastBitSitAtDepth256() throws {
        let a = Hash(bytes: [UInt8](repeating: 0x11, count: 31) + [0x10])!
        let b = Hash(bytes: [UInt8](repeating: 0x11, count: 31) + [0x11])!
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        try tree.insert([PrefixTreeEntry(key: a, value: .zero)])
        try tree.insert([PrefixTreeEntry(key: b, value: .zero)])
        let proof = try tree.prove(b)
        XCTAssertEqual(proof.siblings.count, 256)
        XCTAssertEqual(proof.siblings.last, PrefixTreeNode.leafHash(key: a, value: .zero))
        XCTAssertEqual(proof.siblings.dropLast().filter { $0 != .zero }.count, 0)
        XCTAssertNoThrow(try proof.verifyMembership(key: b, value: .zero, root: tree.root()))
    }

    func testAParentThatNamesAMissingChildIsReportedAsCorruptStorage() throws {
        var rng = RNG(state: 17)
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        let entries = Self.randomEntries(8, &rng)
        try tree.insert(entries)
        // Storage with only the root: every path below it is missing.
        var damaged = PrefixTree(storage: InMemoryPrefixTreeStorage())
        try damaged.storage.store([.root: XCTUnwrap(tree.storage.node(at: .root))])
        XCTAssertThrowsError(try damaged.prove(entries[0].key)) { error in
            guard case .corruptStorage? = error as? PrefixTreeError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("not stored"), "\(error)")
        }
        XCTAssertThrowsError(try damaged.insert(Self.randomEntries(3, &rng)))
    }

    func testStoredNodesAndPositionsReadBackOnlyFromTheirExactEncodings() throws {
        let node = PrefixTreeNode.parent(left: .zero, right: SHA256.hash([1]))
        XCTAssertEqual(PrefixTreeNode(encoded: node.encoded), node)
        XCTAssertEqual(SHA256.hash(node.encoded), node.hash)
        XCTAssertNil(PrefixTreeNode(encoded: node.encoded + [0]))
        XCTAssertNil(PrefixTreeNode(encoded: [0x04] + node.encoded.dropFirst()))
        XCTAssertNil(PrefixTreeNode(encoded: [0x03] + [UInt8](repeating: 0, count: 64)), "a parent of two empty subtrees")
        var rng = RNG(state: 18)
        for depth in [0, 1, 7, 8, 9, 255, 256] {
            let p = try XCTUnwrap(PrefixTreePosition(depth: depth, onPathOf: Self.randomHash(&rng)))
            XCTAssertEqual(p.storageKey.count, 2 + (depth + 7) / 8)
            XCTAssertEqual(PrefixTreePosition(storageKey: p.storageKey), p)
            XCTAssertEqual(p.description.count, depth)
        }
        XCTAssertNil(PrefixTreePosition(depth: 257, onPathOf: .zero))
        XCTAssertNil(PrefixTreePosition(storageKey: [0, 3, 0xFF]), "bits past the depth must be zero")
        XCTAssertNil(PrefixTreePosition(storageKey: [1, 1] + [UInt8](repeating: 0, count: 33)), "depth 257")
        XCTAssertNil(PrefixTreePosition(storageKey: [0, 9, 0]), "depth 9 needs two bytes")
    }
}
