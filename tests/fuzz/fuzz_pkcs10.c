/* Fuzz target: ferry_x509_csr_parse (corpus tests/fuzz/corpus/pkcs10, from tests/vectors/x509). */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "ferry/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    X509_REQ *req = NULL;
    char subject[512];

    (void)ferry_x509_looks_like_csr(data, size);
    if (ferry_x509_csr_parse(data, size, &req) == FERRY_OK) {
        /* what a parse promises: a key, and a self-signature that verifies with it */
        if (X509_REQ_get0_pubkey(req) == NULL ||
            X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) != 1)
            __builtin_trap();
        ferry_x509_req_subject(req, subject, sizeof(subject));
    }
    X509_REQ_free(req);
    return 0;
}
