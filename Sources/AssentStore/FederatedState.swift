import AssentCore
import GRDB

/// The logs a node trusts, read together: its own and the mirrors of its peers (issue 8 item 6,
/// PROTOCOL §6 "from every trusted log"; docs/federation.md "One federation, one answer").
///
/// All of them live in one database (`AssentDatabase.openLog`), so one read transaction is one
/// snapshot of every log: an answer never mixes a log's state before a commit with another's
/// after it. The logs are kept in the order of their origins' bytes, whichever node reads them,
/// so that every node of a federation gathers the same facts in the same order and, holding the
/// same leaves, gives the same answer with the same provenance.
public struct FederatedState: Sendable {
    public let logs: [LogStore]
    let database: AssentDatabase

    /// `logs` must be stores of one database, with distinct origins.
    public init(logs: [LogStore]) throws {
        guard let first = logs.first else { throw StoreError.notFound("a log to read: a federated state needs at least one") }
        for log in logs where log.database !== first.database {
            throw StoreError.corrupt(origin: log.origin, "a federated state reads its logs in one transaction, but this log is in another database")
        }
        let sorted = logs.sorted { Bytewise.precedes($0.origin, $1.origin) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where Bytewise.equal(a.origin, b.origin) {
            throw StoreError.corrupt(origin: a.origin, "the log is given twice to one federated state")
        }
        self.logs = sorted
        database = first.database
    }

    /// Whether any trusted log enrolls `party` and has not revoked it (PROTOCOL §3: "enrolled in
    /// a trusted log"), as of each log's last commit.
    public func isEnrolled(_ party: PublicKey) -> Bool { logs.contains { $0.isEnrolled(party) } }

    /// Runs `body` on a snapshot of every log, taken in one read transaction on GRDB's reader
    /// queues (never on Swift's cooperative pool).
    public func read<T: Sendable>(_ body: @escaping @Sendable (FederatedSnapshot) throws -> T) async throws -> T {
        let logs = self.logs
        return try await database.pool.read { db in try body(FederatedSnapshot(logs: try logs.map { try LogSnapshot(store: $0, db: db) })) }
    }

    /// The same, blocking the calling thread (tests, tools).
    public func readBlocking<T>(_ body: (FederatedSnapshot) throws -> T) throws -> T {
        try database.pool.read { db in try body(FederatedSnapshot(logs: try logs.map { try LogSnapshot(store: $0, db: db) })) }
    }
}

/// Every trusted log as one read transaction sees it.
public struct FederatedSnapshot {
    /// In the order of their origins' bytes.
    public let logs: [LogSnapshot]

    /// How far one log speaks for an answer at T: the epoch it stands on (the first epoch at or
    /// after T; when it has none yet, its latest, and the answer is provisional for that log)
    /// and the leaves read.
    public struct Coverage: Sendable, Equatable {
        public let origin: String
        public let size: UInt64
        public let epoch: LogSnapshot.Epoch?
        public let provisional: Bool

        /// `{"origin", "size", "epoch", "provisional"}` (`epoch` absent for a log without one).
        public var json: JSONValue {
            var o: [JSONKey: JSONValue] = ["origin": .string(origin), "size": .integer(Int64(clamping: size)), "provisional": .bool(provisional)]
            if let epoch { o["epoch"] = epoch.json }
            return .object(o)
        }
    }

    /// Each log's coverage for an answer at `t`.
    public func coverage(at t: Timestamp) throws -> [Coverage] {
        try logs.map { log in
            let (epoch, provisional) = try log.epochAnswering(t)
            return Coverage(origin: log.origin, size: log.size, epoch: epoch, provisional: provisional)
        }
    }

    /// The facts of `work` at `t` from every log, in two passes (a mandate in one log makes a
    /// declarant in another count): first the work record's mandates in every log, which give
    /// the parties; then in every log the declarations of those parties (and of others, up to
    /// `unverifiedLimit` over all logs together) and the party records' enrollments. Each log's
    /// map holds only what that log logged, so a member mandated at one society whose preference
    /// is logged at another is found as one party, not as an unverified declarant.
    public func consentFacts(for work: WorkID, at t: Timestamp, audience: Audience? = nil, operators: Set<PublicKey>,
                             cache: ParsedStateCache, unverifiedLimit: Int = LogSnapshot.unverifiedLimit)
        throws -> (facts: Resolution.Facts, unverifiedNotRead: Int) {
        var facts = Resolution.Facts(operators: operators)
        var parties = [PublicKey]()
        var seen = Set<PublicKey>()
        for log in logs {
            let (mandates, named) = try log.workMandates(for: work, at: t, cache: cache)
            facts.mandates += mandates
            for party in named where seen.insert(party).inserted { parties.append(party) }
        }
        var othersLeft = unverifiedLimit
        var notRead = 0
        for log in logs {
            let declared = try log.preferences(on: work, at: t, audience: audience, parties: seen, othersUpTo: othersLeft, cache: cache)
            facts.preferences += declared.preferences
            othersLeft = max(0, othersLeft - declared.othersRead)
            notRead += declared.notRead
            facts.enrollments += try log.enrollments(of: parties, at: t, cache: cache)
        }
        return (facts, notRead)
    }

    /// For each of `works`, whether no trusted log has any record of it, as every log's consent
    /// index says (`LogStore.worksWithoutRecords`) when each covers at least this snapshot's
    /// leaves; nil when one does not. Such a work is `unknown` at any T without reading a record:
    /// a bulk check over several logs decides most works so (docs/federation.md "Bulk check").
    public func withoutRecordsInAnyLog(_ works: [WorkID]) -> [Bool]? {
        var without = [Bool](repeating: true, count: works.count)
        for log in logs {
            guard let here = log.store.worksWithoutRecords(works, coveringAtLeast: log.size) else { return nil }
            for (i, none) in here.enumerated() where !none { without[i] = false }
        }
        return without
    }

    /// The state of `query.work` at `query.at` over every log, with each log's coverage.
    public func workState(_ query: Resolution.Query, operators: Set<PublicKey>, cache: ParsedStateCache) throws -> FederatedWorkState {
        let (facts, notRead) = try consentFacts(for: query.work, at: query.at, audience: query.audience, operators: operators, cache: cache,
                                                unverifiedLimit: query.countUnverified ? LogSnapshot.countedUnverifiedLimit : LogSnapshot.unverifiedLimit)
        return FederatedWorkState(decision: Resolution.resolve(query, facts: facts), logs: try coverage(at: query.at), unverifiedNotRead: notRead)
    }
}

/// A work's state at T over every trusted log (`FederatedSnapshot.workState`).
public struct FederatedWorkState: Sendable {
    public let decision: Decision
    /// Each log read and how far it speaks, in the order of the origins' bytes.
    public let logs: [FederatedSnapshot.Coverage]
    public let unverifiedNotRead: Int

    /// Provisional when any log has no epoch at or after T yet.
    public var provisional: Bool { logs.contains { $0.provisional } }

    /// `Decision.json` with `log` (the node answering), `logs` (each log's coverage),
    /// `provisional` and `unverifiedNotRead`. No single `epoch`: each log stands on its own,
    /// and every node holding the same leaves gives the same answer except for `log`.
    public func json(answeredBy origin: String) -> JSONValue {
        guard case var .object(o) = decision.json else { return decision.json }
        o["log"] = .string(origin)
        o["logs"] = .array(logs.map(\.json))
        o["provisional"] = .bool(provisional)
        o["unverifiedNotRead"] = .integer(Int64(unverifiedNotRead))
        return .object(o)
    }
}
