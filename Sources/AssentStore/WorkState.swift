import AssentCore

/// A work's consent state at a time T as one log answers it (PROTOCOL §5, §6): the decision
/// and the epoch it stands on.
public struct WorkState: Sendable {
    public let decision: Decision
    /// The epoch that speaks for T: the first epoch leaf whose time is ≥ T. When the log has
    /// none yet (T is later than its latest epoch), its latest epoch, and `provisional` is true:
    /// statements logged after that epoch and up to T may still change the answer.
    /// Nil only for a log without any epoch leaf.
    public let epoch: LogSnapshot.Epoch?
    public let provisional: Bool
    /// Declarants no mandate names beyond those read (`LogSnapshot.unverifiedLimit`): neither
    /// listed nor, when the query counts unverified declarants, counted.
    public let unverifiedNotRead: Int

    public init(decision: Decision, epoch: LogSnapshot.Epoch?, provisional: Bool, unverifiedNotRead: Int = 0) {
        self.decision = decision
        self.epoch = epoch
        self.provisional = provisional
        self.unverifiedNotRead = unverifiedNotRead
    }

    /// `Decision.json` with the log, the epoch and whether the answer is provisional: the body of
    /// `GET /v1/works/{work}` and of `assent state --json`.
    public func json(log: String) -> JSONValue {
        guard case var .object(o) = decision.json else { return decision.json }
        o["log"] = .string(log)
        o["provisional"] = .bool(provisional)
        o["unverifiedNotRead"] = .integer(Int64(unverifiedNotRead))
        if let epoch { o["epoch"] = epoch.json }
        return .object(o)
    }
}

extension LogSnapshot.Epoch {
    /// `{"index", "time", "map"}`: the epoch leaf, its time and the map root it commits to.
    public var json: JSONValue {
        ["index": .integer(Int64(clamping: index)), "time": .string(time.rfc3339), "map": .string(mapRoot.base64)]
    }
}

extension LogSnapshot {
    /// The epoch an answer for time `t` stands on, and whether the answer is provisional (no
    /// epoch at or after `t` yet).
    public func epochAnswering(_ t: Timestamp) throws -> (epoch: Epoch?, provisional: Bool) {
        if let epoch = try epoch(speakingFor: t) { return (epoch, false) }
        return (try latestEpoch(), true)
    }

    /// The state of `query.work` at `query.at` in this log, resolved over its facts (§6) by the
    /// trusted `operators`, with the epoch it stands on.
    public func workState(_ query: Resolution.Query, operators: Set<PublicKey>, cache: ParsedStateCache) throws -> WorkState {
        let (facts, notRead) = try consentFacts(for: query.work, at: query.at, audience: query.audience, operators: operators, cache: cache,
                                                unverifiedLimit: query.countUnverified ? LogSnapshot.countedUnverifiedLimit : LogSnapshot.unverifiedLimit)
        let (epoch, provisional) = try epochAnswering(query.at)
        return WorkState(decision: Resolution.resolve(query, facts: facts), epoch: epoch, provisional: provisional, unverifiedNotRead: notRead)
    }
}
