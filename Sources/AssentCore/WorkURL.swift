/// The `url` work identifier scheme (PROTOCOL §2): an absolute `http` or `https` URL in the
/// normal form of RFC 3986 §6.2.2 (syntax-based) and §6.2.3 (scheme-based, RFC 9110 §4.2.3
/// for http) normalization, written in ASCII.
///
/// Steps, in order, on the value after surrounding white space is trimmed:
///
/// 1. White space and control characters anywhere are refused (a space is written `%20`: a
///    URL with a literal space is usually two pieces of text), and so is `\`, which browsers
///    read as `/` in http(s) URLs (WHATWG URL) and RFC 3986 does not allow.
/// 2. The text is put in NFC (RFC 3987 §3.1: an IRI becomes a URI by NFC, then
///    percent-encoding its non-ASCII characters as UTF-8).
/// 3. Split as RFC 3986 Appendix B: scheme `:` `//` authority, path, `?` query, `#` fragment.
/// 4. Scheme: `http` or `https`, written in lower case.
/// 5. Authority: no user information (`@` is refused: work identifiers carry no credentials).
///    The host is an ASCII name of letters, digits and `-._~!$&'()*+,;=`, written in lower
///    case, or an IPv6 literal `[…]` of hex digits, `:` and `.`, in lower case. A non-ASCII
///    host is refused: its IDNA A-label (punycode) form must be given, since the mapping
///    (UTS #46) is not reproduced here. `%` in a host is refused for the same reason. The
///    port is decimal, 0…65535, written without leading zeros, and left out when it is the
///    scheme's default (80 for http, 443 for https) or empty.
/// 6. Path, query and fragment: escapes of unreserved characters decoded, other escapes in
///    upper-case hex, non-ASCII and the ASCII characters RFC 3986 does not allow there
///    (`"` `<` `>` `[` `]` `^` `` ` `` `{` `|` `}`, and `#` in the fragment) percent-encoded;
///    a `%` that does not begin an escape is refused.
/// 7. Dot segments are removed from the path (RFC 3986 §5.2.4); an empty path becomes `/`.
/// 8. An empty query (`?` with nothing after it) or empty fragment (`#`) is dropped; others
///    are kept.
enum WorkURL {
    static let form = "an absolute http or https URL, e.g. https://example.com/a"

