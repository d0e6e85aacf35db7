/// Consent statements (PROTOCOL §3): preferences by creators, rightsholders and
/// stewards; enrollments and mandates by a society's operator key.
public enum Statement: Hashable, Sendable {
    case preference(Preference)
    case enrollment(Enrollment)
    case mandate(Mandate)

    public enum Kind: String, Sendable, CaseIterable {
        case preference, enrollment, mandate
    }

    public var kind: Kind {
        switch self {
        case .preference: .preference
        case .enrollment: .enrollment
        case .mandate: .mandate
        }
    }

    /// The declarant's public key (`by`).
    public var by: PublicKey {
        switch self {
        case let .preference(p): p.by
        case let .enrollment(e): e.by
        case let .mandate(m): m.by
        }
    }

    public var issued: Timestamp {
        switch self {
        case let .preference(p): p.issued
        case let .enrollment(e): e.issued
        case let .mandate(m): m.issued
        }
    }

    /// The statement as a JSON object, ready for canonical encoding.
    public var json: JSONValue {
        switch self {
        case let .preference(p): p.json
        case let .enrollment(e): e.json
        case let .mandate(m): m.json
        }
    }

    /// Reads a statement object, checking every field against the type's rules.
    public init(json: JSONValue) throws(StatementError) {
        var fields = try FieldReader(json, context: "statement")
        let type = try fields.string("type")
        guard let kind = Kind(rawValue: type) else { throw .unknownType(type) }
        switch kind {
        case .preference: self = .preference(try Preference(fields: &fields))
        case .enrollment: self = .enrollment(try Enrollment(fields: &fields))
        case .mandate: self = .mandate(try Mandate(fields: &fields))
        }
        try fields.finish()
    }
}

/// The usage categories of PROTOCOL §3 and their parents: within one statement an
/// unstated category inherits its parent's value.
public enum UsageCategory: String, Sendable, CaseIterable {
    case tdm
    case trainAI = "train-ai"
    case trainGenAI = "train-genai"
    case aiInference = "ai-inference"
    case search

    public var parent: UsageCategory? {
        switch self {
        case .tdm: nil
        case .trainAI, .aiInference, .search: .tdm
        case .trainGenAI: .trainAI
        }
    }

    /// Category names are lower-case words joined by hyphens; unknown ones are kept.
    static func isWellFormed(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard let first = b.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"), b.count <= 64 else { return false }
        return b.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }
    }
}

public enum Purpose: String, Sendable, CaseIterable {
    case any, commercial
    case nonCommercial = "non-commercial"
    case research
}

/// Who a preference speaks to: everyone (`*`) or one licensee (`licensee:example-ai.com`).
public struct Audience: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public static let everyone = Audience(unchecked: "*")

    init(unchecked value: String) { self.value = value }

    public init?(_ value: String) {
        if value == "*" {
            self.value = value
            return
        }
        guard value.hasPrefix("licensee:") else { return nil }
        let id = value.dropFirst("licensee:".count)
        guard !id.isEmpty, id.count <= 253,
              id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2F || $0 == 0x5F })
        else { return nil }
        self.value = value
    }

    public var description: String { value }
}

/// Local Contexts Traditional Knowledge and Biocultural label codes, written `TK-SS`, `BC-NC`, ...
public enum LocalContextsLabel {
    public static func isWellFormed(_ code: String) -> Bool {
        let parts = code.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0] == "TK" || parts[0] == "BC" else { return false }
        return (1...4).contains(parts[1].count) && parts[1].utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }
}

public struct Conditions: Hashable, Sendable {
    /// How the work must be credited (an attribution line), if credit is required.
    public var credit: String?
    /// URL of the licence terms (remuneration and the rest).
    public var terms: String?
    public var purpose: Purpose?

    public init(credit: String? = nil, terms: String? = nil, purpose: Purpose? = nil) {
        self.credit = credit
        self.terms = terms
        self.purpose = purpose
    }

    var json: JSONValue {
        var o = [String: JSONValue]()
        if let credit { o["credit"] = .string(credit) }
        if let terms { o["terms"] = .string(terms) }
        if let purpose { o["purpose"] = .string(purpose.rawValue) }
        return .object(o)
    }

    init(json: JSONValue) throws(StatementError) {
        var f = try FieldReader(json, context: "conditions")
        credit = try f.optionalString("credit", maxLength: 1024)
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
        var o: [String: JSONValue] = [
            "type": "preference", "by": .string(by.base64), "issued": .string(issued.rfc3339),
            "work": .string(work.description), "audience": .string(audience.value),
            "usage": .object(usage.mapValues { .string($0 ? "y" : "n") }),
        ]
        if let conditions { o["conditions"] = conditions.json }
        if let expires { o["expires"] = .string(expires.rfc3339) }
        if let labels { o["labels"] = .array(labels.map { .string($0) }) }
        if let note { o["note"] = .string(note) }
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
        for (category, value) in u {
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
        note = try f.optionalString("note", maxLength: 4096)
    }
}

public struct Enrollment: Hashable, Sendable {
    public enum Role: String, Sendable, CaseIterable { case creator, rightsholder, publisher, steward, licensee }

