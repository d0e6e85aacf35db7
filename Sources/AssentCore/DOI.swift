/// The `doi` work identifier scheme (PROTOCOL §2): a Digital Object Identifier (ISO 26324).
///
/// One `doi:`, `http(s)://doi.org/` or `http(s)://dx.doi.org/` prefix is dropped (either
/// case). The DOI must start `10.`, its registrant is dot-separated groups of digits, then `/`
/// and a non-empty suffix without white space or control characters. DOIs are
/// case-insensitive in ASCII (DOI Handbook §2.4), so ASCII letters are written in lower case.
/// The suffix is written as in a URI (the DOI Handbook's own URI encoding, §2.5.2.4): a
/// non-ASCII suffix is put in NFC and percent-encoded as UTF-8, escapes of unreserved
/// characters are decoded, other escapes keep upper-case hex (RFC 3986 §6.2.2.1; lower-casing
/// touches only letters outside escapes), and a `%` standing for itself is written `%25`.
/// Other printable ASCII is kept as it is (SICI-based DOIs contain `<>;:()`).
enum DOI {
    static func normalize(_ raw: String) throws(WorkIDError) -> String {
        var rest = ASCII.trim(raw)
        let lowered = ASCII.lowercased(rest)
        for prefix in ["doi:", "https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"]
        where lowered.hasPrefix(prefix) {
            rest = ASCII.trim(rest.dropFirst(prefix.count))
            break
        }
        if let bad = rest.first(where: ASCII.isWhitespaceOrControl) {
            throw .badCharacter(scheme: .doi, value: raw, character: bad, expected: "no white space or control characters")
        }
        let s = Array(PercentEncoding.nfc(rest).utf8)
        let form = "10.<registrant digits>/<suffix>, e.g. 10.1000/182"
        guard s.starts(with: "10.".utf8) else {
            throw .badPrefix(scheme: .doi, value: raw, expected: "10.")
        }
        guard let slash = s.firstIndex(of: UInt8(ascii: "/")) else {
            throw .badShape(scheme: .doi, value: raw, expected: form)
        }
        let registrant = s[3..<slash]
        let groups = registrant.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(ASCII.isDigit) }) else {
            throw .badShape(scheme: .doi, value: raw, expected: form)
        }
        let suffix = s[(slash + 1)...]
        guard !suffix.isEmpty else {
            throw .badShape(scheme: .doi, value: raw, expected: form)
        }
        guard let encoded = PercentEncoding.normalize(String(decoding: suffix, as: UTF8.self), mustEncode: { _ in false }) else {
            throw .badPercentEscape(scheme: .doi, value: raw)
        }
        return String(decoding: s[...slash], as: UTF8.self) + lowercasedOutsideEscapes(encoded)
    }

    /// ASCII letters in lower case, except the hex digits of `%XX` escapes, which stay upper
    /// case (RFC 3986 §6.2.2.1). `text` is already normalized: every `%` begins an escape.
    private static func lowercasedOutsideEscapes(_ text: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        var escapeDigitsLeft = 0
        for b in text.utf8 {
            if escapeDigitsLeft > 0 {
                out.append(b)
                escapeDigitsLeft -= 1
            } else {
                out.append(ASCII.lowercased(b))
                if b == UInt8(ascii: "%") { escapeDigitsLeft = 2 }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
