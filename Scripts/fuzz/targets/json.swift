// CanonicalJSON.parse in both modes; canonical input must re-encode to itself, and whatever
// parses must encode to canonical bytes that parse back to the same value. Encoding must be
// total: any integer, even outside ±(2^53−1), encodes without trapping.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        Samples.statements.map(\.canonicalBytes) + Samples.leaves.map(\.bytes) + [
            #"{"a":[1,-2,true,false,"x\u0001\n\"\\"],"b":{},"c":[],"é":"😀"}"#, #" [ 9007199254740991 , -9007199254740991 ] "#,
            #""\ud834\udd1e\/""#, "0", "-0", "[[[[[[[[]]]]]]]]",
        ].map(Samples.bytes)
    }

    static func run(_ input: [UInt8]) {
        for canonical in [false, true] {
            let value: JSONValue
            do { value = try CanonicalJSON.parse(input, requireCanonical: canonical) } catch {
                describe(error)
                continue
            }
            let encoded = CanonicalJSON.encode(value)
            if canonical { require(encoded == input, "canonical input re-encodes to other bytes") }
            do {
                let again = try CanonicalJSON.parse(encoded, requireCanonical: true)
                require(again == value, "the encoding parses to another value")
            } catch {
                require(false, "the encoding of a parsed value is refused: \(error)")
            }
        }
        // Any Int64, read from the input's first 8 bytes.
        if input.count >= 8 {
            let n = input[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            let encoded = CanonicalJSON.encode(.array([.integer(n)]))
            let inRange = n >= -JSONValue.maxInteger && n <= JSONValue.maxInteger
            require(((try? CanonicalJSON.parse(encoded, requireCanonical: true)) != nil) == inRange,
                    "integer \(n) is accepted outside the range or refused inside it")
        }
    }
}
