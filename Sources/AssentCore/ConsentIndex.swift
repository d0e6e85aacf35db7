/// The current resolution inputs of every work of one log, in compact form: what
/// `Resolution.resolve` needs to decide a work at any T from the log's latest leaf time on,
/// without SQLite or JSON (docs/benchmarks.md "Consent state", docs/protocol.md "The consent
/// index").
///
/// It is derived from the latest version of each state-map record (PROTOCOL §5): a work record
/// gives the work's mandate entries (latest per operator, party and role), a declaration
/// record the declarant's latest preference per audience, a party record the party's latest
/// enrollment per operator. Those are exactly the facts `Resolution.resolve` keeps after its own
/// "latest" rules at a T no earlier than every leaf, so deciding from them gives the same
/// answer; only expiry depends on T, and it is kept. A work costs one dictionary slot (its map
/// subject key, 32 bytes, and an array reference) and one array of 32-byte facts; keys and
/// audiences are numbered once (`UInt32`) in tables shared by every work.
///
/// Pure: the store feeds it the records of each committed batch (`apply`) and decides from it.
public struct ConsentIndex: Sendable {
    /// One mandate entry of a work record, or one preference entry of a declaration record.
    struct Fact: Sendable {
        /// The leaf of the statement (its provenance in the compact answer).
        var index: UInt64
        /// Preference: expiry in milliseconds, `Int64.max` for none.
        var expires: Int64
        /// Preference: the declarant; mandate: the mandated party (numbers of `keys`).
        var party: UInt32
        /// Preference: the audience (number of `audiences`, 0 is `*`); mandate: the operator.
        var other: UInt32
        /// Preference: two bits a category in `UsageCategory.allCases` order, after inheritance
        /// within the statement: 0 not stated, 1 `n`, 2 `y`.
        var values: UInt16
        var kind: Kind
        /// Preference: its purpose condition (`purposeCode`). Mandate: `flag*` bits.
        var flags: UInt8

        enum Kind: UInt8, Sendable { case preference, mandate }
    }

    static let flagActive: UInt8 = 1
    static let flagSteward: UInt8 = 2
    static let flagRestricting: UInt8 = 4
    static let flagNonCommercial: UInt8 = 8

    /// The facts of each work, by the work's map subject key at version 0 (`MapKey.work`).
    private var works = WorkTable()
    /// Per party, its latest enrollment by each operator: (operator, active).
    private var enrollments: [UInt32: [Enrolled]] = [:]
    typealias Enrolled = (operator: UInt32, active: Bool)
    private var keyNumbers: [PublicKey: UInt32] = [:]
    private var keys: [PublicKey] = []
    private var audienceNumbers: [Audience: UInt32] = [.everyone: 0]
    /// The leaves the index covers (the log's size after the batch it last applied), and the
    /// time of the latest of them: it decides any T at or after that time.
    public private(set) var size: UInt64 = 0
    public private(set) var latestTime: Timestamp?

    public init() {}

    /// An index that decides nothing (every query goes to the records), for while a store
    /// reloads its state: an index behind the committed log must not answer.
    public static var declining: ConsentIndex {
        var index = ConsentIndex()
        index.latestTime = Timestamp(milliseconds: Int64.max)
        return index
    }

    public var workCount: Int { works.count }

    /// Whether the index holds any fact of `work`: false when no leaf it covers made a work
    /// record or a declaration record of it (every record applied leaves its facts, a revoked
    /// mandate and an empty preference included), so that the work is `unknown` in every
    /// category at any T, the log's share of a federated bulk check decided without its records.
    public func holdsFacts(of work: WorkID) -> Bool { works[MapKey.work(work, version: 0)] != nil }

    /// Estimated bytes the index holds: its tables' storage at their capacity, each work's facts
    /// array (a 32-byte header and its elements) and each key's bytes, plus 16 bytes of the
    /// allocator's header an allocation. For a node reporting where its memory goes (it walks
    /// every work: call it at open, not per request).
    public var bytesHeld: Int {
        let allocation = 16 + 32
        var bytes = works.bytesHeld
        bytes += keys.capacity * MemoryLayout<PublicKey>.stride + keys.count * (allocation + 32)
        bytes += keyNumbers.capacity * (MemoryLayout<PublicKey>.stride + MemoryLayout<UInt32>.stride)
        bytes += enrollments.capacity * (MemoryLayout<UInt32>.stride + MemoryLayout<[Enrolled]>.stride)
        for (_, e) in enrollments { bytes += allocation + e.capacity * MemoryLayout<Enrolled>.stride }
        return bytes
    }

