/* Fuzz target: ferry_rms_request_parse (corpus tests/fuzz/corpus/rms_request, from the vectors). */
#include <stddef.h>
#include <stdint.h>

#include "ferry/rms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_rms_request *req = NULL;
    char g[37];

    if (ferry_rms_request_parse(data, size, &req) == FERRY_OK) {
        /* what a parse promises: a normalised GUID and an RSA key of >= 1024 bits */
        if (req->guid == NULL || ferry_rms_guid_normalize(req->guid, g) != FERRY_OK ||
            req->pubkey == NULL || EVP_PKEY_get_bits(req->pubkey) < 1024)
            __builtin_trap();
    }
    ferry_rms_request_free(req);
    return 0;
}
