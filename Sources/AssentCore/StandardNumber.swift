/// The ISO standard numbers among work identifiers (PROTOCOL §2): ISWC (ISO 15707), ISRC
/// (ISO 3901), ISBN (ISO 2108) and ISNI (ISO 27729). Each is written by people with
/// separators, labels and either case; each has one normal form of digits and upper-case
/// letters, and all but the ISRC carry a check character, verified here.
///
/// Each function takes the value as typed (after `scheme:`) and returns its normal form.
enum StandardNumber {
    static let digitExpected = "a digit 0-9"

    // MARK: ISWC

    /// Separators (`-`, `.`, white space) removed; `T` (either case) and exactly 10 digits;
    /// check digit (10 − ((1 + Σ i·dᵢ, i = 1…9) mod 10)) mod 10. Normal form `T0345246801`.
    static func iswc(_ raw: String) throws(WorkIDError) -> String {
        let chars = Array(raw.filter { !($0.isWhitespace || $0 == "-" || $0 == ".") })
        guard let first = chars.first else {
            throw .badShape(scheme: .iswc, value: raw, expected: "T followed by 10 digits, e.g. T-034.524.680-1")
        }
        guard first == "T" || first == "t" else {
            throw .badPrefix(scheme: .iswc, value: raw, expected: "T")
        }
        let digitChars = Array(chars.dropFirst())
        var d = [Int]()
        for c in digitChars {
            guard let v = ASCII.digit(c) else {
                throw .badCharacter(scheme: .iswc, value: raw, character: c, expected: digitExpected)
            }
            d.append(v)
        }
        guard d.count == 10 else {
            throw .badLength(scheme: .iswc, value: raw, expected: "10 digits after the T", found: d.count)
        }
        var sum = 1
        for i in 1...9 { sum += i * d[i - 1] }
        let check = (10 - sum % 10) % 10
        guard d[9] == check else {
            throw .badCheckDigit(scheme: .iswc, value: raw, expected: ASCII.digitCharacter(check), found: digitChars[9])
        }
        return "T" + String(digitChars)
    }

    // MARK: ISRC

    /// Hyphens and white space removed, ASCII upper-cased, a leading `ISRC:` or `ISRC` label
    /// dropped (`ISRC` without a colon only when 16 characters remain, so that an Icelandic
    /// code such as `ISRC11234567` is left alone); then 12 characters shaped `CCXXXYYNNNNN`
    /// (2 letters, 3 letters or digits, 2 digits, 5 digits). The ISRC has no check digit.
    static func isrc(_ raw: String) throws(WorkIDError) -> String {
        var s = ASCII.uppercased(raw.filter { !($0.isWhitespace || $0 == "-") })
        if s.hasPrefix("ISRC:") {
            s.removeFirst(5)
        } else if s.count == 16 && s.hasPrefix("ISRC") {
            s.removeFirst(4)
        }
        let chars = Array(s)
        if let bad = chars.first(where: { !(ASCII.isLetter($0) || ASCII.digit($0) != nil) }) {
            throw .badCharacter(scheme: .isrc, value: raw, character: bad, expected: "a letter A-Z or a digit 0-9")
        }
        guard chars.count == 12 else {
            throw .badLength(scheme: .isrc, value: raw, expected: "12 characters", found: chars.count)
        }
        let shaped = chars[0..<2].allSatisfy(ASCII.isLetter)
            && chars[5..<12].allSatisfy { ASCII.digit($0) != nil }
        guard shaped else {
            throw .badShape(
                scheme: .isrc, value: raw,
                expected: "CCXXXYYNNNNN: 2 letters (country), 3 letters or digits (registrant), 2 digits (year), 5 digits (designation)"
            )
        }
        return s
    }

    // MARK: ISBN

