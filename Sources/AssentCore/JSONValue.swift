/// A JSON value in Assent's profile of RFC 8785 (PROTOCOL §1): objects, arrays,
/// strings, booleans and integers within ±(2^53−1). No floats, no null.
///
/// Two values are equal exactly when their canonical encodings are: member names and strings
/// compare by their bytes, not by Unicode canonical equivalence (PROTOCOL §2).
public enum JSONValue: Hashable, Sendable {
    case object([JSONKey: JSONValue])
    case array([JSONValue])
    case string(String)
    case bool(Bool)
    case integer(Int64)

    /// The largest magnitude an integer may have: 2^53 − 1, the I-JSON safe range.
    public static let maxInteger: Int64 = (1 << 53) - 1

    public subscript(key: JSONKey) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    public var objectValue: [JSONKey: JSONValue]? {
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

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): Bytewise.equal(a, b)
        case let (.bool(a), .bool(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case let .object(members):
            hasher.combine(0)
            hasher.combine(members)
        case let .array(elements):
            hasher.combine(1)
            hasher.combine(elements)
        case let .string(s):
            hasher.combine(2)
            Bytewise.hash(s, into: &hasher)
        case let .bool(b):
            hasher.combine(3)
            hasher.combine(b)
        case let .integer(n):
            hasher.combine(4)
            hasher.combine(n)
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
    public init(dictionaryLiteral elements: (JSONKey, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
