import AssentCore
import AssentStore
import Foundation

/// Appends `leaves` leaves to a fresh own log in batches of `batch`, each batch being
/// `batch - 1` signed preference statements and one epoch leaf, as the sequencer writes them.
///
/// Timed: building the LogLeafs (canonical encoding), LogStore.append (leaf hashing, tiles,
/// statement index, SQLite inserts, the FULL-synchronous commit) and signing each batch's
/// checkpoint. Not timed: signing the statements themselves (that is the declarants' work,
/// done before a statement reaches the log), which happens batch by batch just before the
/// batch so that memory stays flat.
enum StoreBench {
    static let origin = "bench.assent.example/log"
    static let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    static func run(leaves total: Int, batch: Int, directory: String?, keep: Bool, json: Bool) throws {
        guard total > 0, batch >= 2 else { throw UsageError(description: "need leaves > 0 and batch ≥ 2") }
        let fm = FileManager.default
        let dir = directory.map { URL(fileURLWithPath: $0) }
            ?? fm.temporaryDirectory.appendingPathComponent("assent-bench-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("bench.sqlite").path
        for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: path + suffix) {
            throw UsageError(description: "\(path + suffix) already exists; the store benchmark needs a fresh database")
        }
        defer { if !keep { try? fm.removeItem(at: dir) } }

        let logSigner = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
        // A handful of declarants, so statements are signed by different keys as in a real log.
        let authors = try (0..<16).map { i in try SigningKey(seed: [UInt8](repeating: UInt8(100 + i), count: 32)) }

        var timed = 0.0
        var buildTime = 0.0
        var appendTime = 0.0
        var signingTime = 0.0
        var leafBytes = 0
        var statements = 0
        var epochs = 0
        var batches = 0
        var signedMessageBytes = 0.0
        let wallStart = now()
        let writtenAtStart = procIO("wchar")
        var nextProgress = 100_000
        var lastProgress = (leaves: 0, timed: 0.0, bytes: procIO("wchar"))
        var intervalRates = [Double]()
        var intervalWrites = [Double]()

        try autoreleasepool {
            let store = try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logSigner.verifierKey, role: .own)
            var written = 0
            var pending = [SignedStatement]()
            pending.reserveCapacity(batch)
            while written < total {
                let count = min(batch, total - written)
                // Untimed: the declarants' signatures for this batch (count - 1 statements, then an epoch leaf).
                let signStart = now()
                pending.removeAll(keepingCapacity: true)
                for i in 0..<(count - 1) {
                    let n = statements + i
                    pending.append(statement(number: n, author: authors[n % authors.count]))
                }
                if batches == 0 {
                    // The size of what a statement signature covers: domain ‖ canonical statement.
                    let sizes = pending.map { SignedStatement.domain.count + CanonicalJSON.encode($0.statement.json).count }
                    signedMessageBytes = Double(sizes.reduce(0, +)) / Double(max(1, sizes.count))
                }
                signingTime += now() - signStart

                // Timed: leaves, append, checkpoint signature, commit.
                let start = now()
                var chain = store.chainHead
                var leaves = [LogLeaf]()
                leaves.reserveCapacity(count)
                let time = Timestamp(milliseconds: t0.milliseconds + Int64(batches) * 1000)
                for i in 0..<(count - 1) {
                    let leaf = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .statement(pending[i]))
                    try chain.append(leaf)
                    leaves.append(leaf)
                    leafBytes += leaf.bytes.count
                }
                let built = now()
                // The store applies the statements to the state map and makes the epoch leaf's root (PROTOCOL §5).
                try store.append(leaves, epoch: { root in
                    let epoch = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time,
                                            content: .epoch(mapRoot: root, size: chain.nextIndex))
                    leafBytes += epoch.bytes.count
                    return epoch
                }, sign: { try $0.sign(with: logSigner).serialized })
                let end = now()
                buildTime += built - start
                appendTime += end - built
                timed += end - start

