import AssentCore
import Foundation
import GRDB

/// One version of one state-map record, with the statement whose leaf made it (PROTOCOL §5:
/// version v is the record after the v-th leaf of the log that changed it).
public struct MapChange: Sendable {
    public let record: MapRecord
    public let statement: SignedStatement

    /// `{"index", "time", "record", "version", ["declarant"], "statementHash", "statement"}`:
    /// when and by which leaf, which record and version, and the statement as logged (its body:
    /// who, what; personal data only as commitments, as in the leaf).
    public var json: JSONValue {
        var o: [JSONKey: JSONValue] = [
            "index": .integer(Int64(clamping: record.stamp.index)), "time": .string(record.stamp.time.rfc3339),
            "version": .integer(Int64(record.stamp.version)),
            "statementHash": .string(statement.hash.base64), "statement": statement.statement.json,
        ]
        switch record {
        case .work: o["record"] = "work"
        case let .declaration(d):
            o["record"] = "declaration"
            o["declarant"] = .string(d.declarant.base64)
        case .party: o["record"] = "party"
        }
        return .object(o)
    }
}

/// A mandate naming a party, as logged.
public struct LoggedMandate: Sendable {
    public let index: UInt64
    public let time: Timestamp
    public let statement: SignedStatement

    public var json: JSONValue {
        ["index": .integer(Int64(clamping: index)), "time": .string(time.rfc3339),
         "statementHash": .string(statement.hash.base64), "statement": statement.statement.json]
    }
}

extension LogSnapshot {
    /// The most changes one history reply holds; the caller pages on with `from`.
    public static let maxHistory = 1000
    /// The most mandates one party reply holds: a mandate names up to 1,000 works (up to 63 KiB),
    /// so a page of 100 stays under 7 MB.
    public static let maxMandates = 100

    /// Every version of `work`'s work record and of every declaration record on it, oldest
    /// first (by the index of the leaf that made it; within one leaf, the work record first),
    /// from leaf `from` on, at most `limit` of them.
    public func workHistory(of work: WorkID, from: UInt64 = 0, limit: Int = LogSnapshot.maxHistory) throws -> [MapChange] {
        guard from < size else { return [] }
        let select = try db.cachedStatement(sql: """
            SELECT record FROM map_records INDEXED BY map_records_work WHERE log = ? AND work = ? AND idx >= ? AND idx < ?
            ORDER BY idx, party IS NOT NULL, subject LIMIT ?
            """)
        var out = [MapChange]()
        let rows = try Data.fetchCursor(select, arguments: [store.id, work.description, Int64(from), Int64(size), max(0, limit)])
        while let data = try rows.next() {
            let record = try mapRecord(data, of: nil)
            guard record.subject == .work(work) || { if case let .declaration(w, _) = record.subject { w == work } else { false } }() else {
                throw StoreError.corrupt(origin: origin, "a map_records row indexed under work \(work) is about \(record.subject)")
            }
            out.append(MapChange(record: record, statement: try statement(making: record)))
        }
        return out
    }

    /// Every version of `party`'s party record (its enrollments by each operator), oldest first,
    /// from leaf `from` on, at most `limit`.
    public func partyHistory(of party: PublicKey, from: UInt64 = 0, limit: Int = LogSnapshot.maxHistory) throws -> [MapChange] {
        guard from < size else { return [] }
        let subject = MapSubject.party(party)
        let (table, match, identity) = rowsOf(subject)
        let select = try db.cachedStatement(sql: "SELECT record FROM \(table) WHERE \(match) AND idx >= ? AND idx < ? ORDER BY version LIMIT ?")
        var out = [MapChange]()
        let rows = try Data.fetchCursor(select, arguments: identity + [Int64(from), Int64(size), max(0, limit)])
        while let data = try rows.next() {
            let record = try mapRecord(data, of: subject)
            out.append(MapChange(record: record, statement: try statement(making: record)))
        }
        return out
    }

    /// Every mandate statement that names `party`, active or revoked, oldest first, from leaf
    /// `from` on, at most `limit`: through the index `leaves_mandate_party` (PartyMandateIndex).
    public func mandates(naming party: PublicKey, from: UInt64 = 0, limit: Int = LogSnapshot.maxMandates) throws -> [LoggedMandate] {
        guard from < size else { return [] }
        let select = try db.cachedStatement(sql: PartyMandateIndex.selectMandates)
        var out = [LoggedMandate]()
        let rows = try Row.fetchCursor(select, arguments: [store.id, party.base64, Int64(from), Int64(size), max(0, limit)])
        while let row = try rows.next() {
            let index: Int64 = row[0]
            let data: Data = row[1]
            let leaf: LogLeaf
            do { leaf = try LogLeaf(storedBytes: [UInt8](data)) } catch { throw StoreError.badRow(origin: origin, "leaf \(index): \(error)") }
            guard let statement = leaf.statement, case let .mandate(m) = statement.statement, m.party == party else {
                throw StoreError.corrupt(origin: origin, "leaf \(index), indexed as a mandate of \(party), is not one")
            }
            out.append(LoggedMandate(index: leaf.index, time: leaf.time, statement: statement))
        }
        return out
    }

    /// The statement in the leaf that made `record` (its stamp's index).
    func statement(making record: MapRecord) throws -> SignedStatement {
        let index = record.stamp.index
        guard index < size, let bytes = try leafBytes(at: index) else {
            throw StoreError.corrupt(origin: origin, "version \(record.stamp.version) of \(record.subject) was made by leaf \(index), which is not stored")
        }
        let leaf: LogLeaf
        do { leaf = try LogLeaf(storedBytes: bytes) } catch { throw StoreError.badRow(origin: origin, "leaf \(index): \(error)") }
        guard let statement = leaf.statement, leaf.time == record.stamp.time else {
            throw StoreError.corrupt(origin: origin, "version \(record.stamp.version) of \(record.subject) names leaf \(index), which holds no statement of that time")
        }
        return statement
    }
}
