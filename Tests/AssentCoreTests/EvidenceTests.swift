import AssentCore
import XCTest

/// Equivocation evidence (issue 8 item 5): two notes of one log that cannot both be true,
/// checked offline against the log's key.
final class EvidenceTests: XCTestCase {
    let origin = "example.com/log"
    let log = try! NoteSigner(name: "example.com/log", key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
    /// Another key under the log's name: what a peer that is not the log could sign with.
    let impostor = try! NoteSigner(name: "example.com/log", key: SigningKey(seed: [UInt8](repeating: 8, count: 32)))
    let witness = try! NoteSigner(name: "example.com/witness", key: SigningKey(seed: [UInt8](repeating: 9, count: 32)), type: .cosignatureV1)

    /// The honest tree's leaves, and a fork whose leaf 2 differs.
    let honest = TreeFixtures.leafHashes(40)
    var forked: [Hash] {
        var leaves = honest
        leaves[2] = MerkleTree.leafHash(Array("forked 2".utf8))
        return leaves
    }

    func note(_ leaves: [Hash], size: Int, signer: NoteSigner? = nil) throws -> String {
        try Checkpoint(origin: origin, size: UInt64(size), root: MerkleTree.rootHash(leafHashes: Array(leaves[..<size])))
            .sign(with: signer ?? log).serialized
    }

    func inconsistency(old m: Int, new n: Int) throws -> Evidence {
        try Evidence.inconsistency(earlier: try note(honest, size: m), later: try note(forked, size: n),
                                   laterTree: InMemoryHashReader(leafHashes: Array(forked[..<n])))
    }

    func testTwoRootsForOneSizeSignedByTheLogAreEvidence() throws {
        let evidence = try Evidence(origin: origin, kind: .sameSizeDifferentRoot,
                                    notes: [try note(honest, size: 7), try note(forked, size: 7)], proof: [])
        XCTAssertNoThrow(try evidence.verify(logKey: log.verifierKey))
        XCTAssertEqual(evidence.checkpoints.map(\.size), [7, 7])
    }

    func testAnInconsistencyIsEvidenceWhetherOrNotTheOldSizeIsAPowerOfTwo() throws {
        // 5 and 6 are not powers of two: the path holds the old root's nodes. 4 and 8 are: the path
        // begins with the later tree's hash of its first m leaves, which differs from the earlier root.
        for (m, n) in [(5, 9), (6, 40), (4, 7), (8, 33), (3, 4)] {
            let evidence = try inconsistency(old: m, new: n)
            XCTAssertNoThrow(try evidence.verify(logKey: log.verifierKey), "\(m) → \(n)")
            XCTAssertEqual(evidence.proof.count, (m & (m - 1) == 0 ? 1 : 0)
                           + (ConsistencyProof.proofLength(oldSize: UInt64(m), newSize: UInt64(n)) ?? -1), "\(m) → \(n)")
        }
    }

    func testConsistentNotesAreNotEvidence() throws {
        for (m, n) in [(5, 9), (4, 7), (8, 33)] {
            let honestPath = try ConsistencyProof.generate(oldSize: UInt64(m), newSize: UInt64(n),
                                                           reader: InMemoryHashReader(leafHashes: honest), includingOldRoot: true)
            let evidence = try Evidence(origin: origin, kind: .inconsistent,
                                        notes: [try note(honest, size: m), try note(honest, size: n)], proof: honestPath.hashes)
            XCTAssertThrowsError(try evidence.verify(logKey: log.verifierKey)) { error in
                guard case let .notConflicting(why) = error as? EvidenceError else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains("consistent"), why)
            }
        }
    }

