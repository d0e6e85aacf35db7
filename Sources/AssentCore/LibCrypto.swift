import COpenSSL

/// What to do when a libcrypto call fails.
///
/// Two kinds of failure, two answers (checked at every call, never ignored):
/// - A call whose failure is part of the answer — a signature that does not verify, a seed of
///   the wrong length, no randomness — makes the caller return `false` or throw `CryptoError`.
/// - A call that cannot fail for valid inputs unless libcrypto itself is broken or out of
///   memory (allocating a context, SHA-256, signing with a key it made) stops the process
///   here. A hash or signature that could not be computed has no right answer to return:
///   zeros or a guess would land in a tree or a checkpoint and be signed as truth. Nothing a
///   peer sends can reach these paths: every input is checked before libcrypto sees it.
enum LibCrypto {
    /// Stops the process, naming the call and OpenSSL's own reason.
    static func fail(_ call: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        fatalError("libcrypto call \(call) failed (\(lastError())); cannot continue without SHA-256 and Ed25519",
                   file: file, line: line)
    }

    /// OpenSSL's description of its most recent error on this thread, and clears the queue.
    static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no OpenSSL error recorded" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
