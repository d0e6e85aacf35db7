/// Which 32-byte strings are Ed25519 public keys that someone can hold (PROTOCOL §3).
///
/// A point encoding is y (the low 255 bits, little-endian) and the sign of x (bit 255)
/// (RFC 8032 §5.1.2). OpenSSL verifies against any 32 bytes it can decode, reducing y mod p
/// and ignoring a sign bit on x = 0, and does not check the point's order. So a signature
/// verifies against a small-order point A with no private key at all: with R the identity
/// and S = 0, the check [S]B = R + [k]A holds whenever [k]A is the identity, which for a point
/// of order n ∈ {1, 2, 4, 8} is one message in n. Such a key belongs to nobody and anybody
/// can write "its" statements; a non-canonical encoding names a point under a second spelling.
/// Both are refused. Mixed-order points (a real key plus a torsion point) are not refused:
/// recognising them needs a scalar multiplication by the group order, and their owner, if
/// any, holds the private key of the prime-order part.
enum Ed25519KeyEncoding {
    /// The eight points of small order, by their canonical encodings: the curve's cofactor is 8,
    /// so its points of order dividing 8 form a group of eight. With y = 1 the identity; with
    /// y = p − 1 (x = 0) order 2; with y = 0 (x = ±√−1) order 4; the four of order 8 have
    /// y² = −x² and x² = (1 ± √(1 + d))/d, for the root that makes x exist.
    /// Tests check each one by having OpenSSL accept a signature made without a private key.
    static let smallOrderPoints: [(encoding: [UInt8], order: Int)] = [
        ("0100000000000000000000000000000000000000000000000000000000000000", 1),
        ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 2),
        ("0000000000000000000000000000000000000000000000000000000000000000", 4),
        ("0000000000000000000000000000000000000000000000000000000000000080", 4),
        ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 8),
        ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", 8),
        ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", 8),
        ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", 8),
    ].map { hex, order in
        guard let bytes = [UInt8](hex: hex), bytes.count == 32 else { preconditionFailure("bad constant \(hex)") }
        return (bytes, order)
    }

    /// Throws unless `bytes` is the canonical encoding of a point of edwards25519 that is not
    /// of small order. Byte comparisons first; the curve check costs one exponentiation in
    /// GF(p) (254 squarings), a few microseconds, against the much larger Ed25519
    /// verification that follows a key in every statement.
    static func check(_ bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .badKeyLength(expected: 32, found: bytes.count) }
        let signBit = bytes[31] & 0x80 != 0
        let top = bytes[31] & 0x7F
        // y ≥ p = 2^255 − 19 exactly when the low 255 bits are 0x7fff…ff followed by ed…ff:
        // bytes 1…30 are 0xff, byte 31 (without the sign) is 0x7f and byte 0 is at least 0xed.
        if top == 0x7F && bytes[1..<31].allSatisfy({ $0 == 0xFF }) && bytes[0] >= 0xED {
            throw .nonCanonicalKey(.yNotReduced)
        }
        // x = 0 exactly when y² = 1, that is y = 1 or y = p − 1 (RFC 8032 §5.1.3 step 4).
        let middleZero = bytes[1..<31].allSatisfy { $0 == 0 }
        let middleOnes = bytes[1..<31].allSatisfy { $0 == 0xFF }
        let yIsOne = bytes[0] == 1 && middleZero && top == 0
        let yIsMinusOne = bytes[0] == 0xEC && middleOnes && top == 0x7F
        if signBit && (yIsOne || yIsMinusOne) { throw .nonCanonicalKey(.signOfZero) }
        if let known = smallOrderPoints.first(where: { $0.encoding == bytes }) {
            throw .smallOrderKey(order: known.order)
        }
        // A party signs many statements, so the same key comes back again and again: the
        // curve check (about 5 µs, a tenth of the verification that follows) is done once.
        let encoding = Encoding(bytes)
        if onCurve.contains(encoding) { return }
        // RFC 8032 §5.1.3 steps 2–3: x² = u/v with u = y² − 1 and v = d·y² + 1 (v is never 0,
        // since −1/d is not a square); an x exists exactly when u·v is a square.
        let y = Field25519(littleEndian: bytes)
        let y2 = y.squared
        let u = y2 - .one
        let v = Field25519.d * y2 + .one
        guard (u * v).isSquare else { throw .keyNotOnCurve }
        onCurve.insert(encoding)
    }

    /// 32 bytes as four words, so that hashing and comparing them is cheap.
    struct Encoding: Hashable {
        let w0, w1, w2, w3: UInt64
        init(_ bytes: [UInt8]) {
            func word(_ i: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[8 * i + $1]) } }
            (w0, w1, w2, w3) = (word(0), word(1), word(2), word(3))
        }
    }

    /// Encodings that passed the curve check, bounded: when full it starts again, so a flood of
    /// fresh keys costs the check each time and no memory beyond the bound.
    static let onCurve = BoundedSet<Encoding>(capacity: 16_384)
}
