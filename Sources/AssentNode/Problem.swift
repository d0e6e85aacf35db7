import AssentCore
import HTTPTypes
import Hummingbird
import Logging

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
    /// A failure of the node, not of the request. The error's text stays in the node's log
    /// (under `reference`); the client gets only the reference, never internal text.
    static func internalError(_ error: Error, reference: String = RequestID().description,
                              logger: Logger = Problem.internalErrorLogger) -> Problem {
        logger.error("internal error", metadata: ["reference": .string(reference), "error": .string("\(error)")])
        return Problem("internal", "Internal error", status: 500,
                       detail: "the node failed to handle this request; its log has the details under reference \(reference)")
    }
    /// For internal errors met where no request's logger is at hand.
    static let internalErrorLogger = Logger(label: "assent.node")
    /// The request body, or a statement in it, is larger than the node accepts.
    static func tooLarge(_ detail: String) -> Problem { Problem("too-large", "Request body too large", status: 413, detail: detail) }
    /// The node is at one of its limits (connections, large bodies at once); try again after `Retry-After`.
    static func busy(_ detail: String) -> Problem { Problem("busy", "Node is busy", status: 503, detail: detail) }
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
