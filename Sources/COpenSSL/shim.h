#ifndef ASSENT_COPENSSL_SHIM_H
#define ASSENT_COPENSSL_SHIM_H
// Only what Assent uses from libcrypto: SHA-256 and Ed25519 (EVP_PKEY / EVP_DigestSign).
// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but still libcrypto's
// SHA-256; the one-shot SHA256() there fetches the digest through EVP_Q_digest on every call
// (a provider look-up under a lock, a context allocated and freed): 0.51 µs for a 65-byte
// Merkle node against 0.12 µs (docs/benchmarks.md "SHA-256 through the low-level API").
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

/// SHA-256 of `count` bytes at `data` into `out` (32 bytes); 1 on success, 0 when libcrypto failed.
static inline int assent_sha256(const void *data, size_t count, unsigned char *out) {
    SHA256_CTX context;
    if (SHA256_Init(&context) != 1) return 0;
    if (count > 0 && SHA256_Update(&context, data, count) != 1) return 0;
    return SHA256_Final(out, &context) == 1;
}

/// SHA-256 of the byte `prefix` followed by `count` bytes at `data` (an RFC 6962 leaf hash with
/// prefix 0), into `out` (32 bytes); 1 on success, 0 when libcrypto failed.
static inline int assent_sha256_prefixed(unsigned char prefix, const void *data, size_t count, unsigned char *out) {
    SHA256_CTX context;
    if (SHA256_Init(&context) != 1 || SHA256_Update(&context, &prefix, 1) != 1) return 0;
    if (count > 0 && SHA256_Update(&context, data, count) != 1) return 0;
    return SHA256_Final(out, &context) == 1;
}
#endif
