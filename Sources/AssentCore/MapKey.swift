/// The key derivations of PROTOCOL §5: every state-map key is SHA-256 of a domain string, the
/// subject's identity and a uint32 big-endian version (versions count from 1 per subject).
///
/// Work ids enter as the bytes of their normalized ASCII form (§2), public keys as their raw
/// 32 bytes, never as base64.
public enum MapKey {
    /// SHA-256("assent/work\n" ‖ work id ‖ "\n" ‖ uint32 BE version)
    public static func work(_ work: WorkID, version: UInt32) -> Hash {
        var input = start("assent/work\n")
        work.appendDescription(to: &input)
        input.append(0x0A)
        return derive(&input, version)
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
        var input = start("assent/decl\n")
        work.appendDescription(to: &input)
        input.append(0x0A)
        input.append(contentsOf: declarantBytes)
        input.append(0x0A)
        return derive(&input, version)
    }

    /// The work key from the bytes of a work id's normalized form (as the store keeps it in a
    /// column), without parsing it again.
    static func work(normalized text: String, version: UInt32) -> Hash {
        var input = start("assent/work\n")
        input.append(contentsOf: text.utf8)
        input.append(0x0A)
        return derive(&input, version)
    }

    static func party(bytes: [UInt8], version: UInt32) -> Hash {
        var input = start("assent/party\n")
        input.append(contentsOf: bytes)
        input.append(0x0A)
        return derive(&input, version)
    }

    /// One buffer per key, sized for the common case: keys are derived for every record a batch
    /// makes and every work a bulk check decides.
    private static func start(_ domain: StaticString) -> [UInt8] {
        var input = [UInt8]()
        input.reserveCapacity(128)
        domain.withUTF8Buffer { input.append(contentsOf: $0) }
        return input
    }

    private static func derive(_ input: inout [UInt8], _ version: UInt32) -> Hash {
        withUnsafeBytes(of: version.bigEndian) { input.append(contentsOf: $0) }
        return SHA256.hash(input)
    }
}
