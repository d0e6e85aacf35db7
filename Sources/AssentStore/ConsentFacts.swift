import AssentCore
import Foundation
import GRDB

/// Reading the state map's records back as the statements they reference (PROTOCOL §5, §6):
/// what `Resolution.resolve` needs for one work at one time, from this snapshot of one log.
///
/// The records are read with SQL on the columns of `map_records` (docs/state-map.md, "Stored
/// form"): `subject`, `version` and `time` find the version of a subject in force at T (the
/// greatest version whose leaf time is ≤ T, §5); `work` finds every declarant's record on a work.
/// Each record's references are then read from `leaves`, checked against the referenced leaf
/// hash, and parsed (through `ParsedStateCache`, so shared mandates and enrollments are
/// parsed once).
extension LogSnapshot {
    /// The statements that bear on `work` at `t` in this log: the mandates of its work record in
    /// force at t (active and revoked: resolution keeps the latest per operator, party and role),
    /// the preferences of every declaration record on it in force at t, and the enrollments of the
    /// party record in force at t of every party a mandate names. Declarants no mandate names are
    /// not looked up: resolution never counts them, whatever their enrollment (§6 rule 1).
    /// With `audience`, only the preferences for it and for `*` are read (the only ones
    /// resolution looks at, §6 rule 2): a declarant's licences to other licensees, however many,
    /// cost nothing.
    ///
    /// Declarants that no mandate names are read up to `unverifiedLimit` of them (in the order of
    /// their keys' bytes), so that thousands of unknown keys declaring on one work cannot make
    /// every query of it read thousands of leaves, nor its answer grow without bound; how many
    /// more there were is returned as `unverifiedNotRead`.
    public func consentFacts(for work: WorkID, at t: Timestamp, audience: Audience? = nil, operators: Set<PublicKey>,
                             cache: ParsedStateCache, unverifiedLimit: Int = LogSnapshot.unverifiedLimit)
        throws -> (facts: Resolution.Facts, unverifiedNotRead: Int) {
        let (mandates, parties) = try workMandates(for: work, at: t, cache: cache)
        let declared = try preferences(on: work, at: t, audience: audience, parties: Set(parties), othersUpTo: unverifiedLimit, cache: cache)
        let facts = Resolution.Facts(operators: operators, mandates: mandates, enrollments: try enrollments(of: parties, at: t, cache: cache),
                                     preferences: declared.preferences)
        return (facts, declared.notRead)
    }

    /// The mandates of `work`'s record in force at `t` in this log (active and revoked), and the
    /// parties they name in the order first named: the first half of `consentFacts`, and the
    /// first pass of a federated read, which gathers the parties of every trusted log before it
    /// reads any declaration (docs/federation.md "One federation, one answer").
    public func workMandates(for work: WorkID, at t: Timestamp, cache: ParsedStateCache) throws -> (mandates: [Logged<Mandate>], parties: [PublicKey]) {
        var mandates = [Logged<Mandate>]()
        var parties = [PublicKey]()
        guard case let .work(record)? = try mapRecord(.work(work), at: t) else { return ([], []) }
        for entry in record.mandates {
            let stored = try loggedStatement(entry.ref, cache: cache)
            guard stored.mandateWorks?.contains(work) == true else {
                throw StoreError.corrupt(origin: origin, "the work record of \(work) references leaf \(entry.ref.index) as its mandate, but that leaf holds no mandate naming it")
            }
            var mandate = try logged(stored, entry.ref, as: "mandate") { if case let .mandate(m) = $0 { m } else { nil } }
            // Checked above: it names the work. The cache keeps a mandate without its works
            // (`ParsedStateCache.Entry`); resolution looks the work up in `works`, and one element
            // instead of up to 1,000 spares that scan for every work decided.
            mandate.body.works = [work]
            mandates.append(mandate)
            if !parties.contains(entry.party) { parties.append(entry.party) }
        }
        return (mandates, parties)
    }

