import AssentCore
import Hummingbird

extension Node {
    /// The C2SP tlog-tiles read path, plus health and metrics.
    func addReadRoutes(to router: Router<BasicRequestContext>) {
        let store = self.store
        router.get("/checkpoint") { _, _ -> Response in
            guard let (_, note) = store.latestCheckpoint else { return .problem(.notFound("no checkpoint yet")) }
            return .bytes(Array(note.utf8), contentType: "text/plain; charset=utf-8", extra: [.cacheControl: CacheControl.none])
        }
        router.get("/tile/**") { request, context -> Response in
            let elements = context.parameters.getCatchAll()
            guard let (tile, isEntries) = Node.parseTilePath(elements) else {
                return .problem(.badRequest("not a tlog-tiles path: /tile/\(elements.joined(separator: "/"))"))
            }
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

    /// `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, in the one spelling tlog-tiles allows.
    static func parseTilePath(_ elements: [Substring]) -> (Tile, isEntries: Bool)? {
        guard let first = elements.first, elements.count >= 2 else { return nil }
        let rest = Array(elements.dropFirst())
        guard let (index, width) = Tile.parseIndexAndWidth(rest) else { return nil }
        if first == "entries" { return (Tile(level: 0, index: index, width: width), true) }
        guard let level = Int(first), (0...63).contains(level), String(level) == first else { return nil }
        return (Tile(level: level, index: index, width: width), false)
    }
}
