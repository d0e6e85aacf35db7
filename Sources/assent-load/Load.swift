// assent-load: concurrent clients submitting pre-signed statements to a node over HTTP.
// Used by Scripts/bench-node.sh (throughput and latency), Scripts/crash-drill.sh (steady load
// with retries while the node is killed and restarted) and, with --get-works, by
// Scripts/bench-consent.sh (latency of a work's state over HTTP).
import AssentCore
import AssentNode
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

let usage = """
    usage: assent-load --node URL --count N [--clients C] [--batch B] [--rate R] [--retry]
                       [--receipts FILE] [--prefix P] [--enroll-with OPERATOR_KEY] [--json]
           assent-load --node URL --get-works FILE --count N [--clients C] [--json]

      --count N     statements to submit (pre-signed before the clock starts)
      --clients C   concurrent HTTP clients (default 8)
      --batch B     statements per request, 1...1000 (default 100)
      --rate R      target statements/s, open loop; latency counts from each request's
                    scheduled time, so a slow node cannot hide its queueing (default: no limit)
      --retry       retry a failed request until it gets a reply (the crash drill); safe
                    because a node logs the same statement once
      --receipts F  append every receipt to F, one JSON object per line, as soon as it arrives
      --prefix P    work-id prefix, so runs against the same node log new works (default: random)
      --enroll-with F  the node's operator key file: enroll this run's key first, so its
                    statements are an enrolled party's; without it they are open declarations
      --get-works F read work ids from F (one a line) and ask GET /v1/works/{work} for them,
                    round robin, N requests in all: reports requests/s and latency, submits nothing
      --json        print the summary as JSON
    """

struct Options {
    var node = ""
    var count = 0
    var clients = 8
    var batch = 100
    var rate: Double?
    var retry = false
    var receipts: String?
    var prefix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    var json = false
    var enrollWith: String?
    var getWorks: String?
}

