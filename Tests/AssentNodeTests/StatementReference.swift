import AssentCore
import Foundation

/// docs/statements.md read as data: its example blocks, its field tables and its refusal
/// table, for `StatementReferenceTests` and `OpenAPITests`. The page's "How the examples are
/// written" section defines the syntax parsed here.
struct StatementReference {
    struct Example {
        /// 1-based line of the opening fence, for failure messages.
        let line: Int
        let words: [String]
        let text: String

        var id: String? { words.first { $0.hasPrefix("id:") }.map { String($0.dropFirst(3)) } }
        var isRaw: Bool { words.contains("raw") }
        var isAccepted: Bool { words.contains("accepted") }
        /// The reason of a `refused:<reason>` example.
        var refusal: String? { words.first { $0.hasPrefix("refused:") }.map { String($0.dropFirst(8)) } }
    }

    struct FieldRow {
        let line: Int
        /// The field's path in its statement, e.g. ["conditions", "credit"].
        let path: [String]
        let jsonType: String
        let required: Bool
    }

    struct FieldTable {
        /// The `## ` heading above it, without backticks: `preference`, `Signed statement`, …
        let section: String
        let rows: [FieldRow]
    }

    let text: String
    let lines: [Substring]

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    init() throws {
        text = try String(contentsOf: StatementReference.repositoryRoot.appendingPathComponent("docs/statements.md"), encoding: .utf8)
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    var examples: [Example] {
        var out = [Example]()
        var open: (line: Int, words: [String], body: [Substring])?
        for (i, line) in lines.enumerated() {
            if var current = open {
                if line == "```" {
                    out.append(Example(line: current.line, words: current.words, text: current.body.joined(separator: "\n")))
                    open = nil
                } else {
                    current.body.append(line)
                    open = current
                }
            } else if line.hasPrefix("```json ") {
                open = (i + 1, line.dropFirst(8).split(separator: " ").map(String.init), [])
            }
        }
        return out
    }

    /// Tables whose header is `| field | JSON type | required | rules |`, under their section.
    var fieldTables: [FieldTable] {
        var tables = [FieldTable]()
        var section = ""
        var rows: [FieldRow]?
        func cells(_ line: Substring) -> [String] {
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("## ") {
                section = line.dropFirst(3).replacingOccurrences(of: "`", with: "")
            }
            if var current = rows {
                guard line.hasPrefix("|") else {
                    tables.append(FieldTable(section: section, rows: current))
                    rows = nil
                    continue
                }
                let c = cells(line)
                if c.first?.hasPrefix("---") == true { continue }
                guard c.count == 4, c[0].hasPrefix("`"), c[0].hasSuffix("`") else { continue }
                current.append(FieldRow(line: i + 1, path: c[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")).split(separator: ".").map(String.init),
                                        jsonType: c[1], required: c[2] == "yes"))
                rows = current
            } else if line.hasPrefix("| field | JSON type | required |") {
                rows = []
            }
        }
        if let rows { tables.append(FieldTable(section: section, rows: rows)) }
        return tables
    }

    /// The rows of the `## Refusals` table: reason → status.
    var refusals: [String: Int] {
        var out = [String: Int]()
        var inTable = false
        for line in lines {
            if line.hasPrefix("| reason | status |") {
                inTable = true
                continue
            }
            guard inTable else { continue }
            guard line.hasPrefix("|") else { break }
            let c = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard c.count >= 2, c[0].hasPrefix("`"), let status = Int(c[1]) else { continue }
            out[c[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = status
        }
        return out
    }

    // MARK: keys and placeholders

    /// The test key NAME: its seed is SHA-256 of `assent/doc-example/NAME` (as the page says).
    static func key(_ name: String) throws -> SigningKey {
        try SigningKey(seed: SHA256.hash(Array("assent/doc-example/\(name)".utf8)).bytes)
    }

    struct PlaceholderError: Error, CustomStringConvertible {
        let description: String
    }

    /// Replaces `{{…}}` placeholders. `hashes` holds the statement hashes of the examples
    /// with an `id:` already sent.
    static func substitute(_ text: String, now: Timestamp, operatorKey: PublicKey, hashes: [String: Hash]) throws -> String {
        var out = ""
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw PlaceholderError(description: "unclosed {{ in \(text)") }
            let name = String(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
            if name == "operator" {
                out += operatorKey.base64
            } else if name == "now" {
                out += now.rfc3339
            } else if name.hasPrefix("now+") || name.hasPrefix("now-"), name.hasSuffix("s"),
                      let seconds = Int64(name.dropFirst(4).dropLast()) {
                let delta = name.hasPrefix("now+") ? seconds * 1000 : -seconds * 1000
                out += Timestamp(milliseconds: now.milliseconds + delta).rfc3339
            } else if name.hasPrefix("key:") {
                out += try key(String(name.dropFirst(4))).publicKey.base64
            } else if name.hasPrefix("hash:") {
                guard let hash = hashes[String(name.dropFirst(5))] else {
                    throw PlaceholderError(description: "{{\(name)}}: no earlier example has that id")
                }
                out += hash.base64
            } else {
                throw PlaceholderError(description: "unknown placeholder {{\(name)}}")
            }
        }
        return out + rest
    }

    /// What an example sends, and the statement as it is logged.
    struct Submission {
        let body: [UInt8]
        /// The statement object (for non-raw examples).
        let statement: JSONValue?
        /// Canonical `{"sig","statement"}` and its hash (for non-raw examples).
        let logged: [UInt8]?
        let hash: Hash?
    }

    /// Signs a substituted example as the page says: with the key in `by` when it is a test key
    /// or the operator key; with 64 zero bytes when `by` is no one's key.
    static func submission(_ example: Example, substituted: String, signers: [SigningKey]) throws -> Submission {
        if example.isRaw { return Submission(body: Array(substituted.utf8), statement: nil, logged: nil, hash: nil) }
        let value = try CanonicalJSON.parse(substituted, requireCanonical: false)
        let statement: JSONValue
        var disclosures: JSONValue?
        if value["type"] != nil {
            statement = value
        } else {
            guard let s = value["statement"] else { throw PlaceholderError(description: "example at line \(example.line) has neither type nor statement") }
            statement = s
            disclosures = value["disclosures"]
        }
        let by = statement["by"]?.stringValue
        let signature = signers.first { $0.publicKey.base64 == by }?.sign(SignedStatement.domain + CanonicalJSON.encode(statement))
            ?? [UInt8](repeating: 0, count: 64)
        let logged: JSONValue = ["sig": .string(Base64.encode(signature)), "statement": statement]
        var sent = logged
        if let disclosures, case var .object(members) = sent {
            members["disclosures"] = disclosures
            sent = .object(members)
        }
        let loggedBytes = CanonicalJSON.encode(logged)
        return Submission(body: CanonicalJSON.encode(sent), statement: statement, logged: loggedBytes, hash: SHA256.hash(loggedBytes))
    }
}
