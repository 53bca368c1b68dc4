/* Fuzz target: input split on '\n' into frame texts, fed to one reassembler, then result(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/qrseq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_qrseq_dec *d = NULL;
    enum ferry_qr_status st;
    const char *p = (const char *)data, *end = p + size;
    uint8_t *pkg = NULL;
    size_t len = 0;

    if (ferry_qrseq_dec_new(NULL, &d) != FERRY_OK)
        return 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

        if (ferry_qrseq_dec_add(d, p, n, &st) != FERRY_OK)
            break;
        if (ferry_qrseq_dec_received(d) > ferry_qrseq_dec_needed(d))
            abort(); /* progress never passes K */
        p += n + 1;
    }
    if (ferry_qrseq_dec_result(d, &pkg, &len) == FERRY_OK)
        free(pkg);
    ferry_qrseq_dec_free(d);
    return 0;
}
