/// The state-map record of a work in one log (PROTOCOL §5): its mandates after the leaf that
/// made this version, one entry per (operator, party, role): the latest mandate for it (by
/// `issued`, ties by statement hash), active or revoked. A revoked mandate stays as an entry so
/// that an older mandate logged later cannot bring it back; the active mandates of §5 are the
/// entries whose status is active. Map key: `MapKey.work(work, version:)`.
///
/// `{"index": N, "mandates": [...], "record": "work", "time": T, "version": v, "work": id}`,
/// each mandate `{"by": operator key, "labels": [codes], "party": key, "ref": {...}, "role": role,
/// "status": "active" | "revoked"}` sorted by (by, party, role) as bytes. `labels` is always
/// present (empty when the mandate has none) and keeps the mandate's order.
public struct WorkRecord: Hashable, Sendable {
    public struct MandateEntry: Hashable, Sendable, MapRecordListItem {
        public let by: PublicKey
        public let party: PublicKey
        public let role: Mandate.Role
        public let labels: [String]
        public let active: Bool
        public let ref: MapLeafReference

        public init(by: PublicKey, party: PublicKey, role: Mandate.Role, labels: [String], active: Bool, ref: MapLeafReference) {
            self.by = by
            self.party = party
            self.role = role
            self.labels = labels
            self.active = active
            self.ref = ref
        }

        var order: [UInt8] { by.bytes + party.bytes + Array(role.rawValue.utf8) }

        var json: JSONValue {
            ["by": .string(by.base64), "labels": .array(labels.map { .string($0) }), "party": .string(party.base64),
             "ref": ref.json, "role": .string(role.rawValue), "status": .string(active ? "active" : "revoked")]
        }

        /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
        func write(_ w: inout CanonicalJSONWriter) {
            w.beginObject()
            w.key("by"); w.string(by.base64)
            w.key("labels"); w.beginArray()
            for label in labels { w.string(label) }
            w.endArray()
            w.key("party"); w.string(party.base64)
            w.key("ref"); ref.write(&w)
            w.key("role"); w.string(role.rawValue)
            w.key("status"); w.string(active ? "active" : "revoked")
            w.endObject()
        }

        init(json: JSONValue, record: String, list: String, index: Int) throws(MapRecordError) {
            let ref = try MapLeafReference(json: json["ref"], record: record, list: list, index: index)
            guard json["labels"] != nil else { throw .badItem(record: record, list: list, index: index, "missing field \"labels\"") }
            self = try MapRecordList.item(json, record: record, list: list, index: index) { (f: inout FieldReader) throws(StatementError) in
                _ = f.take("ref")
                let by = try f.publicKey("by")
                let party = try f.publicKey("party")
                let roleName = try f.string("role")
                guard let role = Mandate.Role(rawValue: roleName) else { throw .badField("role", "\"\(roleName)\" is not author, rightsholder or steward") }
                let labels = try f.labels("labels") ?? []
                return MandateEntry(by: by, party: party, role: role, labels: labels, active: try f.status("status"), ref: ref)
            }
        }
    }

    public static let kind = "work"

    public let stamp: MapRecordStamp
    public let work: WorkID
    public let mandates: [MandateEntry]

    /// Puts the mandates in canonical order; refuses two for one (operator, party, role).
    public init(stamp: MapRecordStamp, work: WorkID, mandates: [MandateEntry]) throws(MapRecordError) {
        try MapRecordStamp.check(stamp, refs: mandates.map(\.ref), record: Self.kind)
        self.stamp = stamp
        self.work = work
        self.mandates = try MapRecordList.canonical(mandates, record: Self.kind, list: "mandates")
    }

    public var subject: MapSubject { .work(work) }

    public var json: JSONValue {
        var o = stamp.members
        o["record"] = .string(Self.kind)
        o["work"] = .string(work.description)
        o["mandates"] = .array(mandates.map(\.json))
        return .object(o)
    }

    /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
    func write(_ w: inout CanonicalJSONWriter) {
        w.beginObject()
        w.key("index"); w.integer(Int64(truncatingIfNeeded: stamp.index))
        w.key("mandates"); w.beginArray()
        for m in mandates { m.write(&w) }
        w.endArray()
        w.key("record"); w.string(Self.kind)
        w.key("time"); w.string(stamp.time)
        w.key("version"); w.integer(Int64(stamp.version))
        w.key("work"); w.string(work.description)
        w.endObject()
    }

    init(_ f: inout FieldReader) throws(MapRecordError) {
        let stamp = try MapRecordStamp(&f, record: Self.kind)
        let work: WorkID
        do throws(StatementError) { work = try f.workID("work") } catch { throw .badField(record: Self.kind, error) }
        let mandates: [MandateEntry] = try MapRecordList.read(&f, record: Self.kind, list: "mandates")
        try self.init(stamp: stamp, work: work, mandates: mandates)
    }
}
