/// A public identifier of a party, as an enrollment's `ids` lists them (PROTOCOL §3), in
/// its normal form (PROTOCOL §2: identity is bytes):
///
/// - `ipi:` and an IPI name number: exactly 11 digits, the last two a check number
///   (Σ dᵢ·(10 − i) over the first nine digits, i = 0…8; then (101 − sum mod 101) mod 100,
///   or 0 when the sum is a multiple of 101), as CISAC's IPI system and CWR define it.
///   People often drop the leading zeros (`ipi:52210040`); `init(parsing:)` restores them.
/// - `isni:` and 16 characters with a valid ISO 7064 MOD 11-2 check character, `X` in upper
///   case, as the `isni` work identifier scheme normalizes it.
///
/// `init(parsing:)` converts what a person types (`isni:0000 0001 2103 2683`, `IPI:522-100-40`);
/// `init(parsingNormalized:)` is what a statement is checked with: anything but the normal form
/// is refused, naming it.
public struct PartyIdentifier: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable, CaseIterable { case ipi, isni }

    public let scheme: Scheme
    /// The normalized value (without the `scheme:` part); ASCII digits and, for ISNI, `X`.
    public let value: String

    public init(parsing text: String) throws(PartyIdentifierError) {
        guard let (name, raw) = ASCII.split(text, at: ":") else { throw .missingScheme(text) }
        guard let scheme = Scheme(rawValue: ASCII.lowercased(ASCII.trim(name))) else { throw .unknownScheme(text) }
        self.scheme = scheme
        switch scheme {
        case .ipi:
            value = try PartyIdentifier.ipiNameNumber(raw)
        case .isni:
            do { value = try StandardNumber.isni(raw) } catch { throw .badISNI(error) }
        }
    }

    public init(parsingNormalized text: String) throws(PartyIdentifierError) {
        let id = try PartyIdentifier(parsing: text)
        guard Bytewise.equal(id.description, text) else {
            throw .notNormalized(given: text, normalized: id.description)
        }
        self = id
    }

    public var description: String { "\(scheme.rawValue):\(value)" }

    public static func == (lhs: PartyIdentifier, rhs: PartyIdentifier) -> Bool {
        lhs.scheme == rhs.scheme && Bytewise.equal(lhs.value, rhs.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        Bytewise.hash(value, into: &hasher)
    }

    /// White space, `-` and `.` removed; 1 to 11 ASCII digits, left-padded with zeros to 11
    /// (an IPI name number is a fixed-width number whose leading zeros spreadsheets drop);
    /// the check number verified on the padded form.
    private static func ipiNameNumber(_ raw: String) throws(PartyIdentifierError) -> String {
        let kept = raw.filter { !($0.isWhitespace || $0 == "-" || $0 == ".") }
        var digits = [Int]()
        for c in kept {
            guard let d = ASCII.digit(c) else { throw .badIPICharacter(value: raw, character: c) }
            digits.append(d)
        }
        guard (1...11).contains(digits.count) else { throw .badIPILength(value: raw, found: digits.count) }
        digits = Array(repeating: 0, count: 11 - digits.count) + digits
        var sum = 0
        for i in 0..<9 { sum += digits[i] * (10 - i) }
        let remainder = sum % 101
        let check = remainder == 0 ? 0 : (101 - remainder) % 100
        let found = digits[9] * 10 + digits[10]
        guard found == check else {
            throw .badIPICheckNumber(value: raw, expected: check, found: found)
        }
        return String(digits.map(ASCII.digitCharacter))
    }
}

/// Why a party identifier was refused.
public enum PartyIdentifierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `scheme:` part.
    case missingScheme(String)
    /// A scheme other than `ipi` or `isni`.
    case unknownScheme(String)
    /// A character other than a digit (after white space, `-` and `.` are removed).
    case badIPICharacter(value: String, character: Character)
    /// No digits, or more than 11.
    case badIPILength(value: String, found: Int)
    /// The last two digits are not the check number of the first nine.
    case badIPICheckNumber(value: String, expected: Int, found: Int)
    /// The ISNI fails a check of the `isni` scheme.
    case badISNI(WorkIDError)
    /// Valid, but not written in its normal form where only that is accepted (in a statement).
    case notNormalized(given: String, normalized: String)

    public var description: String {
        let q = ASCII.quoted
        func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch self {
        case let .missingScheme(text):
            return "party identifier \(q(text)) has no scheme; expected ipi:<IPI name number> or isni:<ISNI>"
        case let .unknownScheme(text):
            return "party identifier \(q(text)) is not ipi:<IPI name number> or isni:<ISNI>"
        case let .badIPICharacter(value, character):
            return "ipi \(q(value)): character \(q(String(character))) is not allowed, expected a digit 0-9"
        case let .badIPILength(value, found):
            return "ipi \(q(value)): length check failed, has \(found) digits, expected an IPI name number of 11 digits"
        case let .badIPICheckNumber(value, expected, found):
            return "ipi \(q(value)): check number is \(twoDigits(found)), expected \(twoDigits(expected))"
        case let .badISNI(error):
            return "\(error)"
        case let .notNormalized(given, normalized):
            return "party identifier \(q(given)) is not in normal form; write \(q(normalized))"
        }
    }
}
