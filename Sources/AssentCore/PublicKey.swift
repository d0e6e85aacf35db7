import COpenSSL

/// An Ed25519 public key (RFC 8032): the canonical 32-byte encoding of a point that someone
/// can hold the private key of.
///
/// `init(bytes:)` is the one gate every key passes — statement `by`, enrollment and mandate
/// `party`, note verifier keys, key files — so a key that belongs to nobody (PROTOCOL §3:
/// small-order, non-canonical or not on the curve) is refused wherever a key is accepted,
/// with the reason.
public struct PublicKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(CryptoError) {
        try Ed25519KeyEncoding.check(bytes)
        self.bytes = bytes
    }

    public init(base64: some StringProtocol) throws(CryptoError) {
        guard let bytes = Base64.decode(base64) else { throw .keyNotBase64 }
        try self.init(bytes: bytes)
    }

    public var base64: String { Base64.encode(bytes) }
    public var description: String { base64 }
    public static func < (a: PublicKey, b: PublicKey) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// The key's bytes fed to `hasher` at once: an array's own hashing feeds its count and then
    /// each of its 32 bytes one call at a time, which was a tenth of a past-T bulk check's CPU
    /// (every party's enrollments are looked up by key: docs/benchmarks.md "Consent benchmark").
    /// Equal keys have equal bytes, so equal hashes.
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (a: PublicKey, b: PublicKey) -> Bool { a.bytes == b.bytes }

    /// True when `signature` is a valid Ed25519 signature of `message` by this key (RFC 8032
    /// §5.1.7, through libcrypto with a context kept for this key: `VerificationContexts`).
    public func isValidSignature(_ signature: some ContiguousBytesView, for message: some ContiguousBytesView) -> Bool {
        signature.withBytes { sig in
            message.withBytes { msg in VerificationContexts.shared.verify(key: self, signature: sig, message: msg) }
        }
    }
}
