/// Applies log leaves to the state map's records (docs/state-map.md §4, PROTOCOL §5): which
/// leaf makes a new version of which record. Pure: the current records and the order of the
/// statements they reference come from a `MapUpdate.Source` (the store's tables, or an
/// in-memory replay), and the new versions are collected here for one batch.
///
/// Per identity (operator for an enrollment; operator, party and role for a mandate on a work;
/// audience for a preference) a record keeps the statement that is latest by `issued`, ties by
/// statement hash (PROTOCOL §6). A statement that is not later than the one it would replace
/// changes nothing and makes no version.
public struct MapUpdate {
    /// Where the records stand before this batch.
    public protocol Source {
        /// The subject's latest record, nil when it has none.
        func latestRecord(_ subject: MapSubject) throws -> MapRecord?
        /// The order of the statement in the referenced leaf (a record's entry), to compare a new one with.
        func statementOrder(_ ref: MapLeafReference) throws -> StatementOrder
    }

    /// The order PROTOCOL §6 puts statements in: by `issued`, then by statement hash as bytes.
    public struct StatementOrder: Hashable, Sendable, Comparable {
        public let issued: Timestamp
        public let hash: Hash

        public init(issued: Timestamp, hash: Hash) {
            self.issued = issued
            self.hash = hash
        }

        public init(_ statement: SignedStatement) { self.init(issued: statement.statement.issued, hash: statement.hash) }

        public static func < (a: StatementOrder, b: StatementOrder) -> Bool {
            a.issued != b.issued ? a.issued < b.issued : a.hash < b.hash
        }
    }

    /// The most record versions one batch should make: a writer cuts a batch before the
    /// statement that could take it past this (`mostRecords(of:)`), so that what a batch holds
    /// in memory until its commit (each version, its canonical bytes and map entry, and its
    /// consent-index facts) is bounded. Without it, one batch of 1,000 mandates of 1,000 works
    /// each makes a million versions at once (docs/benchmarks.md "Write path and memory").
    public static let batchRecordBound = 100_000

    /// The most record versions `statement` can make: one per work a mandate names, one for any
    /// other statement (an erasure makes none, and is counted as one so a batch stays bounded
    /// by its statements too).
    public static func mostRecords(of statement: Statement) -> Int {
        if case let .mandate(m) = statement { return max(1, m.works.count) }
        return 1
    }

    /// How many of `statements` (the queue, in order) the next batch takes: all of them, but
    /// no more than can make `bound` record versions, and at least one when there is any.
    public static func batchLength(_ statements: some Sequence<Statement>, bound: Int = batchRecordBound) -> Int {
        var taken = 0, records = 0
        for statement in statements {
            let most = mostRecords(of: statement)
            if taken > 0, records + most > bound { break }
            taken += 1
            records += most
        }
        return taken
    }

    let source: any Source
    /// Records made in this batch, latest per subject: they override the source.
    private var latest: [MapSubject: MapRecord] = [:]
    /// Orders of the statements of this batch's leaves, by leaf index.
    private var orders: [UInt64: StatementOrder] = [:]
    /// Every new version, in the order made: each is one map entry.
    public private(set) var records: [MapRecord] = []

    public init(source: any Source) {
        self.source = source
    }

    /// The map entries of every version made so far.
    public var entries: [PrefixTreeEntry] { records.map(\.entry) }

    /// Applies one leaf (in index order). Epoch leaves, erasures and statements that are not
    /// later than what they would replace change nothing.
    public mutating func apply(_ leaf: LogLeaf) throws {
        guard let signed = leaf.statement else { return }
        let order = StatementOrder(signed)
        let ref = MapLeafReference(leaf)
        orders[leaf.index] = order
        switch signed.statement {
        case let .enrollment(e):
            let subject = MapSubject.party(e.party)
            let current = try record(subject)
            var list: [PartyRecord.EnrollmentEntry] = current.flatMap { if case let .party(r) = $0 { r.enrollments } else { nil } } ?? []
            let at = list.firstIndex { $0.by == e.by }
            if let at, try !isLater(order, than: list[at].ref) { return }
            let entry = PartyRecord.EnrollmentEntry(by: e.by, role: e.role, active: e.active, ref: ref)
            if let at { list[at] = entry } else { list.append(entry) }
            let stamp = try nextStamp(current, leaf)
            try add(.party(PartyRecord(stamp: stamp, party: e.party, enrollments: list)))
        case let .mandate(m):
            // A work named twice in one mandate changes its record once.
            var done = Set<WorkID>()
            for work in m.works where done.insert(work).inserted {
                let subject = MapSubject.work(work)
                let current = try record(subject)
                var list: [WorkRecord.MandateEntry] = current.flatMap { if case let .work(r) = $0 { r.mandates } else { nil } } ?? []
                let at = list.firstIndex { $0.by == m.by && $0.party == m.party && $0.role == m.role }
                if let at, try !isLater(order, than: list[at].ref) { continue }
                let entry = WorkRecord.MandateEntry(by: m.by, party: m.party, role: m.role, labels: m.labels ?? [], active: m.active, ref: ref)
                if let at { list[at] = entry } else { list.append(entry) }
                let stamp = try nextStamp(current, leaf)
                try add(.work(WorkRecord(stamp: stamp, work: work, mandates: list)))
            }
        case let .preference(p):
            let subject = MapSubject.declaration(work: p.work, declarant: p.by)
            let current = try record(subject)
            var list: [DeclarationRecord.PreferenceEntry] = current.flatMap { if case let .declaration(r) = $0 { r.preferences } else { nil } } ?? []
            let at = list.firstIndex { $0.audience == p.audience }
            if let at, try !isLater(order, than: list[at].ref) { return }
            let entry = DeclarationRecord.PreferenceEntry(audience: p.audience, ref: ref)
            if let at { list[at] = entry } else { list.append(entry) }
            let stamp = try nextStamp(current, leaf)
            try add(.declaration(DeclarationRecord(stamp: stamp, work: p.work, declarant: p.by, preferences: list)))
        case .erasure:
            return
        }
    }

    private func record(_ subject: MapSubject) throws -> MapRecord? {
        if let r = latest[subject] { return r }
        return try source.latestRecord(subject)
    }

    private func isLater(_ order: StatementOrder, than ref: MapLeafReference) throws -> Bool {
        let other = try orders[ref.index] ?? source.statementOrder(ref)
        return other < order
    }

    private func nextStamp(_ current: MapRecord?, _ leaf: LogLeaf) throws(MapRecordError) -> MapRecordStamp {
        let version = current?.stamp.version ?? 0
        guard version < UInt32.max else { throw .outOfRange(record: "map", "\(current?.subject.description ?? "") has the last version there is") }
        return MapRecordStamp(version: version + 1, index: leaf.index, time: leaf.time)
    }

    private mutating func add(_ record: MapRecord) throws {
        latest[record.subject] = record
        records.append(record)
    }
}