    /// The preferences on `work` in force at `t` of the declarants in `parties` and of the first
    /// `limit` others (in the order of their keys' bytes); `notRead` counts the others beyond
    /// those, `othersRead` those read. With `audience`, only the preferences for it and for `*`.
    public func preferences(on work: WorkID, at t: Timestamp, audience: Audience?, parties: Set<PublicKey>, othersUpTo limit: Int,
                            cache: ParsedStateCache) throws -> (preferences: [Logged<Preference>], notRead: Int, othersRead: Int) {
        let (declarations, notRead) = try declarationRecords(on: work, at: t, always: parties, othersUpTo: limit)
        var preferences = [Logged<Preference>]()
        var othersRead = 0
        for record in declarations {
            if !parties.contains(record.declarant) { othersRead += 1 }
            for entry in record.preferences where audience.map({ entry.audience == $0 || entry.audience == .everyone }) ?? true {
                preferences.append(try logged(entry.ref, cache: cache, as: "preference") {
                    if case let .preference(p) = $0 { p } else { nil }
                })
            }
        }
        return (preferences, notRead, othersRead)
    }

    /// The enrollments of the party record in force at `t` of each of `parties`, in this log.
    public func enrollments(of parties: [PublicKey], at t: Timestamp, cache: ParsedStateCache) throws -> [Logged<Enrollment>] {
        var enrollments = [Logged<Enrollment>]()
        for party in parties {
            guard case let .party(record)? = try mapRecord(.party(party), at: t, cache: cache) else { continue }
            for entry in record.enrollments {
                enrollments.append(try logged(entry.ref, cache: cache, as: "enrollment") {
                    if case let .enrollment(e) = $0 { e } else { nil }
                })
            }
        }
        return enrollments
    }

    /// How many declarants that no mandate names a query reads: the node's answer lists at most
    /// these as unverified (`unverifiedLimit`), or counts at most `countedUnverifiedLimit` when
    /// asked to count them.
    public static let unverifiedLimit = 100
    public static let countedUnverifiedLimit = 10_000

    /// The record of `subject` in force at `t`: its greatest version whose leaf time is ≤ t, or nil.
    /// With `cache`, a version parsed before is not parsed again (party records serve many works).
    public func mapRecord(_ subject: MapSubject, at t: Timestamp, cache: ParsedStateCache? = nil) throws -> MapRecord? {
        let (from, match, identity) = rowsOf(subject)
        let inForce: StatementArguments = identity + [t.milliseconds, Int64(size)]
        guard let cache else {
            let select = try db.cachedStatement(sql: "SELECT record FROM \(from) WHERE \(match) AND time <= ? AND idx < ? ORDER BY version DESC LIMIT 1")
            guard let data = try Data.fetchOne(select, arguments: inForce) else { return nil }
            return try mapRecord(data, of: subject)
        }
        let versionOnly = try db.cachedStatement(sql: "SELECT version FROM \(from) WHERE \(match) AND time <= ? AND idx < ? ORDER BY version DESC LIMIT 1")
        guard let version = try Int64.fetchOne(versionOnly, arguments: inForce) else { return nil }
        let key = ParsedStateCache.RecordKey(log: store.id, subject: subject.key(version: 0), version: version)
        if let hit = cache.records.value(key) { return hit }
        let select = try db.cachedStatement(sql: "SELECT record FROM \(from) WHERE \(match) AND version = ?")
        guard let data = try Data.fetchOne(select, arguments: identity + [version]) else {
            throw StoreError.corrupt(origin: origin, "version \(version) of \(subject) vanished between two reads of one snapshot")
        }
        let record = try mapRecord(data, of: subject)
        cache.records.insert(record, for: key, cost: ParsedStateCache.recordCost(storedBytes: data.count))
        return record
    }

    /// How the rows of `subject` are found (docs/state-map.md "Stored form"): by the `work` and
    /// `party` columns, through the index that holds them with `version` (named, so that a query
    /// it cannot serve fails instead of scanning). The log comes first among the arguments.
    func rowsOf(_ subject: MapSubject) -> (from: String, match: String, arguments: StatementArguments) { Self.rows(of: subject, log: store.id) }

    static func rows(of subject: MapSubject, log: Int64 = 0) -> (from: String, match: String, arguments: StatementArguments) {
        switch subject {
        case let .work(work):
            ("map_records INDEXED BY map_records_work", "log = ? AND work = ? AND party IS NULL", [log, work.description])
        case let .declaration(work, declarant):
            ("map_records INDEXED BY map_records_work", "log = ? AND work = ? AND party = ?", [log, work.description, Data(declarant.bytes)])
        case let .party(party):
            ("map_records INDEXED BY map_records_party_versions", "log = ? AND party = ? AND work IS NULL", [log, Data(party.bytes)])
        }
    }

