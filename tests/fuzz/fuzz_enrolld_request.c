/* Fuzz target: ferry-enrolld's Enroll request parser, enrolld_rms_parse (tests/enrollment-service/
 * soap.c; corpus tests/fuzz/corpus/enrolld_request, from its fixtures' mkfixtures.sh). */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enrolld_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct enrolld_req q;
    struct enrolld_reply rep;
    const char *code = NULL;
    char why[600];
    ferry_err r;
    int bits;

    memset(&rep, 0, sizeof(rep));
    r = enrolld_rms_parse(data, size, &q, &rep, &code, why, sizeof(why));
    if (r == FERRY_OK) {
        /* what a parse promises: a braced GUID, an RSA 1024/2048 key, a Version */
        bits = q.key != NULL ? EVP_PKEY_get_bits(q.key) : 0;
        if (strlen(q.guid) != 38 || q.guid[0] != '{' || q.guid[37] != '}' ||
            (bits != 1024 && bits != 2048) || q.version == NULL || q.version[0] == '\0' ||
            (q.custom && q.nra == 0) || (!q.custom && q.nra != 0) ||
            strncmp(rep.note, "shape=Envelope+VersionData+oInput", 33) != 0)
            __builtin_trap();
        enrolld_req_free(&q);
    } else if (r == FERRY_ERR_FORMAT) {
        if (code == NULL || strncmp(code, "soap:", 5) != 0 || why[0] == '\0')
            __builtin_trap(); /* every refusal is a SOAP fault with a reason */
    }
    return 0;
}