                statements += count - 1
                epochs += 1
                batches += 1
                written += count
                if written >= nextProgress || written == total {
                    let rate = Double(written) / timed
                    let recent = Double(written - lastProgress.leaves) / (timed - lastProgress.timed)
                    let bytesNow = procIO("wchar")
                    let bytesPerLeaf = Double(bytesNow - lastProgress.bytes) / Double(written - lastProgress.leaves)
                    lastProgress = (written, timed, bytesNow)
                    intervalRates.append(recent)
                    intervalWrites.append(bytesPerLeaf)
                    FileHandle.standardError.write(Data(
                        "store: \(grouped(Double(written)).leftPad(9)) / \(grouped(Double(total))) leaves, \(grouped(rate)) leaves/s so far (\(grouped(recent)) since the last line), \(grouped(bytesPerLeaf)) bytes written a leaf, peak RSS \(String(format: "%.1f", procStatusMB("VmHWM"))) MB\n".utf8))
                    while nextProgress <= written { nextProgress += 100_000 }
                }
            }
        }
        let wall = now() - wallStart
        let bytesWritten = procIO("wchar") - writtenAtStart

        // The database is closed (the pool was released above); reopening checks the stored
        // tree against the latest signed checkpoint.
        let reopenStart = now()
        let reopened = try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logSigner.verifierKey, role: .own)
        let reopenTime = now() - reopenStart
        let size = reopened.size
        let checkpointSize = reopened.latestCheckpoint?.checkpoint.size ?? 0
        let root = try reopened.treeHash(size: size)
        let sizeOK = size == UInt64(total) && checkpointSize == size && root == reopened.latestCheckpoint?.checkpoint.root
        var dbBytes: Int64 = 0
        for suffix in ["", "-wal", "-shm"] {
            dbBytes += ((try? fm.attributesOfItem(atPath: path + suffix)[.size]) as? NSNumber)?.int64Value ?? 0
        }
        let peak = procStatusMB("VmHWM")
        let rate = Double(total) / timed

        if json {
            print(Out.object([
                ("leaves", .integer(Int64(total))), ("batch", .integer(Int64(batch))), ("batches", .integer(Int64(batches))),
                ("statements", .integer(Int64(statements))), ("epochs", .integer(Int64(epochs))),
                ("batch_shape", .string("\(batch - 1) statements + 1 epoch leaf")),
                ("avg_leaf_bytes", .number(Double(leafBytes) / Double(total))),
                ("avg_signed_message_bytes", .number(signedMessageBytes)),
                ("timed_seconds", .number(timed)), ("leaves_per_second", .number(rate)),
                ("leaf_building_seconds", .number(buildTime)), ("append_seconds", .number(appendTime)),
                ("leaves_per_second_by_100k", .array(intervalRates.map { .number($0) })),
                ("bytes_written", .integer(bytesWritten)),
                ("bytes_written_per_leaf_by_100k", .array(intervalWrites.map { .number($0) })),
                ("statement_signing_seconds", .number(signingTime)), ("wall_seconds", .number(wall)),
                ("db_bytes", .integer(dbBytes)), ("peak_rss_mb", .number(peak)),
                ("reopen_seconds", .number(reopenTime)), ("reopened_size", .integer(Int64(size))),
                ("checkpoint_size", .integer(Int64(checkpointSize))), ("verified", .bool(sizeOK)),
                ("directory", .string(dir.path)),
            ]).text)
        } else {
            print("Store: \(grouped(Double(total))) leaves in \(batches) batches of \(batch) (\(batch - 1) statements + 1 epoch leaf)")
            print("  database            \(path)")
            print("  average leaf        \(String(format: "%.0f", Double(leafBytes) / Double(total))) bytes; statements sign \(String(format: "%.0f", signedMessageBytes))-byte messages")
            print("  timed               \(String(format: "%.2f", timed)) s  → \(grouped(rate)) leaves/s")
            print("    building leaves   \(String(format: "%.2f", buildTime)) s (LogLeaf: canonical JSON)")
            print("    LogStore.append   \(String(format: "%.2f", appendTime)) s (hashes, tiles, SQLite, checkpoint signature, commit)")
            print("  statement signing   \(String(format: "%.2f", signingTime)) s (not timed)")
            print("  wall                \(String(format: "%.2f", wall)) s")
            print("  bytes written       \(String(format: "%.1f", Double(bytesWritten) / 1_048_576)) MB (write calls: leaves, WAL, checkpoints into the database)")
            print("  database on disk    \(String(format: "%.1f", Double(dbBytes) / 1_048_576)) MB")
            print("  peak RSS (VmHWM)    \(String(format: "%.1f", peak)) MB")
            print("  reopen + verify     \(String(format: "%.2f", reopenTime)) s: size \(size), checkpoint size \(checkpointSize) → \(sizeOK ? "OK" : "MISMATCH")")
        }
        if !sizeOK { throw UsageError(description: "reopened store has size \(size), checkpoint \(checkpointSize); expected \(total)") }
    }

    /// A typical preference: a society catalogue work ID and three usage categories.
    static func statement(number n: Int, author: SigningKey) -> SignedStatement {
        let preference = Preference(
            by: author.publicKey, issued: t0,
            work: try! WorkID(scheme: .local, value: "gema.de/W\(10_000_000 + n)"),
            usage: ["train-ai": false, "ai-inference": n % 2 == 0, "search": true])
        return SignedStatement.sign(.preference(preference), with: author)
    }
}

#if !canImport(ObjectiveC)
/// Linux has no autorelease pool; this just runs the body (it scopes the store so its database closes).
@inline(never)
func autoreleasepool<R>(_ body: () throws -> R) rethrows -> R { try body() }
#endif
