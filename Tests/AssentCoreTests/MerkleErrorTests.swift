import AssentCore
import XCTest

/// One error type for the tree, its readers and both proofs, saying what failed and where.
final class MerkleErrorTests: XCTestCase {
    func leaves(_ n: Int) -> [Hash] { (0..<n).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) } }

    func testProofLengthsAreThoseOfGeneratedProofs() throws {
        let reader = InMemoryHashReader(leafHashes: leaves(70))
        for size in UInt64(1)...70 {
            for index in 0..<size {
                let proof = try InclusionProof.generate(index: index, size: size, reader: reader)
                XCTAssertEqual(InclusionProof.pathLength(index: index, size: size), proof.hashes.count, "leaf \(index) of \(size)")
            }
            XCTAssertNil(InclusionProof.pathLength(index: size, size: size))
            for old in UInt64(1)...size {
                let proof = try ConsistencyProof.generate(oldSize: old, newSize: size, reader: reader)
                XCTAssertEqual(ConsistencyProof.proofLength(oldSize: old, newSize: size), proof.hashes.count, "\(old) → \(size)")
            }
        }
        XCTAssertNil(ConsistencyProof.proofLength(oldSize: 0, newSize: 5))
        XCTAssertNil(ConsistencyProof.proofLength(oldSize: 6, newSize: 5))
    }

    func testAnInclusionProofOfTheWrongLengthSaysHowManyHashesItNeeds() throws {
        let all = leaves(8)
        let reader = InMemoryHashReader(leafHashes: all)
        let root = try MerkleTree.treeHash(size: 8, reader: reader)
        let good = try InclusionProof.generate(index: 3, size: 8, reader: reader)
        for hashes in [good.hashes + [all[0]], Array(good.hashes.dropLast())] {
            let proof = InclusionProof(index: 3, size: 8, hashes: hashes)
            XCTAssertThrowsError(try proof.verify(leafHash: all[3], root: root)) { error in
                XCTAssertEqual(error as? MerkleError, .wrongProofLength(.inclusion(index: 3, size: 8), expected: 3, found: hashes.count))
                XCTAssertEqual("\(error)", "inclusion proof of leaf 3 in the tree of size 8 has \(hashes.count) hashes, expected 3")
            }
        }
    }

    func testAnInclusionProofToAnotherRootNamesBothRoots() throws {
        let all = leaves(8)
        let reader = InMemoryHashReader(leafHashes: all)
        let proof = try InclusionProof.generate(index: 3, size: 8, reader: reader)
        let root = try MerkleTree.treeHash(size: 8, reader: reader)
        XCTAssertThrowsError(try proof.verify(leafHash: all[4], root: root)) { error in
            guard case let .rootMismatch(which, treeSize, computed, expected)? = error as? MerkleError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(which, .inclusion(index: 3, size: 8))
            XCTAssertEqual(treeSize, 8)
            XCTAssertEqual(expected, root)
            XCTAssertEqual("\(error)", "inclusion proof of leaf 3 in the tree of size 8 leads to root \(computed) for size 8, expected \(root)")
        }
    }

    func testAConsistencyProofSaysWhichOfTheTwoRootsItMisses() throws {
        let reader = InMemoryHashReader(leafHashes: leaves(8))
        let oldRoot = try MerkleTree.treeHash(size: 3, reader: reader)
        let newRoot = try MerkleTree.treeHash(size: 8, reader: reader)
        let proof = try ConsistencyProof.generate(oldSize: 3, newSize: 8, reader: reader)
        XCTAssertThrowsError(try proof.verify(oldRoot: newRoot, newRoot: newRoot)) {
            guard case let .rootMismatch(which, treeSize, _, expected)? = $0 as? MerkleError else { return XCTFail("\($0)") }
            XCTAssertEqual(which, .consistency(old: 3, new: 8))
            XCTAssertEqual(treeSize, 3)
            XCTAssertEqual(expected, newRoot)
        }
        XCTAssertThrowsError(try proof.verify(oldRoot: oldRoot, newRoot: oldRoot)) {
            guard case let .rootMismatch(_, treeSize, _, expected)? = $0 as? MerkleError else { return XCTFail("\($0)") }
            XCTAssertEqual(treeSize, 8)
            XCTAssertEqual(expected, oldRoot)
        }
        XCTAssertThrowsError(try ConsistencyProof(oldSize: 3, newSize: 8, hashes: proof.hashes + [oldRoot]).verify(oldRoot: oldRoot, newRoot: newRoot)) {
            XCTAssertEqual("\($0)", "consistency proof from size 3 to size 8 has \(proof.hashes.count + 1) hashes, expected \(proof.hashes.count)")
        }
    }

    func testAConsistencyProofBetweenEqualSizesMustBeEmptyAndRelateEqualRoots() {
        let root = MerkleTree.rootHash(leafHashes: leaves(5))
        XCTAssertThrowsError(try ConsistencyProof(oldSize: 5, newSize: 5, hashes: [root]).verify(oldRoot: root, newRoot: root)) {
            XCTAssertEqual($0 as? MerkleError, .wrongProofLength(.consistency(old: 5, new: 5), expected: 0, found: 1))
        }
        XCTAssertThrowsError(try ConsistencyProof(oldSize: 5, newSize: 5, hashes: []).verify(oldRoot: root, newRoot: MerkleTree.emptyRoot)) {
            XCTAssertEqual($0 as? MerkleError, .differentRootsForEqualSizes(size: 5))
        }
        XCTAssertThrowsError(try ConsistencyProof(oldSize: 0, newSize: 5, hashes: []).verify(oldRoot: root, newRoot: root)) {
            XCTAssertEqual($0 as? MerkleError, .sizeOutOfRange(old: 0, new: 5))
        }
    }

    func testARootThatIsNotAHashIsNamed() throws {
        let root = MerkleTree.rootHash(leafHashes: leaves(5)).bytes
        let length = try XCTUnwrap(ConsistencyProof.proofLength(oldSize: 3, newSize: 5))
        XCTAssertThrowsError(try ConsistencyProof.verify(oldSize: 3, newSize: 5, oldRoot: Array(root.dropLast()), newRoot: root,
                                                         proof: [Hash](repeating: MerkleTree.emptyRoot, count: length))) {
            XCTAssertEqual($0 as? MerkleError, .badRootLength(.consistency(old: 3, new: 5), treeSize: 3, bytes: 31))
        }
    }

    /// Hostile levels and indexes are refused, not shifted past 64 bits or converted into a trap.
    func testTheInMemoryReaderRefusesSubtreesItDoesNotHold() throws {
        let reader = InMemoryHashReader(leafHashes: leaves(5))
        for (level, index): (Int, UInt64) in [(0, 5), (0, .max), (2, 1), (3, 0), (63, 0), (64, 0), (200, 1), (-1, 0)] {
            XCTAssertThrowsError(try reader.subtreeHash(level: level, index: index)) {
                XCTAssertEqual($0 as? MerkleError, .hashNotStored(level: level, index: index))
            }
        }
        XCTAssertEqual(try reader.subtreeHash(level: 2, index: 0), MerkleTree.rootHash(leafHashes: Array(leaves(4))))
        XCTAssertEqual(try reader.subtreeHash(level: 0, index: 4), leaves(5)[4])
    }
}
