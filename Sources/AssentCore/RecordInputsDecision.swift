extension ConsentIndex {
    /// The compact decision of `query` (as `Decision.compactJSON` gives it) from the resolution
    /// inputs of the record versions in force at `query.at` (PROTOCOL §5: of each subject, its
    /// greatest version whose leaf time is ≤ T): `mandates` of the work's record, `declarations`
    /// of the declarants' records on the work (those read: the caller applies the unverified
    /// limit, as `LogSnapshot.consentFacts` does, and counts the rest), and `enrollments` of a
    /// party's record, asked only for parties whose active mandate by a trusted operator could
    /// count.
    ///
    /// These are the facts `Resolution.resolve` keeps at T after its own "latest" rules (each
    /// record entry is the latest statement of its identity logged by then), so the decision is
    /// the one `ConsentIndex.decide` makes over the latest records, made over the records of T
    /// instead: the same code (`decide(_:facts:…)`), with keys numbered for this decision only.
    public static func decide(_ query: Resolution.Query, mandates: [RecordInputs.MandateInput],
                              declarations: [(declarant: PublicKey, preferences: [RecordInputs.PreferenceInput])],
                              operators: Set<PublicKey>,
                              enrollments: (PublicKey) throws -> [RecordInputs.EnrollmentInput]) rethrows -> CompactDecision {
        var table = KeyTable()
        var facts = [Fact]()
        facts.reserveCapacity(mandates.count + declarations.count * 2)
        for m in mandates { facts.append(fact(m, party: table.number(m.party), by: table.number(m.by))) }
        // Audiences: 0 is `*`, 1 the query's, 2 any other (never looked at).
        for (declarant, preferences) in declarations {
            let n = table.number(declarant)
            for p in preferences {
                let audience: UInt32 = p.audience == .everyone ? 0 : p.audience == query.audience ? 1 : 2
                facts.append(fact(p, declarant: n, audience: audience))
            }
        }
        var enrolled = [UInt32: [RecordInputs.EnrollmentInput]]()
        let keys = table.keys
        return try decide(query, facts: facts, asked: query.audience == .everyone ? 0 : 1,
                          isOperator: { operators.contains(keys[Int($0)]) },
                          isEnrolled: { party, by in
                              let entries = try enrolled[party] ?? enrollments(keys[Int(party)])
                              enrolled[party] = entries
                              return entries.contains { $0.active && $0.by == keys[Int(by)] }
                          },
                          keyBytes: { keys[Int($0)].bytes }, unverifiedLimit: .max)
    }

    /// Keys numbered in the order first seen, for one decision. A work has a handful: they are
    /// compared in a list until there are more than `listed`, then hashed.
    private struct KeyTable {
        var keys = [PublicKey]()
        var numbers = [PublicKey: UInt32]()
        static let listed = 8

        mutating func number(_ key: PublicKey) -> UInt32 {
            if keys.count <= Self.listed {
                if let i = keys.firstIndex(of: key) { return UInt32(truncatingIfNeeded: i) }
            } else if let n = numbers[key] {
                return n
            }
            let n = UInt32(truncatingIfNeeded: keys.count)
            keys.append(key)
            if keys.count > Self.listed {
                if numbers.isEmpty { for (i, k) in keys.enumerated() { numbers[k] = UInt32(truncatingIfNeeded: i) } }
                numbers[key] = n
            }
            return n
        }
    }
}