    /// An optional `ISBN`, `ISBN:`, `ISBN-13:`, `ISBN-10 ` … label dropped, hyphens and white
    /// space removed. 10 characters: ISBN-10 check digit (mod 11, `X` = 10, only last), then
    /// converted to ISBN-13 with prefix 978. 13 digits: prefix 978 or 979, EAN-13 check digit
    /// (weights 1, 3). Normal form: 13 digits.
    static func isbn(_ raw: String) throws(WorkIDError) -> String {
        var rest = ASCII.trim(raw)
        if ASCII.uppercased(rest.prefix(4)) == "ISBN" {
            rest = rest.dropFirst(4)
            for tag in ["-13", "-10", "13", "10"] where rest.hasPrefix(tag) {
                let after = rest.dropFirst(tag.count)
                if let next = after.first, next == ":" || next.isWhitespace {
                    rest = after
                    break
                }
            }
            rest = ASCII.trim(rest)
            if rest.first == ":" { rest = rest.dropFirst() }
        }
        let chars = Array(ASCII.uppercased(rest.filter { !($0.isWhitespace || $0 == "-") }))
        if let bad = chars.first(where: { ASCII.digit($0) == nil && $0 != "X" }) {
            throw .badCharacter(scheme: .isbn, value: raw, character: bad, expected: digitExpected)
        }
        guard chars.count == 10 || chars.count == 13 else {
            throw .badLength(scheme: .isbn, value: raw, expected: "10 or 13 characters", found: chars.count)
        }
        let xAllowedAt = chars.count == 10 ? 9 : -1
        for (i, c) in chars.enumerated() where c == "X" && i != xAllowedAt {
            throw .badCharacter(
                scheme: .isbn, value: raw, character: c,
                expected: "a digit 0-9 (X is allowed only as the last character of an ISBN-10)"
            )
        }
        // Every character is now a digit, or X where an ISBN-10 allows it (value 10).
        let values = chars.map { ASCII.digit($0) ?? 10 }
        if chars.count == 10 {
            var sum = 0
            for i in 0..<9 { sum += (10 - i) * values[i] }
            let check = (11 - sum % 11) % 11
            let expected: Character = check == 10 ? "X" : ASCII.digitCharacter(check)
            guard chars[9] == expected else {
                throw .badCheckDigit(scheme: .isbn, value: raw, expected: expected, found: chars[9])
            }
            let body = [9, 7, 8] + values[0..<9]
            return String(body.map(ASCII.digitCharacter)) + String(ean13CheckDigit(body))
        }
        let prefix = String(chars[0..<3])
        guard prefix == "978" || prefix == "979" else {
            throw .badPrefix(scheme: .isbn, value: raw, expected: "978 or 979")
        }
        let expected = ean13CheckDigit(Array(values[0..<12]))
        guard chars[12] == expected else {
            throw .badCheckDigit(scheme: .isbn, value: raw, expected: expected, found: chars[12])
        }
        return String(chars)
    }

    /// EAN-13 check digit of 12 digits: weights 1, 3, 1, 3, …
    private static func ean13CheckDigit(_ twelve: [Int]) -> Character {
        var sum = 0
        for (i, d) in twelve.enumerated() { sum += d * (i % 2 == 0 ? 1 : 3) }
        return ASCII.digitCharacter((10 - sum % 10) % 10)
    }

    // MARK: ISNI

    /// An optional `ISNI` / `ISNI:` label dropped, white space and hyphens removed, `x`
    /// upper-cased; 15 digits and a check character (digit or `X`) verified with ISO 7064
    /// MOD 11-2. ORCID iDs pass, being ISNI-shaped. Normal form: 16 characters.
    static func isni(_ raw: String) throws(WorkIDError) -> String {
        var rest = ASCII.trim(raw)
        if ASCII.uppercased(rest.prefix(4)) == "ISNI" {
            rest = ASCII.trim(rest.dropFirst(4))
            if rest.first == ":" { rest = rest.dropFirst() }
        }
        let chars = Array(ASCII.uppercased(rest.filter { !($0.isWhitespace || $0 == "-") }))
        if let bad = chars.first(where: { ASCII.digit($0) == nil && $0 != "X" }) {
            throw .badCharacter(scheme: .isni, value: raw, character: bad, expected: digitExpected)
        }
        guard chars.count == 16 else {
            throw .badLength(scheme: .isni, value: raw, expected: "16 characters", found: chars.count)
        }
        var p = 0
        for c in chars.dropLast() {
            guard let d = ASCII.digit(c) else {
                throw .badCharacter(
                    scheme: .isni, value: raw, character: c,
                    expected: "a digit 0-9 (X is allowed only as the check character)"
                )
            }
            p = (p + d) * 2 % 11
        }
        let check = (12 - p) % 11
        let expected: Character = check == 10 ? "X" : ASCII.digitCharacter(check)
        guard chars[15] == expected else {
            throw .badCheckDigit(scheme: .isni, value: raw, expected: expected, found: chars[15])
        }
        return String(chars)
    }
}
