import ArgumentParser
import AssentCore
import AsyncHTTPClient
import Foundation
import NIOCore

// Reading the consent state from a node: `assent state`, `assent history`, `assent check`.
// They sign nothing and need no key; what they print is the node's answer (proof bundles that a
// verifier can check without trusting the node come with issue 7's map proofs).

/// The node to ask.
struct ReadNodeOptions: ParsableArguments {
    @Option(help: "Base URL of the node.")
    var node: String = "http://127.0.0.1:7001"

    @Flag(help: "Print the node's JSON reply instead of a table.")
    var json = false

    var base: String { node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) }

    /// Fails within 5 s when the node cannot be reached: the HTTP client retries a refused
    /// connection until the request's deadline, which for a long check is an hour.
    func checkReachable() async throws {
        do { _ = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(5)) } catch {
            throw CLIError("cannot reach the node at \(base): \(error); is it running, and is --node right?")
        }
    }

    /// GETs `path` and returns the JSON reply, or throws what the node or the network said, and what to do.
    func get(_ path: String) async throws -> (bytes: [UInt8], json: JSONValue) {
        try await checkReachable()
        let response: HTTPClientResponse
        do { response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + path), timeout: .seconds(60)) } catch {
            throw CLIError("cannot reach the node at \(base): \(error); is it running, and is --node right?")
        }
        let bytes = Array(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
        let reply = try? CanonicalJSON.parse(bytes, requireCanonical: false)
        guard response.status.code == 200, let reply else {
            let detail = reply?["detail"]?.stringValue ?? String(decoding: bytes.prefix(300), as: UTF8.self)
            throw CLIError("the node refused (HTTP \(response.status.code)): \(detail)")
        }
        return (bytes, reply)
    }
}

/// The query options of `state` and `check`.
struct StateQueryOptions: ParsableArguments {
    @Option(help: "The time to answer for, RFC 3339 UTC with milliseconds (default: now, by the node's clock).")
    var at: String?

    @Option(help: "Who asks: * (anyone) or licensee:<id> (a licensee's licence counts for it).")
    var audience = "*"

    @Option(help: "The use: commercial, non-commercial or research.")
    var purpose = "commercial"

    @Flag(help: "Count declarants that no trusted mandate makes count (they are listed either way).")
    var unverified = false

    func validate() throws {
        if let at, Timestamp(rfc3339: at) == nil { throw ValidationError("--at \(at): write an RFC 3339 UTC time with milliseconds, e.g. 2026-11-21T10:00:00.000Z") }
        guard Audience(audience) != nil else { throw ValidationError("--audience \(audience): * or licensee:<id> (lower-case letters, digits, . - _ /)") }
        guard ["commercial", "non-commercial", "research"].contains(purpose) else {
            throw ValidationError("--purpose \(purpose): one of commercial, non-commercial, research")
        }
    }

