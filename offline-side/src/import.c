/* ferry-offline import: verify the answer, bind it to its request, install it, show the expiry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/inbox.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/package.h"
#include "ferry/rms.h"
#include "ferry/runbook_store.h"
#include "ferry/statefile.h"
#include "ferry/medium.h"
#include "ferry/x509.h"
#include "offline_int.h"

struct import_ctx {
    struct ferry_store *s;
    const char *out_path;
    int force;
    const uint8_t *drm_root; /* RMS --drm-root pin, or NULL */
    ferry_import_check_fn check;
    void *check_ctx;
    const char *medium; /* the medium's name ("usb", "images", ...), for the ledger */
    struct ferry_import_result *res;
};

/* What one answer's result owns (ferry_import_result_clear). */
static void one_clear(void *item)
{
    struct ferry_import_one *o = item;

    FERRY_FREE_ALL(o->out_path, o->server_name, o->key_path, o->sender_name, o->guid, o->changes);
}

/* <dir of the request>/<Server>SLC.xml from "<Server>RenewalRequest.xml", else "<name>-SLC.xml". */
static char *default_out(const struct ferry_transfer *t)
{
    const char *src = t->source_path ? t->source_path : "RenewalRequest.xml";
    const char *base = strrchr(src, '/');
    char *dir = ferry_path_dirname(src), *slc = NULL, *res = NULL;
    struct ferry_buf b;
    size_t cap;

    base = base ? base + 1 : src;
    cap = strlen(base) + sizeof("-SLC.xml");
    ferry_buf_init(&b, 8192);
    if (dir == NULL || (slc = malloc(cap)) == NULL)
        goto out;
    if (ferry_rms_slc_name(base, slc, cap))
        ferry_buf_printf(&b, "%s/%s", dir, slc);
    else
        ferry_buf_printf(&b, "%s/%s-SLC.xml", dir, base);
    if (b.data != NULL)
        res = (char *)ferry_buf_steal(&b, NULL);
out:
    free(slc);
    free(dir);
    ferry_buf_free(&b);
    return res;
}

static ferry_err bind_transfer(struct import_ctx *c, const struct ferry_manifest *m,
                               const uint8_t pkg_sha[FERRY_SHA256_LEN], struct ferry_transfer **out)
{
    struct ferry_transfer *t = NULL;
    char id[33], when[11];
    ferry_err r;

    *out = NULL;
    ferry_transfer_id_hex(m->answers_id, id);
    r = ferry_store_transfer_get(c->s, m->answers_id, &t);
    if (r == FERRY_ERR_NOT_FOUND)
        return ferry_errf(FERRY_ERR_MISMATCH,
                          "it answers transfer %s, which this machine did not export (another "
                          "machine's answer, or another FERRY_HOME)",
                          id);
    if (r != FERRY_OK)
        return r;
    ferry_time_date(t->updated, when);
    if (t->state == FERRY_TS_CANCELLED) {
        r = ferry_errf(FERRY_ERR_MISMATCH,
                       "it answers transfer %s, which was cancelled here on %s: not imported "
                       "(export the request again for a new transfer)",
                       id, when);
        goto out;
    }
    if (t->state != FERRY_TS_OUTSTANDING || ferry_store_package_seen(c->s, pkg_sha)) {
        r = ferry_errf(FERRY_ERR_REPLAY,
                       "transfer %s was already answered and imported on %s: nothing to do", id,
                       when);
        goto out;
    }
    if (!ferry_ct_eq(m->answers_sha256, t->package_sha256, FERRY_SHA256_LEN)) {
        r = ferry_errf(FERRY_ERR_MISMATCH,
                       "it names transfer %s but not the request package exported for it "
                       "(SHA-256 differs)",
                       id);
        goto out;
    }
    *out = t;
    t = NULL;
out:
    ferry_transfer_free(t);
    return r;
}

/*
 * Checks an RMS answer against the kept request: the response document (or, from an older
 * package, the service's SOAP answer) re-verified here, chain and binding (key, GUID, renewal
 * date), the pinned root if any; a raw service answer carried beside it must hold the same four
 * certificates. *doc gets the bytes to write for the RMS console: the response document exactly
 * as carried, or built from the SOAP answer.
 */