func parseOptions() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n\(usage)\n".utf8))
        exit(2)
    }
    func number(_ text: String, _ flag: String) -> Int {
        guard let n = Int(text) else { fail("\(flag) must be a number") }
        return n
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        func value() -> String {
            guard !args.isEmpty else { fail("\(a) needs a value") }
            return args.removeFirst()
        }
        switch a {
        case "--node": o.node = value()
        case "--count": o.count = number(value(), a)
        case "--clients": o.clients = number(value(), a)
        case "--batch": o.batch = number(value(), a)
        case "--rate": o.rate = Double(number(value(), a))
        case "--retry": o.retry = true
        case "--receipts": o.receipts = value()
        case "--prefix": o.prefix = value()
        case "--json": o.json = true
        case "--enroll-with": o.enrollWith = value()
        case "--get-works": o.getWorks = value()
        case "-h", "--help":
            print(usage)
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    guard !o.node.isEmpty, o.count > 0, o.clients > 0, (1...1000).contains(o.batch) else { fail("need --node and --count") }
    return o
}

/// Collected results, shared by the client tasks.
final class Tally: Sendable {
    struct State {
        var accepted = 0
        var refused = 0
        var failedRequests = 0
        var latencies = [Double]()
        var refusals = [String: Int]()
    }
    let state = Mutex(State())
    let receiptFile: FileHandle?

    init(receipts: String?) {
        if let receipts {
            if !FileManager.default.fileExists(atPath: receipts) { _ = FileManager.default.createFile(atPath: receipts, contents: nil) }
            receiptFile = FileHandle(forWritingAtPath: receipts)
            receiptFile?.seekToEndOfFile()
        } else {
            receiptFile = nil
        }
    }
}

@main
struct Load {
    static func main() async {
        do {
            let options = parseOptions()
            if let file = options.getWorks { try await WorkReads.run(options, file: file) } else { try await run(options) }
        } catch {
            // A missing key file or an unreachable node is a message, not a crash report.
            FileHandle.standardError.write(Data("assent-load: \(error)\n".utf8))
            exit(1)
        }
    }

    nonisolated static func run(_ o: Options) async throws {
        let key = try SigningKey.generate()
        // Sign everything before the clock starts, on all cores: the benchmark measures the node.
        let batches = (o.count + o.batch - 1) / o.batch
        let bodies = await withTaskGroup(of: (Int, [UInt8]).self) { group in
            let issued = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
            for b in 0..<batches {
                group.addTask {
                    let range = (b * o.batch)..<min(o.count, (b + 1) * o.batch)
                    var body: [UInt8] = [UInt8(ascii: "[")]
                    for n in range {
                        if n > range.lowerBound { body.append(UInt8(ascii: ",")) }
                        let statement = SignedStatement.sign(.preference(Preference(
                            by: key.publicKey, issued: issued, work: try! WorkID(parsing: "local:load.example/\(o.prefix)-\(n)"),
                            usage: ["train-ai": n % 2 == 0, "search": true])), with: key)
                        body += statement.canonicalBytes
                    }
                    body.append(UInt8(ascii: "]"))
                    return (b, body)
                }
            }
            var out = [[UInt8]](repeating: [], count: batches)
            for await (b, body) in group { out[b] = body }
            return out
        }
        if let path = o.enrollWith {
            // With --retry (the crash drill), a node killed during the enrollment is waited for,
            // as every later request is (a second enrollment of the party, if the first was logged
            // before the kill, changes nothing).
            var attempt = 0
            while true {
                do {
                    try await enroll(key.publicKey, operatorKeyFile: path, node: o.node)
                    break
                } catch {
                    attempt += 1
                    guard o.retry, attempt < 300 else { throw error }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        let tally = Tally(receipts: o.receipts)
        let next = BatchCounter()
        let url = o.node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/statements"
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: o.clients)
        config.timeout = .init(connect: .seconds(2), read: .seconds(120))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<o.clients {
                group.addTask {
                    while true {
                        let b = next.take()
                        guard b < batches else { return }
                        var scheduled = ContinuousClock.now
                        if let rate = o.rate {
                            scheduled = start.advanced(by: .seconds(Double(b * o.batch) / rate))
                            if scheduled > .now { try? await Task.sleep(until: scheduled) }
                        }
                        await send(bodies[b], client: client, url: url, scheduled: scheduled, retry: o.retry, tally: tally)
                    }
                }
            }
        }
        let elapsed = start.duration(to: .now)
        try await client.shutdown()
        tally.receiptFile?.synchronizeFile()
        report(o, tally: tally, elapsed: elapsed)
    }

    /// Enrolls `party` with the operator's key, so that what follows is an enrolled party's load.
    static func enroll(_ party: PublicKey, operatorKeyFile path: String, node: String) async throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LoadError("cannot read the operator key file \(path): \((error as NSError).localizedDescription)")
        }
        let signer = try NoteSigner(parsingPrivateKey: text.trimmingCharacters(in: .whitespacesAndNewlines))
        let enrollment = SignedStatement.sign(.enrollment(Enrollment(by: signer.key.publicKey, issued: .now, party: party, role: .creator)),
                                              with: signer.key)
        var request = HTTPClientRequest(url: node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/statements")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: enrollment.canonicalBytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let reply = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw LoadError("enrollment refused: HTTP \(response.status.code) \(String(buffer: reply))") }
    }

    static func send(_ body: [UInt8], client: HTTPClient, url: String, scheduled: ContinuousClock.Instant, retry: Bool, tally: Tally) async {
        while true {
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
                let response = try await client.execute(request, timeout: .seconds(120))
                let reply = Array(buffer: try await response.body.collect(upTo: 256 * 1024 * 1024))
                guard response.status == .ok else { throw LoadError("HTTP \(response.status.code): \(String(decoding: reply.prefix(300), as: UTF8.self))") }
                let latency = scheduled.duration(to: .now)
                let value = try CanonicalJSON.parse(reply)
                guard case let .array(results)? = value["results"] else { throw LoadError("reply without results") }
                var lines = [UInt8]()
                var accepted = 0
                var refusals = [String: Int]()
                // The statements sent are parsed only to write the receipts file: the load
                // generator shares the machine with the node, and its work is not the node's.
                let sent = tally.receiptFile == nil ? [] : (try? CanonicalJSON.parse(body, requireCanonical: false))?.arrayValue ?? []
                for (n, item) in results.enumerated() {
                    if let receipt = item["receipt"] {
                        accepted += 1
                        if tally.receiptFile != nil, n < sent.count {
                            lines += JSONValue.object(["receipt": receipt, "statement": sent[n]]).canonicalBytes + [0x0A]
                        }
                    } else {
                        refusals[item["problem"]?["type"]?.stringValue ?? "?", default: 0] += 1
                    }
                }
                if let file = tally.receiptFile, !lines.isEmpty { file.write(Data(lines)) }
                tally.state.withLock { s in
                    s.accepted += accepted
                    s.refused += results.count - accepted
                    s.latencies.append(Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18)
                    s.refusals.merge(refusals, uniquingKeysWith: +)
                }
                return
            } catch {
                tally.state.withLock { $0.failedRequests += 1 }
                guard retry else { return }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func report(_ o: Options, tally: Tally, elapsed: Duration) {
        let s = tally.state.withLock { $0 }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = s.latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        let rate = Double(s.accepted) / seconds
        if o.json {
            let summary: [JSONKey: JSONValue] = [
                "accepted": .integer(Int64(s.accepted)), "refused": .integer(Int64(s.refused)),
                "failedRequests": .integer(Int64(s.failedRequests)), "requests": .integer(Int64(sorted.count)),
                "elapsedMs": .integer(Int64(seconds * 1000)), "statementsPerSecond": .integer(Int64(rate)),
                "latencyMs": ["p50": .integer(Int64(percentile(0.5) * 1000)), "p90": .integer(Int64(percentile(0.9) * 1000)),
                              "p99": .integer(Int64(percentile(0.99) * 1000)), "max": .integer(Int64((sorted.last ?? 0) * 1000))],
                "clients": .integer(Int64(o.clients)), "batch": .integer(Int64(o.batch)),
                "targetRate": .integer(Int64(o.rate ?? 0)),
                "refusals": .object(Dictionary(uniqueKeysWithValues: s.refusals.map { (JSONKey($0.key), JSONValue.integer(Int64($0.value))) })),
            ]
            print(JSONValue.object(summary).canonicalString)
        } else {
            print(String(format: "%d statements logged with receipts, %d refused, %d failed requests in %.2f s: %.0f statements/s",
                         s.accepted, s.refused, s.failedRequests, seconds, rate))
            print(String(format: "request latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests of %d)",
                         percentile(0.5) * 1000, percentile(0.9) * 1000, percentile(0.99) * 1000, (sorted.last ?? 0) * 1000, sorted.count, o.batch))
            for (reason, n) in s.refusals.sorted(by: { $0.key < $1.key }) { print("refused \(n): \(reason)") }
        }
    }
}

final class BatchCounter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
