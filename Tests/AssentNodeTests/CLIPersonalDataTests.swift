import AssentCore
import Foundation
import XCTest

/// The CLI side of issue 9, through the built `assent` binary: `assent sign` takes names and
/// identifiers in clear and writes commitments with disclosures, `assent inspect` says whether
/// a disclosed text matches, `assent erase` names a statement by its hash.
final class CLIPersonalDataTests: XCTestCase {
    var cli: AssentCLI!
    var directory: URL { cli.directory }

    override func setUp() { cli = AssentCLI() }
    override func tearDown() { cli.remove() }

    func assent(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        try cli.run(arguments, input: input)
    }

    func key(_ name: String) throws -> (path: String, publicKey: String) { try cli.key(name) }

    func testSignCommitsNamesAndIDsAndInspectChecksTheDisclosures() throws {
        let op = try key("operator"), alice = try key("alice")
        let sign = ["sign", "enrollment", "--key", op.path, "--party", alice.publicKey, "--role", "creator",
                    "--name", "Zoë Example", "--id", "IPI:522-100-40"]
        let (status, line) = try assent(sign)
        XCTAssertEqual(status, 0, line)
        let submission = try Submission(bytes: Array(line.trimmingCharacters(in: .newlines).utf8))
        // The statement holds commitments only; the texts (the id in normal form) are disclosed beside it.
        XCTAssertFalse(String(decoding: submission.statement.canonicalBytes, as: UTF8.self).contains("Example"))  // base64 elsewhere in the line may hold any short string, never this one
        XCTAssertEqual(submission.disclosures.map(\.field), ["/name", "/ids/0"])
        XCTAssertEqual(submission.disclosures.map(\.text), ["Zoë Example", "ipi:00052210040"])
        // A fresh salt each time: the same name never gives the same commitment twice.
        let again = try Submission(bytes: Array(try assent(sign).output.trimmingCharacters(in: .newlines).utf8))
        XCTAssertNotEqual(again.disclosures[0].salt, submission.disclosures[0].salt)
        XCTAssertNotEqual(again.statement.statement.commitments[0].commitment, submission.statement.statement.commitments[0].commitment)

        let inspected = try assent(["inspect", "-"], input: line)
        XCTAssertEqual(inspected.status, 0, inspected.output)
        XCTAssertTrue(inspected.output.contains(#"disclosed:  /name = "Zoë Example": matches its commitment"#), inspected.output)
        XCTAssertTrue(inspected.output.contains(#"disclosed:  /ids/0 = "ipi:00052210040": matches its commitment"#), inspected.output)
        let forged = try assent(["inspect", "-"], input: line.replacingOccurrences(of: "Zoë Example", with: "Zoe Example"))
        XCTAssertTrue(forged.output.contains(#"disclosed:  /name = "Zoe Example": DOES NOT MATCH its commitment"#), forged.output)

        // A node's reply after an erasure: the text is gone and inspect says so.
        let reply = #"{"disclosures":[],"erased":{"at":"2026-11-22T10:00:00.000Z","by":"\#(Hash.zero.base64)"},"index":1,"receipt":"x","statement":"#
            + String(decoding: submission.statement.canonicalBytes, as: UTF8.self) + "}"
        let erased = try assent(["inspect", "-"], input: reply)
        XCTAssertTrue(erased.output.contains("disclosed:  /name: committed, erased on 2026-11-22T10:00:00.000Z"), erased.output)
        // Review of issue 9: the reply's index is the node's claim until its receipt verifies.
        XCTAssertTrue(erased.output.contains("the reply says index 1; receipt not verified (pass --log-key to verify it)"), erased.output)
        let logKey = try NoteSigner(name: "test.example/log", key: SigningKey(seed: [UInt8](repeating: 5, count: 32))).verifierKey
        let checked = try assent(["inspect", "-", "--log-key", logKey.description], input: reply)
        XCTAssertTrue(checked.output.contains("the reply says index 1, but its receipt DOES NOT VERIFY"), checked.output)
    }

    func testEraseNamesTheStatementByItsHash() throws {
        let alice = try key("alice")
        let target = SHA256.hash(Array("a statement".utf8))
        for spelling in [target.hex, target.base64] {
            let (status, line) = try assent(["erase", spelling, "--key", alice.path])
            XCTAssertEqual(status, 0, line)
            let erasure = try SignedStatement(bytes: Array(line.trimmingCharacters(in: .newlines).utf8))
            guard case let .erasure(e) = erasure.statement else { return XCTFail("not an erasure: \(line)") }
            XCTAssertEqual(e.erases, target)
            XCTAssertEqual(e.by.base64, alice.publicKey)
        }
        let bad = try assent(["erase", "not-a-hash", "--key", alice.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.output.contains("is not a statement hash"), bad.output)
    }

    /// Issue 10: labels belong to a steward's mandate; `assent sign preference` has no such flag.
    func testSignPreferenceTakesNoLabels() throws {
        let alice = try key("alice")
        let result = try assent(["sign", "preference", "--key", alice.path, "--work", "iswc:T0345246801", "--usage", "train-ai=n", "--label", "TK-SS"])
        XCTAssertNotEqual(result.status, 0, result.output)
    }
}
