import AssentCore
import AssentStore
import Foundation
import GRDB
import XCTest

/// The state map's nodes in SQLite (MapNodeStore): the same tree, root and proofs as in memory,
/// through batches and reopening, and a damaged row is an error that names it.
final class MapNodeStoreTests: StoreTestCase {
    static let mapOrigin = "test.example/log"

    /// A database with a `logs` row and the map table, as AssentDatabase would have it.
    func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("logs") { db in
            try db.execute(sql: "CREATE TABLE logs (id INTEGER PRIMARY KEY, origin TEXT NOT NULL UNIQUE)")
            try db.execute(sql: "INSERT INTO logs (id, origin) VALUES (1, ?)", arguments: [Self.mapOrigin])
        }
        StateMapStore.registerMigration(in: &migrator)
        try migrator.migrate(queue)
        return queue
    }

    static func entry(_ i: Int) -> PrefixTreeEntry {
        PrefixTreeEntry(key: SHA256.hash(Array("key \(i)".utf8)), value: SHA256.hash(Array("value \(i)".utf8)))
    }

    func testAHundredThousandKeysInBatchesOfAThousandGiveTheInMemoryRoot() throws {
        let queue = try database()
        var memory = PrefixTree(storage: InMemoryPrefixTreeStorage())
        for b in 0..<100 {
            let batch = (b * 1000..<(b + 1) * 1000).map(Self.entry)
            let stored = try queue.write { db in
                var tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin))
                return try tree.insert(batch)
            }
            XCTAssertEqual(stored, try memory.insert(batch), "batch \(b)")
        }
        // Reopened from disk: same root, same proofs, same node count.
        let reopened = try DatabaseQueue(path: path)
        try reopened.read { db in
            let tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin))
            XCTAssertEqual(try tree.root(), try memory.root())
            for i in stride(from: 0, to: 100_000, by: 997) {
                XCTAssertEqual(try tree.prove(Self.entry(i).key), try memory.prove(Self.entry(i).key))
            }
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM map_nodes WHERE log = 1"), memory.storage.nodes.count)
        }
    }

    func testARefusedBatchLeavesTheStoredTreeAsItWas() throws {
        let queue = try database()
        let root = try queue.write { db in
            var tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin))
            return try tree.insert((0..<100).map(Self.entry))
        }
        XCTAssertThrowsError(try queue.write { db in
            var tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin))
            try tree.insert((100..<150).map(Self.entry) + [Self.entry(42)])
        }) { XCTAssertEqual($0 as? PrefixTreeError, .keyAlreadyPresent(Self.entry(42).key)) }
        try queue.read { db in
            XCTAssertEqual(try PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin)).root(), root)
        }
    }

    func testADamagedNodeRowIsAnErrorNamingItsPath() throws {
        let queue = try database()
        try queue.write { db in
            var tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin))
            try tree.insert((0..<10).map(Self.entry))
            try db.execute(sql: "UPDATE map_nodes SET node = x'04' WHERE log = 1 AND path = x'0000'")
        }
        try queue.read { db in
            XCTAssertThrowsError(try PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: Self.mapOrigin)).root()) {
                XCTAssertEqual("\($0)", "log \(Self.mapOrigin): unreadable map node at depth 0, path \"\": 1 bytes that are not a leaf or parent encoding")
            }
        }
    }
}
