import AssentCore
import AssentStore
import Hummingbird

extension Node {
    /// The consent state of works and parties (PROTOCOL §5, §6; docs/node.md "State"):
    /// `GET /v1/works/{work}`, `/v1/works/{work}/history`, `/v1/parties/{key}`, and the bulk
    /// `POST /v1/check` (`addCheckRoute`). Every read runs in one snapshot on GRDB's reader queues.
    func addStateRoutes(to router: Router<NodeRequestContext>) {
        let store = self.store
        let clock = self.clock
        let operators = admission.operators
        let trusted = self.trusted
        // Mandates and enrollments are shared by many works: parsed once for every route.
        let cache = ParsedStateCache()
        router.get("/v1/works/:work") { request, context -> Response in
            let work: WorkID, query: StateQuery
            do {
                work = try Node.workID(pathSegment: context.parameters.get("work") ?? "")
                query = try StateQuery.parse(request.uri.query)
            } catch { return .problem(.badRequest("\(error)")) }
            let asked = query.resolution(work, now: clock.now)
            // With mirrors, every trusted log's facts, and each log's coverage (docs/federation.md).
            if let trusted {
                let state = try await trusted.read { try $0.workState(asked, operators: operators, cache: cache) }
                return .json(state.json(answeredBy: store.origin))
            }
            let state = try await store.read { try $0.workState(asked, operators: operators, cache: cache) }
            return .json(state.json(log: store.origin))
        }
        router.get("/v1/works/:work/history") { request, context -> Response in
            // With mirrors, every trusted log's changes merged, paged by a cursor (docs/federation.md).
            if let trusted {
                let work: WorkID, cursor: FederatedCursor
                do {
                    work = try Node.workID(pathSegment: context.parameters.get("work") ?? "")
                    cursor = try Node.cursor(request.uri.query, logs: trusted)
                } catch { return .problem(.badRequest("\(error)")) }
                let now = clock.now
                let (page, coverage) = try await trusted.read { (try $0.workHistory(of: work, from: cursor), try $0.coverage(at: now)) }
                var reply: [JSONKey: JSONValue] = ["work": .string(work.description), "log": .string(store.origin),
                                                   "logs": .array(coverage.map(\.json)), "changes": .array(page.changes.map(\.json))]
                if let next = page.next { reply["next"] = .string(next.token(origins: trusted.logs.map(\.origin))) }
                return .json(.object(reply))
            }
            let work: WorkID, from: UInt64
            do {
                work = try Node.workID(pathSegment: context.parameters.get("work") ?? "")
                from = try Node.from(request.uri.query)
            } catch { return .problem(.badRequest("\(error)")) }
            let changes = try await store.read { try $0.workHistory(of: work, from: from) }
            var reply: [JSONKey: JSONValue] = ["work": .string(work.description), "log": .string(store.origin),
                                               "changes": .array(changes.map(\.json))]
            if changes.count == LogSnapshot.maxHistory, let last = changes.last { reply["next"] = .integer(Int64(clamping: last.record.stamp.index + 1)) }
            return .json(.object(reply))
        }
        router.get("/v1/parties/:key") { request, context -> Response in
            if let trusted {
                let party: PublicKey, cursor: FederatedCursor
                do {
                    party = try Node.partyKey(hex: context.parameters.get("key") ?? "")
                    cursor = try Node.cursor(request.uri.query, logs: trusted)
                } catch { return .problem(.badRequest("\(error)")) }
                let now = clock.now
                let (page, coverage) = try await trusted.read { (try $0.partyHistory(of: party, from: cursor), try $0.coverage(at: now)) }
                var reply: [JSONKey: JSONValue] = [
                    "party": .string(party.base64), "log": .string(store.origin), "logs": .array(coverage.map(\.json)),
                    "enrollments": .array(page.enrollments.map(\.json)), "mandates": .array(page.mandates.map(\.json)),
                ]
                if let next = page.next { reply["next"] = .string(next.token(origins: trusted.logs.map(\.origin))) }
                return .json(.object(reply))
            }
            let party: PublicKey, from: UInt64
            do {
                party = try Node.partyKey(hex: context.parameters.get("key") ?? "")
                from = try Node.from(request.uri.query)
            } catch { return .problem(.badRequest("\(error)")) }
            let (enrollments, mandates) = try await store.read { snapshot in
                (try snapshot.partyHistory(of: party, from: from), try snapshot.mandates(naming: party, from: from))
            }
            return .json(Node.partyReply(party, log: store.origin, enrollments: enrollments, mandates: mandates))
        }
        addCheckRoute(to: router, cache: cache)
    }

