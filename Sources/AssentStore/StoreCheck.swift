import AssentCore
import Foundation
import GRDB

/// `assent store check`: verifies a whole store offline, trusting nothing in it but the log
/// keys of its `logs` table.
///
/// For each log: every leaf parses (`LogLeaf`, statement signatures included) and continues
/// the hash chain (`ChainVerifier`); every leaf hashes to its place in its stored level-0 tile;
/// every tile of every level above, full or partial, equals the tile recomputed from the
/// leaves (`TileEdge`), and no other tile is stored; every stored checkpoint note is a note of
/// the recomputed tree at its size by the log's key (`Checkpoint.verifyNote`, the check the
/// store runs before storing a note) and ends with an epoch leaf (PROTOCOL §4); the latest
/// covers every leaf; every statement is in the statement index at its leaf, and the index
/// holds nothing else; every epoch leaf is in the epochs table with its time and map root, and
/// the table holds nothing else; the map records (`map_records`) give the root the latest
/// epoch leaf carries (unless that root is zero: an epoch written before the node kept its map).
///
/// The database is opened read-only (SQLite may create its `-wal` and `-shm` side files, never
/// write the database) and the whole check reads one snapshot, in one read transaction. A node
/// may be running on the same database meanwhile: WAL mode lets it keep appending, the check
/// sees the store as it was when it began, and the node's WAL cannot be checkpointed back into
/// the database until the check ends.
public enum StoreCheck {
    /// The database file in a node's data directory.
    public static let databaseFileName = "node.sqlite"
    /// Failures kept per log for the report; all are counted.
    public static let failuresKept = 100
    /// Progress is reported after every this many leaves.
    public static let progressInterval: UInt64 = 65_536

    /// What a failure is about.
    public enum Kind: String, Sendable {
        case badLogRow = "bad-log-row"
        case leafMissing = "leaf-missing"
        case leafInvalid = "leaf-invalid"
        case chainBroken = "chain-broken"
        case leafNotInTile = "leaf-not-in-tile"
        case tileMismatch = "tile-mismatch"
        case tileMissing = "tile-missing"
        case tileWrongWidth = "tile-wrong-width"
        case tileExtra = "tile-extra"
        case leafExtra = "leaf-extra"
        case checkpointInvalid = "checkpoint-invalid"
        case checkpointNotAtEpoch = "checkpoint-not-at-epoch"
        case checkpointBeyondLog = "checkpoint-beyond-log"
        case leavesWithoutCheckpoint = "leaves-without-checkpoint"
        case statementIndex = "statement-index"
        case disclosureOrphan = "disclosure-orphan"
        /// The epochs table disagrees with the epoch leaves (a row missing, different, or extra).
        case epochIndex = "epoch-index"
        /// The map records do not give the root the latest epoch leaf carries.
        case mapRecords = "map-records"
    }

    /// One thing that is wrong, and where: the log, and the tile level and index, the leaf
    /// index or the checkpoint size it concerns.
    public struct Failure: Equatable, Sendable, CustomStringConvertible {
        public let origin: String
        public let kind: Kind
        public var level: Int?
        public var tile: UInt64?
        public var leaf: UInt64?
        public var checkpoint: UInt64?
        public let detail: String

        public var description: String {
            var place = [String]()
            if let level { place.append("level \(level)") }
            if let tile { place.append("tile \(tile)") }
            if let leaf { place.append("leaf \(leaf)") }
            if let checkpoint { place.append("checkpoint of size \(checkpoint)") }
            return "log \(origin)\(place.isEmpty ? "" : ", " + place.joined(separator: ", ")): \(detail)"
        }

        public var json: JSONValue {
            var o: [JSONKey: JSONValue] = ["log": .string(origin), "kind": .string(kind.rawValue), "detail": .string(detail)]
            if let level { o["level"] = .integer(Int64(level)) }
            if let tile { o["tile"] = .integer(json53(tile)) }
            if let leaf { o["leaf"] = .integer(json53(leaf)) }
            if let checkpoint { o["checkpoint"] = .integer(json53(checkpoint)) }
            return .object(o)
        }
    }

    /// What was checked in one log, and what failed.
    public struct LogReport: Sendable {
        public let origin: String
        public let role: String
        public var size: UInt64 = 0
        public var statements = 0
        public var epochs = 0
        public var tiles = 0
        public var checkpoints = 0
        /// The first `failuresKept` failures, in the order found.
        public var failures = [Failure]()
        public var failureCount = 0

