/*
 * sha256_calls.c: what each way of calling libcrypto's SHA-256 costs for a 65-byte input (a
 * Merkle node), one thread, 1,000,000 calls each (docs/benchmarks.md "SHA-256 through the
 * low-level API"). cc -O2 Scripts/bench/sha256_calls.c -lcrypto && ./a.out
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){unsigned char in[65]={1},out[32];int n=1000000;double t=now();
for(int i=0;i<n;i++){in[0]=i;SHA256(in,65,out);} printf("SHA256(): %.3f us\n",(now()-t)/n*1e6);
t=now();for(int i=0;i<n;i++){SHA256_CTX c;in[0]=i;SHA256_Init(&c);SHA256_Update(&c,in,65);SHA256_Final(out,&c);} printf("SHA256_Init..: %.3f us\n",(now()-t)/n*1e6);
EVP_MD *md=EVP_MD_fetch(NULL,"SHA256",NULL); EVP_MD_CTX *ctx=EVP_MD_CTX_new(); unsigned int l;
t=now();for(int i=0;i<n;i++){in[0]=i;EVP_DigestInit_ex(ctx,md,NULL);EVP_DigestUpdate(ctx,in,65);EVP_DigestFinal_ex(ctx,out,&l);} printf("EVP reused ctx+md: %.3f us\n",(now()-t)/n*1e6);
t=now();for(int i=0;i<n;i++){in[0]=i;EVP_Digest(in,65,out,&l,md,NULL);} printf("EVP_Digest prefetched md: %.3f us\n",(now()-t)/n*1e6);
printf("%s\n", OpenSSL_version(0));}
