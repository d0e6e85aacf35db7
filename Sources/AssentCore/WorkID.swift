// Work identifiers (protocol notes §2).
//
// A work identifier is written `scheme:value`. The scheme name is matched
// case-insensitively and written in lower case; the value is normalised and
// checked for its scheme. `description` is the canonical form, and parsing the
// canonical form again gives the same identifier.
//
// Checks per scheme (all are done; the first one that fails is reported):
//
// - iswc: separators (`-`, `.`, whitespace) removed; must start with `T`
//   (either case), then exactly 10 ASCII digits; check digit
//   (10 − ((1 + Σ i·dᵢ, i = 1…9) mod 10)) mod 10. Normal form `T0345246801`.
// - isrc: hyphens and whitespace removed, ASCII upper-cased, a leading `ISRC:`
//   or `ISRC` label dropped (`ISRC` without a colon only when 16 characters
//   remain, so that an Icelandic code such as `ISRC11234567` is left alone);
//   then 12 characters A-Z/0-9 shaped `CCXXXYYNNNNN` (2 letters, 3 letters or
//   digits, 2 digits, 5 digits). No check digit exists.
// - isbn: an optional `ISBN`, `ISBN:`, `ISBN-13:`, `ISBN-10 ` … label dropped,
//   hyphens and whitespace removed. 10 characters: ISBN-10 check digit
//   (mod 11, `X` = 10, allowed only last), then converted to ISBN-13 with
//   prefix 978. 13 digits: prefix must be 978 or 979, EAN-13 check digit
//   (weights 1, 3). Normal form: 13 digits.
// - isni: an optional `ISNI` / `ISNI:` label dropped, whitespace and hyphens
//   removed, `x` upper-cased; 15 digits and a check character (digit or `X`)
//   verified with ISO 7064 MOD 11-2. ORCID iDs pass, being ISNI-shaped.
// - doi: one `doi:`, `http(s)://doi.org/` or `http(s)://dx.doi.org/` prefix
//   dropped, ASCII lower-cased; must start `10.`, registrant is dot-separated
//   groups of digits, then `/` and a non-empty suffix without whitespace or
//   control characters. Percent-escapes are not decoded.
// - iscc: optional `ISCC:` label (either case), ASCII upper-cased; the rest
//   is unpadded RFC 4648 base32 (A-Z, 2-7) of a possible length. The decoded
//   header (ISO 24138 variable-length nibbles: MainType, SubType, Version,
//   Length) must name a known MainType (0 META … 7 FLAKE), a SubType defined
//   for it, version 0 (so ISCC-ID v1 is rejected), and a length field valid
//   for the MainType; the body must be exactly as long as the header says:
//   units (n+1)·32 bits; ISCC-CODE 128 bits (Data + Instance) plus 64 per
//   optional unit flagged in the length field (256 for WIDE); ISCC-ID
//   64 bits plus n counter bytes. Bit lengths outside iscc-core's table
//   (32, 64, 72, 80, 96, 128, 160, 192, 224, 256, 320) are rejected.
//   Finally the unused trailing bits of the base32 text must be zero (else
//   two spellings would denote one code). Normal form `ISCC:` + upper-case
//   base32. Hyphen-joined unit sequences are not composed into an ISCC-CODE;
//   they are rejected.
// - url: absolute `http`/`https` URL, no whitespace or control characters,
//   non-empty ASCII host, port 0…65535. Scheme and host ASCII lower-cased,
//   default port (80/443) and an empty port removed, empty path → `/`,
//   fragment removed; user info, path and query are kept verbatim.
// - local: `<society>/<catalogue id>` split at the first `/`; society is a
//   non-empty `[a-z0-9.-]+` (ASCII upper case is lower-cased), catalogue id is
//   non-empty and free of whitespace and control characters (kept verbatim).