        public var json: JSONValue {
            ["log": .string(origin), "role": .string(role), "size": .integer(json53(size)),
             "statements": .integer(Int64(statements)), "epochs": .integer(Int64(epochs)), "tiles": .integer(Int64(tiles)),
             "checkpoints": .integer(Int64(checkpoints)), "failureCount": .integer(Int64(failureCount)),
             "failures": .array(failures.map(\.json)), "ok": .bool(failureCount == 0)]
        }
    }

    public struct Report: Sendable {
        public let path: String
        public var logs = [LogReport]()

        public var ok: Bool { logs.allSatisfy { $0.failureCount == 0 } }
        public var failures: [Failure] { logs.flatMap(\.failures) }
        public var firstFailure: Failure? { logs.lazy.compactMap(\.failures.first).first }

        public var json: JSONValue {
            var o: [JSONKey: JSONValue] = ["database": .string(path), "ok": .bool(ok), "logs": .array(logs.map(\.json))]
            if let firstFailure { o["firstFailure"] = firstFailure.json }
            return .object(o)
        }

        public var text: String {
            var lines = ["store \(path): \(logs.count) log\(logs.count == 1 ? "" : "s")"]
            for log in logs {
                lines.append("log \(log.origin) (\(log.role)): \(log.size) leaves (\(log.statements) statements, \(log.epochs) epochs), "
                             + "\(log.tiles) tile\(log.tiles == 1 ? "" : "s"), \(log.checkpoints) checkpoint\(log.checkpoints == 1 ? "" : "s"): "
                             + (log.failureCount == 0 ? "OK" : "\(log.failureCount) failure\(log.failureCount == 1 ? "" : "s")"))
                for failure in log.failures { lines.append("  \(failure)") }
                if log.failureCount > log.failures.count { lines.append("  … and \(log.failureCount - log.failures.count) more") }
            }
            if ok {
                lines.append("every leaf, chain link, tile, checkpoint, statement index entry, epoch index entry and the map records' root: OK")
            }
            return lines.joined(separator: "\n")
        }
    }

    public struct Progress: Sendable {
        public let origin: String
        public let checked: UInt64
        public let total: UInt64
    }

    /// The database a path names: a node's data directory, or the database file itself.
    public static func databasePath(for path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return (path as NSString).appendingPathComponent(databaseFileName)
        }
        return path
    }

    /// Checks every log of the database at `path` (see `databasePath(for:)`). Throws only when
    /// the database cannot be read at all; everything wrong inside it is in the report.
    public static func run(path: String, progress: @escaping (Progress) -> Void = { _ in }) throws -> Report {
        let file = databasePath(for: path)
        guard FileManager.default.fileExists(atPath: file) else { throw StoreError.cannotOpen(path: file, "no such file") }
        var config = Configuration()
        config.readonly = true
        config.label = "assent-store-check"
        config.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: file, configuration: config) } catch {
            throw StoreError.cannotOpen(path: file, "\(error)")
        }
        return try queue.read { db in
            for table in ["logs", "leaves", "tiles", "checkpoints", "statements"] where try !db.tableExists(table) {
                throw StoreError.cannotOpen(path: file, "no \(table) table: not an Assent store")
            }
            var report = Report(path: file)
            for row in try Row.fetchAll(db, sql: "SELECT id, origin, vkey, role, size FROM logs ORDER BY id") {
                var checker = LogChecker(db: db, id: row["id"], origin: row["origin"], role: row["role"], progress: progress)
                try checker.check(vkey: row["vkey"], storedSize: row["size"])
                report.logs.append(checker.report)
            }
            return report
        }
    }
}

private func json53(_ n: UInt64) -> Int64 { Int64(min(n, UInt64(JSONValue.maxInteger))) }

/// The checks of one log, in one pass over its leaves in index order.
private struct LogChecker {
    let db: Database
    let id: Int64
    let origin: String
    let progress: (StoreCheck.Progress) -> Void
    var report: StoreCheck.LogReport

    /// The tree recomputed from the leaves, and leaf hashes not yet added to it.
    var edge = TileEdge()
    var pending = [Hash]()
    var chain: ChainVerifier
    /// Set after a leaf that does not parse: the next one restarts the chain.
    var resync = false
    var lastIsEpoch = false
    /// Stored checkpoints, by size, and the next one the leaves have not yet reached.
    var checkpoints: RowCursor?
    var nextCheckpoint: (size: Int64, note: String)?
    var latestCheckpoint: UInt64?
    /// The epochs table's row for an epoch leaf, and the latest epoch leaf read.
    var epochLookup: GRDB.Statement?
    var latestEpoch: (index: UInt64, root: Hash)?
    var epochRowsFound = 0

