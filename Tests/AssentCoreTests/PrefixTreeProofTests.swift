@testable import AssentCore
import AssentTestSupport
import XCTest

/// Membership and non-membership proofs of the state map (PROTOCOL §5): they verify exactly
/// for what the tree holds, round-trip through bytes and JSON, and fail on any change.
final class PrefixTreeProofTests: XCTestCase {
    typealias RNG = SplitMix64

    static let (tree, entries, absent): (PrefixTree<InMemoryPrefixTreeStorage>, [PrefixTreeEntry], [Hash]) = {
        var rng = RNG(state: 21)
        let entries = PrefixTreeTests.randomEntries(400, &rng)
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        _ = try! tree.insert(entries)
        var absent = (0..<200).map { _ in PrefixTreeTests.randomHash(&rng) }
        // Absent keys that end at another key's leaf deep down, not only at empty subtrees.
        for e in entries.prefix(50) {
            var k = e.key.bytes
            k[31] ^= 1
            absent.append(Hash(bytes: k)!)
        }
        absent.removeAll { a in entries.contains { $0.key == a } }
        return (tree, entries, absent)
    }()

    func testEveryPresentKeyHasAVerifyingMembershipProof() throws {
        let root = try Self.tree.root()
        for e in Self.entries {
            let proof = try Self.tree.prove(e.key)
            XCTAssertEqual(try proof.verify(key: e.key, root: root), e.value)
            XCTAssertNoThrow(try proof.verifyMembership(key: e.key, value: e.value, root: root))
            XCTAssertThrowsError(try proof.verifyNonMembership(key: e.key, root: root)) {
                XCTAssertEqual($0 as? PrefixTreeProofError, .keyPresent(e.key))
            }
        }
    }

    func testEveryAbsentKeyHasAVerifyingNonMembershipProofOfBothEndings() throws {
        let root = try Self.tree.root()
        var endings = (empty: 0, leaf: 0)
        for key in Self.absent {
            let proof = try Self.tree.prove(key)
            XCTAssertNil(try proof.verify(key: key, root: root))
            XCTAssertNoThrow(try proof.verifyNonMembership(key: key, root: root))
            XCTAssertThrowsError(try proof.verifyMembership(key: key, value: .zero, root: root)) {
                XCTAssertEqual($0 as? PrefixTreeProofError, .keyAbsent(key))
            }
            if proof.terminal == .empty { endings.empty += 1 } else { endings.leaf += 1 }
        }
        XCTAssertGreaterThan(endings.empty, 10)
        XCTAssertGreaterThan(endings.leaf, 10)
    }

    func testProofsOfTheEmptyMapAndOfAOneKeyMap() throws {
        var tree = PrefixTree(storage: InMemoryPrefixTreeStorage())
        let key = SHA256.hash([1]), value = SHA256.hash([2])
        let empty = try tree.prove(key)
        XCTAssertEqual(empty, PrefixTreeProof(siblings: [], terminal: .empty))
        XCTAssertNoThrow(try empty.verifyNonMembership(key: key, root: .zero))
        try tree.insert([PrefixTreeEntry(key: key, value: value)])
        let root = try tree.root()
        XCTAssertEqual(root, PrefixTreeNode.leafHash(key: key, value: value))
        XCTAssertNoThrow(try tree.prove(key).verifyMembership(key: key, value: value, root: root))
        XCTAssertNoThrow(try tree.prove(SHA256.hash([3])).verifyNonMembership(key: SHA256.hash([3]), root: root))
    }

    func testProofsRoundTripThroughBytesAndJSON() throws {
        for key in Self.entries.prefix(50).map(\.key) + Self.absent.prefix(50) {
            let proof = try Self.tree.prove(key)
            XCTAssertEqual(try PrefixTreeProof(bytes: proof.bytes), proof)
            XCTAssertEqual(proof.bytes.count, 3 + 32 * proof.siblings.count + (proof.terminal == .empty ? 0 : 64))
            let text = proof.json.canonicalBytes
            XCTAssertEqual(try PrefixTreeProof(jsonBytes: text), proof)
            XCTAssertEqual(try PrefixTreeProof(jsonBytes: text).json.canonicalBytes, text)
        }
    }

