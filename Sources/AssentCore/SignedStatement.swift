/// A statement with its declarant's signature: `{"sig": base64, "statement": {...}}` (PROTOCOL §3).
///
/// The signature is Ed25519 by `statement.by` over `assent/statement/v1\n` followed by the
/// canonical statement bytes, so a statement signature can never be confused with any other
/// signature the same key makes.
public struct SignedStatement: Hashable, Sendable {
    public static let domain = Array("assent/statement/v1\n".utf8)
    /// The largest signed statement a node accepts, so that its leaf fits 65,535 bytes.
    public static let maxSize = 64 * 1024 - 1024

    public let statement: Statement
    public let signature: [UInt8]
    /// The canonical bytes of the whole signed statement, as logged.
    public let canonicalBytes: [UInt8]
    /// SHA-256 of the canonical signed statement: its identity for de-duplication and tie-breaks (PROTOCOL §6).
    public let hash: Hash

    /// Signs `statement`; `key` must be the key named in `by`.
    public static func sign(_ statement: Statement, with key: SigningKey) -> SignedStatement {
        precondition(key.publicKey == statement.by, "statement 'by' is not the signing key")
        let body = statement.json
        let signature = key.sign(domain + CanonicalJSON.encode(body))
        let whole: JSONValue = ["statement": body, "sig": .string(Base64.encode(signature))]
        return SignedStatement(statement: statement, signature: signature, canonicalBytes: CanonicalJSON.encode(whole))
    }

    private init(statement: Statement, signature: [UInt8], canonicalBytes: [UInt8]) {
        self.statement = statement
        self.signature = signature
        self.canonicalBytes = canonicalBytes
        self.hash = SHA256.hash(canonicalBytes)
    }

    /// Parses, checks the type rules and verifies the signature of a signed statement.
    /// With `requireCanonical` (what a node does) the bytes must already be canonical.
    public init(bytes: [UInt8], requireCanonical: Bool = true) throws(StatementError) {
        guard bytes.count <= SignedStatement.maxSize else { throw .tooLarge(bytes: bytes.count, limit: SignedStatement.maxSize) }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes, requireCanonical: requireCanonical) } catch { throw .notJSON(error) }
        try self.init(json: value, canonicalBytes: requireCanonical ? bytes : nil)
    }

    /// Checks a signed statement already parsed as JSON (for example inside a log leaf).
    public init(json value: JSONValue) throws(StatementError) {
        try self.init(json: value, canonicalBytes: nil)
    }

    /// `known`, when given, must be the canonical bytes that `value` was parsed from: the
    /// signature is checked over a slice of them. Internal, so that only this module's parsers,
    /// which hold both, can pass them; a caller outside could otherwise pair a statement with
    /// bytes signed for another.
    ///
    /// `verifySignature: false` is for statements read back from a store that verified them
    /// before it stored them (`LogLeaf(storedBytes:)`): every other rule is still checked.
    init(json value: JSONValue, canonicalBytes known: [UInt8]?, verifySignature: Bool = true) throws(StatementError) {
        var f = try FieldReader(value, context: "signed statement")
        guard let body = f.take("statement") else { throw .missingField("statement") }
        let sigText = try f.string("sig")
        try f.finish()
        guard let signature = Base64.decode(sigText), signature.count == 64 else {
            throw .badField("sig", "must be base64 of a 64-byte Ed25519 signature")
        }
        let statement = try Statement(json: body)
        // Canonical input is exactly {"sig":"<base64>","statement":<body>} ("sig" sorts first and
        // base64 needs no escapes), so the signed body is a slice of it and need not be re-encoded.
        let bodyBytes: ArraySlice<UInt8>
        if let known {
            bodyBytes = known[(#"{"sig":""#.utf8.count + sigText.utf8.count + #"","statement":"#.utf8.count)..<(known.count - 1)]
        } else {
            bodyBytes = CanonicalJSON.encode(body)[...]
        }
        guard !verifySignature || statement.by.isValidSignature(signature, for: SignedStatement.domain + bodyBytes) else {
            throw .badSignature
        }
        let canonical = known ?? CanonicalJSON.encode(value)
        guard canonical.count <= SignedStatement.maxSize else { throw .tooLarge(bytes: canonical.count, limit: SignedStatement.maxSize) }
        self.statement = statement
        self.signature = signature
        self.canonicalBytes = canonical
        self.hash = SHA256.hash(canonical)
    }

    public var json: JSONValue {
        // Canonical bytes are the source of truth; re-parsing them cannot fail.
        try! CanonicalJSON.parse(canonicalBytes, requireCanonical: true)
    }
}