    /// The reply of `GET /v1/parties/{key}`. When either list is full (`LogSnapshot.maxHistory`
    /// enrollment changes, `maxMandates` mandates),
    /// both are cut at the earlier of their last leaves and `next` says where to go on, so that
    /// the next page repeats nothing and skips nothing.
    static func partyReply(_ party: PublicKey, log: String, enrollments: [MapChange], mandates: [LoggedMandate]) -> JSONValue {
        let full = [enrollments.count == LogSnapshot.maxHistory ? enrollments.last?.record.stamp.index : nil,
                    mandates.count == LogSnapshot.maxMandates ? mandates.last?.index : nil].compactMap { $0 }
        let cut = full.min()
        var reply: [JSONKey: JSONValue] = [
            "party": .string(party.base64), "log": .string(log),
            "enrollments": .array(enrollments.filter { e in cut.map { e.record.stamp.index <= $0 } ?? true }.map(\.json)),
            "mandates": .array(mandates.filter { m in cut.map { m.index <= $0 } ?? true }.map(\.json)),
        ]
        if let cut { reply["next"] = .integer(Int64(clamping: cut + 1)) }
        return .object(reply)
    }

    /// A work id from one path segment: percent-decoded once (RFC 3986 §2.1: `/` is `%2F`, `:`
    /// may be `%3A`, and a `%` inside a `url:` id is `%25`), then read as typed and normalized
    /// (PROTOCOL §2), so `iswc:T-034.524.680-1` and `iswc:T0345246801` name one work.
    static func workID(pathSegment segment: String) throws -> WorkID {
        guard let text = PercentDecoding.decode(segment) else {
            throw StateQuery.Refusal(description: "the work id in the path is not percent-encoded UTF-8 (write / as %2F and % as %25): \"\(segment.prefix(120))\"")
        }
        do { return try WorkID(parsing: text) } catch {
            throw StateQuery.Refusal(description: "work \"\(text.prefix(120))\": \(error)")
        }
    }

    /// A party's key in a path: 64 lower-case hex digits of its 32 bytes, the spelling the
    /// node's other paths use for 32-byte values (`/v1/statements/{hash}`); base64 has `/` and `+`.
    static func partyKey(hex text: String) throws -> PublicKey {
        guard let bytes = statementHash(hex: text)?.bytes else {
            throw StateQuery.Refusal(description: "the party key in the path is 64 lower-case hex digits (its 32 bytes; base64 does not fit a path), not \"\(text.prefix(80))\"")
        }
        do { return try PublicKey(bytes: bytes) } catch {
            throw StateQuery.Refusal(description: "party key \(text): \(error)")
        }
    }

    /// The optional `from` of the history routes on a node with mirrors: the `next` of the
    /// previous page, a position in every trusted log (`FederatedCursor`); the start without it.
    static func cursor(_ query: String?, logs: FederatedState) throws -> FederatedCursor {
        let origins = logs.logs.map(\.origin)
        guard let query, !query.isEmpty else { return .start(logs: origins.count) }
        guard !query.contains("&"), query.hasPrefix("from=") else {
            throw StateQuery.Refusal(description: "this node reads several logs: the query is from=<cursor>, the `next` of the previous page, not \"\(query.prefix(80))\"")
        }
        return try FederatedCursor(token: query.dropFirst(5), origins: origins)
    }

    /// The optional `from` of the history routes: the leaf index to start at (0 by default).
    static func from(_ query: String?) throws -> UInt64 {
        guard let query, !query.isEmpty else { return 0 }
        return try ProofQuery.integers(query, names: ["from"])[0]
    }
}
