import ArgumentParser
import AssentCore
import AssentNode
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a signed statement, a node's statement reply, a log leaf, a checkpoint or an entry bundle.",
        discussion: """
            Reads a file (or standard input with -), works out what it is, checks what can be
            checked without a network (canonical form, statement signatures, the checkpoint's
            signature when --key is given) and explains it in plain words, or as JSON with --json.

            A statement with disclosures (as `assent sign` prints it, or as GET /v1/statements/{hash}
            answers) shows each disclosed text and whether it matches its commitment in the signed
            statement; a text an erasure deleted shows as "committed, erased on <date>". This is how
            anyone holding a disclosure (a court, a licensee) checks it against the log. A reply's
            receipt is verified only with --log-key; without it the index the reply gives is
            shown as the node's claim ("not verified").

            Examples:
              assent sign preference ... | assent inspect -
              curl -s http://127.0.0.1:7001/v1/statements/<hex hash> | assent inspect - --log-key "$(cat gema-log.pub)"
              curl -s http://127.0.0.1:7001/checkpoint | assent inspect - --key "$(cat gema-log.pub)"
            """
    )

    @Argument(help: "File to inspect, or - for standard input.")
    var input: String = "-"

    @Option(help: "Verifier key to check a checkpoint's signature with.")
    var key: String?

    @Option(help: "The log's verifier key, to verify the receipt in a node's statement reply (without it the receipt is not verified).")
    var logKey: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let data = try readInput(input)
        var bytes = [UInt8](data)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        let explanation = try explain(bytes, raw: [UInt8](data))
        if json {
            print(explanation.json.canonicalString)
        } else {
            print(explanation.text)
        }
    }

    struct Explanation {
        var json: JSONValue
        var text: String
        /// The first line of `text`.
        var summary: Substring { text.split(separator: "\n").first ?? "" }
    }

    func explain(_ bytes: [UInt8], raw: [UInt8]) throws -> Explanation {
        let text = String(decoding: raw, as: UTF8.self)
        if text.contains("\n\n— ") { return try explainCheckpoint(text) }
        if bytes.first == UInt8(ascii: "{") {
            let value: JSONValue
            // A reply from a node before erased was left out may carry "erased": null (`parseReply`).
            do { value = try StatementRecord.parseReply(bytes) } catch { throw CLIError("not valid JSON: \(error)") }
            let canonical = (try? CanonicalJSON.parse(bytes, requireCanonical: true)) != nil
            if case var .object(members) = value, members["statement"] != nil {
                // Disclosures (and a reply's index, receipt, erased) sit beside the signed statement.
                let disclosed = members.removeValue(forKey: "disclosures")
                let isReply = members["receipt"] != nil
                let erased = members["erased"]
                let withheld = members["withheld"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let signedJSON = isReply ? (members["statement"] ?? .object([:])) : .object(members)
                let signed: SignedStatement
                do { signed = try SignedStatement(json: signedJSON) } catch { throw CLIError("not a valid signed statement: \(error)") }
                var e = describe(signed.statement)
                e.text += "\nsignature:  valid (by \(signed.statement.by.base64))"
                var receiptVerified: JSONValue = "not checked (pass --log-key)"
                if isReply {
                    let index = members["index"]?.integerValue.map(String.init) ?? "?"
                    // What the reply says is only a claim until its receipt verifies against the log's key.
                    if let logKey {
                        do {
                            let vkey = try NoteVerifierKey(parsing: logKey.trimmingCharacters(in: .whitespacesAndNewlines))
                            guard let text = members["receipt"]?.stringValue else { throw CLIError("the reply has no receipt text") }
                            let receipt = try Receipt(text: text)
                            let verified = try receipt.verify(statement: signed, logKey: vkey)
                            guard String(receipt.index) == index else { throw CLIError("the receipt is for index \(receipt.index), the reply says \(index)") }
                            e.text += "\nlogged:     at index \(index) of \(verified.checkpoint.origin); receipt verified against \(vkey.name) (checkpoint of \(verified.checkpoint.size) leaves)"
                            receiptVerified = true
                        } catch {
                            e.text += "\nlogged:     the reply says index \(index), but its receipt DOES NOT VERIFY: \(error)"
                            receiptVerified = false
                        }
                    } else {
                        e.text += "\nlogged:     the reply says index \(index); receipt not verified (pass --log-key to verify it)"
                    }
                } else {
                    e.text += "\ncanonical:  \(canonical ? "yes" : "no: a node would refuse these bytes; `assent sign` writes canonical JSON")"
                }
                e.text += "\nhash:       \(signed.hash.base64) (hex \(signed.hash.hex))"
                let (lines, checks) = try Inspect.disclosureReport(signed.statement, disclosed: disclosed, erased: erased, withheld: withheld)
                if !lines.isEmpty { e.text += "\n" + lines.joined(separator: "\n") }
                e.json = ["kind": "statement", "canonical": .bool(canonical), "signatureValid": true,
                          "hash": .string(signed.hash.base64), "statement": signed.statement.json, "disclosures": .array(checks)]
                if isReply { e.json = .object((e.json.objectValue ?? [:]).merging(["receiptVerified": receiptVerified]) { $1 }) }
                return e
            }
            if value["index"] != nil {
                let leaf: LogLeaf
                do { leaf = try LogLeaf(bytes: bytes) } catch { throw CLIError("not a valid log leaf: \(error)") }
                var lines = ["log leaf \(leaf.index) of \(leaf.origin), sequenced at \(leaf.time)",
                             "leaf hash:  \(leaf.leafHash.base64)", "prev:       \(leaf.prev.base64)"]
                var json: [JSONKey: JSONValue] = ["kind": "leaf", "index": .integer(Int64(leaf.index)), "log": .string(leaf.origin),
                                                 "time": .string(leaf.time.rfc3339), "leafHash": .string(leaf.leafHash.base64)]
                switch leaf.content {
                case let .epoch(root, size):
                    lines.append("epoch: the state map root \(root.base64) covers the \(size) leaves before this one")
                    json["epoch"] = ["map": .string(root.base64), "size": .integer(Int64(size))]
                case let .statement(s):
                    lines.append(describe(s.statement).text)
                    json["statement"] = s.statement.json
                }
                return Explanation(json: .object(json), text: lines.joined(separator: "\n"))
            }
            throw CLIError("JSON that is neither a signed statement nor a log leaf")
        }
        if let entries = try? EntryBundle.decode(raw), !entries.isEmpty, let leaves = try? entries.map({ try LogLeaf(bytes: $0) }) {
            var lines = ["entry bundle of \(leaves.count) leaves, \(leaves.first!.index)…\(leaves.last!.index) of \(leaves.first!.origin)"]
            for leaf in leaves {
                switch leaf.content {
                case let .epoch(root, size): lines.append("  \(leaf.index)  \(leaf.time)  epoch: map root \(root.base64) over \(size) leaves")
                case let .statement(s): lines.append("  \(leaf.index)  \(leaf.time)  \(describe(s.statement).summary)")
                }
            }
            return Explanation(json: ["kind": "entry-bundle", "count": .integer(Int64(leaves.count)),
                                      "first": .integer(Int64(leaves.first!.index)),
                                      "leaves": .array(leaves.map { .string(String(decoding: $0.bytes, as: UTF8.self)) })],
                               text: lines.joined(separator: "\n"))
        }
        throw CLIError("not a statement, leaf, checkpoint or entry bundle")
    }

    func explainCheckpoint(_ text: String) throws -> Explanation {
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: text)
            checkpoint = try Checkpoint(text: note.text)
        } catch { throw CLIError("\(error)") }
        var lines = ["checkpoint of log \(checkpoint.origin): \(checkpoint.size) leaves, root \(checkpoint.root.base64)"]
        var verified: JSONValue = "not checked (pass --key)"
        if let key {
            do {
                let vkey = try NoteVerifierKey(parsing: key.trimmingCharacters(in: .whitespacesAndNewlines))
                _ = try Checkpoint.verified(note, logKey: vkey)
                lines.append("signature:  valid, by \(vkey.name)")
                verified = true
            } catch {
                lines.append("signature:  INVALID: \(error)")
                verified = false
            }
        }
        for s in note.signatures { lines.append("signed by:  \(s.name) (key ID \(String(format: "%08x", s.keyID)), \(s.bytes.count) bytes)") }
        // The size is any UInt64 the note says, signed or not: Int64(_:) would trap past 2^63−1,
        // and Assent JSON holds integers up to 2^53−1 only, so larger sizes print as digits.
        let size: JSONValue = checkpoint.size <= UInt64(JSONValue.maxInteger) ? .integer(Int64(checkpoint.size)) : .string(String(checkpoint.size))
        return Explanation(
            json: ["kind": "checkpoint", "origin": .string(checkpoint.origin), "size": size,
                   "root": .string(checkpoint.root.base64), "signatureValid": verified,
                   "signers": .array(note.signatures.map { .string($0.name) })],
            text: lines.joined(separator: "\n"))
    }

    /// One line per commitment of `statement`: its disclosed text and whether it matches (text
    /// and salt hash to the commitment), "committed, erased on <date>" after an erasure, or
    /// "committed, kept by the node but not served" for a field the node withholds
    /// (`publicDisclosures`), or "committed, not disclosed". A disclosure that points at no
    /// commitment is named too.
    static func disclosureReport(_ statement: Statement, disclosed: JSONValue?, erased: JSONValue?,
                                 withheld: [String] = []) throws -> ([String], [JSONValue]) {
        let disclosures: [Disclosure]
        do { disclosures = try disclosed.map { v throws(StatementError) in try Disclosure.list(json: v) } ?? [] } catch {
            throw CLIError("disclosures: \(error)")
        }
        let erasedOn = erased?["at"]?.stringValue
        var lines = [String](), checks = [JSONValue]()
        for field in statement.commitments {
            if let d = disclosures.first(where: { Bytewise.equal($0.field, field.pointer) }) {
                let matches = field.commitment.matches(text: d.text, salt: d.salt)
                let valid = field.kind.refusal(of: d.text)
                lines.append("disclosed:  \(field.pointer) = \"\(d.text)\": " + (matches ? "matches its commitment" : "DOES NOT MATCH its commitment \(field.commitment)")
                             + (valid.map { "; but a node would refuse the text: \($0)" } ?? ""))
                checks.append(["field": .string(field.pointer), "text": .string(d.text), "matches": .bool(matches)])
            } else if let erasedOn {
                lines.append("disclosed:  \(field.pointer): committed, erased on \(erasedOn)")
                checks.append(["field": .string(field.pointer), "erased": .string(erasedOn)])
            } else if withheld.contains(where: { Bytewise.equal($0, field.pointer) }) {
                lines.append("disclosed:  \(field.pointer): committed, disclosed to the node, which does not serve it")
                checks.append(["field": .string(field.pointer), "withheld": true])
            } else {
                lines.append("disclosed:  \(field.pointer): committed, not disclosed here")
                checks.append(["field": .string(field.pointer), "disclosed": false])
            }
        }
        for d in disclosures where !statement.commitments.contains(where: { Bytewise.equal($0.pointer, d.field) }) {
            lines.append("disclosed:  \(d.field): POINTS AT NO COMMITMENT of this statement")
            checks.append(["field": .string(d.field), "matches": false])
        }
        return (lines, checks)
    }

    func describe(_ statement: Statement) -> Explanation {
        switch statement {
        case let .preference(p):
            let usage = p.usage.isEmpty ? "withdraws its earlier statement for this audience"
                : p.usage.keys.sorted().map { "\($0) \(p.usage[$0]! ? "allowed" : "refused")" }.joined(separator: ", ")
            var lines = ["preference by \(p.by.base64) for \(p.work), issued \(p.issued)",
                         "audience:   \(p.audience.value == "*" ? "everyone" : p.audience.value)",
                         "usage:      \(usage)"]
            if let c = p.conditions {
                lines.append("conditions: " + [c.credit.map { _ in "credit (committed)" }, c.terms.map { "terms \($0)" },
                                               c.purpose.map { "purpose \($0.rawValue)" }].compactMap { $0 }.joined(separator: ", "))
            }
            if let e = p.expires { lines.append("expires:    \(e)") }
            if p.note != nil { lines.append("note:       committed") }
            return Explanation(json: statement.json, text: lines.joined(separator: "\n"))
        case let .enrollment(e):
            var lines = ["enrollment by operator \(e.by.base64), issued \(e.issued)",
                         "party:      \(e.party.base64) as \(e.role.rawValue)\(e.name.map { _ in " (name committed)" } ?? "")",
                         "status:     \(e.active ? "active" : "revoked")"]
            if let ids = e.ids { lines.append("ids:        \(ids.count) committed") }
            if let c = e.community { lines.append("community:  \(c.name)") }
            return Explanation(json: statement.json, text: lines.joined(separator: "\n"))
        case let .mandate(m):
            var lines = ["mandate by operator \(m.by.base64), issued \(m.issued)",
                         "party:      \(m.party.base64) as \(m.role.rawValue) of \(m.works.count) work(s)",
                         "works:      \(m.works.prefix(5).map(\.description).joined(separator: ", "))\(m.works.count > 5 ? ", …" : "")",
                         "status:     \(m.active ? "active" : "revoked")"]
            if let l = m.labels { lines.append("labels:     \(l.joined(separator: ", "))") }
            return Explanation(json: statement.json, text: lines.joined(separator: "\n"))
        case let .erasure(e):
            let lines = ["erasure by \(e.by.base64), issued \(e.issued)",
                         "erases:     the disclosures of statement \(e.erases.base64) (hex \(e.erases.hex))"]
            return Explanation(json: statement.json, text: lines.joined(separator: "\n"))
        }
    }
}
