/// Checks that leaves continue a log: origin, contiguous indexes, the `prev` chain, and
/// times that never decrease. `previous` is the leaf before the first one (nil at index 0).
public struct ChainVerifier: Sendable {
    public let origin: String
    public private(set) var nextIndex: UInt64
    public private(set) var prevHash: Hash
    public private(set) var lastTime: Timestamp?

    public init(origin: String) {
        self.origin = origin
        nextIndex = 0
        prevHash = .zero
        lastTime = nil
    }

    public init(origin: String, continuingAfter leaf: LogLeaf) {
        self.origin = origin
        nextIndex = leaf.index + 1
        prevHash = leaf.leafHash
        lastTime = leaf.time
    }

    /// Accepts the next leaf or says exactly what is wrong with it. Returns its leaf hash.
    @discardableResult
    public mutating func append(_ leaf: LogLeaf) throws(LeafError) -> Hash {
        // Bytewise (PROTOCOL §2): an origin that is only canonically equivalent is another log.
        guard Bytewise.equal(leaf.origin, origin) else { throw .malformed(index: leaf.index, "log is \"\(leaf.origin)\", expected \"\(origin)\"") }
        guard leaf.index == nextIndex else { throw .outOfOrder(index: leaf.index, expected: nextIndex) }
        guard leaf.prev == prevHash else { throw .brokenChain(index: leaf.index) }
        if let lastTime, leaf.time < lastTime { throw .timeWentBack(index: leaf.index, time: leaf.time, previous: lastTime) }
        let hash = leaf.leafHash
        nextIndex += 1
        prevHash = hash
        lastTime = leaf.time
        return hash
    }
}
