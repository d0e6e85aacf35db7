import AssentCore

/// A peer's hash tiles for the tree of one signed checkpoint, fetched as they are needed and
/// handed out only once `AuthenticatedTileReader` has proven them part of that tree (the idea
/// of golang.org/x/mod/sumdb/tlog's TileHashReader; C2SP tlog-tiles, tlog-mirror).
///
/// The reader's fetch is synchronous; fetching is not. So `run` tries its body against the
/// tiles fetched so far, and when the reader asks for one it does not have, fetches it and
/// tries again (the reader keeps what it checked, so each try goes further).
///
/// Memory: level-0 tiles are dropped by `forgetLevel0()` (a new reader then re-checks the
/// right edge and the parents it needs, from the higher tiles kept here: a 1,000,000-leaf tree
/// has 16 level-1 tiles and one level-2 tile).
final class PeerTiles {
    let checkpoint: Checkpoint
    private let fetch: LogReadClient.Fetch
    private var fetched: [Tile: [UInt8]] = [:]
    private var reader: AuthenticatedTileReader!
    /// Tiles fetched from the peer, for tests and metrics.
    private(set) var fetches = 0

    struct Missing: Error {
        let tile: Tile
    }

    init(checkpoint: Checkpoint, fetch: @escaping LogReadClient.Fetch) {
        self.checkpoint = checkpoint
        self.fetch = fetch
        reader = makeReader()
    }

    private func makeReader() -> AuthenticatedTileReader {
        AuthenticatedTileReader(checkpoint: checkpoint) { [unowned self] tile in
            guard let bytes = fetched[tile] else { throw Missing(tile: tile) }
            return bytes
        }
    }

    /// Runs `body` with the reader, fetching each tile it needs. A tile that fails its check
    /// throws the reader's `TileError` (naming the tile): nothing of it is used.
    func run<T>(_ body: (AuthenticatedTileReader) throws -> T) async throws -> T {
        // Each missing tile is one level further up a chain or one partial tile of the edge: a
        // tree of 2^64 leaves has 8 levels of tiles, so a body needing more is not progressing.
        for _ in 0..<64 {
            do { return try body(reader) } catch let missing as Missing {
                fetched[missing.tile] = try await fetch(missing.tile.path)
                fetches += 1
            }
        }
        throw TileError.notInTree(level: 0, index: 0, size: checkpoint.size)
    }

    /// Fetches `tiles` in a task of its own (a batch's level-0 tiles, read ahead beside its entry
    /// bundles); `adopt` then keeps what it got, unchecked until `run` or `leafHashes` reads it.
    /// Tiles kept already are not fetched again, nor partial ones: a partial tile is the right
    /// edge, which the reader fetches itself (`run`) the first time it checks any tile, and
    /// `forgetLevel0` keeps; read ahead, it was fetched twice when the next batch's read-ahead
    /// started before the reader's first check (a catch-up from zero in two batches).
    func fetchTask(_ tiles: [Tile]) -> Task<[(Tile, [UInt8])], Error> {
        let fetch = self.fetch
        let wanted = tiles.filter { fetched[$0] == nil && !$0.isPartial }
        return Task { Array(zip(wanted, try await LogReadClient.fetchAll(wanted.map(\.path), with: fetch))) }
    }

    /// Keeps tiles fetched by `fetchTask`, where none is kept yet (a tile kept was fetched for
    /// this tree already, and may have been checked). Each was fetched from the peer, kept or not.
    func adopt(_ tiles: [(Tile, [UInt8])]) {
        fetches += tiles.count
        for (tile, bytes) in tiles where fetched[tile] == nil { fetched[tile] = bytes }
    }

    /// The leaf hashes of level-0 tile `index` as the signed tree has them.
    func leafHashes(tile index: UInt64) async throws -> [Hash] {
        let bytes = try await run { try $0.tile(level: 0, index: index).hashes }
        return stride(from: 0, to: bytes.count, by: Hash.byteCount).compactMap { Hash(bytes: Array(bytes[$0..<($0 + Hash.byteCount)])) }
    }

    /// Drops the full level-0 tiles fetched and checked so far (bounded memory over a long
    /// catch-up); the partial ones of the right edge are kept, since each new reader checks the
    /// edge first.
    func forgetLevel0() {
        fetched = fetched.filter { $0.key.level > 0 || $0.key.isPartial }
        reader = makeReader()
    }
}
