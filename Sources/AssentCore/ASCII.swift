/// ASCII character classes and case mapping, shared by every identifier check (PROTOCOL §2:
/// after normalization an identifier is ASCII).
///
/// Swift's own `Character` properties are Unicode-wide: `"٣".isNumber`, `"ß".uppercased()` is
/// `"SS"`, and `"\r\n".asciiValue` is 10. A check meant for ASCII that used them would let
/// other text through or map it in ways a client in another language would not reproduce,
/// so identifiers are checked only with these.
enum ASCII {
    // MARK: Bytes

    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    static func isLower(_ b: UInt8) -> Bool { b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
    static func isUpper(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
    static func isLetter(_ b: UInt8) -> Bool { isLower(b) || isUpper(b) }

    /// The value of a hex digit in either case, nil for any other byte.
    static func hexValue(_ b: UInt8) -> UInt8? {
        if isDigit(b) { return b - UInt8(ascii: "0") }
        if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f") { return b - UInt8(ascii: "a") + 10 }
        if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F") { return b - UInt8(ascii: "A") + 10 }
        return nil
    }

    /// The upper-case hex digit for `v` (0…15), as RFC 3986 §2.1 prefers in percent-escapes.
    static func upperHexDigit(_ v: UInt8) -> UInt8 {
        Array("0123456789ABCDEF".utf8)[Int(v & 0x0F)]
    }

    static func lowercased(_ b: UInt8) -> UInt8 { isUpper(b) ? b + 32 : b }
    static func uppercased(_ b: UInt8) -> UInt8 { isLower(b) ? b - 32 : b }

    // MARK: Characters

    /// The value of an ASCII digit, nil for anything else (including other scripts' digits).
    static func digit(_ c: Character) -> Int? {
        guard c.unicodeScalars.count == 1, let a = c.asciiValue, isDigit(a) else { return nil }
        return Int(a - UInt8(ascii: "0"))
    }

    static func isLetter(_ c: Character) -> Bool {
        guard c.unicodeScalars.count == 1, let a = c.asciiValue else { return false }
        return isLetter(a)
    }

    static func digitCharacter(_ d: Int) -> Character {
        Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(d % 10)))
    }

    static func isWhitespaceOrControl(_ c: Character) -> Bool {
        c.isWhitespace || c.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    // MARK: Strings

    /// `s` with ASCII `a`-`z` upper-cased and everything else (including `ß`) left alone.
    static func uppercased(_ s: some StringProtocol) -> String {
        String(decoding: s.utf8.map(uppercased), as: UTF8.self)
    }

    /// `s` with ASCII `A`-`Z` lower-cased and everything else left alone.
    static func lowercased(_ s: some StringProtocol) -> String {
        String(decoding: s.utf8.map(lowercased), as: UTF8.self)
    }

    /// `s` split at the first occurrence of the ASCII character `separator`, found by its byte
    /// (Swift's Character view would not see a `/` that a combining mark follows); nil when
    /// there is none.
    static func split(_ s: some StringProtocol, at separator: Unicode.Scalar) -> (before: String, after: String)? {
        let bytes = Array(s.utf8)
        guard separator.isASCII, let i = bytes.firstIndex(of: UInt8(separator.value)) else { return nil }
        return (String(decoding: bytes[..<i], as: UTF8.self), String(decoding: bytes[(i + 1)...], as: UTF8.self))
    }

    /// `s` without leading and trailing white space.
    static func trim<S: StringProtocol>(_ s: S) -> S.SubSequence {
        guard let start = s.firstIndex(where: { !$0.isWhitespace }),
              let end = s.lastIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        return s[start...end]
    }

    /// Quotes text for an error message, escaping quotes and control characters.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.properties.generalCategory == .control {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