    static func normalize(_ raw: String) throws(WorkIDError) -> String {
        let trimmed = ASCII.trim(raw)
        if let bad = trimmed.first(where: ASCII.isWhitespaceOrControl) {
            throw .badCharacter(scheme: .url, value: raw, character: bad,
                                expected: "no white space or control characters (a space in a path is written %20)")
        }
        // Bytes, not Characters: a `\` that a combining mark follows is one Character with it.
        if trimmed.utf8.contains(UInt8(ascii: "\\")) {
            throw .badCharacter(scheme: .url, value: raw, character: "\\",
                                expected: "/ or %5C (browsers read \\ as / in http and https URLs)")
        }
        let s = Array(PercentEncoding.nfc(trimmed).utf8)

        // Scheme.
        guard let colon = s.firstIndex(of: UInt8(ascii: ":")) else {
            throw .badShape(scheme: .url, value: raw, expected: form)
        }
        let scheme = String(decoding: s[..<colon].map(ASCII.lowercased), as: UTF8.self)
        guard scheme == "http" || scheme == "https" else {
            throw .badPrefix(scheme: .url, value: raw, expected: "http:// or https://")
        }
        let afterColon = s[(colon + 1)...]
        guard afterColon.starts(with: "//".utf8) else {
            throw .badShape(scheme: .url, value: raw, expected: form)
        }

        // Authority, path, query, fragment (RFC 3986 Appendix B).
        let rest = afterColon.dropFirst(2)
        let authorityEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") })
            ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        var fragment: ArraySlice<UInt8>?
        if let hash = tail.firstIndex(of: UInt8(ascii: "#")) {
            fragment = tail[(hash + 1)...]
            tail = tail[..<hash]
        }
        var query: ArraySlice<UInt8>?
        if let question = tail.firstIndex(of: UInt8(ascii: "?")) {
            query = tail[(question + 1)...]
            tail = tail[..<question]
        }
        let path = tail

        let hostAndPort = try normalizeAuthority(authority, scheme: scheme, raw: raw)

        // RFC 3986 §3.3-3.5: pchar = unreserved / pct-encoded / sub-delims / ":" / "@", and "/"
        // (and "?" in query and fragment); everything else printable is encoded.
        func component(_ part: ArraySlice<UInt8>, encode extra: UInt8? = nil) throws(WorkIDError) -> [UInt8] {
            guard let normalized = PercentEncoding.normalize(
                String(decoding: part, as: UTF8.self),
                mustEncode: { notAllowedInURI.contains($0) || $0 == extra }
            ) else {
                throw .badPercentEscape(scheme: .url, value: raw)
            }
            return Array(normalized.utf8)
        }
        var normalizedPath = removeDotSegments(try component(path))
        if normalizedPath.isEmpty { normalizedPath = [UInt8(ascii: "/")] }

        var out = Array(scheme.utf8) + Array("://".utf8) + hostAndPort + normalizedPath
        if let query, !query.isEmpty {
            let normalizedQuery = try component(query)
            out += [UInt8(ascii: "?")] + normalizedQuery
        }
        if let fragment, !fragment.isEmpty {
            let normalizedFragment = try component(fragment, encode: UInt8(ascii: "#"))
            out += [UInt8(ascii: "#")] + normalizedFragment
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Printable ASCII that RFC 3986 allows in no path, query or fragment (`\` is refused earlier).
    private static let notAllowedInURI: Set<UInt8> = Set("\"<>[]^`{|}".utf8)

    /// Host (lower case) and port (only when not the default), as they are written in the normal form.
    private static func normalizeAuthority(_ authority: ArraySlice<UInt8>, scheme: String, raw: String) throws(WorkIDError) -> [UInt8] {
        guard !authority.contains(UInt8(ascii: "@")) else { throw .credentialsInURL(value: raw) }
        var host: ArraySlice<UInt8>
        var port: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw .badShape(scheme: .url, value: raw, expected: "\(form) (an IPv6 address closed by ])")
            }
            host = authority[...close]
            let after = authority[(close + 1)...]
            if let first = after.first {
                guard first == UInt8(ascii: ":") else { throw .badShape(scheme: .url, value: raw, expected: form) }
                port = after.dropFirst()
            }
            let inside = host.dropFirst().dropLast()
            guard !inside.isEmpty else {
                throw .badShape(scheme: .url, value: raw, expected: "\(form) (the host is empty)")
            }
            if let bad = inside.firstIndex(where: { ASCII.hexValue($0) == nil && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: ".") }) {
                throw .badCharacter(scheme: .url, value: raw, character: character(at: bad, in: inside),
                                    expected: "an IPv6 address inside [ ]: hex digits, ':' and '.'")
            }
        } else {
            if let c = authority.firstIndex(of: UInt8(ascii: ":")) {
                host = authority[..<c]
                port = authority[(c + 1)...]
            } else {
                host = authority
            }
            guard !host.isEmpty else {
                throw .badShape(scheme: .url, value: raw, expected: "\(form) (the host is empty)")
            }
            if host.contains(where: { $0 >= 0x80 }) {
                throw .nonASCIIHost(value: raw, host: String(decoding: host, as: UTF8.self))
            }
            let allowed = Set("-._~!$&'()*+,;=".utf8)
            if let bad = host.firstIndex(where: { !(ASCII.isLetter($0) || ASCII.isDigit($0) || allowed.contains($0)) }) {
                throw .badCharacter(scheme: .url, value: raw, character: character(at: bad, in: host),
                                    expected: "a host name of ASCII letters, digits and -._~!$&'()*+,;= (punycode for other scripts)")
            }
        }
        var out = host.map(ASCII.lowercased)
        if let port, !port.isEmpty {
            guard port.count <= 5, port.allSatisfy(ASCII.isDigit),
                  let number = Int(String(decoding: port, as: UTF8.self)), number <= 65535 else {
                throw .badShape(scheme: .url, value: raw, expected: "\(form) (the port must be a number 0-65535)")
            }
            let isDefault = (scheme == "http" && number == 80) || (scheme == "https" && number == 443)
            if !isDefault { out += Array(":\(number)".utf8) }
        }
        return out
    }

    /// The character that begins at byte `i`, for an error message.
    private static func character(at i: Int, in bytes: ArraySlice<UInt8>) -> Character {
        String(decoding: bytes[i...], as: UTF8.self).first ?? "\u{FFFD}"
    }

    /// RFC 3986 §5.2.4 remove_dot_segments, on a path that is empty or starts with `/`.
    /// `.` and `..` segments are interpreted and removed; `..` above the root stays at the root.
    static func removeDotSegments(_ path: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var input = path[...]
        var output = [UInt8]()
        func removeLastSegment() {
            if let last = output.lastIndex(of: slash) {
                output.removeSubrange(last...)
            } else {
                output.removeAll()
            }
        }
        while !input.isEmpty {
            if input.starts(with: [dot, dot, slash]) {            // A: "../"
                input = input.dropFirst(3)
            } else if input.starts(with: [dot, slash]) {          // A: "./"
                input = input.dropFirst(2)
            } else if input.starts(with: [slash, dot, slash]) {   // B: "/./" → "/"
                input = input.dropFirst(2)
            } else if input.elementsEqual([slash, dot]) {         // B: "/." → "/"
                input = [slash][...]
            } else if input.starts(with: [slash, dot, dot, slash]) { // C: "/../" → "/", drop a segment
                input = input.dropFirst(3)
                removeLastSegment()
            } else if input.elementsEqual([slash, dot, dot]) {    // C: "/.." → "/", drop a segment
                input = [slash][...]
                removeLastSegment()
            } else if input.elementsEqual([dot]) || input.elementsEqual([dot, dot]) { // D
                input = []
            } else {                                              // E: move one segment
                let start = input.first == slash ? input.index(after: input.startIndex) : input.startIndex
                let end = input[start...].firstIndex(of: slash) ?? input.endIndex
                output += input[..<end]
                input = input[end...]
            }
        }
        return output
    }
}
