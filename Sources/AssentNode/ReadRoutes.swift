import AssentCore
import Hummingbird

extension Node {
    /// The C2SP tlog-tiles read path, plus health and metrics.
    func addReadRoutes(to router: Router<NodeRequestContext>) {
        let store = self.store
        router.get("/checkpoint") { _, _ -> Response in
            guard let (_, note) = store.latestCheckpoint else { return .problem(.notFound("no checkpoint yet")) }
            return .bytes(Array(note.utf8), contentType: "text/plain; charset=utf-8", extra: [.cacheControl: CacheControl.none])
        }
        router.get("/tile/**") { request, context -> Response in
            let tile: Tile, isEntries: Bool
            do { (tile, isEntries) = try Node.parseTilePath(request.uri.path) } catch { return .problem(.badRequest("\(error)")) }
            if isEntries { return try await self.entryBundleResponse(tile, request: request) }
            guard let hashes = try await store.read({ try $0.tile(tile) }) else { return .problem(.notFound("tile \(tile.path)")) }
            return .bytes(hashes, contentType: "application/octet-stream", extra: [.cacheControl: CacheControl.immutable])
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
    static func parseTilePath(_ path: String) throws(TileError) -> (Tile, isEntries: Bool) {
        guard path.hasPrefix("/") else { throw .badPath(path: path, "does not start with /") }
        return try Tile.parse(path: path.dropFirst())
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
