import AssentCore
import AssentStore
import Foundation
import GRDB

/// The state map (PROTOCOL §5): inserts `keys` keys in batches of `batch`, first into an
/// in-memory tree, then through SQLite (MapNodeStore, one write transaction per batch, FULL
/// synchronous as the store commits), and checks both give the same root. Then proofs: size
/// in bytes (binary form) for present and absent keys, and proofs made and verified per second
/// from the SQLite tree.
///
/// Keys are SHA-256 outputs, as every map key is; values are SHA-256 outputs too (record hashes).
enum MapBench {
    static func entry(_ i: Int) -> PrefixTreeEntry {
        var bytes = [UInt8](repeating: 0, count: 8)
        for b in 0..<8 { bytes[b] = UInt8(truncatingIfNeeded: i >> (8 * b)) }
        return PrefixTreeEntry(key: SHA256.hash([0x6B] + bytes), value: SHA256.hash([0x76] + bytes))
    }

    static func run(keys total: Int, batch: Int, directory: String?, keep: Bool, json: Bool) throws {
        guard total > 0, batch > 0 else { throw UsageError(description: "need keys > 0 and batch > 0") }
        let fm = FileManager.default
        let dir = directory.map { URL(fileURLWithPath: $0) }
            ?? fm.temporaryDirectory.appendingPathComponent("assent-bench-map-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("map.sqlite").path
        guard !fm.fileExists(atPath: path) else { throw UsageError(description: "\(path) already exists; the map benchmark needs a fresh database") }
        defer { if !keep { try? fm.removeItem(at: dir) } }
        func progress(_ what: String, _ done: Int) {
            if done % 100_000 < batch { FileHandle.standardError.write(Data("map \(what): \(done) keys\n".utf8)) }
        }

        // In memory.
        var memory = PrefixTree(storage: InMemoryPrefixTreeStorage())
        var memorySeconds = 0.0
        var start = 0
        while start < total {
            let entries = (start..<min(total, start + batch)).map(entry)
            let t = now()
            try memory.insert(entries)
            memorySeconds += now() - t
            start += entries.count
            progress("memory", start)
        }
        let memoryRoot = try memory.root()
        let nodes = memory.storage.nodes.count
        memory = PrefixTree(storage: InMemoryPrefixTreeStorage())  // free it before the SQLite run
        let memoryPeakMB = procStatusMB("VmHWM")

        // SQLite.
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("logs") { db in
            try db.execute(sql: "CREATE TABLE logs (id INTEGER PRIMARY KEY, origin TEXT NOT NULL UNIQUE)")
            try db.execute(sql: "INSERT INTO logs (id, origin) VALUES (1, 'bench')")
        }
        StateMapStore.registerMigration(in: &migrator)
        try migrator.migrate(pool)
        var sqliteSeconds = 0.0
        var sqliteRoot = Hash.zero
        start = 0
        while start < total {
            let entries = (start..<min(total, start + batch)).map(entry)
            let t = now()
            sqliteRoot = try pool.write { db in
                var tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: "bench"))
                return try tree.insert(entries)
            }
            sqliteSeconds += now() - t
            start += entries.count
            progress("sqlite", start)
        }
        guard sqliteRoot == memoryRoot else { throw UsageError(description: "SQLite root \(sqliteRoot.hex) differs from the in-memory root \(memoryRoot.hex)") }

        // Proofs from the SQLite tree.
        let samples = min(2_000, total)
        var presentBytes = [Int](), absentBytes = [Int](), depths = [Int]()
        var proofs = [(Hash, PrefixTreeProof)]()
        let proveStart = now()
        try pool.read { db in
            let tree = PrefixTree(storage: MapNodeStore(db: db, log: 1, origin: "bench"))
            for s in 0..<samples {
                let present = entry(s * (total / samples)).key
                let absent = entry(total + s).key
                let p = try tree.prove(present), a = try tree.prove(absent)
                presentBytes.append(p.bytes.count)
                absentBytes.append(a.bytes.count)
                depths.append(p.siblings.count)
                proofs += [(present, p), (absent, a)]
            }
        }
        let proveRate = Double(proofs.count) / (now() - proveStart)
        let verifyStart = now()
        for (key, proof) in proofs { _ = try proof.verify(key: key, root: sqliteRoot) }
        let verifyRate = Double(proofs.count) / (now() - verifyStart)
        let dbBytes = ((try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) ?? 0

        func mean(_ xs: [Int]) -> Double { Double(xs.reduce(0, +)) / Double(max(1, xs.count)) }
        let result: [String: Any] = [
            "keys": total, "batch": batch, "nodes": nodes, "root": sqliteRoot.hex,
            "memory_inserts_per_s": Double(total) / memorySeconds, "sqlite_inserts_per_s": Double(total) / sqliteSeconds,
            "proof_bytes_present_mean": mean(presentBytes), "proof_bytes_present_max": presentBytes.max() ?? 0,
            "proof_bytes_absent_mean": mean(absentBytes), "proof_bytes_absent_max": absentBytes.max() ?? 0,
            "leaf_depth_mean": mean(depths), "leaf_depth_max": depths.max() ?? 0,
            "proofs_per_s_sqlite": proveRate, "verifies_per_s": verifyRate,
            "sqlite_bytes": dbBytes, "peak_rss_mb_memory_phase": memoryPeakMB, "peak_rss_mb": procStatusMB("VmHWM"),
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("""
                state map: \(total) keys in batches of \(batch), \(nodes) nodes, root \(sqliteRoot.hex)
                  inserts/s   in memory \(Int(Double(total) / memorySeconds))   SQLite (one FULL-synchronous transaction a batch) \(Int(Double(total) / sqliteSeconds))
                  proof bytes present mean \(String(format: "%.0f", mean(presentBytes))) max \(presentBytes.max() ?? 0)   absent mean \(String(format: "%.0f", mean(absentBytes))) max \(absentBytes.max() ?? 0)   (leaf depth mean \(String(format: "%.1f", mean(depths))), max \(depths.max() ?? 0))
                  proofs/s from SQLite \(Int(proveRate))   verifies/s \(Int(verifyRate))
                  SQLite file \(dbBytes / 1_000_000) MB   peak RSS \(String(format: "%.0f", procStatusMB("VmHWM"))) MB (after the in-memory phase \(String(format: "%.0f", memoryPeakMB)) MB)
                """)
        }
    }
}
