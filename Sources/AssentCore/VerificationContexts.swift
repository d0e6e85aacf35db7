import COpenSSL
import Synchronization

/// Ed25519 verification contexts kept per public key and reused across verifications.
///
/// Made per call, a verification first builds an `EVP_PKEY` from the key's 32 bytes and an
/// `EVP_MD_CTX` initialised with it: in OpenSSL 3 both look their implementation up in the
/// provider store (a lock and a hash table walk each) and allocate. That was 4–8% of a
/// verification on one thread and more with several (docs/benchmarks.md "Verification
/// contexts"). A log's statements come from few keys (a society's members, its operators), so a
/// context initialised once per key is reused. `EVP_DigestVerify` is a one-shot operation (RFC
/// 8032 §5.1.7 over the whole message), but since OpenSSL 3.2 it marks its context finalised and
/// any later call on it returns 0 without verifying ("can not be called again", EVP_DigestSignInit(3);
/// openssl/openssl#23075): a kept context is therefore reset before each reuse by
/// `EVP_DigestVerifyInit` with no key, which keeps the key and "just resets the state" (the same
/// manual; reinitialisation exists since 3.0.1, openssl/openssl#16964). Without it every reused
/// context said "not valid" on 3.2 and later, and each verification fell back to a fresh one.
///
/// A reset context's answer, "valid" or "not valid", is the answer: the reset is the manual's
/// way to verify again with a context. A context that cannot be reset is dropped and a fresh
/// key and context made, exactly as without the cache. (Until review 7b a reused context's
/// "not valid" was re-checked with a fresh one: every invalid signature by a key seen before
/// then cost two verifications and a context, twice an honest statement's work, for anyone
/// who sends invalid signatures under a key of their own.) A context is used by one thread at a
/// time (checked out of the cache, then back in). At most `limit` idle contexts are kept; when
/// a new one would pass it, those of the least recently used keys are freed, down to half the
/// limit, so a stream of keys seen once (each submission may carry a new one) cannot flush
/// the contexts of the keys in steady use (until session 8 every idle context was freed then).
final class VerificationContexts: Sendable {
    /// The process's cache: every `PublicKey.isValidSignature` goes through it.
    static let shared = VerificationContexts(limit: 1024)

    private struct Idle {
        var byKey: [PublicKey: Kept] = [:]
        var count = 0
        /// Counts check-ins: a key's `lastUsed` orders keys from least to most recently used.
        var clock: UInt64 = 0
    }

    private struct Kept {
        var contexts: [Context] = []
        var lastUsed: UInt64 = 0
    }

    private let idle = Mutex(Idle())
    let limit: Int

    init(limit: Int) { self.limit = max(0, limit) }

    /// Idle contexts held now (for tests).
    var idleCount: Int { idle.withLock { $0.count } }

    private let made = Atomic<Int>(0)
    /// Contexts made so far, each a new `EVP_PKEY` and initialisation (for tests: a reuse makes none).
    var contextsMade: Int { made.load(ordering: .relaxed) }

    /// True only when `signature` is a valid Ed25519 signature of `message` by `key`.
    func verify(key: PublicKey, signature: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == 64 else { return false }
        if let reused = checkOut(key), reused.reset() {
            let valid = reused.verify(signature: signature, message: message)
            checkIn(key, reused)
            return valid
        }
        let fresh = Context(key: key)
        made.add(1, ordering: .relaxed)
        let valid = fresh.verify(signature: signature, message: message)
        checkIn(key, fresh)
        return valid
    }

    private func checkOut(_ key: PublicKey) -> Context? {
        idle.withLock { idle -> Context? in
            // One look-up of the key (each hashes its 32 bytes), not three.
            guard let at = idle.byKey.index(forKey: key), let context = idle.byKey.values[at].contexts.popLast() else { return nil }
            idle.count -= 1
            if idle.byKey.values[at].contexts.isEmpty { idle.byKey.remove(at: at) }
            return context
        }
    }

    private func checkIn(_ key: PublicKey, _ context: Context) {
        // Freed outside the lock (a context's deinit calls into libcrypto).
        let dropped = idle.withLock { idle -> [Context] in
            guard limit > 0 else { return [context] }
            var dropped = [Context]()
            if idle.count >= limit {
                // Least recently used first, until half the limit is left (amortized: a sort of
                // the kept keys once per limit / 2 new contexts at most).
                let oldest = idle.byKey.sorted { $0.value.lastUsed < $1.value.lastUsed }
                for (oldKey, kept) in oldest where idle.count > limit / 2 {
                    idle.byKey[oldKey] = nil
                    idle.count -= kept.contexts.count
                    dropped += kept.contexts
                }
            }
            idle.clock += 1
            let clock = idle.clock
            func keep(_ kept: inout Kept) {
                kept.contexts.append(context)
                kept.lastUsed = clock
            }
            keep(&idle.byKey[key, default: Kept()])
            idle.count += 1
            return dropped
        }
        _ = dropped  // released here, outside the lock
    }

    /// One key's libcrypto objects for verification: its `EVP_PKEY` and an `EVP_MD_CTX`
    /// initialised for Ed25519 verification with it. Used by one thread at a time.
    final class Context: @unchecked Sendable {
        private let pkey: OpaquePointer
        private let digest: OpaquePointer

        /// Making a raw key copies 32 bytes (OpenSSL checks nothing about them) and the
        /// initialisation cannot fail for an Ed25519 key: both fail only when libcrypto is out of
        /// memory or broken, and then the process stops (see `LibCrypto`).
        init(key: PublicKey) {
            guard let pkey = key.bytes.withUnsafeBufferPointer({
                EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
            }) else { LibCrypto.fail("EVP_PKEY_new_raw_public_key") }
            guard let digest = EVP_MD_CTX_new() else {
                EVP_PKEY_free(pkey)
                LibCrypto.fail("EVP_MD_CTX_new")
            }
            guard EVP_DigestVerifyInit(digest, nil, nil, nil, pkey) == 1 else { LibCrypto.fail("EVP_DigestVerifyInit") }
            self.pkey = pkey
            self.digest = digest
        }

        deinit {
            EVP_MD_CTX_free(digest)
            EVP_PKEY_free(pkey)
        }

        /// Makes a used context ready for another verification (see `VerificationContexts`):
        /// false when libcrypto cannot, and the caller then makes a fresh one.
        func reset() -> Bool {
            guard EVP_DigestVerifyInit(digest, nil, nil, nil, nil) == 1 else {
                ERR_clear_error()
                return false
            }
            return true
        }

        /// True only when `EVP_DigestVerify` returns 1. It returns 0 for a signature that does not
        /// verify and another value for "a more serious error (and sometimes also an invalid
        /// signature form)" (its manual): both are "not valid", the only safe answer. The
        /// signature's length (64 bytes) is checked by the caller, before a context is taken.
        func verify(signature: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> Bool {
            let result = EVP_DigestVerify(
                digest, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count,
                message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
            // A failed verification leaves an entry on the thread's error queue; drop it so that a
            // later, real failure is not reported with this one's reason.
            if result != 1 { ERR_clear_error() }
            return result == 1
        }
    }
}
