import AssentCore
import HTTPTypes
import Hummingbird
import Logging

/// An RFC 9457 problem detail: why a request, or one statement of a batch, was refused.
/// Its `type` is `urn:assent:problem:<reason>`; docs/protocol.md lists every reason.
public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every reason a node gives, with its title and HTTP status in one place.
    public enum Reason: String, Sendable, CaseIterable {
        case malformedJSON = "malformed-json"
        case notCanonical = "not-canonical"
        case badSignature = "bad-signature"
        case unknownType = "unknown-type"
        case invalidStatement = "invalid-statement"
        case tooLarge = "too-large"
        case batchTooLarge = "batch-too-large"
        case stale
        case future
        case notAuthorized = "not-authorized"
        case notEnrolled = "not-enrolled"
        case rateLimited = "rate-limited"
        case queueFull = "queue-full"
        case notLogged = "not-logged"
        case receiptUnavailable = "receipt-unavailable"
        case shuttingDown = "shutting-down"
        case badRequest = "bad-request"
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case requestTimeout = "request-timeout"
        case clientClosed = "client-closed"
        case busy
        case `internal`
        case personalDataInClear = "personal-data-in-clear"
        case badDisclosure = "bad-disclosure"
        case unknownStatement = "unknown-statement"
        case erasureNotAllowed = "erasure-not-allowed"
        case nothingToErase = "nothing-to-erase"
        case alreadyErased = "already-erased"
        // The witness (POST /add-checkpoint, C2SP tlog-witness v1.0.0 and PROTOCOL §8).
        case unknownLog = "unknown-log"
        case badLogSignature = "bad-log-signature"
        case inconsistentCheckpoint = "inconsistent-checkpoint"
        case notReplicated = "not-replicated"

        public var title: String {
            switch self {
            case .malformedJSON: "Statement is not valid JSON"
            case .notCanonical: "Statement is not canonical JSON"
            case .badSignature: "Signature does not verify"
            case .unknownType: "Unknown statement type"
            case .invalidStatement: "Statement breaks the type rules"
            case .tooLarge: "Too large"
            case .batchTooLarge: "Batch too large"
            case .stale: "Statement issued too long ago"
            case .future: "Statement issued in the future"
            case .notAuthorized: "Not signed by a trusted operator"
            case .notEnrolled: "Declarant is not enrolled"
            case .rateLimited: "Too many statements"
            case .queueFull: "Node is busy"
            case .notLogged: "Statement was not logged"
            case .receiptUnavailable: "Logged, but no receipt"
            case .shuttingDown: "Node is shutting down"
            case .badRequest: "Bad request"
            case .notFound: "Not found"
            case .methodNotAllowed: "Method not allowed"
            case .requestTimeout: "Request body too slow"
            case .clientClosed: "Client closed the connection"
            case .busy: "Node is busy"
            case .internal: "Internal error"
            case .personalDataInClear: "Personal data in clear text"
            case .badDisclosure: "Disclosure does not match the statement"
            case .unknownStatement: "No such statement in this log"
            case .erasureNotAllowed: "Not allowed to erase that statement"
            case .nothingToErase: "Nothing to erase"
            case .alreadyErased: "Statement already erased"
            case .unknownLog: "Not a log this witness witnesses"
            case .badLogSignature: "Checkpoint not signed by the log"
            case .inconsistentCheckpoint: "Checkpoint inconsistent with the one cosigned"
            case .notReplicated: "Log not replicated to that size yet"
            }
        }

        public var status: Int {
            switch self {
            case .malformedJSON, .notCanonical, .badSignature, .unknownType, .invalidStatement, .stale, .future, .badRequest,
                 .personalDataInClear, .badDisclosure, .unknownStatement, .nothingToErase: 400
            case .notAuthorized, .notEnrolled, .erasureNotAllowed, .badLogSignature: 403
            case .notFound, .unknownLog: 404
            case .methodNotAllowed: 405
            case .alreadyErased: 409
            case .requestTimeout: 408
            case .tooLarge, .batchTooLarge: 413
            case .inconsistentCheckpoint: 422
            case .rateLimited: 429
            // nginx's code for a client that went away: recorded in metrics, never sent.
            case .clientClosed: 499
            case .internal, .receiptUnavailable: 500
            case .queueFull, .notLogged, .shuttingDown, .busy, .notReplicated: 503
            }
        }
    }

    public let reason: Reason
    public let detail: String
    /// Seconds after which the client may try again (`Retry-After`), for 429 and 503.
    public let retryAfter: Int?

    /// The HTTP status when it is not the reason's own: only for client errors Hummingbird
    /// raises with a status of their own (411, 431, ...), passed on as `bad-request`.
    let statusOverride: Int?

    public init(_ reason: Reason, _ detail: String, retryAfter: Int? = nil) {
        self.reason = reason
        self.detail = detail
        self.retryAfter = retryAfter
        statusOverride = nil
    }

    init(badRequestWithStatus status: Int, _ detail: String) {
        reason = .badRequest
        self.detail = detail
        retryAfter = nil
        statusOverride = status
    }

    public var slug: String { reason.rawValue }
    public var title: String { reason.title }
    public var status: Int { statusOverride ?? reason.status }
    public var type: String { "urn:assent:problem:\(reason.rawValue)" }
    public var description: String { "\(status) \(title): \(detail)" }

    public var json: JSONValue {
        ["type": .string(type), "title": .string(title), "status": .integer(Int64(status)), "detail": .string(detail)]
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail) }
    /// A failure of the node, not of the request. The error's text stays in the node's log
    /// (under `reference`); the client gets only the reference, never internal text.
    static func internalError(_ error: Error, reference: String = RequestID().description,
                              logger: Logger = Problem.internalErrorLogger) -> Problem {
        logger.error("internal error", metadata: ["reference": .string(reference), "error": .string("\(error)")])
        return Problem(.internal, "the node failed to handle this request; its log has the details under reference \(reference)")
    }
    /// For internal errors met where no request's logger is at hand.
    static let internalErrorLogger = Logger(label: "assent.node")
    /// The request body, or a statement in it, is larger than the node accepts.
    static func tooLarge(_ detail: String) -> Problem { Problem(.tooLarge, detail) }
    /// The node is at one of its limits (connections, large bodies at once); try again after `Retry-After`.
    static func busy(_ detail: String) -> Problem { Problem(.busy, detail, retryAfter: 1) }
    /// Nothing of the statement was committed; the submitter may send it again.
    static func notLogged(_ detail: String) -> Problem { Problem(.notLogged, detail, retryAfter: 1) }

    /// Maps a statement's refusal to its problem.
    static func refusing(_ error: StatementError) -> Problem {
        switch error {
        case let .notJSON(e):
            if case .notCanonical = e.reason { return Problem(.notCanonical, "\(e)") }
            return Problem(.malformedJSON, "\(e)")
        case .badSignature: return Problem(.badSignature, "\(error)")
        case .unknownType: return Problem(.unknownType, "\(error)")
        case .tooLarge, .submissionTooLarge: return Problem(.tooLarge, "\(error)")
        case .personalDataInClear: return Problem(.personalDataInClear, "\(error)")
        case .badDisclosure: return Problem(.badDisclosure, "\(error)")
        default: return Problem(.invalidStatement, "\(error)")
        }
    }
}