/// A validated, normalised work identifier, e.g. `iswc:T0345246801`.
public struct WorkID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Scheme: String, Sendable, CaseIterable {
        case iswc, isrc, isbn, isni, doi, iscc, url, local
    }

    public let scheme: Scheme
    /// The normalised value (without the `scheme:` part).
    public let value: String

    /// Parses `scheme:value`. The text is split at its first colon.
    public init(parsing text: String) throws(WorkIDError) {
        guard let colon = text.firstIndex(of: ":") else { throw .missingScheme(text) }
        let name = Lex.trim(text[..<colon])
        guard !name.isEmpty else { throw .missingScheme(text) }
        guard let scheme = Scheme(rawValue: Lex.lowercased(name)) else {
            throw .unknownScheme(String(name))
        }
        try self.init(scheme: scheme, value: String(text[text.index(after: colon)...]))
    }

    /// Normalises and checks `raw` as a value of `scheme`.
    public init(scheme: Scheme, value raw: String) throws(WorkIDError) {
        self.scheme = scheme
        switch scheme {
        case .iswc: value = try Check.iswc(raw)
        case .isrc: value = try Check.isrc(raw)
        case .isbn: value = try Check.isbn(raw)
        case .isni: value = try Check.isni(raw)
        case .doi: value = try Check.doi(raw)
        case .iscc: value = try Check.iscc(raw)
        case .url: value = try Check.url(raw)
        case .local: value = try Check.local(raw)
        }
    }

    public var description: String { "\(scheme.rawValue):\(value)" }

    /// Orders by scheme name, then by value.
    public static func < (lhs: WorkID, rhs: WorkID) -> Bool {
        (lhs.scheme.rawValue, lhs.value) < (rhs.scheme.rawValue, rhs.value)
    }
}

/// Why a work identifier was rejected: one case per check.
public enum WorkIDError: Error, Equatable, Sendable, CustomStringConvertible {
    private typealias Lex = WorkID.Lex
    private typealias ISCCHeader = WorkID.ISCCHeader

    /// The text has no `scheme:` part.
    case missingScheme(String)
    /// The scheme name is not one of `WorkID.Scheme`.
    case unknownScheme(String)
    /// The value does not have the scheme's overall form.
    case badShape(scheme: WorkID.Scheme, value: String, expected: String)
    /// The value (separators and labels removed) has the wrong number of characters.
    case badLength(scheme: WorkID.Scheme, value: String, expected: String, found: Int)
    /// The value contains a character the scheme does not allow (there).
    case badCharacter(scheme: WorkID.Scheme, value: String, character: Character, expected: String)
    /// The check digit does not match the one computed from the other digits.
    case badCheckDigit(scheme: WorkID.Scheme, value: String, expected: Character, found: Character)
    /// The value does not start as the scheme requires (e.g. ISBN-13 not 978/979).
    case badPrefix(scheme: WorkID.Scheme, value: String, expected: String)
    /// ISCC header MainType is not in the ISO 24138 table.
    case unknownISCCMainType(value: String, mainType: Int)
    /// ISCC header version is not 0.
    case unsupportedISCCVersion(value: String, mainType: Int, version: Int)
    /// ISCC header SubType is not defined for the MainType.
    case unknownISCCSubType(value: String, mainType: Int, subType: Int)
    /// ISCC header length field has no meaning for the MainType.
    case badISCCLengthField(value: String, mainType: Int, lengthField: Int)
    /// ISCC body is not as long as the header says.
    case badISCCBodyLength(value: String, expectedBytes: Int, foundBytes: Int)

    public var description: String {
        switch self {
        case .missingScheme(let text):
            return "work identifier \(Lex.quoted(text)) has no scheme; expected scheme:value, e.g. iswc:T0345246801"
        case .unknownScheme(let name):
            let known = WorkID.Scheme.allCases.map(\.rawValue).joined(separator: ", ")
            return "work identifier scheme \(Lex.quoted(name)) is unknown; expected one of \(known)"
        case .badShape(let scheme, let value, let expected):
            return "\(scheme.rawValue) \(Lex.quoted(value)): shape check failed, expected \(expected)"
        case .badLength(let scheme, let value, let expected, let found):
            return "\(scheme.rawValue) \(Lex.quoted(value)): length check failed, has \(found), expected \(expected)"
        case .badCharacter(let scheme, let value, let character, let expected):
            return "\(scheme.rawValue) \(Lex.quoted(value)): character \(Lex.quoted(String(character))) is not allowed, expected \(expected)"
        case .badCheckDigit(let scheme, let value, let expected, let found):
            return "\(scheme.rawValue) \(Lex.quoted(value)): check digit is \(found), expected \(expected)"
        case .badPrefix(let scheme, let value, let expected):
            return "\(scheme.rawValue) \(Lex.quoted(value)): prefix check failed, expected \(expected)"
        case .unknownISCCMainType(let value, let mainType):
            let names = ISCCHeader.mainTypeNames.joined(separator: ", ")
            return "iscc \(Lex.quoted(value)): header MainType \(mainType) is unknown, expected 0-7 (\(names))"
        case .unsupportedISCCVersion(let value, let mainType, let version):
            return "iscc \(Lex.quoted(value)): header version is \(version) for MainType \(ISCCHeader.name(mainType)), expected 0"
        case .unknownISCCSubType(let value, let mainType, let subType):
            let counts = ISCCHeader.subTypeCounts
            let range = counts.indices.contains(mainType) ? ", expected 0-\(counts[mainType] - 1)" : ""
            return "iscc \(Lex.quoted(value)): header SubType \(subType) is not defined for MainType \(ISCCHeader.name(mainType))\(range)"
        case .badISCCLengthField(let value, let mainType, let lengthField):
            return "iscc \(Lex.quoted(value)): header length field \(lengthField) is not valid for MainType \(ISCCHeader.name(mainType))"
        case .badISCCBodyLength(let value, let expectedBytes, let foundBytes):
            return "iscc \(Lex.quoted(value)): body length is \(foundBytes) bytes, expected \(expectedBytes) as the header says"
        }
    }
}

