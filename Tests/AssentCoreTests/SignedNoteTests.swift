import AssentCore
import XCTest

final class SignedNoteTests: XCTestCase {
    /// The key whose Ed25519 seed is the bytes 0, 1, ..., 31 (the project's known answer).
    static let seed = (0..<32).map { UInt8($0) }
    static let origin = "example.com/consent-log"

    func signer() throws -> NoteSigner { try NoteSigner(name: Self.origin, key: SigningKey(seed: Self.seed)) }

    func testVerifierKeyOfTheKnownSeedMatchesTheKnownAnswer() throws {
        XCTAssertEqual(try signer().verifierKey.description,
                       "example.com/consent-log+f289d35b+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4")
    }

    func testCheckpointSignatureMatchesTheKnownAnswerByteForByte() throws {
        let checkpoint = Checkpoint(origin: Self.origin, size: 8, root: Hash(base64: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")!)
        let note = try checkpoint.sign(with: signer())
        XCTAssertEqual(note.serialized, """
            example.com/consent-log
            8
            XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=

            — example.com/consent-log 8onTW2o4Ycsu8Zk6sAXvYuz4JAv528fGtYMTCEwMOyE1XejkTXfu7NxZI1zfdLnIU5f/KPTRD+BPHs0x66E1xn4n/gA=

            """)
        let parsed = try SignedNote(parsing: note.serialized)
        XCTAssertEqual(try Checkpoint.verified(parsed, logKey: signer().verifierKey), checkpoint)
    }

    /// The example of C2SP signed-note v1.0.0, §"Verifier keys".
    func testTheSignedNoteSpecExampleVerifies() throws {
        let key = try NoteVerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let note = try SignedNote(parsing: """
            This is an example message.

            — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=

            """)
        XCTAssertEqual(note.text, "This is an example message.\n")
        XCTAssertEqual(try note.verify(keys: [key]), [key])
    }

    func testAlteredNoteTextFailsVerification() throws {
        let key = try NoteVerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let note = try SignedNote(parsing: """
            This is an example message!

            — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=

            """)
        XCTAssertThrowsError(try note.verify(keys: [key])) { XCTAssertEqual($0 as? NoteError, .badSignature(name: "example.com/foo")) }
    }

    func testSignaturesByUnknownKeysAreIgnoredButOneKnownKeyIsRequired() throws {
        let mine = try signer()
        let other = try NoteSigner(name: "example.com/other", key: SigningKey.generate())
        var note = try SignedNote.sign(text: "hello\n", with: other)
        XCTAssertThrowsError(try note.verify(keys: [mine.verifierKey])) {
            XCTAssertEqual($0 as? NoteError, .noKnownSignature(names: ["example.com/other"]))
        }
        let mySig = try SignedNote.sign(text: "hello\n", with: mine).signatures[0]
        note = note.adding(mySig)
        XCTAssertEqual(try note.verify(keys: [mine.verifierKey]), [mine.verifierKey])
    }

    func testVerifierKeyWithAWrongKeyIDIsRefused() {
        XCTAssertThrowsError(try NoteVerifierKey(parsing: "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"))
        XCTAssertThrowsError(try NoteVerifierKey(parsing: "example.com/foo+530d903a"))
    }

    func testPrivateKeyStringRoundTrips() throws {
        let s = try signer()
        let again = try NoteSigner(parsingPrivateKey: s.privateKeyString + "\n")
        XCTAssertEqual(again.verifierKey, s.verifierKey)
        XCTAssertTrue(s.privateKeyString.hasPrefix("PRIVATE+KEY+example.com/consent-log+f289d35b+"))
    }

    func testMalformedNotesAreRefusedWithAReason() {
        XCTAssertThrowsError(try SignedNote(parsing: "no blank line\n— a AAAA\n"))
        XCTAssertThrowsError(try SignedNote(parsing: "text\n\n"))
        XCTAssertThrowsError(try SignedNote(parsing: "text\u{7}\n\n— a AAAAAAAA\n"))
        XCTAssertThrowsError(try SignedNote(parsing: "text\n\n- a AAAAAAAA\n"))
    }

    func testCheckpointTextRejectsLeadingZerosAndExtensionLines() {
        let root = MerkleTree.emptyRoot.base64
        XCTAssertNoThrow(try Checkpoint(text: "o\n0\n\(root)\n"))
        XCTAssertThrowsError(try Checkpoint(text: "o\n08\n\(root)\n"))
        XCTAssertThrowsError(try Checkpoint(text: "o\n8\n\(root)\next\n"))
        XCTAssertThrowsError(try Checkpoint(text: "o\n8\nAAAA\n"))
    }

    func testCheckpointSignedByAnotherOriginIsRefused() throws {
        let other = try NoteSigner(name: "example.com/other", key: SigningKey(seed: Self.seed))
        let note = try Checkpoint(origin: Self.origin, size: 1, root: MerkleTree.emptyRoot).sign(with: other)
        XCTAssertThrowsError(try Checkpoint.verified(note, logKey: other.verifierKey))
    }

    func testCosignatureRoundTripsAndBindsTheTimestamp() throws {
        let witness = try NoteSigner(name: "witness.example/w1", key: SigningKey.generate(), type: .cosignatureV1)
        let note = try Checkpoint(origin: Self.origin, size: 8, root: MerkleTree.emptyRoot).sign(with: signer())
        let line = try Cosignature.sign(note, witness: witness, timestamp: 1_679_315_147)
        XCTAssertEqual(line.bytes.count, 72)
        let cosigned = try SignedNote(parsing: note.adding(line).serialized)
        XCTAssertEqual(try Cosignature.verify(cosigned, witness: witness.verifierKey), 1_679_315_147)
        // The log key still verifies; the witness line is ignored by the log-key check.
        XCTAssertNoThrow(try cosigned.verify(keys: [signer().verifierKey]))
        // A changed timestamp breaks the signature.
        var tampered = line.bytes
        tampered[7] ^= 1
        let bad = note.adding(.init(name: line.name, keyID: line.keyID, bytes: tampered))
        XCTAssertThrowsError(try Cosignature.verify(bad, witness: witness.verifierKey))
        // Type 0x04 key IDs differ from type 0x01 ones for the same key and name.
        let asLogKey = try NoteVerifierKey(name: witness.name, publicKey: witness.key.publicKey)
        XCTAssertNotEqual(asLogKey.keyID, witness.verifierKey.keyID)
        XCTAssertTrue(witness.verifierKey.description.hasPrefix("witness.example/w1+"))
        XCTAssertNil(try Cosignature.verify(note, witness: witness.verifierKey))
    }

    /// Base64 uses '+', the separator of verifier keys and private key strings: only the
    /// first two (or four) '+' separate fields.
    func testKeysWhoseBase64ContainsPlusRoundTrip() throws {
        var found = 0
        for n in 0..<64 {
            let signer = try NoteSigner(name: "k\(n)", key: SigningKey(seed: [UInt8](repeating: UInt8(n), count: 32)))
            let vkey = signer.verifierKey.description
            guard vkey.split(separator: "+").count > 3 else { continue }
            found += 1
            XCTAssertEqual(try NoteVerifierKey(parsing: vkey), signer.verifierKey)
            XCTAssertEqual(try NoteSigner(parsingPrivateKey: signer.privateKeyString).verifierKey, signer.verifierKey)
        }
        XCTAssertGreaterThan(found, 0)
    }
}
