import AssentCore
@testable import AssentStore
import Foundation
import GRDB
import XCTest

final class LogStoreTests: StoreTestCase {
    func testAppendedBatchesProveInclusionAndConsistencyAgainstSignedCheckpoints() throws {
        let store = try open()
        var checkpoints = [Checkpoint]()
        var all = [LogLeaf]()
        for round in 0..<4 {
            let leaves = try batch(store, statements: 150, offset: round * 1000)
            all += leaves
            checkpoints.append(try store.append(leaves, sign: sign).checkpoint)
        }
        XCTAssertEqual(store.size, 604)
        let expected = MerkleTree.rootHash(leafHashes: all.map(\.leafHash))
        XCTAssertEqual(checkpoints.last?.root, expected)
        for index in [0, 255, 256, 400, 603] {
            let proof = try store.inclusionProof(index: UInt64(index), size: 604)
            XCTAssertNoThrow(try proof.verify(leafHash: all[index].leafHash, root: expected))
        }
        for old in checkpoints.dropLast() {
            let proof = try store.consistencyProof(oldSize: old.size, newSize: 604)
            XCTAssertNoThrow(try proof.verify(oldRoot: old.root, newRoot: expected))
        }
    }

    func testTilesAndEntryBundlesRecomputeTheCheckpointRoot() throws {
        let store = try open()
        var all = [LogLeaf]()
        for round in 0..<3 {
            let leaves = try batch(store, statements: 199, offset: round * 1000)
            all += leaves
            try store.append(leaves, sign: sign)
        }
        let size = store.size
        XCTAssertEqual(size, 600)
        var leafHashes = [Hash]()
        for tile in Tile.tiles(forTreeSize: size) where tile.level == 0 {
            let bundle = try XCTUnwrap(try store.entryBundle(tile))
            let entries = try EntryBundle.decode(bundle)
            XCTAssertEqual(entries.count, tile.width)
            let hashes = try XCTUnwrap(try store.tile(tile))
            for (i, entry) in entries.enumerated() {
                XCTAssertEqual(MerkleTree.leafHash(entry).bytes, Array(hashes[(i * 32)..<(i * 32 + 32)]))
                leafHashes.append(MerkleTree.leafHash(entry))
            }
        }
        XCTAssertEqual(MerkleTree.rootHash(leafHashes: leafHashes), store.latestCheckpoint?.checkpoint.root)
        // A client that holds only the tiles gets the same root.
        let tiles = Dictionary(uniqueKeysWithValues: try Tile.tiles(forTreeSize: size).map { ("\($0.level)/\($0.index)", try store.tile($0)!) })
        let reader = TileHashReader { level, index in tiles["\(level)/\(index)"]! }
        XCTAssertEqual(try MerkleTree.treeHash(size: size, reader: reader), store.latestCheckpoint?.checkpoint.root)
        // Tiles and bundles beyond the tree are not served.
        XCTAssertNil(try store.tile(Tile(level: 0, index: 2, width: 89)))
        XCTAssertNil(try store.entryBundle(Tile(level: 0, index: 3, width: 1)))
    }

    func testReopenedStoreContinuesTheChain() throws {
        var store = try open()
        try store.append(try batch(store, statements: 10), sign: sign)
        let head = store.chainHead
        store = try open()
        XCTAssertEqual(store.size, 11)
        XCTAssertEqual(store.chainHead.prevHash, head.prevHash)
        try store.append(try batch(store, statements: 10, offset: 100), sign: sign)
        XCTAssertEqual(store.size, 22)
    }

    func testBatchThatBreaksTheChainIsRefusedAndNothingIsWritten() throws {
        let store = try open()
        try store.append(try batch(store, statements: 3), sign: sign)
        let good = try batch(store, statements: 3, offset: 10)
        let forged = try LogLeaf(index: good[0].index, origin: origin, prev: .zero, time: t0, content: good[0].content)
        XCTAssertThrowsError(try store.append([forged] + good.dropFirst(), sign: sign)) { error in
            XCTAssertTrue("\(error)".contains("index 4: prev hash does not match leaf 3"), "\(error)")
        }
        XCTAssertEqual(store.size, 4)
        XCTAssertEqual(try open().size, 4)
    }

