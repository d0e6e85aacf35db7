/// C2SP tlog-cosignature v1.0.1: a witness's timestamped Ed25519 signature (type 0x04)
/// over `cosignature/v1\ntime <t>\n` followed by the checkpoint's note text.
public enum Cosignature {
    public static func message(checkpointText: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(checkpointText)".utf8)
    }

    /// The witness's signature line for `note`, made at `timestamp` (POSIX seconds).
    public static func sign(_ note: SignedNote, witness: NoteSigner, timestamp: UInt64) throws(NoteError) -> SignedNote.Signature {
        guard witness.verifierKey.type == .cosignatureV1 else {
            throw .badCosignature(name: witness.name, "witness key must have signature type 0x04")
        }
        guard timestamp <= UInt64(Int64.max) else { throw .badCosignature(name: witness.name, "timestamp exceeds 2^63 − 1") }
        let sig = witness.key.sign(message(checkpointText: note.text, timestamp: timestamp))
        var stamp = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { stamp[i] = UInt8(timestamp >> (56 - 8 * UInt64(i)) & 0xFF) }
        return SignedNote.Signature(name: witness.name, keyID: witness.verifierKey.keyID, bytes: stamp + sig)
    }

    /// The verified timestamp of `witness`'s cosignature on `note`, nil when the witness has not cosigned it.
    /// Throws when the witness's line is present but does not verify.
    public static func verify(_ note: SignedNote, witness: NoteVerifierKey) throws(NoteError) -> UInt64? {
        guard witness.type == .cosignatureV1 else {
            throw .badCosignature(name: witness.name, "witness key must have signature type 0x04")
        }
        guard let line = note.signatures.first(where: { $0.name == witness.name && $0.keyID == witness.keyID }) else {
            return nil
        }
        guard line.bytes.count == 72 else {
            throw .badCosignature(name: witness.name, "expected 72 bytes (timestamp and signature), found \(line.bytes.count)")
        }
        let timestamp = line.bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp <= UInt64(Int64.max) else { throw .badCosignature(name: witness.name, "timestamp exceeds 2^63 − 1") }
        guard witness.publicKey.isValidSignature(line.bytes[8...], for: message(checkpointText: note.text, timestamp: timestamp)) else {
            throw .badCosignature(name: witness.name, "signature does not verify")
        }
        return timestamp
    }
}
