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
/// works costs about 9 KB as kept here (it cost 120 KB parsed in full), an enrollment about 100 bytes (docs/benchmarks.md "Node
/// memory and past T"). The estimates (`Entry.estimatedBytes`, `recordCost`,
/// `enrollmentsCost`) count what an entry keeps alive, not the allocator's rounding.
public final class ParsedStateCache: Sendable {
    /// A statement as its leaf holds it, in the form resolution reads it. A mandate is kept
    /// without its works (`statement`'s `works` is empty): `mandateWorks` answers whether it
    /// names a work, in 8 bytes a work, where the parsed works with a set of them cost about
    /// 120 KB a 1,000-work mandate and at 1,000,000 works the mandates in use did not fit the
    /// byte bound (docs/benchmarks.md "Consent benchmark"). The canonical bytes are not kept.
    public struct Entry: Sendable {
        public let statement: AssentCore.Statement
        /// The signed statement's hash (`SignedStatement.hash`).
        public let hash: Hash
        public let leafHash: Hash
        public let time: Timestamp
        let mandateWorks: MandateWorkHashes?
        /// What the entry keeps alive: the parsed fields of a statement other than a mandate, about
        /// as many bytes as its canonical form; for a mandate its fixed fields (keys, time, role,
        /// labels: bounded by `mandateFieldBytes`) and 8 bytes a work.
        let estimatedBytes: Int

        init(_ signed: SignedStatement, leafHash: Hash, time: Timestamp) {
            hash = signed.hash
            self.leafHash = leafHash
            self.time = time
            if case var .mandate(m) = signed.statement {
                let works = MandateWorkHashes(m.works)
                m.works = []
                statement = .mandate(m)
                mandateWorks = works
                estimatedBytes = ParsedStateCache.statementSlot + ParsedStateCache.mandateFieldBytes + 8 * works.count
            } else {
                statement = signed.statement
                mandateWorks = nil
                estimatedBytes = ParsedStateCache.statementSlot + signed.canonicalBytes.count
            }
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
    /// quarters, so about 11,000 distinct 1,000-work mandates are held at once (8 KB each and
    /// their fields): at 1,000,000 works `assent-bench consent` uses about 1,000 of them
    /// (docs/benchmarks.md "Node memory and past T", "Consent benchmark").
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

    /// What a dictionary slot of a kind costs on top of what its value refers to: the key, the
    /// value stored inline and its cost, at the dictionary's load of 3/4, and an allocator header.
    /// From the types' layout: a fixed 160 bytes undercounted a statement's slot (288 bytes of
    /// key and inline `Statement`), so a cache full of small statements held about 1.5 times its
    /// bound (found by measuring malloc's bytes in use, session 6 review).
    static func slotBytes<K, V>(_: K.Type, _: V.Type) -> Int {
        (MemoryLayout<K>.stride + MemoryLayout<V>.stride + MemoryLayout<Int>.stride) * 4 / 3 + 16
    }

    static let statementSlot = slotBytes(Key.self, Entry.self)
    static let recordSlot = slotBytes(RecordKey.self, MapRecord.self)
    static let enrollmentsSlot = slotBytes(EnrollmentsKey.self, [RecordInputs.EnrollmentInput].self)

    /// A mandate's fields but its works: two keys and the issuer (arrays of 32 bytes with their
    /// headers), time, role, status, and up to `Mandate.maxLabels` short label codes.
    static let mandateFieldBytes = 3 * 64 + 64 + Mandate.maxLabels * 32

    /// The estimated bytes a parsed record keeps alive, from the size of its stored form: its
    /// parsed fields (hashes, keys, references) are about as large as their canonical JSON.
    static func recordCost(storedBytes: Int) -> Int { recordSlot + 2 * storedBytes }

    /// The estimated bytes of a party's enrollments: an enrollment holds a key (an array of 32
    /// bytes with its header) and a flag.
    static func enrollmentsCost(_ e: [RecordInputs.EnrollmentInput]) -> Int { enrollmentsSlot + 96 * e.count }

    /// Estimated bytes of all entries held now.
    public var bytes: Int { statements.bytes + records.bytes + enrollments.bytes }

    /// Statements held now (both generations), and the statement hits and misses so far: for benchmarks and tests.
    public var stats: (count: Int, hits: Int, misses: Int) { statements.stats }

    /// The same for party records.
    public var recordStats: (count: Int, hits: Int, misses: Int) { records.stats }
}