    func testRefusalBySignerRollsBackTheBatch() throws {
        let store = try open()
        struct No: Error {}
        XCTAssertThrowsError(try store.append(try batch(store, statements: 3), sign: { _ in throw No() }))
        XCTAssertEqual(store.size, 0)
        XCTAssertEqual(try open().size, 0)
    }

    func testStatementsAreIndexedByHash() throws {
        let store = try open()
        let leaves = try batch(store, statements: 5)
        try store.append(leaves, sign: sign)
        XCTAssertEqual(try store.indexes(ofStatements: [leaves[3].statement!.hash, Hash.zero, leaves[0].statement!.hash]),
                       [leaves[3].statement!.hash: 3, leaves[0].statement!.hash: 0])
        XCTAssertEqual(try store.indexes(ofStatements: []), [:])
    }

    /// The statement filter is built from the table when a store opens: statements logged before
    /// are found by a store opened afterwards, and one that a failed batch tried to log is not.
    func testStatementsLoggedBeforeAreFoundAfterReopening() throws {
        var logged = [Hash]()
        do {
            let store = try open()
            let leaves = try batch(store, statements: 5)
            try store.append(leaves, sign: sign)
            logged = leaves.compactMap { $0.statement?.hash }
            struct No: Error {}
            let refused = try batch(store, statements: 3, offset: 100)
            XCTAssertThrowsError(try store.append(refused, sign: { _ in throw No() }))
            // Added to the filter before the commit that failed (a false positive now), never in the answer.
            let refusedHashes = refused.compactMap { $0.statement?.hash }
            XCTAssertTrue(store.statementFilter.withLock { filter in refusedHashes.allSatisfy { filter.mightContain($0) } })
            XCTAssertEqual(try store.indexes(ofStatements: refusedHashes), [:])
        }
        let reopened = try open()
        XCTAssertEqual(try reopened.indexes(ofStatements: logged + [Hash.zero]),
                       Dictionary(uniqueKeysWithValues: logged.enumerated().map { ($1, UInt64($0)) }))
    }

    func testStoreWhoseTreeDisagreesWithItsCheckpointRefusesToOpen() throws {
        do {
            let store = try open()
            try store.append(try batch(store, statements: 20), sign: sign)
        }
        // Corrupt one stored leaf hash behind the store's back.
        try sqlite("UPDATE tiles SET hashes = zeroblob(32) || substr(hashes, 33) WHERE level = 0 AND idx = 0")
        XCTAssertThrowsError(try open()) { error in
            guard case .treeMismatch = error as? StoreError else { return XCTFail("\(error)") }
        }
    }

    func testStoreWhoseRightEdgeTileIsShortRefusesToOpenAndNamesTheTile() throws {
        do {
            let store = try open()
            try store.append(try batch(store, statements: 20), sign: sign)
        }
        try sqlite("UPDATE tiles SET hashes = substr(hashes, 1, 320) WHERE level = 0 AND idx = 0")
        XCTAssertThrowsError(try open()) { error in
            XCTAssertEqual(error as? StoreError, .corrupt(origin: origin,
                "cannot load the right edge: tile tile/0/000.p/21 has 320 bytes, expected 672 (21 hashes)"))
        }
    }

    func testStoreWithATamperedLeafRefusesToOpen() throws {
        do {
            let store = try open()
            try store.append(try batch(store, statements: 20), sign: sign)
        }
        try sqlite("UPDATE leaves SET data = CAST(replace(CAST(data AS TEXT), 'train-ai', 'train-xx') AS BLOB) WHERE idx = 5")
        XCTAssertThrowsError(try open()) { error in
            XCTAssertEqual(error as? StoreError, .tileMismatch(origin: origin, index: 5))
        }
    }

