#ifndef ASSENT_COPENSSL_SHIM_H
#define ASSENT_COPENSSL_SHIM_H
// Only what Assent uses from libcrypto: SHA-256 and Ed25519 (EVP_PKEY / EVP_DigestSign).
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#endif
