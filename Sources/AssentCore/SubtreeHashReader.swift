/// Where the tree's stored hashes come from: the hash of the complete subtree of
/// 2^level leaves that starts at leaf index × 2^level. A store answers from tiles;
/// tests answer from memory.
public protocol SubtreeHashReader {
    func subtreeHash(level: Int, index: UInt64) throws -> Hash
    /// A remembered hash of an incomplete range, if the reader keeps them.
    func rememberedRangeHash(start: UInt64, end: UInt64) -> Hash?
    func rememberRangeHash(_ hash: Hash, start: UInt64, end: UInt64)
}

extension SubtreeHashReader {
    public func rememberedRangeHash(start: UInt64, end: UInt64) -> Hash? { nil }
    public func rememberRangeHash(_ hash: Hash, start: UInt64, end: UInt64) {}
}
