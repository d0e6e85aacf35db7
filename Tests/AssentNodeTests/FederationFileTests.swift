import AssentCore
@testable import AssentNode
import AssentStore
import AssentTestSupport
import Foundation
import Logging
import XCTest

/// A node reads its federation file (docs/federation.md): it refuses one that does not list it
/// with its own log key, serves the file as read, and trusts every operator the file lists.
final class FederationFileTests: XCTestCase {
    var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-federation-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    var logger: Logger { var l = Logger(label: "federation-test"); l.logLevel = .warning; return l }

    func config(_ name: String) -> NodeConfig {
        var c = NodeConfig(origin: "\(name).assent.example/log", society: name.uppercased(), listen: "127.0.0.1:0",
                           dataDirectory: directory.appendingPathComponent(name).path)
        c.federation = directory.appendingPathComponent("federation.json").path
        return c
    }

    func testTheWitnessKeyIsMadeOnceWithType4AndTheHostsName() throws {
        let c = config("gema")
        let keys = try FederationFixtures.keys(for: c)
        XCTAssertEqual(keys.witness.name, "gema.assent.example/witness")
        XCTAssertEqual(keys.witness.verifierKey.type, .cosignatureV1)
        let again = try NodeKeys.load(dataDirectory: c.dataDirectory, origin: c.origin)
        XCTAssertEqual(again.witness.verifierKey, keys.witness.verifierKey)
        XCTAssertEqual(try String(contentsOfFile: c.dataDirectory + "/witness.pub", encoding: .utf8), "\(keys.witness.verifierKey)\n")
        XCTAssertEqual(NodeKeys.witnessName(origin: "solo"), "solo/witness")
    }

    func testLoadingKeysThatDoNotExistNamesTheMissingFile() throws {
        let c = config("gema")
        XCTAssertThrowsError(try NodeKeys.load(dataDirectory: c.dataDirectory, origin: c.origin)) {
            XCTAssertTrue("\($0)".contains("\(c.dataDirectory)/log.key does not exist"), "\($0)")
        }
    }

    func testANodeNotListedInItsFederationRefusesToStartAndSaysWhy() throws {
        let c = config("gema")
        _ = try FederationFixtures.keys(for: c)
        let other = try FederationFixtures.strangerLog(origin: "sacem.assent.example/log", seed: 30)
        try FederationFixtures.write(c.federation!, logs: [other.log], witnesses: [], quorum: 0)
        XCTAssertThrowsError(try Node(config: c, logger: logger)) {
            XCTAssertTrue("\($0)".contains("does not list this node's log gema.assent.example/log"), "\($0)")
        }
    }

    func testANodeListedWithAnotherLogKeyRefusesToStart() throws {
        let c = config("gema")
        let keys = try FederationFixtures.keys(for: c)
        let impostor = try NoteSigner(name: c.origin, key: SigningKey(seed: [UInt8](repeating: 77, count: 32)))
        var log = FederationFixtures.log(c, keys: keys, url: "http://127.0.0.1:1/")
        log = Federation.Log(origin: log.origin, key: impostor.verifierKey, url: log.url, operators: log.operators, society: log.society)
        try FederationFixtures.write(c.federation!, logs: [log], witnesses: [], quorum: 0)
        XCTAssertThrowsError(try Node(config: c, logger: logger)) {
            XCTAssertTrue("\($0)".contains("but this node's log key is \(keys.log.verifierKey)"), "\($0)")
        }
    }

