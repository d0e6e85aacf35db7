/// The state of a work's preference at a time T, for an audience and a purpose (PROTOCOL §6),
/// computed from the statements that bear on it, with the provenance of every decision.
///
/// Pure: the caller gathers the facts (from its own log and the logs it mirrors) and attaches
/// the epoch the answer stands on. The rules, in the order they apply:
///
/// 1. A statement is in effect at T when its leaf's time is at most T: a log speaks for the
///    time it took a statement, which is what its state map can prove (§5). `issued` orders
///    the statements of one declarant ("latest" is the greatest `issued`, ties broken by the
///    greater statement hash, bytewise).
/// 2. A party counts for the work when some trusted operator's latest mandate for (party, work)
///    in some role is active and that operator's latest enrollment of the party is active. Other declarants
///    are reported as unverified and count only when the query asks for them.
/// 3. For each counted party: its latest preference for the query's audience and its latest
///    for `*`. A latest preference that has expired (`expires` ≤ T) ends there: it does not
///    bring back the one it replaced. Per category, the audience statement's value if it has
///    one (a category it does not name inherits from its parent within the statement), else
///    the `*` statement's, else the standing statement of the party's steward labels, else
///    nothing.
/// 4. A `y` restricted to a purpose (`conditions.purpose`) is a `y` for that purpose only
///    (`research` is also non-commercial) and an `n` for any other.
/// 5. Across parties: any `n` disallows; else any `y` allows; else unknown. The conditions of
///    an allowed category are those of the statements that allowed it.
public enum Resolution {
    /// What is asked.
    public struct Query: Hashable, Sendable {
        public var work: WorkID
        public var at: Timestamp
        public var audience: Audience
        /// `commercial` (the default), `non-commercial` or `research`; `any` asks as `commercial`,
        /// the use that the fewest grants allow.
        /// Never `any` (see `init`), so that what is answered is what the JSON says was asked.
        public private(set) var purpose: Purpose
        public var countUnverified: Bool

        public init(work: WorkID, at: Timestamp, audience: Audience = .everyone, purpose: Purpose = .commercial,
                    countUnverified: Bool = false) {
            self.work = work
            self.at = at
            self.audience = audience
            self.purpose = purpose == .any ? .commercial : purpose
            self.countUnverified = countUnverified
        }
    }

    /// The statements that bear on one work, from every trusted log: the mandates that name it,
    /// the enrollments of the parties those mandates name, and the preferences on it. Anything
    /// else in these lists (another work, an untrusted operator) is ignored, so a caller may
    /// pass more than it must.
    public struct Facts: Sendable {
        public var operators: Set<PublicKey>
        public var mandates: [Logged<Mandate>]
        public var enrollments: [Logged<Enrollment>]
        public var preferences: [Logged<Preference>]

        public init(operators: Set<PublicKey>, mandates: [Logged<Mandate>] = [], enrollments: [Logged<Enrollment>] = [],
                    preferences: [Logged<Preference>] = []) {
            self.operators = operators
            self.mandates = mandates
            self.enrollments = enrollments
            self.preferences = preferences
        }
    }

