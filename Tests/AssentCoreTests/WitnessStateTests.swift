import AssentCore
import XCTest

/// The witness's checks of tlog-witness v1.0.0 add-checkpoint, in the spec's order, and the
/// evidence a refused request is when the log signed both sides.
final class WitnessStateTests: XCTestCase {
    let log = try! NoteSigner(name: "example.com/log", key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
    let impostor = try! NoteSigner(name: "example.com/log", key: SigningKey(seed: [UInt8](repeating: 8, count: 32)))
    let honest = TreeFixtures.leafHashes(40)
    var forked: [Hash] {
        var leaves = honest
        leaves[1] = MerkleTree.leafHash(Array("forked".utf8))
        return leaves
    }

    func note(_ leaves: [Hash], _ size: Int, signer: NoteSigner? = nil) throws -> String {
        try Checkpoint(origin: log.name, size: UInt64(size), root: MerkleTree.rootHash(leafHashes: Array(leaves[..<size]))).sign(with: signer ?? log).serialized
    }

    func state(_ size: Int) throws -> WitnessState {
        let n = try note(honest, size)
        return WitnessState(checkpoint: try Checkpoint(text: SignedNote(parsing: n).text), note: n)
    }

    func request(old: UInt64, proof: [Hash] = [], _ note: String) throws -> AddCheckpointRequest {
        try AddCheckpointRequest(oldSize: old, proof: proof, note: note)
    }

    func proof(_ m: Int, _ n: Int, _ leaves: [Hash]? = nil) throws -> [Hash] {
        try ConsistencyProof.generate(oldSize: UInt64(m), newSize: UInt64(n), reader: InMemoryHashReader(leafHashes: leaves ?? honest)).hashes
    }

    func refusal(_ request: AddCheckpointRequest, latest: WitnessState?, file: StaticString = #filePath, line: UInt = #line) -> WitnessRefusal? {
        do {
            try WitnessState.check(request, logKey: log.verifierKey, latest: latest)
            return nil
        } catch { return error }
    }

    func testTheFirstCheckpointTakesOldZeroAndNoProof() throws {
        XCTAssertNil(refusal(try request(old: 0, try note(honest, 9)), latest: nil))
        XCTAssertEqual(refusal(try request(old: 0, proof: [honest[0]], try note(honest, 9)), latest: nil)?.status, 422)
        // A witness that never cosigned answers 409 with 0 to any other old size.
        XCTAssertEqual(refusal(try request(old: 5, proof: try proof(5, 9), try note(honest, 9)), latest: nil), .conflict(latest: 0))
    }

    func testOldMustBeTheSizeLastCosignedOldZeroIncluded() throws {
        let latest = try state(9)
        XCTAssertEqual(refusal(try request(old: 0, try note(honest, 12)), latest: latest), .conflict(latest: 9))
        XCTAssertEqual(refusal(try request(old: 8, proof: try proof(8, 12), try note(honest, 12)), latest: latest), .conflict(latest: 9))
        XCTAssertNil(refusal(try request(old: 9, proof: try proof(9, 12), try note(honest, 12)), latest: latest))
        // An older checkpoint (old ≤ its size < the cosigned size) never rolls the witness back.
        XCTAssertEqual(refusal(try request(old: 5, proof: try proof(5, 7), try note(honest, 7)), latest: latest), .conflict(latest: 9))
    }

    func testTheChecksComeInTheSpecsOrder() throws {
        let latest = try state(9)
        // A bad signature wins over everything after it, even a wrong old size.
        XCTAssertEqual(refusal(try request(old: 3, try note(honest, 12, signer: impostor)), latest: latest)?.status, 403)
        // old > size is 400 before the old size is compared with the state.
        XCTAssertEqual(refusal(try request(old: 13, try note(honest, 12)), latest: latest), .oldBeyondCheckpoint(old: 13, size: 12))
        // A note whose log signature fails is 403 even beside a good one (signed-note: a known key that fails rejects it).
        let good = try SignedNote(parsing: try note(honest, 12))
        var bad = good.signatures[0].bytes
        bad[0] ^= 1
        let twice = SignedNote(text: good.text, signatures: good.signatures + [.init(name: log.name, keyID: log.verifierKey.keyID, bytes: bad)])
        XCTAssertEqual(refusal(try request(old: 9, proof: try proof(9, 12), twice.serialized), latest: latest), .badSignature(.badSignature(name: log.name)))
        // Signatures by unknown keys are ignored.
        let other = try NoteSigner(name: "someone.else/key", key: impostor.key)
        let extra = good.adding(try SignedNote.sign(text: good.text, with: other).signatures[0])
        XCTAssertNil(refusal(try request(old: 9, proof: try proof(9, 12), extra.serialized), latest: latest))
        XCTAssertEqual(refusal(try request(old: 9, proof: try proof(9, 12), try SignedNote.sign(text: good.text, with: other).serialized), latest: latest),
                       .badSignature(.noKnownSignature(names: ["someone.else/key"])))
    }

    func testABadProofIs422WithoutEvidence() throws {
        let latest = try state(9)
        var p = try proof(9, 12)
        p[0] = honest[39]
        guard case let .unprocessable(why, evidence)? = refusal(try request(old: 9, proof: p, try note(honest, 12)), latest: latest) else {
            return XCTFail("a bad proof was accepted")
        }
        XCTAssertNil(evidence, "garbage proof lines with the log's real note frame nobody")
        XCTAssertTrue(why.contains("consistency proof from size 9 to size 12"), why)
        XCTAssertEqual(refusal(try request(old: 9, proof: Array(p.dropLast()), try note(honest, 12)), latest: latest)?.status, 422)
    }

    func testTheSameSizeWithAnotherRootSignedByTheLogIs422AndEvidence() throws {
        let latest = try state(9)
        let forkNote = try note(forked, 9)
        guard case let .unprocessable(_, evidence)? = refusal(try request(old: 9, forkNote), latest: latest) else { return XCTFail("cosigned a fork") }
        let found = try XCTUnwrap(evidence)
        XCTAssertEqual(found.kind, .sameSizeDifferentRoot)
        XCTAssertNoThrow(try found.verify(logKey: log.verifierKey))
        // The same size and root again is fine (a retry); with a proof line it is not.
        XCTAssertNil(refusal(try request(old: 9, try note(honest, 9)), latest: latest))
        XCTAssertEqual(refusal(try request(old: 9, proof: [honest[0]], try note(honest, 9)), latest: latest)?.status, 422)
    }

    func testAProofThatShowsAForkIsEvidence() throws {
        // The cosigned tree has 9 leaves (not a power of two, so the client's proof carries the
        // old tree's nodes); the log then signs a tree of 14 whose leaf 1 differs.
        let latest = try state(9)
        let forkProof = try proof(9, 14, forked)
        guard case let .unprocessable(_, evidence)? = refusal(try request(old: 9, proof: forkProof, try note(forked, 14)), latest: latest) else {
            return XCTFail("cosigned a fork")
        }
        let found = try XCTUnwrap(evidence)
        XCTAssertEqual(found.kind, .inconsistent)
        XCTAssertEqual(found.checkpoints.map(\.size), [9, 14])
        XCTAssertNoThrow(try found.verify(logKey: log.verifierKey))
        // From a cosigned size that is a power of two the client's proof lacks the differing hash: 422, no evidence.
        guard case let .unprocessable(_, none)? = refusal(try request(old: 8, proof: try proof(8, 14, forked), try note(forked, 14)), latest: try state(8)) else {
            return XCTFail("cosigned a fork")
        }
        XCTAssertNil(none)
        // A fork signed by another key is 403, never evidence.
        XCTAssertEqual(refusal(try request(old: 9, proof: forkProof, try note(forked, 14, signer: impostor)), latest: latest)?.status, 403)
    }

    func testASizeZeroCheckpointMustHaveTheEmptyRoot() throws {
        let empty = try Checkpoint(origin: log.name, size: 0, root: MerkleTree.emptyRoot).sign(with: log).serialized
        XCTAssertNil(refusal(try request(old: 0, empty), latest: nil))
        let notEmpty = try Checkpoint(origin: log.name, size: 0, root: honest[0]).sign(with: log).serialized
        XCTAssertEqual(refusal(try request(old: 0, notEmpty), latest: nil)?.status, 422)
    }
}
