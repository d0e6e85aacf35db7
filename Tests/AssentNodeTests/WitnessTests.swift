import AssentCore
import AssentStore
@testable import AssentNode
import Foundation
import XCTest

/// The witness over real HTTP: node B witnesses node A's log (C2SP tlog-witness v1.0.0 and
/// PROTOCOL §8), replicating A before it cosigns.
final class WitnessTests: XCTestCase {
    var a: TestNode!
    var b: TestNode!

    override func setUp() async throws {
        a = TestNode { $0.origin = "a.assent.example/log" }
        try await a.start()
        b = TestNode { $0.origin = "b.assent.example/log" }
        b.peers = [Replicator.Peer(origin: a.config.origin, key: a.logKey, url: a.base + "/")]
        b.peerOperators = [a.node.keys.operator.key.publicKey]
    }

    override func tearDown() async throws {
        try? await b.stop()
        try? await a.stop()
        a.remove()
        b.remove()
    }

    var witnessKey: NoteVerifierKey { b.node.keys.witness.verifierKey }

    /// Submits `count` preferences to A and returns its latest checkpoint and note once logged.
    func write(_ count: Int, from n: Int) async throws -> (checkpoint: Checkpoint, note: String) {
        let body = "[" + (0..<count).map { String(decoding: Fixtures.preference(n + $0).canonicalBytes, as: UTF8.self) }.joined(separator: ",") + "]"
        let reply = try await a.post("/v1/statements", Array(body.utf8))
        XCTAssertEqual(reply.json["accepted"], .integer(Int64(count)), reply.text)
        return try XCTUnwrap(a.node.store.latestCheckpoint)
    }

    func proof(_ old: UInt64, _ new: UInt64) throws -> [Hash] {
        try a.node.store.consistencyProof(oldSize: old, newSize: new).hashes
    }