    /// The works' facts in 256 dictionaries, by the first byte of the work's key. A dictionary
    /// grows by doubling, its old and new storage both alive while it copies: one dictionary of a
    /// million works steps from 40 to 80 MB at once, a shard copies 1/256 of that (docs/benchmarks.md
    /// "Write path and memory"). Keys are SHA-256 outputs, so the shards fill evenly.
    struct WorkTable: Sendable {
        private var shards = [[Hash: [Fact]]](repeating: [:], count: 256)
        private(set) var count = 0

        subscript(key: Hash) -> [Fact]? { shards[Self.shard(key)][key] }

        mutating func set(_ facts: [Fact], for key: Hash) {
            if shards[Self.shard(key)].updateValue(facts, forKey: key) == nil { count += 1 }
        }

        private static func shard(_ key: Hash) -> Int { key.withUnsafeBytes { Int($0[0]) } }

        /// The shards' slots at capacity (key, array reference, a bit of occupancy) and every
        /// work's facts array with its header.
        var bytesHeld: Int {
            var bytes = 0
            for shard in shards {
                bytes += shard.capacity * (MemoryLayout<Hash>.stride + MemoryLayout<[Fact]>.stride) + shard.capacity / 8
                for facts in shard.values { bytes += 16 + 32 + facts.capacity * MemoryLayout<Fact>.stride }
            }
            return bytes
        }
    }

    // MARK: Maintenance

    /// The facts of a preference statement that the index keeps.
    public struct PreferenceFacts: Sendable, Hashable {
        let values: UInt16
        let purpose: UInt8
        let expires: Int64

        public init(_ p: Preference) {
            var values: UInt16 = 0
            for (i, category) in UsageCategory.allCases.enumerated() {
                if let v = p.value(for: category) { values |= UInt16(v ? 2 : 1) << (2 * i) }
            }
            self.values = values
            purpose = ConsentIndex.purposeCode(p.conditions?.purpose ?? .any)
            expires = p.expires?.milliseconds ?? Int64.max
        }
    }

    static func purposeCode(_ p: Purpose) -> UInt8 {
        switch p {
        case .any: 0
        case .commercial: 1
        case .nonCommercial: 2
        case .research: 3
        }
    }

    /// The facts a declaration record's entry at leaf `index` (hash `hash`) had in the index
    /// before, if the index holds that entry: a new version of a declaration record changes one
    /// entry and carries the others over.
    public func preferenceFacts(work: WorkID, at index: UInt64) -> PreferenceFacts? {
        guard let facts = works[MapKey.work(work, version: 0)] else { return nil }
        for f in facts where f.kind == .preference && f.index == index {
            return PreferenceFacts(rawValues: f.values, purpose: f.flags, expires: f.expires)
        }
        return nil
    }

    /// Applies a new record version; versions are applied in the order they were made (a later
    /// version of a subject replaces the earlier one). For a declaration record, `preferences`
    /// holds the facts of the statement each of its entries references, in the entries' order
    /// (the caller reads the statement, or takes `preferenceFacts` for an entry carried over
    /// from the record's previous version); it is ignored for other records.
    public mutating func apply(_ record: MapRecord, preferences: [PreferenceFacts] = []) {
        guard let inputs = RecordInputs(record, preferences: preferences) else { return }
        apply(record.subject, inputs)
    }

    /// Applies a new record version of `subject` by its resolution inputs (as `map_records`
    /// stores them beside the record). Inputs of another kind than the subject's change nothing.
    public mutating func apply(_ subject: MapSubject, _ inputs: RecordInputs) {
        switch subject {
        case let .work(work): _ = apply(workKey: MapKey.work(work, version: 0), party: nil, inputs)
        case let .declaration(work, declarant): _ = apply(workKey: MapKey.work(work, version: 0), party: declarant, inputs)
        case let .party(party): _ = apply(workKey: nil, party: party, inputs)
        }
    }