    /// As URL query parameters, percent-encoded.
    var query: String {
        var items = [("audience", audience), ("purpose", purpose)]
        if let at { items.append(("at", at)) }
        if unverified { items.append(("unverified", "count")) }
        return items.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// As the first line of a check.
    var json: JSONValue {
        var o: [JSONKey: JSONValue] = ["audience": .string(audience), "purpose": .string(purpose)]
        if let at { o["at"] = .string(at) }
        if unverified { o["unverified"] = "count" }
        return .object(o)
    }
}

/// RFC 3986 §2.3: everything but unreserved characters escaped, so any text is one path segment or query value.
func percentEncoded(_ text: String) -> String {
    var out = ""
    for b in text.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
        }
    }
    return out
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
    func padded(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

/// A work id as typed, normalized here so that a typo is reported before asking the node.
func typedWork(_ text: String) throws -> WorkID {
    do { return try WorkID(parsing: text) } catch { throw ValidationError("work \(text): \(error)") }
}

/// A key shortened for tables: the first 10 characters of its base64.
func shortKey(_ key: String) -> String { String(key.prefix(10)) + "…" }

struct State: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A work's consent state at a time: per category allowed, disallowed or unknown, who decided it and when.",
        discussion: """
            Asks the node (GET /v1/works/{work}). Only parties a trusted operator mandated for the
            work count; others are listed as unverified and count only with --unverified. A licence
            counts for its licensee (--audience licensee:<id>); --purpose research or non-commercial
            asks for those uses. The answer names the epoch it stands on; "provisional" means the
            log has no epoch at or after --at yet.
            Examples:
              assent state iswc:T-034.524.680-1 --node http://127.0.0.1:7001
              assent state iswc:T0345246801 --audience licensee:example-ai.com --at 2027-01-01T00:00:00.000Z --json
            """)
    @Argument(help: "The work, scheme:value as typed (iswc, isrc, isbn, isni, doi, iscc, url, local).") var work: String
    @OptionGroup var query: StateQueryOptions
    @OptionGroup var node: ReadNodeOptions

    func run() async throws {
        let id = try typedWork(work)
        let (bytes, reply) = try await node.get("/v1/works/\(percentEncoded(id.description))?\(query.query)")
        if node.json { return print(String(decoding: bytes, as: UTF8.self)) }
        print(StateTable.render(reply))
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every change to a work's state, oldest first: who said what, when, at which leaf.",
        discussion: """
            Asks the node (GET /v1/works/{work}/history): each version of the work's mandates and of
            each declarant's statements on it, with the statement that made it.
            Example:
              assent history iswc:T-034.524.680-1 --node http://127.0.0.1:7001
            """)
    @Argument(help: "The work, scheme:value as typed.") var work: String
    @Option(help: "Stop with an error after this many pages (a node that invents new pages for ever cannot keep the verb going).")
    var maxPages = 100_000
    @OptionGroup var node: ReadNodeOptions

    func validate() throws {
        guard maxPages >= 1 else { throw ValidationError("--max-pages must be at least 1") }
    }

    func run() async throws {
        let id = try typedWork(work)
        // `next` is a leaf index from a node alone, a cursor over every log (a string) from a
        // node with mirrors (docs/federation.md "History across logs"): sent back as given.
        var from: String?
        // Every page asked for in this run, by the SHA-256 of its cursor (32 bytes a page, however
        // long the node's cursors): a node that names one of them again as next (the same page,
        // or two or more pages in turn) would keep this loop going for ever. A node that invents
        // a new cursor every time is stopped by `maxPages`.
        var asked: Set<Hash> = []
        var pages = 0
        var first = true
        while true {
            let (bytes, reply) = try await node.get("/v1/works/\(percentEncoded(id.description))/history" + (from.map { "?from=\(percentEncoded($0))" } ?? ""))
            if node.json {
                print(String(decoding: bytes, as: UTF8.self))
            } else {
                if first {
                    if let logs = reply["logs"]?.arrayValue {
                        print("history of \(id) over \(logs.count) logs (answered by \(reply["log"]?.stringValue ?? "?")), oldest first")
                        for log in logs { print("  read \(log["origin"]?.stringValue ?? "?"): \(log["size"].map(StateTable.describe) ?? "?") leaves") }
                    } else {
                        print("history of \(id) in \(reply["log"]?.stringValue ?? "?"), oldest first")
                    }
                }
                guard case let .array(changes)? = reply["changes"] else { throw CLIError("the node's reply has no changes") }
                if first && changes.isEmpty { print("(no statement on this work)") }
                for change in changes { print(StateTable.historyLine(change)) }
            }
            first = false
            pages += 1
            if let from { asked.insert(SHA256.hash(Array(from.utf8))) }
            let next: String
            switch reply["next"] {
            case let .integer(n)?:
                // A leaf index only grows: a node that answers otherwise would keep this loop going.
                guard n > (from.flatMap { Int64($0) } ?? 0) else { return }
                next = String(n)
            case let .string(cursor)?:
                guard !cursor.isEmpty else { throw CLIError("the node's reply gives an empty cursor as next page") }
                next = cursor
            default: return
            }
            guard !asked.contains(SHA256.hash(Array(next.utf8))) else {
                throw CLIError("the node's reply gives as next page one already read in this run (\"\(next.prefix(80))\", after \(pages) pages)")
            }
            guard pages < maxPages else {
                throw CLIError("the history goes on after \(pages) pages, the most --max-pages allows; pass a larger --max-pages to read on")
            }
            from = next
        }
    }
}

