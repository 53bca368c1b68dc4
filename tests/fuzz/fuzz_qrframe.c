/* Fuzz target: one QR frame text (format version 1 or 2) through the header parser, the
 * reader's frame info and a fresh reassembler. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/qrseq.h"
#include "qrseq_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct qrseq_frame f;
    struct ferry_qrseq_info fi;
    struct ferry_qrseq_dec *d = NULL;
    enum ferry_qr_status st;
    uint8_t *pkg = NULL;
    size_t len = 0;

    if (qrseq_frame_parse((const char *)data, size, &f) == FERRY_OK) {
        /* a parsed frame's data always lies inside the input */
        if (f.data < (const char *)data || f.data + f.datalen > (const char *)data + size)
            abort();
        /* what the reader keys transfers by agrees with the parser */
        if (ferry_qrseq_frame_info((const char *)data, size, &fi) != FERRY_OK ||
            fi.format != f.fmt || strcmp(fi.session, f.session) != 0 || fi.frame == 0)
            abort();
    }
    if (ferry_qrseq_dec_new(NULL, &d) != FERRY_OK)
        return 0;
    if (ferry_qrseq_dec_add(d, (const char *)data, size, &st) == FERRY_OK &&
        ferry_qrseq_dec_result(d, &pkg, &len) == FERRY_OK)
        free(pkg);
    ferry_qrseq_dec_free(d);
    return 0;
}