    /// Resolves `query` over `facts`.
    public static func resolve(_ query: Query, facts: Facts) -> Decision {
        let visible = { (time: Timestamp) in time <= query.at }
        // Rule 2: mandates and enrollments, latest per key, by trusted operators only.
        // A mandate is one per (operator, party, role), as the work record of the state map keeps
        // them (docs/state-map.md): revoking one role leaves another standing.
        var mandates = [MandateKey: Logged<Mandate>]()
        for m in facts.mandates where visible(m.time) && facts.operators.contains(m.body.by) && m.body.works.contains(query.work) {
            let key = MandateKey(operator: m.body.by, party: m.body.party, role: m.body.role)
            if let held = mandates[key], !m.isLater(than: held) { continue }
            mandates[key] = m
        }
        var enrollments = [EnrollmentKey: Logged<Enrollment>]()
        for e in facts.enrollments where visible(e.time) && facts.operators.contains(e.body.by) {
            let key = EnrollmentKey(operator: e.body.by, party: e.body.party)
            if let held = enrollments[key], !e.isLater(than: held) { continue }
            enrollments[key] = e
        }
        var parties = [PublicKey: Decision.Party]()
        for (key, mandate) in mandates.sorted(by: { $0.value.reference < $1.value.reference }) where mandate.body.active {
            guard let enrollment = enrollments[EnrollmentKey(operator: key.operator, party: key.party)], enrollment.body.active else { continue }
            parties[key.party, default: Decision.Party(key: key.party)].add(mandate: mandate, enrollment: enrollment)
        }

        // Rule 3: each declarant's latest preference per audience that matters.
        var latest = [PublicKey: (audience: Logged<Preference>?, everyone: Logged<Preference>?)]()
        for p in facts.preferences where visible(p.time) && p.body.work == query.work {
            let speaksToQuery = p.body.audience == query.audience
            guard speaksToQuery || p.body.audience == .everyone else { continue }
            var entry = latest[p.body.by] ?? (nil, nil)
            if p.body.audience == .everyone {
                if entry.everyone.map({ p.isLater(than: $0) }) ?? true { entry.everyone = p }
            } else if entry.audience.map({ p.isLater(than: $0) }) ?? true {
                entry.audience = p
            }
            latest[p.body.by] = entry
        }
        var unverified = [Decision.Unverified]()
        for (declarant, statements) in latest where parties[declarant] == nil {
            // Only what would count if the query asked for it: an expired latest statement says nothing.
            let refs = [statements.audience, statements.everyone].compactMap { s in
                s.flatMap { $0.body.expires.map { $0 > query.at } ?? true ? $0.reference : nil }
            }
            guard !refs.isEmpty else { continue }
            unverified.append(Decision.Unverified(key: declarant, statements: refs))
            if query.countUnverified { parties[declarant] = Decision.Party(key: declarant) }
        }
        unverified.sort { Bytewise.precedes($0.key.base64, $1.key.base64) }

        // Rules 3–5, per category.
        var categories = [Decision.Category]()
        let counted = parties.values.sorted { Bytewise.precedes($0.key.base64, $1.key.base64) }
        for category in UsageCategory.allCases {
            var contributions = [Decision.Contribution]()
            for party in counted {
                let statements = latest[party.key] ?? (nil, nil)
                let inEffect = [statements.audience, statements.everyone].compactMap { s in
                    s.flatMap { $0.body.expires.map { $0 > query.at } ?? true ? $0 : nil }
                }
                if let (statement, allowed) = inEffect.lazy.compactMap({ s in s.body.value(for: category).map { (s, $0) } }).first {
                    let counts = allowed && statement.body.allows(purpose: query.purpose)
                    contributions.append(Decision.Contribution(party: party.key, allowed: counts,
                                                               source: .statement(statement.reference, audience: statement.body.audience),
                                                               conditions: statement.body.conditions))
                } else if let standing = party.standing(for: query.purpose) {
                    contributions.append(Decision.Contribution(party: party.key, allowed: standing.allowed,
                                                               source: .labels(standing.labels, mandate: standing.mandate), conditions: nil))
                }
            }
            let value: Decision.Value = contributions.contains { !$0.allowed } ? .disallowed
                : contributions.contains { $0.allowed } ? .allowed : .unknown
            categories.append(Decision.Category(category: category, value: value, contributions: contributions))
        }
        return Decision(query: query, categories: categories, parties: counted, unverified: unverified)
    }

    struct MandateKey: Hashable {
        let `operator`: PublicKey
        let party: PublicKey
        let role: Mandate.Role
    }

    struct EnrollmentKey: Hashable {
        let `operator`: PublicKey
        let party: PublicKey
    }
}

/// What the statements of every type have in common for resolution: when the declarant says
/// it was issued.
public protocol IssuedStatement: Hashable, Sendable {
    var issued: Timestamp { get }
}

extension Preference: IssuedStatement {}
extension Mandate: IssuedStatement {}
extension Enrollment: IssuedStatement {}

/// A statement as a log holds it: which log, at which leaf, logged when, and its hash.
public struct Logged<Body: IssuedStatement>: Hashable, Sendable {
    public var body: Body
    public var hash: Hash
    public var log: String
    public var index: UInt64
    /// The leaf's time: when the log took the statement.
    public var time: Timestamp

    public init(_ body: Body, hash: Hash, log: String, index: UInt64, time: Timestamp) {
        self.body = body
        self.hash = hash
        self.log = log
        self.index = index
        self.time = time
    }

    public var reference: Decision.Reference { Decision.Reference(log: log, index: index, hash: hash, issued: body.issued) }

    /// Latest by `issued`, ties by the greater statement hash (bytewise).
    func isLater(than other: Logged) -> Bool {
        body.issued != other.body.issued ? body.issued > other.body.issued
            : other.hash < hash
    }
}

extension Preference {
    /// The value this statement gives `category`: its own, or its nearest stated parent's.
    func value(for category: UsageCategory) -> Bool? {
        var c: UsageCategory? = category
        while let current = c {
            if let stated = usage[current.rawValue] { return stated }
            c = current.parent
        }
        return nil
    }

    /// Whether a `y` of this statement holds for `purpose` (PROTOCOL §6).
    func allows(purpose: Purpose) -> Bool {
        switch conditions?.purpose ?? .any {
        case .any, .commercial: true
        case .nonCommercial: purpose == .nonCommercial || purpose == .research
        case .research: purpose == .research
        }
    }
}
