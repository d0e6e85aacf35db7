/// Writes canonical JSON (RFC 8785, in Assent's profile, PROTOCOL §1) straight into bytes, for
/// the few hot paths that would otherwise build a `JSONValue` (a dictionary a level, a string a
/// member name, a sort a level) only to encode it at once: every state-map record a batch makes
/// (`MapRecord.canonicalBytes`, hashed into the map) and every reply line of a bulk check
/// (`CompactDecision.writeJSON`).
///
/// The writer does not sort: the caller writes each object's members in RFC 8785 §3.2.3 order
/// (by UTF-16 code units; the member names written here are ASCII, so by bytes). The output must
/// be the bytes `CanonicalJSON.encode` gives for the same value; each user has a test that
/// compares the two over random values.
public struct CanonicalJSONWriter {
    public private(set) var bytes: [UInt8]
    /// A value or member was written at the current level: the next one is preceded by a comma.
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Starts over, keeping the buffer's capacity (a writer reused for many lines).
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name; the caller writes names in canonical order, and only names that need no
    /// escape (the fixed ASCII names of Assent's formats).
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    /// A member name known only at run time (a category's name), escaped as a string is.
    public mutating func key(_ name: String) {
        separate()
        CanonicalJSON.writeString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Ends a line of NDJSON: a newline, and the next value starts afresh.
    public mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    /// A string value, escaped as `CanonicalJSON.writeString` does (RFC 8785 §3.2.2.2).
    public mutating func string(_ s: String) {
        separate()
        CanonicalJSON.writeString(s, into: &bytes)
        needsComma = true
    }

    /// A string value given as its UTF-8 bytes (valid UTF-8: text built from strings and ASCII,
    /// such as a receipt), escaped as `string(_:)` escapes.
    public mutating func string(utf8: [UInt8]) {
        separate()
        utf8.withUnsafeBufferPointer { CanonicalJSON.writeString(utf8: $0, into: &bytes) }
        needsComma = true
    }

    /// Any value, as `CanonicalJSON.write` writes it (its members sorted there).
    public mutating func value(_ v: JSONValue) {
        separate()
        CanonicalJSON.write(v, into: &bytes)
        needsComma = true
    }

    /// A time as its RFC 3339 string (`Timestamp.rfc3339`, which needs no escape).
    public mutating func string(_ t: Timestamp) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        t.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func bool(_ b: Bool) {
        separate()
        bytes.append(contentsOf: b ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
        needsComma = true
    }

    /// An integer, in the digits `String(n)` gives (as `CanonicalJSON.write` writes `.integer`):
    /// total for every `Int64`, bounds being the caller's, as there.
    public mutating func integer(_ n: Int64) {
        separate()
        CanonicalJSON.writeInteger(n, into: &bytes)
        needsComma = true
    }
}

extension CanonicalJSON {
    /// The decimal digits of `n`, with a leading `-` when negative: `String(n)`'s bytes, without
    /// making the string.
    public static func writeInteger(_ n: Int64, into out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var m = n.magnitude
        // 20 digits hold UInt64.max; written backwards, then copied in order.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: buffer[at...])
        }
    }
}
