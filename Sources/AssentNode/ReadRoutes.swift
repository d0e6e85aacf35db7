import AssentCore
import AssentStore
import Hummingbird

extension Node {
    /// The C2SP tlog-tiles read path of the node's own log, the same paths for each mirror under
    /// `/logs/<hex SHA-256 of origin>/` (PROTOCOL §8), plus health and metrics.
    func addReadRoutes(to router: Router<NodeRequestContext>) {
        let store = self.store
        let own = ServedLog(store: store, bundles: bundles)
        router.get("/checkpoint") { _, _ -> Response in own.checkpointResponse() }
        router.get("/tile/**") { request, _ -> Response in
            try await own.tileResponse(path: Substring(request.uri.path), request: request)
        }
        let mirrors = self.servedMirrors
        router.get("/logs/:log/checkpoint") { _, context -> Response in
            guard let log = mirrors[context.parameters.get("log") ?? ""] else { return ServedLog.unknownMirror(context.parameters.get("log")) }
            return log.checkpointResponse()
        }
        router.get("/logs/:log/tile/**") { request, context -> Response in
            let name = context.parameters.get("log") ?? ""
            guard let log = mirrors[name] else { return ServedLog.unknownMirror(name) }
            // The path as sent, after `/logs/<hex>` (`parseTilePath` says why not the router's split).
            let prefix = "/logs/\(name)"
            let path = request.uri.path
            guard path.hasPrefix(prefix + "/") else { return .problem(.badRequest("the path must be \(prefix)/tile/…")) }
            return try await log.tileResponse(path: path.dropFirst(prefix.count), request: request)
        }
        router.get("/healthz") { _, _ -> Response in
            .json(["status": "ok", "origin": .string(store.origin), "size": .integer(Int64(store.size))],
                  status: .ok)
        }
        let metrics = self.metrics
        router.get("/metrics") { _, _ -> Response in
            .bytes(metrics.render(size: store.size), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    /// The request's path as sent, not as the router split it: the router drops empty elements,
    /// so `//tile/0/000` and `/tile/0/000/` would reach this route. Only `/` and the one spelling
    /// `Tile.parse` accepts are served.
    static func parseTilePath(_ path: some StringProtocol) throws(TileError) -> (Tile, isEntries: Bool) {
        guard path.hasPrefix("/") else { throw .badPath(path: String(path), "does not start with /") }
        return try Tile.parse(path: path.dropFirst())
    }
}

/// A log served over the tlog-tiles read path: the node's own, or the mirror of a peer's. One
/// implementation for both, so a mirror reads exactly as its peer does (issue 8 §4).
struct ServedLog: Sendable {
    let store: LogStore
    /// gzip-encoded full entry bundles of this log, kept.
    let bundles: EntryBundleCache

    /// The mirror path segment of `origin`: the lowercase hex SHA-256 of its bytes (PROTOCOL §8).
    static func pathName(origin: String) -> String {
        SHA256.hash(Array(origin.utf8)).hex
    }

    static func unknownMirror(_ name: String?) -> Response {
        .problem(.notFound("no mirror at /logs/\(name?.prefix(64) ?? ""): the name is the hex SHA-256 of a peer log's origin (GET /v1/peers lists them)"))
    }

    func checkpointResponse() -> Response {
        guard let (_, note) = store.latestCheckpoint else { return .problem(.notFound("no checkpoint yet")) }
        return .bytes(Array(note.utf8), contentType: "text/plain; charset=utf-8", extra: [.cacheControl: CacheControl.none])
    }

    /// A hash tile or an entry bundle; `path` is the request's path from `/tile/` on.
    func tileResponse(path: Substring, request: Request) async throws -> Response {
        let tile: Tile, isEntries: Bool
        do { (tile, isEntries) = try Node.parseTilePath(path) } catch { return .problem(.badRequest("\(error)")) }
        if isEntries { return try await entryBundleResponse(tile, request: request) }
        guard let hashes = try await store.read({ try $0.tile(tile) }) else { return .problem(.notFound("tile \(tile.path)")) }
        return .bytes(hashes, contentType: "application/octet-stream", extra: [.cacheControl: CacheControl.immutable])
    }

    /// An entry bundle, gzip-encoded when the client's `Accept-Encoding` prefers it. A full
    /// bundle's gzip form is kept once made (`EntryBundleCache`), so serving it again reads nothing.
    func entryBundleResponse(_ tile: Tile, request: Request) async throws -> Response {
        var headers: HTTPFields = [.cacheControl: CacheControl.immutable, .vary: "Accept-Encoding"]
        let gzip = AcceptEncoding(request.headers[values: .acceptEncoding]).prefersGzip
        if gzip, !tile.isPartial, let kept = bundles.cached(tile.index) {
            headers[.contentEncoding] = "gzip"
            return .bytes(kept, contentType: "application/octet-stream", extra: headers)
        }
        guard let bundle = try await store.read({ try $0.entryBundle(tile) }) else {
            return .problem(.notFound("entry bundle \(tile.entriesPath)"))
        }
        if gzip, let compressed = await bundles.gzipped(tile, bundle: bundle) {
            headers[.contentEncoding] = "gzip"
            return .bytes(compressed, contentType: "application/octet-stream", extra: headers)
        }
        return .bytes(bundle, contentType: "application/octet-stream", extra: headers)
    }
}
