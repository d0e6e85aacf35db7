import AssentCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Replays a log over its read path (C2SP tlog-tiles) the way an outside auditor would, and
/// checks every rule that can be checked from there:
///
/// - the checkpoint's signature by the log key;
/// - every leaf, by `LogReplay`: canonical JSON, statement signatures, type rules, the hash
///   chain, times never decreasing, the intake rules at the leaf's time (the widest clock window;
///   with `operators` given, enrollments and mandates signed by one of them);
/// - every erasure names a statement earlier in the log that carries commitments and is signed
///   by one who may erase it (`Admission.checkErasure`). The log's operator keys are `operators`
///   when given (the node publishes them; a rotated key signs nothing in the log before it
///   erases), otherwise inferred: the keys that signed the log's enrollments and mandates. An
///   erasure by a key outside the inferred set fails naming the key and suggesting `--operator`;
/// - the Merkle root of the leaves against the checkpoint, and that it ends with an epoch leaf;
/// - every epoch leaf's state-map root, recomputed from the leaves before it (`MapReplay`,
///   docs/state-map.md): a difference fails naming the epoch leaf. Logs written before the node
///   kept its map carry zero roots in their older epochs, and fail here, at the first of them;

/// - every hash tile, of every level: equal to the tile recomputed from the leaves, and accepted
///   by an `AuthenticatedTileReader` against the checkpoint alone (what a mirror relies on);
/// - optionally, receipts: each verifies and names the leaf holding its statement, and every
///   checkpoint they carry is consistent with the log.
///
/// `fetch` gets a path relative to the node's base URL (`checkpoint`, `tile/0/000`, …) and
/// returns the body of a 200 reply, or throws. The first failure ends the audit.
public struct LogAudit {
    public typealias Fetch = (String) async throws -> [UInt8]

    public let logKey: NoteVerifierKey
    /// The log's operator keys as its operator publishes them; nil: inferred from the log.
    public let operators: Set<PublicKey>?
    let fetch: Fetch
    /// Called after every 100 entry bundles with (leaves replayed, leaves in the checkpoint).
    var progress: (UInt64, UInt64) -> Void

    public init(logKey: NoteVerifierKey, operators: Set<PublicKey>? = nil, fetch: @escaping Fetch,
                progress: @escaping (UInt64, UInt64) -> Void = { _, _ in }) {
        self.logKey = logKey
        self.operators = operators
        self.fetch = fetch
        self.progress = progress
    }

    public struct Summary: Sendable {
        public var checkpoint: Checkpoint
        public var statements = 0
        public var epochs = 0
        /// Keys of the state map recomputed from the leaves (every epoch's root was checked).
        public var mapKeys = 0
        public var tiles = 0
        public var receipts = 0
        /// Distinct checkpoints the receipts carried.
        public var receiptCheckpoints = 0
        /// The operator keys erasures were checked against, and whether they were inferred from
        /// the log (no `operators` given) rather than given.
        public var operators: Set<PublicKey> = []
        public var operatorsInferred = true
    }

