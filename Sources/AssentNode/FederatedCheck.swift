import AssentCore
import AssentStore
import Hummingbird
import NIOCore

extension Node {
    /// Whether `party` is enrolled, not revoked, in a log this node trusts: its own, or with
    /// peers any mirror it holds (PROTOCOL §3; docs/federation.md "One federation, one answer").
    /// A member enrolled at one society may then submit to any node of the federation.
    func isEnrolledInATrustedLog(_ party: PublicKey) -> Bool {
        trusted?.isEnrolled(party) ?? store.isEnrolled(party)
    }

    /// One chunk of a bulk check (`POST /v1/check`) on a node with mirrors: each work decided
    /// over every trusted log's facts (`FederatedSnapshot.consentFacts`), in one read
    /// transaction for the chunk, and its line written in input order.
    ///
    /// Each log's consent index decides alone, and its facts lack what merging them across logs
    /// needs (a statement's `issued` and hash: PROTOCOL §6 keeps the latest over all logs), so
    /// the indexes only sort out the works no log has any record of (`withoutRecordsInAnyLog`),
    /// answered `unknown` from memory; the others take the slow path of a single node's check at
    /// a past T (a snapshot read per work, shared parsed statements). docs/federation.md gives
    /// the measured rates.
    static func answerFederated(_ asked: [(line: Int, work: Result<WorkID, Problem>)], query: StateQuery, at: Timestamp,
                                trusted: FederatedState, operators: Set<PublicKey>, cache: ParsedStateCache,
                                writer: inout any ResponseBodyWriter) async throws {
        let decided: [Int: JSONValue], unheard: Set<Int>
        do {
            (decided, unheard) = try await trusted.read { snapshot in
                var out = [Int: JSONValue]()
                // Works no log has any record of, from the consent indexes (memory): all
                // `unknown` at any T, as their records would say, without reading any.
                let works = asked.compactMap { if case let .success(work) = $0.work { work } else { nil } }
                let none = Set(zip(works, snapshot.withoutRecordsInAnyLog(works) ?? []).compactMap { $1 ? $0 : nil })
                var unheard = Set<Int>()
                // A work asked again within the chunk is decided once (one T, one snapshot).
                var answered = [WorkID: JSONValue]()
                for (i, item) in asked.enumerated() {
                    guard case let .success(work) = item.work else { continue }
                    if none.contains(work) {
                        unheard.insert(i)
                        continue
                    }
                    if let again = answered[work] {
                        out[i] = again
                        continue
                    }
                    let q = query.resolution(work, now: at)
                    let (facts, notRead) = try snapshot.consentFacts(
                        for: work, at: at, audience: q.audience, operators: operators, cache: cache,
                        unverifiedLimit: q.countUnverified ? LogSnapshot.countedUnverifiedLimit : LogSnapshot.unverifiedLimit)
                    let line = checkLine(Resolution.resolve(q, facts: facts), unverifiedNotRead: notRead)
                    out[i] = line
                    answered[work] = line
                }
                return (out, unheard)
            }
        } catch {
            try await stopCheck(after: error, writer: &writer)
        }
        try await writeCheckLines(asked, to: &writer) { i, work, lines in
            // An unknown work's line is a compact decision's with no refs: written directly,
            // the same bytes `checkLine` gives for a work without facts.
            if unheard.contains(i) {
                CompactDecision(work: work).writeJSON(&lines)
            } else if let line = decided[i] {
                lines.value(line)
            } else { return false }
            return true
        }
    }

    /// A federated check's line for one work: the compact decision (`Decision.compactJSON`),
    /// except that `refs` name their log, since leaf indexes of several logs mix:
    /// `[{"log", "index"}]`, ordered by log (bytewise) then index. `unverifiedNotRead` only when
    /// declarants were left unread (then a count that includes unverified declarants includes
    /// only those read).
    static func checkLine(_ decision: Decision, unverifiedNotRead notRead: Int) -> JSONValue {
        guard case var .object(o) = decision.compactJSON else { return decision.compactJSON }
        var refs = Set<Decision.Reference>()
        for category in decision.categories {
            for contribution in category.contributions {
                switch contribution.source {
                case let .statement(reference, _): refs.insert(reference)
                case let .labels(_, mandate): refs.insert(mandate)
                }
            }
        }
        // One leaf, one ref: a Reference also carries its hash and issued time, the same for one leaf.
        var seen = Set<String>()
        o["refs"] = .array(refs.sorted().compactMap { r in
            seen.insert("\(r.log)\n\(r.index)").inserted ? ["log": .string(r.log), "index": .integer(Int64(clamping: r.index))] : nil
        })
        if notRead > 0 { o["unverifiedNotRead"] = .integer(Int64(notRead)) }
        return .object(o)
    }
}
