/// The answer of `Resolution.resolve`: per usage category allowed, disallowed or unknown, and
/// for each the parties and statements (or steward labels) that decided it.
public struct Decision: Hashable, Sendable {
    public enum Value: String, Sendable {
        case allowed, disallowed, unknown
    }

    /// Where a statement is: its log, its leaf index, its hash and when it was issued.
    public struct Reference: Hashable, Sendable, Comparable {
        public var log: String
        public var index: UInt64
        public var hash: Hash
        public var issued: Timestamp

        public static func < (a: Reference, b: Reference) -> Bool {
            Bytewise.equal(a.log, b.log) ? a.index < b.index : Bytewise.precedes(a.log, b.log)
        }

        public var json: JSONValue {
            ["log": .string(log), "index": .integer(Int64(clamping: index)), "statementHash": .string(hash.base64),
             "issued": .string(issued.rfc3339)]
        }
    }

    /// What one party contributed to a category.
    public struct Contribution: Hashable, Sendable {
        public enum Source: Hashable, Sendable {
            /// A preference for `audience` (the query's, or `*`).
            case statement(Reference, audience: Audience)
            /// The standing statement of a steward's community labels, from its mandate.
            case labels([String], mandate: Reference)
        }

        public var party: PublicKey
        /// True for a `y` that holds for the query's purpose; false for an `n`, or a `y`
        /// restricted to another purpose.
        public var allowed: Bool
        public var source: Source
        public var conditions: Conditions?
    }

    public struct Category: Hashable, Sendable {
        public var category: UsageCategory
        public var value: Value
        public var contributions: [Contribution]

        /// The conditions of the statements that allowed the category, when it is allowed.
        public var conditions: [Conditions] {
            guard value == .allowed else { return [] }
            return contributions.compactMap { $0.allowed ? $0.conditions : nil }
        }
    }

    /// A party that counts: the mandates (by trusted operators) and enrollments that make it
    /// count, and the community labels of its steward mandates.
    public struct Party: Hashable, Sendable {
        public var key: PublicKey
        public var roles: [Mandate.Role] = []
        public var mandates: [Reference] = []
        public var enrollments: [Reference] = []
        /// Labels of its active steward mandates, with the mandate that carries each set.
        public var labels: [LabelSet] = []

        public struct LabelSet: Hashable, Sendable {
            public var codes: [String]
            public var mandate: Reference
        }

        init(key: PublicKey) { self.key = key }

        mutating func add(mandate: Logged<Mandate>, enrollment: Logged<Enrollment>) {
            if !roles.contains(mandate.body.role) { roles.append(mandate.body.role) }
            mandates.append(mandate.reference)
            if !enrollments.contains(enrollment.reference) { enrollments.append(enrollment.reference) }
            if mandate.body.role == .steward, let codes = mandate.body.labels, !codes.isEmpty {
                labels.append(LabelSet(codes: codes, mandate: mandate.reference))
            }
        }

        /// The standing statement of the party's labels for `purpose` (PROTOCOL §6), if any
        /// label acts: the restricting labels say `n` to everything; a non-commercial label says
        /// `y` for non-commercial and research use and `n` for the rest. Other labels are shown
        /// with the result and decide nothing.
        func standing(for purpose: Purpose) -> (allowed: Bool, labels: [String], mandate: Reference)? {
            for set in labels {
                let restricting = set.codes.filter { LabelEffect.restricting.contains($0) }
                if !restricting.isEmpty { return (false, restricting, set.mandate) }
            }
            for set in labels {
                let nonCommercial = set.codes.filter { LabelEffect.nonCommercial.contains($0) }
                if !nonCommercial.isEmpty {
                    return (purpose == .nonCommercial || purpose == .research, nonCommercial, set.mandate)
                }
            }
            return nil
        }
    }

    /// A declarant with preferences on the work that no trusted mandate makes count.
    public struct Unverified: Hashable, Sendable {
        public var key: PublicKey
        public var statements: [Reference]
    }

    public var query: Resolution.Query
    public var categories: [Category]
    public var parties: [Party]
    public var unverified: [Unverified]

    public subscript(category: UsageCategory) -> Value {
        categories.first { $0.category == category }?.value ?? .unknown
    }
}

/// The Local Contexts labels that act on a resolution (PROTOCOL §6). Label codes are ASCII
/// (`LocalContextsLabel.isWellFormed`), so these sets compare bytes.
enum LabelEffect {
    /// TK Secret/Sacred, Community Use Only, Culturally Sensitive, Men Restricted, Women
    /// Restricted: `n` for every use.
    static let restricting: Set<String> = ["TK-SS", "TK-CO", "TK-CS", "TK-MR", "TK-WR"]
    /// TK and BC Non-Commercial: `n` unless the use is non-commercial or research.
    static let nonCommercial: Set<String> = ["TK-NC", "BC-NC"]
}

extension Decision {
    /// The decision as the node's `GET /v1/works/{work}` and `assent state --json` give it:
    /// per category its value and the contributions that decided it, then the parties that
    /// count and the unverified declarants.
    public var json: JSONValue {
        var categoryObjects = [JSONKey: JSONValue]()
        for c in categories {
            categoryObjects[JSONKey(c.category.rawValue)] = [
                "value": .string(c.value.rawValue),
                "decidedBy": .array(c.contributions.map(\.json)),
            ]
        }
        return [
            "work": .string(query.work.description),
            "at": .string(query.at.rfc3339),
            "audience": .string(query.audience.value),
            "purpose": .string(query.purpose.rawValue),
            "countUnverified": .bool(query.countUnverified),
            "categories": .object(categoryObjects),
            "parties": .array(parties.map(\.json)),
            "unverified": .array(unverified.map { ["party": .string($0.key.base64), "statements": .array($0.statements.map(\.json))] }),
        ]
    }
}

extension Decision.Contribution {
    public var json: JSONValue {
        var o: [JSONKey: JSONValue] = ["party": .string(party.base64), "value": .string(allowed ? "y" : "n")]
        switch source {
        case let .statement(reference, audience):
            o["statement"] = reference.json
            o["audience"] = .string(audience.value)
        case let .labels(codes, mandate):
            o["labels"] = .array(codes.map { .string($0) })
            o["mandate"] = mandate.json
        }
        if let conditions { o["conditions"] = conditions.json }
        return .object(o)
    }
}

extension Decision.Party {
    public var json: JSONValue {
        [
            "party": .string(key.base64),
            "roles": .array(roles.map { .string($0.rawValue) }),
            "mandates": .array(mandates.map(\.json)),
            "enrollments": .array(enrollments.map(\.json)),
            "labels": .array(labels.map { ["codes": .array($0.codes.map { .string($0) }), "mandate": $0.mandate.json] }),
        ]
    }
}

extension Decision {
    /// One line of a bulk check: the work, each category's value, and the leaf indexes (in the
    /// log the reply's first line names) of the statements and mandates that decided them.
    public var compactJSON: JSONValue {
        var values = [JSONKey: JSONValue]()
        var refs = Set<UInt64>()
        for c in categories {
            values[JSONKey(c.category.rawValue)] = .string(c.value.rawValue)
            for contribution in c.contributions {
                switch contribution.source {
                case let .statement(reference, _): refs.insert(reference.index)
                case let .labels(_, mandate): refs.insert(mandate.index)
                }
            }
        }
        return ["work": .string(query.work.description), "values": .object(values),
                "refs": .array(refs.sorted().map { .integer(Int64(clamping: $0)) })]
    }
}
