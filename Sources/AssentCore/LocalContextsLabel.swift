/// Local Contexts Traditional Knowledge and Biocultural label codes, written `TK-SS`, `BC-NC`, ...
public enum LocalContextsLabel {
    public static func isWellFormed(_ code: String) -> Bool {
        let parts = code.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0] == "TK" || parts[0] == "BC" else { return false }
        return (1...4).contains(parts[1].count) && parts[1].utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }
}