    init(db: Database, id: Int64, origin: String, role: String, progress: @escaping (StoreCheck.Progress) -> Void) {
        self.db = db
        self.id = id
        self.origin = origin
        self.progress = progress
        report = StoreCheck.LogReport(origin: origin, role: role)
        chain = ChainVerifier(origin: origin)
    }

    mutating func fail(_ kind: StoreCheck.Kind, level: Int? = nil, tile: UInt64? = nil, leaf: UInt64? = nil, checkpoint: UInt64? = nil,
                       _ detail: String) {
        report.failureCount += 1
        guard report.failures.count < StoreCheck.failuresKept else { return }
        report.failures.append(StoreCheck.Failure(origin: origin, kind: kind, level: level, tile: tile, leaf: leaf,
                                                  checkpoint: checkpoint, detail: detail))
    }

    func storedTile(level: Int, index: UInt64) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT hashes FROM tiles WHERE log = ? AND level = ? AND idx = ?",
                          arguments: [id, level, Int64(index)]).map { [UInt8]($0) }
    }

    mutating func check(vkey: String, storedSize: Int64) throws {
        guard storedSize >= 0 else { return fail(.badLogRow, "stored size \(storedSize) is negative") }
        let size = UInt64(storedSize)
        report.size = size
        let key: NoteVerifierKey
        do { key = try NoteVerifierKey(parsing: vkey) } catch { return fail(.badLogRow, "stored log key: \(error)") }
        guard key.name == origin else { return fail(.badLogRow, "stored log key is named \(key.name), not the origin") }

        checkpoints = try Row.fetchCursor(db, sql: "SELECT size, note FROM checkpoints WHERE log = ? ORDER BY size", arguments: [id])
        try advanceCheckpoints()
        try checkCheckpoints(key: key)
        let indexLookup = try db.cachedStatement(sql: "SELECT idx FROM statements WHERE log = ? AND hash = ?")
        epochLookup = try db.cachedStatement(sql: "SELECT time, map FROM epochs WHERE log = ? AND idx = ?")
        let tileCount = size / 256 + (size % 256 == 0 ? 0 : 1)
        tiles: for n in 0..<tileCount {
            let start = n * 256
            let end = min(start + 256, size)
            let tile = Tile(level: 0, index: n, width: Int(end - start))
            let stored = try storedTile(level: 0, index: n)
            if stored == nil { fail(.tileMissing, level: 0, tile: n, "\(tile.path) is not stored") }
            if let stored, stored.count != tile.width * 32 {
                fail(.tileWrongWidth, level: 0, tile: n, "\(tile.path) is stored with \(stored.count) bytes, expected \(tile.width * 32)")
            }
            let rows = try Row.fetchAll(db, sql: "SELECT idx, data FROM leaves WHERE log = ? AND idx >= ? AND idx < ? ORDER BY idx",
                                        arguments: [id, Int64(start), Int64(end)])
            for (i, row) in rows.enumerated() {
                let index = start + UInt64(i)
                guard (row["idx"] as Int64) == Int64(index) else {
                    fail(.leafMissing, level: 0, tile: n, leaf: index, "leaf \(index) is not stored; the rest of this log was not checked")
                    break tiles
                }
                try checkLeaf(index, bytes: [UInt8](row["data"] as Data), tile: tile, stored: stored, indexLookup: indexLookup)
                if nextCheckpoint?.size == Int64(index + 1) {
                    try flush()
                    try checkCheckpoints(key: key)
                }
            }
            if rows.count < tile.width {
                let missing = start + UInt64(rows.count)
                fail(.leafMissing, level: 0, tile: n, leaf: missing, "leaf \(missing) is not stored; the rest of this log was not checked")
                break tiles
            }
            try flush()
            if end % StoreCheck.progressInterval == 0 { progress(StoreCheck.Progress(origin: origin, checked: end, total: size)) }
        }
        guard edge.size == size else { return }
        progress(StoreCheck.Progress(origin: origin, checked: size, total: size))

        // The right edge: every partial tile above level 0, as recomputed.
        for (tile, hashes) in edge.partialTiles where tile.level > 0 {
            try compare(tile, recomputed: hashes)
        }
        if let next = nextCheckpoint {
            fail(.checkpointBeyondLog, checkpoint: UInt64(exactly: next.size),
                 "a checkpoint of size \(next.size) is stored, but the log has \(size) leaves")
        }
        // A mirror stores a long catch-up in chunks, each authenticated against the peer's signed
        // checkpoint of the final size but stored without a note of its own (`appendMirrored`):
        // its leaves beyond the latest note are the chunks of a catch-up not finished yet.
        if size > 0 && latestCheckpoint != size && report.role != LogRole.mirror.rawValue {
            fail(.leavesWithoutCheckpoint, leaf: latestCheckpoint ?? 0,
                 "leaves \(latestCheckpoint ?? 0)…\(size - 1) are covered by no stored checkpoint")
        }
        // Nothing is stored beyond the tree.
        let tiles = try Row.fetchAll(db, sql: "SELECT level, idx FROM tiles WHERE log = ? ORDER BY level, idx", arguments: [id])
        report.tiles = tiles.count
        for row in tiles {
            let level: Int = row["level"], index: Int64 = row["idx"]
            if let n = UInt64(exactly: index), Tile.at(level: level, index: n, treeSize: size) != nil { continue }
            fail(.tileExtra, level: level, tile: UInt64(exactly: index),
                 "a tile \(index) at level \(level) is stored, but a tree of \(size) leaves has none")
        }
        let extraLeaves = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leaves WHERE log = ? AND (idx >= ? OR idx < 0)",
                                           arguments: [id, Int64(size)]) ?? 0
        if extraLeaves > 0 { fail(.leafExtra, leaf: size, "\(extraLeaves) leaves are stored beyond the log's size \(size)") }
        let indexed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM statements WHERE log = ?", arguments: [id]) ?? 0
        if indexed != report.statements {
            fail(.statementIndex, "the statement index has \(indexed) entries, the log \(report.statements) statements")
        }
        // Disclosures only of statements this log holds, and none of a statement an erasure erased
        // (docs/protocol.md "Personal data": the deletion is in the erasure's own transaction).
        let orphans = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM disclosures d WHERE d.log = ?
            AND (NOT EXISTS (SELECT 1 FROM statements s WHERE s.log = d.log AND s.hash = d.hash)
                 OR EXISTS (SELECT 1 FROM erasures e WHERE e.log = d.log AND e.hash = d.hash))
            """, arguments: [id]) ?? 0
        if orphans > 0 { fail(.disclosureOrphan, "\(orphans) disclosures are of statements the log does not hold, or that an erasure erased") }
        try checkMap()
    }

    /// Leaf `index`: its hash against its stored level-0 tile, its parse, its chain link, its
    /// statement's index entry.
    mutating func checkLeaf(_ index: UInt64, bytes: [UInt8], tile: Tile, stored: [UInt8]?, indexLookup: GRDB.Statement) throws {
        var hash = MerkleTree.leafHash(bytes)
        let parsed = Result { () throws(LeafError) in try LogLeaf(bytes: bytes) }
        let position = Int(index % 256)
        if let stored, stored.count >= (position + 1) * 32 {
            let inTile = Hash(bytes: Array(stored[(position * 32)..<((position + 1) * 32)])) ?? .zero
            if inTile != hash {
                fail(.leafNotInTile, level: 0, tile: tile.index, leaf: index,
                     "leaf \(index) hashes to \(hash), but \(tile.path) holds \(inTile) at position \(position)")
                // A leaf that does not parse is the likelier culprit: then recompute the tree above
                // from the tile, so one bad leaf is one failure, not one per level and checkpoint.
                if case .failure = parsed { hash = inTile }
            }
        }
        var leaf: LogLeaf?
        switch parsed {
        case let .success(l): leaf = l
        case let .failure(error): fail(.leafInvalid, level: 0, tile: tile.index, leaf: index, "\(error)")
        }
        pending.append(hash)
        guard let leaf else {
            resync = true
            lastIsEpoch = false
            return
        }
        if resync {
            chain = ChainVerifier(origin: origin, continuingAfter: leaf)
            resync = false
        } else {
            do { try chain.append(leaf) } catch {
                fail(.chainBroken, level: 0, tile: tile.index, leaf: index, "\(error)")
                chain = ChainVerifier(origin: origin, continuingAfter: leaf)
            }
        }
        lastIsEpoch = leaf.isEpoch
        guard let statement = leaf.statement else {
            report.epochs += 1
            if case let .epoch(root, _) = leaf.content {
                latestEpoch = (index, root)
                try checkEpochRow(leaf, root: root, tile: tile)
            }
            return
        }
        report.statements += 1
        let indexed = try Int64.fetchOne(indexLookup, arguments: [id, Data(statement.hash.bytes)])
        if indexed != Int64(index) {
            fail(.statementIndex, leaf: index,
                 "statement \(statement.hash) is indexed at \(indexed.map { "leaf \($0)" } ?? "no leaf"), but logged at leaf \(index)")
        }
    }

    /// The epochs table's row for epoch leaf `leaf`: its time and map root (table `epochs`,
    /// "the epoch that speaks for T" reads it).
    mutating func checkEpochRow(_ leaf: LogLeaf, root: Hash, tile: Tile) throws {
        guard let epochLookup, let row = try Row.fetchOne(epochLookup, arguments: [id, Int64(leaf.index)]) else {
            return fail(.epochIndex, level: 0, tile: tile.index, leaf: leaf.index, "epoch leaf \(leaf.index) is not in the epochs table")
        }
        epochRowsFound += 1
        let time: Int64 = row["time"], map: Data = row["map"]
        if time != leaf.time.milliseconds || map != Data(root.bytes) {
            fail(.epochIndex, level: 0, tile: tile.index, leaf: leaf.index,
                 "the epochs table has epoch leaf \(leaf.index) at \(time) ms with map root \(map.base64EncodedString()), the leaf says \(leaf.time.milliseconds) ms and \(root.base64)")
        }
    }

    /// The epochs table holds only the log's epoch leaves, and the map records give the root the
    /// latest of them carries.
    mutating func checkMap() throws {
        let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM epochs WHERE log = ?", arguments: [id]) ?? 0
        if rows != epochRowsFound {
            fail(.epochIndex, "the epochs table has \(rows - epochRowsFound) rows that are no epoch leaf of the log")
        }
        try checkMapRows()
        guard let latestEpoch else { return }
        let root: Hash
        do { root = try StateMapStore.root(db: db, log: id, origin: origin) } catch {
            return fail(.mapRecords, "the map records cannot be read: \(error)")
        }
        // A zero root: an epoch written before the node kept its map (docs/protocol.md "State map
        // in the write path"); `assent audit` reports those epochs.
        if latestEpoch.root != .zero, root != latestEpoch.root {
            fail(.mapRecords, leaf: latestEpoch.index,
                 "the map records give root \(root.base64), but the latest epoch leaf \(latestEpoch.index) carries \(latestEpoch.root.base64)")
        }
    }

    /// Every `map_records` row agrees with its own record bytes: the tree (and so the root checked
    /// below, and the one checked at open) is built from the `key` and `value` columns, but state
    /// queries read the `record` bytes and find rows by the other columns, so a row whose bytes
    /// no longer hash to its value would be served while the root still matches
    /// (docs/state-map.md "Stored form": every column is computed from the record).
    mutating func checkMapRows() throws {
        // A store from before migration `v9-map-record-inputs` (the node adds them when it opens it) has no inputs to check.
        let hasInputs = try db.columns(in: "map_records").contains { $0.name == "inputs" }
        let rows = try Row.fetchCursor(db, sql: "SELECT subject, version, record, key, value, idx, time, work, party, \(hasInputs ? "inputs" : "NULL AS inputs") FROM map_records WHERE log = ? ORDER BY rowid",
                                       arguments: [id])
        while let row = try rows.next() {
            let bytes = [UInt8](row["record"] as Data)
            let idx: Int64 = row["idx"]
            let leaf = idx >= 0 ? UInt64(idx) : nil
            let record: MapRecord
            do { record = try MapRecord(bytes: bytes) } catch {
                fail(.mapRecords, leaf: leaf, "a map record made by leaf \(idx) cannot be read: \(error)")
                continue
            }
            let (work, party): (String?, Data?) = switch record {
            case let .work(w): (w.work.description, nil)
            case let .declaration(d): (d.work.description, Data(d.declarant.bytes))
            case let .party(p): (nil, Data(p.party.bytes))
            }
            let agrees = row["value"] as Data == Data(SHA256.hash(bytes).bytes)
                && row["key"] as Data == Data(record.key.bytes)
                && row["subject"] as Data == MapRecordStore.subjectID(record.subject)
                && row["version"] as Int64 == Int64(record.stamp.version)
                && idx == Int64(exactly: record.stamp.index)
                && row["time"] as Int64 == record.stamp.time.milliseconds
                && row["work"] as String? == work
                && row["party"] as Data? == party
            if !agrees {
                fail(.mapRecords, leaf: leaf, "the map_records row of version \(record.stamp.version) of \(record.subject) (leaf \(idx)) does not agree with its record bytes: its value, key or lookup columns are not the ones those bytes give")
                continue
            }
            guard hasInputs else { continue }
            // Decisions at a past T and the consent index read the inputs, not the record
            // (docs/state-map.md "Resolution inputs"): they must be the ones the record and the
            // leaves it references give (each leaf checked against the record's leaf hash).
            do {
                let made = try ConsentIndexStore.prepare([record], leaves: [], index: { _, _ in nil }, db: db, log: id, origin: origin)
                if made.map({ Data($0.inputs.bytes) }) != [row["inputs"] as Data? ?? Data()] {
                    fail(.mapRecords, leaf: leaf, "the resolution inputs stored with version \(record.stamp.version) of \(record.subject) (leaf \(idx)) are not the ones its record and the leaves it references give")
                }
            } catch {
                // A referenced leaf that is missing, unreadable or not the one the record names:
                // the leaf checks report it (or, for a record changed behind the store's back, the
                // value and root checks); the inputs are not compared then.
            }
        }
    }

    /// Adds the pending leaf hashes to the recomputed tree and compares every tile above level 0
    /// they complete (level 0 is compared leaf by leaf, as the leaves are read).
    mutating func flush() throws {
        for (tile, hashes) in edge.append(pending) where !tile.isPartial && tile.level > 0 {
            try compare(tile, recomputed: hashes)
        }
        pending.removeAll(keepingCapacity: true)
    }

    mutating func advanceCheckpoints() throws {
        nextCheckpoint = try checkpoints?.next().map { row -> (size: Int64, note: String) in (row["size"], row["note"]) }
    }

    /// Checks every stored checkpoint of the size the recomputed tree has reached: a note of
    /// that tree by the log's key, ending with an epoch leaf.
    mutating func checkCheckpoints(key: NoteVerifierKey) throws {
        while let next = nextCheckpoint {
            guard let size = UInt64(exactly: next.size) else {
                fail(.checkpointInvalid, "a checkpoint is stored with negative size \(next.size)")
                try advanceCheckpoints()
                continue
            }
            guard size == edge.size else { return }
            report.checkpoints += 1
            latestCheckpoint = size
            do { try Checkpoint(origin: origin, size: size, root: edge.rootHash).verifyNote(next.note, logKey: key) } catch {
                fail(.checkpointInvalid, checkpoint: size, "\(error)")
            }
            if size > 0 && !lastIsEpoch {
                fail(.checkpointNotAtEpoch, leaf: size - 1, checkpoint: size, "leaf \(size - 1) is not an epoch leaf (PROTOCOL §4)")
            }
            try advanceCheckpoints()
        }
    }

    /// Compares a stored tile above level 0 with the one recomputed from the leaves, naming the
    /// first position where they differ.
    mutating func compare(_ tile: Tile, recomputed: [UInt8]) throws {
        guard let stored = try storedTile(level: tile.level, index: tile.index) else {
            return fail(.tileMissing, level: tile.level, tile: tile.index, "\(tile.path) is not stored")
        }
        guard stored.count == recomputed.count else {
            return fail(.tileWrongWidth, level: tile.level, tile: tile.index,
                        "\(tile.path) is stored with \(stored.count) bytes, expected \(recomputed.count)")
        }
        guard stored != recomputed else { return }
        let position = stride(from: 0, to: stored.count, by: 32).first { stored[$0..<($0 + 32)] != recomputed[$0..<($0 + 32)] } ?? 0
        let child = Tile(level: tile.level - 1, index: tile.index * 256 + UInt64(position / 32))
        let held = Hash(bytes: Array(stored[position..<(position + 32)])) ?? .zero
        let computed = Hash(bytes: Array(recomputed[position..<(position + 32)])) ?? .zero
        fail(.tileMismatch, level: tile.level, tile: tile.index,
             "\(tile.path) holds \(held) at position \(position / 32), but \(child.path), recomputed from the leaves, hashes to \(computed)")
    }
}
