/// RFC 8785 (JSON Canonicalization Scheme), restricted to Assent's profile
/// (PROTOCOL §1): encoding, and a strict parser that can also check that its
/// input already is canonical, in one pass and without re-encoding.
public enum CanonicalJSON {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public static let maxDepth = 32

    // MARK: Encoding

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            // RFC 8785 §3.2.3: members sorted by their names as UTF-16 code unit arrays
            // (`JSONKey`'s order); names that differ only in their Unicode normalization
            // are distinct members (PROTOCOL §2).
            for (i, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key.string, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .string(s):
            writeString(s, into: &out)
        case let .bool(b):
            out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case let .integer(n):
            // Total on purpose: the parser never yields an integer outside ±(2^53−1), so only
            // code can build one, and trapping there would let a caller that forgot a bound
            // crash a reader. Its exact digits are written, which every parser then refuses
            // (docs/protocol.md, "Hostile input").
            writeInteger(n, into: &out)
        }
    }

    /// RFC 8785 §3.2.2.2: only `"` `\` and controls are escaped; \b \t \n \f \r use
    /// their short forms, other controls `\u00xx` in lower-case hex; all else is literal UTF-8.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// The same for text already in UTF-8 bytes (the caller's bytes must be valid UTF-8: text
    /// made from strings and ASCII, such as a receipt).
    public static func writeString(utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Copy runs that need no escape in one go; most strings are one run.
        var runStart = utf8.startIndex
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                out.append(contentsOf: utf8[runStart..<i])
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
                }
                runStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out.append(contentsOf: utf8[runStart...])
        out.append(UInt8(ascii: "\""))
    }

    // MARK: Parsing

    /// Parses `bytes` as Assent JSON. With `requireCanonical`, also refuses any
    /// input whose bytes differ from the canonical encoding of what it parsed to,
    /// naming the first offending byte.
    public static func parse(_ bytes: [UInt8], requireCanonical: Bool = false) throws(CanonicalJSONError) -> JSONValue {
        var parser = Parser(bytes: bytes, canonical: requireCanonical)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String, requireCanonical: Bool = false) throws(CanonicalJSONError) -> JSONValue {
        try parse(Array(text.utf8), requireCanonical: requireCanonical)
    }
}

public struct CanonicalJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case trailingData
        case floatNotAllowed
        case nullNotAllowed
        case integerOutOfRange
        case duplicateKey(String)
        case invalidUTF8
        case invalidEscape
        case loneSurrogate
        case controlCharacterInString
        case tooDeep
        /// Valid JSON, but not in canonical form; the string says what differs.
        case notCanonical(String)
    }

    public let reason: Reason
    /// Byte offset into the input where the problem was found.
    public let offset: Int

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "input ends in the middle of a value"
        case let .unexpectedByte(b):
            what = b >= 0x20 && b < 0x7F ? "unexpected character '\(Character(Unicode.Scalar(b)))'" : "unexpected byte 0x\([b].hexString)"
        case .trailingData: what = "data after the end of the JSON value"
        case .floatNotAllowed: what = "number with a fraction or exponent: floats are not allowed, only integers"
        case .nullNotAllowed: what = "null is not allowed"
        case .integerOutOfRange: what = "integer outside ±(2^53−1)"
        case let .duplicateKey(k): what = "duplicate key \"\(k)\""
        case .invalidUTF8: what = "string is not valid UTF-8"
        case .invalidEscape: what = "invalid escape sequence in string"
        case .loneSurrogate: what = "escape encodes a lone UTF-16 surrogate"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .tooDeep: what = "nesting deeper than \(CanonicalJSON.maxDepth) levels"
        case let .notCanonical(why): what = "not canonical JSON (RFC 8785): \(why)"
        }
        return "JSON error at byte \(offset): \(what)"
    }
}

private struct Parser {
    let bytes: [UInt8]
    let canonical: Bool
    var pos = 0

    init(bytes: [UInt8], canonical: Bool) {
        self.bytes = bytes
        self.canonical = canonical
    }

    func fail(_ reason: CanonicalJSONError.Reason, at offset: Int? = nil) -> CanonicalJSONError {
        CanonicalJSONError(reason: reason, offset: offset ?? pos)
    }

