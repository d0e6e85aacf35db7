/// Why a federation file (PROTOCOL §9) was refused. Every case names the field, as a path
/// into the file (`logs[1].key`), so that whoever edits the file finds what to fix.
public enum FederationError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case notJSON(CanonicalJSONError)
    case missingField(String)
    case unknownField(String)
    case wrongType(field: String, expected: String, found: String)
    case badField(String, String)
    /// The same origin, witness name or key listed twice.
    case duplicate(field: String, String)

    public var description: String {
        switch self {
        case let .tooLarge(bytes, limit): "federation file is \(bytes) bytes, the limit is \(limit)"
        case let .notJSON(e): "federation file: \(e)"
        case let .missingField(f): "federation file: missing field \"\(f)\""
        case let .unknownField(f): "federation file: unknown field \"\(f)\""
        case let .wrongType(field, expected, found): "federation file: field \"\(field)\" must be \(expected), found \(found)"
        case let .badField(f, why): "federation file: field \"\(f)\": \(why)"
        case let .duplicate(f, why): "federation file: field \"\(f)\": \(why)"
        }
    }
}
