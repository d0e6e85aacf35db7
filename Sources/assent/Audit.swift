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
            consistent with the log. Exits non-zero on the first failure, saying what failed.

            Example:
              assent audit --node http://127.0.0.1:7001 --log-key "$(cat run/gema/log.pub)"
            """
    )

    @Option(help: "Base URL of the node.")
    var node: String = "http://127.0.0.1:7001"

    @Option(help: "The log's verifier key.")
    var logKey: String

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
        let client = LogAudit.makeHTTPClient()
        let audit = LogAudit(logKey: key, fetch: LogAudit.httpFetch(base: node, client: client)) { [json] done, total in
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
                "epochs": .integer(Int64(summary.epochs)), "tiles": .integer(Int64(summary.tiles)), "receipts": .integer(Int64(summary.receipts)),
                "checkpoints": .integer(Int64(summary.receiptCheckpoints)), "ok": true,
            ]).canonicalString)
        } else {
            print("log \(checkpoint.origin): \(checkpoint.size) leaves (\(summary.statements) statements, \(summary.epochs) epochs)")
            print("checkpoint signature, every leaf, the hash chain and the Merkle root: OK")
            print("\(summary.tiles) hash tile\(summary.tiles == 1 ? "" : "s"): each equals the tile recomputed from the leaves and is authenticated by the checkpoint: OK")
            if receipts != nil {
                print("\(summary.receipts) receipts: each verifies and names its statement's leaf: OK")
                print("\(summary.receiptCheckpoints) distinct checkpoints from receipts: all consistent with the log and end with an epoch: OK")
            }
        }
    }
}
