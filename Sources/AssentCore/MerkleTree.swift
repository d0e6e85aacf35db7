import COpenSSL

/// RFC 6962 §2.1 (RFC 9162 §2.1.1) Merkle tree hashing.
///
/// Leaf hash:  SHA-256(0x00 ‖ leaf).  Node hash: SHA-256(0x01 ‖ left ‖ right).
/// The hash of the empty tree is SHA-256 of the empty string.
public enum MerkleTree {
    public static let emptyRoot = SHA256.hash([UInt8]())

    public static func leafHash(_ leaf: some ContiguousBytesView) -> Hash {
        leaf.withBytes { leafHash(raw: $0) }
    }

    /// The common case without generic dispatch: leaves are byte arrays.
    public static func leafHash(_ leaf: [UInt8]) -> Hash {
        leaf.withUnsafeBytes { leafHash(raw: $0) }
    }

    /// Every call is checked: a leaf hash that libcrypto could not compute has no right value,
    /// and zeros would be signed into the tree, so a failure stops the process (`LibCrypto`).
    private static func leafHash(raw leafBytes: UnsafeRawBufferPointer) -> Hash {
        Hash.filling { out in
            guard let digest = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { LibCrypto.fail("SHA256 (no output buffer)") }
            // Through SHA256_Init/Update/Final (COpenSSL's shim): EVP's digest calls allocate a
            // context for every leaf (`SHA256.hash(raw:)`).
            guard assent_sha256_prefixed(0, leafBytes.baseAddress, leafBytes.count, digest) == 1 else { LibCrypto.fail("SHA256 of a leaf") }
        }
    }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 1
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return SHA256.hash(raw: UnsafeRawBufferPointer(buffer))
        }
    }

    /// MTH(D[0:n]) of a list of leaf hashes, computed in memory. For tests and small trees.
    public static func rootHash(leafHashes: [Hash]) -> Hash {
        guard !leafHashes.isEmpty else { return emptyRoot }
        return rangeHash(leafHashes[...])
    }

    private static func rangeHash(_ hashes: ArraySlice<Hash>) -> Hash {
        if hashes.count == 1 { return hashes.first! }
        let k = largestPowerOfTwo(below: UInt64(hashes.count))
        let mid = hashes.startIndex + Int(k)
        return nodeHash(rangeHash(hashes[..<mid]), rangeHash(hashes[mid...]))
    }

    /// The largest power of two strictly smaller than n (n ≥ 2): the split point k of RFC 6962 §2.1.
    public static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return 1 << (63 - (n - 1).leadingZeroBitCount)
    }
}

extension MerkleTree {
    /// MTH(D[start:end]), with `start` aligned as RFC 6962 recursion always has it:
    /// complete, aligned power-of-two ranges come from the reader; others are split at k.
    public static func rangeHash(start: UInt64, end: UInt64, reader: some SubtreeHashReader) throws -> Hash {
        let n = end - start
        precondition(n >= 1)
        if n & (n - 1) == 0 && start % n == 0 {
            return try reader.subtreeHash(level: n.trailingZeroBitCount, index: start / n)
        }
        // Incomplete ranges lie on the tree's right edge; the proofs of one batch share them,
        // so a reader may remember them instead of rehashing O(log n) nodes for each proof.
        if let known = reader.rememberedRangeHash(start: start, end: end) { return known }
        let k = largestPowerOfTwo(below: n)
        let hash = nodeHash(
            try rangeHash(start: start, end: start + k, reader: reader),
            try rangeHash(start: start + k, end: end, reader: reader))
        reader.rememberRangeHash(hash, start: start, end: end)
        return hash
    }

    /// The root of the tree of the first `size` leaves.
    public static func treeHash(size: UInt64, reader: some SubtreeHashReader) throws -> Hash {
        size == 0 ? emptyRoot : try rangeHash(start: 0, end: size, reader: reader)
    }
}
