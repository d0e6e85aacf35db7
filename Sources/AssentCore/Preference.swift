public struct Preference: Hashable, Sendable {
    public var by: PublicKey
    public var issued: Timestamp
    public var work: WorkID
    public var audience: Audience
    /// Category → allowed. Empty usage withdraws the declarant's earlier statement.
    public var usage: [String: Bool]
    public var conditions: Conditions?
    public var expires: Timestamp?
    /// A commitment to a short public note (at most `maxNoteCharacters`), never the text itself.
    /// Local Contexts labels are not here: they belong to a steward's mandate (PROTOCOL §3).
    public var note: Commitment?
    /// PROTOCOL §3: free text is short.
    public static let maxNoteCharacters = 280
    /// Members of `usage`, at most.
    public static let maxUsageCategories = 64

    public init(by: PublicKey, issued: Timestamp, work: WorkID, audience: Audience = .everyone, usage: [String: Bool],
                conditions: Conditions? = nil, expires: Timestamp? = nil, note: Commitment? = nil) {
        self.by = by
        self.issued = issued
        self.work = work
        self.audience = audience
        self.usage = usage
        self.conditions = conditions
        self.expires = expires
        self.note = note
    }

    public var json: JSONValue {
        var o: [JSONKey: JSONValue] = [
            "type": "preference", "by": .string(by.base64), "issued": .string(issued.rfc3339),
            "work": .string(work.description), "audience": .string(audience.value),
            "usage": usageJSON,
        ]
        if let conditions { o["conditions"] = conditions.json }
        if let expires { o["expires"] = .string(expires.rfc3339) }
        if let note { o["note"] = note.json }
        return .object(o)
    }

    private var usageJSON: JSONValue {
        var o = [JSONKey: JSONValue]()
        for (category, allowed) in usage { o[JSONKey(category)] = .string(allowed ? "y" : "n") }
        return .object(o)
    }

    init(fields f: inout FieldReader) throws(StatementError) {
        by = try f.publicKey("by")
        issued = try f.timestamp("issued")
        work = try f.workID("work")
        let a = try f.string("audience")
        guard let audience = Audience(a) else { throw .badField("audience", "must be * or licensee:<id>, found \"\(a)\"") }
        self.audience = audience
        guard case let .object(u)? = f.take("usage") else { throw .badField("usage", "must be an object of category → y or n") }
        guard u.count <= Preference.maxUsageCategories else { throw .badField("usage", "more than \(Preference.maxUsageCategories) categories") }
        var usage = [String: Bool]()
        var unknown = 0
        for (key, value) in u {
            let category = key.string
            guard UsageCategory.isWellFormed(category) else { throw .badField("usage", "category \"\(category)\" is not a lower-case name") }
            // Unknown categories are kept (PROTOCOL §3: a newer vocabulary), but their names are
            // clear text in the permanent log: few and short, so little text can ride on them.
            if UsageCategory(rawValue: category) == nil {
                guard category.utf8.count <= UsageCategory.maxUnknownBytes else {
                    throw .badField("usage", "unknown category \"\(category.prefix(40))…\" is longer than \(UsageCategory.maxUnknownBytes) bytes")
                }
                unknown += 1
                guard unknown <= UsageCategory.maxUnknownPerStatement else {
                    throw .badField("usage", "more than \(UsageCategory.maxUnknownPerStatement) unknown categories (\(UsageCategory.allCases.map(\.rawValue).joined(separator: ", ")) are known)")
                }
            }
            switch value {
            case "y": usage[category] = true
            case "n": usage[category] = false
            default: throw .badField("usage.\(category)", "must be \"y\" or \"n\"")
            }
        }
        self.usage = usage
        if let c = f.take("conditions") { conditions = try Conditions(json: c) }
        expires = try f.optionalTimestamp("expires")
        if let expires, expires <= issued { throw .badField("expires", "must be after issued") }
        if f.take("labels") != nil {
            throw .badField("labels", "Local Contexts labels belong to a steward's mandate, not to a preference")
        }
        if let n = f.take("note") { note = try Commitment(json: n, field: "note") }
    }
}
