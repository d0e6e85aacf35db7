/// Local Contexts Traditional Knowledge and Biocultural label codes, written `TK-SS`, `BC-NC`, ...
public enum LocalContextsLabel {
    /// How much of an item is read before its format is judged: a well-formed code is at most 7
    /// bytes, and anything up to this bound is refused naming the format rather than a length.
    static let readBound = 64

    /// `TK-` or `BC-` and one to four ASCII capitals. Checked on the bytes: `String ==` would
    /// take "T\u{212A}" (KELVIN SIGN, canonically equivalent to K) for "TK".
    public static func isWellFormed(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard bytes.count >= 4, bytes.starts(with: "TK-".utf8) || bytes.starts(with: "BC-".utf8) else { return false }
        let letters = bytes.dropFirst(3)
        return letters.count <= 4 && letters.allSatisfy(ASCII.isUpper)
    }
}