// Helpers are nested in WorkID so that their names cannot clash with other files.
extension WorkID {
    // MARK: - Per-scheme checks

    fileprivate enum Check {
        static let digitExpected = "a digit 0-9"

        // MARK: ISWC

        static func iswc(_ raw: String) throws(WorkIDError) -> String {
            let chars = Array(raw.filter { !($0.isWhitespace || $0 == "-" || $0 == ".") })
            guard let first = chars.first else {
                throw .badShape(scheme: .iswc, value: raw, expected: "T followed by 10 digits, e.g. T-034.524.680-1")
            }
            guard first == "T" || first == "t" else {
                throw .badPrefix(scheme: .iswc, value: raw, expected: "T")
            }
            let digitChars = Array(chars.dropFirst())
            if let bad = digitChars.first(where: { Lex.digit($0) == nil }) {
                throw .badCharacter(scheme: .iswc, value: raw, character: bad, expected: digitExpected)
            }
            guard digitChars.count == 10 else {
                throw .badLength(scheme: .iswc, value: raw, expected: "10 digits after the T", found: digitChars.count)
            }
            let d = digitChars.map { Lex.digit($0)! }
            var sum = 1
            for i in 1...9 { sum += i * d[i - 1] }
            let check = (10 - sum % 10) % 10
            guard d[9] == check else {
                throw .badCheckDigit(scheme: .iswc, value: raw, expected: Lex.digitCharacter(check), found: digitChars[9])
            }
            return "T" + String(digitChars)
        }

        // MARK: ISRC

        static func isrc(_ raw: String) throws(WorkIDError) -> String {
            var s = Lex.uppercased(raw.filter { !($0.isWhitespace || $0 == "-") })
            if s.hasPrefix("ISRC:") {
                s.removeFirst(5)
            } else if s.count == 16 && s.hasPrefix("ISRC") {
                s.removeFirst(4)
            }
            let chars = Array(s)
            if let bad = chars.first(where: { !(Lex.isLetter($0) || Lex.digit($0) != nil) }) {
                throw .badCharacter(scheme: .isrc, value: raw, character: bad, expected: "a letter A-Z or a digit 0-9")
            }
            guard chars.count == 12 else {
                throw .badLength(scheme: .isrc, value: raw, expected: "12 characters", found: chars.count)
            }
            let shaped = chars[0..<2].allSatisfy(Lex.isLetter)
                && chars[5..<12].allSatisfy { Lex.digit($0) != nil }
            guard shaped else {
                throw .badShape(
                    scheme: .isrc, value: raw,
                    expected: "CCXXXYYNNNNN: 2 letters (country), 3 letters or digits (registrant), 2 digits (year), 5 digits (designation)"
                )
            }
            return s
        }

        // MARK: ISBN

        static func isbn(_ raw: String) throws(WorkIDError) -> String {
            var rest = Lex.trim(raw)
            if Lex.uppercased(rest.prefix(4)) == "ISBN" {
                rest = rest.dropFirst(4)
                for tag in ["-13", "-10", "13", "10"] where rest.hasPrefix(tag) {
                    let after = rest.dropFirst(tag.count)
                    if let next = after.first, next == ":" || next.isWhitespace {
                        rest = after
                        break
                    }
                }
                rest = Lex.trim(rest)
                if rest.first == ":" { rest = rest.dropFirst() }
            }
            let chars = Array(Lex.uppercased(rest.filter { !($0.isWhitespace || $0 == "-") }))
            if let bad = chars.first(where: { Lex.digit($0) == nil && $0 != "X" }) {
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
            if chars.count == 10 {
                var sum = 0
                for i in 0..<9 { sum += (10 - i) * Lex.digit(chars[i])! }
                let check = (11 - sum % 11) % 11
                let expected: Character = check == 10 ? "X" : Lex.digitCharacter(check)
                guard chars[9] == expected else {
                    throw .badCheckDigit(scheme: .isbn, value: raw, expected: expected, found: chars[9])
                }
                let body = "978" + String(chars[0..<9])
                return body + String(ean13CheckDigit(Array(body)))
            }
            let prefix = String(chars[0..<3])
            guard prefix == "978" || prefix == "979" else {
                throw .badPrefix(scheme: .isbn, value: raw, expected: "978 or 979")
            }
            let expected = ean13CheckDigit(Array(chars[0..<12]))
            guard chars[12] == expected else {
                throw .badCheckDigit(scheme: .isbn, value: raw, expected: expected, found: chars[12])
            }
            return String(chars)
        }

        /// EAN-13 check digit of 12 ASCII digits: weights 1, 3, 1, 3, …
        private static func ean13CheckDigit(_ twelve: [Character]) -> Character {
            var sum = 0
            for (i, c) in twelve.enumerated() { sum += Lex.digit(c)! * (i % 2 == 0 ? 1 : 3) }
            return Lex.digitCharacter((10 - sum % 10) % 10)
        }

        // MARK: ISNI

        static func isni(_ raw: String) throws(WorkIDError) -> String {
            var rest = Lex.trim(raw)
            if Lex.uppercased(rest.prefix(4)) == "ISNI" {
                rest = Lex.trim(rest.dropFirst(4))
                if rest.first == ":" { rest = rest.dropFirst() }
            }
            let chars = Array(Lex.uppercased(rest.filter { !($0.isWhitespace || $0 == "-") }))
            if let bad = chars.first(where: { Lex.digit($0) == nil && $0 != "X" }) {
                throw .badCharacter(scheme: .isni, value: raw, character: bad, expected: digitExpected)
            }
            guard chars.count == 16 else {
                throw .badLength(scheme: .isni, value: raw, expected: "16 characters", found: chars.count)
            }
            if let bad = chars.dropLast().first(where: { $0 == "X" }) {
                throw .badCharacter(
                    scheme: .isni, value: raw, character: bad,
                    expected: "a digit 0-9 (X is allowed only as the check character)"
                )
            }
            // ISO 7064 MOD 11-2.
            var p = 0
            for c in chars.dropLast() { p = (p + Lex.digit(c)!) * 2 % 11 }
            let check = (12 - p) % 11
            let expected: Character = check == 10 ? "X" : Lex.digitCharacter(check)
            guard chars[15] == expected else {
                throw .badCheckDigit(scheme: .isni, value: raw, expected: expected, found: chars[15])
            }
            return String(chars)
        }

        // MARK: DOI

        static func doi(_ raw: String) throws(WorkIDError) -> String {
            var rest = Lex.trim(raw)
            let lowered = Lex.lowercased(rest)
            for prefix in ["doi:", "https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"]
            where lowered.hasPrefix(prefix) {
                rest = Lex.trim(rest.dropFirst(prefix.count))
                break
            }
            let s = Lex.lowercased(rest)
            let form = "10.<registrant digits>/<suffix>, e.g. 10.1000/182"
            guard s.hasPrefix("10.") else {
                throw .badPrefix(scheme: .doi, value: raw, expected: "10.")
            }
            guard let slash = s.firstIndex(of: "/") else {
                throw .badShape(scheme: .doi, value: raw, expected: form)
            }
            let registrant = s[s.index(s.startIndex, offsetBy: 3)..<slash]
            let groups = registrant.split(separator: ".", omittingEmptySubsequences: false)
            guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy { Lex.digit($0) != nil } }) else {
                throw .badShape(scheme: .doi, value: raw, expected: form)
            }
            let suffix = s[s.index(after: slash)...]
            guard !suffix.isEmpty else {
                throw .badShape(scheme: .doi, value: raw, expected: form)
            }
            if let bad = suffix.first(where: Lex.isWhitespaceOrControl) {
                throw .badCharacter(scheme: .doi, value: raw, character: bad, expected: "no whitespace or control characters in the suffix")
            }
            return s
        }