    public struct Community: Hashable, Sendable {
        public var name: String
        /// Local Contexts Hub project identifiers.
        public var projects: [String]
        public init(name: String, projects: [String] = []) {
            self.name = name
            self.projects = projects
        }
    }

    public var by: PublicKey
    public var issued: Timestamp
    public var party: PublicKey
    public var role: Role
    public var name: String?
    /// Public identifiers such as `ipi:00052210040` or `isni:0000000121032683`; never contact details.
    public var ids: [String]?
    public var community: Community?
    public var active: Bool

    public init(by: PublicKey, issued: Timestamp, party: PublicKey, role: Role, name: String? = nil, ids: [String]? = nil,
                community: Community? = nil, active: Bool = true) {
        self.by = by
        self.issued = issued
        self.party = party
        self.role = role
        self.name = name
        self.ids = ids
        self.community = community
        self.active = active
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "type": "enrollment", "by": .string(by.base64), "issued": .string(issued.rfc3339),
            "party": .string(party.base64), "role": .string(role.rawValue), "status": .string(active ? "active" : "revoked"),
        ]
        if let name { o["name"] = .string(name) }
        if let ids { o["ids"] = .array(ids.map { .string($0) }) }
        if let community {
            o["community"] = ["name": .string(community.name), "projects": .array(community.projects.map { .string($0) })]
        }
        return .object(o)
    }

    init(fields f: inout FieldReader) throws(StatementError) {
        by = try f.publicKey("by")
        issued = try f.timestamp("issued")
        party = try f.publicKey("party")
        let r = try f.string("role")
        guard let role = Role(rawValue: r) else {
            throw .badField("role", "must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(r)\"")
        }
        self.role = role
        name = try f.optionalString("name", maxLength: 256)
        if let list = try f.optionalStringArray("ids", max: 16) {
            for id in list where !Enrollment.isPartyIdentifier(id) {
                throw .badField("ids", "\"\(id)\" is not ipi:<9-11 digits> or isni:<16 chars>")
            }
            ids = list
        }
        if let c = f.take("community") {
            var cf = try FieldReader(c, context: "community")
            let communityName = try cf.string("name", maxLength: 256)
            let projects = try cf.optionalStringArray("projects", max: 64) ?? []
            try cf.finish()
            community = Community(name: communityName, projects: projects)
        }
        if community != nil && role != .steward { throw .badField("community", "only a steward's enrollment names a community") }
        active = try f.status("status")
    }

    static func isPartyIdentifier(_ id: String) -> Bool {
        if id.hasPrefix("ipi:") {
            let digits = id.dropFirst(4)
            return (9...11).contains(digits.count) && digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        if id.hasPrefix("isni:") { return (try? WorkID(scheme: .isni, value: String(id.dropFirst(5)))) != nil }
        return false
    }
}

public struct Mandate: Hashable, Sendable {
    public enum Role: String, Sendable, CaseIterable { case author, rightsholder, steward }
    public static let maxWorks = 1000

    public var by: PublicKey
    public var issued: Timestamp
    public var party: PublicKey
    public var works: [WorkID]
    public var role: Role
    public var active: Bool
    public var labels: [String]?

    public init(by: PublicKey, issued: Timestamp, party: PublicKey, works: [WorkID], role: Role, active: Bool = true, labels: [String]? = nil) {
        self.by = by
        self.issued = issued
        self.party = party
        self.works = works
        self.role = role
        self.active = active
        self.labels = labels
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "type": "mandate", "by": .string(by.base64), "issued": .string(issued.rfc3339),
            "party": .string(party.base64), "works": .array(works.map { .string($0.description) }),
            "role": .string(role.rawValue), "status": .string(active ? "active" : "revoked"),
        ]
        if let labels { o["labels"] = .array(labels.map { .string($0) }) }
        return .object(o)
    }

    init(fields f: inout FieldReader) throws(StatementError) {
        by = try f.publicKey("by")
        issued = try f.timestamp("issued")
        party = try f.publicKey("party")
        guard case let .array(list)? = f.take("works"), !list.isEmpty else { throw .badField("works", "must be a non-empty array of work identifiers") }
        guard list.count <= Mandate.maxWorks else { throw .badField("works", "\(list.count) works, at most \(Mandate.maxWorks)") }
        var works = [WorkID]()
        var seen = Set<WorkID>()
        for (i, item) in list.enumerated() {
            guard case let .string(text) = item else { throw .badField("works[\(i)]", "must be a string") }
            let id: WorkID
            do { id = try WorkID(parsing: text) } catch { throw .badWorkID("works[\(i)]", error) }
            guard id.description == text else { throw .badField("works[\(i)]", "\"\(text)\" is not normalized; write \"\(id)\"") }
            guard seen.insert(id).inserted else { throw .badField("works[\(i)]", "\(id) is listed twice") }
            works.append(id)
        }
        self.works = works
        let r = try f.string("role")
        guard let role = Role(rawValue: r) else {
            throw .badField("role", "must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(r)\"")
        }
        self.role = role
        active = try f.status("status")
        labels = try f.labels("labels")
        if labels != nil && role != .steward { throw .badField("labels", "only a steward's mandate carries community labels") }
    }
}

