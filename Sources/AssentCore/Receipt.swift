/// Proof that one signed statement is logged: a C2SP tlog-proof@v1 text (PROTOCOL §8).
///
///     c2sp.org/tlog-proof@v1
///     extra <base64 of {"prev":"<base64>","time":"<RFC 3339>"}>
///     index <N>
///     <inclusion proof hashes, one base64 line each, leaf's sibling first>
///
///     <the checkpoint note, verbatim, with its signature lines>
///
/// The leaf is canonical JSON `{"entry":<statement>,"index":N,"log":origin,"prev":…,"time":…,"v":1}`
/// (PROTOCOL §4). The proof carries what rebuilds that leaf around the statement the submitter
/// holds — its `prev` and `time` in `extra`, its `index`, and its `log` as the checkpoint's
/// origin — so verifying a receipt proves that *this* statement is in the log, not merely
/// that some leaf is. Tools that know nothing of Assent still check the inclusion proof
/// against the checkpoint; the extra data is unauthenticated until the rebuilt leaf hashes to
/// a leaf the proof places under the signed root.
public struct Receipt: Hashable, Sendable {
    public static let header = "c2sp.org/tlog-proof@v1"
    /// A receipt text larger than this is refused before it is parsed: the checkpoint with
    /// `SignedNote.maxSignatures` signature lines and 64 proof hashes fit in far less.
    public static let maxSize = 64 * 1024
    /// A tree of at most 2^64 − 1 leaves has proofs of at most 64 hashes.
    static let maxProofHashes = 64

    public let index: UInt64
    /// The `prev` of the statement's leaf: the leaf hash of leaf `index − 1`.
    public let prev: Hash
    /// The `time` of the statement's leaf.
    public let time: Timestamp
    /// The inclusion proof, from the leaf's sibling up to the root's child (RFC 6962 §2.1.1).
    public let proof: [Hash]
    /// The signed checkpoint the proof leads to, verbatim (with any witness cosignatures).
    public let checkpoint: String

