/// The usage categories of PROTOCOL §3 and their parents: within one statement an
/// unstated category inherits its parent's value.
public enum UsageCategory: String, Sendable, CaseIterable {
    case tdm
    case trainAI = "train-ai"
    case trainGenAI = "train-genai"
    case aiInference = "ai-inference"
    case search

    public var parent: UsageCategory? {
        switch self {
        case .tdm: nil
        case .trainAI, .aiInference, .search: .tdm
        case .trainGenAI: .trainAI
        }
    }

    /// Category names are lower-case words joined by hyphens; unknown ones are kept.
    static func isWellFormed(_ name: String) -> Bool {
        let b = Array(name.utf8)
        guard let first = b.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"), b.count <= 64 else { return false }
        return b.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }
    }
}
