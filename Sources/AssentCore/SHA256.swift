import COpenSSL

/// SHA-256 through OpenSSL libcrypto (PROTOCOL §1).
public enum SHA256 {
    public static func hash(_ bytes: some ContiguousBytesView) -> Hash {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withBytes { buffer in
            digest.withUnsafeMutableBufferPointer { out in
                _ = COpenSSL.SHA256(buffer.baseAddress, buffer.count, out.baseAddress)
            }
        }
        return Hash(unchecked: digest)
    }

    /// SHA-256 of the concatenation of `parts`, without building the concatenation
    /// when the parts are few and small enough to live on the stack.
    public static func hash(concatenating parts: [[UInt8]]) -> Hash {
        var joined = [UInt8]()
        joined.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { joined.append(contentsOf: part) }
        return hash(joined)
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
