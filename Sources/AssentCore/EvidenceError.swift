/// Why an evidence file is not evidence of a log's equivocation.
public enum EvidenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or value is not in the evidence format.
    case malformed(String)
    /// Note `index` (1 or 2) does not parse, or is not signed by the log's key.
    case badNote(index: Int, NoteError)
    /// The key given is not the log's (another name).
    case wrongKey(String)
    /// Both notes are the log's, but they do not conflict as the evidence says.
    case notConflicting(String)

    public var description: String {
        switch self {
        case let .malformed(why): "evidence: \(why)"
        case let .badNote(index, error): "evidence note \(index): \(error)"
        case let .wrongKey(why): "evidence: \(why)"
        case let .notConflicting(why): "evidence does not show a conflict: \(why)"
        }
    }
}
