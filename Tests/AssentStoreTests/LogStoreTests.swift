import AssentCore
import AssentStore
import Foundation
import GRDB
import XCTest

final class LogStoreTests: XCTestCase {
    let origin = "test.example/log"
    let logKey = try! NoteSigner(name: "test.example/log", key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
    let author = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    var path: String { directory.appendingPathComponent("node.sqlite").path }

    func open() throws -> LogStore {
        try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
    }

    /// Builds `count` statement leaves and a closing epoch leaf continuing `store`'s chain.
    func batch(_ store: LogStore, statements count: Int, offset: Int = 0) throws -> [LogLeaf] {
        var chain = store.chainHead
        var leaves = [LogLeaf]()
        for i in 0...count {
            let index = chain.nextIndex
            let content: LogLeaf.Content = i < count
                ? .statement(SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: t0,
                    work: try WorkID(parsing: "local:gema.de/\(offset + i)"), usage: ["train-ai": false])), with: author))
                : .epoch(mapRoot: .zero, size: index)
            let leaf = try LogLeaf(index: index, origin: origin, prev: chain.prevHash, time: t0, content: content)
            try chain.append(leaf)
            leaves.append(leaf)
        }
        return leaves
    }

    func sign(_ c: Checkpoint) throws -> String { try c.sign(with: logKey).serialized }

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

    /// Changes the database behind the store's back, as disk corruption or an intruder would.
    func sqlite(_ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
    }
}
