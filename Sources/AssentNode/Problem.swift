import AssentCore
import HTTPTypes

/// An RFC 9457 problem detail: why a request, or one statement of a batch, was refused.
public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable short name of the reason; the `type` URI is `urn:assent:problem:<slug>`.
    public let slug: String
    public let title: String
    public let status: Int
    public let detail: String

    public init(_ slug: String, _ title: String, status: Int, detail: String) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
    }

    public var type: String { "urn:assent:problem:\(slug)" }
    public var description: String { "\(status) \(title): \(detail)" }

    public var json: JSONValue {
        ["type": .string(type), "title": .string(title), "status": .integer(Int64(status)), "detail": .string(detail)]
    }

    static func badRequest(_ detail: String) -> Problem { Problem("bad-request", "Bad request", status: 400, detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem("not-found", "Not found", status: 404, detail: detail) }
    static func internalError(_ error: Error) -> Problem { Problem("internal", "Internal error", status: 500, detail: "\(error)") }
    /// Nothing of the statement was committed; the submitter may send it again.
    static func notLogged(_ detail: String) -> Problem { Problem("not-logged", "Statement was not logged", status: 503, detail: detail) }

    /// Maps a statement's refusal to its problem.
    static func refusing(_ error: StatementError) -> Problem {
        switch error {
        case let .notJSON(e):
            if case .notCanonical = e.reason { return Problem("not-canonical", "Statement is not canonical JSON", status: 400, detail: "\(e)") }
            return Problem("malformed-json", "Statement is not valid JSON", status: 400, detail: "\(e)")
        case .badSignature: return Problem("bad-signature", "Signature does not verify", status: 400, detail: "\(error)")
        case .unknownType: return Problem("unknown-type", "Unknown statement type", status: 400, detail: "\(error)")
        case .tooLarge: return Problem("too-large", "Statement too large", status: 413, detail: "\(error)")
        default: return Problem("invalid-statement", "Statement breaks the type rules", status: 400, detail: "\(error)")
        }
    }
}