    /// Every declarant's declaration record on `work` in force at `t`, in the order of their
    /// keys' bytes. (SQLite takes the bare `record` column from the row holding MAX(version).)
    /// The index is named: without statistics the planner could walk the whole table instead.
    /// The records of the declarants in `always` are read, and of the others the first
    /// `othersUpTo`; the rest are counted, not parsed (`notRead`).
    public func declarationRecords(on work: WorkID, at t: Timestamp, always: Set<PublicKey> = [], othersUpTo limit: Int = .max)
        throws -> (records: [DeclarationRecord], notRead: Int) {
        let select = try db.cachedStatement(sql: """
            SELECT record, party, MAX(version) FROM map_records INDEXED BY map_records_work
            WHERE log = ? AND work = ? AND party IS NOT NULL AND time <= ? AND idx < ?
            GROUP BY party ORDER BY party
            """)
        let wanted = Set(always.map(\.bytes))
        var out = [DeclarationRecord]()
        var others = 0, notRead = 0
        let rows = try Row.fetchCursor(select, arguments: [store.id, work.description, t.milliseconds, Int64(size)])
        while let row = try rows.next() {
            let party: Data = row[1]
            if !wanted.contains([UInt8](party)) {
                guard others < limit else {
                    notRead += 1
                    continue
                }
                others += 1
            }
            let data: Data = row[0]
            guard case let .declaration(record) = try mapRecord(data, of: nil), record.work == work else {
                throw StoreError.corrupt(origin: origin, "a map_records row indexed under work \(work) holds another record")
            }
            out.append(record)
        }
        return (out, notRead)
    }

    /// Parses a stored record; `subject`, when given, is the one the row was looked up by.
    func mapRecord(_ data: Data, of subject: MapSubject?) throws -> MapRecord {
        let record: MapRecord
        do { record = try MapRecord(bytes: [UInt8](data)) } catch {
            throw StoreError.badRow(origin: origin, "map record\(subject.map { " of \($0)" } ?? ""): \(error)")
        }
        if let subject, record.subject != subject {
            throw StoreError.corrupt(origin: origin, "the map record stored for \(subject) is about \(record.subject)")
        }
        return record
    }

    /// The statement in the leaf `ref` names, as resolution takes it. The leaf must hash to
    /// the reference's hash and hold a statement of the expected type.
    func logged<Body>(_ ref: MapLeafReference, cache: ParsedStateCache, as type: String,
                      _ body: (AssentCore.Statement) -> Body?) throws -> Logged<Body> {
        try logged(try loggedStatement(ref, cache: cache), ref, as: type, body)
    }

    func logged<Body>(_ entry: ParsedStateCache.Entry, _ ref: MapLeafReference, as type: String,
                      _ body: (AssentCore.Statement) -> Body?) throws -> Logged<Body> {
        guard let value = body(entry.statement) else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index) as a \(type), but it holds a \(entry.statement.kind.rawValue)")
        }
        return Logged(value, hash: entry.hash, log: origin, index: ref.index, time: entry.time)
    }

    /// The statement of the leaf `ref` names, from `cache` or read and parsed.
    public func loggedStatement(_ ref: MapLeafReference, cache: ParsedStateCache) throws -> ParsedStateCache.Entry {
        let key = ParsedStateCache.Key(log: store.id, index: ref.index)
        if let hit = cache.statements.value(key), hit.leafHash == ref.hash { return hit }
        guard ref.index < size, let bytes = try leafBytes(at: ref.index) else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index), which is not stored")
        }
        let leaf: LogLeaf
        do { leaf = try LogLeaf(storedBytes: bytes) } catch { throw StoreError.badRow(origin: origin, "leaf \(ref.index): \(error)") }
        guard leaf.leafHash == ref.hash else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index) with hash \(ref.hash), but the leaf hashes to \(leaf.leafHash)")
        }
        guard let statement = leaf.statement else {
            throw StoreError.corrupt(origin: origin, "a map record references leaf \(ref.index), an epoch leaf")
        }
        let entry = ParsedStateCache.Entry(statement, leafHash: leaf.leafHash, time: leaf.time)
        cache.statements.insert(entry, for: key, cost: entry.estimatedBytes)
        return entry
    }
}
