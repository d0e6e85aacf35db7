import COpenSSL

/// Ed25519 verification through libcrypto (RFC 8032 §5.1.7), shared by every key type.
enum Ed25519 {
    /// True only when libcrypto says the signature verifies (`EVP_DigestVerify` returns 1).
    ///
    /// `EVP_DigestVerify` returns 0 for a signature that does not verify and another value
    /// for "a more serious error (and sometimes also an invalid signature form)" (its manual):
    /// both are "not valid", the only safe answer. The context and the initialisation cannot
    /// fail for an Ed25519 key except when libcrypto is out of memory or broken, and then no
    /// answer is right, so the process stops (see `LibCrypto`).
    static func verify(pkey: OpaquePointer, signature: some ContiguousBytesView, message: some ContiguousBytesView) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { LibCrypto.fail("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { LibCrypto.fail("EVP_DigestVerifyInit") }
        return signature.withBytes { sig in
            guard sig.count == 64 else { return false }
            return message.withBytes { msg in
                let result = EVP_DigestVerify(
                    ctx, sig.baseAddress?.assumingMemoryBound(to: UInt8.self), sig.count,
                    msg.baseAddress?.assumingMemoryBound(to: UInt8.self), msg.count)
                // A failed verification leaves an entry on the thread's error queue; drop it so
                // that a later, real failure is not reported with this one's reason.
                if result != 1 { ERR_clear_error() }
                return result == 1
            }
        }
    }
}
