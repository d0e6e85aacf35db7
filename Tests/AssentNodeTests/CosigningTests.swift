import AssentCore
@testable import AssentNode
import Foundation
import Logging
import XCTest

/// The sequencer asks the federation's witnesses to cosign each checkpoint (docs/federation.md
/// "Cosigning"): a real node and tlog-witness witnesses (`TestWitness`) on loopback sockets.
final class CosigningTests: XCTestCase {
    var directory: URL!
    var node: TestNode?
    var witnesses: [TestWitness] = []
    let origin = "test.assent.example/log"

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-cosign-\(UUID().uuidString)")
    }

    override func tearDown() async throws {
        try? await node?.stop()
        for w in witnesses { await w.stop() }
        try? FileManager.default.removeItem(at: directory)
    }

    var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// Statement `n`, signed once (a receipt is checked against the very statement sent).
    let statements = (0..<10).map { Fixtures.preference($0) }

    /// The node's keys (made now), and `count` witnesses of its log, started.
    func makeWitnesses(_ count: Int) async throws -> NodeKeys {
        let keys = try NodeKeys.loadOrCreate(dataDirectory: dataDirectory, origin: origin, logger: Logger(label: "t"))
        for i in 0..<count {
            let w = try TestWitness(name: "w\(i).example/witness", seed: UInt8(100 + i), logKey: keys.log.verifierKey)
            try await w.start()
            witnesses.append(w)
        }
        return keys
    }

    /// Starts the node with a federation of its log and `extra` witnesses besides `witnesses`.
    func startNode(keys: NodeKeys, extra: [Federation.Witness] = [], quorum: Int, timeoutMilliseconds: Int = 3000,
                   batchSize: Int = 1000) async throws -> TestNode {
        let path = directory.appendingPathComponent("federation.json").path
        let node = TestNode(directory: directory) { c in
            c.federation = path
            c.witnessTimeoutMilliseconds = timeoutMilliseconds
            c.batchSize = batchSize
        }
        let own = Federation.Witness(key: keys.witness.verifierKey, url: "http://127.0.0.1:1/")
        try FederationFixtures.write(path, logs: [FederationFixtures.log(node.config, keys: keys, url: "http://127.0.0.1:1/")],
                                     witnesses: [own] + witnesses.map(\.federationWitness) + extra, quorum: quorum)
        try await node.start()
        self.node = node
        return node
    }

    func verifiedCosigners(_ note: String, _ node: TestNode) throws -> [String] {
        let federation = try XCTUnwrap(node.node.federation)
        return federation.cosigners(of: try SignedNote(parsing: note)).map(\.key.name).sorted()
    }

    func testReceiptsCarryTheWitnessesCosignaturesAndSayTheQuorumIsMet() async throws {
        let keys = try await makeWitnesses(2)
        let node = try await startNode(keys: keys, quorum: 2)
        let reply = try await node.post("/v1/statements", statements[1].canonicalBytes)
        XCTAssertEqual(reply.status, 200, reply.text)
        let receipt = try reply.receipt()
        XCTAssertEqual(try verifiedCosigners(receipt.checkpoint, node), ["w0.example/witness", "w1.example/witness"])
        XCTAssertNoThrow(try receipt.verify(statement: statements[1], logKey: keys.log.verifierKey))
        XCTAssertEqual(reply.json["witnessed"], ["cosignatures": 2, "quorum": 2, "belowQuorum": false])
        XCTAssertEqual(reply.headers["assent-quorum"], "met; cosignatures=2; quorum=2")
        // The cosigned note is stored: /checkpoint serves it (stored off the reply's path, so it may lag a moment).
        var served = ""
        for _ in 0..<50 {
            served = try await node.get("/checkpoint").text
            if try verifiedCosigners(served, node).count == 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(try verifiedCosigners(served, node).count, 2, served)
    }

    func testBelowQuorumTheCheckpointIsStillPublishedAndTheReplySaysSo() async throws {
        let keys = try await makeWitnesses(1)
        // A witness nobody answers for: its port is closed.
        let silent = try NoteSigner(name: "silent.example/witness", key: SigningKey(seed: [UInt8](repeating: 120, count: 32)), type: .cosignatureV1)
        let node = try await startNode(keys: keys, extra: [Federation.Witness(key: silent.verifierKey, url: "http://127.0.0.1:\(try FederationFixtures.freePort())/")],
                                       quorum: 2)
        let reply = try await node.post("/v1/statements", statements[2].canonicalBytes)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.json["witnessed"], ["cosignatures": 1, "quorum": 2, "belowQuorum": true])
        XCTAssertEqual(reply.headers["assent-quorum"], "below; cosignatures=1; quorum=2")
        let receipt = try reply.receipt()
        XCTAssertEqual(try verifiedCosigners(receipt.checkpoint, node), ["w0.example/witness"])
        XCTAssertNoThrow(try receipt.verify(statement: statements[2], logKey: keys.log.verifierKey))
        let batch = try await node.post("/v1/statements", try JSONValue.array([statements[3].json, statements[4].json]).canonicalBytes)
        XCTAssertEqual(batch.headers["assent-quorum"], "below; cosignatures=1; quorum=2", batch.text)
        XCTAssertEqual(batch.json["results"]?.arrayValue?.first?["witnessed"]?["belowQuorum"], .bool(true))
    }

    /// After a restart the node does not know the witness's size: `old 0`, then the 409's size.
    func testTheWitnessSizeIsLearnedFromA409AfterARestart() async throws {
        let keys = try await makeWitnesses(1)
        var node = try await startNode(keys: keys, quorum: 1)
        _ = try await node.post("/v1/statements", statements[5].canonicalBytes)
        let cosignedBefore = witnesses[0].size
        XCTAssertGreaterThan(cosignedBefore, 1)
        try await node.stop()
        self.node = nil
        let olds = witnesses[0].olds.count
        node = try await startNode(keys: keys, quorum: 1)
        let reply = try await node.post("/v1/statements", statements[6].canonicalBytes)
        XCTAssertEqual(reply.json["witnessed"]?["cosignatures"], 1, reply.text)
        let after = Array(witnesses[0].olds.dropFirst(olds))
        // First `old 0` (unknown), answered 409 with the size cosigned before the restart, then that size with a proof.
        XCTAssertEqual(Array(after.prefix(2)), [0, cosignedBefore], "\(after)")
        XCTAssertEqual(witnesses[0].size, node.node.store.size)
    }

    /// A slow witness does not slow the log: the next batch is written while the previous
    /// one's submitters wait for cosignatures.
    func testASlowWitnessDoesNotHoldTheNextBatch() async throws {
        let keys = try await makeWitnesses(1)
        let node = try await startNode(keys: keys, quorum: 1, timeoutMilliseconds: 5000, batchSize: 1)
        witnesses[0].state.withLock { $0.delay = .milliseconds(1500) }
        let sizeBefore = node.node.store.size
        let started = ContinuousClock.now
        let (bytes7, bytes8) = (statements[7].canonicalBytes, statements[8].canonicalBytes)
        async let first = node.post("/v1/statements", bytes7)
        async let second = node.post("/v1/statements", bytes8)
        // Both batches (one statement each, and an epoch leaf each) are written long before the witness answers.
        await node.waitForSize(sizeBefore + 4)
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1200))
        let (a, b) = try await (first, second)
        XCTAssertEqual(a.status, 200, a.text)
        XCTAssertEqual(b.status, 200, b.text)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(1500))
        // Both carry the cosignature, each on a checkpoint that contains its batch.
        XCTAssertEqual(a.json["witnessed"]?["cosignatures"], 1, a.text)
        XCTAssertEqual(b.json["witnessed"]?["cosignatures"], 1, b.text)
        XCTAssertNoThrow(try a.receipt().verify(statement: statements[7], logKey: keys.log.verifierKey))
    }

    // MARK: Replies from witnesses are hostile

    /// A checkpoint offered while its witness could not cosign is offered again once the
    /// witness's back-off ends, though the log writes nothing more: the partition drill
    /// (Scripts/partition-drill.sh) found a log that fell quiet during a partition keeping its
    /// below-quorum checkpoint for good, and its peers' checkpoints too.
    func testACheckpointOfferedWhileTheWitnessWasUnavailableIsCosignedOnceItIsBack() async throws {
        let keys = try await makeWitnesses(1)
        witnesses[0].state.withLock { $0.unavailable = true }
        let node = try await startNode(keys: keys, quorum: 1, timeoutMilliseconds: 500)
        let reply = try await node.post("/v1/statements", statements[9].canonicalBytes)
        XCTAssertEqual(reply.json["witnessed"], ["cosignatures": 0, "quorum": 1, "belowQuorum": true], reply.text)
        XCTAssertGreaterThan(witnesses[0].state.withLock { $0.refused }, 0)
        witnesses[0].state.withLock { $0.unavailable = false }
        // Nothing more is written: the cosignature comes from the node asking again on its own
        // (after a back-off of at most a few seconds here).
        var served = ""
        for _ in 0..<150 {
            served = try await node.get("/checkpoint").text
            if try verifiedCosigners(served, node).count == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(try verifiedCosigners(served, node), ["w0.example/witness"], served)
        XCTAssertEqual(witnesses[0].size, node.node.store.size)
    }

    func testA409SizeHasOneSpelling() {
        XCTAssertEqual(WitnessClient.treeSize("0\n"), 0)
        XCTAssertEqual(WitnessClient.treeSize("20852014\n"), 20_852_014)
        for bad in ["", "\n", "5", "05\n", "+5\n", "-1\n", "5 \n", "18446744073709551616\n", "1e3\n", "٣\n"] {
            XCTAssertNil(WitnessClient.treeSize(bad), bad)
        }
    }

    func testOnlyTheAskedWitnessesValidCosignatureIsTaken() throws {
        let log = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
        let note = try SignedNote.sign(text: Checkpoint(origin: origin, size: 3, root: SHA256.hash([1])).text, with: log)
        let asked = try NoteSigner(name: "a.example/witness", key: SigningKey(seed: [UInt8](repeating: 2, count: 32)), type: .cosignatureV1)
        let other = try NoteSigner(name: "b.example/witness", key: SigningKey(seed: [UInt8](repeating: 3, count: 32)), type: .cosignatureV1)
        let witness = Federation.Witness(key: asked.verifierKey, url: "http://127.0.0.1:1/")
        let good = try Cosignature.sign(note, witness: asked, timestamp: 1_700_000_000)
        let stranger = try Cosignature.sign(note, witness: other, timestamp: 1_700_000_000)
        guard case let .cosigned(line) = WitnessClient.cosignature(in: stranger.line + good.line, on: note, witness: witness) else {
            return XCTFail("the asked witness's line was not found among others")
        }
        XCTAssertEqual(line, good)
        guard case .failed(.badReply) = WitnessClient.cosignature(in: stranger.line, on: note, witness: witness) else { return XCTFail() }
        guard case .failed(.badReply) = WitnessClient.cosignature(in: "not a signature\n", on: note, witness: witness) else { return XCTFail() }
        // The right name and key ID over another checkpoint: refused, not taken.
        let otherNote = try SignedNote.sign(text: Checkpoint(origin: origin, size: 4, root: SHA256.hash([1])).text, with: log)
        let misplaced = try Cosignature.sign(otherNote, witness: asked, timestamp: 1_700_000_000)
        guard case .failed(.badReply) = WitnessClient.cosignature(in: misplaced.line, on: note, witness: witness) else { return XCTFail() }
    }

    /// The submit reply's count is verified, not read off the lines: a line under a witness's
    /// name that does not verify counts for nothing, however many notes the memory has seen.
    func testTheReportedCountIsOfValidCosignaturesOnly() throws {
        let log = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
        let witness = try NoteSigner(name: "a.example/witness", key: SigningKey(seed: [UInt8](repeating: 2, count: 32)), type: .cosignatureV1)
        let federation = try Federation(bytes: Federation.encode(
            logs: [Federation.Log(origin: origin, key: log.verifierKey, url: "http://127.0.0.1:1/", operators: [witness.key.publicKey], society: "T")],
            witnesses: [Federation.Witness(key: witness.verifierKey, url: nil)], quorum: 1))
        let counter = CosignatureCount(federation: federation)
        for size in 1...UInt64(CosignatureCount.capacity * 2) {
            let note = try SignedNote.sign(text: Checkpoint(origin: origin, size: size, root: SHA256.hash([UInt8(size & 0xFF)])).text, with: log)
            let good = note.adding(try Cosignature.sign(note, witness: witness, timestamp: 1_700_000_000 + size))
            var bytes = try Cosignature.sign(note, witness: witness, timestamp: 1).bytes
            bytes[20] ^= 1
            let forged = note.adding(SignedNote.Signature(name: witness.name, keyID: witness.verifierKey.keyID, bytes: bytes))
            XCTAssertEqual(counter.of(good.serialized), 1)
            XCTAssertEqual(counter.of(forged.serialized), 0)
            XCTAssertEqual(counter.of(good.serialized), 1, "remembered")
        }
    }
}