/// The text forms of the node's state replies.
enum StateTable {
    static func render(_ reply: JSONValue) -> String {
        var lines = [String]()
        let s = { (k: String) in reply[JSONKey(k)]?.stringValue ?? "?" }
        var head = "\(s("work")) at \(s("at")) for \(s("audience")) (\(s("purpose")) use), log \(s("log"))"
        if let epoch = reply["epoch"] {
            head += ", epoch at leaf \(epoch["index"].map(describe) ?? "?") (\(epoch["time"]?.stringValue ?? "?"))"
        }
        // A node with mirrors answers over every trusted log: each with how far it speaks.
        let logs = reply["logs"]?.arrayValue
        if logs != nil {
            if reply["provisional"] == .bool(true) { head += "; PROVISIONAL for a log with no epoch at or after this time yet" }
        } else if reply["provisional"] == .bool(true) {
            head += "; PROVISIONAL: the log has no epoch at or after this time yet"
        }
        lines.append(head)
        for log in logs ?? [] {
            var line = "  read \(log["origin"]?.stringValue ?? "?"): \(log["size"].map(describe) ?? "?") leaves"
            if let epoch = log["epoch"] { line += ", epoch at leaf \(epoch["index"].map(describe) ?? "?") (\(epoch["time"]?.stringValue ?? "?"))" }
            if log["provisional"] == .bool(true) { line += ", provisional" }
            lines.append(line)
        }
        // Leaves of several logs: each reference names its log.
        let leaf = { (ref: JSONValue?) -> String in
            let index = ref?["index"].map(describe) ?? "?"
            return logs == nil ? "leaf \(index)" : "\(ref?["log"]?.stringValue ?? "?") leaf \(index)"
        }
        lines.append("category".padded(to: 14) + "value".padded(to: 12) + "decided by")
        for category in UsageCategory.allCases {
            let c = reply["categories"]?[JSONKey(category.rawValue)]
            let value = c?["value"]?.stringValue ?? "?"
            var who = [String]()
            if case let .array(contributions)? = c?["decidedBy"] {
                for d in contributions {
                    let party = shortKey(d["party"]?.stringValue ?? "?")
                    let said = d["value"]?.stringValue ?? "?"
                    if let statement = d["statement"] {
                        who.append("\(said) by \(party) (\(leaf(statement)), issued \(statement["issued"]?.stringValue ?? "?"), for \(d["audience"]?.stringValue ?? "?"))")
                    } else if case let .array(labels)? = d["labels"] {
                        who.append("\(said) by steward \(party) (labels \(labels.compactMap(\.stringValue).joined(separator: " ")), mandate at \(leaf(d["mandate"])))")
                    }
                }
            }
            lines.append(category.rawValue.padded(to: 14) + value.padded(to: 12) + (who.isEmpty ? "nobody said" : who.joined(separator: "; ")))
        }
        if case let .array(unverified)? = reply["unverified"], !unverified.isEmpty {
            let counted = reply["countUnverified"] == .bool(true)
            lines.append("unverified declarants: \(unverified.count) (\(counted ? "counted, as asked" : "not counted; --unverified counts them")): "
                + unverified.map { shortKey($0["party"]?.stringValue ?? "?") }.joined(separator: ", "))
        }
        if case let .integer(n)? = reply["unverifiedNotRead"], n > 0 {
            lines.append("and \(n) more unverified declarants, not read (the node reads at most 100, or 10,000 with --unverified)")
        }
        return lines.joined(separator: "\n")
    }

    static func historyLine(_ change: JSONValue) -> String {
        let statement = change["statement"]
        let by = shortKey(statement?["by"]?.stringValue ?? "?")
        var what = statement?["type"]?.stringValue ?? "?"
        switch what {
        case "preference":
            let usage: String
            if case let .object(u)? = statement?["usage"] {
                usage = u.isEmpty ? "withdrawn (nothing stated)" : u.keys.map { "\($0.string)=\(u[$0]?.stringValue ?? "?")" }.sorted().joined(separator: " ")
            } else { usage = "?" }
            what = "preference for \(statement?["audience"]?.stringValue ?? "?"): \(usage)"
            if let purpose = statement?["conditions"]?["purpose"]?.stringValue { what += ", purpose \(purpose)" }
            if let expires = statement?["expires"]?.stringValue { what += ", expires \(expires)" }
        case "mandate":
            what = "mandate (\(statement?["status"]?.stringValue ?? "?")) of \(shortKey(statement?["party"]?.stringValue ?? "?")) as \(statement?["role"]?.stringValue ?? "?")"
            if case let .array(labels)? = statement?["labels"], !labels.isEmpty { what += ", labels " + labels.compactMap(\.stringValue).joined(separator: " ") }
        default: break
        }
        // Across logs, each change names its log (its leaf index is that log's).
        let leaf = (change["log"]?.stringValue.map { "\($0) " } ?? "") + "leaf \(change["index"].map(describe) ?? "?")"
        return "\(change["time"]?.stringValue ?? "?")  \(leaf)  \(by)  \(what)"
    }

    static func describe(_ v: JSONValue) -> String {
        if case let .integer(n) = v { return String(n) }
        return v.stringValue ?? "?"
    }
}
