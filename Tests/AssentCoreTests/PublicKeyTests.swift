import AssentCore
import COpenSSL
import XCTest

/// Keys that belong to nobody are refused (PROTOCOL §3, RFC 8032 §5.1.3).
final class PublicKeyTests: XCTestCase {
    /// The eight points of order dividing 8, by canonical encoding, with their orders: the
    /// identity (y = 1), order 2 (y = p − 1), order 4 (y = 0, both signs of x = ±√−1) and
    /// order 8 (two values of y, both signs of x). Computed from the curve equation with
    /// Python's big integers; `testOpenSSLAcceptsAForgedSignatureForEverySmallOrderPoint`
    /// proves the list against libcrypto.
    static let smallOrder: [(hex: String, order: Int)] = [
        ("0100000000000000000000000000000000000000000000000000000000000000", 1),
        ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 2),
        ("0000000000000000000000000000000000000000000000000000000000000000", 4),
        ("0000000000000000000000000000000000000000000000000000000000000080", 4),
        ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 8),
        ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", 8),
        ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", 8),
        ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", 8),
    ]

    /// Public keys of RFC 8032 §7.1 TEST 1, TEST 2, TEST 3, TEST 1024 and TEST SHA(abc).
    static let rfc8032Keys = [
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
    ]

    /// The signature (R, S) = (identity, 0): it verifies against a small-order key A for every
    /// message whose k = SHA-512(R ‖ A ‖ M) makes [k]A the identity, since [0]B = R + [k]A.
    static let forgedSignature = [UInt8](hex: "01" + String(repeating: "00", count: 63))!

    /// Asks libcrypto alone, with no check of ours in between, whether `signature` verifies.
    static func openSSLVerifies(key: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, key, key.count) else { return false }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
        return EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
    }

    /// The first of 64 fixed messages that libcrypto accepts the forged signature for, if any.
    /// For a point of order n each message succeeds with chance 1/n, so 64 tries all failing
    /// for an order-8 point has chance (7/8)^64 < 0.02 %; the messages are fixed, so the
    /// outcome is too.
    static func forgedMessage(for key: [UInt8]) -> [UInt8]? {
        (0..<64).lazy.map { Array("statement forged without a private key, try \($0)".utf8) }
            .first { openSSLVerifies(key: key, signature: forgedSignature, message: $0) }
    }

    func testEachSmallOrderPointIsRefusedWithItsOrder() {
        for (hex, order) in Self.smallOrder {
            XCTAssertThrowsError(try PublicKey(bytes: [UInt8](hex: hex)!), hex) { error in
                XCTAssertEqual(error as? CryptoError, .smallOrderKey(order: order), hex)
                XCTAssertTrue("\(error)".hasPrefix("small-order point (order \(order)): no private key exists"), "\(error)")
            }
        }
    }

    /// The list above is exactly the small-order points: eight distinct canonical encodings,
    /// each with a signature libcrypto accepts though nobody has a private key. Accepting
    /// (identity, 0) means [k]A is the identity for a k below the group order ℓ, so A has
    /// order dividing 8 (a point with a component of order ℓ would need ℓ | k); and the curve
    /// has exactly eight such points (cofactor 8). A real key accepts none of the forgeries.
    func testOpenSSLAcceptsAForgedSignatureForEverySmallOrderPoint() throws {
        XCTAssertEqual(Set(Self.smallOrder.map(\.hex)).count, 8)
        for (hex, _) in Self.smallOrder {
            XCTAssertNotNil(Self.forgedMessage(for: [UInt8](hex: hex)!), "libcrypto accepts no forgery for \(hex)")
        }
        XCTAssertNil(Self.forgedMessage(for: [UInt8](hex: Self.rfc8032Keys[0])!))
        // The identity accepts the forgery for every message: [k]A is always the identity.
        for n in 0..<8 {
            XCTAssertTrue(Self.openSSLVerifies(key: [UInt8](hex: Self.smallOrder[0].hex)!, signature: Self.forgedSignature,
                                               message: Array("any message \(n)".utf8)))
        }
    }

    /// Every y ≥ p (19 values, each with either sign bit) is a second spelling of y − p.
    func testEncodingsWithYNotBelowPAreRefusedAsNonCanonical() {
        var refused = 0
        for low in 0xED...0xFF {
            for top: UInt8 in [0x7F, 0xFF] {
                let bytes = [UInt8(low)] + [UInt8](repeating: 0xFF, count: 30) + [top]
                XCTAssertThrowsError(try PublicKey(bytes: bytes)) { error in
                    XCTAssertEqual(error as? CryptoError, .nonCanonicalKey(.yNotReduced), bytes.hexString)
                    XCTAssertTrue("\(error)".hasPrefix("non-canonical encoding"), "\(error)")
                }
                refused += 1
            }
        }
        XCTAssertEqual(refused, 38)
        // p − 1 itself is canonical (it is the point of order 2, refused for that reason instead).
        XCTAssertThrowsError(try PublicKey(bytes: [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F])) {
            XCTAssertEqual($0 as? CryptoError, .smallOrderKey(order: 2))
        }
    }

    /// x = 0 only for y = 1 and y = p − 1; with the sign bit set they spell the identity and
    /// the point of order 2 a second time (RFC 8032 §5.1.3 step 4), and libcrypto takes them.
    func testZeroXWithTheSignBitSetIsRefusedAsNonCanonical() {
        for hex in ["0100000000000000000000000000000000000000000000000000000000000080",
                    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"] {
            XCTAssertNotNil(Self.forgedMessage(for: [UInt8](hex: hex)!), "libcrypto accepts a forgery for \(hex)")
            XCTAssertThrowsError(try PublicKey(bytes: [UInt8](hex: hex)!)) {
                XCTAssertEqual($0 as? CryptoError, .nonCanonicalKey(.signOfZero), hex)
                XCTAssertTrue("\($0)".contains("x is 0 but the sign bit is set"), "\($0)")
            }
        }
    }

    /// libcrypto reduces y mod p, so y = p and y = p + 1 are the order-4 and identity points
    /// under other names, and forgeries verify against them too.
    func testOpenSSLAcceptsForgeriesForNonCanonicalSpellingsOfSmallOrderPoints() {
        for hex in ["edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"] {
            XCTAssertNotNil(Self.forgedMessage(for: [UInt8](hex: hex)!), "libcrypto accepts a forgery for \(hex)")
            XCTAssertThrowsError(try PublicKey(bytes: [UInt8](hex: hex)!)) {
                XCTAssertEqual($0 as? CryptoError, .nonCanonicalKey(.yNotReduced), hex)
            }
        }
    }

    func testTheRFC8032TestKeysAreAcceptedAndVerifyTheirSignature() throws {
        for hex in Self.rfc8032Keys {
            XCTAssertEqual(try PublicKey(bytes: [UInt8](hex: hex)!).bytes.hexString, hex)
        }
        // RFC 8032 §7.1 TEST 1: the empty message.
        let key = try PublicKey(bytes: [UInt8](hex: Self.rfc8032Keys[0])!)
        let signature = [UInt8](hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")!
        XCTAssertTrue(key.isValidSignature(signature, for: [UInt8]()))
        XCTAssertFalse(key.isValidSignature(signature, for: [0x00]))
    }

    /// Keys made from 256 seeds all pass: a wrong curve check would refuse about half of them.
    func testKeysDerivedFromSeedsAreAccepted() throws {
        for n in 0..<256 {
            let key = try SigningKey(seed: [UInt8](repeating: UInt8(n), count: 31) + [UInt8(255 - n)])
            XCTAssertEqual(try PublicKey(bytes: key.publicKey.bytes), key.publicKey)
        }
    }

    /// Whether y has a point, x² = (y² − 1)/(d·y² + 1) (RFC 8032 §5.1.3), for small y, for
    /// p − y, and for 64 y with all limbs in use (SHA-256 of "assent curve check <i>", bit 255
    /// cleared). Expected values computed outside this project with Python's pow(u·v, (p−1)/2, p).
    func testEncodingsOffTheCurveAreRefused() throws {
        let onCurve: Set<Int> = [0, 1, 3, 4, 5, 6, 9, 10, 14, 15, 16, 18, 19, 21, 23, 24, 25, 26, 27, 28, 29, 30, 32, 33, 35, 37, 39, 40]
        func little(_ y: Int) -> [UInt8] { [UInt8(y)] + [UInt8](repeating: 0, count: 31) }
        func pMinus(_ y: Int) -> [UInt8] { [UInt8(0xED - y)] + [UInt8](repeating: 0xFF, count: 30) + [0x7F] }
        func outcome(_ bytes: [UInt8]) -> Bool? {
            do {
                _ = try PublicKey(bytes: bytes)
                return true
            } catch CryptoError.keyNotOnCurve {
                return false
            } catch {
                return nil  // refused for another reason (small order)
            }
        }
        // Twice: the second time, keys that passed come from the cache of checked encodings,
        // which must give the same answers and never remember a refusal.
        for pass in 1...2 {
            for y in 2...40 {
                XCTAssertEqual(outcome(little(y)), onCurve.contains(y), "y = \(y), pass \(pass)")
                XCTAssertEqual(outcome(pMinus(y)), onCurve.contains(y), "y = p − \(y), pass \(pass)")  // (p − y)² = y²
            }
        }
        let expected = Array("0001010000001110101111100100001001101010110011001010010011101111")
        for i in 0..<64 {
            var bytes = SHA256.hash(Array("assent curve check \(i)".utf8)).bytes
            bytes[31] &= 0x7F
            XCTAssertEqual(outcome(bytes), expected[i] == "1", "assent curve check \(i)")
        }
        XCTAssertThrowsError(try PublicKey(bytes: little(2))) {
            XCTAssertTrue("\($0)".hasPrefix("not a point of edwards25519"), "\($0)")
        }
    }

    func testKeysOfTheWrongLengthOrNotBase64AreRefused() {
        XCTAssertThrowsError(try PublicKey(bytes: Array([UInt8](hex: Self.rfc8032Keys[0])!.dropLast()))) {
            XCTAssertEqual($0 as? CryptoError, .badKeyLength(expected: 32, found: 31))
        }
        XCTAssertThrowsError(try PublicKey(base64: "not base64")) { XCTAssertEqual($0 as? CryptoError, .keyNotBase64) }
        XCTAssertNoThrow(try PublicKey(base64: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="))
    }
}
