import GRDB

/// The mandates that name a party, found without reading the log: an index over the `leaves`
/// table on the mandate's `party`, for mandate leaves only (`GET /v1/parties/{key}`).
///
/// The state map keeps mandates inside work records, keyed by work, so it cannot say which
/// works a party holds mandates for. SQLite maintains this index itself on every insert into
/// `leaves` (a partial index on expressions: the statement's `type` and `party`, read with
/// json_extract), so the write path is not touched; it costs a JSON parse per inserted leaf.
/// Queries name it (`INDEXED BY`), so that a query it cannot serve fails instead of scanning.
enum PartyMandateIndex {
    static let migrationName = "v8-leaves-mandate-party"

    /// The party of a mandate leaf as text (standard base64, as in the statement). Leaves are
    /// stored as BLOBs, which SQLite's JSON functions refuse before 3.45: hence the cast.
    static let partyExpression = "json_extract(CAST(data AS TEXT), '$.entry.statement.party')"
    static let mandateCondition = "json_extract(CAST(data AS TEXT), '$.entry.statement.type') = 'mandate'"

    /// Arguments: log, party (base64), from (leaf index), size, limit.
    static let selectMandates = """
        SELECT idx, data FROM leaves INDEXED BY leaves_mandate_party
        WHERE log = ? AND \(partyExpression) = ? AND \(mandateCondition) AND idx >= ? AND idx < ?
        ORDER BY idx LIMIT ?
        """

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in
            // Builds the index over the leaves already stored, in one pass.
            try db.execute(sql: "CREATE INDEX leaves_mandate_party ON leaves (log, \(partyExpression), idx) WHERE \(mandateCondition)")
        }
    }
}
