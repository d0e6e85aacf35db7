import AssentCore
import AssentStore
import Foundation
import GRDB
import XCTest

/// `assent store check` on real SQLite files: a store written by `LogStore`, then damaged
/// behind its back the way a disk or an intruder would.
final class StoreCheckTests: StoreTestCase {
    /// 600 leaves in three batches of 199 statements and an epoch: full level-0 tiles 0 and 1,
    /// a partial tile 2 of 88, a level-1 tile of 2, and checkpoints at 200, 400 and 600.
    func makeStore() throws {
        let store = try open()
        for round in 0..<3 {
            try store.append(try batch(store, statements: 199, offset: round * 1000), sign: sign)
        }
    }

    func check() throws -> StoreCheck.Report {
        try StoreCheck.run(path: directory.path)
    }

    func testAFreshStorePasses() throws {
        try makeStore()
        let peer = try NoteSigner(name: "peer.example/log", key: SigningKey(seed: [UInt8](repeating: 3, count: 32)))
        _ = try AssentDatabase(path: path).openLog(origin: "peer.example/log", verifierKey: peer.verifierKey, role: .mirror)
        let report = try check()
        XCTAssertTrue(report.ok, report.text)
        XCTAssertNil(report.firstFailure)
        XCTAssertEqual(report.path, path)
        XCTAssertEqual(report.logs.map(\.origin), [origin, "peer.example/log"])
        let log = report.logs[0]
        XCTAssertEqual(log.size, 600)
        XCTAssertEqual(log.statements, 597)
        XCTAssertEqual(log.epochs, 3)
        XCTAssertEqual(log.checkpoints, 3)
        XCTAssertEqual(log.tiles, 4)
        XCTAssertEqual(report.logs[1].size, 0)
        XCTAssertTrue(report.text.hasSuffix("every leaf, chain link, tile, checkpoint, statement index entry, epoch index entry and the map records' root: OK"), report.text)
        XCTAssertEqual(report.json["ok"], true)
    }

    /// Read-only: the database and its WAL hold the same bytes afterwards, with no node running
    /// and while a store (as a running node would) holds the database open. (SQLite may leave
    /// an empty `-wal` where there was none: a reader of a WAL database needs one.)
    func testTheCheckNeverWritesTheDatabase() throws {
        try makeStore()
        func files() -> [String: Data] {
            var out = [String: Data]()
            for suffix in ["", "-wal"] { out[suffix] = FileManager.default.contents(atPath: path + suffix) ?? Data() }
            return out
        }
        // With no node running,
        var before = files()
        XCTAssertTrue(try check().ok)
        XCTAssertEqual(files(), before)
        // and with one holding the database.
        let held = try open()
        before = files()
        XCTAssertTrue(try check().ok)
        XCTAssertEqual(files(), before)
        // The node goes on appending, and the next check sees it.
        try held.append(try batch(held, statements: 10, offset: 5000), sign: sign)
        XCTAssertEqual(try check().logs.first?.size, 611)
    }

    /// Disclosures belong to statements of the log, and none survive an erasure
    /// (docs/protocol.md "Personal data"): a row left behind or slipped in is reported.
    func testADisclosureOfNoLoggedStatementIsReported() throws {
        try makeStore()
        XCTAssertTrue(try check().ok)
        try sqlite("INSERT INTO disclosures (log, hash, field, salt, text) VALUES (1, zeroblob(32), '/note', zeroblob(16), 'left behind')")
        let report = try check()
        XCTAssertEqual(report.failures.map(\.kind), [.disclosureOrphan], report.text)
        XCTAssertEqual(report.firstFailure?.detail, "1 disclosures are of statements the log does not hold, or that an erasure erased")
    }

    func testATamperedLeafIsFoundAtItsIndex() throws {
        try makeStore()
        let original = try leafHash(300)
        try sqlite("UPDATE leaves SET data = CAST(replace(CAST(data AS TEXT), 'train-ai', 'train-xx') AS BLOB) WHERE idx = 300")
        let report = try check()
        XCTAssertFalse(report.ok)
        let first = try XCTUnwrap(report.firstFailure)
        XCTAssertEqual(first.kind, .leafNotInTile)
        XCTAssertEqual(first.level, 0)
        XCTAssertEqual(first.tile, 1)
        XCTAssertEqual(first.leaf, 300)
        XCTAssertTrue(first.description.hasPrefix("log test.example/log, level 0, tile 1, leaf 300: leaf 300 hashes to "), first.description)
        XCTAssertEqual(first.detail, "leaf 300 hashes to \(try leafHash(300)), but tile/0/001 holds \(original) at position 44")
        // The leaf is also refused on its own, and the index has one statement more than the
        // log now parses; the tree above is recomputed from the tile, so nothing else fails.
        XCTAssertEqual(report.failures.map(\.kind), [.leafNotInTile, .leafInvalid, .statementIndex])
    }