        // MARK: ISCC

        static func iscc(_ raw: String) throws(WorkIDError) -> String {
            var rest = Lex.trim(raw)
            if Lex.uppercased(rest.prefix(5)) == "ISCC:" { rest = rest.dropFirst(5) }
            let code = Lex.uppercased(rest)
            let form = "ISCC: followed by unpadded base32 (A-Z, 2-7)"
            guard !code.isEmpty else { throw .badShape(scheme: .iscc, value: raw, expected: form) }
            if let bad = code.first(where: { base32Value($0) == nil }) {
                throw .badCharacter(scheme: .iscc, value: raw, character: bad, expected: "a base32 character A-Z or 2-7")
            }
            guard let (bytes, trailingBitsAreZero) = decodeBase32(code) else {
                throw .badShape(scheme: .iscc, value: raw, expected: "unpadded base32 of a possible length (not 1, 3 or 6 modulo 8)")
            }
            try ISCCHeader.check(bytes, raw: raw)
            // Non-zero unused bits would give a second spelling of the same code.
            guard trailingBitsAreZero else {
                throw .badShape(scheme: .iscc, value: raw, expected: "canonical base32 (unused trailing bits zero)")
            }
            return "ISCC:" + code
        }

        /// Decodes unpadded RFC 4648 base32; nil for an impossible length.
        private static func decodeBase32(_ code: String) -> (bytes: [UInt8], trailingBitsAreZero: Bool)? {
            var bytes: [UInt8] = []
            var buffer = 0
            var bits = 0
            for c in code {
                buffer = (buffer << 5) | base32Value(c)!
                bits += 5
                if bits >= 8 {
                    bits -= 8
                    bytes.append(UInt8((buffer >> bits) & 0xFF))
                    buffer &= (1 << bits) - 1
                }
            }
            guard bits < 5 else { return nil }
            return (bytes, buffer == 0)
        }