public enum StatementError: Error, Equatable, Sendable, CustomStringConvertible {
    case notJSON(CanonicalJSONError)
    case notObject(String)
    case missingField(String)
    case unknownField(String)
    case wrongType(field: String, expected: String, found: String)
    case badField(String, String)
    case badWorkID(String, WorkIDError)
    case unknownType(String)
    case badSignature
    case tooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case let .notJSON(e): "\(e)"
        case let .notObject(context): "\(context) must be a JSON object"
        case let .missingField(f): "missing field \"\(f)\""
        case let .unknownField(f): "unknown field \"\(f)\""
        case let .wrongType(field, expected, found): "field \"\(field)\" must be \(expected), found \(found)"
        case let .badField(f, why): "field \"\(f)\": \(why)"
        case let .badWorkID(f, e): "field \"\(f)\": \(e)"
        case let .unknownType(t): "unknown statement type \"\(t)\": expected preference, enrollment or mandate"
        case .badSignature: "signature does not verify against the key in \"by\""
        case let .tooLarge(bytes, limit): "statement is \(bytes) bytes, the limit is \(limit)"
        }
    }
}

/// Takes fields out of a JSON object one by one, so that whatever is left at the end is an unknown field.
struct FieldReader {
    private var members: [String: JSONValue]
    let context: String

    init(_ value: JSONValue, context: String) throws(StatementError) {
        guard case let .object(m) = value else { throw .notObject(context) }
        members = m
        self.context = context
    }

    mutating func take(_ key: String) -> JSONValue? { members.removeValue(forKey: key) }

    func finish() throws(StatementError) {
        if let extra = members.keys.sorted().first { throw .unknownField(extra) }
    }

    mutating func string(_ key: String, maxLength: Int = 1024) throws(StatementError) -> String {
        guard let v = take(key) else { throw .missingField(key) }
        guard case let .string(s) = v else { throw .wrongType(field: key, expected: "a string", found: v.typeName) }
        guard s.utf8.count <= maxLength else { throw .badField(key, "longer than \(maxLength) bytes") }
        return s
    }

    mutating func optionalString(_ key: String, maxLength: Int = 1024) throws(StatementError) -> String? {
        guard members[key] != nil else { return nil }
        return try string(key, maxLength: maxLength)
    }

    mutating func optionalStringArray(_ key: String, max: Int) throws(StatementError) -> [String]? {
        guard let v = take(key) else { return nil }
        guard case let .array(items) = v else { throw .wrongType(field: key, expected: "an array of strings", found: v.typeName) }
        guard items.count <= max else { throw .badField(key, "more than \(max) items") }
        var out = [String]()
        for item in items {
            guard case let .string(s) = item, !s.isEmpty, s.utf8.count <= 256 else { throw .badField(key, "items must be non-empty strings") }
            out.append(s)
        }
        return out
    }

    mutating func labels(_ key: String) throws(StatementError) -> [String]? {
        guard let list = try optionalStringArray(key, max: 32) else { return nil }
        for code in list where !LocalContextsLabel.isWellFormed(code) {
            throw .badField(key, "\"\(code)\" is not a Local Contexts label code such as TK-SS or BC-NC")
        }
        return list
    }

    mutating func publicKey(_ key: String) throws(StatementError) -> PublicKey {
        let s = try string(key)
        guard let k = PublicKey(base64: s) else { throw .badField(key, "must be base64 of a 32-byte Ed25519 public key") }
        return k
    }

    mutating func timestamp(_ key: String) throws(StatementError) -> Timestamp {
        let s = try string(key)
        guard let t = Timestamp(rfc3339: s) else { throw .badField(key, "\"\(s)\" is not RFC 3339 UTC with milliseconds, like 2026-11-21T10:00:00.000Z") }
        return t
    }

    mutating func optionalTimestamp(_ key: String) throws(StatementError) -> Timestamp? {
        guard members[key] != nil else { return nil }
        return try timestamp(key)
    }

    mutating func workID(_ key: String) throws(StatementError) -> WorkID {
        let s = try string(key)
        let id: WorkID
        do { id = try WorkID(parsing: s) } catch { throw .badWorkID(key, error) }
        guard id.description == s else { throw .badField(key, "\"\(s)\" is not normalized; write \"\(id)\"") }
        return id
    }

    mutating func status(_ key: String) throws(StatementError) -> Bool {
        switch try string(key) {
        case "active": return true
        case "revoked": return false
        case let other: throw .badField(key, "must be active or revoked, found \"\(other)\"")
        }
    }
}
