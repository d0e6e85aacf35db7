/// What a state-map key family describes (PROTOCOL §5): a work, a (work, declarant) pair or a
/// party. Its versions 1, 2, … are the map keys of its successive records.
public enum MapSubject: Hashable, Sendable, CustomStringConvertible {
    case work(WorkID)
    case declaration(work: WorkID, declarant: PublicKey)
    case party(PublicKey)

    /// The map key of this subject's record `version`.
    public func key(version: UInt32) -> Hash {
        switch self {
        case let .work(work): MapKey.work(work, version: version)
        case let .declaration(work, declarant): MapKey.declaration(work: work, declarant: declarant, version: version)
        case let .party(party): MapKey.party(party, version: version)
        }
    }

    /// JSON: `{"work": id}`, `{"by": key, "work": id}` or `{"party": key}`.
    public var json: JSONValue {
        switch self {
        case let .work(work): ["work": .string(work.description)]
        case let .declaration(work, declarant): ["by": .string(declarant.base64), "work": .string(work.description)]
        case let .party(party): ["party": .string(party.base64)]
        }
    }

    public init(json: JSONValue) throws(StatementError) {
        var f = try FieldReader(json, context: "subject")
        let by = try f.optionalString("by")
        let work = try f.optionalString("work")
        let party = try f.optionalString("party")
        try f.finish()
        func key(_ field: String, _ text: String) throws(StatementError) -> PublicKey {
            do { return try PublicKey(base64: text) } catch { throw .badPublicKey(field, error) }
        }
        func workID(_ text: String) throws(StatementError) -> WorkID {
            do { return try WorkID(parsingNormalized: text) } catch { throw .badWorkID("work", error) }
        }
        switch (work, by, party) {
        case let (w?, nil, nil): self = .work(try workID(w))
        case let (w?, b?, nil): self = .declaration(work: try workID(w), declarant: try key("by", b))
        case let (nil, nil, p?): self = .party(try key("party", p))
        default: throw .badField("subject", "must be {\"work\"}, {\"by\", \"work\"} or {\"party\"}")
        }
    }

    public var description: String {
        switch self {
        case let .work(work): "work \(work)"
        case let .declaration(work, declarant): "declarations of \(declarant) on work \(work)"
        case let .party(party): "party \(party)"
        }
    }
}