    mutating func parseDocument() throws(CanonicalJSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard pos == bytes.count else { throw fail(.trailingData) }
        return value
    }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D:
                if canonical { return }
                pos += 1
            default: return
            }
        }
    }

    /// In canonical mode white space is an error where the grammar would skip it.
    mutating func skipOrRefuseWhitespace() throws(CanonicalJSONError) {
        if canonical {
            if pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) {
                throw fail(.notCanonical("white space outside strings"))
            }
        } else {
            skipWhitespace()
        }
    }

    mutating func expect(_ byte: UInt8) throws(CanonicalJSONError) {
        guard pos < bytes.count else { throw fail(.unexpectedEnd) }
        guard bytes[pos] == byte else { throw fail(.unexpectedByte(bytes[pos])) }
        pos += 1
    }

    mutating func parseValue(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        try skipOrRefuseWhitespace()
        guard pos < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"):
            let start = pos
            try literal("null")
            throw fail(.nullNotAllowed, at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try parseInteger())
        case let b: throw fail(.unexpectedByte(b))
        }
    }

    mutating func literal(_ word: StaticString) throws(CanonicalJSONError) {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for c in w {
            guard pos < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[pos] == c else { throw fail(.unexpectedByte(bytes[pos])) }
            pos += 1
        }
    }

    mutating func parseObject(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        guard depth <= CanonicalJSON.maxDepth else { throw fail(.tooDeep) }
        pos += 1
        var members = [JSONKey: JSONValue]()
        try skipOrRefuseWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(members)
        }
        var previousKey: JSONKey?
        while true {
            try skipOrRefuseWhitespace()
            let keyStart = pos
            guard pos < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[pos] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[pos])) }
            // Names are compared by their bytes (`JSONKey`): "é" and "e\u{301}" are two members.
            let key = JSONKey(try parseString())
            if canonical {
                // Names strictly in order cannot repeat: no look-up needed (distinct strings have
                // distinct UTF-16 code units, which the order compares). Out of order, a name seen
                // before is still a duplicate, outside the profile (`malformed-json`, not
                // `not-canonical`; docs/statements.md): looked up on that error path only.
                if let previous = previousKey, !(previous < key) {
                    if members[key] != nil { throw fail(.duplicateKey(key.string), at: keyStart) }
                    throw fail(.notCanonical("key \"\(key)\" must sort before \"\(previous)\""), at: keyStart)
                }
            } else if members[key] != nil {
                throw fail(.duplicateKey(key.string), at: keyStart)
            }
            previousKey = key
            try skipOrRefuseWhitespace()
            try expect(UInt8(ascii: ":"))
            members[key] = try parseValue(depth: depth)
            try skipOrRefuseWhitespace()
            guard pos < bytes.count else { throw fail(.unexpectedEnd) }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return .object(members)
        }
    }

    mutating func parseArray(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        guard depth <= CanonicalJSON.maxDepth else { throw fail(.tooDeep) }
        pos += 1
        var elements = [JSONValue]()
        try skipOrRefuseWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            try skipOrRefuseWhitespace()
            guard pos < bytes.count else { throw fail(.unexpectedEnd) }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return .array(elements)
        }
    }

    mutating func parseInteger() throws(CanonicalJSONError) -> Int64 {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        let digitsStart = pos
        var value: Int64 = 0
        while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") {
            value = value * 10 + Int64(bytes[pos] - UInt8(ascii: "0"))
            pos += 1
            if value > JSONValue.maxInteger { throw fail(.integerOutOfRange, at: start) }
        }
        guard pos > digitsStart else {
            guard pos < bytes.count else { throw fail(.unexpectedEnd) }
            throw fail(.unexpectedByte(bytes[pos]))
        }
        if pos < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[pos]) {
            throw fail(.floatNotAllowed, at: start)
        }
        if bytes[digitsStart] == UInt8(ascii: "0") && pos - digitsStart > 1 {
            throw fail(.unexpectedByte(bytes[digitsStart + 1]), at: digitsStart + 1)
        }
        if canonical && negative && value == 0 {
            throw fail(.notCanonical("-0 is written 0"), at: start)
        }
        return negative ? -value : value
    }

    mutating func parseString() throws(CanonicalJSONError) -> String {
        let start = pos
        pos += 1
        // Fast path: no escapes, validate the UTF-8 slice directly. Bytes all below 0x80 are
        // ASCII, valid UTF-8 as they are: decoded without `String(validating:as:)`, which is not
        // specialized here and looked its generic metadata up at run time for every string
        // (about 1% of a mirror's CPU, docs/benchmarks.md "Replication", session 8).
        var i = pos
        var high: UInt8 = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                if high < 0x80 {
                    let s = String(decoding: bytes[pos..<i], as: UTF8.self)
                    pos = i + 1
                    return s
                }
                guard let s = String(validating: bytes[pos..<i], as: UTF8.self) else {
                    throw fail(.invalidUTF8, at: start)
                }
                pos = i + 1
                return s
            }
            high |= b
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail(.controlCharacterInString, at: i) }
            i += 1
        }
        guard i < bytes.count else { throw fail(.unexpectedEnd, at: bytes.count) }
        // Slow path: unescape into a byte buffer, then validate.
        var out = [UInt8](bytes[pos..<i])
        pos = i
        while true {
            guard pos < bytes.count else { throw fail(.unexpectedEnd) }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                break
            }
            if b < 0x20 { throw fail(.controlCharacterInString) }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                pos += 1
                continue
            }
            let escapeStart = pos
            guard pos + 1 < bytes.count else { throw fail(.unexpectedEnd) }
            let e = bytes[pos + 1]
            pos += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"):
                if canonical { throw fail(.notCanonical("\\/ is written /"), at: escapeStart) }
                out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw fail(.loneSurrogate, at: escapeStart)
                    }
                    pos += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail(.loneSurrogate, at: escapeStart) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail(.loneSurrogate, at: escapeStart)
                }
                if canonical {
                    let short: Set<UInt32> = [0x08, 0x09, 0x0A, 0x0C, 0x0D]
                    let lowerHex = bytes[(pos - 4)..<pos].allSatisfy { !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F")) }
                    if scalar >= 0x20 || short.contains(scalar) || !lowerHex {
                        throw fail(.notCanonical("\\u escape where RFC 8785 writes the character or a short escape"), at: escapeStart)
                    }
                }
                // Surrogates were combined or refused above, so this cannot fail; no `!` on input all the same.
                guard let unicodeScalar = Unicode.Scalar(scalar) else { throw fail(.loneSurrogate, at: escapeStart) }
                out.append(contentsOf: Array(String(Character(unicodeScalar)).utf8))
            default:
                throw fail(.invalidEscape, at: escapeStart)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail(.invalidUTF8, at: start) }
        return s
    }

    mutating func hex4() throws(CanonicalJSONError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail(.unexpectedEnd) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidEscape)
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }
}