        private static func base32Value(_ c: Character) -> Int? {
            guard let a = c.asciiValue else { return nil }
            switch a {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(a - UInt8(ascii: "A"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): return Int(a - UInt8(ascii: "2")) + 26
            default: return nil
            }
        }

        // MARK: URL

        static func url(_ raw: String) throws(WorkIDError) -> String {
            let s = Lex.trim(raw)
            let form = "an absolute http or https URL, e.g. https://example.com/a"
            if let bad = s.first(where: Lex.isWhitespaceOrControl) {
                throw .badCharacter(scheme: .url, value: raw, character: bad, expected: "no whitespace or control characters")
            }
            guard let colon = s.firstIndex(of: ":") else {
                throw .badShape(scheme: .url, value: raw, expected: form)
            }
            let urlScheme = Lex.lowercased(s[..<colon])
            guard urlScheme == "http" || urlScheme == "https" else {
                throw .badPrefix(scheme: .url, value: raw, expected: "http:// or https://")
            }
            let afterColon = s[s.index(after: colon)...]
            guard afterColon.hasPrefix("//") else {
                throw .badShape(scheme: .url, value: raw, expected: form)
            }
            var rest = afterColon.dropFirst(2)
            if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            var pathAndQuery = String(rest[authorityEnd...])
            if pathAndQuery.first != "/" { pathAndQuery = "/" + pathAndQuery }

            var userInfo = ""
            var hostPort = authority
            if let at = authority.lastIndex(of: "@") {
                userInfo = String(authority[...at])
                hostPort = authority[authority.index(after: at)...]
            }
            var host: Substring
            var port: Substring?
            if hostPort.first == "[" {
                guard let close = hostPort.firstIndex(of: "]") else {
                    throw .badShape(scheme: .url, value: raw, expected: form)
                }
                host = hostPort[...close]
                let after = hostPort[hostPort.index(after: close)...]
                if !after.isEmpty {
                    guard after.first == ":" else { throw .badShape(scheme: .url, value: raw, expected: form) }
                    port = after.dropFirst()
                }
                let inside = host.dropFirst().dropLast()
                if let bad = inside.first(where: { !(Lex.isLetter($0) || Lex.digit($0) != nil || ":.%-_~".contains($0)) }) {
                    throw .badCharacter(scheme: .url, value: raw, character: bad, expected: "an IP literal inside [ ]")
                }
            } else if let c = hostPort.firstIndex(of: ":") {
                host = hostPort[..<c]
                port = hostPort[hostPort.index(after: c)...]
            } else {
                host = hostPort
            }
            guard host.count > (host.first == "[" ? 2 : 0) else {
                throw .badShape(scheme: .url, value: raw, expected: "\(form) (the host is empty)")
            }
            if host.first != "[",
               let bad = host.first(where: { !(Lex.isLetter($0) || Lex.digit($0) != nil || "-._~%!$&'()*+,;=".contains($0)) }) {
                throw .badCharacter(scheme: .url, value: raw, character: bad, expected: "an ASCII host name (use punycode for other scripts)")
            }
            var portText = ""
            if let port, !port.isEmpty {
                guard port.count <= 5, port.allSatisfy({ Lex.digit($0) != nil }), let number = Int(port), number <= 65535 else {
                    throw .badShape(scheme: .url, value: raw, expected: "\(form) (the port must be a number 0-65535)")
                }
                let isDefault = (urlScheme == "http" && number == 80) || (urlScheme == "https" && number == 443)
                if !isDefault { portText = ":\(number)" }
            }
            return urlScheme + "://" + userInfo + Lex.lowercased(host) + portText + pathAndQuery
        }

        // MARK: local

        static func local(_ raw: String) throws(WorkIDError) -> String {
            let s = Lex.trim(raw)
            let form = "<society>/<catalogue id>, e.g. gema.de/123-456"
            guard let slash = s.firstIndex(of: "/") else {
                throw .badShape(scheme: .local, value: raw, expected: form)
            }
            let society = Lex.lowercased(s[..<slash])
            let catalogueID = s[s.index(after: slash)...]
            guard !society.isEmpty, !catalogueID.isEmpty else {
                throw .badShape(scheme: .local, value: raw, expected: form)
            }
            if let bad = society.first(where: { !((Lex.isLetter($0)) || Lex.digit($0) != nil || $0 == "." || $0 == "-") }) {
                throw .badCharacter(scheme: .local, value: raw, character: bad, expected: "a society name of a-z, 0-9, '.' and '-'")
            }
            if let bad = catalogueID.first(where: Lex.isWhitespaceOrControl) {
                throw .badCharacter(scheme: .local, value: raw, character: bad, expected: "no whitespace or control characters in the catalogue id")
            }
            return society + "/" + catalogueID
        }
    }

