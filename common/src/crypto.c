/* ferry — SHA-256, constant-time equality and random bytes: the OpenSSL primitives all use. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ferry/crypto.h"

void ferry_sha256(const void *p, size_t n, uint8_t out[FERRY_SHA256_LEN])
{
    unsigned int ol = FERRY_SHA256_LEN;

    EVP_Digest(p, n, out, &ol, EVP_sha256(), NULL);
}

int ferry_ct_eq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

ferry_err ferry_random(uint8_t *p, size_t n)
{
    if (n > 0x7fffffff || RAND_bytes(p, (int)n) != 1)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "random number generator failed");
    return FERRY_OK;
}