static ferry_err check_answer(struct import_ctx *c, const struct ferry_transfer *t,
                              const struct ferry_item *it, const struct ferry_item *raw,
                              struct ferry_rms_response **resp, uint8_t **doc, size_t *doclen)
{
    struct ferry_rms_request *rq = NULL;
    struct ferry_rms_response *svc = NULL;
    uint8_t *req = NULL, sha[FERRY_SHA256_LEN];
    size_t reqlen = 0, i;
    ferry_err r;

    *resp = NULL;
    *doc = NULL;
    if ((r = ferry_state_load(ferry_store_home(c->s), "requests", t->id, ".req",
                              FERRY_RMS_MAX_REQUEST, &req, &reqlen)) != FERRY_OK) {
        r = ferry_errf(FERRY_ERR_IO, "the kept copy of the request is missing: %s",
                       ferry_err_detail());
        goto out;
    }
    ferry_sha256(req, reqlen, sha);
    if (!ferry_ct_eq(sha, t->payload_sha256, sizeof(sha))) {
        r = ferry_errf(FERRY_ERR_IO, "the kept copy of the request was changed (SHA-256)");
        goto out;
    }
    if ((r = ferry_rms_request_parse(req, reqlen, &rq)) != FERRY_OK ||
        (r = ferry_rms_response_parse(it->data, it->len, resp)) != FERRY_OK ||
        (r = ferry_rms_check(rq, *resp, ferry_time_now())) != FERRY_OK ||
        (r = ferry_rms_check_root(*resp, c->drm_root)) != FERRY_OK)
        goto out;
    if (raw != NULL) {
        if ((r = ferry_rms_response_parse(raw->data, raw->len, &svc)) != FERRY_OK) {
            r = ferry_errf(r, "%s (the service's answer carried beside it): %s", raw->name,
                           ferry_err_detail());
            goto out;
        }
        for (i = 0; i < FERRY_XRML_CHAIN_LEN; i++)
            if (strcmp(svc->xrml[i]->text, (*resp)->xrml[i]->text) != 0) {
                r = ferry_errf(FERRY_ERR_MISMATCH,
                               "%s: certificate %zu (%s) differs from the service's answer "
                               "carried with it (%s)",
                               it->name, i + 1, ferry_xrml_chain_role(i), raw->name);
                goto out;
            }
    }
    if ((*resp)->form == FERRY_RMS_ANSWER_DOCUMENT) {
        if ((*doc = malloc(it->len ? it->len : 1)) == NULL) {
            r = FERRY_ERR_NOMEM;
            goto out;
        }
        memcpy(*doc, it->data, it->len);
        *doclen = it->len;
    } else {
        r = ferry_rms_response_document(*resp, doc, doclen);
    }
out:
    if (r != FERRY_OK) {
        ferry_rms_response_free(*resp);
        *resp = NULL;
        FERRY_FREE(*doc);
    }
    ferry_rms_response_free(svc);
    ferry_rms_request_free(rq);
    free(req);
    return r;
}

/* 1 if @path holds exactly @data: an earlier import of this answer was interrupted after it
 * wrote the file and before the ledger recorded it, so writing it again is safe. */
static int same_file(const char *path, const void *data, size_t len)
{
    uint8_t *got = NULL;
    size_t n = 0;
    int same;

    if (ferry_file_read(path, len, &got, &n) != FERRY_OK) {
        ferry_err_clear();
        return 0;
    }
    same = n == len && memcmp(got, data, len) == 0;
    free(got);
    return same;
}

/* What @out held before an import replaced it, to put back if the ledger then refuses. */
struct prior {
    uint8_t *data;
    size_t len;
    mode_t mode;
    int had;
};

static ferry_err prior_keep(const char *out, struct prior *p)
{
    struct stat st;
    ferry_err r;

    memset(p, 0, sizeof(*p));
    if (lstat(out, &st) != 0)
        return FERRY_OK; /* nothing there */
    if (!S_ISREG(st.st_mode))
        return ferry_errf(FERRY_ERR_EXISTS,
                          "%s exists and is not a regular file: give --out "
                          "FILE",
                          out);
    if ((r = ferry_file_read(out, FERRY_IMPORT_MAX_REPLACE, &p->data, &p->len)) != FERRY_OK)
        return ferry_errf(r, "%s: cannot keep the file it would replace (%s): move it away", out,
                          ferry_err_detail());
    p->mode = st.st_mode & 0777;
    p->had = 1;
    return FERRY_OK;
}

