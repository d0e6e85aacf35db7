/// A SHA-256 digest: 32 bytes. Tree nodes, leaf hashes, map roots and `prev` links are all Hashes.
///
/// The bytes are held inline (four words), not in a heap array: a tree walk or a batch of
/// leaves makes millions of hashes, and an allocation each would cost as much as the hashing.
public struct Hash: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let byteCount = 32
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The all-zero hash: `prev` of leaf 0 (PROTOCOL §4) and the empty map node (§5).
    public static let zero = Hash()

    private init() {}

    public init?(bytes: [UInt8]) {
        guard bytes.count == Hash.byteCount else { return nil }
        self.init(unchecked: bytes)
    }

    public init?(base64: some StringProtocol) {
        guard let bytes = Base64.decode(base64) else { return nil }
        self.init(bytes: bytes)
    }

    init(unchecked bytes: some Collection<UInt8>) {
        withUnsafeMutableBytes { out in
            for (i, b) in bytes.prefix(Hash.byteCount).enumerated() { out[i] = b }
        }
    }

    /// A hash whose 32 bytes `fill` writes, with no intermediate buffer.
    static func filling(_ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Hash {
        var hash = Hash()
        hash.withUnsafeMutableBytes(fill)
        return hash
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &words, body)
    }

    public var base64: String { Base64.encode(bytes) }
    public var hex: String { bytes.hexString }
    public var description: String { base64 }

    public static func == (a: Hash, b: Hash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Byte order, as the hex or base64 spellings sort.
    /// Byte-wise order (byte 0 first): word by word, each read big-endian, so that sorting the
    /// millions of keys a state map rebuild sorts costs four integer compares a pair.
    public static func < (a: Hash, b: Hash) -> Bool {
        if a.words.0 != b.words.0 { return a.words.0.bigEndian < b.words.0.bigEndian }
        if a.words.1 != b.words.1 { return a.words.1.bigEndian < b.words.1.bigEndian }
        if a.words.2 != b.words.2 { return a.words.2.bigEndian < b.words.2.bigEndian }
        return a.words.3.bigEndian < b.words.3.bigEndian
    }
}

extension Sequence<UInt8> {
    /// Lower-case hexadecimal, two digits a byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Parses lower- or upper-case hexadecimal; nil on odd length or a non-hex digit.
    public init?(hex: some StringProtocol) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = value(chars[i]), let lo = value(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self = out
    }
}
