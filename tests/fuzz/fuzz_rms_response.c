/* Fuzz target: ferry_rms_response_parse and ferry_rms_check (corpus tests/fuzz/corpus/rms_response,
 * from the vectors): both answer forms. Checks the result against a fixed request so the binding
 * code runs too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/rms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_rms_response *resp = NULL;
    struct ferry_rms_request req;
    size_t i;

    if (ferry_rms_response_parse(data, size, &resp) == FERRY_OK) {
        /* what a parse promises: four certificates with keys, an SLC with a GUID, and the
         * renewal date within the validity; a response document that reads back the same */
        uint8_t *doc = NULL;
        size_t dlen = 0;
        struct ferry_rms_response *back = NULL;
        if (resp->nchain != 4 || resp->chain[0].guid == NULL)
            __builtin_trap();
        for (i = 0; i < resp->nchain; i++)
            if (resp->chain[i].pubkey == NULL ||
                resp->chain[i].renew_from >= resp->chain[i].renew_by)
                __builtin_trap();
        memset(&req, 0, sizeof(req));
        req.guid = resp->chain[0].guid;
        req.pubkey = resp->chain[0].pubkey;
        if (resp->chain[0].from <= resp->chain[0].renew_from &&
            resp->chain[0].until > resp->chain[0].renew_from &&
            ferry_rms_check(&req, resp, resp->chain[0].renew_from) != FERRY_OK)
            __builtin_trap();
        (void)ferry_rms_check(&req, resp, resp->chain[0].renew_by);
        if (ferry_rms_response_document(resp, &doc, &dlen) != FERRY_OK ||
            ferry_rms_response_parse(doc, dlen, &back) != FERRY_OK)
            __builtin_trap();
        ferry_rms_response_free(back);
        free(doc);
    }
    ferry_rms_response_free(resp);
    return 0;
}
