import AssentCore
import Foundation
import XCTest

/// Signed notes, checkpoints and cosignatures made by other implementations (Fixtures/notes):
/// Go's sumdb/note, the reference for signed notes, and a script written from the C2SP
/// tlog-cosignature text. What they made must verify here, and what is made here from the same
/// keys must come out byte for byte the same.
final class NoteVectorTests: XCTestCase {
    struct GoVectors: Decodable {
        struct Log: Decodable {
            let name: String
            let seedHex: String
            let vkey: String
            let privateKey: String
        }
        struct Note: Decodable {
            let size: UInt64
            let note: String
        }
        let log: Log
        let checkpoints: [Note]
    }

    struct SpecVectors: Decodable {
        struct Witness: Decodable {
            let name: String
            let seedHex: String
            let vkey: String
        }
        struct Cosignature: Decodable {
            let checkpointBody: String
            let timestamp: UInt64
            let signedMessage: String
            let signatureLine: String
        }
        let witness: Witness
        let cosignatures: [Cosignature]
    }

    static let folder = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/notes")

    func load<T: Decodable>(_ file: String, as type: T.Type) throws -> T {
        let url = try XCTUnwrap(Self.folder).appendingPathComponent(file)
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    func goVectors() throws -> GoVectors {
        let v = try load("checkpoints-go.json", as: GoVectors.self)
        XCTAssertEqual(v.checkpoints.count, 3)
        return v
    }

    func specVectors() throws -> SpecVectors {
        let v = try load("cosignatures-spec.json", as: SpecVectors.self)
        XCTAssertEqual(v.cosignatures.count, 2)
        return v
    }

    func seed(_ hex: String) throws -> [UInt8] { try XCTUnwrap([UInt8](hex: hex)) }

    // MARK: Go's sumdb/note

    func testGoCheckpointsParseAndVerifyByteForByte() throws {
        let v = try goVectors()
        let logKey = try NoteVerifierKey(parsing: v.log.vkey)
        for c in v.checkpoints {
            let note = try SignedNote(parsing: c.note)
            XCTAssertEqual(note.serialized, c.note, "size \(c.size)")
            XCTAssertEqual(note.signatures.count, 1)
            let checkpoint = try Checkpoint.verified(note, logKey: logKey)
            XCTAssertEqual(checkpoint.origin, v.log.name)
            XCTAssertEqual(checkpoint.size, c.size)
            XCTAssertEqual(checkpoint.text, note.text)
        }
    }

    func testSigningTheGoCheckpointsReproducesTheirSignatureLines() throws {
        let v = try goVectors()
        let signer = try NoteSigner(parsingPrivateKey: v.log.privateKey)
        for c in v.checkpoints {
            let checkpoint = try Checkpoint(text: SignedNote(parsing: c.note).text)
            XCTAssertEqual(try checkpoint.sign(with: signer).serialized, c.note, "size \(c.size)")
        }
    }

    func testGoKeyTextFormsNameTheSameKey() throws {
        let v = try goVectors()
        let fromPrivate = try NoteSigner(parsingPrivateKey: v.log.privateKey)
        let fromSeed = try NoteSigner(name: v.log.name, key: SigningKey(seed: seed(v.log.seedHex)))
        let vkey = try NoteVerifierKey(parsing: v.log.vkey)
        XCTAssertEqual(fromPrivate.verifierKey, vkey)
        XCTAssertEqual(fromSeed.verifierKey, vkey)
        XCTAssertEqual(fromPrivate.key.seedBytes, try seed(v.log.seedHex))
        // And the other way: this project writes Go's forms exactly.
        XCTAssertEqual(fromSeed.privateKeyString, v.log.privateKey)
        XCTAssertEqual(fromSeed.verifierKey.description, v.log.vkey)
        XCTAssertEqual(vkey.keyIDHex, "f289d35b")
    }

    /// Go's private key form holds a type-0x01 key, and Go checks its key ID as a type-0x01 ID:
    /// a witness (type 0x04) key written in it must carry that ID too, or Go refuses the file;
    /// and a wrong ID is refused here whatever type the key will sign with.
    func testAWitnessKeyIsWrittenInGosFormWithTheIDGoExpects() throws {
        let v = try goVectors()
        let witness = try NoteSigner(name: v.log.name, key: SigningKey(seed: seed(v.log.seedHex)), type: .cosignatureV1)
        XCTAssertEqual(witness.privateKeyString, v.log.privateKey)
        XCTAssertEqual(try NoteSigner(parsingPrivateKey: v.log.privateKey, type: .cosignatureV1).verifierKey, witness.verifierKey)
        let wrongID = v.log.privateKey.replacingOccurrences(of: "+f289d35b+", with: "+f289d35c+")
        for type in [NoteSignatureType.ed25519, .cosignatureV1] {
            XCTAssertThrowsError(try NoteSigner(parsingPrivateKey: wrongID, type: type)) {
                XCTAssertEqual($0 as? NoteError, .badPrivateKey("key ID f289d35c does not match the key (expected f289d35b)"))
            }
        }
    }

    func testAGoCheckpointWithOneChangedByteFailsVerification() throws {
        let v = try goVectors()
        let logKey = try NoteVerifierKey(parsing: v.log.vkey)
        let changed = v.checkpoints[0].note.replacingOccurrences(of: "\n8\n", with: "\n9\n")
        XCTAssertNotEqual(changed, v.checkpoints[0].note)
        XCTAssertThrowsError(try Checkpoint.verified(SignedNote(parsing: changed), logKey: logKey)) {
            XCTAssertEqual($0 as? NoteError, .badSignature(name: v.log.name))
        }
    }

    // MARK: C2SP tlog-cosignature

    func testSpecCosignaturesVerifyAgainstTheWitnessKey() throws {
        let v = try specVectors()
        let witness = try NoteVerifierKey(parsing: v.witness.vkey)
        XCTAssertEqual(witness.type, .cosignatureV1)
        for c in v.cosignatures {
            XCTAssertEqual(Cosignature.message(checkpointText: c.checkpointBody, timestamp: c.timestamp), Array(c.signedMessage.utf8))
            let note = try SignedNote(parsing: c.checkpointBody + "\n" + c.signatureLine + "\n")
            XCTAssertEqual(try Cosignature.verify(note, witness: witness), c.timestamp, "time \(c.timestamp)")
        }
    }

    func testCosigningTheSpecCheckpointsReproducesTheirLines() throws {
        let v = try specVectors()
        let witness = try NoteSigner(name: v.witness.name, key: SigningKey(seed: seed(v.witness.seedHex)), type: .cosignatureV1)
        XCTAssertEqual(witness.verifierKey.description, v.witness.vkey)
        for c in v.cosignatures {
            let unsigned = SignedNote(text: c.checkpointBody, signatures: [])
            let line = try Cosignature.sign(unsigned, witness: witness, timestamp: c.timestamp)
            XCTAssertEqual(line.line, c.signatureLine + "\n", "time \(c.timestamp)")
        }
    }

    /// Go's checkpoint of size 8 and the spec's cosignature of the same body, in one note:
    /// each key verifies its own line and ignores the other's.
    func testAGoCheckpointCarryingASpecCosignatureVerifiesBoth() throws {
        let go = try goVectors()
        let spec = try specVectors()
        let cosignature = spec.cosignatures[0]
        let checkpoint = try XCTUnwrap(go.checkpoints.first { $0.note.hasPrefix(cosignature.checkpointBody + "\n") })
        let note = try SignedNote(parsing: checkpoint.note + cosignature.signatureLine + "\n")
        XCTAssertEqual(try Checkpoint.verified(note, logKey: NoteVerifierKey(parsing: go.log.vkey)).size, 8)
        XCTAssertEqual(try Cosignature.verify(note, witness: NoteVerifierKey(parsing: spec.witness.vkey)), cosignature.timestamp)
    }

    func testASpecCosignatureWithAChangedTimestampFailsVerification() throws {
        let v = try specVectors()
        let witness = try NoteVerifierKey(parsing: v.witness.vkey)
        let c = v.cosignatures[0]
        let original = try SignedNote(parsing: c.checkpointBody + "\n" + c.signatureLine + "\n").signatures[0]
        var bytes = original.bytes
        bytes[7] ^= 1  // the last byte of the big-endian timestamp
        let tampered = SignedNote(text: c.checkpointBody, signatures: [.init(name: original.name, keyID: original.keyID, bytes: bytes)])
        XCTAssertThrowsError(try Cosignature.verify(tampered, witness: witness)) {
            XCTAssertEqual($0 as? NoteError, .badCosignature(name: v.witness.name, "signature does not verify"))
        }
    }
}
