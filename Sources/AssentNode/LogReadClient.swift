import AssentCore
import AsyncHTTPClient
import NIOCore

/// Reads a log's tlog-tiles paths over HTTP: what `assent audit` and the replicator share.
public enum LogReadClient {
    /// GETs `path` relative to a log's base URL and returns the body of a 200 reply, or throws.
    public typealias Fetch = @Sendable (String) async throws -> [UInt8]

    /// Fetches `paths` at once (a batch's entry bundles, or its hash tiles) and returns their
    /// bodies in the order of `paths`; the first failure fails all.
    static func fetchAll(_ paths: [String], with fetch: @escaping Fetch) async throws -> [[UInt8]] {
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (n, path) in paths.enumerated() { group.addTask { (n, try await fetch(path)) } }
            var got = [[UInt8]](repeating: [], count: paths.count)
            for try await (n, bytes) in group { got[n] = bytes }
            return got
        }
    }

    /// An HTTP client for reading a log. With decompression on, AsyncHTTPClient asks for gzip,
    /// and a bundle of repetitive statements inflates far more than the 25:1 that
    /// `HTTPClient.shared` allows (a few hundred valid statements of repeated text would stop
    /// an audit or a mirror for good). So the limit is on size instead: nothing a node serves can
    /// be larger than the largest possible bundle, 256 × (2 + 65,535) bytes. The caller shuts it down.
    ///
    /// Redirects are not followed: a peer is read at the URL the federation file gives, and a
    /// redirect would let a hostile peer point this node's requests at any other host (an
    /// internal address included). A 3xx reply is a failed fetch like any other non-200.
    public static func makeHTTPClient(connect: TimeAmount = .seconds(30), read: TimeAmount = .seconds(60)) -> HTTPClient {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: connect, read: read), connectionPool: .init(),
            decompression: .enabled(limit: .size(EntryBundle.maxBundleSize)))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A `Fetch` over HTTP: GET `base/path`; anything but 200, a body larger than what the path
    /// can hold (`replyLimit`), or a reply not complete within `timeout`, is an error naming the URL. A client
    /// with decompression enabled (as `makeHTTPClient` makes it) asks for gzip by itself, and
    /// entry bundles of JSON shrink several times.
    public static func fetch(base: String, client: HTTPClient, timeout: TimeAmount = .seconds(60)) -> Fetch {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        return { path in
            let url = base + "/" + path
            return try await within(.nanoseconds(timeout.nanoseconds), url: url) {
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: timeout)
                let limit = replyLimit(path)
                let body: ByteBuffer
                do { body = try await response.body.collect(upTo: limit) } catch is NIOTooManyBytesError {
                    throw LogReadError(url: url, "a reply of more than \(limit) bytes, the most \(path) can hold")
                }
                guard response.status == .ok else { throw LogReadError(url: url, "HTTP \(response.status.code)") }
                return Array(buffer: body)
            }
        }
    }

    /// The most bytes a reply for `path` may hold: a hash tile holds at most 256 hashes (C2SP
    /// tlog-tiles), so a peer cannot make a reader hold an entry bundle's worth of bytes (16 MiB)
    /// for each hash tile it reads, or reads ahead; anything else, the largest entry bundle.
    static func replyLimit(_ path: String) -> Int {
        path.hasPrefix("tile/") && !path.hasPrefix("tile/entries/") ? Tile.fullWidth * Hash.byteCount : EntryBundle.maxBundleSize
    }

    /// Runs `request` (a request and the reading of its whole reply) and throws when it has not
    /// finished within `timeout`, cancelling it. AsyncHTTPClient's deadline ends with the reply's
    /// head: a peer or witness that sends its headers, then trickles its body a byte at a time
    /// (each within the read timeout) or stalls it (a witness client has no read timeout), would
    /// otherwise hold the caller for ever.
    public static func within<T: Sendable>(_ timeout: Duration, url: String, _ request: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await request() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard case let value?? = try await group.next() else {
                throw LogReadError(url: url, "no complete reply within \(timeout)")
            }
            return value
        }
    }
}

/// A GET of a log's path that did not answer 200.
public struct LogReadError: Error, CustomStringConvertible {
    public let url: String
    public let reason: String
    init(url: String, _ reason: String) {
        self.url = url
        self.reason = reason
    }
    public var description: String { "GET \(url): \(reason)" }
}