    /// Runs the audit. `receipts` are lines `{"receipt": tlog-proof text, "statement": signed statement}`, as `assent-load` writes them.
    public func run(receipts: [Substring]? = nil) async throws(AuditFailure) -> Summary {
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: String(decoding: try await fetch("checkpoint"), as: UTF8.self))
            checkpoint = try Checkpoint.verified(note, logKey: logKey)
        } catch let error as AuditFailure { throw error } catch { throw AuditFailure("checkpoint: \(error)") }
        var summary = Summary(checkpoint: checkpoint)

        // Every per-leaf rule (form, signatures, chain, times, intake and erasure rules, map
        // roots) is `LogReplay`'s, the replay the replicator runs on a peer's log too.
        var replay = LogReplay(origin: checkpoint.origin, operators: operators, replayMap: true)
        var leafHashes = [Hash]()
        var statementAt = [UInt64: Hash]()
        var epochs = Set<UInt64>()
        // Hash tiles as the node serves them, each compared with the tile the leaves give.
        var edge = TileEdge()
        var served = [Tile: [UInt8]]()
        for (n, tile) in Tile.entryTiles(forTreeSize: checkpoint.size).enumerated() {
            let entries: [[UInt8]]
            do { entries = try EntryBundle.decode(try await fetch(tile.entriesPath)) } catch { throw AuditFailure("\(tile.entriesPath): \(error)") }
            guard entries.count == tile.width else { throw AuditFailure("\(tile.entriesPath): \(entries.count) entries, expected \(tile.width)") }
            let first = leafHashes.count
            for entry in entries {
                let leaf: LogLeaf
                do { leaf = try replay.append(bytes: entry) } catch { throw AuditFailure("\(error)") }
                leafHashes.append(leaf.leafHash)
                if let s = leaf.statement { statementAt[leaf.index] = s.hash } else { epochs.insert(leaf.index) }
            }
            for (tile, recomputed) in edge.append(leafHashes[first...]) where !tile.isPartial {
                served[tile] = try await fetchTile(tile, recomputed: recomputed)
            }
            if (n + 1) % 100 == 0 { progress(UInt64(leafHashes.count), checkpoint.size) }
        }
        do { try replay.finish() } catch { throw AuditFailure("\(error)") }
        summary.statements = replay.statements
        summary.operators = operators ?? replay.inferredOperators
        summary.operatorsInferred = operators == nil
        guard edge.rootHash == checkpoint.root else {
            throw AuditFailure("root of the \(checkpoint.size) leaves is \(edge.rootHash), the checkpoint says \(checkpoint.root)")
        }
        guard checkpoint.size == 0 || epochs.contains(checkpoint.size - 1) else {
            throw AuditFailure("checkpoint size \(checkpoint.size) does not end with an epoch leaf")
        }
        for (tile, recomputed) in edge.partialTiles {
            served[tile] = try await fetchTile(tile, recomputed: recomputed)
        }
        // The same tiles once more, now trusting only the signed checkpoint: what a mirror or a
        // client that reads tiles instead of leaves relies on.
        let fetched = served
        let reader = AuthenticatedTileReader(checkpoint: checkpoint) { tile in
            guard let bytes = fetched[tile] else { throw TileError.notInTree(level: tile.level, index: tile.index, size: checkpoint.size) }
            return bytes
        }
        for tile in Tile.tiles(forTreeSize: checkpoint.size) {
            do { _ = try reader.tile(level: tile.level, index: tile.index) } catch { throw AuditFailure("\(tile.path): \(error)") }
        }
        summary.tiles = served.count
        summary.epochs = epochs.count
        summary.mapKeys = replay.mapKeys

        if let receipts {
            var checkpointSizes = [UInt64: Hash]()
            for (n, line) in receipts.enumerated() {
                let receipt: Receipt
                let statement: SignedStatement
                do {
                    let item = try CanonicalJSON.parse(String(line))
                    guard case let .string(text)? = item["receipt"], let s = item["statement"] else {
                        throw AuditFailure("needs {\"receipt\": tlog-proof text, \"statement\": signed statement}")
                    }
                    receipt = try Receipt(text: text)
                    statement = try SignedStatement(json: s)
                } catch { throw AuditFailure("receipt line \(n + 1): \(error)") }
                let verified: Receipt.Verified
                do { verified = try receipt.verify(statement: statement, logKey: logKey) } catch {
                    throw AuditFailure("receipt line \(n + 1) does not verify: \(error)")
                }
                guard receipt.index < checkpoint.size, statementAt[receipt.index] == statement.hash,
                      leafHashes[Int(receipt.index)] == verified.leaf.leafHash
                else { throw AuditFailure("receipt line \(n + 1): statement \(statement.hash) is not at index \(receipt.index) of the log") }
                let cp = verified.checkpoint
                if let seen = checkpointSizes[cp.size], seen != cp.root {
                    throw AuditFailure("two signed checkpoints for size \(cp.size) with different roots")
                }
                checkpointSizes[cp.size] = cp.root
                summary.receipts += 1
            }
            // Every checkpoint a receipt carried must be a prefix of the log we replayed, and end with an epoch.
            for (size, root) in checkpointSizes.sorted(by: { $0.key < $1.key }) {
                guard size <= checkpoint.size else { throw AuditFailure("a receipt's checkpoint (size \(size)) is newer than the log's") }
                guard MerkleTree.rootHash(leafHashes: Array(leafHashes[..<Int(size)])) == root else {
                    throw AuditFailure("checkpoint of size \(size) conflicts with the log: different root")
                }
                guard epochs.contains(size - 1) else { throw AuditFailure("checkpoint of size \(size) does not end with an epoch leaf") }
            }
            summary.receiptCheckpoints = checkpointSizes.count
        }
        return summary
    }

    /// Fetches a hash tile and compares it with the one recomputed from the leaves, naming the
    /// first hash that differs and the leaf or lower tile it should be the hash of.
    private func fetchTile(_ tile: Tile, recomputed: [UInt8]) async throws(AuditFailure) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try await fetch(tile.path) } catch { throw AuditFailure("\(tile.path): \(error)") }
        guard bytes.count == recomputed.count else {
            throw AuditFailure("\(tile.path) has \(bytes.count) bytes, expected \(recomputed.count)")
        }
        guard bytes != recomputed else { return bytes }
        let position = stride(from: 0, to: bytes.count, by: 32).first { bytes[$0..<($0 + 32)] != recomputed[$0..<($0 + 32)] } ?? 0
        let index = tile.index * 256 + UInt64(position / 32)
        let below = tile.level == 0 ? "leaf \(index)" : Tile(level: tile.level - 1, index: index).path
        let held = Hash(bytes: Array(bytes[position..<(position + 32)])) ?? .zero
        let computed = Hash(bytes: Array(recomputed[position..<(position + 32)])) ?? .zero
        throw AuditFailure("\(tile.path) holds \(held) at position \(position / 32), but \(below) hashes to \(computed)")
    }
}

public struct AuditFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = "audit failed: \(description)" }
}

extension LogAudit {
    /// An HTTP client for reading a log (`LogReadClient.makeHTTPClient`). The caller shuts it down.
    public static func makeHTTPClient() -> HTTPClient { LogReadClient.makeHTTPClient() }

    /// A `Fetch` over HTTP (`LogReadClient.fetch`).
    public static func httpFetch(base: String, client: HTTPClient) -> Fetch {
        let fetch = LogReadClient.fetch(base: base, client: client)
        return { try await fetch($0) }
    }
}
