/// A state-map record of any kind (PROTOCOL §5), read back from or written as its canonical
/// JSON (RFC 8785). The map value of a record is SHA-256 of those canonical bytes.
public enum MapRecord: Hashable, Sendable {
    case work(WorkRecord)
    case declaration(DeclarationRecord)
    case party(PartyRecord)

    /// A record is small: a work's mandates and a declarant's audiences, not whole statements.
    public static let maxBytes = 1 << 20

    public var stamp: MapRecordStamp {
        switch self {
        case let .work(r): r.stamp
        case let .declaration(r): r.stamp
        case let .party(r): r.stamp
        }
    }

    public var subject: MapSubject {
        switch self {
        case let .work(r): r.subject
        case let .declaration(r): r.subject
        case let .party(r): r.subject
        }
    }

    public var json: JSONValue {
        switch self {
        case let .work(r): r.json
        case let .declaration(r): r.json
        case let .party(r): r.json
        }
    }

    /// The canonical bytes of `json`, written directly (`CanonicalJSONWriter`): a batch encodes
    /// every record version it makes, up to a million for a large mandate batch.
    public var canonicalBytes: [UInt8] {
        var w = CanonicalJSONWriter(capacity: 512)
        switch self {
        case let .work(r): r.write(&w)
        case let .declaration(r): r.write(&w)
        case let .party(r): r.write(&w)
        }
        return w.bytes
    }

    /// The map value: SHA-256 of the canonical record bytes.
    public var value: Hash { SHA256.hash(canonicalBytes) }

    /// The map key this record is stored under: its subject's key at its version.
    public var key: Hash { subject.key(version: stamp.version) }

    public var entry: PrefixTreeEntry { PrefixTreeEntry(key: key, value: value) }

    /// Reads a record strictly: canonical bytes, every member known and well-formed, lists in
    /// canonical order.
    public init(bytes: [UInt8]) throws(MapRecordError) {
        guard bytes.count <= MapRecord.maxBytes else { throw .tooLarge(bytes: bytes.count, limit: MapRecord.maxBytes) }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes, requireCanonical: true) } catch { throw .notJSON(error) }
        try self.init(json: value)
    }

    /// Reads a record from a JSON value (as embedded in a proof); lists must be in canonical order.
    public init(json: JSONValue) throws(MapRecordError) {
        var f: FieldReader
        let kind: String
        do throws(StatementError) {
            f = try FieldReader(json, context: "map record")
            kind = try f.string("record")
        } catch { throw .badField(record: "map", error) }
        switch kind {
        case WorkRecord.kind: self = .work(try WorkRecord(&f))
        case DeclarationRecord.kind: self = .declaration(try DeclarationRecord(&f))
        case PartyRecord.kind: self = .party(try PartyRecord(&f))
        default: throw .unknownKind(kind)
        }
        do throws(StatementError) { try f.finish() } catch { throw .badField(record: kind, error) }
    }
}
