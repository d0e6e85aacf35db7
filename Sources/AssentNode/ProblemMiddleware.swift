import Hummingbird
import NIOCore
import NIOHTTP1

/// Every refusal and every failure of a request leaves the node as an RFC 9457 problem
/// (`application/problem+json`), whichever layer raised it: a handler's `Problem`, Hummingbird's
/// own errors (no route, a body over the limit), or anything else, which becomes `internal`
/// with a reference to the node's log and none of the error's text.
///
/// It also refuses, before a byte of it is read, a body whose `Content-Length` is over
/// `maxBodyBytes`; a body without one is held to the same limit where it is collected.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int
    /// The methods the node answers on a path, for 405 and its `Allow` (RFC 9110 §15.5.6).
    let allowedMethods: @Sendable (String) -> [HTTPRequest.Method]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await answer(request, context: context, next: next)
        // A reply to HEAD has no content (RFC 9110 §9.3.2), problems included; its headers
        // (Content-Length among them) are those a GET would have had.
        return request.method == .head ? response.createHeadResponse() : response
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength], let length = Int(declared), length > maxBodyBytes {
            return .problem(.tooLarge(ProblemMiddleware.tooLargeDetail(maxBodyBytes)), extra: [.connection: "close"])
        }
        // The router drops empty path segments, so `/v1/statements/{hash}/` and `//v1/node` would
        // reach a route: every resource has one spelling (as a tile path has, tlog-tiles), so a
        // path with an empty segment is refused whatever route it resembles.
        if let why = ProblemMiddleware.emptySegment(request.uri.path) {
            return .problem(.badRequest(why))
        }
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return .problem(problem)
        } catch let error as ClientGone {
            return .problem(error.problem, extra: [.connection: "close"])
        } catch is NIOTooManyBytesError {
            // From `collect(upTo:)`: a body without a declared length went over the limit.
            // The connection is closed after the reply rather than reading the rest (RFC 9112 §9.6).
            return .problem(.tooLarge(ProblemMiddleware.tooLargeDetail(maxBodyBytes)), extra: [.connection: "close"])
        } catch let error as HTTPError {
            return problem(for: error, request: request, context: context)
        } catch let error as HTTPParserError {
            // Malformed HTTP framing: Hummingbird answers 400 and closes the connection itself;
            // answering here as well would put two responses on the wire.
            throw error
        } catch is ChannelError {
            // The connection went away under the handler (reading the body, mostly).
            return .problem(ClientGone.closed.problem)
        } catch is IOError {
            return .problem(ClientGone.closed.problem)
        } catch {
            return .problem(.internalError(error, reference: requestID(context), logger: context.logger))
        }
    }

    /// Why `path` is not the one spelling of a resource (an empty segment: `//`, or `/` at the end), or nil.
    static func emptySegment(_ path: String) -> String? {
        guard path != "/" else { return nil }
        if path.hasSuffix("/") { return "\(path.prefix(200)) ends with /; the node answers each resource under one path, without it" }
        if path.contains("//") { return "\(path.prefix(200)) has an empty segment (//); the node answers each resource under one path" }
        return nil
    }

    static func tooLargeDetail(_ limit: Int) -> String {
        "a request body may be at most \(limit) bytes; send a large batch as several requests"
    }

    private func problem(for error: HTTPError, request: Request, context: Context) -> Response {
        let path = request.uri.path
        switch error.status {
        case .notFound:
            let allowed = allowedMethods(path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                let allow = allowed.map(\.rawValue).joined(separator: ", ")
                return .problem(Problem(.methodNotAllowed, "\(path) answers \(allow), not \(request.method.rawValue)"), extra: [.allow: allow])
            }
            // A work id holds `/` (local:society/id, url:…): in a path it must be one segment.
            let hint = path.hasPrefix("/v1/works/") ? "; percent-encode the work id as one path segment (/ as %2F)" : ""
            return .problem(.notFound("no route for \(request.method.rawValue) \(path)\(hint)"))
        case .contentTooLarge:
            return .problem(.tooLarge(ProblemMiddleware.tooLargeDetail(maxBodyBytes)), extra: [.connection: "close"])
        default:
            if error.status.kind == .clientError {
                // Hummingbird's client-error messages describe the request, never the node.
                return .problem(Problem(badRequestWithStatus: error.status.code, error.body ?? error.status.reasonPhrase), extra: error.headers)
            }
            return .problem(.internalError(error, reference: requestID(context), logger: context.logger))
        }
    }

    private func requestID(_ context: Context) -> String {
        context.logger[metadataKey: "hb.request.id"]?.description ?? RequestID().description
    }
}
