import COpenSSL

/// An Ed25519 private key, held as its 32-byte seed (RFC 8032 §5.1.5).
///
/// The seed never appears in `description`, so logging a key cannot leak it.
public final class SigningKey: Sendable, CustomStringConvertible {
    public let publicKey: PublicKey
    private let seed: [UInt8]
    // EVP_PKEY is reference counted and safe to share between threads for signing
    // when each operation uses its own EVP_MD_CTX, as `sign` does.
    nonisolated(unsafe) private let pkey: OpaquePointer

    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else { throw .badKeyLength(expected: 32, found: seed.count) }
        guard let pkey = seed.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else { throw .openSSL(call: "EVP_PKEY_new_raw_private_key", reason: LibCrypto.lastError()) }
        var length = 32
        var pub = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(pkey, &pub, &length) == 1, length == 32 else {
            EVP_PKEY_free(pkey)
            throw .openSSL(call: "EVP_PKEY_get_raw_public_key", reason: LibCrypto.lastError())
        }
        // A key derived from a seed is [s]B, a point of prime order, so the gate passes it;
        // it still goes through the gate, so that no PublicKey is made any other way.
        let publicKey: PublicKey
        do { publicKey = try PublicKey(bytes: pub) } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.seed = seed
        self.pkey = pkey
        self.publicKey = publicKey
    }

    /// A new key from OpenSSL's CSPRNG.
    public static func generate() throws(CryptoError) -> SigningKey {
        var seed = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&seed, 32) == 1 else { throw .openSSL(call: "RAND_bytes", reason: LibCrypto.lastError()) }
        return try SigningKey(seed: seed)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The seed, for saving to a key file. Handle with care.
    public var seedBytes: [UInt8] { seed }

    /// Ed25519 signing cannot fail for a key libcrypto made and any message: a failure is
    /// libcrypto out of memory or broken, and the process stops rather than return a
    /// signature that is not one (see `LibCrypto`).
    public func sign(_ message: some ContiguousBytesView) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        guard let ctx = EVP_MD_CTX_new() else { LibCrypto.fail("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1 else { LibCrypto.fail("EVP_DigestSignInit") }
        var length = 64
        let signed = message.withBytes { msg in
            EVP_DigestSign(ctx, &signature, &length, msg.baseAddress?.assumingMemoryBound(to: UInt8.self), msg.count)
        }
        guard signed == 1 else { LibCrypto.fail("EVP_DigestSign") }
        guard length == 64 else { LibCrypto.fail("EVP_DigestSign (wrote \(length) bytes, not 64)") }
        return signature
    }

    public var description: String { "SigningKey(public: \(publicKey.base64))" }
}
