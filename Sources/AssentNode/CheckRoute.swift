import AssentCore
import AssentStore
import Hummingbird
import NIOCore

extension Node {
    /// The most works one `POST /v1/check` may ask about.
    public static let maxCheckWorks = 100_000
    /// The longest line of a check body: a work id is at most 1,024 bytes, and a JSON string of
    /// one (with escapes) or the first line fits in this.
    static let maxCheckLine = 8192
    /// Works decided per snapshot read: bounds the memory of a check, whatever its length.
    static let checkChunk = 256

    /// `POST /v1/check` (docs/node.md "Bulk check"): NDJSON in, NDJSON out, both streamed. The
    /// first line is the query (`{"at", "audience", "purpose", "unverified"}`, each optional),
    /// then one work id per line as a JSON string, at most `maxCheckWorks`. The reply's first line
    /// repeats the query with the log and the epoch the answers stand on; then one line per work
    /// line, in input order: the work's decision in compact form, or `{"line", "problem"}` for a
    /// line that is not a work id; then `{"end": {"works", "errors"}}`, so that a client can tell
    /// a whole answer from a cut one. Only a bad first line refuses the whole request (400).
    func addCheckRoute(to router: Router<NodeRequestContext>, cache: ParsedStateCache) {
        let store = self.store
        let clock = self.clock
        let operators = admission.operators
        let trusted = self.trusted
        let permits = bodyPermits
        let maxBodyBytes = config.maxBodyBytes
        router.post("/v1/check") { request, _ -> Response in
            // The body streams while the reply is written: the permit is held until the reply is
            // done (or dropped), not only while this handler runs.
            guard permits.tryAcquire() else {
                return .problem(.busy("the node is handling \(permits.limit) large request bodies, its most; try again shortly"),
                                extra: [.retryAfter: "1"])
            }
            let permit = PermitHold(permits)
            let reader = LineReader(request.body, maxLine: Node.maxCheckLine, maxBytes: maxBodyBytes)
            let query: StateQuery
            do {
                query = try await Node.checkQuery(reader)
            } catch let refusal as StateQuery.Refusal {
                return .problem(.badRequest(refusal.description))
            } catch is LineReader.TooLarge {
                return .problem(.tooLarge(ProblemMiddleware<NodeRequestContext>.tooLargeDetail(maxBodyBytes)), extra: [.connection: "close"])
            }
            let at = query.at ?? clock.now
            let (epoch, provisional) = try await store.read { try $0.epochAnswering(at) }
            var head: [JSONKey: JSONValue] = [
                "at": .string(at.rfc3339), "audience": .string(query.audience.value), "purpose": .string(query.purpose.rawValue),
                "countUnverified": .bool(query.countUnverified), "log": .string(store.origin), "provisional": .bool(provisional),
            ]
            if let epoch { head["epoch"] = epoch.json }
            if let trusted { head["logs"] = .array(try await trusted.read { try $0.coverage(at: at) }.map(\.json)) }
            let first = JSONValue.object(head)
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
                try await permit.whileHeld {
                    var out = ByteBuffer()
                    Node.appendLine(first, to: &out)
                    try await writer.write(out)
                    // No end line after a failure of the node said on the stream: the reply was cut.
                    if let summary = try await Node.answerCheck(reader, query: query, at: at, store: store, operators: operators,
                                                                cache: cache, writer: &writer, trusted: trusted) {
                        out.clear()
                        Node.appendLine(["end": ["works": .integer(Int64(summary.works)), "errors": .integer(Int64(summary.errors))]], to: &out)
                        try await writer.write(out)
                    }
                    try await writer.finish(nil)
                }
            })
        }
    }

    /// Reads the first non-blank line: the query, a JSON object.
    static func checkQuery(_ reader: LineReader) async throws -> StateQuery {
        while let line = try await reader.next() {
            guard case let .line(bytes) = line else {
                throw StateQuery.Refusal(description: "line 1 is longer than \(maxCheckLine) bytes; it is the query, {\"audience\":…,\"purpose\":…,\"at\":…}")
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard case let .object(members)? = try? CanonicalJSON.parse(bytes, requireCanonical: false) else {
                throw StateQuery.Refusal(description: "line \(reader.lineNumber) must be the query, a JSON object such as {\"audience\":\"*\",\"purpose\":\"research\",\"at\":\"2026-11-21T10:00:00.000Z\"} (each member optional); then one work id per line as a JSON string")
            }
            var query = StateQuery()
            for (name, value) in members {
                guard case let .string(text) = value else {
                    throw StateQuery.Refusal(description: "line \(reader.lineNumber): \(name.string.prefix(40)) must be a string")
                }
                try query.set(name.string, text)
            }
            return query
        }
        throw StateQuery.Refusal(description: "the body is empty: its first line is the query, {\"audience\":…,\"purpose\":…,\"at\":…}, then one work id per line as a JSON string")
    }

    /// Reads work lines, decides them a chunk at a time in one snapshot each, and writes their
    /// answers in input order. Returns the counts for the end line, or nil when a failure of the
    /// node was said on the stream instead (`stopCheck`): the reply then ends without one.
    static func answerCheck(_ reader: LineReader, query: StateQuery, at: Timestamp, store: LogStore, operators: Set<PublicKey>,
                            cache: ParsedStateCache, writer: inout any ResponseBodyWriter,
                            trusted: FederatedState? = nil) async throws -> (works: Int, errors: Int)? {
        var works = 0, errors = 0
        var chunk = [(line: Int, work: Result<WorkID, Problem>)]()
        func flush(_ writer: inout any ResponseBodyWriter) async throws {
            guard !chunk.isEmpty else { return }
            if let trusted {
                // With mirrors: every trusted log's facts (FederatedCheck.swift).
                defer { chunk.removeAll(keepingCapacity: true) }
                return try await Node.answerFederated(chunk, query: query, at: at, trusted: trusted, operators: operators, cache: cache,
                                                      writer: &writer)
            }
            let asked = chunk
            chunk.removeAll(keepingCapacity: true)
            // From the consent index when T is not before the log's latest leaf (the usual "now"):
            // no SQLite, no JSON parsed or built (each line written by `CompactDecision.writeJSON`).
            // Otherwise, or for what it cannot decide, a snapshot.
            var compact = [CompactDecision?](repeating: nil, count: asked.count)
            let positions = asked.indices.filter { if case .success = asked[$0].work { true } else { false } }
            let queries = positions.compactMap { i -> Resolution.Query? in
                if case let .success(work) = asked[i].work { query.resolution(work, now: at) } else { nil }
            }
            let fromIndex = store.compactDecisions(queries, operators: operators) {
                $0.countUnverified ? LogSnapshot.countedUnverifiedLimit : LogSnapshot.unverifiedLimit
            }
            var fromIndexCount = 0
            for (i, decision) in zip(positions, fromIndex) where decision != nil {
                compact[i] = decision
                fromIndexCount += 1
            }
            if fromIndexCount < positions.count { do {
                let rest = try await store.read { [compact] snapshot in
                    // From the resolution inputs of the records in force at T (no record or leaf
                    // parsed); a work asked again within the chunk is decided once.
                    let open = asked.indices.filter { compact[$0] == nil }
                    let queries = open.compactMap { i -> Resolution.Query? in
                        if case let .success(work) = asked[i].work { query.resolution(work, now: at) } else { nil }
                    }
                    let answers = try snapshot.compactDecisions(queries, operators: operators, cache: cache) {
                        $0.countUnverified ? LogSnapshot.countedUnverifiedLimit : LogSnapshot.unverifiedLimit
                    }
                    var out = [Int: CompactDecision]()
                    var next = answers.makeIterator()
                    for i in open {
                        guard case .success = asked[i].work, let d = next.next() else { continue }
                        out[i] = d
                    }
                    return out
                }
                for (i, d) in rest { compact[i] = d }
            } catch {
                try await Node.stopCheck(after: error, writer: &writer)
            } }
            try await Node.writeCheckLines(asked, to: &writer) { i, _, lines in
                guard let c = compact[i] else { return false }
                c.writeJSON(&lines)
                return true
            }
        }
        do {
            while let line = try await reader.next() {
                let number = reader.lineNumber
                let item: Result<WorkID, Problem>
                switch line {
                case .tooLong:
                    item = .failure(.badRequest("line \(number) is longer than \(maxCheckLine) bytes; a work id is at most \(WorkID.maxBytes)"))
                case let .line(bytes):
                    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                    item = Node.checkWork(bytes, line: number)
                }
                if case .failure = item { errors += 1 }
                works += 1
                guard works <= maxCheckWorks else {
                    try await flush(&writer)
                    var out = ByteBuffer()
                    appendLine(["line": .integer(Int64(number)),
                                "problem": Problem(.tooLarge, "a check asks about at most \(maxCheckWorks) works; send the rest in another request").json],
                               to: &out)
                    try await writer.write(out)
                    return (works - 1, errors + 1)
                }
                chunk.append((number, item))
                if chunk.count >= checkChunk { try await flush(&writer) }
            }
            try await flush(&writer)
        } catch is LineReader.TooLarge {
            // The works read before the body grew too large are answered first. A failure of the
            // node said while answering them stops the check here too: `CheckStopped` thrown in
            // this handler would not reach the one below, and would leave the reply unfinished.
            do { try await flush(&writer) } catch is CheckStopped { return nil }
            var out = ByteBuffer()
            appendLine(["line": .integer(Int64(reader.lineNumber + 1)), "problem": Problem.tooLarge(ProblemMiddleware<NodeRequestContext>.tooLargeDetail(reader.maxBytes)).json],
                       to: &out)
            try await writer.write(out)
            return (works, errors + 1)
        } catch is CheckStopped {
            return nil
        }
        return (works, errors)
    }

    /// A work line: a JSON string holding a work id as typed, normalized (PROTOCOL §2).
    static func checkWork(_ bytes: [UInt8], line: Int) -> Result<WorkID, Problem> {
        guard case let .string(text)? = try? CanonicalJSON.parse(bytes, requireCanonical: false) else {
            return .failure(.badRequest("line \(line): write each work id as a JSON string, e.g. \"iswc:T0345246801\""))
        }
        do { return .success(try WorkID(parsing: text)) } catch {
            return .failure(.badRequest("line \(line): work \"\(text.prefix(120))\": \(error)"))
        }
    }

    static func appendLine(_ value: JSONValue, to out: inout ByteBuffer) {
        var bytes = [UInt8]()
        CanonicalJSON.write(value, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        out.writeBytes(bytes)
    }
}

/// A body permit held by a streamed reply: given back when the reply is written, or when it is
/// dropped unwritten (a HEAD, a client gone before the body), so that none leaks.
final class PermitHold: Sendable {
    let permits: BodyPermits

    init(_ permits: BodyPermits) { self.permits = permits }

    func whileHeld<T>(_ body: () async throws -> T) async rethrows -> T { try await body() }

    deinit { permits.release() }
}
