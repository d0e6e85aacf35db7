import AssentCore
import XCTest

/// SHA-256 through COpenSSL's `assent_sha256` and `assent_sha256_prefixed` (SHA256_Init/Update/
/// Final, docs/benchmarks.md "SHA-256 through the low-level API"): the FIPS 180-2 answers for
/// one block, two blocks and a million bytes, and the RFC 6962 leaf and node hashes equal to
/// SHA-256 of the prefixed bytes at every length around the 64-byte block boundaries.
final class SHA256Tests: XCTestCase {
    func testTheFIPS1802Vectors() {
        // FIPS 180-2 Appendix B.1, B.2, B.3.
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex,
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(SHA256.hash([UInt8]()).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// The leaf hash feeds the 0x00 prefix and the leaf in two updates: the same as one hash of
    /// the joined bytes at every length, across the block and padding boundaries (55, 56, 63, 64).
    func testLeafAndNodeHashesAreSHA256OfThePrefixedBytes() {
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: 31 &* $0 &+ 7) }
        for count in 0...bytes.count {
            let leaf = Array(bytes[..<count])
            XCTAssertEqual(MerkleTree.leafHash(leaf), SHA256.hash([0x00] + leaf), "leaf of \(count) bytes")
        }
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(MerkleTree.leafHash(million), SHA256.hash([0x00] + million))
        let left = SHA256.hash(Array("left".utf8)), right = SHA256.hash(Array("right".utf8))
        XCTAssertEqual(MerkleTree.nodeHash(left, right), SHA256.hash([0x01] + left.bytes + right.bytes))
        // RFC 6962 §2.1: the hash of an empty tree is SHA-256 of the empty string.
        XCTAssertEqual(MerkleTree.emptyRoot.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