    // MARK: - ISCC header (ISO 24138, as implemented by iscc-core)

    fileprivate enum ISCCHeader {
        static let mainTypeNames = ["META", "SEMANTIC", "CONTENT", "DATA", "INSTANCE", "ISCC", "ID", "FLAKE"]
        /// Number of SubTypes defined per MainType (version 0).
        static let subTypeCounts = [1, 5, 5, 1, 1, 8, 4, 1]
        /// Body bit lengths that iscc-core's `LN` table allows.
        static let validBodyBits: Set<Int> = [32, 64, 72, 80, 96, 128, 160, 192, 224, 256, 320]

        static let iscc = 5, id = 6, wide = 7

        static func name(_ mainType: Int) -> String {
            mainTypeNames.indices.contains(mainType) ? mainTypeNames[mainType] : String(mainType)
        }

        static func check(_ bytes: [UInt8], raw: String) throws(WorkIDError) {
            var reader = BitReader(bytes: bytes)
            var fields: [Int] = []
            for _ in 0..<4 {
                guard let v = reader.readVarnibble() else {
                    throw .badShape(scheme: .iscc, value: raw, expected: "a complete ISCC header (MainType, SubType, Version, Length)")
                }
                fields.append(v)
            }
            if reader.position % 8 == 4 {
                guard reader.read(4) == 0 else {
                    throw .badShape(scheme: .iscc, value: raw, expected: "an ISCC header padded with zero bits")
                }
            }
            let (mainType, subType, version, length) = (fields[0], fields[1], fields[2], fields[3])
            guard mainType < mainTypeNames.count else {
                throw .unknownISCCMainType(value: raw, mainType: mainType)
            }
            guard version == 0 else {
                throw .unsupportedISCCVersion(value: raw, mainType: mainType, version: version)
            }
            guard subType < subTypeCounts[mainType] else {
                throw .unknownISCCSubType(value: raw, mainType: mainType, subType: subType)
            }
            let bodyBits: Int
            switch mainType {
            case iscc where subType == wide:
                bodyBits = 256  // 128-bit Data-Code + 128-bit Instance-Code
            case iscc:
                // Length field flags the optional 64-bit units (META, SEMANTIC, CONTENT);
                // DATA and INSTANCE are always present.
                guard length < 8 else {
                    throw .badISCCLengthField(value: raw, mainType: mainType, lengthField: length)
                }
                bodyBits = 128 + 64 * length.nonzeroBitCount
            case id:
                bodyBits = 64 + 8 * length  // 64-bit body plus counter bytes
            default:
                bodyBits = (length + 1) * 32
            }
            guard validBodyBits.contains(bodyBits) else {
                throw .badISCCLengthField(value: raw, mainType: mainType, lengthField: length)
            }
            let bodyBytes = bytes.count - reader.position / 8
            guard bodyBytes == bodyBits / 8 else {
                throw .badISCCBodyLength(value: raw, expectedBytes: bodyBits / 8, foundBytes: bodyBytes)
            }
        }
    }

