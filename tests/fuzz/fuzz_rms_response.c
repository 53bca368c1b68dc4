/* Fuzz target: ferry_rms_response_parse and ferry_rms_check (corpus tests/fuzz/corpus/rms_response,
 * from the vectors). Checks the result against a fixed request so the binding code runs too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ferry/rms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_rms_response *resp = NULL;
    struct ferry_rms_request req;
    size_t i;

    if (ferry_rms_response_parse(data, size, &resp) == FERRY_OK) {
        if (resp->nchain < 2 || resp->nchain > 8)
            __builtin_trap();
        for (i = 0; i < resp->nchain; i++)
            if (resp->chain[i].pubkey == NULL || resp->chain[i].guid == NULL ||
                resp->chain[i].from >= resp->chain[i].until)
                __builtin_trap();
        memset(&req, 0, sizeof(req));
        req.guid = resp->chain[0].guid;
        req.pubkey = resp->chain[0].pubkey;
        if (ferry_rms_check(&req, resp, resp->chain[0].from) != FERRY_OK)
            __builtin_trap();
        (void)ferry_rms_check(&req, resp, resp->chain[0].until);
    }
    ferry_rms_response_free(resp);
    return 0;
}
