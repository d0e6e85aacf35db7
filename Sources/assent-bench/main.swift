// assent-bench: benchmarks of AssentCore and AssentStore. Run through Scripts/bench-core.sh,
// which builds this in release mode and measures the OpenSSL bound in the same run.
import Foundation

let usage = """
    usage: assent-bench crypto [seconds] [leaf_bytes] [message_bytes] [all|leaf_hash|sign|verify] [--json]
           assent-bench store [leaves] [batch] [--dir DIR] [--keep] [--json]
           assent-bench map [keys] [batch] [--json]
           assent-bench parse [leaves] [seconds] [--json]

      crypto   MerkleTree.leafHash, SigningKey.sign and PublicKey.isValidSignature
               rates per CPU-second, single thread, `seconds` of CPU each (default 2;
               leaf 400 B, message 300 B); all three, or only the one named.
      store    appends `leaves` leaves (default 1,000,000) to a fresh SQLite store in
               batches of `batch` (default 1,000: batch-1 statements + 1 epoch leaf);
               reports leaves/s and peak RSS, then reopens and verifies the store.
               Progress every 100,000 leaves goes to stderr.
      map      inserts `keys` state-map keys (default 1,000,000) in batches of `batch`
               (default 1,000) into the node's in-memory tree (CompactPrefixTree) and a
               reference PrefixTree; reports inserts/s, the rebuild at open, memory,
               proof sizes, proofs/s and verifies/s, and peak RSS.
      parse    makes `leaves` leaves (default 100,000) as replicate-source does, then
               parses them on one thread, `seconds` of CPU each (default 2): as a
               mirror parses its peer's (signatures verified), as a store reads its
               own (no signature), and their signatures alone; per CPU-second.
      consent  fills a store through LogStore.append with `works` works (default 100,000,
               a multiple of 1,000) and `statements` statements (default 2 × works:
               enrollments, mandates of 1,000 works, steward mandates with TK-NC,
               preferences and licences), then measures bulk-check decisions/s now and
               at a past T over `queries` works (default 50,000), single-work state
               p50/p99 in process, and peak RSS.
      replicate-source  writes `entries` leaves (default 1,000,000, a multiple of 1,000) into
               the node data directory --dir (keys made there), for `assent serve`; prints
               the log's verifier key (Scripts/bench-replicate.sh).
      replicate-follow URL VKEY [seconds]  measures one core's Ed25519 verify rate
               (`seconds` of CPU, default 2), then replicates the log at URL (verifier key
               VKEY) into a fresh mirror in --dir; reports entries verified and stored per
               second, their ratio to the verify rate, and the follower's peak RSS.
      --json   one JSON object on stdout instead of text.
    """

var args = Array(CommandLine.arguments.dropFirst())
let json = args.contains("--json")
let keep = args.contains("--keep")
args.removeAll { $0 == "--json" || $0 == "--keep" }
var directory: String?
if let i = args.firstIndex(of: "--dir") {
    guard i + 1 < args.count else { FileHandle.standardError.write(Data("--dir needs a path\n\(usage)\n".utf8)); exit(2) }
    directory = args[i + 1]
    args.removeSubrange(i...(i + 1))
}

func number<T: LosslessStringConvertible>(_ args: [String], _ index: Int, default value: T) throws -> T {
    guard index < args.count else { return value }
    guard let parsed = T(args[index].replacingOccurrences(of: "_", with: "")) else {
        throw UsageError(description: "\"\(args[index])\" is not a number")
    }
    return parsed
}

/// Runs async work from this synchronous entry point and waits for it.
func runAsync(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: Error?
    Task {
        do { try await body() } catch { failure = error }
        done.signal()
    }
    done.wait()
    if let failure { throw failure }
}

do {
    switch args.first {
    case "crypto":
        try CryptoBench.run(seconds: number(args, 1, default: 2.0), leafBytes: number(args, 2, default: 400),
                            messageBytes: number(args, 3, default: 300), only: args.count > 4 ? args[4] : "all", json: json)
    case "store":
        try StoreBench.run(leaves: number(args, 1, default: 1_000_000), batch: number(args, 2, default: 1000),
                           directory: directory, keep: keep, json: json)
    case "map":
        try MapBench.run(keys: number(args, 1, default: 1_000_000), batch: number(args, 2, default: 1000), json: json)
    case "parse":
        try ParseBench.run(leaves: number(args, 1, default: 100_000), seconds: number(args, 2, default: 2.0), json: json)
    case "consent":
        let works: Int = try number(args, 1, default: 100_000)
        try ConsentBench.run(works: works, statements: number(args, 2, default: 2 * works), queries: number(args, 3, default: 50_000),
                             directory: directory, keep: keep, json: json)
    case "replicate-source":
        guard let directory else { throw UsageError(description: "replicate-source needs --dir") }
        try ReplicateBench.source(entries: number(args, 1, default: 1_000_000), directory: directory)
    case "replicate-follow":
        guard let directory, args.count >= 3 else { throw UsageError(description: "replicate-follow needs URL, VKEY and --dir") }
        let (url, key, seconds): (String, String, Double) = (args[1], args[2], try number(args, 3, default: 2.0))
        try runAsync { try await ReplicateBench.follow(url: url, key: key, directory: directory, seconds: seconds, json: json) }
    case "-h", "--help", "help":
        print(usage)
    default:
        FileHandle.standardError.write(Data("\(usage)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("assent-bench: \(error)\n".utf8))
    exit(1)
}
