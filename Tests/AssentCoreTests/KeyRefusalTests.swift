import AssentCore
import XCTest

/// Every place that accepts a key refuses one that belongs to nobody, and says why (PROTOCOL §3).
final class KeyRefusalTests: XCTestCase {
    static let identity = [UInt8](hex: PublicKeyTests.smallOrder[0].hex)!
    let creator = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    let issued = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    /// A statement "by" the identity point with the signature (R, S) = (identity, 0), which
    /// libcrypto accepts for any message: without the key check it would be logged as signed.
    static func statementByTheIdentityPoint(template: JSONValue) -> (bytes: [UInt8], signedMessage: [UInt8]) {
        var body = template.objectValue ?? [:]
        body["by"] = .string(Base64.encode(identity))
        let message = SignedStatement.domain + JSONValue.object(body).canonicalBytes
        let whole = JSONValue.object(["statement": .object(body), "sig": .string(Base64.encode(PublicKeyTests.forgedSignature))])
        return (whole.canonicalBytes, message)
    }

    func testAStatementByTheIdentityPointIsRefusedWithTheReason() throws {
        let template = Statement.preference(Preference(by: creator.publicKey, issued: issued,
                                                       work: try WorkID(parsing: "iswc:T0345246801"), usage: ["train-ai": true]))
        let forged = Self.statementByTheIdentityPoint(template: template.json)
        XCTAssertTrue(PublicKeyTests.openSSLVerifies(key: Self.identity, signature: PublicKeyTests.forgedSignature, message: forged.signedMessage),
                      "libcrypto accepts the forged signature; only the key check stands in the way")
        XCTAssertThrowsError(try SignedStatement(bytes: forged.bytes)) { error in
            XCTAssertEqual(error as? StatementError, .badPublicKey("by", .smallOrderKey(order: 1)))
            XCTAssertTrue("\(error)".hasPrefix("field \"by\": small-order point (order 1): no private key exists"), "\(error)")
        }
    }

    func testAnEnrollmentOfASmallOrderPartyIsRefused() throws {
        let operatorKey = try SigningKey(seed: [UInt8](repeating: 9, count: 32))
        let enrollment = Statement.enrollment(Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .creator))
        for (hex, order) in PublicKeyTests.smallOrder {
            var body = enrollment.json.objectValue ?? [:]
            body["party"] = .string(Base64.encode([UInt8](hex: hex)!))
            let sig = operatorKey.sign(SignedStatement.domain + JSONValue.object(body).canonicalBytes)
            let bytes = JSONValue.object(["statement": .object(body), "sig": .string(Base64.encode(sig))]).canonicalBytes
            XCTAssertThrowsError(try SignedStatement(bytes: bytes), hex) {
                XCTAssertEqual($0 as? StatementError, .badPublicKey("party", .smallOrderKey(order: order)), hex)
            }
        }
    }

    func testAStatementWithANonCanonicalKeyIsRefused() throws {
        let statement = Statement.preference(Preference(by: creator.publicKey, issued: issued,
                                                        work: try WorkID(parsing: "iswc:T0345246801"), usage: ["search": false]))
        var body = statement.json.objectValue ?? [:]
        // y = p + 1: the identity under a second name.
        body["by"] = .string(Base64.encode([0xEE] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]))
        let bytes = JSONValue.object(["statement": .object(body), "sig": .string(Base64.encode(PublicKeyTests.forgedSignature))]).canonicalBytes
        XCTAssertThrowsError(try SignedStatement(bytes: bytes)) {
            XCTAssertEqual($0 as? StatementError, .badPublicKey("by", .nonCanonicalKey(.yNotReduced)))
            XCTAssertTrue("\($0)".hasPrefix("field \"by\": non-canonical encoding"), "\($0)")
        }
    }

    /// A note verifier key (and so a `.pub` key file, which holds one) with a small-order key
    /// is refused even when its key ID is right for it.
    func testAVerifierKeyForASmallOrderPointIsRefused() {
        let name = "example.com/nobody"
        let id = SHA256.hash(Array(name.utf8) + [0x0A, 0x01] + Self.identity).bytes.prefix(4)
        let vkey = "\(name)+\(id.hexString)+\(Base64.encode([0x01] + Self.identity))"
        XCTAssertThrowsError(try NoteVerifierKey(parsing: vkey)) {
            XCTAssertEqual($0 as? NoteError, .badVerifierKey(vkey, "\(CryptoError.smallOrderKey(order: 1))"))
        }
        // Any note would "verify" against it: libcrypto accepts (identity, 0) for every text.
        XCTAssertTrue(PublicKeyTests.openSSLVerifies(key: Self.identity, signature: PublicKeyTests.forgedSignature,
                                                     message: Array("example.com/nobody\n1\nAAAA\n".utf8)))
    }

    func testARealKeyStillPassesEveryGate() throws {
        let signed = SignedStatement.sign(.enrollment(Enrollment(by: creator.publicKey, issued: issued, party: creator.publicKey, role: .creator)),
                                          with: creator)
        XCTAssertEqual(try SignedStatement(bytes: signed.canonicalBytes), signed)
        let signer = try NoteSigner(name: "example.com/real", key: creator)
        XCTAssertEqual(try NoteVerifierKey(parsing: signer.verifierKey.description), signer.verifierKey)
    }
}
