/// Why a state-map record could not be made or read (PROTOCOL §5), naming the record kind and field.
public enum MapRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case notJSON(CanonicalJSONError)
    /// `record` is not one of work, declaration, party.
    case unknownKind(String)
    /// A member of the record is missing, unknown or ill-formed.
    case badField(record: String, StatementError)
    /// An item of a list (`mandates`, `preferences`, `enrollments`) is ill-formed.
    case badItem(record: String, list: String, index: Int, String)
    /// A list is not in its canonical order, or repeats an item's identity.
    case unordered(record: String, list: String, index: Int)
    /// A version of 0, or an index beyond the JSON integer range.
    case outOfRange(record: String, String)

    public var description: String {
        switch self {
        case let .tooLarge(bytes, limit): "map record is \(bytes) bytes, the limit is \(limit)"
        case let .notJSON(e): "map record is not canonical JSON: \(e)"
        case let .unknownKind(kind): "unknown map record kind \"\(kind)\": expected work, declaration or party"
        case let .badField(record, e): "\(record) record: \(e)"
        case let .badItem(record, list, index, why): "\(record) record: \(list)[\(index)]: \(why)"
        case let .unordered(record, list, index): "\(record) record: \(list)[\(index)] is out of order or repeats the item before it"
        case let .outOfRange(record, why): "\(record) record: \(why)"
        }
    }
}