/* Puts back what @out held (or removes the new file); returns @r with its detail kept. */
static ferry_err prior_restore(const char *out, const struct prior *p, ferry_err r,
                               const struct ferry_file_id *mine)
{
    char why[1024];

    snprintf(why, sizeof(why), "%s", ferry_err_detail());
    if (!p->had)
        ferry_file_remove_own(out, mine); /* only the file this run wrote */
    else if (ferry_file_write_atomic(out, p->data, p->len, p->mode) != FERRY_OK)
        ferry_log(FERRY_LOG_ERROR, "%s: could not put the earlier file back: %s", out,
                  ferry_err_detail());
    return ferry_errf(r, "%s", why);
}

/* Writes the checked answer @data to --out (or @dflt, NULL when it could not be made) and marks
 * the transfer answered; *outp receives the path written (caller frees). */
static ferry_err install(struct import_ctx *c, const struct ferry_manifest *m,
                         const struct ferry_transfer *t, const void *data, size_t len,
                         const char *ext, const char *dflt, const uint8_t pkg_sha[FERRY_SHA256_LEN],
                         time_t until, time_t valid_until, char **outp)
{
    const char *dest = c->out_path != NULL ? c->out_path : dflt;
    char *out = dest != NULL ? strdup(dest) : NULL;
    struct prior old = {NULL, 0, 0, 0};
    struct ferry_file_id kept_id, out_id;
    int kept = 0;
    ferry_err r;

    *outp = NULL;
    if (out == NULL)
        return FERRY_ERR_NOMEM;
    if (!c->force && ferry_path_exists(out) && !same_file(out, data, len)) {
        r = ferry_errf(FERRY_ERR_EXISTS,
                       "%s already exists: move it away, or give --out FILE (or --force)", out);
        goto fail;
    }
    if ((r = prior_keep(out, &old)) != FERRY_OK)
        goto fail;
    if ((r = ferry_state_save_id(ferry_store_home(c->s), "certs", t->id, ext, data, len,
                                 &kept_id)) != FERRY_OK)
        goto fail;
    kept = 1;
    if ((r = ferry_file_write_atomic_id(out, data, len, 0644, &out_id)) != FERRY_OK)
        goto fail;
    if ((r = ferry_store_transfer_answer(c->s, t->id, m->transfer_id, pkg_sha, until, valid_until,
                                         out, c->medium)) != FERRY_OK) {
        r = prior_restore(out, &old, r, &out_id); /* the ledger refused: the file as it was */
        goto fail;
    }
    *outp = out;
    free(old.data);
    return FERRY_OK;
fail:
    if (kept) /* nor its kept copy: a failed import leaves the state as it was */
        ferry_state_remove_own(ferry_store_home(c->s), "certs", t->id, ext, &kept_id);
    free(old.data);
    free(out);
    return r;
}

/* The last step before anything is written: the verified values shown (c->check), and the
 * operator's answer with --confirm. */
static ferry_err shown(struct import_ctx *c, const struct ferry_transfer *t,
                       struct ferry_import_one *o)
{
    o->old_not_after = t->old_not_after;
    if (t->guid != NULL && o->guid == NULL && (o->guid = strdup(t->guid)) == NULL)
        return FERRY_ERR_NOMEM;
    if (c->check != NULL && !c->check(c->check_ctx, o))
        return ferry_errf(FERRY_ERR_DECLINED, "not imported: the operator answered no; nothing "
                                              "was written");
    return FERRY_OK;
}

/* <dir>/<base without .pem/.crt/.cer/.csr/.req>.renewed.pem for @path. */
static char *renewed_name(const char *path)
{
    const char *exts[] = {".pem", ".crt", ".cer", ".csr", ".req", ".der"};
    const char *base = strrchr(path, '/');
    char *dir = ferry_path_dirname(path), *res = NULL;
    struct ferry_buf b;
    size_t bl, i, cut = 0;

    base = base ? base + 1 : path;
    bl = strlen(base);
    for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
        if (bl > 4 && strcmp(base + bl - 4, exts[i]) == 0)
            cut = 4;
    ferry_buf_init(&b, 8192);
    if (dir != NULL &&
        ferry_buf_printf(&b, "%s/%.*s.renewed.pem", dir, (int)(bl - cut), base) == FERRY_OK)
        res = (char *)ferry_buf_steal(&b, NULL);
    free(dir);
    ferry_buf_free(&b);
    return res;
}

