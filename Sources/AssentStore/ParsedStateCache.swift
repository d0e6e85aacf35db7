import AssentCore

/// What state queries read from a log and keep parsed: the statements of referenced leaves
/// and party records. The mandates and enrollments a query reads are shared by many works (one
/// mandate names up to 1,000, one party record serves all of a party's works), so a bulk check
/// would otherwise parse the same leaves and records again for every work. Leaves and record
/// versions never change, so an entry is never stale; a statement is keyed by (log, leaf index)
/// and checked against the leaf hash the map record references before it is used, a record by
/// (log, subject, version). Each kind is bounded (`TwoGenerationCache`): about `capacity`
/// statements (each at most 64,512 bytes, typically under 1 KiB) and as many records.
public final class ParsedStateCache: Sendable {
    /// A statement as its leaf holds it.
    public struct Entry: Sendable {
        public let statement: SignedStatement
        public let leafHash: Hash
        public let time: Timestamp
        /// For a mandate, the works it names as a set: resolution asks "does it name W" for
        /// every work it decides, and a mandate names up to 1,000.
        public let mandateWorks: Set<WorkID>?
    }

    struct Key: Hashable {
        let log: Int64
        let index: UInt64
    }

    struct RecordKey: Hashable {
        let log: Int64
        let subject: Hash
        let version: Int64
    }

    /// A party's enrollments at a time T in one log, once the log holds a leaf later than T:
    /// from then on no leaf can add a version in force at T (leaf times never go back, §4), so
    /// the answer never changes (`LogSnapshot.compactDecisions`).
    struct EnrollmentsKey: Hashable {
        let log: Int64
        let party: PublicKey
        let at: Int64
    }

    let statements: TwoGenerationCache<Key, Entry>
    let records: TwoGenerationCache<RecordKey, MapRecord>
    let enrollments: TwoGenerationCache<EnrollmentsKey, [RecordInputs.EnrollmentInput]>

    public init(capacity: Int = 16_384) {
        statements = TwoGenerationCache(capacity: capacity)
        records = TwoGenerationCache(capacity: capacity)
        enrollments = TwoGenerationCache(capacity: capacity)
    }

    /// Statements held now (both generations), and the statement hits and misses so far: for benchmarks and tests.
    public var stats: (count: Int, hits: Int, misses: Int) { statements.stats }

    /// The same for party records.
    public var recordStats: (count: Int, hits: Int, misses: Int) { records.stats }
}
