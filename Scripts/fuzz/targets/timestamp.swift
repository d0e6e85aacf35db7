// Timestamp(rfc3339:): one spelling per instant, printed back as parsed. Printing must be total:
// any millisecond count (first 8 bytes of the input) prints without trapping.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        ["2026-11-21T10:00:00.000Z", "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "2024-02-29T12:34:56.789Z"].map(Samples.bytes)
    }

    static func run(_ input: [UInt8]) {
        let s = text(input)
        if let t = Timestamp(rfc3339: s) {
            require(t.rfc3339 == s, "\(s) prints as \(t.rfc3339)")
        }
        if input.count >= 8 {
            let t = Timestamp(milliseconds: input[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) })
            let printed = t.rfc3339
            if let back = Timestamp(rfc3339: printed) { require(back == t, "\(printed) parses to another instant") }
        }
    }
}
