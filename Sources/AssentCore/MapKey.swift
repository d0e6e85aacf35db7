/// The key derivations of PROTOCOL §5: every state-map key is SHA-256 of a domain string, the
/// subject's identity and a uint32 big-endian version (versions count from 1 per subject).
///
/// Work ids enter as the bytes of their normalized ASCII form (§2), public keys as their raw
/// 32 bytes, never as base64.
public enum MapKey {
    /// SHA-256("assent/work\n" ‖ work id ‖ "\n" ‖ uint32 BE version)
    public static func work(_ work: WorkID, version: UInt32) -> Hash {
        MapKey.work(normalized: work.description, version: version)
    }

    /// SHA-256("assent/decl\n" ‖ work id ‖ "\n" ‖ declarant public key ‖ "\n" ‖ uint32 BE version)
    public static func declaration(work: WorkID, declarant: PublicKey, version: UInt32) -> Hash {
        declaration(work: work, declarantBytes: declarant.bytes, version: version)
    }

    /// SHA-256("assent/party\n" ‖ public key ‖ "\n" ‖ uint32 BE version)
    public static func party(_ party: PublicKey, version: UInt32) -> Hash {
        MapKey.party(bytes: party.bytes, version: version)
    }

    // Raw-byte forms: the published vectors use the bytes 0…31, which are not a usable key.
    static func declaration(work: WorkID, declarantBytes: [UInt8], version: UInt32) -> Hash {
        derive(Array("assent/decl\n".utf8) + Array(work.description.utf8) + [0x0A] + declarantBytes + [0x0A], version)
    }

    /// The work key from the bytes of a work id's normalized form (as the store keeps it in a
    /// column), without parsing it again.
    static func work(normalized text: String, version: UInt32) -> Hash {
        derive(Array("assent/work\n".utf8) + Array(text.utf8) + [0x0A], version)
    }

    static func party(bytes: [UInt8], version: UInt32) -> Hash {
        derive(Array("assent/party\n".utf8) + bytes + [0x0A], version)
    }

    private static func derive(_ prefix: [UInt8], _ version: UInt32) -> Hash {
        SHA256.hash(prefix + [UInt8(truncatingIfNeeded: version >> 24), UInt8(truncatingIfNeeded: version >> 16),
                              UInt8(truncatingIfNeeded: version >> 8), UInt8(truncatingIfNeeded: version)])
    }
}
