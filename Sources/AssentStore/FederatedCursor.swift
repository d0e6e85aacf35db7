import AssentCore

/// Where a page of a history across logs goes on (`GET /v1/works/{work}/history` and
/// `GET /v1/parties/{key}` on a node with mirrors; docs/federation.md "History across logs"):
/// for every log the node reads, the leaf index its next page starts at.
///
/// Its spelling, the `from` a client sends back as given, is base64url without padding
/// (RFC 4648 §5) of one 16-byte entry per log, in the order of the origins' bytes: the first 8
/// bytes of SHA-256 of the origin, then the index as 8 bytes big-endian. The hash prefix ties
/// each position to its log, so a cursor of another node's federation, or one cut or reordered,
/// is refused instead of read as positions of the wrong logs. A client need not parse it.
public struct FederatedCursor: Sendable, Equatable {
    /// The next leaf index of each log, in the order of `FederatedState.logs`.
    public let positions: [UInt64]

    /// A `from` that is not a cursor of this node: what is wrong with it, for a 400.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    static let prefixBytes = 8
    static let entryBytes = 16

    public init(positions: [UInt64]) {
        self.positions = positions
    }

    /// The first page: every log from leaf 0.
    public static func start(logs: Int) -> FederatedCursor { FederatedCursor(positions: [UInt64](repeating: 0, count: max(0, logs))) }

    /// The spelling of this cursor for the logs `origins` (in the order of `positions`).
    public func token(origins: [String]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(positions.count * Self.entryBytes)
        for (origin, position) in zip(origins, positions) {
            bytes += Self.prefix(of: origin)
            bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: position >> (UInt64($0) * 8)) }
        }
        var text = Base64.encode(bytes)
        text.removeAll { $0 == "=" }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Reads `token` as a cursor of the logs `origins` (in the order of the origins' bytes, as
    /// the node reads them). Its length is checked before anything is decoded, so a hostile
    /// `from` costs no more than the cursor it imitates.
    public init(token: some StringProtocol, origins: [String]) throws(Refusal) {
        let expected = (origins.count * Self.entryBytes * 4 + 2) / 3
        // Counted in place: a hostile `from` is copied only once it has a cursor's length.
        let length = token.utf8.count
        guard length == expected else {
            throw Refusal(description: "from: a cursor of this node is \(expected) characters (one position for each of its \(origins.count) logs), not \(length); use the `next` of a reply as given, or no `from` to start (a cursor from before this node's trusted logs changed is refused too)")
        }
        let text = Array(token.utf8)
        let urlSafe: (UInt8) -> Bool = { c in
            (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) || c == 0x2D || c == 0x5F
        }
        guard text.allSatisfy(urlSafe) else {
            throw Refusal(description: "from: a cursor is base64url without padding (A-Z a-z 0-9 - _), not \"\(token.prefix(80))\"")
        }
        var standard = text.map { $0 == 0x2D ? UInt8(ascii: "+") : $0 == 0x5F ? UInt8(ascii: "/") : $0 }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        // Strict decoding: the unused bits of the last character must be zero (one spelling).
        guard let bytes = Base64.decode(bytes: standard), bytes.count == origins.count * Self.entryBytes else {
            throw Refusal(description: "from: \"\(token.prefix(80))\" is not canonical base64url of \(origins.count) 16-byte positions")
        }
        var positions = [UInt64]()
        for (i, origin) in origins.enumerated() {
            let entry = bytes[(i * Self.entryBytes)..<((i + 1) * Self.entryBytes)]
            let prefix = Array(entry.prefix(Self.prefixBytes))
            guard prefix == Self.prefix(of: origin) else {
                throw Refusal(description: "from: position \(i) of the cursor is for a log whose origin hashes to \(prefix.hexString)…, but this node's log \(i) is \(origin) (\(Self.prefix(of: origin).hexString)…): a cursor of another node, or from before this node's trusted logs changed (start again without `from`), or altered")
            }
            positions.append(entry.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        self.positions = positions
    }

    static func prefix(of origin: String) -> [UInt8] { Array(SHA256.hash(Array(origin.utf8)).bytes.prefix(prefixBytes)) }
}
