public struct Mandate: Hashable, Sendable {
    public enum Role: String, Sendable, CaseIterable { case author, rightsholder, steward }
    public static let maxWorks = 1000
    /// Local Contexts label codes on a steward's mandate, at most.
    public static let maxLabels = 32

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
        var o: [JSONKey: JSONValue] = [
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
            // The same bound as a preference's `work` (FieldReader.workID).
            guard text.utf8.count <= WorkID.maxBytes else { throw .badField("works[\(i)]", "longer than \(WorkID.maxBytes) bytes") }
            let id: WorkID
            do { id = try WorkID(parsingNormalized: text) } catch { throw .badWorkID("works[\(i)]", error) }
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
