public struct Conditions: Hashable, Sendable {
    /// A commitment to how the work must be credited (an attribution line, at most
    /// `maxCreditCharacters`), if credit is required; the line itself is disclosed beside the statement.
    public var credit: Commitment?
    /// PROTOCOL §3: an attribution line, not a document.
    public static let maxCreditCharacters = 200
    /// URL of the licence terms (remuneration and the rest).
    public var terms: String?
    public var purpose: Purpose?

    public init(credit: Commitment? = nil, terms: String? = nil, purpose: Purpose? = nil) {
        self.credit = credit
        self.terms = terms
        self.purpose = purpose
    }

    var json: JSONValue {
        var o = [JSONKey: JSONValue]()
        if let credit { o["credit"] = credit.json }
        if let terms { o["terms"] = .string(terms) }
        if let purpose { o["purpose"] = .string(purpose.rawValue) }
        return .object(o)
    }

    init(json: JSONValue) throws(StatementError) {
        var f = try FieldReader(json, context: "conditions")
        if let c = f.take("credit") { credit = try Commitment(json: c, field: "conditions.credit") }
        terms = try f.optionalString("terms", maxLength: 2048)
        if let terms {
            guard (try? WorkID(scheme: .url, value: terms)) != nil else {
                throw .badField("conditions.terms", "must be an absolute http(s) URL")
            }
            // The terms name a document (PROTOCOL §3). A query or fragment is where free text
            // (a name, a phone number) would ride into the permanent log in clear; user
            // information is refused by the URL rules already (WorkURL step 5).
            if terms.utf8.contains(UInt8(ascii: "?")) || terms.utf8.contains(UInt8(ascii: "#")) {
                throw .badField("conditions.terms", "must name the licence's terms document: a URL without a query (?…) or fragment (#…), which the permanent log would show in clear")
            }
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
