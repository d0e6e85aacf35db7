import AssentCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// `--get-works`: concurrent clients read works' states (`GET /v1/works/{work}`) and time each
/// request, for the latency figures of Scripts/bench-consent.sh. Closed loop: each client sends
/// its next request when the last one is answered.
enum WorkReads {
    static func run(_ o: Options, file: String) async throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw LoadError("cannot read the work list \(file): \((error as NSError).localizedDescription)")
        }
        // Percent-encoded once, before the clock starts: the benchmark measures the node.
        let paths = text.split(whereSeparator: \.isNewline).map { line in
            "/v1/works/" + (String(line).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? String(line))
        }
        guard !paths.isEmpty else { throw LoadError("\(file) names no work") }
        let base = o.node.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: o.clients)
        config.timeout = .init(connect: .seconds(2), read: .seconds(30))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let next = BatchCounter()
        let results = ReadTally()
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<o.clients {
                group.addTask {
                    while true {
                        let n = next.take()
                        guard n < o.count else { return }
                        let sent = ContinuousClock.now
                        do {
                            let response = try await client.execute(HTTPClientRequest(url: base + paths[n % paths.count]), timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 16 << 20)
                            let latency = sent.duration(to: .now)
                            let seconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18
                            results.state.withLock { r in
                                r.latencies.append(seconds)
                                r.statuses[Int(response.status.code), default: 0] += 1
                            }
                        } catch {
                            results.state.withLock { $0.failed += 1 }
                        }
                    }
                }
            }
        }
        let elapsed = start.duration(to: .now)
        try await client.shutdown()
        let r = results.state.withLock { $0 }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = r.latencies.sorted()
        func ms(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        let ok = r.statuses[200] ?? 0
        if o.json {
            let summary: [JSONKey: JSONValue] = [
                "requests": .integer(Int64(sorted.count)), "ok": .integer(Int64(ok)), "failedRequests": .integer(Int64(r.failed)),
                "requestsPerSecond": .integer(Int64(Double(sorted.count) / seconds)), "clients": .integer(Int64(o.clients)),
                // Microseconds: a work's state is answered in well under a millisecond in process.
                "latencyMicroseconds": ["p50": .integer(Int64(ms(0.5) * 1000)), "p99": .integer(Int64(ms(0.99) * 1000)),
                                        "max": .integer(Int64(ms(1) * 1000))],
                "statuses": .object(Dictionary(uniqueKeysWithValues: r.statuses.map { (JSONKey(String($0.key)), JSONValue.integer(Int64($0.value))) })),
            ]
            print(JSONValue.object(summary).canonicalString)
        } else {
            print(String(format: "%d work states read (%d answered 200, %d failed) in %.2f s: %.0f requests/s with %d clients",
                         sorted.count, ok, r.failed, seconds, Double(sorted.count) / seconds, o.clients))
            print(String(format: "latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms", ms(0.5), ms(0.99), ms(1)))
        }
        if ok < sorted.count || r.failed > 0 { throw LoadError("\(sorted.count - ok + r.failed) of \(o.count) reads did not answer 200") }
    }
}

/// What the readers saw, shared by their tasks.
final class ReadTally: Sendable {
    let state = Mutex((latencies: [Double](), failed: 0, statuses: [Int: Int]()))
}
