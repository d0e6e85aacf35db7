@testable import AssentCore
@testable import AssentStore
import Foundation
import GRDB
import XCTest

/// The state map in the store's append (issue 7): it changes in the batch's transaction, with
/// the batch, or not at all.
extension StateMapStoreTests {
    /// Counts the log's map records and the root they give, through a connection of its own:
    /// what is on disk, not what the store holds in memory.
    func mapOnDisk() throws -> (records: Int, root: Hash) {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM map_records") ?? -1, try StateMapStore.root(db: db, log: 1, origin: origin))
        }
    }

    func testARefusedAppendLeavesRecordsRootAndSizeAsTheyWere() throws {
        let store = try open()
        try append(try statements(batch: 0), to: store)
        let before = try mapOnDisk()
        XCTAssertGreaterThan(before.records, 0)
        let size = store.size
        struct No: Error {}
        var chain = store.chainHead
        let leaves = try self.leaves(try statements(batch: 1), chain: &chain, time: t0)
        // The signer refuses after the map was changed in the transaction.
        XCTAssertThrowsError(try store.append(leaves, epoch: { root in
            try LogLeaf(index: chain.nextIndex, origin: self.origin, prev: chain.prevHash, time: self.t0, content: .epoch(mapRoot: root, size: chain.nextIndex))
        }, sign: { _ in throw No() }))
        // The epoch maker refuses.
        XCTAssertThrowsError(try store.append(leaves, epoch: { _ in throw No() }, sign: sign))
        // The epoch maker makes a leaf with another root: refused, naming it.
        XCTAssertThrowsError(try store.append(leaves, epoch: { _ in
            try LogLeaf(index: chain.nextIndex, origin: self.origin, prev: chain.prevHash, time: self.t0, content: .epoch(mapRoot: SHA256.hash([1]), size: chain.nextIndex))
        }, sign: sign)) { error in
            XCTAssertTrue("\(error)".contains("not an epoch leaf carrying map root"), "\(error)")
        }
        // Leaves made elsewhere whose epoch leaf carries a root the map does not have.
        let wrong = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: t0, content: .epoch(mapRoot: .zero, size: chain.nextIndex))
        XCTAssertThrowsError(try store.append(leaves + [wrong], sign: sign)) { error in
            XCTAssertTrue("\(error)".contains("epoch leaf \(wrong.index) carries map root"), "\(error)")
        }
        // A batch without its epoch leaf.
        XCTAssertThrowsError(try store.append(leaves, sign: sign)) { error in
            XCTAssertTrue("\(error)".contains("must end with its epoch leaf"), "\(error)")
        }
        let after = try mapOnDisk()
        XCTAssertEqual(after.records, before.records)
        XCTAssertEqual(after.root, before.root)
        XCTAssertEqual(store.size, size)
        // And the same batch then goes in whole, with the root a replay of the log gives.
        let appended = try append(try statements(batch: 1), to: store)
        var replay = MapReplay()
        for bytes in try store.leafBytes(from: 0, to: store.size) { try replay.append(try LogLeaf(bytes: bytes)) }
        XCTAssertEqual(replay.epochs, 2)
        XCTAssertEqual(appended.last?.content, .epoch(mapRoot: replay.tree.root, size: store.size - 1))
        XCTAssertEqual(try mapOnDisk().root, replay.tree.root)
    }

    /// Between the map's change and the commit (here: while the checkpoint is being signed), the
    /// disk holds none of the batch; right after, all of it. A crash at any point leaves one or
    /// the other, and a reopened store serves the map its latest epoch names.
    func testTheMapReachesTheDiskOnlyWithItsBatch() throws {
        let store = try open()
        try append(try statements(batch: 0), to: store)
        let before = try mapOnDisk()
        var during: (records: Int, root: Hash)?
        var chain = store.chainHead
        let leaves = try self.leaves(try statements(batch: 1), chain: &chain, time: t0)
        var epochRoot: Hash?
        try store.append(leaves, epoch: { root in
            epochRoot = root
            return try LogLeaf(index: chain.nextIndex, origin: self.origin, prev: chain.prevHash, time: self.t0, content: .epoch(mapRoot: root, size: chain.nextIndex))
        }, sign: { checkpoint in
            during = try self.mapOnDisk()
            return try self.sign(checkpoint)
        })
        XCTAssertEqual(during?.records, before.records)
        XCTAssertEqual(during?.root, before.root)
        let after = try mapOnDisk()
        XCTAssertGreaterThan(after.records, before.records)
        XCTAssertEqual(after.root, epochRoot)
        // A second process opening the file now (the first never closed it) sees the same map.
        let reopened = try open()
        let latest = try reopened.readBlocking { try $0.latestEpoch() }
        XCTAssertEqual(latest?.mapRoot, epochRoot)
        XCTAssertEqual(latest?.index, reopened.size - 1)
    }

    /// The columns other queries read (the contract of issue 7), for each kind of record.
    func testEveryRecordRowCarriesItsKeyValueLeafTimeWorkAndParty() throws {
        let store = try open()
        let leaves = try append(try statements(batch: 0), at: Timestamp(milliseconds: t0.milliseconds + 5), to: store)
        let queue = try DatabaseQueue(path: path)
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM map_records ORDER BY idx, work") }
        XCTAssertEqual(rows.count, 1 + 3 + 3)  // the party, three works, three declarations
        for row in rows {
            let record = try MapRecord(bytes: [UInt8](row["record"] as Data))
            XCTAssertEqual(row["key"] as Data, Data(record.key.bytes))
            XCTAssertEqual(row["value"] as Data, Data(record.value.bytes))
            XCTAssertEqual(row["idx"] as Int64, Int64(record.stamp.index))
            XCTAssertEqual(row["time"] as Int64, t0.milliseconds + 5)
            XCTAssertEqual(leaves[Int(record.stamp.index)].time, record.stamp.time)
            switch record {
            case let .work(w):
                XCTAssertEqual(row["work"] as String?, w.work.description)
                XCTAssertNil(row["party"] as Data?)
            case let .declaration(d):
                XCTAssertEqual(row["work"] as String?, d.work.description)
                XCTAssertEqual(row["party"] as Data?, Data(author.publicKey.bytes))
            case let .party(p):
                XCTAssertNil(row["work"] as String?)
                XCTAssertEqual(row["party"] as Data?, Data(p.party.bytes))
            }
        }
        // SQLite's planner (without ANALYZE statistics) prefers the primary key's `log = ?` to these
        // partial indexes; a query by work or party names its index (INDEXED BY), which fails if
        // the index cannot answer it.
        let plans = try queue.read { db in
            try (Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT record FROM map_records INDEXED BY map_records_work WHERE log = 1 AND work = 'local:gema.de/1'")
                + Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT record FROM map_records INDEXED BY map_records_party WHERE log = 1 AND party = x'00'")).map { $0["detail"] as String }
        }
        XCTAssertTrue(plans.joined().contains("map_records_work"), "\(plans)")
        XCTAssertTrue(plans.joined().contains("map_records_party"), "\(plans)")
    }

    /// A log written before the node kept its map (leaves, no records) gets its records rebuilt
    /// by replaying its leaves when the database is opened.
    func testALogWithLeavesButNoRecordsHasItsMapRebuiltWhenOpened() throws {
        do {
            let store = try open()
            for b in 0..<3 { try append(try statements(batch: b), to: store) }
        }
        let written = try mapOnDisk()
        // The database as "v5-epochs" left it: map_records of v4, empty.
        try sqlite("DROP TABLE map_records")
        try sqlite("CREATE TABLE map_records (log INTEGER NOT NULL REFERENCES logs(id), subject BLOB NOT NULL, version INTEGER NOT NULL, record BLOB NOT NULL, PRIMARY KEY (log, subject, version)) WITHOUT ROWID")
        try sqlite("CREATE TABLE map_nodes (log INTEGER NOT NULL, path BLOB NOT NULL, node BLOB NOT NULL, PRIMARY KEY (log, path)) WITHOUT ROWID")
        try sqlite("DROP TABLE statement_orders")
        try sqlite("DELETE FROM grdb_migrations WHERE identifier IN (?, ?, ?)",
                   [StateMapStore.indexMigrationName, StateMapStore.memoryMigrationName, StateMapStore.inputsMigrationName])
        let store = try open()
        let rebuilt = try mapOnDisk()
        XCTAssertEqual(rebuilt.records, written.records)
        XCTAssertEqual(rebuilt.root, written.root)
        XCTAssertEqual(try store.readBlocking { try $0.latestEpoch() }?.mapRoot, written.root)
    }
}

extension StateMapStoreTests {
    /// The tree is rebuilt from the records at open and must give the latest epoch's root: a
    /// record lost behind the store's back stops the log from being served.
    func testAStoreWhoseRecordsDoNotGiveTheLatestEpochsRootRefusesToOpen() throws {
        do {
            let store = try open()
            for b in 0..<2 { try append(try statements(batch: b), to: store) }
        }
        try sqlite("DELETE FROM map_records WHERE version = 2")
        XCTAssertThrowsError(try open()) { error in
            guard case let .corrupt(origin, why)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(origin, self.origin)
            XCTAssertTrue(why.contains("but the latest epoch leaf 12 carries"), why)
        }
    }
}
