import AssentCore
import AssentStore
import Foundation

/// The state queries of issue 7 on a store filled as the sequencer fills it (`LogStore.append`,
/// batches of statements with their epoch leaf, the state map updated in each batch):
///
/// - `works` works, in blocks of 1,000, each block mandated to one creator (one mandate of
///   1,000 works) who is enrolled; every 50th block also has a steward mandate with `TK-NC`;
/// - the rest of `statements` are preferences of each work's creator: the first pass over the
///   works says `*` (refusing or allowing by turns), later passes license `licensee:example-ai.com`
///   or change the `*` statement, so a work has several versions and a past T sees older ones.
///
/// Then, in process and single-threaded (the node runs a check on one reader), it measures:
/// decisions/s as a bulk check makes them (chunks of 256 works, one snapshot per chunk) now and
/// at a past T (the middle of the log's time; each the median of five passes), the latency of one work's state (its own snapshot
/// and epoch look-up, as `GET /v1/works/{work}` makes it) p50/p99, and peak RSS.
enum ConsentBench {
    static let origin = "bench.assent.example/log"
    static let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    static let block = 1000

    static func run(works: Int, statements total: Int, queries: Int, directory: String?, keep: Bool, json: Bool) throws {
        guard works >= block, works % block == 0 else { throw UsageError(description: "works must be a positive multiple of \(block)") }
        let creators = works / block
        let stewards = (creators + 49) / 50
        let overhead = 2 * creators + 2 * stewards
        guard total > overhead else { throw UsageError(description: "need more than \(overhead) statements for \(works) works (enrollments and mandates)") }
        let fm = FileManager.default
        let dir = directory.map { URL(fileURLWithPath: $0) } ?? fm.temporaryDirectory.appendingPathComponent("assent-consent-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("bench.sqlite").path
        defer { if !keep { try? fm.removeItem(at: dir) } }

        let logSigner = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
        let op = try SigningKey(seed: [UInt8](repeating: 8, count: 32))
        func key(_ role: UInt8, _ n: Int) throws -> SigningKey {
            var seed = [UInt8](repeating: role, count: 32)
            withUnsafeBytes(of: UInt32(n).bigEndian) { seed.replaceSubrange(0..<4, with: $0) }
            return try SigningKey(seed: seed)
        }
        let creatorKeys = try (0..<creators).map { try key(1, $0) }
        let stewardKeys = try (0..<stewards).map { try key(2, $0) }
        func work(_ n: Int) -> WorkID { try! WorkID(scheme: .local, value: "gema.de/W\(10_000_000 + n)") }
        let licensee = Audience("licensee:example-ai.com")!

        // The statements in log order, made and signed batch by batch (not timed).
        func statement(_ i: Int, issued: Timestamp) -> SignedStatement {
            if i < creators {
                return .sign(.enrollment(Enrollment(by: op.publicKey, issued: issued, party: creatorKeys[i].publicKey, role: .creator)), with: op)
            }
            if i < 2 * creators {
                let c = i - creators
                return .sign(.mandate(Mandate(by: op.publicKey, issued: issued, party: creatorKeys[c].publicKey,
                                              works: (c * block..<(c + 1) * block).map(work), role: .author)), with: op)
            }
            if i < 2 * creators + stewards {
                return .sign(.enrollment(Enrollment(by: op.publicKey, issued: issued, party: stewardKeys[i - 2 * creators].publicKey, role: .steward)), with: op)
            }
            if i < overhead {
                let s = i - 2 * creators - stewards
                return .sign(.mandate(Mandate(by: op.publicKey, issued: issued, party: stewardKeys[s].publicKey,
                                              works: (s * 50 * block..<(s * 50 + 1) * block).map(work), role: .steward, labels: ["TK-NC"])), with: op)
            }
            let p = i - overhead
            let w = p % works
            let pass = p / works
            let author = creatorKeys[w / block]
            let preference: Preference
            if pass % 2 == 1 {
                preference = Preference(by: author.publicKey, issued: issued, work: work(w), audience: licensee,
                                        usage: ["train-genai": true], conditions: Conditions(purpose: .research))
            } else {
                preference = Preference(by: author.publicKey, issued: issued, work: work(w),
                                        usage: ["tdm": (w + pass / 2) % 3 == 0, "search": true])
            }
            return .sign(.preference(preference), with: author)
        }

        let batch = 999
        var batches = 0
        var appendTime = 0.0
        let fillStart = now()
        // Opening a filled store (--dir, --keep) migrates it if need be, rebuilds the map's tree and
        // the consent index: timed.
        let openStart = now(), openCPUStart = processCPUTime()
        let store = try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logSigner.verifierKey, role: .own)
        let openSeconds = now() - openStart, openCPU = processCPUTime() - openCPUStart
        // A store this benchmark filled before (--dir, --keep) is measured again without refilling:
        // for profiling the queries alone.
        var written = store.size > 0 ? total : 0
        if store.size > 0 {
            // Each batch is its statements and one epoch leaf.
            guard store.size > UInt64(total), store.size <= UInt64(total + (total + 1)) else {
                throw UsageError(description: "\(path) holds \(store.size) leaves, not a consent benchmark of \(total) statements")
            }
            batches = Int(store.size) - total
            FileHandle.standardError.write(Data("consent: reusing \(path)\n".utf8))
        }
        var nextProgress = 100_000
        while written < total {
            let time = Timestamp(milliseconds: t0.milliseconds + Int64(batches) * 1000)
            // Up to `batch` statements, cut as the sequencer cuts a batch (`MapUpdate.batchLength`:
            // no more than `MapUpdate.batchRecordBound` record versions); the rest come next.
            var signed = (0..<min(batch, total - written)).map { statement(written + $0, issued: time) }
            signed.removeSubrange(MapUpdate.batchLength(signed.lazy.map(\.statement))...)
            let count = signed.count
            let start = now()
            var chain = store.chainHead
            var leaves = [LogLeaf]()
            for s in signed {
                let leaf = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .statement(s))
                try chain.append(leaf)
                leaves.append(leaf)
            }
            try store.append(leaves, epoch: { root in
                try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .epoch(mapRoot: root, size: chain.nextIndex))
            }, sign: { try $0.sign(with: logSigner).serialized })
            appendTime += now() - start
            written += count
            batches += 1
            if written >= nextProgress || written == total {
                FileHandle.standardError.write(Data("consent: \(grouped(Double(written))) / \(grouped(Double(total))) statements, \(grouped(Double(written) / appendTime)) statements/s appended, peak RSS \(String(format: "%.0f", procStatusMB("VmHWM"))) MB\n".utf8))
                while nextProgress <= written { nextProgress += 100_000 }
            }
        }
        let fillWall = now() - fillStart
        if keep { try writeNodeKeys(log: logSigner, operator: op, in: dir) }
        let lastTime = Timestamp(milliseconds: t0.milliseconds + Int64(batches - 1) * 1000)
        let pastTime = Timestamp(milliseconds: t0.milliseconds + Int64(batches / 2) * 1000)
        let operators: Set<PublicKey> = [op.publicKey]

        // Works asked, spread over the catalogue (a stride that visits every block).
        let asked = (0..<min(queries, works)).map { work(($0 &* 7919) % works) }

        /// Decisions per second as POST /v1/check makes them: 256 works per snapshot.
        func bulk(at t: Timestamp, cache: ParsedStateCache) throws -> (rate: Double, allowed: Int) {
            let start = now()
            var allowed = 0
            for chunk in stride(from: 0, to: asked.count, by: 256) {
                let part = asked[chunk..<min(chunk + 256, asked.count)]
                allowed += try store.readBlocking { s in
                    var n = 0
                    for w in part {
                        let d = Resolution.resolve(Resolution.Query(work: w, at: t), facts: try s.consentFacts(for: w, at: t, audience: .everyone, operators: operators, cache: cache).facts)
                        if d[.search] == .allowed { n += 1 }
                    }
                    return n
                }
            }
            return (Double(asked.count) / (now() - start), allowed)
        }
        /// The same from the consent index (what POST /v1/check does for T at or after the latest leaf).
        func indexed(at t: Timestamp) -> (rate: Double, cpuRate: Double, allowed: Int) {
            let start = now(), startCPU = threadCPU()
            var allowed = 0
            let search = UsageCategory.allCases.firstIndex(of: .search) ?? 0
            var lines = CanonicalJSONWriter(capacity: 256 * 160)
            var replyBytes = 0
            for chunk in stride(from: 0, to: asked.count, by: 256) {
                let part = asked[chunk..<min(chunk + 256, asked.count)].map { Resolution.Query(work: $0, at: t) }
                // The reply lines of the chunk, as the route writes them.
                lines.removeAll()
                for d in store.compactDecisions(part, operators: operators, unverifiedLimit: { _ in LogSnapshot.unverifiedLimit }) {
                    guard let d else { continue }
                    if d.values[search] == .allowed { allowed += 1 }
                    d.writeJSON(&lines)
                    lines.endLine()
                }
                replyBytes += lines.bytes.count
            }
            _ = replyBytes
            return (Double(asked.count) / (now() - start), Double(asked.count) / (threadCPU() - startCPU), allowed)
        }
        /// The same at any T from the resolution inputs of the records in force at T (what
        /// POST /v1/check does for a T before the latest leaf): 256 works a snapshot.
        func fromInputs(at t: Timestamp, cache: ParsedStateCache) throws -> (rate: Double, cpuRate: Double, allowed: Int) {
            let start = now(), cpuStart = processCPUTime()
            var allowed = 0
            let search = UsageCategory.allCases.firstIndex(of: .search) ?? 0
            var replyBytes = 0
            for chunk in stride(from: 0, to: asked.count, by: 256) {
                let part = asked[chunk..<min(chunk + 256, asked.count)].map { Resolution.Query(work: $0, at: t) }
                let (n, bytes) = try store.readBlocking { s in
                    var n = 0
                    // The reply lines, as the route writes them (`CompactDecision.writeJSON`).
                    var lines = CanonicalJSONWriter(capacity: 256 * 160)
                    for d in try s.compactDecisions(part, operators: operators, cache: cache, unverifiedLimit: { _ in LogSnapshot.unverifiedLimit }) {
                        if d.values[search] == .allowed { n += 1 }
                        d.writeJSON(&lines)
                        lines.endLine()
                    }
                    return (n, lines.bytes.count)
                }
                allowed += n
                replyBytes += bytes
            }
            _ = replyBytes
            return (Double(asked.count) / (now() - start), Double(asked.count) / (processCPUTime() - cpuStart), allowed)
        }
        let rssBeforeQueries = procStatusMB("VmRSS")
        let indexBytes = store.consentIndexBytes
        /// Each bulk rate is the median of `passes` passes over the asked works: one pass at a
        /// past T lasts about half a second, and single passes of the same binary on the same
        /// store moved by a third between runs (docs/benchmarks.md "Consent benchmark"). The
        /// parsed-state cache is kept between passes, as a node keeps it between requests.
        let passes = 5
        /// The pass of median rate (`passes` is odd), once every pass has given the same answers:
        /// the answers are checked against the records below, and a pass that answered otherwise
        /// (a warm cache deciding otherwise than a cold one) must not hide behind the median.
        func median(_ runs: [(rate: Double, cpuRate: Double, allowed: Int)], _ what: String) throws -> (rate: Double, cpuRate: Double, allowed: Int) {
            guard let first = runs.first, runs.allSatisfy({ $0.allowed == first.allowed }) else {
                throw UsageError(description: "\(what): the passes allow search for different numbers of works: \(runs.map(\.allowed))")
            }
            return runs.sorted { $0.rate < $1.rate }[runs.count / 2]
        }
        let (indexRate, indexCPURate, indexAllowed) = try median((0..<passes).map { _ in indexed(at: lastTime) }, "bulk check now")
        let indexSize = store.consentIndexSize
        // One parsed-state cache alive at a time, as a node has one: the warm cache is let go
        // before the cold run, whose cache then serves the single-work reads.
        var cache = ParsedStateCache()
        let (nowRate, nowAllowed) = try bulk(at: lastTime, cache: cache)
        guard indexAllowed == nowAllowed else {
            throw UsageError(description: "the consent index allows search for \(indexAllowed) works, the records for \(nowAllowed)")
        }
        let (pastRecordsRate, pastRecordsAllowed) = try bulk(at: pastTime, cache: cache)
        let stats = cache.stats
        cache = ParsedStateCache()
        let pastPasses = try (0..<passes).map { _ in try fromInputs(at: pastTime, cache: cache) }
        let (pastRate, pastCPURate, pastAllowed) = try median(pastPasses, "bulk check at a past T")
        // The first pass alone: the parsed-state cache is cold for these works then (it is new),
        // which a node answering the same works again is not. The kernel's page cache is not
        // cold: the fill wrote these rows and the records paths just read the same works' records
        // at the same T, so this is not the rate of a node's first query after it started.
        let pastFirstRate = pastPasses[0].rate
        guard pastAllowed == pastRecordsAllowed else {
            throw UsageError(description: "at a past T the resolution inputs allow search for \(pastAllowed) works, the records for \(pastRecordsAllowed)")
        }
        cache = ParsedStateCache()
        let (coldRate, _) = try bulk(at: lastTime, cache: cache)

        // One work's state, its own snapshot each (GET /v1/works/{work} in process).
        var latencies = [Double]()
        let single = Array(asked.prefix(10_000))
        for w in single {
            let start = now()
            _ = try store.readBlocking { try $0.workState(Resolution.Query(work: w, at: lastTime), operators: operators, cache: cache) }
            latencies.append(now() - start)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        let peak = procStatusMB("VmHWM")
        let cacheBytes = cache.bytes

        if json {
            print(Out.object([
                ("works", .integer(Int64(works))), ("statements", .integer(Int64(total))), ("batches", .integer(Int64(batches))),
                ("fill_statements_per_second", .number(appendTime > 0 ? Double(total) / appendTime : 0)), ("fill_wall_seconds", .number(fillWall)),
                ("queries", .integer(Int64(asked.count))),
                ("bulk_decisions_per_second_now", .number(indexRate)), ("bulk_decisions_per_cpu_second_now", .number(indexCPURate)),
                ("bulk_decisions_per_second_now_from_records", .number(nowRate)),
                ("rss_before_queries_mb", .number(rssBeforeQueries)), ("bulk_decisions_per_second_past", .number(pastRate)),
                ("bulk_decisions_per_second_past_from_records", .number(pastRecordsRate)),
                ("bulk_decisions_per_second_past_first_pass", .number(pastFirstRate)), ("open_seconds", .number(openSeconds)),
                ("open_cpu_seconds", .number(openCPU)), ("bulk_decisions_per_cpu_second_past", .number(pastCPURate)),
                ("bulk_decisions_per_second_now_cold_cache", .number(coldRate)),
                ("state_p50_ms", .number(percentile(0.5))), ("state_p99_ms", .number(percentile(0.99))),
                ("search_allowed_now", .integer(Int64(nowAllowed))), ("search_allowed_past", .integer(Int64(pastAllowed))),
                ("cache_statements", .integer(Int64(stats.count))), ("cache_hits", .integer(Int64(stats.hits))), ("cache_misses", .integer(Int64(stats.misses))),
                ("peak_rss_mb", .number(peak)), ("tree_bytes", .integer(Int64(store.mapSize.bytes))),
                ("consent_index_bytes", .integer(Int64(indexBytes))), ("cache_bytes", .integer(Int64(cacheBytes))), ("directory", .string(dir.path)),
            ]).text)
        } else {
            print("Consent state: \(grouped(Double(works))) works, \(grouped(Double(total))) statements (\(creators) creators, \(stewards) stewards), \(batches) batches")
            print("  fill                 \(appendTime > 0 ? grouped(Double(total) / appendTime) : "(reused)") statements/s through LogStore.append (\(String(format: "%.0f", fillWall)) s wall, signing included)")
            print("  bulk check, now      \(grouped(indexRate)) decisions/s from the consent index (\(grouped(Double(indexSize.works))) works held; reply lines encoded), \(grouped(indexCPURate)) per CPU second")
            print("  … from the records   \(grouped(nowRate)) decisions/s (\(asked.count) works, 256 a snapshot, one thread)")
            print("  open                 \(String(format: "%.2f", openSeconds)) s, \(String(format: "%.2f", openCPU)) CPU-s (a store filled before: migrated if need be, map tree and consent index rebuilt)")
            print("  bulk check, past T   \(grouped(pastRate)) decisions/s, \(grouped(pastCPURate)) a CPU-second, from the resolution inputs (T = \(pastTime.rfc3339), the middle of the log; reply lines encoded)")
            print("  … first pass         \(grouped(pastFirstRate)) decisions/s (parsed-state cache cold for these works; the rate above is the median of \(passes) passes)")
            print("  … from the records   \(grouped(pastRecordsRate)) decisions/s (consentFacts and Resolution)")
            print("  bulk, cold cache     \(grouped(coldRate)) decisions/s")
            print("  single work state    p50 \(String(format: "%.3f", percentile(0.5))) ms, p99 \(String(format: "%.3f", percentile(0.99))) ms (\(single.count) works, a snapshot each)")
            print("  answers              search allowed for \(nowAllowed) now, \(pastAllowed) at T")
            print("  statement cache      \(stats.count) held, \(stats.hits) hits, \(stats.misses) misses")
            print("  RSS before queries   \(String(format: "%.0f", rssBeforeQueries)) MB (VmRSS; tree \(String(format: "%.0f", Double(store.mapSize.bytes) / 1e6)) MB, consent index \(String(format: "%.0f", Double(indexBytes) / 1e6)) MB)")
            print("  parsed-state cache   \(String(format: "%.1f", Double(cacheBytes) / 1e6)) MB estimated at the end (bound \(ParsedStateCache.defaultByteCapacity >> 20) MiB)")
            print("  peak RSS (VmHWM)     \(String(format: "%.0f", peak)) MB")
        }
    }

    /// Beside a kept store, the key files a node serving it needs (`NodeKeys`: `log.key` named by
    /// the origin, `operator.key` named `<origin>/operator`), so that Scripts/bench-consent.sh can
    /// start `assent serve` on the filled store (renamed node.sqlite) and measure it over HTTP.
    static func writeNodeKeys(log: NoteSigner, operator op: SigningKey, in dir: URL) throws {
        for (file, signer) in [("log.key", log), ("operator.key", try NoteSigner(name: "\(origin)/operator", key: op))] {
            let path = dir.appendingPathComponent(file).path
            if !FileManager.default.fileExists(atPath: path) { try KeyFile.save(signer, to: path) }
        }
    }
}
