/* Fuzz target: ferry_x509_certs_parse, certs-only PKCS#7 or PEM chain (corpus
 * tests/fuzz/corpus/pkcs7, from tests/vectors/x509). */
#include <stddef.h>
#include <stdint.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "ferry/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *sk = NULL;
    struct ferry_x509_info info;
    char *pem = NULL;
    size_t len = 0;

    if (ferry_x509_certs_parse(data, size, &sk) == FERRY_OK) {
        /* what a parse promises: 1..FERRY_X509_MAX_CERTS certificates, each usable */
        if (sk_X509_num(sk) < 1 || sk_X509_num(sk) > FERRY_X509_MAX_CERTS)
            __builtin_trap();
        if (ferry_x509_info_get(sk_X509_value(sk, 0), &info) != FERRY_OK)
            __builtin_trap();
        if (ferry_x509_chain_pem(sk_X509_value(sk, 0), sk, NULL, &pem, &len) == FERRY_OK)
            OPENSSL_free(pem);
    }
    sk_X509_pop_free(sk, X509_free);
    return 0;
}
