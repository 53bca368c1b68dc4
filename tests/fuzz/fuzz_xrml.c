/* Fuzz target: ferry_xrml_parse and ferry_xrml_verify (corpus tests/fuzz/corpus/xrml: the
 * MS-RMPR 4.5 examples and the spec-built chain certificates, seeded by mkvectors.sh). */
#include <stddef.h>
#include <stdint.h>

#include "ferry/xrml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_xrml_cert *c = NULL;

    if (ferry_xrml_parse((const char *)data, size, "fuzz", &c) == FERRY_OK) {
        /* what a parse promises: an issuer key of >= 1024 bits and a digest to compare */
        if (c->issuer_key == NULL || c->issuer_bits < 1024 ||
            (c->digest_len != 20 && c->digest_len != 32))
            __builtin_trap();
        (void)ferry_xrml_verify(c, "fuzz");
    }
    ferry_xrml_free(c);
    return 0;
}
