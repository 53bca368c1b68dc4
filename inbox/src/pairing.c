#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "ferry/log.h"
#include "ferry/manifest.h"
#include "ferry/package.h"
#include "ferry/pairing.h"
#include "ferry/medium.h"
#include "ferry/usb.h"

static const char *other_side(enum ferry_side side)
{
    return ferry_side_name(ferry_side_other(side));
}

static ferry_err identity_package(struct ferry_identity *me, enum ferry_side side, uint8_t **pkg,
                                  size_t *len)
{
    struct ferry_manifest *m = NULL;
    char *pem = NULL;
    size_t pemlen = 0;
    ferry_err r;

    if ((r = ferry_manifest_new(
             side == FERRY_SIDE_OFFLINE ? FERRY_DIR_TO_ONLINE : FERRY_DIR_TO_OFFLINE, &m)) !=
        FERRY_OK)
        goto out;
    if ((r = ferry_identity_cert_pem(me, &pem, &pemlen)) != FERRY_OK)
        goto out;
    if ((r = ferry_manifest_add_item(m, "identity.crt", FERRY_ITEM_IDENTITY, (uint8_t *)pem,
                                     pemlen)) != FERRY_OK)
        goto out;
    if ((r = ferry_manifest_set_prop(m, "side", ferry_side_name(side))) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "name", ferry_identity_name(me))) != FERRY_OK)
        goto out;
    r = ferry_package_sign(m, me, pkg, len);
out:
    free(pem);
    ferry_manifest_free(m);
    return r;
}

ferry_err ferry_pairing_write(struct ferry_store *s, enum ferry_side side,
                              const struct ferry_medium *to, const struct ferry_qr_opts *qo,
                              struct ferry_identity **me_out, char **where)
{
    struct ferry_identity *me = NULL;
    uint8_t *pkg = NULL;
    size_t len = 0;
    char name[64], fp[FERRY_FP_GROUPS_LEN];
    struct ferry_buf summary;
    ferry_err r;

    ferry_buf_init(&summary, 4096);
    if (me_out != NULL)
        *me_out = NULL;
    if ((r = ferry_store_identity(s, &me)) != FERRY_OK)
        goto out;
    if ((r = identity_package(me, side, &pkg, &len)) != FERRY_OK)
        goto out;
    ferry_identity_fingerprint_groups(me, fp);
    snprintf(name, sizeof(name), "%s-identity.ferry", ferry_side_name(side));
    if ((r = ferry_buf_printf(&summary,
                              "ferry pairing: the identity of the %s machine \"%s\"\n"
                              "fingerprint (SHA-256): %s\n\n"
                              "Next step: on the %s machine run\n"
                              "  ferry-%s pair --from usb\n"
                              "and compare the fingerprint it shows with the PAIRING SHEET\n"
                              "printed on the %s machine and carried by hand.\n\n"
                              "Do not compare with this file: it travels on the same stick as\n"
                              "the identity it describes, so whoever could change one could\n"
                              "change both.\n",
                              ferry_side_name(side), ferry_identity_name(me), fp, other_side(side),
                              other_side(side), ferry_side_name(side))) != FERRY_OK)
        goto out;
    if ((r = ferry_medium_write(to, name, pkg, len, (const char *)summary.data, qo, where)) !=
        FERRY_OK)
        goto out;
    ferry_store_audit(s, "pair-out", fp);
    if (me_out != NULL) {
        *me_out = me;
        me = NULL;
    }
out:
    ferry_buf_free(&summary);
    free(pkg);
    ferry_identity_free(me);
    return r;
}

/* Examines one file: FERRY_OK with *peer set when it is the other side's identity package. */
static ferry_err examine(const struct ferry_usb_file *f, const struct ferry_identity *me,
                         enum ferry_side side, struct ferry_identity **peer)
{
    struct ferry_manifest *m = NULL;
    struct ferry_identity *id = NULL;
    const char *pside;
    ferry_err r;

    *peer = NULL;
    if ((r = ferry_package_open_identity(f->data, f->len, &id, &m)) != FERRY_OK)
        return r;
    if (ferry_identity_equal(id, me)) {
        r = FERRY_ERR_NOT_FOUND; /* our own, written by `pair --to` on this machine */
        goto out;
    }
    pside = ferry_manifest_prop(m, "side");
    if (pside == NULL || strcmp(pside, other_side(side)) != 0) {
        r = ferry_errf(FERRY_ERR_MISMATCH, "%s: identity of another %s machine, not of an %s one",
                       f->name, pside ? pside : "unknown", other_side(side));
        goto out;
    }
    *peer = id;
    id = NULL;
    r = FERRY_OK;
out:
    ferry_identity_free(id);
    ferry_manifest_free(m);
    return r;
}

/*
 * Reads one listed file (the other side's identity package is signed by a key not yet known,
 * so nothing is checked before it is read): 1 when read, 0 when skipped with a warning (gone,
 * not a regular file, over the limits), -1 with *@r set on any other error.
 */
static int load(struct ferry_usb_file *f, uint64_t *budget, ferry_err *r)
{
    *r = ferry_usb_file_load(f, FERRY_MAX_PACKAGE_BYTES, budget, NULL, NULL);
    if (*r == FERRY_OK)
        return 1;
    if (*r != FERRY_ERR_FORMAT && *r != FERRY_ERR_TOO_LARGE && *r != FERRY_ERR_NOT_FOUND)
        return -1;
    ferry_log(FERRY_LOG_WARN, "%s, skipped", ferry_err_detail());
    *r = FERRY_OK;
    return 0;
}

ferry_err ferry_pairing_read(struct ferry_store *s, enum ferry_side side,
                             const struct ferry_medium *from, struct ferry_identity **peer)
{
    struct ferry_usb_file *files = NULL;
    struct ferry_identity *me = NULL, *found = NULL;
    uint64_t budget = FERRY_USB_READ_MAX;
    char prefer[32];
    size_t n = 0, i;
    int got;
    ferry_err r;

    *peer = NULL;
    if ((r = ferry_store_identity(s, &me)) != FERRY_OK)
        goto out;
    snprintf(prefer, sizeof(prefer), "%s-identity", other_side(side));
    if ((r = ferry_medium_list(from, prefer, &files, &n)) != FERRY_OK)
        goto out;
    for (i = 0; i < n; i++) {
        struct ferry_identity *cand = NULL;
        if ((got = load(&files[i], &budget, &r)) < 0)
            goto out;
        if (got == 0)
            continue;
        got = examine(&files[i], me, side, &cand) == FERRY_OK;
        ferry_usb_file_unload(&files[i]); /* one package in memory at a time */
        if (!got)
            continue;
        if (found != NULL && !ferry_identity_equal(found, cand)) {
            ferry_identity_free(cand);
            r = ferry_errf(FERRY_ERR_USAGE,
                           "the medium holds identities of several %s machines: keep only the "
                           "one to pair with",
                           other_side(side));
            goto out;
        }
        ferry_identity_free(found);
        found = cand;
    }
    if (found == NULL) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND,
                       "no identity of an %s machine on this medium: run `ferry-%s pair --to "
                       "...` there first",
                       other_side(side), other_side(side));
        goto out;
    }
    *peer = found;
    found = NULL;
    r = FERRY_OK;
out:
    ferry_identity_free(found);
    ferry_identity_free(me);
    ferry_usb_files_free(files, n);
    return r;
}
