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

    /// At most this many categories outside this vocabulary per statement, each at most
    /// `maxUnknownBytes`: their names stay in clear in the permanent log (docs/data-protection.md).
    public static let maxUnknownPerStatement = 8
    public static let maxUnknownBytes = 32

    /// Category names are lower-case ASCII words joined by hyphens, at most 64 bytes; unknown
    /// ones are kept.
    public static let maxNameBytes = 64

    static func isWellFormed(_ name: String) -> Bool {
        guard let first = name.utf8.first, ASCII.isLower(first), name.utf8.count <= maxNameBytes else { return false }
        return name.utf8.allSatisfy { ASCII.isLower($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "-") }
    }
}