    /// Applies a stored record version whose subject the store's columns give: the normalized
    /// text of its work id (`work`, nil for a party record) and the bytes of its declarant's or
    /// party's key (`party`, nil for a work record), taken as they are (no work id is parsed,
    /// no key checked: `RecordInputs`). Returns false, changing nothing, when they do not name
    /// a subject of the inputs' kind.
    public mutating func apply(storedWork work: String?, party: [UInt8]?, _ inputs: RecordInputs) -> Bool {
        guard party.map({ $0.count == 32 }) ?? true else { return false }
        return apply(workKey: work.map { MapKey.work(normalized: $0, version: 0) }, party: party.map { PublicKey(identity: $0) }, inputs)
    }

    private mutating func apply(workKey: Hash?, party: PublicKey?, _ inputs: RecordInputs) -> Bool {
        switch (workKey, party, inputs) {
        // A new array of exactly the work's facts (one allocation, no growth slack): a million
        // works hold a million of these. Their order does not matter to `decide`.
        case let (key?, nil, .work(mandates)):
            let old = works[key] ?? []
            var facts = [Fact]()
            facts.reserveCapacity(old.count + mandates.count)
            for f in old where f.kind != .mandate { facts.append(f) }
            for m in mandates { facts.append(Self.fact(m, party: number(m.party), by: number(m.by))) }
            works.set(facts, for: key)
        case let (key?, declarant?, .declaration(preferences)):
            let n = number(declarant)
            let old = works[key] ?? []
            var facts = [Fact]()
            facts.reserveCapacity(old.count + preferences.count)
            for f in old where !(f.kind == .preference && f.party == n) { facts.append(f) }
            for p in preferences { facts.append(Self.fact(p, declarant: n, audience: audienceNumber(p.audience))) }
            works.set(facts, for: key)
        case let (nil, party?, .party(entries)):
            enrollments[number(party)] = entries.map { (number($0.by), $0.active) }
        default:
            return false
        }
        return true
    }

    static func fact(_ m: RecordInputs.MandateInput, party: UInt32, by: UInt32) -> Fact {
        var flags: UInt8 = m.active ? flagActive : 0
        if m.role == .steward {
            flags |= flagSteward
            if m.restricting { flags |= flagRestricting }
            if m.nonCommercial { flags |= flagNonCommercial }
        }
        return Fact(index: m.index, expires: Int64.max, party: party, other: by, values: UInt16(RecordInputs.roleCode(m.role)),
                    kind: .mandate, flags: flags)
    }

    static func fact(_ p: RecordInputs.PreferenceInput, declarant: UInt32, audience: UInt32) -> Fact {
        Fact(index: p.index, expires: p.facts.expires, party: declarant, other: audience, values: p.facts.values,
             kind: .preference, flags: p.facts.purpose)
    }

    /// Records that the index now covers `size` leaves, the latest logged at `time`.
    public mutating func advance(size: UInt64, time: Timestamp?) {
        self.size = size
        if let time { latestTime = max(latestTime ?? time, time) }
    }

    private mutating func number(_ key: PublicKey) -> UInt32 {
        if let n = keyNumbers[key] { return n }
        let n = UInt32(truncatingIfNeeded: keys.count)
        keys.append(key)
        keyNumbers[key] = n
        return n
    }

    private mutating func audienceNumber(_ audience: Audience) -> UInt32 {
        if let n = audienceNumbers[audience] { return n }
        let n = UInt32(truncatingIfNeeded: audienceNumbers.count)
        audienceNumbers[audience] = n
        return n
    }

    // MARK: Deciding

    /// The trusted operators as numbers of this index (keys it has never seen cannot have
    /// signed anything it holds).
    public func operatorNumbers(_ operators: Set<PublicKey>) -> Set<UInt32> {
        Set(operators.compactMap { keyNumbers[$0] })
    }

