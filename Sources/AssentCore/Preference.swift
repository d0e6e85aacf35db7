public struct Preference: Hashable, Sendable {
    public var by: PublicKey
    public var issued: Timestamp
    public var work: WorkID
    public var audience: Audience
    /// Category → allowed. Empty usage withdraws the declarant's earlier statement.
    public var usage: [String: Bool]
    public var conditions: Conditions?
    public var expires: Timestamp?
    public var labels: [String]?
    public var note: String?
    /// PROTOCOL §3: free text is short.
    public static let maxNoteCharacters = 280

    public init(by: PublicKey, issued: Timestamp, work: WorkID, audience: Audience = .everyone, usage: [String: Bool],
                conditions: Conditions? = nil, expires: Timestamp? = nil, labels: [String]? = nil, note: String? = nil) {
        self.by = by
        self.issued = issued
        self.work = work
        self.audience = audience
        self.usage = usage
        self.conditions = conditions
        self.expires = expires
        self.labels = labels
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
        if let labels { o["labels"] = .array(labels.map { .string($0) }) }
        if let note { o["note"] = .string(note) }
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
        guard u.count <= 64 else { throw .badField("usage", "more than 64 categories") }
        var usage = [String: Bool]()
        for (key, value) in u {
            let category = key.string
            guard UsageCategory.isWellFormed(category) else { throw .badField("usage", "category \"\(category)\" is not a lower-case name") }
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
        labels = try f.labels("labels")
        note = try f.optionalText("note", maxCharacters: Preference.maxNoteCharacters)
    }
}
