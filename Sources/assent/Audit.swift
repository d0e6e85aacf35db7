import ArgumentParser
import AssentCore
import AssentNode
import Foundation

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a node's whole log over HTTP and check every rule that can be checked.",
        discussion: """
            Fetches the signed checkpoint and every entry bundle (tlog-tiles), then checks:
            the checkpoint signature; every leaf (canonical JSON, statement signatures, type
            rules); the hash chain (index, prev, time never decreasing); the Merkle root against
            the checkpoint; that every checkpoint ends with an epoch leaf; every hash tile of every
            level, against the tiles recomputed from the leaves and against the checkpoint alone
            (as a mirror reading tiles would). With --receipts, every
            receipt (one JSON object per line, {"receipt": tlog-proof text, "statement": the signed
            statement}, as `assent-load` writes them) must verify for its statement and name the
            leaf that holds it, and every checkpoint those receipts carry must be
            consistent with the log. Every erasure must name an earlier statement that carries
            commitments and be signed by its declarant, its enrolled party (an enrollment) or an
            operator key of the log: give those with --operator (repeatable; base64 or a .pub
            file); without it they are inferred from the log (the keys that signed its
            enrollments and mandates), and the output says so. Exits non-zero on the first
            failure, saying what failed.

            Example:
              assent audit --node http://127.0.0.1:7001 --log-key "$(cat run/gema/log.pub)"
            """
    )

    @Option(help: "Base URL of the node.")
    var node: String = "http://127.0.0.1:7001"

    @Option(help: "The log's verifier key.")
    var logKey: String

    @Option(name: .customLong("operator"), help: "An operator key of the log (base64, or a .pub file); repeatable. Without it, inferred from the log.")
    var operators: [String] = []

    @Option(help: "File of receipts, one JSON object per line.")
    var receipts: String?

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func run() async throws {
        let key = try NoteVerifierKey(parsing: logKey.trimmingCharacters(in: .whitespacesAndNewlines))
        var lines: [Substring]?
        if let receipts {
            guard let data = FileManager.default.contents(atPath: receipts) else { throw AuditFailure("cannot read \(receipts)") }
            lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        }
        let operatorKeys: Set<PublicKey>? = operators.isEmpty ? nil : Set(try operators.map(Audit.operatorKey))
        let client = LogAudit.makeHTTPClient()
        let audit = LogAudit(logKey: key, operators: operatorKeys, fetch: LogAudit.httpFetch(base: node, client: client)) { [json] done, total in
            if !json { FileHandle.standardError.write(Data("audited \(done) of \(total) leaves\n".utf8)) }
        }
        let result: Result<LogAudit.Summary, AuditFailure>
        do { result = .success(try await audit.run(receipts: lines)) } catch { result = .failure(error) }
        try await client.shutdown()
        let summary = try result.get()
        let checkpoint = summary.checkpoint
        if json {
            print(JSONValue.object([
                "origin": .string(checkpoint.origin), "size": .integer(Int64(checkpoint.size)), "statements": .integer(Int64(summary.statements)),
                "epochs": .integer(Int64(summary.epochs)), "mapKeys": .integer(Int64(summary.mapKeys)), "tiles": .integer(Int64(summary.tiles)), "receipts": .integer(Int64(summary.receipts)),
                "checkpoints": .integer(Int64(summary.receiptCheckpoints)), "ok": true,
                "operators": .array(summary.operators.map(\.base64).sorted().map { .string($0) }),
                "operatorsInferred": .bool(summary.operatorsInferred),
            ]).canonicalString)
        } else {
            print("log \(checkpoint.origin): \(checkpoint.size) leaves (\(summary.statements) statements, \(summary.epochs) epochs)")
            print("checkpoint signature, every leaf, the hash chain and the Merkle root: OK")
            let keys = summary.operators.map(\.base64).sorted().joined(separator: ", ")
            print(summary.operatorsInferred
                ? "erasures checked against the operator keys inferred from the log (those that signed its enrollments and mandates; give --operator to check against the published ones): \(keys.isEmpty ? "none" : keys)"
                : "erasures checked against the operator keys given: \(keys)")
            print("state map: every epoch's root recomputed from the leaves (\(summary.mapKeys) keys): OK")
            print("\(summary.tiles) hash tile\(summary.tiles == 1 ? "" : "s"): each equals the tile recomputed from the leaves and is authenticated by the checkpoint: OK")
            if receipts != nil {
                print("\(summary.receipts) receipts: each verifies and names its statement's leaf: OK")
                print("\(summary.receiptCheckpoints) distinct checkpoints from receipts: all consistent with the log and end with an epoch: OK")
            }
        }
    }

    /// A key given to --operator: base64 of the 32-byte Ed25519 key (as statements' `by`
    /// carries it), a note verifier key, or a file holding either (the .pub file `assent keygen`
    /// and the node write beside a key holds its verifier key).
    static func operatorKey(_ given: String) throws -> PublicKey {
        var text = given.trimmingCharacters(in: .whitespacesAndNewlines)
        if FileManager.default.fileExists(atPath: text) {
            guard let data = FileManager.default.contents(atPath: text) else { throw AuditFailure("--operator: cannot read \(text)") }
            text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let key = try? PublicKey(base64: text) { return key }
        do { return try NoteVerifierKey(parsing: text).publicKey } catch {
            throw AuditFailure("--operator \(given.prefix(80)): neither a base64 Ed25519 public key, a verifier key, nor a file of one: \(error)")
        }
    }
}
