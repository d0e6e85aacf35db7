/// Why a work identifier was refused: one case per check.
public enum WorkIDError: Error, Equatable, Sendable, CustomStringConvertible {
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
    /// A `%` does not begin a percent-escape of two hex digits (RFC 3986 §2.1).
    case badPercentEscape(scheme: WorkID.Scheme, value: String)
    /// A `url` has user information (`user:password@`) before its host.
    case credentialsInURL(value: String)
    /// A `url` host is not ASCII: its IDNA A-label (punycode) form is needed.
    case nonASCIIHost(value: String, host: String)
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
    /// A valid identifier that is not written in its normal form, where only the normal form
    /// is accepted (inside statements: PROTOCOL §2).
    case notNormalized(given: String, normalized: String)

    public var description: String {
        let q = ASCII.quoted
        switch self {
        case .missingScheme(let text):
            return "work identifier \(q(text)) has no scheme; expected scheme:value, e.g. iswc:T0345246801"
        case .unknownScheme(let name):
            let known = WorkID.Scheme.allCases.map(\.rawValue).joined(separator: ", ")
            return "work identifier scheme \(q(name)) is unknown; expected one of \(known)"
        case .badShape(let scheme, let value, let expected):
            return "\(scheme.rawValue) \(q(value)): shape check failed, expected \(expected)"
        case .badLength(let scheme, let value, let expected, let found):
            return "\(scheme.rawValue) \(q(value)): length check failed, has \(found), expected \(expected)"
        case .badCharacter(let scheme, let value, let character, let expected):
            return "\(scheme.rawValue) \(q(value)): character \(q(String(character))) is not allowed, expected \(expected)"
        case .badCheckDigit(let scheme, let value, let expected, let found):
            return "\(scheme.rawValue) \(q(value)): check digit is \(found), expected \(expected)"
        case .badPrefix(let scheme, let value, let expected):
            return "\(scheme.rawValue) \(q(value)): prefix check failed, expected \(expected)"
        case .badPercentEscape(let scheme, let value):
            return "\(scheme.rawValue) \(q(value)): a % does not begin a percent-escape of two hex digits; write a literal % as %25"
        case .credentialsInURL(let value):
            return "url \(q(value)): has user information before @; work identifiers carry no user names or passwords"
        case .nonASCIIHost(let value, let host):
            return "url \(q(value)): host \(q(host)) is not ASCII; write its punycode (IDNA A-label) form, e.g. xn--bcher-kva.example for bücher.example"
        case .unknownISCCMainType(let value, let mainType):
            let names = ISCCHeader.mainTypeNames.joined(separator: ", ")
            return "iscc \(q(value)): header MainType \(mainType) is unknown, expected 0-7 (\(names))"
        case .unsupportedISCCVersion(let value, let mainType, let version):
            return "iscc \(q(value)): header version is \(version) for MainType \(ISCCHeader.name(mainType)), expected 0"
        case .unknownISCCSubType(let value, let mainType, let subType):
            let counts = ISCCHeader.subTypeCounts
            let range = counts.indices.contains(mainType) ? ", expected 0-\(counts[mainType] - 1)" : ""
            return "iscc \(q(value)): header SubType \(subType) is not defined for MainType \(ISCCHeader.name(mainType))\(range)"
        case .badISCCLengthField(let value, let mainType, let lengthField):
            return "iscc \(q(value)): header length field \(lengthField) is not valid for MainType \(ISCCHeader.name(mainType))"
        case .badISCCBodyLength(let value, let expectedBytes, let foundBytes):
            return "iscc \(q(value)): body length is \(foundBytes) bytes, expected \(expectedBytes) as the header says"
        case .notNormalized(let given, let normalized):
            return "work identifier \(q(given)) is not in normal form; write \(q(normalized))"
        }
    }
}