/* The kept PKCS#10, checked against the ledger's digest. */
static ferry_err kept_csr(struct import_ctx *c, const struct ferry_transfer *t, X509_REQ **csr)
{
    uint8_t *req = NULL, sha[FERRY_SHA256_LEN];
    size_t len = 0;
    ferry_err r;

    *csr = NULL;
    if ((r = ferry_state_load(ferry_store_home(c->s), "requests", t->id, ".req", FERRY_X509_MAX_CSR,
                              &req, &len)) != FERRY_OK) {
        r = ferry_errf(FERRY_ERR_IO, "the kept copy of the request is missing: %s",
                       ferry_err_detail());
        goto out;
    }
    ferry_sha256(req, len, sha);
    if (!ferry_ct_eq(sha, t->payload_sha256, sizeof(sha))) {
        r = ferry_errf(FERRY_ERR_IO, "the kept copy of the request was changed (SHA-256)");
        goto out;
    }
    r = ferry_x509_csr_parse(req, len, csr);
out:
    free(req);
    return r;
}

/* What @leaf changed from the certificate renewed (@cert_path, recorded by `request`), into
 * o->changes; when that file cannot be read now, o->changes_note says so. Nothing is refused
 * here: submit refused a missing SAN/EKU/KU unless --accept-changes, and a subject change is
 * refused by x509_check. */
static ferry_err x509_changes(X509_REQ *csr, X509 *leaf, const char *cert_path,
                              struct ferry_import_one *o)
{
    struct ferry_x509_diff d;
    X509 *old = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    ferry_err r = FERRY_OK;

    if (cert_path == NULL)
        return FERRY_OK;
    if (ferry_file_read(cert_path, FERRY_X509_MAX_CERT, &buf, &len) != FERRY_OK ||
        ferry_x509_cert_parse(buf, len, &old) != FERRY_OK) {
        snprintf(o->changes_note, sizeof(o->changes_note),
                 "not compared with the certificate renewed: %s", ferry_err_detail());
        ferry_err_clear();
        goto out;
    }
    if ((r = ferry_x509_compare(csr, old, leaf, &d)) == FERRY_OK && d.n > 0 &&
        (o->changes = strdup(d.text)) == NULL)
        r = FERRY_ERR_NOMEM;
out:
    X509_free(old);
    free(buf);
    return r;
}

/* Leaf first: its key and subject are the request's; the rest anchor it, valid now. What it
 * changed from the certificate renewed (@cert_path, or NULL) goes to @o. */
static ferry_err x509_check(X509_REQ *csr, const struct ferry_item *it, const char *cert_path,
                            struct ferry_import_one *o, struct ferry_x509_info *info, char **pem,
                            size_t *pemlen)
{
    STACK_OF(X509) *sk = NULL, *cas = NULL;
    X509 *leaf = NULL;
    ferry_err r;

    if ((r = ferry_x509_certs_parse(it->data, it->len, &sk)) != FERRY_OK)
        goto out;
    leaf = sk_X509_shift(sk);
    cas = sk;
    sk = NULL;
    if (!ferry_x509_key_match(leaf, csr)) {
        r = ferry_errf(FERRY_ERR_MISMATCH, "the certificate carried back is not for the "
                                           "request's key: not written");
        goto out;
    }
    if (X509_NAME_cmp(X509_get_subject_name(leaf), X509_REQ_get_subject_name(csr)) != 0) {
        r = ferry_errf(FERRY_ERR_MISMATCH, "the certificate carried back names another subject "
                                           "than the request: not written");
        goto out;
    }
    if (sk_X509_num(cas) == 0) {
        r = ferry_errf(FERRY_ERR_UNTRUSTED, "no CA certificate was carried back with it");
        goto out;
    }
    if ((r = ferry_x509_chain_check(leaf, cas, cas, ferry_time_now())) != FERRY_OK ||
        (r = ferry_x509_info_get(leaf, info)) != FERRY_OK ||
        (r = x509_changes(csr, leaf, cert_path, o)) != FERRY_OK)
        goto out;
    r = ferry_x509_chain_pem(leaf, cas, NULL, pem, pemlen);
out:
    X509_free(leaf);
    sk_X509_pop_free(cas, X509_free);
    sk_X509_pop_free(sk, X509_free);
    return r;
}

