import COpenSSL

/// A salted commitment to a short text (PROTOCOL §3, docs/protocol.md "Personal data"): what
/// the permanent log holds in place of a name, a party identifier, a credit line or a note.
///
///     {"commit": base64(SHA-256("assent/commit\n" ‖ salt ‖ UTF-8 text))}
///
/// The salt is 16 random bytes, fresh per field per statement, so that a commitment to a short
/// text (an IPI number has 11 digits) cannot be found by trying every text. Whoever holds the
/// text and its salt (a `Disclosure`) can prove it against the log; nobody can read it from the log.
public struct Commitment: Hashable, Sendable, CustomStringConvertible {
    public static let domain = Array("assent/commit\n".utf8)
    public static let saltLength = 16

    /// The 32-byte SHA-256 digest.
    public let digest: Hash

    public init(digest: Hash) { self.digest = digest }

    /// Commits to `text` (its UTF-8 bytes as they are, no normalization) with `salt`.
    public init(text: String, salt: [UInt8]) throws(CommitmentError) {
        guard salt.count == Commitment.saltLength else { throw .badSaltLength(salt.count) }
        digest = SHA256.hash(Commitment.domain + salt + Array(text.utf8))
    }

    /// Whether `text` with `salt` is what this commits to.
    public func matches(text: String, salt: [UInt8]) -> Bool {
        guard let other = try? Commitment(text: text, salt: salt) else { return false }
        return other.digest == digest
    }

    /// 16 bytes from OpenSSL's CSPRNG (`RAND_bytes`), for a new commitment.
    public static func randomSalt() throws(CryptoError) -> [UInt8] {
        var salt = [UInt8](repeating: 0, count: saltLength)
        guard RAND_bytes(&salt, Int32(saltLength)) == 1 else { throw .openSSL(call: "RAND_bytes", reason: LibCrypto.lastError()) }
        return salt
    }

    public var json: JSONValue { ["commit": .string(digest.base64)] }
    public var description: String { digest.base64 }

    /// How a client commits a field, for the refusal of a statement that carries it in clear.
    static let howToCommit = #"log it as {"commit": base64(SHA-256("assent/commit\n" + 16-byte salt + UTF-8 text))} and send the text and salt in "disclosures" beside the statement; `assent sign` does this"#

    /// Reads `{"commit": base64}` at `field`; a string there is personal data in clear.
    init(json: JSONValue, field: String) throws(StatementError) {
        switch json {
        case .string: throw .personalDataInClear(field)
        case let .object(members):
            guard members.count == 1, case let .string(text)? = members["commit"] else {
                throw .badField(field, #"a commitment is {"commit": base64 of 32 bytes}, with no other member"#)
            }
            guard let digest = Hash(base64: text) else { throw .badField(field, #""commit" must be base64 of 32 bytes"#) }
            self.digest = digest
        default:
            throw .wrongType(field: field, expected: #"a commitment {"commit": base64}"#, found: json.typeName)
        }
    }
}

public enum CommitmentError: Error, Equatable, Sendable, CustomStringConvertible {
    case badSaltLength(Int)

    public var description: String {
        switch self {
        case let .badSaltLength(n): "a commitment's salt is \(Commitment.saltLength) bytes, found \(n)"
        }
    }
}
