/// Where a node sits in the state map's prefix tree: its depth (0 = the root, at most 256) and
/// the first `depth` bits of every key below it (PROTOCOL §5: bits read most significant first,
/// bit 0 the top bit of byte 0; 0 goes left). Bits from `depth` on are zero in `prefix`.
public struct PrefixTreePosition: Hashable, Sendable, CustomStringConvertible {
    public static let maxDepth = 256

    public let depth: Int
    public let prefix: Hash

    public static let root = PrefixTreePosition(depth: 0, prefix: .zero)

    private init(depth: Int, prefix: Hash) {
        self.depth = depth
        self.prefix = prefix
    }

    /// The position at `depth` on the path of `key`; nil outside 0...256.
    public init?(depth: Int, onPathOf key: Hash) {
        guard (0...PrefixTreePosition.maxDepth).contains(depth) else { return nil }
        self.init(depth: depth, prefix: key.keepingBits(depth))
    }

    /// The child that holds keys whose bit `depth` is `bit` (0 left, 1 right); nil below depth 256.
    public func child(_ bit: Int) -> PrefixTreePosition? {
        guard depth < PrefixTreePosition.maxDepth else { return nil }
        var p = prefix
        if bit != 0 { p.setBit(depth) }
        return PrefixTreePosition(depth: depth + 1, prefix: p)
    }

    /// A compact, unique storage key: depth as a big-endian uint16, then the ⌈depth/8⌉ bytes
    /// that hold the prefix (trailing bits zero). Sorting these keys groups a level together.
    public var storageKey: [UInt8] {
        [UInt8(truncatingIfNeeded: depth >> 8), UInt8(truncatingIfNeeded: depth)] + prefix.bytes.prefix((depth + 7) / 8)
    }

    /// Reads a storage key back; nil unless it is exactly what `storageKey` writes.
    public init?(storageKey bytes: [UInt8]) {
        guard bytes.count >= 2 else { return nil }
        let depth = Int(bytes[0]) << 8 | Int(bytes[1])
        guard depth <= PrefixTreePosition.maxDepth, bytes.count == 2 + (depth + 7) / 8 else { return nil }
        let prefix = Hash(unchecked: bytes[2...] + [UInt8](repeating: 0, count: Hash.byteCount - (bytes.count - 2)))
        guard prefix.keepingBits(depth) == prefix else { return nil }
        self.init(depth: depth, prefix: prefix)
    }

    public var description: String {
        // The path as bits, the way the protocol reads them: "" for the root, "0110" four levels down.
        (0..<depth).map { prefix.bit($0) == 0 ? "0" : "1" }.joined()
    }
}

extension Hash {
    /// Bit `i` of the hash, counting from the most significant bit of byte 0 (PROTOCOL §5).
    /// `i` must be in 0..<256; callers walk paths no deeper than `PrefixTreePosition.maxDepth`.
    func bit(_ i: Int) -> Int {
        withUnsafeBytes { Int($0[i >> 3] >> (7 - UInt8(i & 7))) & 1 }
    }

    mutating func setBit(_ i: Int) {
        withUnsafeMutableBytes { $0[i >> 3] |= 0x80 >> UInt8(i & 7) }
    }

    /// The first `count` bits (0...256) of the hash, the rest zero.
    func keepingBits(_ count: Int) -> Hash {
        var h = self
        h.withUnsafeMutableBytes { b in
            for i in 0..<Hash.byteCount {
                let kept = count - 8 * i
                if kept >= 8 { continue }
                b[i] &= kept <= 0 ? 0 : ~(0xFF >> UInt8(kept))
            }
        }
        return h
    }

    /// How many leading bits two hashes share (256 when equal).
    func commonPrefixLength(_ other: Hash) -> Int {
        withUnsafeBytes { a in
            other.withUnsafeBytes { b in
                for i in 0..<Hash.byteCount where a[i] != b[i] {
                    return 8 * i + (a[i] ^ b[i]).leadingZeroBitCount
                }
                return 256
            }
        }
    }
}
