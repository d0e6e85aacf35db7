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
        case let .unknownType(t): "unknown statement type \"\(t)\": expected preference, enrollment or mandate"
        case .badSignature: "signature does not verify against the key in \"by\""
        case let .tooLarge(bytes, limit): "statement is \(bytes) bytes, the limit is \(limit)"
        }
    }
}
