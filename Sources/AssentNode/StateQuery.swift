import AssentCore

/// What a state query asks besides the work (`GET /v1/works/{work}`, the first line of `POST
/// /v1/check`): the time, audience and purpose (PROTOCOL §6), and whether unverified declarants
/// count. Each in one spelling: `at` an RFC 3339 time with milliseconds (PROTOCOL §1), `audience`
/// `*` or `licensee:<id>`, `purpose` `commercial`, `non-commercial` or `research`, `unverified`
/// only `count`.
struct StateQuery: Sendable {
    var at: Timestamp?
    var audience = Audience.everyone
    var purpose = Purpose.commercial
    var countUnverified = false

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    static let names = ["at", "audience", "purpose", "unverified"]

    /// The resolution query for `work`, with `now` where no time was asked.
    func resolution(_ work: WorkID, now: Timestamp) -> Resolution.Query {
        Resolution.Query(work: work, at: at ?? now, audience: audience, purpose: purpose, countUnverified: countUnverified)
    }

    /// Sets the parameter `name` from its (decoded) text.
    mutating func set(_ name: String, _ text: String) throws(Refusal) {
        switch name {
        case "at":
            guard let t = Timestamp(rfc3339: text) else {
                throw Refusal(description: "at must be an RFC 3339 UTC time with milliseconds, e.g. 2026-11-21T10:00:00.000Z, not \"\(text.prefix(40))\"")
            }
            at = t
        case "audience":
            guard let a = Audience(text) else {
                throw Refusal(description: "audience must be * or licensee:<id> (lower-case letters, digits, . - _ /), not \"\(text.prefix(80))\"")
            }
            audience = a
        case "purpose":
            guard let p = Purpose(rawValue: text), p != .any else {
                throw Refusal(description: "purpose must be commercial, non-commercial or research, not \"\(text.prefix(40))\"")
            }
            purpose = p
        case "unverified":
            guard text == "count" else {
                throw Refusal(description: "unverified takes only the value count (count unverified declarants), not \"\(text.prefix(40))\"")
            }
            countUnverified = true
        default:
            throw Refusal(description: "unknown parameter \"\(name.prefix(40))\"; the parameters are \(StateQuery.names.joined(separator: ", "))")
        }
    }

    /// Parses a URL query (the part after `?`, undecoded): each of `names` at most once,
    /// values percent-decoded (RFC 3986 §2.1). `extra` names further parameters, handed to `other`.
    static func parse(_ query: String?, extra: [String] = [], other: (String, String) throws(Refusal) -> Void = { _, _ in })
        throws(Refusal) -> StateQuery {
        var out = StateQuery()
        var seen = Set<String>()
        let text = query ?? ""
        guard !text.isEmpty else { return out }
        for pair in text.split(separator: "&", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0]) else {
                throw Refusal(description: "a parameter name is not percent-encoded UTF-8: \"\(parts[0].prefix(40))\"")
            }
            guard seen.insert(name).inserted else { throw Refusal(description: "\(name.prefix(40)) is given more than once") }
            guard let value = PercentDecoding.decode(parts.count == 2 ? parts[1] : "") else {
                throw Refusal(description: "\(name.prefix(40)): the value is not percent-encoded UTF-8 (a % must begin an escape such as %3A)")
            }
            if extra.contains(name) {
                try other(name, value)
            } else if names.contains(name) {
                try out.set(name, value)
            } else {
                throw Refusal(description: "unknown parameter \"\(name.prefix(40))\"; the parameters are \((names + extra).joined(separator: ", "))")
            }
        }
        return out
    }
}
