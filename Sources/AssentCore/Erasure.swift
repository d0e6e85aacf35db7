/// An erasure request (docs/protocol.md "Personal data"): logged as a statement that names only
/// the hash of the statement whose disclosures it erases, so it holds no personal data itself.
///
///     {"type": "erasure", "by": base64 key, "issued": t, "erases": base64 of the 32-byte statement hash}
///
/// Who may sign one depends on the erased statement (`Admission.checkErasure`).
public struct Erasure: Hashable, Sendable {
    public var by: PublicKey
    public var issued: Timestamp
    /// The SHA-256 of the erased statement's canonical signed bytes (`SignedStatement.hash`).
    public var erases: Hash

    public init(by: PublicKey, issued: Timestamp, erases: Hash) {
        self.by = by
        self.issued = issued
        self.erases = erases
    }

    public var json: JSONValue {
        ["type": "erasure", "by": .string(by.base64), "issued": .string(issued.rfc3339), "erases": .string(erases.base64)]
    }

    init(fields f: inout FieldReader) throws(StatementError) {
        by = try f.publicKey("by")
        issued = try f.timestamp("issued")
        let text = try f.string("erases")
        guard let hash = Hash(base64: text) else { throw .badField("erases", "must be base64 of a 32-byte statement hash") }
        erases = hash
    }
}
