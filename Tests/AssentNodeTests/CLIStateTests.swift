import AssentCore
import Foundation
import XCTest

/// `assent state`, `history` and `check` through the built binary against a real node, after
/// the verbs for people (`enroll`, `mandate`, `deny`, `license`) wrote a story.
final class CLIStateTests: CLINodeTestCase {
    let work = "iswc:T-034.524.680-1"

    /// Alice is enrolled and mandated for `work`, refuses all mining, then licenses example-ai.com.
    func story() throws -> (path: String, publicKey: String) {
        let alice = try cli.key("alice")
        for args in [["enroll", "--key", operatorKey, "--party", alice.publicKey, "--role", "creator"],
                     ["mandate", "--key", operatorKey, "--party", alice.publicKey, "--role", "author", "--work", work],
                     ["deny", "--key", alice.path, "--work", work],
                     ["license", "--key", alice.path, "--work", work, "--to", "example-ai.com", "--category", "train-genai", "--purpose", "research"]] {
            let (status, output) = try cli.run(args + target)
            XCTAssertEqual(status, 0, "\(args[0]): \(output)")
        }
        return alice
    }

    func testStateShowsATableOfWhoDecidedEachCategoryOrTheNodesJSON() throws {
        let alice = try story()
        let (status, table) = try cli.run(["state", work, "--audience", "licensee:example-ai.com", "--purpose", "research", "--node", node.base])
        XCTAssertEqual(status, 0, table)
        XCTAssertTrue(table.contains("iswc:T0345246801 at "), table)
        let rows = table.split(separator: "\n").map(String.init)
        let genai = try XCTUnwrap(rows.first { $0.hasPrefix("train-genai") }, table)
        XCTAssertTrue(genai.contains("allowed") && genai.contains("y by \(alice.publicKey.prefix(10))") && genai.contains("for licensee:example-ai.com"), genai)
        let search = try XCTUnwrap(rows.first { $0.hasPrefix("search") }, table)
        XCTAssertTrue(search.contains("disallowed") && search.contains("for *"), search)

        let (jsonStatus, json) = try cli.run(["state", work, "--json", "--node", node.base])
        XCTAssertEqual(jsonStatus, 0, json)
        let reply = try CanonicalJSON.parse(Array(json.trimmingCharacters(in: .whitespacesAndNewlines).utf8))
        XCTAssertEqual(reply["categories"]?["train-genai"]?["value"], "disallowed")  // for *, the licence does not count
        XCTAssertEqual(reply["audience"], "*")
    }

    func testHistoryListsEachStatementOldestFirst() throws {
        _ = try story()
        let (status, output) = try cli.run(["history", work, "--node", node.base])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, output)  // a head line, the mandate, the refusal, the licence
        XCTAssertTrue(lines[1].contains("mandate (active)") && lines[1].contains("as author"), lines[1])
        XCTAssertTrue(lines[2].contains("preference for *: tdm=n"), lines[2])
        XCTAssertTrue(lines[3].contains("preference for licensee:example-ai.com: train-genai=y, purpose research"), lines[3])
    }

    func testCheckStreamsAFileAndReportsABadLineByItsNumber() throws {
        _ = try story()
        let file = cli.directory.appendingPathComponent("works.txt")
        try "# our catalogue\n\(work)\n\niswc:T-034.524.680-2\nisbn:978-0-306-40615-7\n".write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try cli.run(["check", "--file", file.path, "--node", node.base])
        XCTAssertEqual(status, 1, output)  // one line is not a work id
        XCTAssertTrue(output.contains("iswc:T0345246801  n n n n n"), output)
        XCTAssertTrue(output.contains("isbn:9780306406157  ? ? ? ? ?"), output)
        XCTAssertTrue(output.contains("line 4 of the file: line 5: work \"iswc:T-034.524.680-2\": iswc"), output)

        try "\(work)\n".write(to: file, atomically: true, encoding: .utf8)
        let (jsonStatus, json) = try cli.run(["check", "--file", file.path, "--json", "--audience", "licensee:example-ai.com",
                                              "--purpose", "research", "--node", node.base])
        XCTAssertEqual(jsonStatus, 0, json)
        let lines = try json.split(separator: "\n").map { try CanonicalJSON.parse(Array($0.utf8)) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[1]["values"]?["train-genai"], "allowed")
        XCTAssertEqual(lines[2]["end"], ["works": 1, "errors": 0])
    }

    func testErrorsSayWhatToDo() throws {
        let badWork = try cli.run(["state", "iswc:T-034", "--node", node.base])
        XCTAssertNotEqual(badWork.status, 0)
        XCTAssertTrue(badWork.output.contains("work iswc:T-034"), badWork.output)
        let badTime = try cli.run(["state", work, "--at", "yesterday", "--node", node.base])
        XCTAssertNotEqual(badTime.status, 0)
        XCTAssertTrue(badTime.output.contains("--at yesterday: write an RFC 3339 UTC time"), badTime.output)
        let noNode = try cli.run(["state", work, "--node", "http://127.0.0.1:1"])
        XCTAssertNotEqual(noNode.status, 0)
        XCTAssertTrue(noNode.output.contains("cannot reach the node at http://127.0.0.1:1"), noNode.output)
        let noFile = try cli.run(["check", "--file", "/nonexistent/works.txt", "--node", node.base])
        XCTAssertNotEqual(noFile.status, 0)
        XCTAssertTrue(noFile.output.contains("cannot read /nonexistent/works.txt"), noFile.output)
    }
}
