/// What every state-map record holds about itself (PROTOCOL §5): its version (1, 2, … per
/// subject) and the index and time of the log leaf that made it. JSON members `version`,
/// `index` and `time` (RFC 3339 with milliseconds, as the leaf's `time`).
public struct MapRecordStamp: Hashable, Sendable {
    public let version: UInt32
    public let index: UInt64
    public let time: Timestamp

    public init(version: UInt32, index: UInt64, time: Timestamp) {
        self.version = version
        self.index = index
        self.time = time
    }

    /// The JSON members; the record that holds the stamp has checked it (`check`).
    var members: [JSONKey: JSONValue] {
        ["version": .integer(Int64(version)), "index": .integer(Int64(truncatingIfNeeded: index)), "time": .string(time.rfc3339)]
    }

    /// A record's stamp and references must fit the JSON profile (PROTOCOL §1): version ≥ 1,
    /// leaf indexes within 2^53−1, and a time RFC 3339 can print with a four-digit year.
    static func check(_ stamp: MapRecordStamp, refs: [MapLeafReference], record: String) throws(MapRecordError) {
        guard stamp.version >= 1 else { throw .outOfRange(record: record, "version 0: versions count from 1") }
        guard Timestamp.fourDigitYears.contains(stamp.time.milliseconds) else {
            throw .outOfRange(record: record, "time \(stamp.time.milliseconds) ms is outside the years 0000–9999")
        }
        for n in [stamp.index] + refs.map(\.index) where n > UInt64(JSONValue.maxInteger) {
            throw .outOfRange(record: record, "leaf index \(n) is beyond 2^53−1")
        }
    }

    init(_ f: inout FieldReader, record: String) throws(MapRecordError) {
        do throws(StatementError) {
            guard case let .integer(v)? = f.take("version"), v >= 1, v <= Int64(UInt32.max) else {
                throw .badField("version", "must be an integer from 1 to \(UInt32.max)")
            }
            guard case let .integer(i)? = f.take("index"), i >= 0 else { throw .badField("index", "must be an integer ≥ 0") }
            self.init(version: UInt32(v), index: UInt64(i), time: try f.timestamp("time"))
        } catch { throw .badField(record: record, error) }
    }
}
