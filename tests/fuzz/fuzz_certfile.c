/* Fuzz target: ferry_x509_certs_load, certificate files as administrators keep them (corpus
 * tests/fuzz/corpus/certfile, from tests/vectors/x509/admin: openssl ca and easy-rsa output,
 * bundles, DER, a key and certificate in one file). */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ferry/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *sk = NULL;
    X509 *x;

    if (ferry_x509_certs_load(data, size, &sk) == FERRY_OK) {
        /* what a load promises: at least one certificate, at most the cap, a pick among them */
        if (sk_X509_num(sk) < 1 || sk_X509_num(sk) > FERRY_X509_MAX_CERTS ||
            (x = ferry_x509_cert_pick(sk, NULL)) != sk_X509_value(sk, 0))
            __builtin_trap();
        (void)ferry_x509_cert_pick(sk, X509_get0_pubkey(sk_X509_value(sk, sk_X509_num(sk) - 1)));
    }
    sk_X509_pop_free(sk, X509_free);
    return 0;
}
