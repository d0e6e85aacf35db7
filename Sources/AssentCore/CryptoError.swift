/// Why a key could not be made or used. Key refusals say why the key belongs to nobody
/// (PROTOCOL §3, RFC 8032 §5.1.3); callers add where it was found.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case badKeyLength(expected: Int, found: Int)
    case keyNotBase64
    /// The 32 bytes are not the one encoding RFC 8032 allows for their point.
    case nonCanonicalKey(NonCanonical)
    /// One of the eight points of order 1, 2, 4 or 8 (RFC 8032 §5.1; cofactor 8).
    case smallOrderKey(order: Int)
    /// No point of edwards25519 has this encoding.
    case keyNotOnCurve
    /// A libcrypto call failed where failure has a meaning for the caller (see `LibCrypto`).
    case openSSL(call: String, reason: String)

    public enum NonCanonical: Equatable, Sendable {
        /// y, the low 255 bits, is not below p = 2^255 − 19 (RFC 8032 §5.1.3 step 1).
        case yNotReduced
        /// x is 0 but the sign bit says x is odd (RFC 8032 §5.1.3 step 4).
        case signOfZero
    }

    public var description: String {
        switch self {
        case let .badKeyLength(expected, found): "key is \(found) bytes, expected \(expected)"
        case .keyNotBase64: "key is not standard base64 with padding (RFC 4648 §4)"
        case .nonCanonicalKey(.yNotReduced):
            "non-canonical encoding: y is not below 2^255 − 19 (RFC 8032 §5.1.3 step 1), so the bytes are a second name for another key"
        case .nonCanonicalKey(.signOfZero):
            "non-canonical encoding: x is 0 but the sign bit is set (RFC 8032 §5.1.3 step 4), so the bytes are a second name for a small-order point"
        case let .smallOrderKey(order):
            "small-order point (order \(order)): no private key exists for it, and signatures that verify against it can be made without one (RFC 8032 §5.1.3)"
        case .keyNotOnCurve:
            "not a point of edwards25519: no x satisfies the curve equation for this y (RFC 8032 §5.1.3 step 3)"
        case let .openSSL(call, reason): "OpenSSL call \(call) failed: \(reason)"
        }
    }
}
