import AssentCore
import Foundation
import XCTest

/// The verbs for people (`assent grant`, `deny`, `revoke`, `license`, `withdraw`, `enroll`,
/// `mandate`), through the built binary against a real node: each signs what was typed,
/// submits it and verifies the receipt.
final class CLIVerbTests: CLINodeTestCase {

    /// The statements the node logged, in order (the store, read after the batch is durable).
    func logged() throws -> [Statement] {
        try leaves().compactMap { try LogLeaf(bytes: $0).statement?.statement }
    }

    func leaves() throws -> [[UInt8]] { try node.node.store.leafBytes(from: 0, to: node.node.store.size) }

    func testAMemberIsEnrolledMandatedAndStatesGrantsLicencesRevocationsAndWithdrawals() throws {
        let alice = try cli.key("alice")
        let work = "iswc:T-034.524.680-1"
        func run(_ args: [String]) throws -> String {
            let (status, output) = try cli.run(args + target)
            XCTAssertEqual(status, 0, "\(args.first!): \(output)")
            XCTAssertTrue(output.contains("receipt verified"), output)
            return output
        }
        // Before enrollment the node takes nothing from alice: the verb exits 1 with the node's reason.
        let refused = try cli.run(["deny", "--key", alice.path, "--work", work] + target)
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.output.contains("refused"), refused.output)

        _ = try run(["enroll", "--key", operatorKey, "--party", alice.publicKey, "--role", "creator", "--name", "Alice Example"])
        _ = try run(["mandate", "--key", operatorKey, "--party", alice.publicKey, "--role", "author", "--work", work])
        let denied = try run(["deny", "--key", alice.path, "--work", work])
        XCTAssertTrue(denied.contains("signing tdm=n for * (replaces your previous statement"), denied)
        _ = try run(["license", "--key", alice.path, "--work", work, "--to", "example-ai.com", "--category", "train-genai",
                     "--credit", "Alice Example", "--terms", "https://example.org/terms", "--purpose", "research",
                     "--expires", "2099-01-01T00:00:00.000Z"])
        _ = try run(["grant", "--key", alice.path, "--work", work, "--work", "isbn:9780306406157", "--category", "search"])
        _ = try run(["revoke", "--key", alice.path, "--work", work, "--category", "search"])
        _ = try run(["withdraw", "--key", alice.path, "--work", "isbn:9780306406157"])

        let preferences = try logged().compactMap { s -> Preference? in if case let .preference(p) = s { p } else { nil } }
        XCTAssertEqual(preferences.count, 6)
        XCTAssertEqual(preferences[0].usage, ["tdm": false])  // deny with no category refuses all mining
        XCTAssertEqual(preferences[1].audience.value, "licensee:example-ai.com")
        XCTAssertEqual(preferences[1].usage, ["train-genai": true])
        XCTAssertEqual(preferences[1].conditions?.purpose, .research)
        XCTAssertNotNil(preferences[1].conditions?.credit)  // a commitment, never the text
        XCTAssertEqual(preferences[1].expires, Timestamp(rfc3339: "2099-01-01T00:00:00.000Z"))
        XCTAssertEqual(preferences[2].work.description, "iswc:T0345246801")  // typed with dots, logged in normal form
        XCTAssertEqual(preferences[3].work.description, "isbn:9780306406157")
        XCTAssertEqual(preferences[4].usage, ["search": false])
        XCTAssertEqual(preferences[5].usage, [:])
        XCTAssertFalse(try leaves().contains { String(decoding: $0, as: UTF8.self).contains("Alice Example") })
    }

    func testAMandateFromAFileOfWorksAndBadInputSaysWhatToDo() throws {
        let steward = try cli.key("steward")
        let file = cli.directory.appendingPathComponent("works.txt")
        let works = (0..<1_200).map { "local:apra.example/song-\($0)" }
        try ("# the community's songs\n\n" + works.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try cli.run(["mandate", "--key", operatorKey, "--party", steward.publicKey, "--role", "steward",
                                              "--works-file", file.path, "--label", "TK-SS"] + target)
        XCTAssertEqual(status, 0, output)
        let mandates = try logged().compactMap { s -> Mandate? in if case let .mandate(m) = s { m } else { nil } }
        XCTAssertEqual(mandates.map(\.works.count), [1000, 200])
        XCTAssertEqual(mandates.flatMap(\.works).map(\.description), works)
        XCTAssertEqual(mandates[0].labels, ["TK-SS"])

        let badWork = try cli.run(["grant", "--key", steward.path, "--work", "iswc:T-034", "--category", "search"] + target)
        XCTAssertNotEqual(badWork.status, 0)
        XCTAssertTrue(badWork.output.contains("--work iswc:T-034"), badWork.output)
        // Allowing needs its categories named: a forgotten --category must not allow everything.
        let noCategory = try cli.run(["grant", "--key", steward.path, "--work", works[0]] + target)
        XCTAssertNotEqual(noCategory.status, 0)
        XCTAssertTrue(noCategory.output.contains("name what you allow: --category"), noCategory.output)
        let badLicensee = try cli.run(["license", "--key", steward.path, "--work", works[0], "--to", "Example-AI.com",
                                       "--category", "train-ai"] + target)
        XCTAssertNotEqual(badLicensee.status, 0)
        XCTAssertTrue(badLicensee.output.contains("--to Example-AI.com: a licensee id is lower-case"), badLicensee.output)
        let badCategory = try cli.run(["deny", "--key", steward.path, "--work", works[0], "--category", "training"] + target)
        XCTAssertNotEqual(badCategory.status, 0)
        XCTAssertTrue(badCategory.output.contains("--category training: one of tdm"), badCategory.output)
        let badLine = try cli.run(["mandate", "--key", operatorKey, "--party", steward.publicKey, "--role", "steward",
                                      "--works-file", file.path, "--work", "doi:not a doi"] + target)
        XCTAssertNotEqual(badLine.status, 0)
        XCTAssertTrue(badLine.output.contains("--work: doi:not a doi"), badLine.output)
    }
}
