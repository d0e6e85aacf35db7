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
            if isEntries {
                guard let bundle = try store.entryBundle(tile) else { return .problem(.notFound("entry bundle \(tile.entriesPath)")) }
                let wantsGzip = request.headers[.acceptEncoding]?.contains("gzip") ?? false
                var headers: HTTPFields = [.cacheControl: CacheControl.immutable, .vary: "Accept-Encoding"]
                if wantsGzip, let compressed = Gzip.compress(bundle) {
                    headers[.contentEncoding] = "gzip"
                    return .bytes(compressed, contentType: "application/octet-stream", extra: headers)
                }
                return .bytes(bundle, contentType: "application/octet-stream", extra: headers)
            }
            guard let hashes = try store.tile(tile) else { return .problem(.notFound("tile \(tile.path)")) }
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
}
