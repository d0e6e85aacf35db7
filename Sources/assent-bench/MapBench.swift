import AssentCore
import AssentStore
import Foundation

/// The state map's tree (PROTOCOL §5): inserts `keys` keys in batches of `batch` into the tree
/// the node keeps (`CompactPrefixTree`, in memory, rebuilt from the records at open), and into
/// the dictionary-backed `PrefixTree` as a reference; checks both give the same root. Then the
/// rebuild a node does at open (all keys, one sorted pass), proofs (size in bytes, binary form,
/// for present and absent keys; made and verified per second) and memory.
///
/// Keys are SHA-256 outputs, as every map key is; values are SHA-256 outputs too (record hashes).
/// The records, the durable half of the map, are written by `LogStore.append`: `assent-bench
/// store` measures that path.
enum MapBench {
    static func entry(_ i: Int) -> PrefixTreeEntry {
        var bytes = [UInt8](repeating: 0, count: 8)
        for b in 0..<8 { bytes[b] = UInt8(truncatingIfNeeded: i >> (8 * b)) }
        return PrefixTreeEntry(key: SHA256.hash([0x6B] + bytes), value: SHA256.hash([0x76] + bytes))
    }

    static func run(keys total: Int, batch: Int, json: Bool) throws {
        guard total > 0, batch > 0 else { throw UsageError(description: "need keys > 0 and batch > 0") }
        func progress(_ what: String, _ done: Int) {
            if done % 100_000 < batch { FileHandle.standardError.write(Data("map \(what): \(done) keys\n".utf8)) }
        }
        let rssAtStart = procStatusMB("VmRSS")

        // The node's tree, batch by batch as the sequencer inserts them.
        var compact = CompactPrefixTree()
        var compactSeconds = 0.0
        var start = 0
        while start < total {
            let entries = (start..<min(total, start + batch)).map(entry)
            let t = now()
            try compact.beginBatch()
            try compact.insert(entries)
            compact.endBatch()
            compactSeconds += now() - t
            start += entries.count
            progress("compact", start)
        }
        let compactRoot = compact.root
        let treeBytes = compact.bytesHeld
        let parents = compact.parentCount
        let rssWithTree = procStatusMB("VmRSS")

        // The rebuild at open: every key at once, sorted, built bottom-up.
        let all = (0..<total).map(entry)
        let rebuildStart = now()
        let rebuilt = try CompactPrefixTree(entries: all)
        let rebuildSeconds = now() - rebuildStart
        guard rebuilt.root == compactRoot else { throw UsageError(description: "rebuilt root \(rebuilt.root.hex) differs from \(compactRoot.hex)") }

        // Proofs from the node's tree.
        let samples = min(20_000, total)
        var presentBytes = [Int](), absentBytes = [Int](), depths = [Int]()
        var proofs = [(Hash, PrefixTreeProof)]()
        let proveStart = now()
        for s in 0..<samples {
            let present = entry(s * (total / samples)).key
            let absent = entry(total + s).key
            let p = compact.prove(present), a = compact.prove(absent)
            presentBytes.append(p.bytes.count)
            absentBytes.append(a.bytes.count)
            depths.append(p.siblings.count)
            proofs += [(present, p), (absent, a)]
        }
        let proveRate = Double(proofs.count) / (now() - proveStart)
        let verifyStart = now()
        for (key, proof) in proofs { _ = try proof.verify(key: key, root: compactRoot) }
        let verifyRate = Double(proofs.count) / (now() - verifyStart)
        compact = CompactPrefixTree()
        _ = rebuilt

        // The reference: PrefixTree over a dictionary of nodes (what the SQLite node table held).
        // Its dictionary takes about 800 bytes a key: beyond a million keys it is skipped.
        var reference = PrefixTree(storage: InMemoryPrefixTreeStorage())
        var referenceSeconds = 0.0
        start = total > 1_000_000 ? total : 0
        while start < total {
            let entries = Array(all[start..<min(total, start + batch)])
            let t = now()
            try reference.insert(entries)
            referenceSeconds += now() - t
            start += entries.count
            progress("reference", start)
        }
        guard try total > 1_000_000 || reference.root() == compactRoot else {
            throw UsageError(description: "PrefixTree root \(try reference.root().hex) differs from CompactPrefixTree's \(compactRoot.hex)")
        }

        func mean(_ xs: [Int]) -> Double { Double(xs.reduce(0, +)) / Double(max(1, xs.count)) }
        let result: [String: Any] = [
            "keys": total, "batch": batch, "parents": parents, "root": compactRoot.hex,
            "compact_inserts_per_s": Double(total) / compactSeconds, "reference_inserts_per_s": referenceSeconds > 0 ? Double(total) / referenceSeconds : 0,
            "rebuild_seconds": rebuildSeconds, "tree_bytes": treeBytes, "tree_bytes_per_key": Double(treeBytes) / Double(total),
            "rss_mb_with_tree": rssWithTree - rssAtStart,
            "proof_bytes_present_mean": mean(presentBytes), "proof_bytes_present_max": presentBytes.max() ?? 0,
            "proof_bytes_absent_mean": mean(absentBytes), "proof_bytes_absent_max": absentBytes.max() ?? 0,
            "leaf_depth_mean": mean(depths), "leaf_depth_max": depths.max() ?? 0,
            "proofs_per_s": proveRate, "verifies_per_s": verifyRate, "peak_rss_mb": procStatusMB("VmHWM"),
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("""
                state map: \(total) keys in batches of \(batch), \(parents) parents, root \(compactRoot.hex)
                  inserts/s   node's tree (CompactPrefixTree) \(Int(Double(total) / compactSeconds))   reference (PrefixTree over a dictionary) \(referenceSeconds > 0 ? "\(Int(Double(total) / referenceSeconds))" : "skipped above 1,000,000 keys")
                  rebuild at open (all keys, sorted, bottom-up) \(String(format: "%.2f", rebuildSeconds)) s
                  tree memory \(treeBytes / 1_000_000) MB (\(String(format: "%.0f", Double(treeBytes) / Double(total))) bytes a key; RSS grew \(String(format: "%.0f", rssWithTree - rssAtStart)) MB)
                  proof bytes present mean \(String(format: "%.0f", mean(presentBytes))) max \(presentBytes.max() ?? 0)   absent mean \(String(format: "%.0f", mean(absentBytes))) max \(absentBytes.max() ?? 0)   (leaf depth mean \(String(format: "%.1f", mean(depths))), max \(depths.max() ?? 0))
                  proofs/s \(Int(proveRate))   verifies/s \(Int(verifyRate))   peak RSS \(String(format: "%.0f", procStatusMB("VmHWM"))) MB
                """)
        }
    }
}
