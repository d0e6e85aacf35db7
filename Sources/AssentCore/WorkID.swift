/// A validated work identifier in its normal form, e.g. `iswc:T0345246801` (PROTOCOL §2).
///
/// Written `scheme:value`. The scheme name is matched case-insensitively (ASCII) and written
/// in lower case; the value is normalized and checked for its scheme, and the first check that
/// fails is reported. The normal form is ASCII, so identity is bytes: two identifiers are
/// equal exactly when their `description`s have the same bytes. Parsing the normal form again
/// gives the same identifier.
///
/// The rules per scheme are in `StandardNumber` (iswc, isrc, isbn, isni), `DOI`, `ISCC`,
/// `WorkURL` (url) and `LocalWorkID` (local), and in docs/protocol.md §2.
public struct WorkID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Scheme: String, Sendable, CaseIterable {
        case iswc, isrc, isbn, isni, doi, iscc, url, local
    }

    public let scheme: Scheme
    /// The normalized value (without the `scheme:` part); always ASCII.
    public let value: String

    /// Parses `scheme:value` as a person may type it, and normalizes it. The text is split at
    /// its first colon. A bare `http:` or `https:` URL, as people paste it, is taken as a
    /// `url` value (no work identifier scheme has those names).
    public init(parsing text: String) throws(WorkIDError) {
        guard let (before, value) = ASCII.split(text, at: ":") else { throw .missingScheme(text) }
        let name = ASCII.lowercased(ASCII.trim(before))
        guard !name.isEmpty else { throw .missingScheme(text) }
        if name == "http" || name == "https" {
            try self.init(scheme: .url, value: text)
            return
        }
        guard let scheme = Scheme(rawValue: name) else {
            throw .unknownScheme(String(ASCII.trim(before)))
        }
        try self.init(scheme: scheme, value: value)
    }

    /// The longest identifier a statement may carry, in UTF-8 bytes (a preference's `work`, each
    /// of a mandate's `works`): checked before the identifier is parsed.
    public static let maxBytes = 1024

    /// Parses `scheme:value` that must already be in normal form, as a statement carries it
    /// (PROTOCOL §2): anything else is refused, naming the normal form. Compared bytewise, so
    /// that a spelling which is merely canonically equivalent to the normal form is refused too.
    public init(parsingNormalized text: String) throws(WorkIDError) {
        let id = try WorkID(parsing: text)
        guard Bytewise.equal(id.description, text) else {
            throw .notNormalized(given: text, normalized: id.description)
        }
        self = id
    }

    /// Normalizes and checks `raw` as a value of `scheme`.
    public init(scheme: Scheme, value raw: String) throws(WorkIDError) {
        self.scheme = scheme
        switch scheme {
        case .iswc: value = try StandardNumber.iswc(raw)
        case .isrc: value = try StandardNumber.isrc(raw)
        case .isbn: value = try StandardNumber.isbn(raw)
        case .isni: value = try StandardNumber.isni(raw)
        case .doi: value = try DOI.normalize(raw)
        case .iscc: value = try ISCC.normalize(raw)
        case .url: value = try WorkURL.normalize(raw)
        case .local: value = try LocalWorkID.normalize(raw)
        }
    }

    public var description: String { "\(scheme.rawValue):\(value)" }

    /// Appends the bytes of `description` to `out` without making the string (map keys derive
    /// from them, PROTOCOL §5, once per record and per bulk-check decision).
    public func appendDescription(to out: inout [UInt8]) {
        out.append(contentsOf: scheme.rawValue.utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: value.utf8)
    }

    public static func == (lhs: WorkID, rhs: WorkID) -> Bool {
        lhs.scheme == rhs.scheme && Bytewise.equal(lhs.value, rhs.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        Bytewise.hash(value, into: &hasher)
    }

    /// Orders by scheme name, then by the value's bytes.
    public static func < (lhs: WorkID, rhs: WorkID) -> Bool {
        if lhs.scheme != rhs.scheme { return Bytewise.precedes(lhs.scheme.rawValue, rhs.scheme.rawValue) }
        return Bytewise.precedes(lhs.value, rhs.value)
    }
}
