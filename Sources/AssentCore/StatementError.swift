public enum StatementError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(CanonicalJSONError)
    case notObject(String)
    case missingField(String)
    case unknownField(String)
    case wrongType(field: String, expected: String, found: String)
    case badField(String, String)
    case badWorkID(String, WorkIDError)
    /// A key field (`by`, `party`) that is not a key someone can hold (PROTOCOL §3).
    case badPublicKey(String, CryptoError)
    case unknownType(String)
    case badSignature
    case tooLarge(bytes: Int, limit: Int)
    /// A statement with its disclosures over `Submission.maxSize`.
    case submissionTooLarge(bytes: Int, limit: Int)
    /// A field that the log carries only as a commitment (enrollment `name`, `ids`; preference
    /// `conditions.credit`, `note`) was given in clear text: the log is public and permanent.
    case personalDataInClear(String)
    /// A disclosure beside a submitted statement that is missing, extra, or does not match its
    /// commitment, or whose text the clear field's rules refuse. The field is the JSON Pointer.
    case badDisclosure(String, String)

    public var description: String {
        switch self {
        case let .notJSON(e): "\(e)"
        case let .notObject(context): "\(context) must be a JSON object"
        case let .missingField(f): "missing field \"\(f)\""
        case let .unknownField(f): "unknown field \"\(f)\""
        case let .wrongType(field, expected, found): "field \"\(field)\" must be \(expected), found \(found)"
        case let .badField(f, why): "field \"\(f)\": \(why)"
        case let .badWorkID(f, e): "field \"\(f)\": \(e)"
        case let .badPublicKey(f, e): "field \"\(f)\": \(e)"
        case let .unknownType(t): "unknown statement type \"\(t)\": expected preference, enrollment, mandate or erasure"
        case .badSignature: "signature does not verify against the key in \"by\""
        case let .tooLarge(bytes, limit): "statement is \(bytes) bytes, the limit is \(limit)"
        case let .submissionTooLarge(bytes, limit): "submission is \(bytes) bytes (statement and disclosures), the limit is \(limit)"
        case let .personalDataInClear(f):
            "field \"\(f)\" is personal data or free text in clear, and the log is public and permanent: \(Commitment.howToCommit)"
        case let .badDisclosure(f, why): "disclosure \"\(f)\": \(why)"
        }
    }
}
