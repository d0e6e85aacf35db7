/// The `iscc` work identifier scheme (PROTOCOL §2): an International Standard Content Code
/// (ISO 24138), checked as iscc-core checks it.
///
/// An optional `ISCC:` label (either case), then unpadded RFC 4648 base32 (A-Z, 2-7) of a
/// possible length, upper-cased. The decoded header (variable-length nibbles: MainType,
/// SubType, Version, Length) must name a known MainType (0 META … 7 FLAKE), a SubType defined
/// for it, version 0 (so ISCC-ID v1 is refused), and a length field valid for the MainType;
/// the body must be exactly as long as the header says: units (n+1)·32 bits; ISCC-CODE 128
/// bits (Data + Instance) plus 64 per optional unit flagged in the length field (256 for
/// WIDE); ISCC-ID 64 bits plus n counter bytes. Bit lengths outside iscc-core's table (32,
/// 64, 72, 80, 96, 128, 160, 192, 224, 256, 320) are refused. Finally the unused trailing
/// bits of the base32 text must be zero (else two spellings would denote one code). Normal
/// form `ISCC:` + upper-case base32. Hyphen-joined unit sequences are not composed into an
/// ISCC-CODE; they are refused.
enum ISCC {
    static func normalize(_ raw: String) throws(WorkIDError) -> String {
        var rest = ASCII.trim(raw)
        if ASCII.uppercased(rest.prefix(5)) == "ISCC:" { rest = rest.dropFirst(5) }
        let code = ASCII.uppercased(rest)
        let form = "ISCC: followed by unpadded base32 (A-Z, 2-7)"
        guard !code.isEmpty else { throw .badShape(scheme: .iscc, value: raw, expected: form) }
        var values = [Int]()
        for c in code {
            guard let v = base32Value(c) else {
                throw .badCharacter(scheme: .iscc, value: raw, character: c, expected: "a base32 character A-Z or 2-7")
            }
            values.append(v)
        }
        guard let (bytes, trailingBitsAreZero) = decodeBase32(values) else {
            throw .badShape(scheme: .iscc, value: raw, expected: "unpadded base32 of a possible length (not 1, 3 or 6 modulo 8)")
        }
        try ISCCHeader.check(bytes, raw: raw)
        // Non-zero unused bits would give a second spelling of the same code.
        guard trailingBitsAreZero else {
            throw .badShape(scheme: .iscc, value: raw, expected: "canonical base32 (unused trailing bits zero)")
        }
        return "ISCC:" + code
    }

    /// Decodes unpadded RFC 4648 base32 given as 5-bit values; nil for an impossible length.
    private static func decodeBase32(_ values: [Int]) -> (bytes: [UInt8], trailingBitsAreZero: Bool)? {
        var bytes: [UInt8] = []
        var buffer = 0
        var bits = 0
        for v in values {
            buffer = (buffer << 5) | v
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> bits) & 0xFF))
                buffer &= (1 << bits) - 1
            }
        }
        guard bits < 5 else { return nil }
        return (bytes, buffer == 0)
    }

    private static func base32Value(_ c: Character) -> Int? {
        guard c.unicodeScalars.count == 1, let a = c.asciiValue else { return nil }
        switch a {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(a - UInt8(ascii: "A"))
        case UInt8(ascii: "2")...UInt8(ascii: "7"): return Int(a - UInt8(ascii: "2")) + 26
        default: return nil
        }
    }
}

/// An ISCC header (ISO 24138, as implemented by iscc-core): MainType, SubType, Version and
/// Length, each a variable-length nibble.
enum ISCCHeader {
    static let mainTypeNames = ["META", "SEMANTIC", "CONTENT", "DATA", "INSTANCE", "ISCC", "ID", "FLAKE"]
    /// Number of SubTypes defined per MainType (version 0).
    static let subTypeCounts = [1, 5, 5, 1, 1, 8, 4, 1]
    /// Body bit lengths that iscc-core's `LN` table allows.
    static let validBodyBits: Set<Int> = [32, 64, 72, 80, 96, 128, 160, 192, 224, 256, 320]

    static let iscc = 5, id = 6, wide = 7

    static func name(_ mainType: Int) -> String {
        mainTypeNames.indices.contains(mainType) ? mainTypeNames[mainType] : String(mainType)
    }

    static func check(_ bytes: [UInt8], raw: String) throws(WorkIDError) {
        var reader = BitReader(bytes: bytes)
        var fields: [Int] = []
        for _ in 0..<4 {
            guard let v = reader.readVarnibble() else {
                throw .badShape(scheme: .iscc, value: raw, expected: "a complete ISCC header (MainType, SubType, Version, Length)")
            }
            fields.append(v)
        }
        if reader.position % 8 == 4 {
            guard reader.read(4) == 0 else {
                throw .badShape(scheme: .iscc, value: raw, expected: "an ISCC header padded with zero bits")
            }
        }
        let (mainType, subType, version, length) = (fields[0], fields[1], fields[2], fields[3])
        guard mainType < mainTypeNames.count else {
            throw .unknownISCCMainType(value: raw, mainType: mainType)
        }
        guard version == 0 else {
            throw .unsupportedISCCVersion(value: raw, mainType: mainType, version: version)
        }
        guard subType < subTypeCounts[mainType] else {
            throw .unknownISCCSubType(value: raw, mainType: mainType, subType: subType)
        }
        let bodyBits: Int
        switch mainType {
        case iscc where subType == wide:
            bodyBits = 256  // 128-bit Data-Code + 128-bit Instance-Code
        case iscc:
            // Length field flags the optional 64-bit units (META, SEMANTIC, CONTENT);
            // DATA and INSTANCE are always present.
            guard length < 8 else {
                throw .badISCCLengthField(value: raw, mainType: mainType, lengthField: length)
            }
            bodyBits = 128 + 64 * length.nonzeroBitCount
        case id:
            bodyBits = 64 + 8 * length  // 64-bit body plus counter bytes
        default:
            bodyBits = (length + 1) * 32
        }
        guard validBodyBits.contains(bodyBits) else {
            throw .badISCCLengthField(value: raw, mainType: mainType, lengthField: length)
        }
        let bodyBytes = bytes.count - reader.position / 8
        guard bodyBytes == bodyBits / 8 else {
            throw .badISCCBodyLength(value: raw, expectedBytes: bodyBits / 8, foundBytes: bodyBytes)
        }
    }
}

/// Reads bits most significant first, for the ISCC header.
struct BitReader {
    let bytes: [UInt8]
    var position = 0

    mutating func read(_ count: Int) -> Int? {
        guard position + count <= bytes.count * 8 else { return nil }
        var v = 0
        for _ in 0..<count {
            let bit = (bytes[position / 8] >> (7 - UInt8(position % 8))) & 1
            v = (v << 1) | Int(bit)
            position += 1
        }
        return v
    }

    /// ISO 24138 variable-length nibble: 0xxx, 10xxxxxx, 110xxxxxxxxx, 1110xxxxxxxxxxxx.
    mutating func readVarnibble() -> Int? {
        guard let n = read(4) else { return nil }
        if n & 0b1000 == 0 { return n }
        if n & 0b0100 == 0 { return read(4).map { ((n & 0b11) << 4 | $0) + 8 } }
        if n & 0b0010 == 0 { return read(8).map { ((n & 0b1) << 8 | $0) + 72 } }
        if n & 0b0001 == 0 { return read(12).map { $0 + 584 } }
        return nil
    }
}
