/// The state-map record of one declarant's preferences for one work in one log (PROTOCOL §5):
/// per audience, the latest preference (by `issued`, ties by statement hash, as §6 orders
/// statements) after the leaf that made this version. Map key:
/// `MapKey.declaration(work:declarant:version:)`. Kept apart from the work record so that
/// nobody can grow another party's records.
///
/// `{"by": declarant key, "index": N, "preferences": [...], "record": "declaration", "time": T,
/// "version": v, "work": id}`, each preference `{"audience": "*" | "licensee:…", "ref": {...}}`
/// sorted by audience as bytes.
public struct DeclarationRecord: Hashable, Sendable {
    public struct PreferenceEntry: Hashable, Sendable, MapRecordListItem {
        public let audience: Audience
        public let ref: MapLeafReference

        public init(audience: Audience, ref: MapLeafReference) {
            self.audience = audience
            self.ref = ref
        }

        var order: [UInt8] { Array(audience.value.utf8) }
        var json: JSONValue { ["audience": .string(audience.value), "ref": ref.json] }

        /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
        func write(_ w: inout CanonicalJSONWriter) {
            w.beginObject()
            w.key("audience"); w.string(audience.value)
            w.key("ref"); ref.write(&w)
            w.endObject()
        }

        init(json: JSONValue, record: String, list: String, index: Int) throws(MapRecordError) {
            let ref = try MapLeafReference(json: json["ref"], record: record, list: list, index: index)
            self = try MapRecordList.item(json, record: record, list: list, index: index) { (f: inout FieldReader) throws(StatementError) in
                _ = f.take("ref")
                let text = try f.string("audience")
                guard let audience = Audience(text) else { throw .badField("audience", "\"\(text)\" is not * or licensee:<id>") }
                return PreferenceEntry(audience: audience, ref: ref)
            }
        }
    }

    public static let kind = "declaration"

    public let stamp: MapRecordStamp
    public let work: WorkID
    public let declarant: PublicKey
    public let preferences: [PreferenceEntry]

    /// Puts the preferences in canonical order; refuses two for one audience.
    public init(stamp: MapRecordStamp, work: WorkID, declarant: PublicKey, preferences: [PreferenceEntry]) throws(MapRecordError) {
        try MapRecordStamp.check(stamp, refs: preferences.map(\.ref), record: Self.kind)
        self.stamp = stamp
        self.work = work
        self.declarant = declarant
        self.preferences = try MapRecordList.canonical(preferences, record: Self.kind, list: "preferences")
    }

    public var subject: MapSubject { .declaration(work: work, declarant: declarant) }

    public var json: JSONValue {
        var o = stamp.members
        o["record"] = .string(Self.kind)
        o["work"] = .string(work.description)
        o["by"] = .string(declarant.base64)
        o["preferences"] = .array(preferences.map(\.json))
        return .object(o)
    }

    /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
    func write(_ w: inout CanonicalJSONWriter) {
        w.beginObject()
        w.key("by"); w.string(declarant.base64)
        w.key("index"); w.integer(Int64(truncatingIfNeeded: stamp.index))
        w.key("preferences"); w.beginArray()
        for p in preferences { p.write(&w) }
        w.endArray()
        w.key("record"); w.string(Self.kind)
        w.key("time"); w.string(stamp.time)
        w.key("version"); w.integer(Int64(stamp.version))
        w.key("work"); w.string(work.description)
        w.endObject()
    }

    init(_ f: inout FieldReader) throws(MapRecordError) {
        let stamp = try MapRecordStamp(&f, record: Self.kind)
        let work: WorkID, declarant: PublicKey
        do throws(StatementError) {
            work = try f.workID("work")
            declarant = try f.publicKey("by")
        } catch { throw .badField(record: Self.kind, error) }
        let preferences: [PreferenceEntry] = try MapRecordList.read(&f, record: Self.kind, list: "preferences")
        try self.init(stamp: stamp, work: work, declarant: declarant, preferences: preferences)
    }
}
