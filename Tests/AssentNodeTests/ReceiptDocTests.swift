import AssentCore
import XCTest

/// docs/statements.md "Receipts" has a worked example (review of issue 10, finding 5): a
/// statement, its receipt, the leaf rebuilt from them and its hash. A client writer checks
/// their code against it, so it must be true: this rebuilds the leaf as the page says and
/// verifies the receipt with the page's log key.
final class ReceiptDocTests: XCTestCase {
    /// The `text receipt:<name>` blocks of the page, by name.
    static func blocks() throws -> [String: String] {
        let reference = try StatementReference()
        var out = [String: String]()
        var open: (name: String, body: [Substring])?
        for line in reference.lines {
            if var current = open {
                if line == "```" {
                    out[current.name] = current.body.joined(separator: "\n")
                    open = nil
                } else {
                    current.body.append(line)
                    open = current
                }
            } else if line.hasPrefix("```text receipt:") {
                open = (String(line.dropFirst("```text receipt:".count)), [])
            }
        }
        return out
    }

    func testTheWorkedReceiptExampleRebuildsItsLeafAndVerifies() throws {
        let blocks = try Self.blocks()
        let names = ["log-key", "statement", "receipt", "leaf", "leaf-hash"]
        for name in names { XCTAssertNotNil(blocks[name], "docs/statements.md has no ```text receipt:\(name) block") }
        let logKey = try NoteVerifierKey(parsing: try XCTUnwrap(blocks["log-key"]))
        let statement = try SignedStatement(bytes: Array(try XCTUnwrap(blocks["statement"]).utf8))
        // A fenced block has no final line feed; the receipt text ends with one (its note does).
        let receipt = try Receipt(text: try XCTUnwrap(blocks["receipt"]) + "\n")
        let verified = try receipt.verify(statement: statement, logKey: logKey)

        // The leaf as the page describes it, built by hand rather than by LogLeaf.
        let checkpointOrigin = String(receipt.checkpoint.prefix { $0 != "\n" })
        let leafJSON: JSONValue = [
            "entry": try CanonicalJSON.parse(statement.canonicalBytes), "index": .integer(Int64(receipt.index)),
            "log": .string(checkpointOrigin), "prev": .string(receipt.prev.base64), "time": .string(receipt.time.rfc3339), "v": 1,
        ]
        let leaf = CanonicalJSON.encode(leafJSON)
        XCTAssertEqual(String(decoding: leaf, as: UTF8.self), blocks["leaf"], "the page's leaf is not the leaf its rules build")
        XCTAssertEqual(verified.leaf.bytes, leaf, "the node's leaf differs from the page's rules")
        let hash = SHA256.hash([0x00] + leaf)
        XCTAssertEqual(hash.hex, blocks["leaf-hash"])
        XCTAssertEqual(verified.leaf.leafHash, hash)
        // The receipt proves this statement only: another statement's bytes do not verify.
        let alice = try StatementReference.key("alice")
        XCTAssertEqual(statement.statement.by, alice.publicKey, "the page says alice signed it")
        let other = SignedStatement.sign(.preference(Preference(by: alice.publicKey, issued: receipt.time, work: try WorkID(parsing: "iswc:T0345246801"),
                                                                usage: ["train-ai": true])), with: alice)
        XCTAssertThrowsError(try receipt.verify(statement: other, logKey: logKey))
    }
}
