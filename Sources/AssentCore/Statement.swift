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
