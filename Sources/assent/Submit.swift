import ArgumentParser
import AssentCore
import AssentNode
import AsyncHTTPClient
import Foundation
import NIOCore

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit signed statements to a node and print the receipts.",
        discussion: """
            Reads signed statements, one per line (as `assent sign` and `assent erase` print them,
            with their disclosures), from a file or standard input, sends them as one batch (at
            most 1,000), disclosures included, and prints one line per
            statement: its receipt (index, checkpoint size) or the node's reason for refusing it.
            Every receipt is verified offline against the statement that was sent and the log's
            key: the leaf is rebuilt around the statement, and its inclusion proved under the
            checkpoint the log signed. A receipt that does not verify is an error (exit 1).

            Example:
              assent sign preference --key alice.key --work iswc:T0345246801 --usage train-ai=n \\
                | assent submit --node http://127.0.0.1:7001 --log-key "$(cat run/gema/log.pub)"
            """
    )

    @Argument(help: "File of statements, one per line, or - for standard input.")
    var input: String = "-"

    @Option(help: "Base URL of the node.")
    var node: String = "http://127.0.0.1:7001"

    @Option(help: "The log's verifier key (as in its log.pub), to verify each receipt.")
    var logKey: String

    @Flag(help: "Print the node's JSON reply instead of text.")
    var json = false

    func run() async throws {
        let data = try readInput(input)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw CLIError("no statements in \(input)") }
        guard lines.count <= 1000 else { throw CLIError("\(lines.count) statements; a batch holds at most 1,000") }
        let key = try NoteVerifierKey(parsing: logKey.trimmingCharacters(in: .whitespacesAndNewlines))
        // The statements as sent, with their disclosures: each receipt must prove one of these, not merely some leaf.
        let submissions = try lines.enumerated().map { n, line in
            do { return try Submission(bytes: Array(line.utf8), requireCanonical: false) } catch {
                throw CLIError("statement \(n + 1) of \(input): \(error)")
            }
        }
        try await submitBatch(submissions, node: node, logKey: key, json: json)
    }
}

/// Sends `submissions` to `node` as one batch, verifies every receipt against the statement
/// sent (the leaf rebuilt around it, its inclusion proved under the log's signed checkpoint),
/// and prints one line per statement, or the node's reply as it came with `json`.
/// Exits 1 when any statement is refused or any receipt fails to verify.
func submitBatch(_ submissions: [Submission], node: String, logKey key: NoteVerifierKey, json: Bool) async throws {
    let statements = submissions.map(\.statement)

    var request = HTTPClientRequest(url: node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/statements")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    // Sent in canonical form, disclosures beside each statement (the node refuses anything else).
    request.body = .bytes(ByteBuffer(string: "[" + submissions.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
    let body = try await response.body.collect(upTo: 256 * 1024 * 1024)
    let bytes = Array(buffer: body)
    let reply: JSONValue
    do { reply = try CanonicalJSON.parse(bytes, requireCanonical: false) } catch {
        throw CLIError("the node's reply (HTTP \(response.status.code)) is not JSON: \(String(decoding: bytes.prefix(300), as: UTF8.self))")
    }
    guard case let .array(results)? = reply["results"] else {
        throw CLIError("node refused the batch: \(reply["detail"]?.stringValue ?? String(decoding: bytes.prefix(300), as: UTF8.self))")
    }
    // One verdict per statement sent, in order; anything else is not a reply to this batch.
    guard results.count == statements.count else {
        throw CLIError("sent \(statements.count) statements, the node answered \(results.count) verdicts")
    }
    if json {
        // The node's reply as it came, for machines; receipts are still verified (exit 1 if one fails).
        print(String(decoding: bytes, as: UTF8.self))
    }
    var failures = 0
    for (i, item) in results.enumerated() {
        if case let .string(text)? = item["receipt"] {
            do {
                let receipt = try Receipt(text: text)
                let verified = try receipt.verify(statement: statements[i], logKey: key)
                // In a federation the node says how many witnesses cosigned (docs/federation.md "Cosigning").
                var witnessed = ""
                if case let .integer(n)? = item["witnessed"]?["cosignatures"], case let .integer(q)? = item["witnessed"]?["quorum"] {
                    witnessed = "; the node reports \(n) witness cosignature\(n == 1 ? "" : "s"), quorum \(q)\(n < q ? " (BELOW QUORUM)" : "")"
                }
                if !json { print("statement \(i + 1): logged at index \(receipt.index), checkpoint size \(verified.checkpoint.size), receipt verified\(witnessed)") }
            } catch {
                FileHandle.standardError.write(Data("statement \(i + 1): RECEIPT DOES NOT VERIFY: \(error)\n".utf8))
                failures += 1
            }
        } else {
            failures += 1
            if !json { print("statement \(i + 1): refused: \(item["problem"]?["detail"]?.stringValue ?? "?")") }
        }
    }
    if failures > 0 { throw ExitCode(1) }
}
