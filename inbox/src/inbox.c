/* ferry — one receive path for both sides (see inbox.h): import takes the answers off a medium
 * with it, submit the requests. */
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "ferry/inbox.h"
#include "ferry/log.h"
#include "ferry/medium.h"
#include "ferry/trust.h"

ferry_err ferry_inbox_open(struct ferry_inbox *ib, struct ferry_store *s, size_t *ignored,
                           size_t *done, size_t *skipped)
{
    ferry_err r;

    memset(ib, 0, sizeof(*ib));
    ib->s = s;
    ib->budget = FERRY_USB_READ_MAX;
    ib->ignored = ignored;
    ib->done = done;
    ib->skipped = skipped;
    *ignored = *done = *skipped = 0;
    if ((r = ferry_trust_keys(s, 1, &ib->me, &ib->peers, &ib->npeers)) != FERRY_OK)
        return r;
    if ((ib->known = calloc(ib->npeers + 1, sizeof(*ib->known))) == NULL)
        return FERRY_ERR_NOMEM;
    memcpy(ib->known, ib->peers, ib->npeers * sizeof(*ib->known));
    ib->known[ib->npeers] = ib->me;
    return FERRY_OK;
}

void ferry_inbox_close(struct ferry_inbox *ib)
{
    FERRY_FREE(ib->known);
    ferry_identity_free(ib->me);
    ferry_store_peers_free(ib->peers, ib->npeers);
    ib->me = NULL;
    ib->peers = NULL;
    ib->npeers = 0;
}

void ferry_inbox_count(struct ferry_inbox *ib, ferry_err err, const char *message)
{
    if (err == FERRY_OK) {
        (*ib->done)++;
    } else if (err == FERRY_ERR_REPLAY) {
        (*ib->skipped)++; /* handled before, still on the stick: skipped */
        if (ib->replay_msg == NULL)
            ib->replay_msg = message;
    } else if (ib->first == FERRY_OK) {
        ib->first = err;
        ib->first_msg = message;
    }
}

void ferry_inbox_results_clear(void *items, size_t n, size_t size, void (*clear)(void *item))
{
    size_t i;

    for (i = 0; i < n; i++)
        clear((char *)items + i * size);
}

/* Why @m is not for this side, or NULL when it is. */
static const char *not_ours(const struct ferry_manifest *m, enum ferry_direction want)
{
    if (ferry_manifest_find(m, FERRY_ITEM_IDENTITY) != NULL)
        return "an identity";
    if (m->direction != want)
        return want == FERRY_DIR_TO_OFFLINE ? "a package for the online side"
                                            : "a package for the offline side";
    if (want == FERRY_DIR_TO_OFFLINE && !m->is_response)
        return "not an answer";
    return NULL;
}

/* Fetches and verifies @f: 1 with @p filled if it is a package of this side, 0 if ignored,
 * -1 if refused (*err set, its detail in ferry_err_detail()). */
static int examine(struct ferry_inbox *ib, const struct ferry_inbox_side *side,
                   struct ferry_usb_file *f, struct ferry_inbox_pkg *p, ferry_err *err)
{
    const char *why, *name;
    int own = 0;
    ferry_err r = ferry_medium_fetch(f, ib->known, ib->npeers + 1, &ib->budget);

    if (r == FERRY_OK)
        r = ferry_trust_verify(ib->known, ib->npeers + 1, ib->me, f->data, f->len, &p->m,
                               &p->signer, &own);
    if ((*err = r) != FERRY_OK)
        return -1;
    why = own ? "this machine's own package" : not_ours(p->m, side->direction);
    if (why != NULL) {
        ferry_log(FERRY_LOG_DEBUG, "%s: ignored (%s)", f->name, why);
        ferry_manifest_free(p->m);
        p->m = NULL;
        return 0;
    }
    name = ferry_identity_name(ib->peers[p->signer]);
    p->signer_name = name != NULL ? name : "";
    ferry_identity_fingerprint(ib->peers[p->signer], p->signer_fp);
    return 1;
}

ferry_err ferry_inbox_run(struct ferry_inbox *ib, const struct ferry_medium *from,
                          const struct ferry_inbox_side *side, void *ctx)
{
    struct ferry_usb_file *files = NULL;
    size_t n = 0, i;
    int to_offline = side->direction == FERRY_DIR_TO_OFFLINE;
    ferry_err r;

    if ((r = ferry_medium_list(from, to_offline ? "response-" : "request-", &files, &n)) !=
            FERRY_OK ||
        (r = side->begin(ctx, n)) != FERRY_OK)
        goto out;
    for (i = 0; i < n; i++) {
        struct ferry_inbox_pkg p;
        int k, keep = 0;

        memset(&p, 0, sizeof(p));
        ferry_err_clear();
        if ((k = examine(ib, side, &files[i], &p, &r)) == 0) {
            (*ib->ignored)++;
        } else {
            side->take(ctx, ib, &files[i], r, k > 0 ? &p : NULL, &keep);
            ferry_manifest_free(p.m);
        }
        if (!keep)
            ferry_usb_file_unload(&files[i]); /* one package in memory at a time */
    }
    if (side->batch != NULL)
        side->batch(ctx, ib);
    if (ib->first != FERRY_OK)
        ferry_errf(ib->first, "%s", ib->first_msg != NULL ? ib->first_msg : "");
    r = ferry_trust_batch_verdict(ib->first, *ib->done, *ib->skipped, ib->replay_msg);
    if (r == FERRY_OK && *ib->done == 0 && to_offline)
        r = ferry_errf(FERRY_ERR_NOT_FOUND,
                       "no answer on this medium (%zu package(s) for the other side or "
                       "identities ignored): submit the request on the online machine first",
                       *ib->ignored);
    else if (r == FERRY_OK && *ib->done == 0)
        r = ferry_errf(FERRY_ERR_NOT_FOUND,
                       "no request package on this medium (%zu other package(s) ignored): "
                       "export one on the offline machine first",
                       *ib->ignored);
out:
    ferry_usb_files_free(files, n);
    return r;
}
