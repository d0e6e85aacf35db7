/// The lists inside state-map records (`mandates`, `preferences`, `enrollments`) are sets: each
/// item has an identity, and the list is sorted by it, bytewise, with no repeats, so that a
/// record's bytes are a function of the state it describes (PROTOCOL §5).
protocol MapRecordListItem {
    /// The bytes the list is sorted by; two items with the same bytes are the same item.
    var order: [UInt8] { get }
    var json: JSONValue { get }
    init(json: JSONValue, record: String, list: String, index: Int) throws(MapRecordError)
}

enum MapRecordList {
    /// Sorts items into their canonical order; refuses two with one identity.
    static func canonical<Item: MapRecordListItem>(_ items: [Item], record: String, list: String) throws(MapRecordError) -> [Item] {
        let sorted = items.sorted { $0.order.lexicographicallyPrecedes($1.order) }
        try check(sorted, record: record, list: list)
        return sorted
    }

    /// Refuses a list that is not strictly increasing by identity.
    static func check<Item: MapRecordListItem>(_ items: [Item], record: String, list: String) throws(MapRecordError) {
        for i in items.indices.dropFirst() where !items[i - 1].order.lexicographicallyPrecedes(items[i].order) {
            throw .unordered(record: record, list: list, index: i)
        }
    }

    static func read<Item: MapRecordListItem>(_ f: inout FieldReader, record: String, list: String) throws(MapRecordError) -> [Item] {
        guard let value = f.take(list) else { throw .badField(record: record, .missingField(list)) }
        guard case let .array(elements) = value else {
            throw .badField(record: record, .wrongType(field: list, expected: "an array", found: value.typeName))
        }
        var items = [Item]()
        for (i, element) in elements.enumerated() { items.append(try Item(json: element, record: record, list: list, index: i)) }
        try check(items, record: record, list: list)
        return items
    }

    /// Runs a reader over one list item's members, turning its errors into ones that name the item.
    static func item<T>(
        _ json: JSONValue, record: String, list: String, index: Int,
        _ body: (inout FieldReader) throws(StatementError) -> T
    ) throws(MapRecordError) -> T {
        do throws(StatementError) {
            var f = try FieldReader(json, context: "\(list)[\(index)]")
            let value = try body(&f)
            try f.finish()
            return value
        } catch { throw .badItem(record: record, list: list, index: index, "\(error)") }
    }
}