static ferry_err import_x509(struct import_ctx *c, const struct ferry_manifest *m,
                             const struct ferry_transfer *t, const struct ferry_item *it,
                             const uint8_t pkg_sha[FERRY_SHA256_LEN], struct ferry_import_one *o)
{
    struct ferry_x509_info info;
    X509_REQ *csr = NULL;
    char *pem = NULL, *dflt = NULL;
    const char *cert = t->cert_path; /* as `request` recorded it, the ledger's since export */
    size_t pemlen = 0;
    ferry_err r;

    o->kind = FERRY_KIND_X509;
    if (t->key_path != NULL && (o->key_path = strdup(t->key_path)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = kept_csr(c, t, &csr)) != FERRY_OK ||
        (r = x509_check(csr, it, cert, o, &info, &pem, &pemlen)) != FERRY_OK)
        goto out;
    o->not_before = info.not_before;
    o->new_not_after = info.not_after;
    if ((o->server_name = strdup(info.subject)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = shown(c, t, o)) != FERRY_OK)
        goto out;
    dflt = renewed_name(cert ? cert : t->source_path ? t->source_path : "request.csr");
    r = install(c, m, t, pem, pemlen, ".pem", dflt, pkg_sha, o->new_not_after, 0, &o->out_path);
out:
    free(dflt);
    OPENSSL_free(pem);
    X509_REQ_free(csr);
    return r;
}

static ferry_err import_one(struct import_ctx *c, const struct ferry_usb_file *f,
                            const struct ferry_manifest *m, struct ferry_import_one *o)
{
    struct ferry_transfer *t = NULL;
    struct ferry_rms_response *resp = NULL;
    const struct ferry_item *it, *raw;
    struct ferry_file_id raw_id;
    uint8_t *doc = NULL;
    char *dflt = NULL;
    size_t doclen = 0;
    uint8_t sha[FERRY_SHA256_LEN];
    ferry_err r;

    ferry_sha256(f->data, f->len, sha);
    memcpy(o->package_sha256, sha, sizeof(sha));
    ferry_transfer_id_hex(m->answers_id, o->transfer_id);
    if ((r = bind_transfer(c, m, sha, &t)) != FERRY_OK)
        goto out;
    if ((it = ferry_manifest_find(m, FERRY_ITEM_X509_CHAIN)) != NULL) {
        if (t->kind != FERRY_KIND_X509) {
            r = ferry_errf(FERRY_ERR_MISMATCH,
                           "it carries a certificate chain, but transfer "
                           "%.8s was an RMS request",
                           o->transfer_id);
            goto out;
        }
        if ((r = import_x509(c, m, t, it, sha, o)) == FERRY_OK)
            ferry_store_audit(c->s, "import", o->transfer_id);
        goto out;
    }
    if ((it = ferry_manifest_find(m, FERRY_ITEM_RMS_RESPONSE)) == NULL ||
        (t->kind != 0 && t->kind != FERRY_KIND_RMS)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "the package carries no %s",
                       it == NULL ? "RMS response or certificate chain"
                                  : "certificate chain for this X.509 request");
        goto out;
    }
    o->kind = FERRY_KIND_RMS;
    raw = ferry_manifest_find(m, FERRY_ITEM_RMS_SERVICE_ANSWER);
    if ((r = check_answer(c, t, it, raw, &resp, &doc, &doclen)) != FERRY_OK)
        goto out;
    o->not_before = resp->chain[0].renew_from;
    o->new_not_after = resp->chain[0].renew_by;
    o->valid_until = resp->chain[0].until;
    memcpy(o->root_fp, resp->root_fp, 32);
    if (t->subject != NULL && (o->server_name = strdup(t->subject)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = shown(c, t, o)) != FERRY_OK)
        goto out;
    /* the service's raw answer stays in the state for audit */
    if (raw != NULL &&
        (r = ferry_state_save_id(ferry_store_home(c->s), "certs", t->id, ".service-answer.xml",
                                 raw->data, raw->len, &raw_id)) != FERRY_OK)
        goto out;
    dflt = default_out(t);
    if ((r = install(c, m, t, doc, doclen, ".xml", dflt, sha, o->new_not_after, o->valid_until,
                     &o->out_path)) != FERRY_OK) {
        if (raw != NULL) /* a failed import leaves the state as it was: only what it wrote goes */
            ferry_state_remove_own(ferry_store_home(c->s), "certs", t->id, ".service-answer.xml",
                                   &raw_id);
        goto out;
    }
    ferry_store_audit(c->s, "import", o->transfer_id);
    if (ferry_runbook_note_anchor(ferry_store_home(c->s), m) != FERRY_OK) /* the next runbook's */
        ferry_log(FERRY_LOG_WARN, "the service's TLS anchor was not noted: %s", ferry_err_detail());
