import AssentCore
import XCTest

/// Identity is bytes (PROTOCOL §2): origins, key names and label codes that are only
/// canonically equivalent to the expected ones (Swift's `String ==` says equal) are refused.
final class BytewiseIdentityTests: XCTestCase {
    /// An origin with "é" as U+00E9, and the same origin with "e" + U+0301.
    let composedOrigin = "caf\u{E9}.example/log"
    let decomposedOrigin = "cafe\u{301}.example/log"
    let seed = (0..<32).map { UInt8($0) }
    let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    func testTheTwoOriginsAreOneStringToSwiftButNotToUs() {
        XCTAssertEqual(composedOrigin, decomposedOrigin)
        XCTAssertFalse(Bytewise.equal(composedOrigin, decomposedOrigin))
        XCTAssertTrue(Bytewise.equal(composedOrigin, "caf\u{E9}.example/log"))
    }

    func testChainVerifierRefusesALeafOfACanonicallyEquivalentOrigin() throws {
        let leaf = try LogLeaf(index: 0, origin: decomposedOrigin, prev: .zero, time: t0, content: .epoch(mapRoot: .zero, size: 0))
        var verifier = ChainVerifier(origin: composedOrigin)
        XCTAssertThrowsError(try verifier.append(leaf)) { XCTAssertTrue("\($0)".contains("log is"), "\($0)") }
        var same = ChainVerifier(origin: decomposedOrigin)
        XCTAssertNoThrow(try same.append(leaf))
    }

    func testCheckpointWhoseOriginIsOnlyCanonicallyEquivalentToTheKeyNameIsRefused() throws {
        let signer = try NoteSigner(name: composedOrigin, key: SigningKey(seed: seed))
        let checkpoint = Checkpoint(origin: decomposedOrigin, size: 1, root: MerkleTree.emptyRoot)
        let note = try checkpoint.sign(with: signer)
        XCTAssertThrowsError(try Checkpoint.verified(note, logKey: signer.verifierKey)) {
            XCTAssertTrue("\($0)".contains("is not the log"), "\($0)")
        }
        let own = try Checkpoint(origin: composedOrigin, size: 1, root: MerkleTree.emptyRoot).sign(with: signer)
        XCTAssertNoThrow(try Checkpoint.verified(own, logKey: signer.verifierKey))
    }

    func testCheckpointsWithCanonicallyEquivalentOriginsAreNotEqual() {
        let a = Checkpoint(origin: composedOrigin, size: 1, root: MerkleTree.emptyRoot)
        let b = Checkpoint(origin: decomposedOrigin, size: 1, root: MerkleTree.emptyRoot)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(Set([a, b]).count, 2)
    }

    func testNoteSignatureUnderACanonicallyEquivalentKeyNameIsNotTheKeys() throws {
        // A valid signature and the right key ID, but the signature line names the key with
        // other bytes: the line is not by this key (signed-note matches names exactly).
        let signer = try NoteSigner(name: composedOrigin, key: SigningKey(seed: seed))
        let signed = try SignedNote.sign(text: "hello\n", with: signer)
        let line = signed.signatures[0]
        let renamed = SignedNote(text: signed.text, signatures: [.init(name: decomposedOrigin, keyID: line.keyID, bytes: line.bytes)])
        XCTAssertThrowsError(try renamed.verify(keys: [signer.verifierKey])) {
            XCTAssertEqual($0 as? NoteError, .noKnownSignature(names: [decomposedOrigin]))
        }
        XCTAssertNoThrow(try signed.verify(keys: [signer.verifierKey]))
    }

    func testLabelCodeWithKelvinSignIsNotTK() {
        // U+212A KELVIN SIGN is canonically equivalent to "K", so "T\u{212A}" == "TK" in Swift.
        XCTAssertTrue(LocalContextsLabel.isWellFormed("TK-SS"))
        XCTAssertFalse(LocalContextsLabel.isWellFormed("T\u{212A}-SS"))
        XCTAssertFalse(LocalContextsLabel.isWellFormed("TK-S\u{212A}"))
    }

    func testAudiencesCompareByBytes() {
        XCTAssertEqual(Audience("licensee:example-ai.com"), Audience("licensee:example-ai.com"))
        XCTAssertNil(Audience("licensee:example-\u{212A}.com"))
        XCTAssertNil(Audience("licensee:caf\u{E9}.com"))
    }
}
