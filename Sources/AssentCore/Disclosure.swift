/// The text and salt behind one commitment of a statement (docs/protocol.md "Personal data"):
///
///     {"field": "/ids/0", "salt": base64 of 16 bytes, "text": "ipi:00052210040"}
///
/// Disclosures travel beside a signed statement (`Submission`), outside the signed bytes and
/// never in a leaf: the node keeps them in a table it can delete from, and an erasure deletes them.
/// `field` is an RFC 6901 JSON Pointer into the statement object, at a commitment.
public struct Disclosure: Hashable, Sendable {
    public let field: String
    public let salt: [UInt8]
    public let text: String

    public init(field: String, salt: [UInt8], text: String) {
        self.field = field
        self.salt = salt
        self.text = text
    }

    /// Commits `text` with a fresh random salt, for the field at `pointer`: the commitment goes
    /// into the statement, the disclosure beside it.
    public static func committing(_ text: String, at pointer: String) throws(CryptoError) -> (Commitment, Disclosure) {
        let salt = try Commitment.randomSalt()
        let commitment = Commitment(digest: SHA256.hash(Commitment.domain + salt + Array(text.utf8)))
        return (commitment, Disclosure(field: pointer, salt: salt, text: text))
    }

    public var commitment: Commitment? { try? Commitment(text: text, salt: salt) }

    public var json: JSONValue {
        ["field": .string(field), "salt": .string(Base64.encode(salt)), "text": .string(text)]
    }

    /// The largest text a disclosure may carry, in UTF-8 bytes: the longest field (`note`, 280
    /// scalars) at 4 bytes each. Anything longer cannot pass any field's character limit, and is
    /// refused before it is hashed, but with that limit (`CommittedField.Kind.refusal`), so that
    /// a writer counting characters sees characters: the byte bound is this node's, not a rule.
    static let maxTextBytes = 4 * Preference.maxNoteCharacters
    /// Base64 of the 16-byte salt is 24 characters; anything longer cannot be one.
    static let maxSaltTextBytes = 4 * ((Commitment.saltLength + 2) / 3)
    /// A disclosure's `field` pointer, at most (the longest a statement has is `/conditions/credit`).
    public static let maxPointerBytes = 64

    public init(json: JSONValue, position: Int) throws(StatementError) {
        let context = "disclosures[\(position)]"
        var f = try FieldReader(json, context: context)
        do throws(StatementError) {
            field = try f.string("field", maxLength: Disclosure.maxPointerBytes)
            let saltText = try f.string("salt", maxLength: Disclosure.maxSaltTextBytes)
            guard let salt = Base64.decode(saltText), salt.count == Commitment.saltLength else {
                throw StatementError.badDisclosure(field, "\"salt\" must be base64 of \(Commitment.saltLength) bytes")
            }
            self.salt = salt
            // Bounded by the submission's size, so reading it whole costs little; its length is
            // judged in `check`, against the field it discloses.
            text = try f.string("text", maxLength: Submission.maxSize)
            try f.finish()
        } catch {
            if case .badDisclosure = error { throw error }
            throw .badDisclosure(context, "\(error)")
        }
    }

    /// Reads a `disclosures` array.
    public static func list(json: JSONValue) throws(StatementError) -> [Disclosure] {
        guard case let .array(items) = json else {
            throw .wrongType(field: "disclosures", expected: "an array of {field, salt, text}", found: json.typeName)
        }
        var out = [Disclosure]()
        for (i, item) in items.enumerated() { out.append(try Disclosure(json: item, position: i)) }
        return out
    }

    /// Checks `disclosures` against `statement` as a node does at submission: every commitment
    /// of the statement has exactly one disclosure, every disclosure points at a commitment, its
    /// text and salt hash to it, and its text passes the check the clear field had (`CommittedField.Kind`).
    public static func check(_ disclosures: [Disclosure], against statement: Statement) throws(StatementError) {
        let committed = statement.commitments
        var seen = Set<String>()
        for d in disclosures {
            guard let target = committed.first(where: { Bytewise.equal($0.pointer, d.field) }) else {
                let known = committed.isEmpty ? "this statement has no commitments" : "its commitments are at " + committed.map(\.pointer).joined(separator: ", ")
                throw .badDisclosure(d.field, "points at no commitment of the statement; \(known)")
            }
            guard seen.insert(d.field).inserted else { throw .badDisclosure(d.field, "disclosed twice") }
            // A text too long for every field is refused before it is hashed, with its field's limit.
            if d.text.utf8.count > maxTextBytes, let why = target.kind.refusal(of: d.text) { throw .badDisclosure(d.field, why) }
            guard target.commitment.matches(text: d.text, salt: d.salt) else {
                throw .badDisclosure(d.field, "text and salt do not hash to the statement's commitment \(target.commitment)")
            }
            if let why = target.kind.refusal(of: d.text) { throw .badDisclosure(d.field, why) }
        }
        if let missing = committed.first(where: { !seen.contains($0.pointer) }) {
            throw .badDisclosure(missing.pointer, "no disclosure: every commitment must be disclosed (text and salt) when the statement is submitted")
        }
    }
}

/// A commitment in a statement, where it is, and what kind of text it commits to.
public struct CommittedField: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case name, id, credit, note

        /// Why `text` is refused for this field, as the clear field would have been refused; nil when it passes.
        public func refusal(of text: String) -> String? {
            switch self {
            case .name: return Kind.length(text, Enrollment.maxNameCharacters)
            case .credit: return Kind.length(text, Conditions.maxCreditCharacters)
            case .note: return Kind.length(text, Preference.maxNoteCharacters)
            case .id:
                do { _ = try PartyIdentifier(parsingNormalized: text); return nil } catch { return "\(error)" }
            }
        }

        private static func length(_ text: String, _ limit: Int) -> String? {
            let count = text.unicodeScalars.count
            return count <= limit ? nil : "\(count) characters, at most \(limit)"
        }
    }

    /// RFC 6901 JSON Pointer into the statement object: `/name`, `/ids/0`, `/conditions/credit`, `/note`.
    public let pointer: String
    public let kind: Kind
    public let commitment: Commitment
}
