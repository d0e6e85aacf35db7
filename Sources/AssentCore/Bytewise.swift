/// Identity is bytes (PROTOCOL §2). Swift's `String ==`, `<` and hashing follow Unicode
/// canonical equivalence: `"é"` (U+00E9) and `"e\u{301}"` (U+0065 U+0301) are equal
/// Strings, one Dictionary key, one Set member. Identifiers, origins, key names and JSON
/// member names are compared with these functions instead, which look at the UTF-8 bytes:
/// what is hashed, signed and logged, and what a client in any other language compares.
public enum Bytewise {
    /// True when `a` and `b` have the same UTF-8 bytes.
    public static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        // Native strings keep their UTF-8 contiguous: compare the buffers, not two iterators.
        let contiguous: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in x.count == y.count && x.elementsEqual(y) }
        }
        if let answer = contiguous ?? nil { return answer }
        return a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// Feeds the UTF-8 bytes of `s` (and their count, so that no two strings feed the same
    /// sequence) to `hasher`: the hash that goes with `equal`.
    public static func hash(_ s: some StringProtocol, into hasher: inout Hasher) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
        if done == nil {
            let bytes = Array(s.utf8)
            hasher.combine(bytes.count)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// Orders by UTF-8 bytes (which is also the order of code points).
    public static func precedes(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
