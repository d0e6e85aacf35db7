import AssentCore
import AssentNode
import Foundation
import XCTest

/// `assent federation init` and `assent federation policy`, run as the built binary.
final class FederationCLITests: XCTestCase {
    var cli: AssentCLI!

    override func setUp() { cli = AssentCLI() }
    override func tearDown() { cli.remove() }

    func writeConfig(_ name: String, port: Int) throws -> String {
        let path = cli.directory.appendingPathComponent("\(name).json").path
        let json = #"{"origin": "\#(name).assent.example/log", "society": "\#(name.uppercased())", "listen": "127.0.0.1:\#(port)", "#
            + #""dataDirectory": "run/\#(name)", "federation": "run/federation.json"}"#
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testInitWritesAFederationOfTheNodesKeysThatEachNodeAccepts() throws {
        let gema = try writeConfig("gema", port: 7101), sacem = try writeConfig("sacem", port: 7102)
        let out = cli.directory.appendingPathComponent("run/federation.json").path
        // Without keys and without --create-keys: the missing key file is named.
        let missing = try cli.run(["federation", "init", "--config", gema, "--config", sacem, "--out", out])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("run/gema/log.key does not exist"), missing.output)

        let made = try cli.run(["federation", "init", "--config", gema, "--config", sacem, "--create-keys", "--out", out,
                                "--url", "sacem.assent.example/log=https://sacem.example/"])
        XCTAssertEqual(made.status, 0, made.output)
        let federation = try FederationFile.load(path: out)
        XCTAssertTrue(made.output.contains(federation.digest.hex), made.output)
        XCTAssertEqual(federation.quorum, 1, "nodes − 1 by default")
        let keys = try NodeKeys.load(dataDirectory: cli.directory.appendingPathComponent("run/gema").path, origin: "gema.assent.example/log")
        XCTAssertEqual(federation.logs[0], Federation.Log(origin: "gema.assent.example/log", key: keys.log.verifierKey, url: "http://127.0.0.1:7101/",
                                                           operators: [keys.operator.key.publicKey], society: "GEMA"))
        XCTAssertEqual(federation.logs[1].url, "https://sacem.example/")
        XCTAssertEqual(federation.witnesses.map(\.key.name), ["gema.assent.example/witness", "sacem.assent.example/witness"])
        XCTAssertEqual(federation.witnesses[0].key, keys.witness.verifierKey)

        // The node the file was made for starts with it (its key is the one listed).
        var config = try NodeConfig.load(path: gema)
        config.listen = "127.0.0.1:0"
        let node = try Node(config: config, logger: .init(label: "cli-test"))
        node.close()

        let again = try cli.run(["federation", "init", "--config", gema, "--out", out])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.output.contains("exists; use --force"), again.output)
    }

    func testPolicyPrintsTheTlogPolicyOfTheFile() throws {
        let gema = try writeConfig("gema", port: 7101)
        let out = cli.directory.appendingPathComponent("federation.json").path
        XCTAssertEqual(try cli.run(["federation", "init", "--config", gema, "--create-keys", "--out", out, "--quorum", "0"]).status, 0)
        let printed = try cli.run(["federation", "policy", out])
        XCTAssertEqual(printed.status, 0, printed.output)
        XCTAssertEqual(printed.output, try FederationFile.load(path: out).policy())
        XCTAssertTrue(printed.output.hasSuffix("quorum none\n"))
        let bad = cli.directory.appendingPathComponent("bad.json").path
        try Data("{\"v\": 1}".utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try cli.run(["federation", "policy", bad])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("missing field \"logs\""), refused.output)
    }
}