    public init(index: UInt64, prev: Hash, time: Timestamp, proof: [Hash], checkpoint: String) {
        self.index = index
        self.prev = prev
        self.time = time
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// The receipt for a leaf: its index, prev and time come from the leaf itself.
    public init(leaf: LogLeaf, proof: [Hash], checkpoint: String) {
        self.init(index: leaf.index, prev: leaf.prev, time: leaf.time, proof: proof, checkpoint: checkpoint)
    }

    /// The `extra` data: canonical JSON of the leaf fields the statement does not carry.
    var extra: [UInt8] {
        var json = CanonicalJSONWriter(capacity: 96)
        json.beginObject()
        json.key("prev")
        json.string(prev.base64)
        json.key("time")
        json.string(time)
        json.endObject()
        return json.bytes
    }

    /// The tlog-proof text.
    public var text: String { String(decoding: textBytes, as: UTF8.self) }

    /// The tlog-proof text's UTF-8 bytes, written straight into bytes (a node writes one for
    /// every statement it logs: no string a line).
    public var textBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Receipt.header.utf8.count + 120 + 45 * proof.count + checkpoint.utf8.count)
        out += Receipt.header.utf8
        out += "\nextra ".utf8
        Base64.append(extra, to: &out)
        out += "\nindex ".utf8
        out += String(index).utf8
        out.append(0x0A)
        for hash in proof {
            Base64.append(hash.bytes, to: &out)
            out.append(0x0A)
        }
        out.append(0x0A)
        out += checkpoint.utf8
        return out
    }

    /// Parses a tlog-proof text. Every line has one spelling; anything else is refused with
    /// the line it was found on. The checkpoint part is parsed as a signed note but its
    /// signatures are checked only by `verify`.
    public init(text: String) throws(ReceiptError) {
        // Parsed as bytes: every comparison is bytewise (PROTOCOL §2), never Unicode-equivalent.
        let bytes = Array(text.utf8)
        guard bytes.count <= Receipt.maxSize else { throw .malformed(line: 0, "receipt is \(bytes.count) bytes, more than \(Receipt.maxSize)") }
        // The proof part is everything before the first empty line; the checkpoint follows it verbatim.
        guard let blank = bytes.indices.dropLast().first(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw .malformed(line: 0, "no empty line before the checkpoint")
        }
        let head = bytes[..<blank].split(separator: 0x0A, omittingEmptySubsequences: false)
        let checkpoint = String(decoding: bytes[(blank + 2)...], as: UTF8.self)
        func string(_ line: ArraySlice<UInt8>) -> String { String(decoding: line, as: UTF8.self) }
        func field(_ n: Int, _ name: String) -> ArraySlice<UInt8>? {
            let prefix = Array(name.utf8) + [0x20]
            guard n < head.count, head[n].starts(with: prefix) else { return nil }
            return head[n].dropFirst(prefix.count)
        }
        guard let first = head.first, first.elementsEqual(Receipt.header.utf8) else {
            throw .malformed(line: 1, "first line must be \(Receipt.header)")
        }
        guard let extra = field(1, "extra") else {
            throw .malformed(line: 2, "an Assent receipt needs its extra line (the leaf's prev and time)")
        }
        let (prev, time) = try Receipt.parseExtra(string(extra), line: 2)
        guard let indexText = field(2, "index") else { throw .malformed(line: 3, "expected \"index <N>\"") }
        guard let index = UInt64(string(indexText)), String(index).utf8.elementsEqual(indexText) else {
            throw .malformed(line: 3, "index \"\(string(indexText))\" is not a decimal without leading zeros")
        }
        let hashLines = head.dropFirst(3)
        guard hashLines.count <= Receipt.maxProofHashes else {
            throw .malformed(line: 4, "\(hashLines.count) proof hashes; a proof has at most \(Receipt.maxProofHashes)")
        }
        var proof = [Hash]()
        for (n, hashText) in hashLines.enumerated() {
            guard let hash = Hash(base64: string(hashText)) else { throw .malformed(line: n + 4, "proof hash is not base64 of 32 bytes") }
            proof.append(hash)
        }
        self.init(index: index, prev: prev, time: time, proof: proof, checkpoint: checkpoint)
    }

    private static func parseExtra(_ base64: String, line: Int) throws(ReceiptError) -> (Hash, Timestamp) {
        guard let bytes = Base64.decode(base64) else { throw .malformed(line: line, "extra is not base64") }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes, requireCanonical: true) } catch {
            throw .malformed(line: line, "extra is not canonical JSON: \(error)")
        }
        guard case let .object(members) = value, members.count == 2,
              case let .string(p)? = members["prev"], let prev = Hash(base64: p),
              case let .string(t)? = members["time"], let time = Timestamp(rfc3339: t)
        else { throw .malformed(line: line, "extra must be {\"prev\": base64 of 32 bytes, \"time\": RFC 3339}") }
        return (prev, time)
    }

    /// What a verified receipt establishes.
    public struct Verified: Hashable, Sendable {
        /// The signed checkpoint the statement's leaf is under.
        public let checkpoint: Checkpoint
        /// The statement's leaf, rebuilt around the statement.
        public let leaf: LogLeaf
    }

    /// Checks, offline, that `statement` is logged: rebuilds its leaf from the statement and the
    /// receipt's index, prev, time and the checkpoint's origin, checks the checkpoint's signature
    /// by `logKey`, and the inclusion proof of the rebuilt leaf's hash under its root.
    @discardableResult
    public func verify(statement: SignedStatement, logKey: NoteVerifierKey) throws(ReceiptError) -> Verified {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.verified(try SignedNote(parsing: self.checkpoint), logKey: logKey) } catch {
            throw .badCheckpoint(error)
        }
        guard index < checkpoint.size else { throw .indexBeyondTree(index: index, size: checkpoint.size) }
        let leaf: LogLeaf
        do {
            leaf = try LogLeaf(index: index, origin: checkpoint.origin, prev: prev, time: time, content: .statement(statement))
        } catch { throw .leafDoesNotFit(error) }
        do {
            try InclusionProof(index: index, size: checkpoint.size, hashes: proof).verify(leafHash: leaf.leafHash, root: checkpoint.root)
        } catch {
            throw .notIncluded(index: index, size: checkpoint.size, "\(error)")
        }
        return Verified(checkpoint: checkpoint, leaf: leaf)
    }
}

public enum ReceiptError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(line: Int, String)
    case badCheckpoint(NoteError)
    case indexBeyondTree(index: UInt64, size: UInt64)
    case leafDoesNotFit(LeafError)
    /// The leaf rebuilt around the statement is not at `index` under the checkpoint's root:
    /// the receipt is for another statement or another leaf, or was altered.
    case notIncluded(index: UInt64, size: UInt64, String)

    public var description: String {
        switch self {
        case let .malformed(line, why): line > 0 ? "receipt line \(line): \(why)" : "receipt: \(why)"
        case let .badCheckpoint(e): "receipt checkpoint: \(e)"
        case let .indexBeyondTree(index, size): "receipt index \(index) is not in the checkpoint's tree of \(size) leaves"
        case let .leafDoesNotFit(e): "receipt: the statement's leaf cannot be rebuilt: \(e)"
        case let .notIncluded(index, size, why):
            "receipt does not prove this statement: its leaf, rebuilt at index \(index), is not under the checkpoint of size \(size) (\(why))"
        }
    }
}
