/// Finds the byte ranges of the elements of a top-level JSON array without parsing them,
/// so that each statement of a batch is checked for canonical bytes on its own and gets
/// its own verdict. Returns nil when `bytes` is not an array.
enum BatchBody {
    static func elementRanges(_ bytes: [UInt8]) -> [Range<Int>]? {
        var i = 0
        func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        var ranges = [Range<Int>]()
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            skipSpace()
            return i == bytes.count ? [] : nil
        }
        while i < bytes.count {
            skipSpace()
            let start = i
            var depth = 0
            var inString = false
            while i < bytes.count {
                let b = bytes[i]
                if inString {
                    if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
                } else if b == UInt8(ascii: "\"") {
                    inString = true
                } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                    depth += 1
                } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    if depth == 0 { break }
                    depth -= 1
                } else if b == UInt8(ascii: ","), depth == 0 {
                    break
                }
                i += 1
            }
            guard i < bytes.count else { return nil }
            var end = i
            while end > start, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[end - 1]) { end -= 1 }
            guard end > start else { return nil }  // an empty element: `[a,]` or `[,`
            ranges.append(start..<end)
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            // Only `]` closes the array; a stray `}` at depth 0 makes the body malformed.
            guard bytes[i] == UInt8(ascii: "]") else { return nil }
            i += 1
            skipSpace()
            return i == bytes.count ? ranges : nil
        }
        return nil
    }
}
