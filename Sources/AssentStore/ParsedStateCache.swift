import AssentCore

/// What state queries read from a log and keep parsed: the statements of referenced leaves
/// and party records. The mandates and enrollments a query reads are shared by many works (one
/// mandate names up to 1,000, one party record serves all of a party's works), so a bulk check
/// would otherwise parse the same leaves and records again for every work. Leaves and record
/// versions never change, so an entry is never stale; a statement is keyed by (log, leaf index)
/// and checked against the leaf hash the map record references before it is used, a record by
/// (log, subject, version).
///
/// Bounded twice (`TwoGenerationCache`): each kind holds under 2 × `capacity` entries, and all
/// three together under about `byteCapacity` estimated bytes (statements three quarters of it,
/// records and enrollments an eighth each). A count alone did not bound memory: a mandate naming 1,000
/// works costs about 120 KB parsed, an enrollment about 100 bytes (docs/benchmarks.md "Node
/// memory and past T"). The estimates (`Entry.estimatedBytes`, `recordCost`,
/// `enrollmentsCost`) count what an entry keeps alive, not the allocator's rounding.
public final class ParsedStateCache: Sendable {
    /// A statement as its leaf holds it.
    public struct Entry: Sendable {
        public let statement: SignedStatement
        public let leafHash: Hash
        public let time: Timestamp
        /// For a mandate, the works it names as a set: resolution asks "does it name W" for
        /// every work it decides, and a mandate names up to 1,000.
        public let mandateWorks: Set<WorkID>?

        /// What the entry keeps alive: the statement's canonical bytes once as they are and about
        /// once more as parsed fields (strings, keys), and for a mandate each work's slot in the
        /// parsed array and in `mandateWorks` (24 bytes each, the set at a load of 3/4); a work
        /// id's text is shared by the two.
        var estimatedBytes: Int {
            ParsedStateCache.entryOverhead + 2 * statement.canonicalBytes.count + 56 * (mandateWorks?.count ?? 0)
        }
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

    /// The default byte bound: 128 MiB of parsed statements and records. Statements take three
    /// quarters, so about 840 distinct 1,000-work mandates are held at once: the in-process
    /// single-work reads of `assent-bench consent` at 300,000 works (about 600 such mandates)
    /// keep their rate, while at 1,000,000 works (about 2,000) the cache stays at 128 MiB where it
    /// grew to about 240 MB before (docs/benchmarks.md "Node memory and past T").
    public static let defaultByteCapacity = 128 << 20

    /// `capacity`: entries a kind keeps in a generation; `byteCapacity`: estimated bytes of all
    /// kinds and both generations together.
    public init(capacity: Int = 16_384, byteCapacity: Int = ParsedStateCache.defaultByteCapacity) {
        let eighth = max(1, byteCapacity / 8)
        // Each kind's share split between its two generations: statements 3/4, records and
        // enrollments (a few hundred bytes each) 1/8 each.
        statements = TwoGenerationCache(capacity: capacity, byteCapacity: 3 * eighth)
        records = TwoGenerationCache(capacity: capacity, byteCapacity: max(1, eighth / 2))
        enrollments = TwoGenerationCache(capacity: capacity, byteCapacity: max(1, eighth / 2))
    }

    /// What a dictionary slot, its key and the value's fixed part cost, on top of what a value
    /// refers to: a rounded figure for 64-bit platforms.
    static let entryOverhead = 160

    /// The estimated bytes a parsed record keeps alive, from the size of its stored form: its
    /// parsed fields (hashes, keys, references) are about as large as their canonical JSON.
    static func recordCost(storedBytes: Int) -> Int { entryOverhead + 2 * storedBytes }

    /// The estimated bytes of a party's enrollments: an enrollment holds a key (an array of 32
    /// bytes with its header) and a flag.
    static func enrollmentsCost(_ e: [RecordInputs.EnrollmentInput]) -> Int { entryOverhead + 96 * e.count }

    /// Estimated bytes of all entries held now.
    public var bytes: Int { statements.bytes + records.bytes + enrollments.bytes }

    /// Statements held now (both generations), and the statement hits and misses so far: for benchmarks and tests.
    public var stats: (count: Int, hits: Int, misses: Int) { statements.stats }

    /// The same for party records.
    public var recordStats: (count: Int, hits: Int, misses: Int) { records.stats }
}