    /// The compact decision (as `Decision.compactJSON` gives it) of `query`, which must be at
    /// or after `latestTime`; nil when it is not (ask `Resolution` over the records then).
    /// `unverifiedLimit`: declarants no mandate names that are read (in the order of their
    /// keys' bytes); the others are counted in `unverifiedNotRead`, as
    /// `LogSnapshot.consentFacts` does.
    public func decide(_ query: Resolution.Query, operators: Set<UInt32>, unverifiedLimit: Int) -> CompactDecision? {
        if let latestTime, query.at < latestTime { return nil }
        guard let facts = works[MapKey.work(query.work, version: 0)] else { return CompactDecision(work: query.work) }
        return Self.decide(query, facts: facts, asked: query.audience == .everyone ? 0 : audienceNumbers[query.audience],
                           isOperator: { operators.contains($0) },
                           isEnrolled: { party, by in enrollments[party]?.contains(where: { $0.operator == by && $0.active }) == true },
                           keyBytes: { keys[Int($0)].bytes }, unverifiedLimit: unverifiedLimit)
    }

    /// The decision over one work's `facts` (its mandate entries and its declarants' preference
    /// entries, numbered in some key table): what `decide` does over the index, and what a
    /// decision at a past T does over the inputs of the records in force then
    /// (`decide(_:work:declarations:operators:enrollments:unverifiedLimit:)`). `asked` is the
    /// number of the query's audience (0 for `*`; nil when no fact has it), `isOperator` says
    /// whether a key number is a trusted operator, `isEnrolled` whether the operator numbered
    /// `by` has the party numbered `party` actively enrolled (its latest enrollment), `keyBytes`
    /// a key's bytes (to order unverified declarants).
    static func decide(_ query: Resolution.Query, facts: [Fact], asked: UInt32?, isOperator: (UInt32) -> Bool,
                       isEnrolled: (_ party: UInt32, _ by: UInt32) throws -> Bool, keyBytes: (UInt32) -> [UInt8],
                       unverifiedLimit: Int) rethrows -> CompactDecision {
        var decision = CompactDecision(work: query.work)
        let at = query.at.milliseconds

        // Rule 2: counted parties, and their standing labels (first by mandate leaf, as
        // Decision.Party.standing reads them). Few parties speak for one work: arrays, not sets.
        var counted = [Counted]()
        var named = [UInt32]()
        for f in facts where f.kind == .mandate {
            if !named.contains(f.party) { named.append(f.party) }
            guard f.flags & Self.flagActive != 0, isOperator(f.other), try isEnrolled(f.party, f.other) else { continue }
            let at = counted.firstIndex { $0.party == f.party } ?? { counted.append(Counted(party: f.party)); return counted.count - 1 }()
            if f.flags & Self.flagRestricting != 0 { counted[at].restricting = min(counted[at].restricting ?? .max, f.index) }
            if f.flags & Self.flagNonCommercial != 0 { counted[at].nonCommercial = min(counted[at].nonCommercial ?? .max, f.index) }
        }

        // Declarants no mandate names: read up to the limit, in the order of their keys' bytes.
        var others = [UInt32]()
        for f in facts where f.kind == .preference && !named.contains(f.party) && !others.contains(f.party) { others.append(f.party) }
        var unread = [UInt32]()
        if others.count > unverifiedLimit {
            others.sort { keyBytes($0).lexicographicallyPrecedes(keyBytes($1)) }
            unread = Array(others[max(0, unverifiedLimit)...])
            decision.unverifiedNotRead = unread.count
        }

        // Rule 3: each read declarant's statement for the audience and for `*`, if not expired.
        for f in facts where f.kind == .preference && f.expires > at && (f.other == 0 || f.other == asked) {
            if !unread.isEmpty, unread.contains(f.party) { continue }
            var at = counted.firstIndex { $0.party == f.party }
            if at == nil, query.countUnverified {
                counted.append(Counted(party: f.party))
                at = counted.count - 1
            }
            guard let at else { continue }
            if f.other == 0 { counted[at].everyone = f } else { counted[at].audience = f }
        }

        // Rules 3–5, per category.
        let purpose = Self.purposeCode(query.purpose)
        let nonCommercialUse = query.purpose == .nonCommercial || query.purpose == .research
        for i in 0..<decision.values.count {
            var anyAllowed = false, anyRefused = false
            for party in counted {
                var decided: (Fact, Bool)?
                if let f = party.audience, let v = Self.value(f, i) { decided = (f, v) }
                else if let f = party.everyone, let v = Self.value(f, i) { decided = (f, v) }
                if let (f, v) = decided {
                    if v && Self.allows(f.flags, purpose) { anyAllowed = true } else { anyRefused = true }
                    decision.insertRef(f.index)
                } else if let mandate = party.restricting {
                    anyRefused = true
                    decision.insertRef(mandate)
                } else if let mandate = party.nonCommercial {
                    if nonCommercialUse { anyAllowed = true } else { anyRefused = true }
                    decision.insertRef(mandate)
                }
            }
            decision.values[i] = anyRefused ? .disallowed : anyAllowed ? .allowed : .unknown
        }
        return decision
    }

