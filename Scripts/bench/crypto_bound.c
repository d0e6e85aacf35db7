/*
 * crypto_bound.c: the bound for Assent's crypto wrappers (Scripts/bench-core.sh).
 *
 * Makes, single-threaded, exactly the libcrypto calls the Swift wrappers in
 * Sources/AssentCore make, with no Swift in between:
 *
 *   leaf_hash      RFC 6962 leaf hash SHA-256(0x00 || leaf) through SHA256_Init/Update/Final,
 *                  as MerkleTree.leafHash does (COpenSSL's assent_sha256_prefixed).
 *   sign           Ed25519 EVP_DigestSignInit + EVP_DigestSign with a pre-made key
 *                  (new EVP_MD_CTX per signature), as SigningKey.sign does.
 *   verify         Ed25519 EVP_DigestVerify on one EVP_MD_CTX initialised once for the key and
 *                  reset before each call (EVP_DigestVerifyInit with no key: from OpenSSL 3.2
 *                  a context is finalised by EVP_DigestVerify and refuses a second call), as
 *                  PublicKey.isValidSignature does for a key it verified before
 *                  (VerificationContexts keeps a context per key).
 *   verify_new_key the EVP_PKEY made from the 32 raw bytes and a new context initialised
 *                  with it per operation (EVP_DigestVerifyInit + EVP_DigestVerify): what a
 *                  key's first verification costs; shows what the kept context saves.
 *
 * Usage: crypto_bound [seconds] [leaf_bytes] [message_bytes] [only]   (defaults 2 400 300 all)
 * `only` is one of leaf_hash, sign, verify (verify and verify_new_key) to run just that
 * measurement; the others are then reported as null.
 * Each measurement runs for `seconds` of this thread's CPU time after a short warm-up,
 * in the same loop as assent-bench's (Sources/assent-bench/Support.swift).
 * Prints one JSON object: operations per CPU-second for each measurement.
 *
 * Build: cc -O2 -o crypto_bound crypto_bound.c -lcrypto
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init and friends, as COpenSSL's shim */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: rates are per CPU-second, so other load on the machine
 * (which takes the CPU away from us) changes them far less than wall time would. */
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    fprintf(stderr, "crypto_bound: %s failed\n", what);
    exit(1);
}

static unsigned char *leaf, *message, pub[32], signature[64];
static size_t leafBytes, messageBytes;
static EVP_PKEY *priv;
static EVP_MD_CTX *kept; /* initialised once for the public key */
static volatile unsigned char sink;

/* Calls `op` in chunks of 64 until `seconds` of CPU time have passed; returns calls per second. */
static double measure(double seconds, void (*op)(void)) {
    double start = now(), elapsed = 0;
    long ops = 0;
    do {
        for (int i = 0; i < 64; i++) op();
        ops += 64;
        elapsed = now() - start;
    } while (elapsed < seconds);
    return (double)ops / elapsed;
}

static double warmThenMeasure(double seconds, void (*op)(void)) {
    measure(seconds / 8 < 0.25 ? seconds / 8 : 0.25, op);
    return measure(seconds, op);
}

static void leafHash(void) {
    unsigned char digest[32];
    unsigned char prefix = 0;
    SHA256_CTX context;
    /* Every result checked, as the shim checks them. */
    if (SHA256_Init(&context) != 1 || SHA256_Update(&context, &prefix, 1) != 1
        || SHA256_Update(&context, leaf, leafBytes) != 1 || SHA256_Final(digest, &context) != 1)
        die("leaf hash");
    sink ^= digest[0];
}

static void sign(void) {
    size_t len = 64;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, priv) != 1
        || EVP_DigestSign(ctx, signature, &len, message, messageBytes) != 1 || len != 64)
        die("EVP_DigestSign");
    EVP_MD_CTX_free(ctx);
}

static void verify(void) {
    if (EVP_DigestVerifyInit(kept, NULL, NULL, NULL, NULL) != 1) die("EVP_DigestVerifyInit (reset)");
    if (EVP_DigestVerify(kept, signature, 64, message, messageBytes) != 1) die("EVP_DigestVerify");
}

static void verifyNewKey(void) {
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    if (!pkey) die("EVP_PKEY_new_raw_public_key");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1
        || EVP_DigestVerify(ctx, signature, 64, message, messageBytes) != 1)
        die("EVP_DigestVerify");
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    leafBytes = argc > 2 ? (size_t)atol(argv[2]) : 400;
    messageBytes = argc > 3 ? (size_t)atol(argv[3]) : 300;
    const char *only = argc > 4 ? argv[4] : "all";
    int all = strcmp(only, "all") == 0;
    if (seconds <= 0 || leafBytes == 0 || messageBytes == 0
        || !(all || !strcmp(only, "leaf_hash") || !strcmp(only, "sign") || !strcmp(only, "verify"))) {
        fprintf(stderr, "usage: crypto_bound [seconds] [leaf_bytes] [message_bytes] [all|leaf_hash|sign|verify]\n");
        return 2;
    }

    /* The same deterministic inputs as assent-bench: byte i is i*31+7 mod 256; seed 1...32. */
    leaf = malloc(leafBytes);
    message = malloc(messageBytes);
    for (size_t i = 0; i < leafBytes; i++) leaf[i] = (unsigned char)(i * 31 + 7);
    for (size_t i = 0; i < messageBytes; i++) message[i] = (unsigned char)(i * 31 + 7);
    unsigned char seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (unsigned char)(i + 1);

    priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (!priv) die("EVP_PKEY_new_raw_private_key");
    size_t pubLen = 32;
    if (EVP_PKEY_get_raw_public_key(priv, pub, &pubLen) != 1 || pubLen != 32) die("EVP_PKEY_get_raw_public_key");
    EVP_PKEY *pubKey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    if (!pubKey) die("EVP_PKEY_new_raw_public_key");
    kept = EVP_MD_CTX_new();
    if (!kept || EVP_DigestVerifyInit(kept, NULL, NULL, NULL, pubKey) != 1) die("EVP_DigestVerifyInit");

    sign();  /* the signature the verify measurements check */

    double leafHashRate = -1, signRate = -1, verifyRate = -1, verifyNewKeyRate = -1;
    if (all || !strcmp(only, "leaf_hash")) leafHashRate = warmThenMeasure(seconds, leafHash);
    if (all || !strcmp(only, "sign")) signRate = warmThenMeasure(seconds, sign);
    if (all || !strcmp(only, "verify")) {
        verifyRate = warmThenMeasure(seconds, verify);
        verifyNewKeyRate = warmThenMeasure(seconds, verifyNewKey);
    }

    char numbers[4][32];
    double rates[4] = {leafHashRate, signRate, verifyRate, verifyNewKeyRate};
    for (int i = 0; i < 4; i++) {
        if (rates[i] < 0) snprintf(numbers[i], sizeof numbers[i], "null");
        else snprintf(numbers[i], sizeof numbers[i], "%.1f", rates[i]);
    }
    printf("{\"seconds\": %g, \"leaf_bytes\": %zu, \"message_bytes\": %zu, "
           "\"leaf_hash\": %s, \"sign\": %s, \"verify\": %s, \"verify_new_key\": %s, "
           "\"openssl\": \"%s\"}\n",
           seconds, leafBytes, messageBytes, numbers[0], numbers[1], numbers[2], numbers[3],
           OpenSSL_version(OPENSSL_VERSION));
    EVP_MD_CTX_free(kept);
    EVP_PKEY_free(pubKey);
    EVP_PKEY_free(priv);
    free(leaf);
    free(message);
    return 0;
}
