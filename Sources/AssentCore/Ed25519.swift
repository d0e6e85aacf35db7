import COpenSSL

/// An Ed25519 public key (RFC 8032): 32 bytes.
public struct PublicKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public init?(base64: some StringProtocol) {
        guard let bytes = Base64.decode(base64) else { return nil }
        self.init(bytes: bytes)
    }

    public var base64: String { Base64.encode(bytes) }
    public var description: String { base64 }
    public static func < (a: PublicKey, b: PublicKey) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// True when `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: some ContiguousBytesView, for message: some ContiguousBytesView) -> Bool {
        guard let pkey = bytes.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }) else { return false }
        defer { EVP_PKEY_free(pkey) }
        return Ed25519.verify(pkey: pkey, signature: signature, message: message)
    }
}

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
        }) else { throw .openSSL("EVP_PKEY_new_raw_private_key") }
        var length = 32
        var pub = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(pkey, &pub, &length) == 1, length == 32 else {
            EVP_PKEY_free(pkey)
            throw .openSSL("EVP_PKEY_get_raw_public_key")
        }
        self.seed = seed
        self.pkey = pkey
        self.publicKey = PublicKey(bytes: pub)!
    }

    /// A new key from OpenSSL's CSPRNG.
    public static func generate() throws(CryptoError) -> SigningKey {
        var seed = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&seed, 32) == 1 else { throw .openSSL("RAND_bytes") }
        return try SigningKey(seed: seed)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The seed, for saving to a key file. Handle with care.
    public var seedBytes: [UInt8] { seed }

    public func sign(_ message: some ContiguousBytesView) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        let ctx = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(ctx) }
        var length = 64
        let ok = message.withBytes { msg in
            EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1
                && EVP_DigestSign(ctx, &signature, &length, msg.baseAddress?.assumingMemoryBound(to: UInt8.self), msg.count) == 1
        }
        // Ed25519 signing cannot fail for a valid key and any message; a failure here is memory exhaustion.
        precondition(ok && length == 64, "Ed25519 signing failed in OpenSSL")
        return signature
    }

    public var description: String { "SigningKey(public: \(publicKey.base64))" }
}

enum Ed25519 {
    static func verify(pkey: OpaquePointer, signature: some ContiguousBytesView, message: some ContiguousBytesView) -> Bool {
        let ctx = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
        return signature.withBytes { sig in
            guard sig.count == 64 else { return false }
            return message.withBytes { msg in
                EVP_DigestVerify(
                    ctx, sig.baseAddress?.assumingMemoryBound(to: UInt8.self), sig.count,
                    msg.baseAddress?.assumingMemoryBound(to: UInt8.self), msg.count) == 1
            }
        }
    }
}

public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case badKeyLength(expected: Int, found: Int)
    case openSSL(String)

    public var description: String {
        switch self {
        case let .badKeyLength(expected, found): "key is \(found) bytes, expected \(expected)"
        case let .openSSL(call): "OpenSSL call \(call) failed"
        }
    }
}
