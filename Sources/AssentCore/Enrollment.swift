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
    /// Public identifiers in their normal form (`PartyIdentifier`), such as `ipi:00052210040` or
    /// `isni:0000000121032683`; never contact details.
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
        var o: [JSONKey: JSONValue] = [
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
            for (i, id) in list.enumerated() {
                do { _ = try PartyIdentifier(parsingNormalized: id) } catch { throw .badField("ids[\(i)]", "\(error)") }
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
}