    func testABrokenFederationFileStopsTheNodeNamingTheFileAndField() throws {
        let c = config("gema")
        _ = try FederationFixtures.keys(for: c)
        try Data(#"{"v": 1, "logs": [], "witnesses": [], "quorum": 0}"#.utf8).write(to: URL(fileURLWithPath: c.federation!))
        XCTAssertThrowsError(try Node(config: c, logger: logger)) {
            XCTAssertEqual("\($0)", "\(c.federation!): federation file: field \"logs\": a federation lists at least one log")
        }
    }

    func testTheConfigurationsFederationPathIsRelativeToTheConfigurationFile() throws {
        let path = directory.appendingPathComponent("gema.json").path
        try Data(#"{"origin": "gema.assent.example/log", "listen": "127.0.0.1:0", "dataDirectory": "run/gema", "federation": "run/federation.json"}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let c = try NodeConfig.load(path: path)
        XCTAssertEqual(c.federation, directory.appendingPathComponent("run/federation.json").standardizedFileURL.path)
    }

    /// Served as read, with its SHA-256 in RFC 9530's Repr-Digest; the node's operators and
    /// every peer's operators may enroll; a key the file does not list may not.
    func testAFederatedNodeServesItsFileAndTrustsEveryListedOperator() async throws {
        let peer = try FederationFixtures.strangerLog(origin: "sacem.assent.example/log", seed: 40)
        let path = directory.appendingPathComponent("federation.json").path
        let federation = LockedBox<Federation?>(nil)
        try await InProcessNode.run(configure: { c in
            c.origin = "gema.assent.example/log"
            c.federation = path
            let keys = try! FederationFixtures.keys(for: c)
            federation.value = try! FederationFixtures.write(path, logs: [FederationFixtures.log(c, keys: keys, url: "http://127.0.0.1:1/"), peer.log],
                                                             witnesses: [FederationFixtures.witness(c, keys: keys), Federation.Witness(key: peer.witness.verifierKey, url: nil)],
                                                             quorum: 1)
        }) { node in
            let expected = try XCTUnwrap(federation.value)
            let reply = try await node.get("/v1/federation")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.body, expected.bytes)
            XCTAssertEqual(reply.headers["repr-digest"], "sha-256=:\(Base64.encode(SHA256.hash(reply.body).bytes)):")
            XCTAssertEqual(node.node.peers.map(\.origin), ["sacem.assent.example/log"])
            XCTAssertEqual(node.node.witnesses.map(\.key), [peer.witness.verifierKey], "a node does not ask itself to witness")
            XCTAssertEqual(node.node.admission.operators, [node.node.keys.operator.key.publicKey, peer.operator.publicKey])
            let info = try await node.get("/v1/node")
            let infoJSON = try JSONSerialization.jsonObject(with: Data(info.body)) as? [String: Any]
            XCTAssertEqual(infoJSON?["witnessKey"] as? String, node.node.keys.witness.verifierKey.description)

            let party = try SigningKey(seed: [UInt8](repeating: 50, count: 32))
            let byPeer = SignedStatement.sign(.enrollment(Enrollment(by: peer.operator.publicKey, issued: .now, party: party.publicKey, role: .creator)),
                                              with: peer.operator)
            let accepted = try await node.post("/v1/statements", byPeer.canonicalBytes)
            XCTAssertEqual(accepted.status, 200, accepted.text)
            let stranger = try SigningKey(seed: [UInt8](repeating: 51, count: 32))
            let byStranger = SignedStatement.sign(.enrollment(Enrollment(by: stranger.publicKey, issued: .now, party: party.publicKey, role: .creator)),
                                                  with: stranger)
            let refused = try await node.post("/v1/statements", byStranger.canonicalBytes)
            XCTAssertEqual(refused.status, 403, refused.text)
        }
    }

    /// Every field `Federation` reads is in docs/federation.md's table, and every field of the
    /// table is read: the document is the file's specification.
    func testEveryFieldTheFileReaderReadsIsDocumentedAndBack() throws {
        let source = try String(contentsOf: StatementReference.repositoryRoot.appendingPathComponent("Sources/AssentCore/Federation.swift"), encoding: .utf8)
        let read = Set(source.matches(of: /\bf\.(?:string|integer|array|verifierKey|url|has)\("([A-Za-z]+)"|\btop\.(?:integer|array)\("([A-Za-z]+)"/)
            .compactMap { $0.output.1 ?? $0.output.2 }.map(String.init))
        let doc = try String(contentsOf: StatementReference.repositoryRoot.appendingPathComponent("docs/federation.md"), encoding: .utf8)
        let documented = Set(doc.split(separator: "\n").filter { $0.hasPrefix("| `") }.compactMap { line in
            line.dropFirst(3).split(separator: "`").first.map { String($0.split(separator: ".").last ?? $0) }
        })
        XCTAssertGreaterThanOrEqual(read.count, 9, "the scan found too few fields: \(read)")
        XCTAssertEqual(read, documented)
    }

    func testANodeAloneHasNoFederationToServe() async throws {
        try await InProcessNode.run { node in
            let reply = try await node.get("/v1/federation")
            XCTAssertEqual(reply.status, 404)
            XCTAssertEqual(reply.json["type"], "urn:assent:problem:not-found")
            XCTAssertTrue(node.node.peers.isEmpty)
            XCTAssertEqual(node.node.admission.operators, [node.node.keys.operator.key.publicKey])
        }
    }
}
