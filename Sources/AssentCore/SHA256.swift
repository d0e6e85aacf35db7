import COpenSSL

/// SHA-256 through OpenSSL libcrypto (PROTOCOL §1).
public enum SHA256 {
    public static func hash(_ bytes: some ContiguousBytesView) -> Hash {
        bytes.withBytes { hash(raw: $0) }
    }

    public static func hash(_ bytes: [UInt8]) -> Hash {
        bytes.withUnsafeBytes { hash(raw: $0) }
    }

    static func hash(raw buffer: UnsafeRawBufferPointer) -> Hash {
        Hash.filling { out in
            _ = COpenSSL.SHA256(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count,
                                out.baseAddress!.assumingMemoryBound(to: UInt8.self))
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
