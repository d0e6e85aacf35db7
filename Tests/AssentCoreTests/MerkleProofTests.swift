import AssentCore
import XCTest

final class MerkleProofTests: XCTestCase {
    func leaves(_ n: Int) -> [Hash] { (0..<n).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) } }

    func testEmptyTreeRootIsSHA256OfNothing() {
        XCTAssertEqual(MerkleTree.emptyRoot.base64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    /// RFC 6962 reference tree of 8 leaves (the vectors' leaves: "", 0x00, 0x10, ...); its root is known.
    func testRootOfTheReferenceTree() {
        let data: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
                               [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
                               [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f]]
        let root = MerkleTree.rootHash(leafHashes: data.map { MerkleTree.leafHash($0) })
        XCTAssertEqual(root.base64, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")
    }

    func testGeneratedInclusionProofsVerifyForEveryLeafOfTreesUpTo70() throws {
        let all = leaves(70)
        for size in 1...70 {
            let reader = InMemoryHashReader(leafHashes: Array(all[..<size]))
            let root = try MerkleTree.treeHash(size: UInt64(size), reader: reader)
            XCTAssertEqual(root, MerkleTree.rootHash(leafHashes: Array(all[..<size])))
            for index in 0..<size {
                let proof = try InclusionProof.generate(index: UInt64(index), size: UInt64(size), reader: reader)
                XCTAssertNoThrow(try proof.verify(leafHash: all[index], root: root), "leaf \(index) of \(size)")
                if size > 1 {
                    XCTAssertThrowsError(try proof.verify(leafHash: all[(index + 1) % size], root: root))
                }
            }
        }
    }

    func testGeneratedConsistencyProofsVerifyBetweenAllSizesUpTo40() throws {
        let all = leaves(40)
        let reader = InMemoryHashReader(leafHashes: all)
        for new in 1...40 {
            let newRoot = try MerkleTree.treeHash(size: UInt64(new), reader: reader)
            for old in 1...new {
                let oldRoot = try MerkleTree.treeHash(size: UInt64(old), reader: reader)
                let proof = try ConsistencyProof.generate(oldSize: UInt64(old), newSize: UInt64(new), reader: reader)
                XCTAssertNoThrow(try proof.verify(oldRoot: oldRoot, newRoot: newRoot), "\(old) → \(new)")
                if old < new {
                    XCTAssertThrowsError(try proof.verify(oldRoot: newRoot, newRoot: oldRoot), "swapped \(old) → \(new)")
                }
            }
        }
    }

    func testInclusionProofForAnIndexOutsideTheTreeIsRefused() {
        XCTAssertThrowsError(try InclusionProof.generate(index: 5, size: 5, reader: InMemoryHashReader(leafHashes: leaves(5))))
        let p = InclusionProof(index: 5, size: 5, hashes: [])
        XCTAssertThrowsError(try p.verify(leafHash: leaves(1)[0], root: leaves(1)[0])) { error in
            XCTAssertEqual(error as? MerkleError, .indexOutOfRange(index: 5, size: 5))
        }
    }

    func testTileReaderGivesTheSameRootsAndProofsAsMemory() throws {
        let all = leaves(70_000 / 100)  // 700 leaves: two full level-0 tiles and a partial one
        let memory = InMemoryHashReader(leafHashes: all)
        // Build tiles the way a store does: level 0 is leaf hashes, level 1 the roots of full level-0 tiles.
        var level0 = [[UInt8]](repeating: [], count: 3)
        for (i, h) in all.enumerated() { level0[i / 256] += h.bytes }
        let level1 = (0..<2).map { MerkleTree.rootHash(leafHashes: Array(all[($0 * 256)..<(($0 + 1) * 256)])).bytes }.reduce([], +)
        let tiles = TileHashReader { level, index in
            switch level {
            case 0: return level0[Int(index)]
            case 1 where index == 0: return level1
            default: throw MerkleError.hashNotStored(level: level * 8, index: index)
            }
        }
        for size: UInt64 in [1, 255, 256, 257, 512, 513, 700] {
            XCTAssertEqual(try MerkleTree.treeHash(size: size, reader: tiles), try MerkleTree.treeHash(size: size, reader: memory), "size \(size)")
        }
        let proof = try InclusionProof.generate(index: 300, size: 700, reader: tiles)
        XCTAssertEqual(proof, try InclusionProof.generate(index: 300, size: 700, reader: memory))
        let consistency = try ConsistencyProof.generate(oldSize: 257, newSize: 700, reader: tiles)
        XCTAssertEqual(consistency, try ConsistencyProof.generate(oldSize: 257, newSize: 700, reader: memory))
    }
}
