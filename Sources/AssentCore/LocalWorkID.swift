/// The `local` work identifier scheme (PROTOCOL §2): a society's own catalogue number,
/// `<society>/<catalogue id>`, split at the first `/`.
///
/// The society is a non-empty name of lower-case `a-z`, `0-9`, `.` and `-` (typed ASCII
/// upper case is lower-cased), such as `gema.de`. The catalogue id is non-empty, free of
/// white space and control characters, and otherwise kept as the society writes it (case
/// included), except that beyond ASCII it is put in NFC and percent-encoded as UTF-8, escapes
/// of unreserved characters are decoded and other escapes get upper-case hex (RFC 3986
/// §2.1, §6.2.2), and a `%` standing for itself is written `%25`.
enum LocalWorkID {
    static func normalize(_ raw: String) throws(WorkIDError) -> String {
        if let normal = printableASCII(raw) { return normal }
        return try normalizeAnyText(raw)
    }

    /// The general path: any text, walked as Unicode characters.
    static func normalizeAnyText(_ raw: String) throws(WorkIDError) -> String {
        let form = "<society>/<catalogue id>, e.g. gema.de/123-456"
        // Split on the byte: a "/" followed by a combining mark is one Character to Swift.
        guard let (society, catalogueID) = ASCII.split(ASCII.trim(raw), at: "/") else {
            throw .badShape(scheme: .local, value: raw, expected: form)
        }
        guard !society.isEmpty, !catalogueID.isEmpty else {
            throw .badShape(scheme: .local, value: raw, expected: form)
        }
        if let bad = society.first(where: { !($0.asciiValue.map(isSocietyByte) ?? false) }) {
            throw .badCharacter(scheme: .local, value: raw, character: bad, expected: "a society name of a-z, 0-9, '.' and '-'")
        }
        if let bad = catalogueID.first(where: ASCII.isWhitespaceOrControl) {
            throw .badCharacter(scheme: .local, value: raw, character: bad, expected: "no white space or control characters in the catalogue id")
        }
        guard let encoded = PercentEncoding.normalize(PercentEncoding.nfc(catalogueID), mustEncode: { _ in false }) else {
            throw .badPercentEscape(scheme: .local, value: raw)
        }
        return ASCII.lowercased(society) + "/" + encoded
    }

    /// A byte a society name may hold: a-z, A-Z, 0-9, '.' and '-' (one rule for both paths).
    private static func isSocietyByte(_ b: UInt8) -> Bool {
        ASCII.isLetter(b) || ASCII.isDigit(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
    }

    /// The normal form of the common case, read on bytes: printable ASCII without `%`, a
    /// society of a-z, A-Z, 0-9, '.' and '-' before the first `/` and something after it. The
    /// general path gives the same result for such text (nothing to trim, no white space or
    /// control, NFC and percent-normalization leave ASCII without `%` as it is) but walks it
    /// as Unicode characters, a few percent of a statement's parse. Nil for anything else,
    /// which the general path then normalizes or refuses with its reason.
    private static func printableASCII(_ raw: String) -> String? {
        let bytes = Array(raw.utf8)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash > 0, slash < bytes.count - 1,
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") }),
              bytes[..<slash].allSatisfy(isSocietyByte)
        else { return nil }
        var normal = bytes
        for i in 0..<slash { normal[i] = ASCII.lowercased(bytes[i]) }
        return String(decoding: normal, as: UTF8.self)
    }
}
