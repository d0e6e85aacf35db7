public enum LeafError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(index: UInt64?, String)
    case badStatement(index: UInt64, StatementError)
    case tooLarge(index: UInt64?, bytes: Int)
    case outOfOrder(index: UInt64, expected: UInt64)
    case brokenChain(index: UInt64)
    case timeWentBack(index: UInt64, time: Timestamp, previous: Timestamp)
    /// Bytes whose leaf hash is not the one a signed tree holds for them (`LogLeaf(bytes:signedLeafHash:)`).
    case notTheSignedLeaf

    public var description: String {
        func at(_ i: UInt64?) -> String { i.map { "index \($0): " } ?? "" }
        switch self {
        case let .malformed(i, why): return "\(at(i))\(why)"
        case let .badStatement(i, e): return "\(at(i))\(e)"
        case let .tooLarge(i, bytes): return "\(at(i))leaf is \(bytes) bytes, more than 65,535"
        case let .outOfOrder(i, expected): return "index \(i): expected index \(expected)"
        // PROTOCOL §4: leaf 0 has no leaf before it; its prev is 32 zero bytes.
        case let .brokenChain(0): return "index 0: prev hash must be 32 zero bytes, as leaf 0 begins the chain"
        case let .brokenChain(i): return "index \(i): prev hash does not match leaf \(i - 1)"
        case let .timeWentBack(i, t, p): return "index \(i): time \(t) is before the previous leaf's \(p)"
        case .notTheSignedLeaf: return "its leaf hash is not the one the signed tree holds there"
        }
    }
}