out:
    free(dflt);
    free(doc);
    ferry_rms_response_free(resp);
    ferry_transfer_free(t);
    return r;
}

/* Room for a result per file on the medium. */
static ferry_err import_begin(void *ctx, size_t n)
{
    struct import_ctx *c = ctx;

    return (c->res->items = calloc(n, sizeof(*c->res->items))) == NULL ? FERRY_ERR_NOMEM : FERRY_OK;
}

/* One answer off the medium (@p; NULL when it was refused with @err): imported, and counted. */
static void import_take(void *ctx, struct ferry_inbox *ib, struct ferry_usb_file *f, ferry_err err,
                        struct ferry_inbox_pkg *p, int *keep)
{
    struct import_ctx *c = ctx;
    struct ferry_import_one *o = &c->res->items[c->res->n++];

    (void)keep;
    snprintf(o->file, sizeof(o->file), "%s", f->name);
    if (p == NULL) {
        o->err = err;
        snprintf(o->message, sizeof(o->message), "%s", ferry_err_detail());
    } else if ((o->sender_name = strdup(p->signer_name)) == NULL) { /* shown before import */
        o->err = FERRY_ERR_NOMEM;
        snprintf(o->message, sizeof(o->message), "out of memory");
    } else {
        memcpy(o->sender_fp, p->signer_fp, sizeof(o->sender_fp));
        o->err = import_one(c, f, p->m, o);
        snprintf(o->message, sizeof(o->message), "%s",
                 o->err == FERRY_OK ? "imported" : ferry_err_detail());
    }
    if (o->err == FERRY_OK)
        c->out_path = NULL; /* --out names the first answer's file only */
    ferry_inbox_count(ib, o->err, o->message);
}

static const struct ferry_inbox_side import_side = {
    .direction = FERRY_DIR_TO_OFFLINE,
    .begin = import_begin,
    .take = import_take,
};

ferry_err ferry_offline_import(struct ferry_store *s, const struct ferry_medium *from,
                               const char *out_path, int force, struct ferry_import_result *res)
{
    return ferry_offline_import_pinned(s, from, out_path, force, NULL, res);
}

ferry_err ferry_offline_import_pinned(struct ferry_store *s, const struct ferry_medium *from,
                                      const char *out_path, int force, const uint8_t *drm_root,
                                      struct ferry_import_result *res)
{
    struct ferry_import_opts o = {out_path, force, drm_root, NULL, NULL};

    return ferry_offline_import_opts(s, from, &o, res);
}

ferry_err ferry_offline_import_opts(struct ferry_store *s, const struct ferry_medium *from,
                                    const struct ferry_import_opts *o,
                                    struct ferry_import_result *res)
{
    struct import_ctx c = {.s = s,
                           .out_path = o->out_path,
                           .force = o->force,
                           .drm_root = o->drm_root,
                           .check = o->check,
                           .check_ctx = o->check_ctx,
                           .medium = ferry_medium_kind_name(from->kind),
                           .res = res};
    struct ferry_inbox ib;
    ferry_err r;

    memset(res, 0, sizeof(*res));
    if ((r = ferry_inbox_open(&ib, s, &res->ignored, &res->imported, &res->skipped)) == FERRY_OK)
        r = ferry_inbox_run(&ib, from, &import_side, &c);
    ferry_inbox_close(&ib);
    return r;
}

void ferry_import_result_clear(struct ferry_import_result *res)
{
    ferry_inbox_results_clear(res->items, res->n, sizeof(*res->items), one_clear);
    FERRY_FREE(res->items);
    res->n = res->imported = res->skipped = res->ignored = 0;
}