    /// A party that counts for the decision being made: its standing labels' mandates and its
    /// statements for the asked audience and for `*`.
    private struct Counted {
        let party: UInt32
        var restricting: UInt64?
        var nonCommercial: UInt64?
        var audience: Fact?
        var everyone: Fact?
    }

    private static func value(_ f: Fact, _ category: Int) -> Bool? {
        switch (f.values >> (2 * category)) & 3 {
        case 1: false
        case 2: true
        default: nil
        }
    }

    /// `Preference.allows(purpose:)` over the purpose codes.
    private static func allows(_ condition: UInt8, _ purpose: UInt8) -> Bool {
        switch condition {
        case 2: purpose == 2 || purpose == 3
        case 3: purpose == 3
        default: true
        }
    }
}

extension ConsentIndex.PreferenceFacts {
    init(rawValues: UInt16, purpose: UInt8, expires: Int64) {
        values = rawValues
        self.purpose = purpose
        self.expires = expires
    }
}

/// A work's decision in the compact form of a bulk check: each category's value and the leaf
/// indexes of the statements and mandates that decided them (`Decision.compactJSON`).
public struct CompactDecision: Sendable, Hashable {
    public var work: WorkID
    /// In `UsageCategory.allCases` order.
    public var values: [Decision.Value]
    /// Sorted, without repeats (few: one or two a deciding party).
    public private(set) var refs: [UInt64] = []
    /// Declarants no mandate names beyond those read.
    public var unverifiedNotRead = 0

    public init(work: WorkID) {
        self.work = work
        values = Array(repeating: .unknown, count: UsageCategory.allCases.count)
    }

    /// Adds the leaf index of a statement or mandate that decided a category.
    mutating func insertRef(_ index: UInt64) {
        var lo = 0, hi = refs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if refs[mid] < index { lo = mid + 1 } else { hi = mid }
        }
        if lo == refs.count || refs[lo] != index { refs.insert(index, at: lo) }
    }

    /// `{"work", "values", "refs"}` and, when some declarants were not read, `unverifiedNotRead`.
    public var json: JSONValue {
        var v = [JSONKey: JSONValue]()
        for (i, c) in UsageCategory.allCases.enumerated() { v[JSONKey(c.rawValue)] = .string(values[i].rawValue) }
        var o: [JSONKey: JSONValue] = ["work": .string(work.description), "values": .object(v),
                                       "refs": .array(refs.map { .integer(Int64(clamping: $0)) })]
        if unverifiedNotRead > 0 { o["unverifiedNotRead"] = .integer(Int64(unverifiedNotRead)) }
        return .object(o)
    }

    /// The categories in the order RFC 8785 §3.2.3 sorts their names (as `json` writes `values`),
    /// with their places in `UsageCategory.allCases`.
    private static let canonicalCategoryOrder: [(index: Int, name: String)] =
        UsageCategory.allCases.enumerated().map { ($0.offset, $0.element.rawValue) }.sorted { JSONKey($0.name) < JSONKey($1.name) }

    /// `json`'s canonical bytes, written directly (a bulk check writes up to 100,000 lines).
    public func writeJSON(_ w: inout CanonicalJSONWriter) {
        w.beginObject()
        w.key("refs"); w.beginArray()
        for r in refs { w.integer(Int64(clamping: r)) }
        w.endArray()
        if unverifiedNotRead > 0 { w.key("unverifiedNotRead"); w.integer(Int64(unverifiedNotRead)) }
        w.key("values"); w.beginObject()
        for (i, name) in Self.canonicalCategoryOrder { w.key(name); w.string(values[i].rawValue) }
        w.endObject()
        w.key("work"); w.string(work.description)
        w.endObject()
    }
}