    fileprivate struct BitReader {
        let bytes: [UInt8]
        var position = 0

        mutating func read(_ count: Int) -> Int? {
            guard position + count <= bytes.count * 8 else { return nil }
            var v = 0
            for _ in 0..<count {
                let bit = (bytes[position / 8] >> (7 - UInt8(position % 8))) & 1
                v = (v << 1) | Int(bit)
                position += 1
            }
            return v
        }

        /// ISO 24138 variable-length nibble: 0xxx, 10xxxxxx, 110xxxxxxxxx, 1110xxxxxxxxxxxx.
        mutating func readVarnibble() -> Int? {
            guard let n = read(4) else { return nil }
            if n & 0b1000 == 0 { return n }
            if n & 0b0100 == 0 { return read(4).map { ((n & 0b11) << 4 | $0) + 8 } }
            if n & 0b0010 == 0 { return read(8).map { ((n & 0b1) << 8 | $0) + 72 } }
            if n & 0b0001 == 0 { return read(12).map { $0 + 584 } }
            return nil
        }
    }

    // MARK: - Character helpers
    //
    // ASCII only, so that e.g. "ß" never becomes "SS" and "٣" is no digit. Kept in
    // namespaces rather than extensions so they cannot clash with other files.

    fileprivate enum Lex {
        static func digit(_ c: Character) -> Int? {
            guard c.unicodeScalars.count == 1, let a = c.asciiValue,
                  a >= UInt8(ascii: "0"), a <= UInt8(ascii: "9") else { return nil }
            return Int(a - UInt8(ascii: "0"))
        }

        static func isLetter(_ c: Character) -> Bool {
            guard c.unicodeScalars.count == 1, let a = c.asciiValue else { return false }
            return (a >= UInt8(ascii: "a") && a <= UInt8(ascii: "z")) || (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z"))
        }

        static func isWhitespaceOrControl(_ c: Character) -> Bool {
            c.isWhitespace || c.unicodeScalars.contains { $0.properties.generalCategory == .control }
        }

        static func trim<S: StringProtocol>(_ s: S) -> S.SubSequence {
            guard let start = s.firstIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
            let end = s.lastIndex(where: { !$0.isWhitespace })!
            return s[start...end]
        }

        static func digitCharacter(_ d: Int) -> Character {
            Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(d)))
        }

        static func uppercased(_ s: some StringProtocol) -> String {
            String(String.UnicodeScalarView(s.unicodeScalars.map { u in
                ("a"..."z").contains(u) ? Unicode.Scalar(u.value - 32)! : u
            }))
        }

        static func lowercased(_ s: some StringProtocol) -> String {
            String(String.UnicodeScalarView(s.unicodeScalars.map { u in
                ("A"..."Z").contains(u) ? Unicode.Scalar(u.value + 32)! : u
            }))
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
}
