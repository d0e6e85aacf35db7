/// A JSON value in Assent's profile of RFC 8785 (PROTOCOL §1): objects, arrays,
/// strings, booleans and integers within ±(2^53−1). No floats, no null.
public enum JSONValue: Hashable, Sendable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case bool(Bool)
    case integer(Int64)

    /// The largest magnitude an integer may have: 2^53 − 1, the I-JSON safe range.
    public static let maxInteger: Int64 = (1 << 53) - 1

    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case let .object(v) = self { return v }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case let .array(v) = self { return v }
        return nil
    }

    public var stringValue: String? {
        if case let .string(v) = self { return v }
        return nil
    }

    public var integerValue: Int64? {
        if case let .integer(v) = self { return v }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .bool: "boolean"
        case .integer: "integer"
        }
    }

    /// The canonical bytes of this value (RFC 8785).
    public var canonicalBytes: [UInt8] { CanonicalJSON.encode(self) }

    /// The canonical text of this value.
    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
