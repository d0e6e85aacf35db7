import AssentCore
import Foundation
import GRDB

/// The state map's prefix-tree nodes of one log in SQLite (PROTOCOL §5), for `PrefixTree`.
///
/// It works inside a transaction it is given, never one of its own: the map must change in the
/// transaction of the batch that changes it (statements, map nodes, the epoch leaf carrying the
/// new root, tiles, checkpoint), so that a crash never leaves an epoch whose map is missing.
/// A `PrefixTree.insert` reads one row per node on the batch's paths and writes each changed
/// node once; nothing is deleted, since map keys are only added.
///
/// Table `map_nodes`: `path` is `PrefixTreePosition.storageKey` (big-endian uint16 depth, then
/// the prefix bits in ⌈depth/8⌉ bytes), `node` the node's 65-byte encoding, which is also its
/// hash input (0x02 ‖ key ‖ value or 0x03 ‖ left ‖ right).
public struct MapNodeStore: PrefixTreeStorage {
    let db: Database
    let log: Int64
    let origin: String

    /// Nodes of the log with row id `log` (`logs.id`), read and written through `db`, which must
    /// be inside a write transaction for `store`. `origin` only names the log in errors.
    public init(db: Database, log: Int64, origin: String) {
        self.db = db
        self.log = log
        self.origin = origin
    }

    public func node(at position: PrefixTreePosition) throws -> PrefixTreeNode? {
        let select = try db.cachedStatement(sql: "SELECT node FROM map_nodes WHERE log = ? AND path = ?")
        guard let data = try Data.fetchOne(select, arguments: [log, Data(position.storageKey)]) else { return nil }
        guard let node = PrefixTreeNode(encoded: [UInt8](data)) else {
            throw StoreError.badRow(origin: origin, "map node at depth \(position.depth), path \"\(position)\": \(data.count) bytes that are not a leaf or parent encoding")
        }
        return node
    }

    public func store(_ nodes: [PrefixTreePosition: PrefixTreeNode]) throws {
        let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO map_nodes (log, path, node) VALUES (?, ?, ?)")
        for (position, node) in nodes {
            try upsert.execute(arguments: [log, Data(position.storageKey), Data(node.encoded)])
        }
    }
}
