public struct Enrollment: Hashable, Sendable {
    public enum Role: String, Sendable, CaseIterable { case creator, rightsholder, publisher, steward, licensee }

    public struct Community: Hashable, Sendable {
        public var name: String
        /// Local Contexts Hub project identifiers.
        public var projects: [String]
        /// Limits in UTF-8 bytes (a community's name is in clear: it names a community, not a person).
        public static let maxNameBytes = 256
        public static let maxProjects = 64
        public static let maxProjectBytes = 256
        public init(name: String, projects: [String] = []) {
            self.name = name
            self.projects = projects
        }
    }

    public var by: PublicKey
    public var issued: Timestamp
    public var party: PublicKey
    public var role: Role
    /// A commitment to the party's name (at most `maxNameCharacters`), never the name itself:
    /// the log is public and permanent (docs/protocol.md "Personal data").
    public var name: Commitment?
    /// Commitments to public identifiers, each disclosed in its normal form (`PartyIdentifier`),
    /// such as `ipi:00052210040` or `isni:0000000121032683`; never contact details.
    public var ids: [Commitment]?
    public static let maxNameCharacters = 256
    public static let maxIDs = 16
    public var community: Community?
    public var active: Bool

    public init(by: PublicKey, issued: Timestamp, party: PublicKey, role: Role, name: Commitment? = nil, ids: [Commitment]? = nil,
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
        if let name { o["name"] = name.json }
        if let ids { o["ids"] = .array(ids.map(\.json)) }
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
        if let n = f.take("name") { name = try Commitment(json: n, field: "name") }
        if let list = f.take("ids") {
            guard case let .array(items) = list else { throw .wrongType(field: "ids", expected: "an array of commitments", found: list.typeName) }
            guard items.count <= Enrollment.maxIDs else { throw .badField("ids", "more than \(Enrollment.maxIDs) items") }
            var out = [Commitment]()
            for (i, item) in items.enumerated() { out.append(try Commitment(json: item, field: "ids[\(i)]")) }
            ids = out
        }
        if let c = f.take("community") {
            var cf = try FieldReader(c, context: "community", prefix: "community.")
            let communityName = try cf.string("name", maxLength: Community.maxNameBytes)
            // A name is shown to people and compared as bytes: an empty one names no one, and white
            // space at either end would make two spellings of one name (as identifiers, PROTOCOL §2).
            guard let first = communityName.unicodeScalars.first, let last = communityName.unicodeScalars.last else {
                throw .badField("community.name", "is empty")
            }
            guard !first.properties.isWhitespace, !last.properties.isWhitespace else {
                throw .badField("community.name", "begins or ends with white space")
            }
            let projects = try cf.optionalStringArray("projects", max: Community.maxProjects, maxItemBytes: Community.maxProjectBytes) ?? []
            try cf.finish()
            community = Community(name: communityName, projects: projects)
        }
        if community != nil && role != .steward { throw .badField("community", "only a steward's enrollment names a community") }
        active = try f.status("status")
    }
}
