/// Consent statements (PROTOCOL §3): preferences by creators, rightsholders and
/// stewards; enrollments and mandates by a society's operator key.
public enum Statement: Hashable, Sendable {
    case preference(Preference)
    case enrollment(Enrollment)
    case mandate(Mandate)
    case erasure(Erasure)

    public enum Kind: String, Sendable, CaseIterable {
        case preference, enrollment, mandate, erasure
    }

    public var kind: Kind {
        switch self {
        case .preference: .preference
        case .enrollment: .enrollment
        case .mandate: .mandate
        case .erasure: .erasure
        }
    }

    /// The declarant's public key (`by`).
    public var by: PublicKey {
        switch self {
        case let .preference(p): p.by
        case let .enrollment(e): e.by
        case let .mandate(m): m.by
        case let .erasure(e): e.by
        }
    }

    public var issued: Timestamp {
        switch self {
        case let .preference(p): p.issued
        case let .enrollment(e): e.issued
        case let .mandate(m): m.issued
        case let .erasure(e): e.issued
        }
    }

    /// The statement as a JSON object, ready for canonical encoding.
    public var json: JSONValue {
        switch self {
        case let .preference(p): p.json
        case let .enrollment(e): e.json
        case let .mandate(m): m.json
        case let .erasure(e): e.json
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
        case .erasure: self = .erasure(try Erasure(fields: &fields))
        }
        try fields.finish()
    }

    /// The statement's commitments (docs/protocol.md "Personal data"), each with its JSON
    /// Pointer, in the statement's field order: what a submission must disclose.
    public var commitments: [CommittedField] {
        switch self {
        case let .enrollment(e):
            var out = [CommittedField]()
            if let name = e.name { out.append(CommittedField(pointer: "/name", kind: .name, commitment: name)) }
            for (i, id) in (e.ids ?? []).enumerated() { out.append(CommittedField(pointer: "/ids/\(i)", kind: .id, commitment: id)) }
            return out
        case let .preference(p):
            var out = [CommittedField]()
            if let credit = p.conditions?.credit { out.append(CommittedField(pointer: "/conditions/credit", kind: .credit, commitment: credit)) }
            if let note = p.note { out.append(CommittedField(pointer: "/note", kind: .note, commitment: note)) }
            return out
        case .mandate, .erasure:
            return []
        }
    }
}