    func testChangingAnyByteOfAProofMakesItFailOrUnreadable() throws {
        let root = try Self.tree.root()
        // Short proofs (the clustered keys have paths up to 256 deep), so every byte can be tried.
        func shortest(_ keys: [Hash]) throws -> Hash { try keys.min { try Self.tree.prove($0).siblings.count < Self.tree.prove($1).siblings.count }! }
        let present = try shortest(Self.entries.prefix(20).map(\.key))
        let absentAtEmpty = try shortest(Self.absent.prefix(20).filter { try Self.tree.prove($0).terminal == .empty })
        let absentAtLeaf = try shortest(Self.absent.suffix(20).filter { try Self.tree.prove($0).terminal != .empty })
        for (key, value) in [(present, try Self.tree.value(for: present)), (absentAtEmpty, nil), (absentAtLeaf, nil)] {
            let bytes = try Self.tree.prove(key).bytes
            for i in bytes.indices {
                var damaged = bytes
                damaged[i] ^= 0x01
                guard let proof = try? PrefixTreeProof(bytes: damaged) else { continue }
                if let value {
                    XCTAssertThrowsError(try proof.verifyMembership(key: key, value: value, root: root), "byte \(i)")
                } else {
                    XCTAssertThrowsError(try proof.verifyNonMembership(key: key, root: root), "byte \(i)")
                }
            }
        }
    }

    func testAProofFailsForAnotherKeyValueOrRoot() throws {
        let root = try Self.tree.root()
        let e = Self.entries[5]
        let proof = try Self.tree.prove(e.key)
        var other = root.bytes
        other[0] ^= 0x80
        XCTAssertThrowsError(try proof.verify(key: e.key, root: Hash(bytes: other)!)) {
            guard case .rootMismatch? = $0 as? PrefixTreeProofError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try proof.verifyMembership(key: e.key, value: SHA256.hash([9]), root: root)) {
            XCTAssertEqual($0 as? PrefixTreeProofError, .valueMismatch(key: e.key, proven: e.value, expected: SHA256.hash([9])))
        }
        // Another key: each flipped bit of the key makes the proof fail (root or path mismatch).
        for bit in stride(from: 0, to: 256, by: 7) {
            var k = e.key
            k.withUnsafeMutableBytes { $0[bit / 8] ^= 0x80 >> UInt8(bit % 8) }
            XCTAssertThrowsError(try proof.verifyMembership(key: k, value: e.value, root: root), "bit \(bit)")
        }
    }

    func testALeafOffTheKeysPathIsRefusedWithoutHashing() throws {
        let key = Hash(bytes: [0x00] + [UInt8](repeating: 0, count: 31))!
        let leafKey = Hash(bytes: [0x80] + [UInt8](repeating: 0, count: 31))!
        let proof = PrefixTreeProof(siblings: [.zero], terminal: .leaf(key: leafKey, value: .zero))
        XCTAssertThrowsError(try proof.verifyNonMembership(key: key, root: .zero)) {
            XCTAssertEqual($0 as? PrefixTreeProofError, .leafOffPath(key: key, leafKey: leafKey, depth: 1))
        }
    }

    func testMalformedProofsAreRefusedWithTheirReason() {
        XCTAssertThrowsError(try PrefixTreeProof(bytes: [])) { XCTAssertTrue("\($0)".contains("at least 3"), "\($0)") }
        XCTAssertThrowsError(try PrefixTreeProof(bytes: [2, 0, 0])) { XCTAssertTrue("\($0)".contains("byte 0 is 2"), "\($0)") }
        XCTAssertThrowsError(try PrefixTreeProof(bytes: [0, 1, 1])) { XCTAssertEqual($0 as? PrefixTreeProofError, .tooManySiblings(257)) }
        XCTAssertThrowsError(try PrefixTreeProof(bytes: [0, 0, 1] + [UInt8](repeating: 0, count: 31))) {
            XCTAssertTrue("\($0)".contains("expected 35"), "\($0)")
        }
        XCTAssertThrowsError(try PrefixTreeProof(bytes: [1, 0, 0] + [UInt8](repeating: 0, count: 65)))
        let tooMany = PrefixTreeProof(siblings: [Hash](repeating: .zero, count: 257), terminal: .empty)
        XCTAssertThrowsError(try tooMany.verify(key: .zero, root: .zero)) { XCTAssertEqual($0 as? PrefixTreeProofError, .tooManySiblings(257)) }
        XCTAssertThrowsError(try PrefixTreeProof(jsonBytes: Array(#"{"siblings":["AA=="]}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("\"siblings\"[0]"), "\($0)")
        }
        XCTAssertThrowsError(try PrefixTreeProof(jsonBytes: Array(#"{"extra":1,"siblings":[]}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("unknown member \"extra\""), "\($0)")
        }
        XCTAssertThrowsError(try PrefixTreeProof(jsonBytes: [UInt8](repeating: 0x20, count: PrefixTreeProof.maxJSONBytes + 1)))
    }
}
