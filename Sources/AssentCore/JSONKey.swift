/// The name of a JSON object member.
///
/// RFC 8785 treats member names as sequences of code units: `"é"` (U+00E9) and `"e\u{301}"`
/// are two names, sorted by their UTF-16 code units (§3.2.3), and an object may hold both.
/// A Dictionary keyed by `String` would merge them, because `String ==` follows Unicode
/// canonical equivalence; this key compares and hashes the bytes (PROTOCOL §2, identity is
/// bytes). Written as a string literal where a name is known: `["type": "preference"]`.
public struct JSONKey: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { self.string = value }

    public static func == (lhs: JSONKey, rhs: JSONKey) -> Bool { Bytewise.equal(lhs.string, rhs.string) }
    public func hash(into hasher: inout Hasher) { Bytewise.hash(string, into: &hasher) }

    /// RFC 8785 §3.2.3 order: by UTF-16 code units, not by code points or bytes (they differ
    /// for characters above U+FFFF against U+E000…U+FFFF).
    public static func < (lhs: JSONKey, rhs: JSONKey) -> Bool {
        lhs.string.utf16.lexicographicallyPrecedes(rhs.string.utf16)
    }

    public var description: String { string }
}
