/// Takes fields out of a JSON object one by one, so that whatever is left at the end is an unknown field.
struct FieldReader {
    /// Read, never changed: removing each field taken would copy the whole object first (its
    /// storage is shared with the value it came from) and hash every member again.
    private let members: [JSONKey: JSONValue]
    /// The names taken so far, each once: whatever else `members` holds is an unknown field.
    private var taken: [String] = []
    let context: String
    /// Put before every field name in an error (`community.` gives `community.name`), so that a
    /// refusal names the field as docs/statements.md does; empty for a statement's own fields.
    let prefix: String

    init(_ value: JSONValue, context: String, prefix: String = "") throws(StatementError) {
        guard case let .object(m) = value else { throw .notObject(context) }
        members = m
        self.context = context
        self.prefix = prefix
    }

    mutating func take(_ key: String) -> JSONValue? {
        // A name taken twice would be counted twice, and an unknown field could then pass.
        assert(!taken.contains(key), "\(context): field \(key) taken twice")
        guard let value = members[JSONKey(key)] else { return nil }
        taken.append(key)
        return value
    }

    func finish() throws(StatementError) {
        guard members.count != taken.count else { return }
        let known = Set(taken.map { JSONKey($0) })
        if let extra = members.keys.filter({ !known.contains($0) }).min() { throw .unknownField(prefix + extra.string) }
    }

    mutating func string(_ key: String, maxLength: Int = 1024) throws(StatementError) -> String {
        guard let v = take(key) else { throw .missingField(prefix + key) }
        guard case let .string(s) = v else { throw .wrongType(field: prefix + key, expected: "a string", found: v.typeName) }
        guard s.utf8.count <= maxLength else { throw .badField(prefix + key, "longer than \(maxLength) bytes") }
        return s
    }

    mutating func optionalString(_ key: String, maxLength: Int = 1024) throws(StatementError) -> String? {
        guard members[JSONKey(key)] != nil else { return nil }
        return try string(key, maxLength: maxLength)
    }

    /// An array of at most `max` distinct non-empty strings of at most `maxItemBytes` bytes each.
    /// A repeated item is refused, as a mandate's repeated work is: one statement, one spelling.
    mutating func optionalStringArray(_ key: String, max: Int, maxItemBytes: Int) throws(StatementError) -> [String]? {
        let name = prefix + key
        guard let v = take(key) else { return nil }
        guard case let .array(items) = v else { throw .wrongType(field: name, expected: "an array of strings", found: v.typeName) }
        guard items.count <= max else { throw .badField(name, "\(items.count) items, at most \(max)") }
        var out = [String]()
        var seen = Set<[UInt8]>()
        for (i, item) in items.enumerated() {
            guard case let .string(s) = item else { throw .badField("\(name)[\(i)]", "must be a string, found \(item.typeName)") }
            guard !s.isEmpty else { throw .badField("\(name)[\(i)]", "is empty") }
            guard s.utf8.count <= maxItemBytes else { throw .badField("\(name)[\(i)]", "longer than \(maxItemBytes) bytes") }
            // Compared as bytes (PROTOCOL §2), not as Swift's canonically equivalent Strings.
            guard seen.insert(Array(s.utf8)).inserted else { throw .badField("\(name)[\(i)]", "\"\(s)\" is listed twice") }
            out.append(s)
        }
        return out
    }

    mutating func labels(_ key: String) throws(StatementError) -> [String]? {
        guard let list = try optionalStringArray(key, max: Mandate.maxLabels, maxItemBytes: LocalContextsLabel.readBound) else { return nil }
        for code in list where !LocalContextsLabel.isWellFormed(code) {
            throw .badField(key, "\"\(code)\" is not a Local Contexts label code such as TK-SS or BC-NC")
        }
        return list
    }

    mutating func publicKey(_ key: String) throws(StatementError) -> PublicKey {
        let s = try string(key)
        do { return try PublicKey(base64: s) } catch { throw .badPublicKey(key, error) }
    }

    mutating func timestamp(_ key: String) throws(StatementError) -> Timestamp {
        let s = try string(key)
        guard let t = Timestamp(rfc3339: s) else { throw .badField(key, "\"\(s)\" is not RFC 3339 UTC with milliseconds, like 2026-11-21T10:00:00.000Z") }
        return t
    }

    mutating func optionalTimestamp(_ key: String) throws(StatementError) -> Timestamp? {
        guard members[JSONKey(key)] != nil else { return nil }
        return try timestamp(key)
    }

    /// A work identifier in its normal form (PROTOCOL §2: a statement carries only that).
    mutating func workID(_ key: String) throws(StatementError) -> WorkID {
        let s = try string(key, maxLength: WorkID.maxBytes)
        do { return try WorkID(parsingNormalized: s) } catch { throw .badWorkID(prefix + key, error) }
    }

    mutating func status(_ key: String) throws(StatementError) -> Bool {
        switch try string(key) {
        case "active": return true
        case "revoked": return false
        case let other: throw .badField(key, "must be active or revoked, found \"\(other)\"")
        }
    }
}
