/* ferry — the printed runbook: checks the fields and builds the document (runbook_doc.c) whose
 * steps runbook_steps.c writes. Content lives here once; runbook_text.c and runbook_pdf.c only
 * lay it out, so the text form and the PDF say the same thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "runbook_int.h"

struct field {
    const char *name;
    const char *value;
};

static ferry_err too_long(const char *name, const char *value)
{
    return ferry_errf(FERRY_ERR_TOO_LARGE,
                      "runbook: the %s is %zu bytes, more than the %d printed; check the input "
                      "it came from",
                      name, strlen(value), RB_MAX_VALUE);
}

static ferry_err check_fields(const struct ferry_runbook *rb)
{
    const struct field f[] = {
        {"transfer id", rb->transfer_id},
        {"server name", rb->server_name},
        {"GUID", rb->guid},
        {"request file", rb->request_file},
        {"package file", rb->package_file},
        {"package SHA-256", rb->package_sha256},
        {"offline identity name", rb->offline_name},
        {"offline fingerprint", rb->offline_fp},
        {"online identity name", rb->online_name},
        {"online fingerprint", rb->online_fp},
        {"service URL", rb->service_url},
        {"anchor subject", rb->anchor_subject},
        {"anchor fingerprint", rb->anchor_fp},
    };
    size_t i;

    if (rb->leg != FERRY_RUNBOOK_REQUEST && rb->leg != FERRY_RUNBOOK_RESPONSE &&
        rb->leg != FERRY_RUNBOOK_PAIRING)
        return ferry_errf(FERRY_ERR_USAGE,
                          "runbook: leg %d is neither request, response nor pairing", (int)rb->leg);
    if (rb->leg == FERRY_RUNBOOK_PAIRING && ferry_side_name(rb->pairing_side) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "runbook: a pairing sheet needs the side it is for");
    if (rb->kind != 0 && ferry_kind_get(rb->kind) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "runbook: payload kind %d unknown", (int)rb->kind);
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (f[i].value != NULL && strlen(f[i].value) > RB_MAX_VALUE)
            return too_long(f[i].name, f[i].value);
    if (rb->trip_id != NULL &&
        (strlen(rb->trip_id) != 32 || strspn(rb->trip_id, "0123456789abcdefABCDEF") != 32))
        return ferry_errf(FERRY_ERR_USAGE, "runbook: the trip id is not 32 hex digits");
    if (rb->nitems > FERRY_RUNBOOK_MAX_ITEMS || (rb->nitems > 0 && rb->items == NULL))
        return ferry_errf(FERRY_ERR_TOO_LARGE, "runbook: %zu transfers, at most %d in one trip",
                          rb->nitems, FERRY_RUNBOOK_MAX_ITEMS);
    for (i = 0; i < rb->nitems; i++) {
        const struct ferry_runbook_item *it = &rb->items[i];
        const struct field g[] = {
            {"transfer id", it->transfer_id},
            {"server name", it->server_name},
            {"GUID", it->guid},
            {"request file", it->request_file},
            {"package file", it->package_file},
            {"package SHA-256", it->package_sha256},
        };
        size_t k;
        for (k = 0; k < sizeof(g) / sizeof(g[0]); k++)
            if (g[k].value != NULL && strlen(g[k].value) > RB_MAX_VALUE)
                return too_long(g[k].name, g[k].value);
    }
    return FERRY_OK;
}

ferry_err rb_doc_build(const struct ferry_runbook *rb, struct rb_doc **out)
{
    struct rb_doc *d = NULL;
    ferry_err r = FERRY_ERR_INTERNAL;
    struct ferry_buf f;

    *out = NULL;
    ferry_buf_init(&f, 4 * RB_MAX_VALUE + 256);
    if ((r = check_fields(rb)) != FERRY_OK)
        goto out;
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = rb_sanitise(rb->transfer_id != NULL ? rb->transfer_id : "", &d->transfer_id)) !=
        FERRY_OK)
        goto out;
    if (rb->leg == FERRY_RUNBOOK_PAIRING)
        r = ferry_buf_printf(&f, "ferry pairing sheet \xC2\xB7 the %s machine",
                             ferry_side_name(rb->pairing_side));
    else if (rb->nitems > 1 && rb->trip_id != NULL)
        r = ferry_buf_printf(&f, "ferry runbook \xC2\xB7 trip %.32s \xC2\xB7 %zu transfers",
                             rb->trip_id, rb->nitems);
    else
        r = ferry_buf_printf(&f, "ferry runbook \xC2\xB7 transfer %s",
                             d->transfer_id[0] != '\0' ? d->transfer_id : RB_BLANK);
    if (r != FERRY_OK)
        goto out;
    if ((d->footer = (char *)ferry_buf_steal(&f, NULL)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if (rb->medium == FERRY_MEDIUM_PDF && rb->package != NULL && rb->package_len > 0 &&
        rb->nitems <= 1) {
        /* the frames `--to pdf:` printed for this package: one set per transfer */
        if ((r = ferry_qr_paper_set(rb->package, rb->package_len, rb->qr, &d->paper, &d->seq)) !=
            FERRY_OK)
            goto out;
    }
    if ((r = rb_steps_build(rb, d)) != FERRY_OK)
        goto out;
    *out = d;
    d = NULL;
    r = FERRY_OK;
out:
    ferry_buf_free(&f);
    rb_doc_free(d);
    return r;
}
