/// The body of a C2SP tlog-witness v1.0.0 `add-checkpoint` request:
///
///     old <N>
///     <zero to 63 consistency proof lines, base64 hashes>
///     <empty line>
///     <the signed checkpoint note>
///
/// Every line ends in a newline; `N` is decimal without leading zeros (`0` for zero). Parsing
/// checks the spelling only; what the witness makes of it is `WitnessState.check`.
public struct AddCheckpointRequest: Sendable, Equatable {
    public let oldSize: UInt64
    public let proof: [Hash]
    /// The note as sent, verbatim: the witness stores it and may hand it on as evidence.
    public let noteText: String
    public let note: SignedNote
    public let checkpoint: Checkpoint

    /// tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
    public static let maxProofLines = 63
    /// A body over this size is refused before it is read further: 63 proof lines and a
    /// checkpoint note with `SignedNote.maxSignatures` signature lines take well under 16 KiB.
    public static let maxBytes = 64 * 1024

    public init(oldSize: UInt64, proof: [Hash], note: String) throws(AddCheckpointRequestError) {
        let parsed: SignedNote
        let checkpoint: Checkpoint
        do {
            parsed = try SignedNote(parsing: note)
            checkpoint = try Checkpoint(text: parsed.text)
        } catch { throw .badNote(error) }
        self.oldSize = oldSize
        self.proof = proof
        noteText = note
        self.note = parsed
        self.checkpoint = checkpoint
    }

    /// Parses a request body. Any deviation from the one spelling is refused with the line it
    /// was found on (1-based).
    public init(body: [UInt8]) throws(AddCheckpointRequestError) {
        guard body.count <= AddCheckpointRequest.maxBytes else {
            throw .tooLarge(bytes: body.count, limit: AddCheckpointRequest.maxBytes)
        }
        // The header (old size and proof lines) is everything before the first empty line.
        var lineStart = 0
        var lines = [ArraySlice<UInt8>]()
        var noteStart: Int?
        while lineStart < body.count {
            guard let end = body[lineStart...].firstIndex(of: 0x0A) else {
                throw .malformed(line: lines.count + 1, "line does not end in a newline")
            }
            if end == lineStart {
                noteStart = end + 1
                break
            }
            lines.append(body[lineStart..<end])
            // One old size line, then at most 63 proof lines: stop reading before a long header.
            guard lines.count <= 1 + AddCheckpointRequest.maxProofLines else {
                throw .malformed(line: lines.count, "more than \(AddCheckpointRequest.maxProofLines) consistency proof lines")
            }
            lineStart = end + 1
        }
        guard let noteStart else { throw .malformed(line: lines.count + 1, "no empty line before the checkpoint") }
        guard let first = lines.first else { throw .malformed(line: 1, "expected \"old <size>\", found an empty line") }
        let prefix = Array("old ".utf8)
        guard first.starts(with: prefix) else { throw .malformed(line: 1, "expected \"old <size>\"") }
        let digits = first.dropFirst(prefix.count)
        guard let oldSize = AddCheckpointRequest.decimal(digits) else {
            throw .malformed(line: 1, "old size is not a decimal without leading zeros")
        }
        var proof = [Hash]()
        for (i, line) in lines.dropFirst().enumerated() {
            // Hash(base64:) is strict: 44 characters, padding and unused bits as RFC 4648 §4 spells them.
            guard let hash = Hash(base64: String(decoding: line, as: UTF8.self)) else {
                throw .malformed(line: i + 2, "consistency proof line is not base64 of 32 bytes")
            }
            proof.append(hash)
        }
        // Invalid UTF-8 is refused, not replaced: a witness cosigns the bytes that were sent or nothing.
        guard let note = String(validating: body[noteStart...], as: UTF8.self) else {
            throw .malformed(line: lines.count + 2, "checkpoint note is not UTF-8")
        }
        try self.init(oldSize: oldSize, proof: proof, note: note)
    }

    /// A decimal without leading zeros (`0` alone for zero) that fits 64 bits, else nil.
    static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard digits.first != 0x30 || digits.count == 1 else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    /// The body as a client sends it.
    public var body: [UInt8] {
        Array(("old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + noteText).utf8)
    }
}

public enum AddCheckpointRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case malformed(line: Int, String)
    case badNote(NoteError)

    public var description: String {
        switch self {
        case let .tooLarge(bytes, limit): "add-checkpoint body is \(bytes) bytes, more than \(limit)"
        case let .malformed(line, why): "add-checkpoint body line \(line): \(why)"
        case let .badNote(error): "add-checkpoint checkpoint: \(error)"
        }
    }
}
