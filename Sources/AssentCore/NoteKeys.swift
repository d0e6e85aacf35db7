/// Signature types of C2SP signed-note v1.0.0 that Assent uses.
public enum NoteSignatureType: UInt8, Sendable {
    /// Ed25519 over the note text (signed-note §"Ed25519 signatures"): log checkpoints.
    case ed25519 = 0x01
    /// Timestamped Ed25519 witness cosignature (C2SP tlog-cosignature v1.0.1).
    case cosignatureV1 = 0x04
}

/// A signed-note key name: non-empty, no Unicode spaces, no `+` (signed-note §Format).
public enum NoteKeyName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4], big-endian.
    public static func keyID(name: String, type: NoteSignatureType, publicKey: PublicKey) -> UInt32 {
        let digest = SHA256.hash(Array(name.utf8) + [0x0A, type.rawValue] + publicKey.bytes).bytes
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// A key ID as written in verifier and private keys: 8 lower-case hex digits.
    public static func hex(keyID: UInt32) -> String {
        [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)].hexString
    }
}

/// A verifier key ("vkey"): `<name>+<hex key ID>+<base64(type ‖ public key)>` (signed-note §"Verifier keys").
public struct NoteVerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let type: NoteSignatureType
    public let publicKey: PublicKey
    public let keyID: UInt32

    public init(name: String, type: NoteSignatureType = .ed25519, publicKey: PublicKey) throws(NoteError) {
        guard NoteKeyName.isValid(name) else { throw .badKeyName(name) }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = NoteKeyName.keyID(name: name, type: type, publicKey: publicKey)
    }

    public init(parsing text: String) throws(NoteError) {
        // The base64 key may itself contain "+": split off only the name and the key ID.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .badVerifierKey(text, "expected name+keyid+key") }
        let name = String(parts[0])
        guard NoteKeyName.isValid(name) else { throw .badKeyName(name) }
        guard parts[1].utf8.count == 8, let idBytes = [UInt8](hex: parts[1]), parts[1] == parts[1].lowercased() else {
            throw .badVerifierKey(text, "key ID must be 8 lower-case hex digits")
        }
        guard let material = Base64.decode(parts[2]), let typeByte = material.first else {
            throw .badVerifierKey(text, "key is not base64")
        }
        guard let type = NoteSignatureType(rawValue: typeByte) else {
            throw .badVerifierKey(text, "unsupported signature type 0x\([typeByte].hexString)")
        }
        let key: PublicKey
        do { key = try PublicKey(bytes: Array(material.dropFirst())) } catch { throw .badVerifierKey(text, "\(error)") }
        try self.init(name: name, type: type, publicKey: key)
        let stated = UInt32(idBytes[0]) << 24 | UInt32(idBytes[1]) << 16 | UInt32(idBytes[2]) << 8 | UInt32(idBytes[3])
        guard stated == keyID else {
            throw .badVerifierKey(text, "key ID \(parts[1]) does not match the key (expected \(keyIDHex))")
        }
    }

    public var keyIDHex: String { NoteKeyName.hex(keyID: keyID) }

    public var description: String { "\(name)+\(keyIDHex)+\(Base64.encode([type.rawValue] + publicKey.bytes))" }
}

/// A named signing key for notes: a log key (type 0x01) or a witness key (type 0x04).
public struct NoteSigner: Sendable {
    public let name: String
    public let key: SigningKey
    public let verifierKey: NoteVerifierKey

    public init(name: String, key: SigningKey, type: NoteSignatureType = .ed25519) throws(NoteError) {
        self.name = name
        self.key = key
        self.verifierKey = try NoteVerifierKey(name: name, type: type, publicKey: key.publicKey)
    }

    /// The private key in the Go `note` package's text form, `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`,
    /// which existing tlog tools read. The form holds an Ed25519 (type 0x01) key, so its key ID
    /// is always the type-0x01 one, as Go computes and checks it, even for a witness key that
    /// signs with type 0x04: otherwise Go would refuse the file.
    public var privateKeyString: String {
        "PRIVATE+KEY+\(name)+\(NoteSigner.privateKeyID(name: name, key: key))+\(Base64.encode([NoteSignatureType.ed25519.rawValue] + key.seedBytes))"
    }

    private static func privateKeyID(name: String, key: SigningKey) -> String {
        NoteKeyName.hex(keyID: NoteKeyName.keyID(name: name, type: .ed25519, publicKey: key.publicKey))
    }

    public init(parsingPrivateKey text: String, type: NoteSignatureType = .ed25519) throws(NoteError) {
        let parts = text.trimmingTrailingNewlines.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw .badPrivateKey("expected PRIVATE+KEY+name+keyid+key")
        }
        guard let material = Base64.decode(parts[4]), material.count == 33, material[0] == NoteSignatureType.ed25519.rawValue else {
            throw .badPrivateKey("key material must be base64 of 0x01 and a 32-byte Ed25519 seed")
        }
        let key: SigningKey
        do { key = try SigningKey(seed: Array(material.dropFirst())) } catch { throw .badPrivateKey("\(error)") }
        try self.init(name: String(parts[2]), key: key, type: type)
        let expected = NoteSigner.privateKeyID(name: name, key: key)
        guard parts[3] == expected else {
            throw .badPrivateKey("key ID \(parts[3]) does not match the key (expected \(expected))")
        }
    }
}

extension String {
    var trimmingTrailingNewlines: Substring {
        var s = self[...]
        while let last = s.last, last == "\n" || last == "\r" { s = s.dropLast() }
        return s
    }
}