    func testAProofThatDoesNotLeadToTheLaterRootIsNotEvidence() throws {
        // Anyone can send a log's real notes with garbage proof lines: that frames nobody.
        let real = try inconsistency(old: 5, new: 9)
        let garbage = try Evidence(origin: origin, kind: .inconsistent, notes: real.notes,
                                   proof: real.proof.map { SHA256.hash($0.bytes) })
        XCTAssertThrowsError(try garbage.verify(logKey: log.verifierKey)) { error in
            guard case let .notConflicting(why) = error as? EvidenceError else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("a bad proof"), why)
        }
    }

    func testANoteNotSignedByTheLogKeyIsNotEvidence() throws {
        let fake = try note(forked, size: 7, signer: impostor)
        let evidence = try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [try note(honest, size: 7), fake], proof: [])
        let position = try XCTUnwrap(evidence.notes.firstIndex { Bytewise.equal($0, fake) }) + 1
        XCTAssertThrowsError(try evidence.verify(logKey: log.verifierKey)) { error in
            XCTAssertEqual(error as? EvidenceError, .badNote(index: position, .noKnownSignature(names: [self.origin])))
        }
        XCTAssertThrowsError(try evidence.verify(logKey: impostor.verifierKey))
    }

    func testAKeyForAnotherLogIsRefusedByName() throws {
        let evidence = try inconsistency(old: 5, new: 9)
        let other = try NoteSigner(name: "example.org/log", key: log.key)
        XCTAssertThrowsError(try evidence.verify(logKey: other.verifierKey)) { error in
            guard case .wrongKey = error as? EvidenceError else { return XCTFail("\(error)") }
        }
    }

    func testOneConflictIsOneValueWhateverTheOrderOrCosignatures() throws {
        let a = try note(honest, size: 7), b = try note(forked, size: 7)
        let one = try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [a, b], proof: [])
        let swapped = try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [b, a], proof: [])
        XCTAssertEqual(one, swapped)
        // The same checkpoint with a witness's cosignature added: another note, the same conflict.
        let parsed = try SignedNote(parsing: a)
        let cosigned = parsed.adding(try Cosignature.sign(parsed, witness: witness, timestamp: 1_795_000_000)).serialized
        let withCosignature = try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [cosigned, b], proof: [])
        XCTAssertNoThrow(try withCosignature.verify(logKey: log.verifierKey))
        XCTAssertNotEqual(withCosignature, one)
        XCTAssertEqual(withCosignature.id, one.id)
        let later = try inconsistency(old: 5, new: 9)
        let reversed = try Evidence(origin: origin, kind: .inconsistent, notes: later.notes.reversed(), proof: later.proof)
        XCTAssertEqual(reversed, later)
        XCTAssertNotEqual(later.id, one.id)
    }

    func testTheFileFormatRoundTripsCanonically() throws {
        for evidence in [try inconsistency(old: 4, new: 7),
                         try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [try note(honest, size: 7), try note(forked, size: 7)], proof: [])] {
            let bytes = evidence.json.canonicalBytes
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix(#"{"kind":"\#(evidence.kind.rawValue)","notes":["#), text)
            XCTAssertTrue(text.hasSuffix(#""v":1}"#), text)
            let parsed = try Evidence(bytes: bytes)
            XCTAssertEqual(parsed, evidence)
            XCTAssertEqual(parsed.json.canonicalBytes, bytes)
            XCTAssertNoThrow(try parsed.verify(logKey: log.verifierKey))
        }
        // Written by hand, pretty-printed, is read too.
        let pretty = "{\n  \"v\": 1,\n  \"origin\": \"\(origin)\",\n  \"kind\": \"sameSizeDifferentRoot\",\n  \"notes\": [\(try JSONValue.string(note(honest, size: 3)).canonicalString), \(try JSONValue.string(note(forked, size: 3)).canonicalString)],\n  \"proof\": []\n}\n"
        XCTAssertNoThrow(try Evidence(bytes: Array(pretty.utf8)).verify(logKey: log.verifierKey))
    }

    func testEveryFlippedBitOfAValidFileIsRefused() throws {
        // Notes carrying only the log's signature: every byte of the file is then either
        // structure, a checkpoint's text, a signature, or the path, and a change to any of them
        // must make the file fail to parse or fail to verify — never pass, never trap.
        for evidence in [try inconsistency(old: 5, new: 9),
                         try Evidence(origin: origin, kind: .sameSizeDifferentRoot, notes: [try note(honest, size: 7), try note(forked, size: 7)], proof: [])] {
            let bytes = evidence.json.canonicalBytes
            var refused = 0
            for i in bytes.indices {
                for bit in 0..<8 {
                    var flipped = bytes
                    flipped[i] ^= 1 << UInt8(bit)
                    do {
                        let parsed = try Evidence(bytes: flipped)
                        try parsed.verify(logKey: log.verifierKey)
                        XCTFail("byte \(i) bit \(bit) flipped still verifies: \(String(decoding: flipped, as: UTF8.self))")
                    } catch is EvidenceError {
                        refused += 1
                    }
                }
            }
            XCTAssertEqual(refused, bytes.count * 8)
        }
    }

    func testHostileFilesAreRefusedWithTheReason() throws {
        let good = try inconsistency(old: 5, new: 9)
        func refused(_ json: JSONValue, _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try Evidence(json: json), line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
            }
        }
        var members = try XCTUnwrap(good.json.objectValue)
        refused(.array([]), "must be a JSON object")
        var extra = members; extra["note"] = "hi"; refused(.object(extra), "unknown member \"note\"")
        var v2 = members; v2["v"] = 2; refused(.object(v2), "\"v\" must be 1")
        var kind = members; kind["kind"] = "fork"; refused(.object(kind), "\"kind\" must be one of sameSizeDifferentRoot, inconsistent")
        var three = members; three["notes"] = .array(good.notes.map { .string($0) } + [.string(good.notes[0])]); refused(.object(three), "expected 2 notes, found 3")
        var notString = members; notString["notes"] = .array([.string(good.notes[0]), 5]); refused(.object(notString), "array of 2 strings")
        var longProof = members; longProof["proof"] = .array(Array(repeating: .string(Hash.zero.base64), count: 66)); refused(.object(longProof), "at most 65")
        var shortHash = members; shortHash["proof"] = .array([.string("AAAA")]); refused(.object(shortHash), "element 1 is not base64 of 32 bytes")
        var wrongLength = members; wrongLength["proof"] = .array(good.proof.dropLast().map { .string($0.base64) }); refused(.object(wrongLength), "has 5 hashes, found 4")
        var otherOrigin = members; otherOrigin["origin"] = "example.org/log"; refused(.object(otherOrigin), "not of \"example.org/log\"")
        var garbageNote = members; garbageNote["notes"] = .array([.string("hello\n"), .string(good.notes[1])]); refused(.object(garbageNote), "evidence note 1: malformed signed note")
        var sameSize = members; sameSize["notes"] = .array([.string(good.notes[0]), .string(good.notes[0])]); refused(.object(sameSize), "notes of two sizes")
        var sizeZero = members
        sizeZero["notes"] = .array([.string(try Checkpoint(origin: origin, size: 0, root: MerkleTree.rootHash(leafHashes: [])).sign(with: log).serialized),
                                    .string(good.notes[1])])
        refused(.object(sizeZero), "size at least 1")
        members["proof"] = .array([])
        members["kind"] = "sameSizeDifferentRoot"
        refused(.object(members), "two notes of one size, found 5 and 9")
        XCTAssertThrowsError(try Evidence(bytes: Array(repeating: 0x20, count: Evidence.maxBytes + 1))) { error in
            XCTAssertTrue("\(error)".contains("more than \(Evidence.maxBytes)"), "\(error)")
        }
        XCTAssertThrowsError(try Evidence(bytes: Array("{\"v\":1,".utf8))) { error in
            XCTAssertTrue("\(error)".contains("not JSON"), "\(error)")
        }
    }
}
