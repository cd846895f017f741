/* SHA-256 (FIPS 180-4).  Portable: kernel, host tests, shell's sha256sum. */
#ifndef ADROS_SHA256_H
#define ADROS_SHA256_H

#include <adros/types.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

struct sha256_ctx {
    uint32_t h[8];
    uint64_t total;                 /* bytes hashed */
    uint8_t buf[SHA256_BLOCK_SIZE];
    size_t buflen;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
/* One-shot. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);
/* 64 lowercase hex digits and a NUL into hex[65]. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[65]);

#endif
