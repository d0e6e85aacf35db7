/// A reader over leaf hashes held in memory.
public struct InMemoryHashReader: SubtreeHashReader {
    public let leafHashes: [Hash]
    public init(leafHashes: [Hash]) { self.leafHashes = leafHashes }

    public func subtreeHash(level: Int, index: UInt64) throws -> Hash {
        // Whole subtrees only: leaves [index·2^level, (index+1)·2^level) must all be held.
        // Checked without shifting first, so no level or index can overflow.
        let width = UInt64(leafHashes.count)
        guard level >= 0, level < 64, index < (width >> UInt64(level)) else {
            throw MerkleError.hashNotStored(level: level, index: index)
        }
        let start = Int(index << UInt64(level))
        return MerkleTree.rootHash(leafHashes: Array(leafHashes[start..<(start + 1 << level)]))
    }
}
