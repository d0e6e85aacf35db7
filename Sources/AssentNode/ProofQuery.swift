/// The query of `GET /v1/proof/inclusion` and `/v1/proof/consistency`: named non-negative
/// integers, each given exactly once, in one spelling. A decimal number without sign or leading
/// zeros and at most 2^64 − 1 (18446744073709551615): `+1`, `01` and a parameter given twice
/// are refused, as a tile path has one spelling (tlog-tiles), so that a proof's URL names it once.
struct ProofQuery {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// The values of `names`, in that order, from the raw query (the part after `?`, undecoded).
    static func integers(_ query: String?, names: [String]) throws(Refusal) -> [UInt64] {
        let wanted = names.map { "\($0)=<n>" }.joined(separator: "&")
        var values = [String: UInt64]()
        let pairs = (query ?? "").isEmpty ? [] : (query ?? "").split(separator: "&", omittingEmptySubsequences: false)
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard names.contains(name) else {
                throw Refusal(description: "unknown query parameter \"\(name.prefix(40))\"; the query is \(wanted)")
            }
            guard values[name] == nil else { throw Refusal(description: "\(name) is given more than once; the query is \(wanted)") }
            let text = parts.count == 2 ? parts[1] : ""
            guard let value = decimal(text) else {
                throw Refusal(description: "\(name) must be a decimal integer from 0 to 18446744073709551615 without sign or leading zeros, not \"\(text.prefix(40))\"")
            }
            values[name] = value
        }
        var out = [UInt64]()
        for name in names {
            guard let value = values[name] else { throw Refusal(description: "missing \(name); the query is \(wanted)") }
            out.append(value)
        }
        return out
    }

    /// `0`, or a non-zero digit and digits, that fits 64 bits; nil otherwise.
    static func decimal(_ text: Substring) -> UInt64? {
        let digits = text.utf8
        guard let first = digits.first, digits.count <= 20, digits.allSatisfy({ (0x30...0x39).contains($0) }),
              first != 0x30 || digits.count == 1 else { return nil }
        // UInt64(_:) alone would take `+1`; the digits are checked above, the range here.
        return UInt64(text)
    }
}
