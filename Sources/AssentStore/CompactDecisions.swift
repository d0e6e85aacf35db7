import AssentCore
import Foundation
import GRDB

/// Bulk-check decisions at any time T from the resolution inputs stored beside each record
/// version (`map_records.inputs`, `RecordInputs`; docs/state-map.md "Resolution inputs"): no
/// record JSON and no leaf is read or parsed. The answers are those of `Resolution.resolve`
/// over `consentFacts` in compact form (`Decision.compactJSON`, with `unverifiedNotRead`):
/// the records in force at T are found by the same columns, and the decision is the consent
/// index's (`ConsentIndex.decide(_:mandates:declarations:operators:enrollments:)`).
extension LogSnapshot {
    /// The compact decision of each query, in order. A work asked again with the same query is
    /// decided once. `unverifiedLimit` as in `consentFacts`. Party records in force at a T
    /// before this snapshot's latest leaf are kept in `cache` (they can no longer change).
    public func compactDecisions(_ queries: [Resolution.Query], operators: Set<PublicKey>, cache: ParsedStateCache,
                                 unverifiedLimit: (Resolution.Query) -> Int) throws -> [CompactDecision] {
        let latest = try latestLeafTime()
        var decided = [Resolution.Query: CompactDecision]()
        // Sized once: its regrowth was about 6% of a past-T check's CPU in a profile
        // (docs/benchmarks.md "Node memory and past T").
        decided.reserveCapacity(queries.count)
        return try queries.map { q in
            if let again = decided[q] { return again }
            let final = latest.map { q.at < $0 } ?? false
            let d = try compactDecision(q, operators: operators, cache: final ? cache : nil, unverifiedLimit: unverifiedLimit(q))
            decided[q] = d
            return d
        }
    }

    /// The compact decision of `query`: the work's record in force at T and its declarants'
    /// (those a mandate names, and of the others the first `unverifiedLimit` by key bytes, the
    /// rest counted), in one indexed query; a party's record only when one of its mandates could
    /// count. With `cache`, party records are kept there (the caller knows T is final).
    func compactDecision(_ query: Resolution.Query, operators: Set<PublicKey>, cache: ParsedStateCache?,
                         unverifiedLimit: Int) throws -> CompactDecision {
        // Of each subject on the work (the work record: party NULL, first; each declarant's
        // record), the greatest version in force at T (SQLite takes the bare column from the row
        // holding MAX(version)).
        let select = try db.cachedStatement(sql: """
            SELECT party, MAX(version), inputs, idx FROM map_records INDEXED BY map_records_work
            WHERE log = ? AND work = ? AND time <= ? AND idx < ?
            GROUP BY party ORDER BY party
            """)
        var mandates = [RecordInputs.MandateInput]()
        // The parties the work's mandates name: one or two, so a list (a set of byte arrays
        // hashed each of their 32 bytes a call, for every work decided).
        var named = [[UInt8]]()
        var declarations = [(declarant: PublicKey, preferences: [RecordInputs.PreferenceInput])]()
        var others = 0, notRead = 0
        let rows = try Row.fetchCursor(select, arguments: [store.id, query.work.description, query.at.milliseconds, Int64(size)])
        while let row = try rows.next() {
            guard let party = row[0] as Data? else {
                guard case let .work(entries) = try inputs(row, of: .work(query.work)) else { continue }
                mandates = entries
                named = entries.map(\.party.bytes)
                continue
            }
            let key = [UInt8](party)
            if !named.contains(key) {
                guard others < unverifiedLimit else {
                    notRead += 1
                    continue
                }
                others += 1
            }
            guard let subject = MapSubject(storedWork: query.work, party: key),
                  case let .declaration(entries) = try inputs(row, of: subject),
                  case let .declaration(_, declarant) = subject else { continue }
            declarations.append((declarant, entries))
        }
        var decision = try ConsentIndex.decide(query, mandates: mandates, declarations: declarations, operators: operators) { party in
            try enrollments(of: party, at: query.at, cache: cache)
        }
        decision.unverifiedNotRead = notRead
        return decision
    }

    /// The enrollments of `party`'s record in force at `t` (none without one).
    func enrollments(of party: PublicKey, at t: Timestamp, cache: ParsedStateCache?) throws -> [RecordInputs.EnrollmentInput] {
        let key = ParsedStateCache.EnrollmentsKey(log: store.id, party: party, at: t.milliseconds)
        if let hit = cache?.enrollments.value(key) { return hit }
        let select = try db.cachedStatement(sql: """
            SELECT inputs, idx FROM map_records INDEXED BY map_records_party_versions
            WHERE log = ? AND party = ? AND work IS NULL AND time <= ? AND idx < ? ORDER BY version DESC LIMIT 1
            """)
        var found = [RecordInputs.EnrollmentInput]()
        if let row = try Row.fetchOne(select, arguments: [store.id, Data(party.bytes), t.milliseconds, Int64(size)]),
           case let .party(entries) = try inputs(row, of: .party(party)) {
            found = entries
        }
        cache?.enrollments.insert(found, for: key, cost: ParsedStateCache.enrollmentsCost(found))
        return found
    }

    /// The inputs column of a row (at index 2, its leaf at the last index) read back, which
    /// must be of `subject`'s kind.
    private func inputs(_ row: Row, of subject: MapSubject) throws -> RecordInputs {
        let data = row[row.count - 2] as Data? ?? Data()
        let inputs: RecordInputs
        do { inputs = try RecordInputs(bytes: data) } catch {
            throw StoreError.badRow(origin: origin, "resolution inputs of \(subject) made by leaf \(row[row.count - 1] as Int64? ?? -1): \(error)")
        }
        guard inputs.fits(subject) else {
            throw StoreError.corrupt(origin: origin, "the resolution inputs stored for \(subject) at leaf \(row[row.count - 1] as Int64? ?? -1) are of another kind of record")
        }
        return inputs
    }

    /// The time of the snapshot's latest leaf, nil for an empty log.
    func latestLeafTime() throws -> Timestamp? {
        guard size > 0, let bytes = try leafBytes(at: size - 1) else { return nil }
        do { return try LogLeaf(storedBytes: bytes).time } catch { throw StoreError.badRow(origin: origin, "leaf \(size - 1): \(error)") }
    }
}
