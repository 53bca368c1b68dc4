/* ferry — the runbook's paper QR pages (between the procedure and the page on rebuilding the
 * package by hand). */
#include "runbook_int.h"

ferry_err rb_qr_pages(struct rb_lay *L, const struct rb_block *k)
{
    (void)L;
    (void)k;
    return FERRY_OK;
}
