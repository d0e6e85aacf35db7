import AssentCore
import AssentNode
import Foundation
import XCTest

/// `GET /v1/evidence`, its metric, and `assent verify-evidence` on what the node serves.
final class EvidenceRouteTests: XCTestCase {
    let peer = try! NoteSigner(name: "peer.example/log", key: SigningKey(seed: [UInt8](repeating: 5, count: 32)))

    func fork(size: UInt64, _ a: String, _ b: String, signer: NoteSigner? = nil) throws -> Evidence {
        let notes = try [a, b].map { try Checkpoint(origin: peer.name, size: size, root: SHA256.hash(Array($0.utf8))).sign(with: signer ?? peer).serialized }
        return try Evidence(origin: peer.name, kind: .sameSizeDifferentRoot, notes: notes, proof: [])
    }

    func testRecordedEvidenceIsServedCountedAndVerifiesWithTheCLI() async throws {
        let node = TestNode()
        try await node.start()
        let cli = AssentCLI()
        defer { node.remove(); cli.remove() }

        let empty = try await node.get("/v1/evidence")
        XCTAssertEqual(empty.status, 200)
        XCTAssertEqual(empty.text, #"{"evidence":[]}"#)
        let before = try await node.get("/metrics").text
        XCTAssertTrue(before.contains("assent_evidence_stored 0"), before)

        let evidence = try fork(size: 12, "a", "b")
        let isNew = try await node.node.evidence.record(evidence, logKey: peer.verifierKey)
        XCTAssertTrue(isNew)
        let twice = try await node.node.evidence.record(evidence, logKey: peer.verifierKey)
        XCTAssertFalse(twice)
        // Not signed by the log: refused, not served.
        let impostor = try NoteSigner(name: peer.name, key: SigningKey(seed: [UInt8](repeating: 6, count: 32)))
        do {
            try await node.node.evidence.record(try fork(size: 13, "a", "b", signer: impostor), logKey: peer.verifierKey)
            XCTFail("recorded notes the log did not sign")
        } catch is EvidenceError {}

        let reply = try await node.get("/v1/evidence")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["content-type"], "application/json")
        let items = try XCTUnwrap(reply.json["evidence"]?.arrayValue)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items[0]["logKey"], .string(peer.verifierKey.description))
        XCTAssertEqual(items[0]["id"], .string(evidence.id.base64))
        XCTAssertEqual(items[0]["foundAt"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } != nil, true)
        let validator = try SchemaValidator(yaml: String(contentsOfFile: OpenAPITests.path, encoding: .utf8))
        XCTAssertEqual(try validator.errors(try XCTUnwrap(Instance(json: reply.body)),
                                            try validator.responseSchema(path: "/v1/evidence", method: "get", status: 200)), [])
        let served = try Evidence(json: try XCTUnwrap(items[0]["evidence"]))
        XCTAssertEqual(served, evidence)
        let metrics = try await node.get("/metrics").text
        XCTAssertTrue(metrics.contains("assent_evidence_stored 1"), metrics)
        XCTAssertTrue(metrics.contains(#"assent_evidence_found_total{origin="peer.example/log"} 1"#), metrics)

        // Kept across a restart, and the metric counts what is stored.
        try await node.stop()
        try await node.start()
        let afterRestart = try await node.get("/v1/evidence")
        XCTAssertEqual(afterRestart.json["evidence"]?.arrayValue?.count, 1)
        let restarted = try await node.get("/metrics").text
        XCTAssertTrue(restarted.contains("assent_evidence_stored 1"), restarted)
        try await node.stop()

        // The served evidence, saved as a file, holds offline.
        let file = cli.directory.appendingPathComponent("evidence.json")
        try Data(try XCTUnwrap(items[0]["evidence"]).canonicalBytes).write(to: file)
        let human = try cli.run(["verify-evidence", file.path, "--log-key", peer.verifierKey.description])
        XCTAssertEqual(human.status, 0, human.output)
        XCTAssertTrue(human.output.contains("evidence holds: log peer.example/log signed two checkpoints that cannot both be true"), human.output)
        XCTAssertTrue(human.output.contains("size 12 with root"), human.output)
        let json = try cli.run(["verify-evidence", file.path, "--log-key", peer.verifierKey.description, "--json"])
        XCTAssertEqual(json.status, 0, json.output)
        let result = try CanonicalJSON.parse(Array(json.output.utf8))
        XCTAssertEqual(result["ok"], true)
        XCTAssertEqual(result["kind"], "sameSizeDifferentRoot")
        XCTAssertEqual(result["sizes"], [12, 12])
        XCTAssertEqual(result["id"], .string(evidence.id.base64))
    }

    func testVerifyEvidenceExitsOneWhenItDoesNotHoldAndTwoWhenItCannotRead() throws {
        let cli = AssentCLI()
        defer { cli.remove() }
        let file = cli.directory.appendingPathComponent("evidence.json")
        try Data(try fork(size: 12, "a", "b").json.canonicalBytes).write(to: file)
        // Another log's key: the notes are not signed by it.
        let other = try NoteSigner(name: peer.name, key: SigningKey(seed: [UInt8](repeating: 6, count: 32)))
        let wrongKey = try cli.run(["verify-evidence", file.path, "--log-key", other.verifierKey.description, "--json"])
        XCTAssertEqual(wrongKey.status, 1, wrongKey.output)
        let result = try CanonicalJSON.parse(Array(wrongKey.output.utf8))
        XCTAssertEqual(result["ok"], false)
        XCTAssertTrue(result["error"]?.stringValue?.contains("evidence note 1: no signature by a known key") == true, wrongKey.output)
        // Two equal notes are no conflict.
        try Data(try fork(size: 12, "a", "a").json.canonicalBytes).write(to: file)
        let same = try cli.run(["verify-evidence", file.path, "--log-key", peer.verifierKey.description])
        XCTAssertEqual(same.status, 1, same.output)
        XCTAssertTrue(same.output.contains("not evidence: evidence does not show a conflict"), same.output)
        // From standard input, malformed.
        let malformed = try cli.run(["verify-evidence", "-", "--log-key", peer.verifierKey.description], input: "[]")
        XCTAssertEqual(malformed.status, 1, malformed.output)
        XCTAssertTrue(malformed.output.contains("must be a JSON object"), malformed.output)
        let missing = try cli.run(["verify-evidence", cli.directory.appendingPathComponent("none.json").path, "--log-key", peer.verifierKey.description])
        XCTAssertEqual(missing.status, 2, missing.output)
        XCTAssertTrue(missing.output.contains("cannot read"), missing.output)
        let badKey = try cli.run(["verify-evidence", file.path, "--log-key", "nonsense"])
        XCTAssertEqual(badKey.status, 2, badKey.output)
        let neither = try cli.run(["verify-evidence", file.path])
        XCTAssertNotEqual(neither.status, 0, neither.output)
        XCTAssertTrue(neither.output.contains("exactly one of --log-key and --federation"), neither.output)
    }

    func testVerifyEvidenceTakesTheLogKeyFromAFederationFile() throws {
        let cli = AssentCLI()
        defer { cli.remove() }
        let file = cli.directory.appendingPathComponent("evidence.json")
        try Data(try fork(size: 12, "a", "b").json.canonicalBytes).write(to: file)
        let operatorKey = try SigningKey(seed: [UInt8](repeating: 21, count: 32)).publicKey
        let witness = try NoteSigner(name: "peer.example/witness", key: SigningKey(seed: [UInt8](repeating: 22, count: 32)), type: .cosignatureV1)
        func federation(_ key: NoteVerifierKey, origin: String) throws -> String {
            let path = cli.directory.appendingPathComponent("federation-\(origin.count)-\(key.keyIDHex).json").path
            try FederationFixtures.write(path, logs: [Federation.Log(origin: origin, key: key, url: "http://127.0.0.1:9/", operators: [operatorKey], society: "Peer")],
                                         witnesses: [Federation.Witness(key: witness.verifierKey, url: nil)], quorum: 0)
            return path
        }
        let holds = try cli.run(["verify-evidence", file.path, "--federation", try federation(peer.verifierKey, origin: peer.name), "--json"])
        XCTAssertEqual(holds.status, 0, holds.output)
        // The file lists another key for that origin: the notes are not its log's.
        let other = try NoteSigner(name: peer.name, key: SigningKey(seed: [UInt8](repeating: 6, count: 32)))
        let wrong = try cli.run(["verify-evidence", file.path, "--federation", try federation(other.verifierKey, origin: peer.name)])
        XCTAssertEqual(wrong.status, 1, wrong.output)
        // The file lists no log of that origin.
        let stranger = try NoteSigner(name: "stranger.example/log", key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
        let none = try cli.run(["verify-evidence", file.path, "--federation", try federation(stranger.verifierKey, origin: stranger.name)])
        XCTAssertEqual(none.status, 2, none.output)
        XCTAssertTrue(none.output.contains("lists no log \"peer.example/log\""), none.output)
    }
}
