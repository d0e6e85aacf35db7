/// Percent-encoding (RFC 3986 §2.1) as work identifiers use it (PROTOCOL §2): text beyond
/// ASCII is written as percent-encoded UTF-8 of its NFC form, so that every identifier has one
/// ASCII spelling, whichever way a person's keyboard composed "é".
enum PercentEncoding {
    /// The NFC form of `s` (Unicode Standard Annex #15): canonically equivalent spellings such
    /// as "é" (U+00E9) and "e\u{301}" (U+0065 U+0301) become one sequence of code points.
    /// ASCII text is its own NFC form and is returned as it is.
    ///
    /// This is the standard library's normalizer, the one `String ==` relies on, so the core
    /// needs no Foundation; Foundation's `precomposedStringWithCanonicalMapping` on Linux (Swift
    /// 6.3) also fails to compose a Hangul LV syllable with a trailing jamo (U+AC00 U+11A8).
    static func nfc(_ s: some StringProtocol) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return String(s) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(s.utf8.count)
        String(s)._withNFCCodeUnits { bytes.append($0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Unreserved characters (RFC 3986 §2.3), which never need an escape.
    static func isUnreserved(_ b: UInt8) -> Bool {
        ASCII.isLetter(b) || ASCII.isDigit(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
    }

    /// Normalizes one part of an identifier that is already in NFC:
    ///
    /// - an escape `%XX` of an unreserved character is decoded (RFC 3986 §6.2.2.2);
    /// - any other escape is kept, with upper-case hex digits (§6.2.2.1);
    /// - each byte of a non-ASCII character is written `%XX` (RFC 3987 §3.1);
    /// - an ASCII byte for which `mustEncode` is true is written `%XX`, others are kept.
    ///
    /// Returns nil when a `%` does not begin an escape of two hex digits: a `%` that stands
    /// for itself is written `%25`, else one text would have two readings.
    static func normalize(_ text: some StringProtocol, mustEncode: (UInt8) -> Bool) -> String? {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let high = ASCII.hexValue(bytes[i + 1]), let low = ASCII.hexValue(bytes[i + 2]) else {
                    return nil
                }
                let decoded = high << 4 | low
                if isUnreserved(decoded) {
                    out.append(decoded)
                } else {
                    appendEscape(decoded, to: &out)
                }
                i += 3
            } else {
                if b >= 0x80 || mustEncode(b) {
                    appendEscape(b, to: &out)
                } else {
                    out.append(b)
                }
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendEscape(_ b: UInt8, to out: inout [UInt8]) {
        out += [UInt8(ascii: "%"), ASCII.upperHexDigit(b >> 4), ASCII.upperHexDigit(b)]
    }
}