    func testOneDatabaseHoldsOwnLogAndMirrors() throws {
        let db = try AssentDatabase(path: path)
        _ = try db.openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
        let peerKey = try NoteSigner(name: "peer.example/log", key: SigningKey.generate())
        _ = try db.openLog(origin: "peer.example/log", verifierKey: peerKey.verifierKey, role: .mirror)
        XCTAssertEqual(try db.logs().map(\.origin), [origin, "peer.example/log"])
        XCTAssertThrowsError(try db.openLog(origin: "peer.example/log", verifierKey: logKey.verifierKey, role: .mirror))
    }

    /// `append` verifies the note its signer returns before committing: a note for another
    /// size, root, origin or key refuses the append, and nothing is written.
    func testANoteThatIsNotOfTheAppendedTreeRefusesTheAppend() throws {
        let store = try open()
        try store.append(try batch(store, statements: 3), sign: sign)
        let before = try XCTUnwrap(store.latestCheckpoint)
        let otherKey = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 9, count: 32)))
        let otherLog = try NoteSigner(name: "other.example/log", key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
        let wrong: [(String, (Checkpoint) throws -> String, String)] = [
            ("another size", { c in try Checkpoint(origin: c.origin, size: c.size - 1, root: c.root).sign(with: self.logKey).serialized },
             "note is for size 8, expected 9"),
            ("another root", { c in try Checkpoint(origin: c.origin, size: c.size, root: .zero).sign(with: self.logKey).serialized },
             "note has root \(Hash.zero) for size 9"),
            ("another key", { c in try c.sign(with: otherKey).serialized }, "no signature by a known key"),
            ("another origin", { c in try Checkpoint(origin: "other.example/log", size: c.size, root: c.root).sign(with: otherLog).serialized },
             "origin \"other.example/log\" is not the log \"test.example/log\""),
            ("no note at all", { _ in "hello\n" }, "malformed signed note"),
        ]
        for (name, sign, reason) in wrong {
            XCTAssertThrowsError(try store.append(try batch(store, statements: 4, offset: 100), sign: sign), name) { error in
                guard case let .badNote(origin, size, why)? = error as? StoreError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(origin, self.origin)
                XCTAssertEqual(size, 9)
                XCTAssertTrue(why.contains(reason), "\(name): \(why)")
            }
        }
        XCTAssertEqual(store.size, 4)
        XCTAssertEqual(store.latestCheckpoint?.note, before.note)
        let reopened = try open()
        XCTAssertEqual(reopened.size, 4)
        XCTAssertEqual(reopened.latestCheckpoint?.note, before.note)
        XCTAssertEqual(try reopened.leafBytes(from: 0, to: 100).count, 4)
    }

    /// A note stored later (a mirror's copy of its peer's note, a cosigned note) passes the same check.
    func testANoteStoredLaterIsCheckedAgainstTheStoredTree() throws {
        let store = try open()
        try store.append(try batch(store, statements: 3), sign: sign)
        let old = try XCTUnwrap(store.latestCheckpoint)
        try store.append(try batch(store, statements: 3, offset: 10), sign: sign)
        XCTAssertThrowsError(try store.storeCheckpointNote(try sign(Checkpoint(origin: origin, size: 4, root: .zero)))) { error in
            guard case let .badNote(_, size, why)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(size, 4)
            XCTAssertTrue(why.contains("for size 4, expected \(old.checkpoint.root)"), why)
        }
        XCTAssertThrowsError(try store.storeCheckpointNote(try sign(Checkpoint(origin: origin, size: 9, root: .zero)))) { error in
            XCTAssertEqual(error as? StoreError, .missingLeaves(origin: origin, stored: 8, checkpoint: 9))
        }
        // The right note for an older size is stored and does not replace the latest.
        XCTAssertEqual(try store.storeCheckpointNote(old.note), old.checkpoint)
        XCTAssertEqual(store.latestCheckpoint?.checkpoint.size, 8)
    }
}
