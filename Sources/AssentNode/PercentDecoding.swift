/// Strict percent-decoding (RFC 3986 §2.1): every `%` begins an escape of two hex digits, and
/// the bytes decoded must be UTF-8. `+` is a plus sign (this is not form encoding).
enum PercentDecoding {
    static func decode(_ text: some StringProtocol) -> String? {
        var out = [UInt8]()
        var bytes = Array(text.utf8)[...]
        out.reserveCapacity(bytes.count)
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case 0x30...0x39: b - 0x30
            case 0x41...0x46: b - 0x41 + 10
            case 0x61...0x66: b - 0x61 + 10
            default: nil
            }
        }
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "%") else {
                out.append(b)
                continue
            }
            guard let h = bytes.popFirst().flatMap(hex), let l = bytes.popFirst().flatMap(hex) else { return nil }
            out.append(h << 4 | l)
        }
        return String(validating: out, as: UTF8.self)
    }
}
