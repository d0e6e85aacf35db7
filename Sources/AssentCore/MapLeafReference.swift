/// A reference from a state-map record to the log leaf it rests on (PROTOCOL §5): the leaf's
/// index and its RFC 6962 leaf hash, so that a verifier given the leaf can check it is that one.
/// JSON: `{"hash": base64, "index": N}`.
public struct MapLeafReference: Hashable, Sendable {
    public let index: UInt64
    public let hash: Hash

    public init(index: UInt64, hash: Hash) {
        self.index = index
        self.hash = hash
    }

    public init(_ leaf: LogLeaf) { self.init(index: leaf.index, hash: leaf.leafHash) }

    /// The JSON form; the record that holds it has checked the index is within 2^53−1.
    var json: JSONValue {
        ["hash": .string(hash.base64), "index": .integer(Int64(truncatingIfNeeded: index))]
    }

    /// `json`, written directly: members in canonical order (RFC 8785 §3.2.3).
    func write(_ w: inout CanonicalJSONWriter) {
        w.beginObject()
        w.key("hash"); w.string(hash.base64)
        w.key("index"); w.integer(Int64(truncatingIfNeeded: index))
        w.endObject()
    }

    init(json: JSONValue?, record: String, list: String, index i: Int) throws(MapRecordError) {
        guard case let .object(o)? = json, o.count == 2, case let .string(h)? = o["hash"], let hash = Hash(base64: h),
              case let .integer(n)? = o["index"], n >= 0
        else { throw .badItem(record: record, list: list, index: i, "\"ref\" must be {\"hash\": base64 of 32 bytes, \"index\": N ≥ 0}") }
        self.init(index: UInt64(n), hash: hash)
    }
}
