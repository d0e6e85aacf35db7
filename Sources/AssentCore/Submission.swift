/// What a client submits for one statement (docs/protocol.md "Personal data"): the signed
/// statement and, beside it, the disclosures of its commitments.
///
///     {"disclosures": [{"field": "/name", "salt": …, "text": …}, …], "sig": …, "statement": {…}}
///
/// `disclosures` is outside the signed bytes: what is logged is `statement` alone, the canonical
/// `{"sig", "statement"}`, whose hash never depends on the disclosures. Reading a submission
/// checks every disclosure against its commitment (`Disclosure.check`), so a submission is
/// either whole or refused.
public struct Submission: Hashable, Sendable {
    public let statement: SignedStatement
    public let disclosures: [Disclosure]

    /// Room for the disclosures beside the largest statement: at most 19 commitments (a name,
    /// 16 ids, a credit, a note), each text at most 1,120 bytes with its salt and pointer.
    public static let maxSize = SignedStatement.maxSize + 32 * 1024
    private static let disclosuresPrefix = Array(#"{"disclosures":"#.utf8)

    /// Disclosures are checked here: `disclosures` must disclose exactly the statement's commitments.
    public init(statement: SignedStatement, disclosures: [Disclosure]) throws(StatementError) {
        try Disclosure.check(disclosures, against: statement.statement)
        self.statement = statement
        self.disclosures = disclosures
    }

    /// Parses a submission. With `requireCanonical` (what a node does) the whole object,
    /// disclosures included, must already be canonical JSON (RFC 8785), as a statement alone must.
    public init(bytes: [UInt8], requireCanonical: Bool = true) throws(StatementError) {
        guard bytes.count <= Submission.maxSize else {
            // Without disclosures the body is a statement alone, held to the statement's limit.
            guard bytes.starts(with: Submission.disclosuresPrefix) else { throw .tooLarge(bytes: bytes.count, limit: SignedStatement.maxSize) }
            throw .submissionTooLarge(bytes: bytes.count, limit: Submission.maxSize)
        }
        // Canonical input without disclosures is a signed statement as it is logged: it is read
        // without re-encoding (SignedStatement slices the signed body out of it).
        if requireCanonical, !bytes.starts(with: Submission.disclosuresPrefix) {
            try self.init(statement: try SignedStatement(bytes: bytes, requireCanonical: true), disclosures: [])
            return
        }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes, requireCanonical: requireCanonical) } catch { throw .notJSON(error) }
        try self.init(json: value)
    }

    public init(json value: JSONValue) throws(StatementError) {
        guard case var .object(members) = value else { throw .notObject("signed statement") }
        let disclosures = try members.removeValue(forKey: "disclosures").map { v throws(StatementError) in try Disclosure.list(json: v) } ?? []
        try self.init(statement: try SignedStatement(json: .object(members)), disclosures: disclosures)
    }

    /// `{"disclosures": […], "sig": …, "statement": …}` in canonical form; without disclosures,
    /// the signed statement's own bytes.
    public var canonicalBytes: [UInt8] {
        guard !disclosures.isEmpty else { return statement.canonicalBytes }
        var bytes = Submission.disclosuresPrefix
        CanonicalJSON.write(.array(disclosures.map(\.json)), into: &bytes)
        bytes.append(UInt8(ascii: ","))
        bytes += statement.canonicalBytes.dropFirst()
        return bytes
    }
}
