import AssentCore
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(value.canonicalBytes, status: status, contentType: "application/json")
    }

    static func problem(_ problem: Problem, extra: HTTPFields = [:]) -> Response {
        var headers = extra
        if let seconds = problem.retryAfter, headers[.retryAfter] == nil { headers[.retryAfter] = String(seconds) }
        return bytes(problem.json.canonicalBytes, status: HTTPResponse.Status(code: problem.status), contentType: "application/problem+json",
                     extra: headers)
    }

    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String, extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// tlog-tiles and PROTOCOL §8: tiles and bundles never change; the checkpoint does.
enum CacheControl {
    static let immutable = "public, max-age=31536000, immutable"
    static let none = "no-store"
}

extension HTTPField.Name {
    /// RFC 9530 §3: the digest of the selected representation (`GET /v1/federation`).
    static let reprDigest = HTTPField.Name("Repr-Digest")!
    /// Whether a submission's receipts stand on a checkpoint with the federation's witness
    /// quorum (docs/federation.md "Cosigning"): `met` or `below`, `cosignatures=<n>; quorum=<q>`.
    static let assentQuorum = HTTPField.Name("Assent-Quorum")!
}
