/// A C2SP signed-note v1.0.0: text ending in a newline, a blank line, and one or
/// more signature lines `— <key name> <base64(key ID ‖ signature)>`.
public struct SignedNote: Hashable, Sendable {
    public struct Signature: Hashable, Sendable {
        public let name: String
        public let keyID: UInt32
        /// The signature bytes after the key ID.
        public let bytes: [UInt8]

        public init(name: String, keyID: UInt32, bytes: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        public var line: String {
            let id = [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
            return "— \(name) \(Base64.encode(id + bytes))\n"
        }
    }

    /// The note text, including its final newline.
    public let text: String
    public let signatures: [Signature]

    /// Verifiers must accept at least 16 signatures; we accept up to this many.
    public static let maxSignatures = 64

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The whole note as served: text, blank line, signature lines.
    public var serialized: String { text + "\n" + signatures.map(\.line).joined() }

    /// Signs `text` with an Ed25519 note key (type 0x01).
    public static func sign(text: String, with signer: NoteSigner) throws(NoteError) -> SignedNote {
        try checkText(text)
        let sig = signer.key.sign(Array(text.utf8))
        return SignedNote(text: text, signatures: [Signature(name: signer.name, keyID: signer.verifierKey.keyID, bytes: sig)])
    }

    public func adding(_ signature: Signature) -> SignedNote {
        SignedNote(text: text, signatures: signatures + [signature])
    }

    /// Parses a serialized note. Does not verify any signature.
    public init(parsing serialized: String) throws(NoteError) {
        guard serialized.utf8.count <= 1 << 20 else { throw .malformed("note is larger than 1 MiB") }
        for scalar in serialized.unicodeScalars where scalar.value < 0x20 && scalar != "\n" {
            throw .malformed("control character U+\(String(scalar.value, radix: 16, uppercase: true)) in note")
        }
        guard serialized.hasSuffix("\n") else { throw .malformed("note does not end in a newline") }
        // The text is separated from the signatures by the last blank line.
        let bytes = Array(serialized.utf8)
        var cut = bytes.count - 2
        while cut >= 0 && !(bytes[cut] == 0x0A && bytes[cut + 1] == 0x0A) { cut -= 1 }
        guard cut >= 0 else { throw .malformed("no blank line before the signatures") }
        let text = String(decoding: bytes[...cut], as: UTF8.self)
        let signatureBlock = String(decoding: bytes[(cut + 2)...], as: UTF8.self)
        var signatures = [Signature]()
        for line in signatureBlock.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("— ") else { throw .malformed("signature line does not start with an em dash and a space: \(line)") }
            let rest = line.dropFirst(2)
            guard let space = rest.lastIndex(of: " ") else { throw .malformed("signature line has no signature: \(line)") }
            let name = String(rest[..<space])
            guard NoteKeyName.isValid(name) else { throw .badKeyName(name) }
            guard let raw = Base64.decode(rest[rest.index(after: space)...]), raw.count > 4 else {
                throw .malformed("signature is not base64 of a key ID and a signature: \(line)")
            }
            let id = UInt32(raw[0]) << 24 | UInt32(raw[1]) << 16 | UInt32(raw[2]) << 8 | UInt32(raw[3])
            signatures.append(Signature(name: name, keyID: id, bytes: Array(raw.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw .malformed("note has no signatures") }
        guard signatures.count <= SignedNote.maxSignatures else { throw .malformed("note has more than \(SignedNote.maxSignatures) signatures") }
        self.init(text: text, signatures: signatures)
    }

    static func checkText(_ text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw .malformed("note text does not end in a newline") }
        for scalar in text.unicodeScalars where scalar.value < 0x20 && scalar != "\n" {
            throw .malformed("control character in note text")
        }
    }

    /// Verifies the note against known Ed25519 (type 0x01) keys, per signed-note §Signatures:
    /// signatures by unknown keys are ignored; a known key whose signature fails rejects the
    /// whole note; at least one known key must have signed. Returns the keys that verified.
    @discardableResult
    public func verify(keys: [NoteVerifierKey]) throws(NoteError) -> [NoteVerifierKey] {
        var verified = [NoteVerifierKey]()
        let message = Array(text.utf8)
        for signature in signatures {
            // Key names match bytewise (PROTOCOL §2), as the key ID, which hashes the name's bytes, does.
            guard let key = keys.first(where: { Bytewise.equal($0.name, signature.name) && $0.keyID == signature.keyID && $0.type == .ed25519 }) else {
                continue
            }
            guard key.publicKey.isValidSignature(signature.bytes, for: message) else {
                throw .badSignature(name: key.name)
            }
            if !verified.contains(key) { verified.append(key) }
        }
        guard !verified.isEmpty else { throw .noKnownSignature(names: signatures.map(\.name)) }
        return verified
    }
}

public enum NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case badKeyName(String)
    case badVerifierKey(String, String)
    case badPrivateKey(String)
    case badSignature(name: String)
    case noKnownSignature(names: [String])
    case badCheckpoint(String)
    case badCosignature(name: String, String)

    public var description: String {
        switch self {
        case let .malformed(why): "malformed signed note: \(why)"
        case let .badKeyName(name): "bad key name \"\(name)\": must be non-empty with no spaces or '+'"
        case let .badVerifierKey(key, why): "bad verifier key \"\(key)\": \(why)"
        case let .badPrivateKey(why): "bad private key: \(why)"
        case let .badSignature(name): "signature by \(name) does not verify"
        case let .noKnownSignature(names):
            "no signature by a known key (signed by: \(names.isEmpty ? "nobody" : names.joined(separator: ", ")))"
        case let .badCheckpoint(why): "bad checkpoint: \(why)"
        case let .badCosignature(name, why): "bad cosignature by \(name): \(why)"
        }
    }
}
