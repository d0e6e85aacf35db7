/// Two checkpoint notes of one log that cannot both be true: proof that the log equivocated
/// (issue 8 item 5, PROTOCOL §8). Anyone holding the log's key checks it offline (`verify`).
///
/// - `sameSizeDifferentRoot`: two notes of the same size with different roots.
/// - `inconsistent`: notes of sizes m < n, and a path that RFC 9162 §2.1.4.2 turns into the
///   later note's root *and* into a root of its first m leaves other than the earlier note's
///   root: the later tree does not extend the earlier. The path is the consistency proof
///   SUBPROOF(m, D[0:n], false) of RFC 9162 §2.1.4.1: when m is a power of two it begins with
///   the later tree's hash of its first m leaves, which a plain proof leaves out because its
///   verifier holds the old root (`ConsistencyProof.generate(includingOldRoot:)`).
///
/// A proof that merely fails to verify is not evidence: anyone may send a log's real signed
/// note with garbage proof lines. Evidence holds only when the math shows the two trees differ.
///
/// The file format is JSON, `{"v":1,"origin":…,"kind":…,"notes":[earlier, later],"proof":[base64…]}`,
/// written canonically (docs/federation.md "Evidence").
public struct Evidence: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case sameSizeDifferentRoot
        case inconsistent
    }

    public let origin: String
    public let kind: Kind
    /// Both notes, as received (with whatever cosignatures they carried): for `inconsistent` the
    /// smaller first; for `sameSizeDifferentRoot` ordered by root, so that one conflict is one value.
    public let notes: [String]
    /// The path of the `inconsistent` kind; empty for `sameSizeDifferentRoot`.
    public let proof: [Hash]
    /// The checkpoints the two notes state, in the order of `notes`.
    public let checkpoints: [Checkpoint]

    /// A whole evidence file is refused above this size before it is parsed; a note above
    /// `maxNoteBytes`. A checkpoint note with `SignedNote.maxSignatures` lines is under 16 KiB.
    public static let maxBytes = 256 * 1024
    public static let maxNoteBytes = 64 * 1024
    /// A proof between trees of at most 2^64 − 1 leaves has at most 64 hashes, 65 with the old root.
    public static let maxProofHashes = 65

    /// Checks the structure (two notes of `origin` that parse as checkpoints, sizes as `kind`
    /// needs, a proof of the length the sizes need) and orders the notes. Signatures and the
    /// conflict itself are checked by `verify`.
    public init(origin: String, kind: Kind, notes: [String], proof: [Hash]) throws(EvidenceError) {
        guard NoteKeyName.isValid(origin) else { throw .malformed("origin \"\(origin.prefix(100))\" is not a valid log name") }
        guard notes.count == 2 else { throw .malformed("expected 2 notes, found \(notes.count)") }
        var parsed = [(note: String, checkpoint: Checkpoint)]()
        for (i, note) in notes.enumerated() {
            guard note.utf8.count <= Evidence.maxNoteBytes else {
                throw .malformed("note \(i + 1) is \(note.utf8.count) bytes, more than \(Evidence.maxNoteBytes)")
            }
            let checkpoint: Checkpoint
            do { checkpoint = try Checkpoint(text: try SignedNote(parsing: note).text) } catch {
                throw .badNote(index: i + 1, error)
            }
            guard Bytewise.equal(checkpoint.origin, origin) else {
                throw .malformed("note \(i + 1) is a checkpoint of \"\(checkpoint.origin.prefix(100))\", not of \"\(origin.prefix(100))\"")
            }
            parsed.append((note, checkpoint))
        }
        let (a, b) = (parsed[0].checkpoint, parsed[1].checkpoint)
        switch kind {
        case .sameSizeDifferentRoot:
            guard a.size == b.size else { throw .malformed("\(kind.rawValue) needs two notes of one size, found \(a.size) and \(b.size)") }
            guard proof.isEmpty else { throw .malformed("\(kind.rawValue) carries no proof, found \(proof.count) hashes") }
            if b.root < a.root { parsed.swapAt(0, 1) }
        case .inconsistent:
            guard a.size != b.size else { throw .malformed("\(kind.rawValue) needs notes of two sizes, both are \(a.size)") }
            if b.size < a.size { parsed.swapAt(0, 1) }
            let (m, n) = (parsed[0].checkpoint.size, parsed[1].checkpoint.size)
            // The empty tree is consistent with every tree (tlog-witness): size 0 conflicts with nothing.
            guard m > 0, let length = Evidence.pathLength(oldSize: m, newSize: n) else {
                throw .malformed("\(kind.rawValue) needs an earlier note of size at least 1, found \(m)")
            }
            guard proof.count == length else {
                throw .malformed("a path from size \(m) to \(n) has \(length) hashes, found \(proof.count)")
            }
        }
        self.origin = origin
        self.kind = kind
        self.notes = parsed.map(\.note)
        self.checkpoints = parsed.map(\.checkpoint)
        self.proof = proof
    }

    /// The `inconsistent` evidence from an earlier note and a later one whose tree `laterTree`
    /// holds (authenticated against the later note's root by the caller): the path comes from
    /// that tree. Whether it shows a conflict is for `verify` to say.
    public static func inconsistency(earlier: String, later: String, laterTree: some SubtreeHashReader) throws -> Evidence {
        let sizes = try [earlier, later].map { try Checkpoint(text: try SignedNote(parsing: $0).text) }
        guard sizes[0].size > 0, sizes[0].size < sizes[1].size else {
            throw EvidenceError.malformed("an inconsistency needs sizes 0 < earlier < later, found \(sizes[0].size) and \(sizes[1].size)")
        }
        let path = try ConsistencyProof.generate(oldSize: sizes[0].size, newSize: sizes[1].size, reader: laterTree, includingOldRoot: true)
        return try Evidence(origin: sizes[0].origin, kind: .inconsistent, notes: [earlier, later], proof: path.hashes)
    }

    /// The length of the `inconsistent` path from m to n leaves (0 < m < n): the consistency
    /// proof's, plus the old root when m is a power of two. Nil for other sizes.
    static func pathLength(oldSize m: UInt64, newSize n: UInt64) -> Int? {
        guard m > 0, m < n, let length = ConsistencyProof.proofLength(oldSize: m, newSize: n) else { return nil }
        return m & (m - 1) == 0 ? length + 1 : length
    }

    /// Verifies offline: both notes are signed by `logKey` (a known key whose signature fails
    /// rejects the note, as signed-note says), and they conflict as `kind` says.
    public func verify(logKey: NoteVerifierKey) throws(EvidenceError) {
        guard Bytewise.equal(logKey.name, origin) else {
            throw .wrongKey("the key is for \"\(logKey.name)\", the evidence for \"\(origin)\"")
        }
        for (i, note) in notes.enumerated() {
            do { try checkpoints[i].verifyNote(note, logKey: logKey) } catch { throw .badNote(index: i + 1, error) }
        }
        let (a, b) = (checkpoints[0], checkpoints[1])
        switch kind {
        case .sameSizeDifferentRoot:
            guard a.root != b.root else { throw .notConflicting("both notes have size \(a.size) and root \(a.root)") }
        case .inconsistent:
            guard let (fr, sr) = ConsistencyProof.roots(oldSize: a.size, newSize: b.size, path: proof) else {
                throw .notConflicting("no path from size \(a.size) to \(b.size)")
            }
            guard sr == b.root else {
                throw .notConflicting("the path leads to root \(sr) for size \(b.size), not the later note's \(b.root): a bad proof, not a conflict")
            }
            guard fr != a.root else {
                throw .notConflicting("the path shows the tree of size \(b.size) extends the tree of size \(a.size): the notes are consistent")
            }
        }
    }

    /// One conflict, one identity, whatever cosignatures the notes carried: SHA-256 of the kind
    /// and the two checkpoint bodies. A store records each identity once.
    public var id: Hash {
        SHA256.hash(Array("assent-evidence/v1\n\(kind.rawValue)\n\(checkpoints[0].text)\(checkpoints[1].text)".utf8))
    }

    // MARK: The file format

    public var json: JSONValue {
        ["v": 1, "origin": .string(origin), "kind": .string(kind.rawValue),
         "notes": .array(notes.map { .string($0) }), "proof": .array(proof.map { .string($0.base64) })]
    }

    /// Parses the file format. Strict: exactly the five members, each of its type.
    public init(json: JSONValue) throws(EvidenceError) {
        guard case let .object(members) = json else { throw .malformed("evidence must be a JSON object, found \(json.typeName)") }
        let known: Set<JSONKey> = ["v", "origin", "kind", "notes", "proof"]
        if let unknown = members.keys.filter({ !known.contains($0) }).sorted().first {
            throw .malformed("unknown member \"\(unknown.string.prefix(100))\"")
        }
        guard members["v"] == .integer(1) else { throw .malformed("\"v\" must be 1") }
        guard case let .string(origin)? = members["origin"] else { throw .malformed("\"origin\" must be a string") }
        guard case let .string(kindText)? = members["kind"], let kind = Kind(rawValue: kindText) else {
            throw .malformed("\"kind\" must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case let .array(noteValues)? = members["notes"] else { throw .malformed("\"notes\" must be an array of 2 strings") }
        let notes = noteValues.compactMap(\.stringValue)
        guard notes.count == noteValues.count else { throw .malformed("\"notes\" must be an array of 2 strings") }
        guard case let .array(proofValues)? = members["proof"] else { throw .malformed("\"proof\" must be an array of base64 hashes") }
        guard proofValues.count <= Evidence.maxProofHashes else {
            throw .malformed("\"proof\" has \(proofValues.count) hashes, at most \(Evidence.maxProofHashes)")
        }
        var proof = [Hash]()
        for (i, value) in proofValues.enumerated() {
            guard case let .string(text) = value, let hash = Hash(base64: text) else {
                throw .malformed("\"proof\" element \(i + 1) is not base64 of 32 bytes")
            }
            proof.append(hash)
        }
        try self.init(origin: origin, kind: kind, notes: notes, proof: proof)
    }

    /// Parses a file's bytes (any JSON spelling; written back canonically by `json`).
    public init(bytes: [UInt8]) throws(EvidenceError) {
        guard bytes.count <= Evidence.maxBytes else { throw .malformed("\(bytes.count) bytes, more than \(Evidence.maxBytes)") }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes) } catch { throw .malformed("not JSON: \(error)") }
        try self.init(json: value)
    }

    /// Identity is bytes (PROTOCOL §2): the origin and the notes compare bytewise.
    public static func == (lhs: Evidence, rhs: Evidence) -> Bool {
        Bytewise.equal(lhs.origin, rhs.origin) && lhs.kind == rhs.kind && lhs.proof == rhs.proof
            && lhs.notes.count == rhs.notes.count && zip(lhs.notes, rhs.notes).allSatisfy { Bytewise.equal($0, $1) }
    }
}
