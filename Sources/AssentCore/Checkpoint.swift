/// A C2SP tlog-checkpoint v1.0.0 body: origin, tree size, root hash. Assent's
/// checkpoints carry no extension lines (PROTOCOL §4).
public struct Checkpoint: Hashable, Sendable, CustomStringConvertible {
    public let origin: String
    public let size: UInt64
    public let root: Hash

    public init(origin: String, size: UInt64, root: Hash) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// Checkpoints are equal when their origins have the same bytes (PROTOCOL §2), sizes and roots.
    public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool {
        Bytewise.equal(lhs.origin, rhs.origin) && lhs.size == rhs.size && lhs.root == rhs.root
    }

    public func hash(into hasher: inout Hasher) {
        Bytewise.hash(origin, into: &hasher)
        hasher.combine(size)
        hasher.combine(root)
    }

    /// The note text, with its final newline.
    public var text: String { "\(origin)\n\(size)\n\(root.base64)\n" }
    public var description: String { text }

    /// Parses a checkpoint body. Extension lines are refused: Assent never writes them
    /// and a node must not cosign what it cannot audit.
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw .badCheckpoint("text does not end in a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else { throw .badCheckpoint("expected origin, size and root lines") }
        guard lines.count == 3 else { throw .badCheckpoint("unexpected extension lines") }
        guard !lines[0].isEmpty else { throw .badCheckpoint("empty origin") }
        let sizeText = lines[1]
        guard let size = UInt64(sizeText), String(size) == sizeText else {
            throw .badCheckpoint("size \"\(sizeText)\" is not a decimal without leading zeros")
        }
        guard let root = Hash(base64: lines[2]) else { throw .badCheckpoint("root is not base64 of 32 bytes") }
        self.init(origin: String(lines[0]), size: size, root: root)
    }

    public func sign(with signer: NoteSigner) throws(NoteError) -> SignedNote {
        try SignedNote.sign(text: text, with: signer)
    }

    /// Parses and verifies a signed checkpoint note against the log's key: the key name
    /// must be the origin and the signature must verify.
    public static func verified(_ note: SignedNote, logKey: NoteVerifierKey) throws(NoteError) -> Checkpoint {
        let checkpoint = try Checkpoint(text: note.text)
        guard Bytewise.equal(checkpoint.origin, logKey.name) else {
            throw .badCheckpoint("origin \"\(checkpoint.origin)\" is not the log \"\(logKey.name)\"")
        }
        try note.verify(keys: [logKey])
        return checkpoint
    }

    /// Checks that `note` is a signed note of exactly this checkpoint (origin, size, root) by
    /// `logKey`. A store runs it on every note before storing it, its own as a peer's: a note
    /// for another tree, or by another key, stored beside a tree would be served as its proof.
    @discardableResult
    public func verifyNote(_ note: String, logKey: NoteVerifierKey) throws(NoteError) -> SignedNote {
        let parsed = try SignedNote(parsing: note)
        let stated = try Checkpoint.verified(parsed, logKey: logKey)
        guard stated.origin == origin else { throw .badCheckpoint("note is for log \"\(stated.origin)\", expected \"\(origin)\"") }
        guard stated.size == size else { throw .badCheckpoint("note is for size \(stated.size), expected \(size)") }
        guard stated.root == root else { throw .badCheckpoint("note has root \(stated.root) for size \(size), expected \(root)") }
        return parsed
    }
}
