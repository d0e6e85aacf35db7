/// The state-map record of a party in one log (PROTOCOL §5): its enrollment state after the
/// leaf that made this version, one entry per operator that enrolled it (the latest enrollment
/// of that operator, active or revoked: a revocation is state §6 needs, so it stays).
/// Map key: `MapKey.party(_:version:)`.
///
/// `{"enrollments": [...], "index": N, "party": key, "record": "party", "time": T, "version": v}`,
/// each enrollment `{"by": operator key, "ref": {...}, "role": role, "status": "active" | "revoked"}`
/// sorted by operator key as bytes.
public struct PartyRecord: Hashable, Sendable {
    public struct EnrollmentEntry: Hashable, Sendable, MapRecordListItem {
        public let by: PublicKey
        public let role: Enrollment.Role
        public let active: Bool
        public let ref: MapLeafReference

        public init(by: PublicKey, role: Enrollment.Role, active: Bool, ref: MapLeafReference) {
            self.by = by
            self.role = role
            self.active = active
            self.ref = ref
        }

        var order: [UInt8] { by.bytes }
        var json: JSONValue {
            ["by": .string(by.base64), "ref": ref.json, "role": .string(role.rawValue), "status": .string(active ? "active" : "revoked")]
        }

        /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
        func write(_ w: inout CanonicalJSONWriter) {
            w.beginObject()
            w.key("by"); w.string(by.base64)
            w.key("ref"); ref.write(&w)
            w.key("role"); w.string(role.rawValue)
            w.key("status"); w.string(active ? "active" : "revoked")
            w.endObject()
        }

        init(json: JSONValue, record: String, list: String, index: Int) throws(MapRecordError) {
            let ref = try MapLeafReference(json: json["ref"], record: record, list: list, index: index)
            self = try MapRecordList.item(json, record: record, list: list, index: index) { (f: inout FieldReader) throws(StatementError) in
                _ = f.take("ref")
                let by = try f.publicKey("by")
                let roleName = try f.string("role")
                guard let role = Enrollment.Role(rawValue: roleName) else {
                    throw .badField("role", "\"\(roleName)\" is not creator, rightsholder, publisher, steward or licensee")
                }
                return EnrollmentEntry(by: by, role: role, active: try f.status("status"), ref: ref)
            }
        }
    }

    public static let kind = "party"

    public let stamp: MapRecordStamp
    public let party: PublicKey
    public let enrollments: [EnrollmentEntry]

    /// Puts the enrollments in canonical order; refuses two from one operator.
    public init(stamp: MapRecordStamp, party: PublicKey, enrollments: [EnrollmentEntry]) throws(MapRecordError) {
        try MapRecordStamp.check(stamp, refs: enrollments.map(\.ref), record: Self.kind)
        self.stamp = stamp
        self.party = party
        self.enrollments = try MapRecordList.canonical(enrollments, record: Self.kind, list: "enrollments")
    }

    public var subject: MapSubject { .party(party) }

    public var json: JSONValue {
        var o = stamp.members
        o["record"] = .string(Self.kind)
        o["party"] = .string(party.base64)
        o["enrollments"] = .array(enrollments.map(\.json))
        return .object(o)
    }

    /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
    func write(_ w: inout CanonicalJSONWriter) {
        w.beginObject()
        w.key("enrollments"); w.beginArray()
        for e in enrollments { e.write(&w) }
        w.endArray()
        w.key("index"); w.integer(Int64(truncatingIfNeeded: stamp.index))
        w.key("party"); w.string(party.base64)
        w.key("record"); w.string(Self.kind)
        w.key("time"); w.string(stamp.time)
        w.key("version"); w.integer(Int64(stamp.version))
        w.endObject()
    }

    init(_ f: inout FieldReader) throws(MapRecordError) {
        let stamp = try MapRecordStamp(&f, record: Self.kind)
        let party: PublicKey
        do throws(StatementError) { party = try f.publicKey("party") } catch { throw .badField(record: Self.kind, error) }
        let enrollments: [EnrollmentEntry] = try MapRecordList.read(&f, record: Self.kind, list: "enrollments")
        try self.init(stamp: stamp, party: party, enrollments: enrollments)
    }
}