    func addCheckpoint(old: UInt64, proof: [Hash] = [], note: String) async throws -> TestNode.Reply {
        try await b.post("/add-checkpoint", Array(("old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note).utf8))
    }

    /// Checks a 200 reply's cosignature with `Cosignature.verify` and, separately, byte by byte as
    /// tlog-cosignature v1.0.1 defines it. Returns its timestamp.
    @discardableResult
    func checkCosignature(_ reply: TestNode.Reply, note: String, file: StaticString = #filePath, line: UInt = #line) throws -> UInt64 {
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        XCTAssertEqual(reply.headers["content-type"], "text/plain; charset=utf-8", file: file, line: line)
        // tlog-witness: the body is note signature lines; a client may append them to the note.
        let cosigned = try SignedNote(parsing: note + reply.text)
        let timestamp = try XCTUnwrap(try Cosignature.verify(cosigned, witness: witnessKey), file: file, line: line)
        // The spec's bytes: "— <name> base64(key ID ‖ u64 timestamp ‖ Ed25519 signature)", key ID =
        // SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4], message "cosignature/v1\ntime <t>\n" ‖ checkpoint body.
        let prefix = "— \(witnessKey.name) "
        XCTAssertTrue(reply.text.hasPrefix(prefix) && reply.text.hasSuffix("\n"), reply.text, file: file, line: line)
        let raw = try XCTUnwrap(Base64.decode(reply.text.dropFirst(prefix.count).dropLast()), file: file, line: line)
        XCTAssertEqual(raw.count, 4 + 8 + 64, file: file, line: line)
        let name = Array(witnessKey.name.utf8)
        XCTAssertEqual(Array(raw[0..<4]), Array(SHA256.hash(name + [0x0A, 0x04] + witnessKey.publicKey.bytes).bytes[0..<4]), file: file, line: line)
        let stamp = raw[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        XCTAssertEqual(stamp, timestamp, file: file, line: line)
        XCTAssertGreaterThan(stamp, 0, "tlog-witness: the timestamp MUST NOT be zero", file: file, line: line)
        let body = try SignedNote(parsing: note).text
        let message = Array("cosignature/v1\ntime \(stamp)\n\(body)".utf8)
        XCTAssertTrue(witnessKey.publicKey.isValidSignature(raw[12...], for: message), file: file, line: line)
        // The wall clock's seconds: within a minute of now.
        XCTAssertLessThan(abs(Int64(stamp) - Timestamp.now.milliseconds / 1000), 60, file: file, line: line)
        return stamp
    }

    func checkProblem(_ reply: TestNode.Reply, _ status: Int, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, status, reply.text, file: file, line: line)
        XCTAssertEqual(reply.headers["content-type"], "application/problem+json", file: file, line: line)
        XCTAssertEqual(reply.json["type"], .string("urn:assent:problem:\(reason)"), reply.text, file: file, line: line)
    }

    func evidence() async throws -> [JSONValue] {
        let reply = try await b.get("/v1/evidence")
        return try XCTUnwrap(reply.json["evidence"]?.arrayValue)
    }

    func testEveryStatusCodeOfTlogWitness() async throws {
        try await b.start()
        let first = try XCTUnwrap(a.node.store.latestCheckpoint)

        // 200: old 0, the first checkpoint of A this witness sees, cosigned once replicated.
        let cosigned = try await addCheckpoint(old: 0, note: first.note)
        try checkCosignature(cosigned, note: first.note)
        XCTAssertEqual(b.node.replicator?.mirrored(origin: a.config.origin)?.size, first.checkpoint.size)

        // 409 with text/x.tlog.size: old 0 again, now that the witness has cosigned.
        let stale = try await addCheckpoint(old: 0, note: first.note)
        XCTAssertEqual(stale.status, 409)
        XCTAssertEqual(stale.headers["content-type"], "text/x.tlog.size")
        XCTAssertEqual(stale.text, "\(first.checkpoint.size)\n")

        // 200 again: a new checkpoint with the consistency proof from the cosigned size.
        let second = try await write(5, from: 0)
        try checkCosignature(try await addCheckpoint(old: first.checkpoint.size, proof: try proof(first.checkpoint.size, second.checkpoint.size),
                                                     note: second.note), note: second.note)

        // 400: old beyond the checkpoint's size; and a body that is not an add-checkpoint body.
        checkProblem(try await addCheckpoint(old: second.checkpoint.size + 1, note: second.note), 400, "bad-request")
        checkProblem(try await b.post("/add-checkpoint", Array("old 1\nnot base64\n\n\(second.note)".utf8)), 400, "bad-request")
        checkProblem(try await b.post("/add-checkpoint", []), 400, "bad-request")

        // 404: a log the witness does not know (not a peer's), however well signed.
        let stranger = try NoteSigner(name: "c.assent.example/log", key: SigningKey(seed: [UInt8](repeating: 11, count: 32)))
        let strangerNote = try Checkpoint(origin: stranger.name, size: 0, root: MerkleTree.emptyRoot).sign(with: stranger).serialized
        checkProblem(try await addCheckpoint(old: 0, note: strangerNote), 404, "unknown-log")
        // Its own log is not among them either: a log does not witness itself.
        checkProblem(try await addCheckpoint(old: 0, note: try XCTUnwrap(b.node.store.latestCheckpoint).note), 404, "unknown-log")

        // 403: A's origin, signed by another key.
        let impostor = try NoteSigner(name: a.config.origin, key: SigningKey(seed: [UInt8](repeating: 12, count: 32)))
        let third = try await write(3, from: 100)
        let forgedNote = try third.checkpoint.sign(with: impostor).serialized
        checkProblem(try await addCheckpoint(old: second.checkpoint.size, proof: try proof(second.checkpoint.size, third.checkpoint.size),
                                             note: forgedNote), 403, "bad-log-signature")

        // 422: a proof that does not verify (and is no evidence: anyone can send garbage lines).
        var bad = try proof(second.checkpoint.size, third.checkpoint.size)
        bad[0] = SHA256.hash(bad[0].bytes)
        checkProblem(try await addCheckpoint(old: second.checkpoint.size, proof: bad, note: third.note), 422, "inconsistent-checkpoint")
        let noEvidence = try await evidence()
        XCTAssertEqual(noEvidence, [])

        // 422 and evidence: the cosigned size with another root, signed by A's real key.
        let fork = try Checkpoint(origin: a.config.origin, size: second.checkpoint.size, root: SHA256.hash(Array("fork".utf8))).sign(with: a.node.keys.log)
        checkProblem(try await addCheckpoint(old: second.checkpoint.size, note: fork.serialized), 422, "inconsistent-checkpoint")
        let kept = try await evidence()
        XCTAssertEqual(kept.count, 1)
        let found = try Evidence(json: try XCTUnwrap(kept.first?["evidence"]))
        XCTAssertEqual(found.kind, .sameSizeDifferentRoot)
        XCTAssertNoThrow(try found.verify(logKey: a.logKey))
        XCTAssertTrue(found.notes.contains { $0.hasPrefix(fork.text) })

        // 413: a body over 64 KiB, refused before it is parsed.
        let huge = try await b.post("/add-checkpoint", Array(repeating: UInt8(ascii: "a"), count: AddCheckpointRequest.maxBytes + 1))
        checkProblem(huge, 413, "too-large")
        // 405: only POST.
        let get = try await b.get("/add-checkpoint")
        checkProblem(get, 405, "method-not-allowed")

        // After all the refusals, the witness still stands at the size it last cosigned.
        let after = try await addCheckpoint(old: 0, note: first.note)
        XCTAssertEqual(after.text, "\(second.checkpoint.size)\n")
        try checkCosignature(try await addCheckpoint(old: second.checkpoint.size, proof: try proof(second.checkpoint.size, third.checkpoint.size),
                                                     note: third.note), note: third.note)
    }

    func testA503WithRetryAfterWhenThePeerCannotBeReplicated() async throws {
        // B polls A rarely, so only the witness's catch-up would fetch A's new checkpoint.
        b.replication.interval = .seconds(3600)
        try await b.start()
        let first = try XCTUnwrap(a.node.store.latestCheckpoint)
        try checkCosignature(try await addCheckpoint(old: 0, note: first.note), note: first.note)
        let second = try await write(4, from: 0)
        let proof = try proof(first.checkpoint.size, second.checkpoint.size)
        // A comes back on the same port (B's peer URL).
        a.config.listen = "127.0.0.1:\(a.port)"
        try await a.stop()
        let reply = try await addCheckpoint(old: first.checkpoint.size, proof: proof, note: second.note)
        checkProblem(reply, 503, "not-replicated")
        XCTAssertEqual(reply.headers["retry-after"], String(Witness.retryAfterSeconds))
        // Nothing was cosigned: the witness still stands at the first size.
        let unmoved = try await addCheckpoint(old: 0, note: first.note)
        XCTAssertEqual(unmoved.text, "\(first.checkpoint.size)\n")
        // A back up: the same request is cosigned.
        try await a.start()
        try checkCosignature(try await addCheckpoint(old: first.checkpoint.size, proof: proof, note: second.note), note: second.note)
    }

    func testTheCosignedSizeSurvivesARestart() async throws {
        try await b.start()
        let first = try XCTUnwrap(a.node.store.latestCheckpoint)
        try checkCosignature(try await addCheckpoint(old: 0, note: first.note), note: first.note)
        let second = try await write(7, from: 0)
        try checkCosignature(try await addCheckpoint(old: first.checkpoint.size, proof: try proof(first.checkpoint.size, second.checkpoint.size),
                                                     note: second.note), note: second.note)
        try await b.stop()
        try await b.start()
        let reply = try await addCheckpoint(old: 0, note: first.note)
        XCTAssertEqual(reply.status, 409)
        XCTAssertEqual(reply.text, "\(second.checkpoint.size)\n")
        // What is stored is the note as cosigned: the log's signature and the witness's.
        let stored = try await WitnessStateStore(database: b.node.database).latest(origin: a.config.origin)
        let note = try SignedNote(parsing: try XCTUnwrap(stored).note)
        XCTAssertNotNil(try Cosignature.verify(note, witness: witnessKey))
        XCTAssertEqual(try Checkpoint.verified(note, logKey: a.logKey), second.checkpoint)
    }

    func testSignaturesByUnknownKeysAreNotKeptWithTheState() async throws {
        // Anyone can append signature lines to a log's real note; a note may carry 64. Kept with
        // the witness's own cosignature that would be 65, which no later request could read back.
        try await b.start()
        let first = try XCTUnwrap(a.node.store.latestCheckpoint)
        let parsed = try SignedNote(parsing: first.note)
        let junk = try (1...(SignedNote.maxSignatures - parsed.signatures.count)).map { i in
            try SignedNote.sign(text: parsed.text, with: try NoteSigner(name: "junk.example/\(i)", key: SigningKey(seed: [UInt8](repeating: UInt8(i), count: 32))))
                .signatures[0]
        }
        let crowded = SignedNote(text: parsed.text, signatures: parsed.signatures + junk).serialized
        // The log's own line repeated to fill the note is as good a note, and as bad to keep.
        let repeated = SignedNote(text: parsed.text, signatures: Array(repeating: parsed.signatures[0], count: SignedNote.maxSignatures))
        XCTAssertNoThrow(try repeated.verify(keys: [a.logKey]))
        // (The cosignature is over the checkpoint's text: checked here on the note without the junk.)
        try checkCosignature(try await addCheckpoint(old: 0, note: crowded), note: first.note)
        let second = try await write(2, from: 0)
        try checkCosignature(try await addCheckpoint(old: first.checkpoint.size, proof: try proof(first.checkpoint.size, second.checkpoint.size),
                                                     note: second.note), note: second.note)
        let latest = try await WitnessStateStore(database: b.node.database).latest(origin: a.config.origin)
        XCTAssertEqual(try SignedNote(parsing: try XCTUnwrap(latest).note).signatures.map(\.name), [a.config.origin, witnessKey.name])
        let third = try await write(2, from: 10)
        try checkCosignature(try await addCheckpoint(old: second.checkpoint.size, proof: try proof(second.checkpoint.size, third.checkpoint.size),
                                                     note: SignedNote(text: try SignedNote(parsing: third.note).text,
                                                                      signatures: Array(repeating: try SignedNote(parsing: third.note).signatures[0],
                                                                                        count: SignedNote.maxSignatures)).serialized),
                             note: third.note)
        let after = try await addCheckpoint(old: 0, note: first.note)
        XCTAssertEqual(after.text, "\(third.checkpoint.size)\n")
    }

    func testConcurrentRequestsForOneLogTakeTurnsAndNeverRollBack() async throws {
        try await b.start()
        let first = try XCTUnwrap(a.node.store.latestCheckpoint)
        try checkCosignature(try await addCheckpoint(old: 0, note: first.note), note: first.note)
        let second = try await write(3, from: 0)
        let third = try await write(3, from: 10)
        let old = first.checkpoint.size
        let candidates = [(second, try proof(old, second.checkpoint.size)), (third, try proof(old, third.checkpoint.size))]
        // Sixteen requests at once from the same old size, half for each new size: one wins.
        let bodies = candidates.map { target, proof in
            (target.checkpoint.size, Array(("old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + target.note).utf8))
        }
        let witness: TestNode = b
        let replies = try await withThrowingTaskGroup(of: (UInt64, TestNode.Reply).self) { group in
            for i in 0..<16 {
                let (size, body) = bodies[i % 2]
                group.addTask { (size, try await witness.post("/add-checkpoint", body)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let won = replies.filter { $0.1.status == 200 }
        XCTAssertEqual(won.count, 1, replies.map { "\($0.1.status) \($0.1.text)" }.joined(separator: " | "))
        let winner = try XCTUnwrap(won.first).0
        for (_, reply) in replies where reply.status != 200 {
            XCTAssertEqual(reply.status, 409, reply.text)
            XCTAssertEqual(reply.text, "\(winner)\n")
        }
        // The state is the winner's, and a later request moves on from it.
        let standing = try await addCheckpoint(old: 0, note: first.note)
        XCTAssertEqual(standing.text, "\(winner)\n")
        if winner == second.checkpoint.size {
            try checkCosignature(try await addCheckpoint(old: winner, proof: try proof(winner, third.checkpoint.size), note: third.note), note: third.note)
        }
    }
}

/// The witness of a node configured by a federation file: it knows the file's other logs.
final class FederatedWitnessTests: XCTestCase {
    func testTheFederationFileSaysWhichLogsAreWitnessed() async throws {
        let stranger = try FederationFixtures.strangerLog(origin: "c.assent.example/log", seed: 31)
        let strangerSigner = try NoteSigner(name: stranger.log.origin, key: SigningKey(seed: [UInt8](repeating: 31, count: 32)))
        let node = TestNode { $0.origin = "b.assent.example/log" }
        defer { node.remove() }
        let path = node.directory.appendingPathComponent("federation.json").path
        try FileManager.default.createDirectory(at: node.directory, withIntermediateDirectories: true)
        let keys = try FederationFixtures.keys(for: node.config)
        try FederationFixtures.write(path, logs: [FederationFixtures.log(node.config, keys: keys), stranger.log],
                                     witnesses: [FederationFixtures.witness(node.config, keys: keys), Federation.Witness(key: stranger.witness.verifierKey, url: nil)],
                                     quorum: 0)
        node.config.federation = path
        node.config.witnessCatchUpMilliseconds = 300
        try await node.start()
        addTeardownBlock { try? await node.stop() }

        // A log of the file whose node is down: known (not 404), checked, then not replicated in
        // time. (Its empty tree would be cosigned at once: a mirror holds size 0 without fetching.)
        let note = try Checkpoint(origin: stranger.log.origin, size: 3, root: SHA256.hash(Array("c".utf8))).sign(with: strangerSigner).serialized
        let down = try await node.post("/add-checkpoint", Array("old 0\n\n\(note)".utf8))
        XCTAssertEqual(down.status, 503, down.text)
        XCTAssertEqual(down.json["type"], "urn:assent:problem:not-replicated")
        XCTAssertNotNil(down.headers["retry-after"])
        // Signed by another key than the file lists for that origin: 403 before any replication.
        let impostor = try NoteSigner(name: stranger.log.origin, key: SigningKey(seed: [UInt8](repeating: 99, count: 32)))
        let forged = try Checkpoint(origin: stranger.log.origin, size: 0, root: MerkleTree.emptyRoot).sign(with: impostor).serialized
        let refused = try await node.post("/add-checkpoint", Array("old 0\n\n\(forged)".utf8))
        XCTAssertEqual(refused.status, 403, refused.text)
        // A log not in the file: 404.
        let outsider = try NoteSigner(name: "d.assent.example/log", key: SigningKey(seed: [UInt8](repeating: 41, count: 32)))
        let unknown = try await node.post("/add-checkpoint", Array("old 0\n\n\(try Checkpoint(origin: outsider.name, size: 0, root: MerkleTree.emptyRoot).sign(with: outsider).serialized)".utf8))
        XCTAssertEqual(unknown.status, 404, unknown.text)
        try await node.stop()
    }
}
