/// An element of GF(p), p = 2^255 − 19, the field edwards25519 is defined over (RFC 8032 §5.1).
///
/// Only what checking a public key's encoding needs (RFC 8032 §5.1.3): addition, subtraction,
/// multiplication and the quadratic character. OpenSSL has no call that decodes an Ed25519
/// point without verifying a signature, so the check is done here.
///
/// Five limbs of 51 bits (radix 2^51, as the ref10 and donna implementations use): between
/// operations every limb is below 2^52, so a product of two limbs is below 2^104 and a whole
/// column of a multiplication, five products with some multiplied by 19, stays below 2^112:
/// `UInt128` holds it with room to spare, and no operation here can overflow.
/// Not constant time: it only ever sees public keys.
struct Field25519: Equatable, Sendable {
    private static let mask: UInt64 = (1 << 51) - 1
    private var l0, l1, l2, l3, l4: UInt64

    private init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
        (self.l0, self.l1, self.l2, self.l3, self.l4) = (l0, l1, l2, l3, l4)
    }

    static let zero = Field25519(0, 0, 0, 0, 0)
    static let one = Field25519(1, 0, 0, 0, 0)

    /// d = −121665/121666 mod p, the curve constant of edwards25519 (RFC 8032 §5.1),
    /// = 0x52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3.
    static let d = Field25519(littleEndian: [
        0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
        0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
    ])

    /// The low 255 bits of 32 little-endian bytes (RFC 8032 §5.1.2's encoding of y; bit 255,
    /// the sign of x, is not part of the number). The value may be ≥ p: callers that need the
    /// encoding to be canonical check that on the bytes.
    init(littleEndian bytes: [UInt8]) {
        precondition(bytes.count == 32, "a field element is read from exactly 32 bytes")
        func word(_ i: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 * i + $1]) << (8 * UInt64($1)) }
        }
        let w0 = word(0), w1 = word(1), w2 = word(2), w3 = word(3) & 0x7FFF_FFFF_FFFF_FFFF
        self.init(w0 & Self.mask,
                  (w0 >> 51 | w1 << 13) & Self.mask,
                  (w1 >> 38 | w2 << 26) & Self.mask,
                  (w2 >> 25 | w3 << 39) & Self.mask,
                  w3 >> 12)
    }

    static func + (a: Field25519, b: Field25519) -> Field25519 {
        // Limbs below 2^52 sum to below 2^53; the carry brings them back below 2^52.
        carried(UInt128(a.l0 + b.l0), UInt128(a.l1 + b.l1), UInt128(a.l2 + b.l2), UInt128(a.l3 + b.l3), UInt128(a.l4 + b.l4))
    }

    static func - (a: Field25519, b: Field25519) -> Field25519 {
        // a + 4p − b: the limbs of 4p (2^53 − 76, then 2^53 − 4) exceed any limb of b (< 2^52),
        // so no limb goes negative, and the value is unchanged mod p.
        carried(UInt128(a.l0 + (1 << 53) - 76 - b.l0), UInt128(a.l1 + (1 << 53) - 4 - b.l1),
                UInt128(a.l2 + (1 << 53) - 4 - b.l2), UInt128(a.l3 + (1 << 53) - 4 - b.l3),
                UInt128(a.l4 + (1 << 53) - 4 - b.l4))
    }

    /// Schoolbook multiplication; a product that lands at 2^255 or above is folded back
    /// times 19, since 2^255 ≡ 19 (mod p).
    static func * (a: Field25519, b: Field25519) -> Field25519 {
        func m(_ x: UInt64, _ y: UInt64) -> UInt128 { UInt128(x) * UInt128(y) }
        let b1 = b.l1 * 19, b2 = b.l2 * 19, b3 = b.l3 * 19, b4 = b.l4 * 19  // < 2^57
        return carried(
            m(a.l0, b.l0) + m(a.l1, b4) + m(a.l2, b3) + m(a.l3, b2) + m(a.l4, b1),
            m(a.l0, b.l1) + m(a.l1, b.l0) + m(a.l2, b4) + m(a.l3, b3) + m(a.l4, b2),
            m(a.l0, b.l2) + m(a.l1, b.l1) + m(a.l2, b.l0) + m(a.l3, b4) + m(a.l4, b3),
            m(a.l0, b.l3) + m(a.l1, b.l2) + m(a.l2, b.l1) + m(a.l3, b.l0) + m(a.l4, b4),
            m(a.l0, b.l4) + m(a.l1, b.l3) + m(a.l2, b.l2) + m(a.l3, b.l1) + m(a.l4, b.l0))
    }

    /// self², with the symmetric products counted once and doubled.
    var squared: Field25519 {
        func m(_ x: UInt64, _ y: UInt64) -> UInt128 { UInt128(x) * UInt128(y) }
        let d0 = l0 * 2, d1 = l1 * 2, d2 = l2 * 2, d3 = l3 * 2  // < 2^53
        let f3 = l3 * 19, f4 = l4 * 19  // < 2^57
        return Field25519.carried(
            m(l0, l0) + m(d1, f4) + m(d2, f3),
            m(d0, l1) + m(d2, f4) + m(l3, f3),
            m(d0, l2) + m(l1, l1) + m(d3, f4),
            m(d0, l3) + m(d1, l2) + m(l4, f4),
            m(d0, l4) + m(d1, l3) + m(l2, l2))
    }

    /// self^(2^n).
    func squared(times n: Int) -> Field25519 {
        var x = self
        for _ in 0..<n { x = x.squared }
        return x
    }

    /// Carries columns below 2^112 into limbs below 2^52: each limb keeps 51 bits and passes
    /// the rest up; what passes out of the top (a multiple of 2^255) comes back in times 19.
    private static func carried(_ r0: UInt128, _ r1: UInt128, _ r2: UInt128, _ r3: UInt128, _ r4: UInt128) -> Field25519 {
        let m = UInt128(mask)
        let c0 = r1 + (r0 >> 51)
        let c1 = r2 + (c0 >> 51)
        let c2 = r3 + (c1 >> 51)
        let c3 = r4 + (c2 >> 51)
        // c3 >> 51 < 2^61, so 19 times it fits a UInt128 column with r0's low 51 bits.
        let c4 = (r0 & m) + (c3 >> 51) * 19
        return Field25519(UInt64(c4 & m), UInt64(c0 & m) + UInt64(c4 >> 51),
                          UInt64(c1 & m), UInt64(c2 & m), UInt64(c3 & m))
    }

    /// The unique representative in [0, p), as limbs below 2^51.
    private var reduced: Field25519 {
        // One more carry pass puts the value below 2p (limbs below 2^51, l1 at most 2^51).
        var x = Field25519.carried(UInt128(l0), UInt128(l1), UInt128(l2), UInt128(l3), UInt128(l4))
        // q = 1 exactly when x ≥ p, that is when x + 19 reaches 2^255.
        var q = (x.l0 + 19) >> 51
        q = (x.l1 + q) >> 51
        q = (x.l2 + q) >> 51
        q = (x.l3 + q) >> 51
        q = (x.l4 + q) >> 51
        // x − q·p = x + 19q − q·2^255: add 19q, carry, and drop bit 255.
        x.l0 += 19 * q
        x.l1 += x.l0 >> 51
        x.l0 &= Field25519.mask
        x.l2 += x.l1 >> 51
        x.l1 &= Field25519.mask
        x.l3 += x.l2 >> 51
        x.l2 &= Field25519.mask
        x.l4 += x.l3 >> 51
        x.l3 &= Field25519.mask
        x.l4 &= Field25519.mask
        return x
    }

    var isZero: Bool {
        let x = reduced
        return x.l0 | x.l1 | x.l2 | x.l3 | x.l4 == 0
    }

    static func == (a: Field25519, b: Field25519) -> Bool { (a - b).isZero }

    /// Whether self is a square in GF(p), by Euler's criterion: self^((p−1)/2) is 1 for a
    /// non-zero square, p − 1 for a non-square and 0 for 0.
    ///
    /// (p − 1)/2 = 2^254 − 10 = (2^250 − 1)·2^4 + 6, reached by the addition chain for
    /// 2^250 − 1 that ref10 uses for inversion (254 squarings and 12 multiplications).
    var isSquare: Bool {
        let z2 = squared                              // z^2
        let z9 = z2.squared(times: 2) * self          // z^9
        let z11 = z9 * z2                             // z^11
        let z2_5_0 = z11.squared * z9                 // z^(2^5 − 1) = z^31
        let z2_10_0 = z2_5_0.squared(times: 5) * z2_5_0
        let z2_20_0 = z2_10_0.squared(times: 10) * z2_10_0
        let z2_40_0 = z2_20_0.squared(times: 20) * z2_20_0
        let z2_50_0 = z2_40_0.squared(times: 10) * z2_10_0
        let z2_100_0 = z2_50_0.squared(times: 50) * z2_50_0
        let z2_200_0 = z2_100_0.squared(times: 100) * z2_100_0
        let z2_250_0 = z2_200_0.squared(times: 50) * z2_50_0
        let z6 = z2.squared * z2                      // z^6
        let chi = z2_250_0.squared(times: 4) * z6     // z^(2^254 − 10)
        return chi.isZero || chi == .one
    }
}
