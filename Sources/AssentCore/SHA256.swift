import COpenSSL

/// SHA-256 through OpenSSL libcrypto (PROTOCOL §1).
public enum SHA256 {
    public static func hash(_ bytes: some ContiguousBytesView) -> Hash {
        bytes.withBytes { hash(raw: $0) }
    }

    public static func hash(_ bytes: [UInt8]) -> Hash {
        bytes.withUnsafeBytes { hash(raw: $0) }
    }

    /// Through `SHA256_Init`/`Update`/`Final` (COpenSSL's `assent_sha256`): the one-shot
    /// `SHA256()` of OpenSSL 3 looks the digest up and allocates a context on every call, four
    /// times the cost of hashing a Merkle node. When libcrypto fails there is no right hash to
    /// return — zeros would be signed into a checkpoint as a tree's root — so the process stops
    /// (`LibCrypto`).
    static func hash(raw buffer: UnsafeRawBufferPointer) -> Hash {
        Hash.filling { out in
            guard let digest = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { LibCrypto.fail("SHA256 (no output buffer)") }
            guard assent_sha256(buffer.baseAddress, buffer.count, digest) == 1 else {
                LibCrypto.fail("SHA256")
            }
        }
    }
}

/// Byte containers SHA-256 and Ed25519 read without copying.
public protocol ContiguousBytesView {
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytesView where Element == UInt8 {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ArraySlice: ContiguousBytesView where Element == UInt8 {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension String: ContiguousBytesView {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}