    /// The store checks only its right edge when it opens, so a node serves this store; the
    /// check finds the one hash that was changed.
    func testATamperedHashInAnOlderFullLevel0TileIsFound() throws {
        try makeStore()
        let original = try leafHash(5)
        try sqlite("UPDATE tiles SET hashes = substr(hashes, 1, 160) || zeroblob(32) || substr(hashes, 193) WHERE level = 0 AND idx = 0")
        XCTAssertNoThrow(try open(), "the store opens: the tampered tile is not on its right edge")
        let report = try check()
        XCTAssertEqual(report.failures.count, 1, report.text)
        let first = try XCTUnwrap(report.firstFailure)
        XCTAssertEqual(first.kind, .leafNotInTile)
        XCTAssertEqual(first.detail, "leaf 5 hashes to \(original), but tile/0/000 holds \(Hash.zero) at position 5")
        XCTAssertEqual(report.json["firstFailure"], ["log": .string(origin), "kind": "leaf-not-in-tile", "level": 0, "tile": 0, "leaf": 5,
                                                     "detail": .string(first.detail)])
    }

    func testATamperedLevel1TileIsFound() throws {
        try makeStore()
        try sqlite("UPDATE tiles SET hashes = substr(hashes, 1, 32) || zeroblob(32) WHERE level = 1 AND idx = 0")
        let report = try check()
        XCTAssertEqual(report.failures.count, 1, report.text)
        let first = try XCTUnwrap(report.firstFailure)
        XCTAssertEqual(first.kind, .tileMismatch)
        XCTAssertEqual(first.level, 1)
        XCTAssertEqual(first.tile, 0)
        let tile1 = MerkleTree.rootHash(leafHashes: try (256..<512).map { try leafHash($0) })
        XCTAssertEqual(first.detail, "tile/1/000.p/2 holds \(Hash.zero) at position 1, but tile/0/001, recomputed from the leaves, hashes to \(tile1)")
    }

    func testTamperedCheckpointsAreFound() throws {
        try makeStore()
        // A note for size 200 whose signature no longer verifies, and a validly signed note for
        // size 400 over another root.
        let stored = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT note FROM checkpoints WHERE size = 200") }
        let note200 = try SignedNote(parsing: try XCTUnwrap(stored))
        var signature = note200.signatures[0]
        signature = SignedNote.Signature(name: signature.name, keyID: signature.keyID, bytes: signature.bytes.map { $0 ^ 1 })
        try sqlite("UPDATE checkpoints SET note = ? WHERE size = 200", [SignedNote(text: note200.text, signatures: [signature]).serialized])
        try sqlite("UPDATE checkpoints SET note = ? WHERE size = 400", [try sign(Checkpoint(origin: origin, size: 400, root: .zero))])
        let report = try check()
        XCTAssertEqual(report.failures.map(\.kind), [.checkpointInvalid, .checkpointInvalid], report.text)
        XCTAssertEqual(report.failures.map(\.checkpoint), [200, 400])
        XCTAssertEqual(report.failures[0].description, "log test.example/log, checkpoint of size 200: signature by test.example/log does not verify")
        XCTAssertTrue(report.failures[1].detail.hasPrefix("bad checkpoint: note has root \(Hash.zero) for size 400, expected "), report.failures[1].detail)
    }

    func testAPathWithNoDatabaseIsRefused() {
        XCTAssertThrowsError(try StoreCheck.run(path: directory.appendingPathComponent("nothing").path)) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "checking an empty directory creates no database")
        XCTAssertThrowsError(try StoreCheck.run(path: directory.path))
    }

    /// The RFC 6962 hash of a stored leaf, from its bytes.
    func leafHash(_ index: Int) throws -> Hash {
        let stored = try DatabaseQueue(path: path).read { try Data.fetchOne($0, sql: "SELECT data FROM leaves WHERE idx = ?", arguments: [index]) }
        let data = try XCTUnwrap(stored)
        return MerkleTree.leafHash([UInt8](data))
    }
}

/// The epochs table and the map records against the leaves (issue 7).
extension StoreCheckTests {
    func testAnEpochRowMissingAlteredOrExtraIsReported() throws {
        try makeStore()
        try sqlite("UPDATE epochs SET map = zeroblob(32) WHERE idx = 399")
        try sqlite("DELETE FROM epochs WHERE idx = 199")
        try sqlite("INSERT INTO epochs (log, time, idx, map) VALUES (1, 0, 5, zeroblob(32))")
        let report = try check()
        XCTAssertEqual(report.failures.map(\.kind), [.epochIndex, .epochIndex, .epochIndex], report.text)
        XCTAssertEqual(report.failures.map(\.leaf), [199, 399, nil])
        XCTAssertEqual(report.failures.first?.detail, "epoch leaf 199 is not in the epochs table")
        XCTAssertEqual(report.failures.last?.detail, "the epochs table has 1 rows that are no epoch leaf of the log")
    }

    func testMapRecordsThatDoNotGiveTheLatestEpochsRootAreReported() throws {
        try makeStore()
        XCTAssertTrue(try check().ok)
        // A version dropped from the records (the tree at open would lack it).
        try sqlite("DELETE FROM map_records WHERE idx = 450")
        let report = try check()
        XCTAssertEqual(report.failures.map(\.kind), [.mapRecords], report.text)
        XCTAssertEqual(report.firstFailure?.leaf, 599)
        XCTAssertTrue(report.firstFailure?.detail.contains("but the latest epoch leaf 599 carries") == true, report.text)
    }
}
