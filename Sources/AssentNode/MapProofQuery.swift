import AssentCore

/// The query of `GET /v1/map/proof` (docs/node.md "State map proofs"): which subject, and when.
///
/// - `work=W`: the work's record; with `declarant=K`, the declarations of K on W; `party=K`
///   alone: the party's record. W is the work id in its normal form (PROTOCOL §2),
///   percent-encoded as a query value (RFC 3986 §3.4: each `%XX` is decoded once, `+` is a plus);
///   after decoding it must be exactly the normal form. Keys are 64 lower-case hex digits, the
///   spelling of `/v1/statements/{hash}`.
/// - `at=T`: RFC 3339 UTC with three fraction digits, as leaf times are; default: the latest epoch.
///
/// Each parameter at most once; an unknown one, or any other combination, is refused.
struct MapProofQuery: Equatable {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    let subject: MapSubject
    let at: Timestamp?

    static let names = ["work", "declarant", "party", "at"]
    static let shape = "work=<id>[&declarant=<key hex>] or party=<key hex>, with [&at=<RFC 3339 time>]"

    init(_ query: String?) throws(Refusal) {
        var values = [String: Substring]()
        let text = query ?? ""
        for pair in text.isEmpty ? [] : text.split(separator: "&", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard MapProofQuery.names.contains(name) else {
                throw Refusal(description: "unknown query parameter \"\(name.prefix(40))\"; the query is \(MapProofQuery.shape)")
            }
            guard values[name] == nil else { throw Refusal(description: "\(name) is given more than once; the query is \(MapProofQuery.shape)") }
            values[name] = parts.count == 2 ? parts[1] : ""
        }
        func key(_ name: String, _ text: Substring) throws(Refusal) -> PublicKey {
            guard text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                  let bytes = [UInt8](hex: text) else {
                throw Refusal(description: "\(name) must be a public key as 64 lower-case hex digits, not \"\(text.prefix(80))\"")
            }
            do { return try PublicKey(bytes: bytes) } catch { throw Refusal(description: "\(name): \(error)") }
        }
        func work(_ text: Substring) throws(Refusal) -> WorkID {
            guard let decoded = PercentDecoding.decode(text) else {
                throw Refusal(description: "work is not a percent-encoded query value (a % not followed by two hex digits, or bytes that are not UTF-8): \"\(text.prefix(80))\"")
            }
            do { return try WorkID(parsingNormalized: decoded) } catch {
                throw Refusal(description: "work: \(error)")
            }
        }
        switch (values["work"], values["declarant"], values["party"]) {
        case let (w?, nil, nil): subject = .work(try work(w))
        case let (w?, d?, nil): subject = .declaration(work: try work(w), declarant: try key("declarant", d))
        case let (nil, nil, p?): subject = .party(try key("party", p))
        default: throw Refusal(description: "name one subject: \(MapProofQuery.shape)")
        }
        if let t = values["at"] {
            guard let time = Timestamp(rfc3339: String(t)) else {
                throw Refusal(description: "at must be an RFC 3339 UTC time with three fraction digits (2026-11-21T10:00:00.000Z), not \"\(t.prefix(40))\"")
            }
            at = time
        } else {
            at = nil
        }
    }
}
