public struct Conditions: Hashable, Sendable {
    /// How the work must be credited (an attribution line), if credit is required.
    public var credit: String?
    /// PROTOCOL §3: an attribution line, not a document.
    public static let maxCreditCharacters = 200
    /// URL of the licence terms (remuneration and the rest).
    public var terms: String?
    public var purpose: Purpose?

    public init(credit: String? = nil, terms: String? = nil, purpose: Purpose? = nil) {
        self.credit = credit
        self.terms = terms
        self.purpose = purpose
    }

    var json: JSONValue {
        var o = [JSONKey: JSONValue]()
        if let credit { o["credit"] = .string(credit) }
        if let terms { o["terms"] = .string(terms) }
        if let purpose { o["purpose"] = .string(purpose.rawValue) }
        return .object(o)
    }

    init(json: JSONValue) throws(StatementError) {
        var f = try FieldReader(json, context: "conditions")
        credit = try f.optionalText("credit", maxCharacters: Conditions.maxCreditCharacters, context: "conditions")
        terms = try f.optionalString("terms", maxLength: 2048)
        if let terms, (try? WorkID(scheme: .url, value: terms)) == nil {
            throw .badField("conditions.terms", "must be an absolute http(s) URL")
        }
        if let p = try f.optionalString("purpose") {
            guard let purpose = Purpose(rawValue: p), purpose != .commercial else {
                throw .badField("conditions.purpose", "must be any, non-commercial or research")
            }
            self.purpose = purpose
        }
        try f.finish()
    }
}
