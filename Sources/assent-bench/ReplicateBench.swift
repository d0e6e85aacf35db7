import AssentCore
import AssentNode
import AssentStore
import Foundation
import Logging

/// The replicator's throughput (Scripts/bench-replicate.sh): a source log of N entries is
/// written into a node's data directory (`source`), served by `assent serve`, and a follower
/// (`follow`, its own process, so its peak memory is its own) replicates it into a fresh mirror:
/// every hash tile and entry bundle fetched over HTTP and authenticated, every statement
/// signature verified, every leaf replayed, every epoch's map root recomputed by the store.
enum ReplicateBench {
    static let origin = "bench.assent.example/log"
    /// The most the verify rate may move between before and after for a run to count as steady.
    static let steadySpread = 0.1

    /// Fills `directory` (a node's data directory) with `entries` leaves in batches of 1,000
    /// (999 preferences by 16 declarants, then an epoch leaf), as `StoreBench` writes them, and
    /// prints the log's verifier key.
    static func source(entries total: Int, directory: String) throws {
        guard total >= 1000, total % 1000 == 0 else { throw UsageError(description: "entries must be a positive multiple of 1,000") }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let keys = try NodeKeys.loadOrCreate(dataDirectory: directory, origin: origin, logger: logger)
        let store = try AssentDatabase(path: (directory as NSString).appendingPathComponent("node.sqlite"))
            .openLog(origin: origin, verifierKey: keys.log.verifierKey, role: .own)
        guard store.size == 0 else { throw UsageError(description: "\(directory) already holds a log") }
        let authors = try (0..<16).map { i in try SigningKey(seed: [UInt8](repeating: UInt8(100 + i), count: 32)) }
        var statements = 0
        for batch in 0..<(total / 1000) {
            var chain = store.chainHead
            let time = Timestamp(milliseconds: StoreBench.t0.milliseconds + Int64(batch) * 1000)
            var leaves = [LogLeaf]()
            leaves.reserveCapacity(999)
            for _ in 0..<999 {
                let s = StoreBench.statement(number: statements, author: authors[statements % authors.count])
                statements += 1
                let leaf = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .statement(s))
                try chain.append(leaf)
                leaves.append(leaf)
            }
            try store.append(leaves, epoch: { root in
                try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .epoch(mapRoot: root, size: chain.nextIndex))
            }, sign: { try $0.sign(with: keys.log).serialized })
            if (batch + 1) % 100 == 0 {
                FileHandle.standardError.write(Data("source: \(grouped(Double(store.size))) / \(grouped(Double(total))) leaves\n".utf8))
            }
        }
        print(keys.log.verifierKey)
    }

    /// Measures one core's Ed25519 verify rate (as `assent-bench crypto`), then replicates the
    /// log at `url` into a fresh mirror in `directory` and reports entries/s, the ratio, peak RSS.
    /// The verify rate is measured before and after the replication and the greater is the
    /// bound (as Scripts/bench-consent.sh takes it): on this kind of machine one core's rate moved
    /// by a quarter between runs minutes apart (9,617 to 12,338 a CPU-second), and a bound
    /// measured low would flatter the ratio.
    static func follow(url: String, key: String, directory: String, seconds: Double, json: Bool) async throws {
        let logKey = try NoteVerifierKey(parsing: key)
        // The bound: PublicKey.isValidSignature on one thread, a 300-byte message (CryptoBench).
        let message = patternBytes(300)
        let signer = try SigningKey(seed: (1...32).map { UInt8($0) })
        let signature = signer.sign(message)
        func verifyRate() -> Double { warmThenMeasure(seconds: seconds) { _ = signer.publicKey.isValidSignature(signature, for: message) } }
        let verifyBefore = verifyRate()

        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try AssentDatabase(path: (directory as NSString).appendingPathComponent("mirror.sqlite"))
        let replicator = try Replicator(database: database, peers: [.init(origin: logKey.name, key: logKey, url: url)], operators: [],
                                        clock: SystemClock(), metrics: NodeMetrics(), logger: logger,
                                        recordEvidence: { evidence, _ in throw UsageError(description: "conflicting checkpoints: \(evidence.notes)") })
        let client = LogReadClient.makeHTTPClient()
        let note: String
        do { note = String(decoding: try await LogReadClient.fetch(base: url, client: client)("checkpoint"), as: UTF8.self) } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let checkpoint = try Checkpoint.verified(try SignedNote(parsing: note), logKey: logKey)

        let start = now()
        let progress = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(10))
                let status = replicator.status().first
                let (held, verified) = (status?.mirroredSize ?? 0, status?.verifiedSize ?? 0)
                let elapsed = now() - start
                FileHandle.standardError.write(Data("follow: \(grouped(Double(verified))) verified, \(grouped(Double(held))) stored / \(grouped(Double(checkpoint.size))) leaves after \(String(format: "%.0f", elapsed)) s, \(grouped(Double(held) / elapsed)) stored/s, peak RSS \(String(format: "%.1f", procStatusMB("VmHWM"))) MB\n".utf8))
            }
        }
        let result: Result<Void, Error>
        do { result = .success(try await replicator.catchUp(to: checkpoint, note: note, deadline: .seconds(86_400))) } catch { result = .failure(error) }
        let wall = now() - start
        progress.cancel()
        try await replicator.shutdown()
        try result.get()
        guard replicator.mirrored(origin: logKey.name)?.root == checkpoint.root else { throw UsageError(description: "the mirror's root is not the checkpoint's") }

        let verifyAfter = verifyRate()
        let bound = max(verifyBefore, verifyAfter)
        // How far the machine's speed moved during the run: on a shared VM one core's verify
        // rate has moved by a third within minutes (docs/benchmarks.md, "Replication"), and a
        // ratio taken across such a move says more about the machine than about the code.
        let spread = abs(verifyBefore - verifyAfter) / bound
        let steady = spread <= ReplicateBench.steadySpread
        let rate = Double(checkpoint.size) / wall
        let peak = procStatusMB("VmHWM")
        if json {
            print(Out.object([("entries", .integer(Int64(checkpoint.size))), ("seconds", .number(wall)), ("entries_per_second", .number(rate)),
                              ("verify_per_second_one_core", .number(bound)), ("verify_per_second_before", .number(verifyBefore)),
                              ("verify_per_second_after", .number(verifyAfter)), ("verify_spread", .number(spread)),
                              ("steady", .bool(steady)), ("ratio", .number(rate / bound)),
                              ("peak_rss_mb", .number(peak)), ("cores", .integer(Int64(ProcessInfo.processInfo.activeProcessorCount)))]).text)
        } else {
            print("replicated \(grouped(Double(checkpoint.size))) entries in \(String(format: "%.1f", wall)) s: \(grouped(rate)) entries verified and stored per second")
            print("one core's Ed25519 verify rate (PublicKey.isValidSignature, 300-byte message): \(grouped(bound)) /s (the greater of \(grouped(verifyBefore)) before and \(grouped(verifyAfter)) after)")
            print("ratio: \(String(format: "%.2f", rate / bound)) (goal ≥ 1.0), on \(ProcessInfo.processInfo.activeProcessorCount) cores")
            if !steady {
                print("note: the verify rate moved by \(String(format: "%.0f", spread * 100))% between before and after (more than \(String(format: "%.0f", ReplicateBench.steadySpread * 100))%): the machine's speed changed during the run; run again for a figure to quote")
            }
            print("peak RSS of the follower: \(String(format: "%.1f", peak)) MB")
        }
    }
}
