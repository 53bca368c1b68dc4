/* ferry — SHA-256, constant-time equality and random bytes: the OpenSSL primitives all use. */
#ifndef FERRY_CRYPTO_H
#define FERRY_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

#define FERRY_SHA256_LEN 32

/** SHA-256 of @n bytes. */
void ferry_sha256(const void *p, size_t n, uint8_t out[FERRY_SHA256_LEN]);

/** Constant-time equality of two @n-byte strings (CRYPTO_memcmp): 1 if equal. */
int ferry_ct_eq(const void *a, const void *b, size_t n);

/** Fills @p with @n random bytes. FERRY_ERR_CRYPTO on failure. */
ferry_err ferry_random(uint8_t *p, size_t n);

#endif
