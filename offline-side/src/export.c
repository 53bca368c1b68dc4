/* ferry-offline export: an RMS renewal request or a PKCS#10 into a signed package on a medium. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/kind.h"
#include "ferry/log.h"
#include "ferry/offline.h"
#include "ferry/package.h"
#include "ferry/rms.h"
#include "ferry/statefile.h"
#include "ferry/trust.h"
#include "ferry/runbook_store.h"
#include "ferry/medium.h"
#include "ferry/usb.h"
#include "ferry/x509.h"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

/* What was recognised in the request file. */
struct payload {
    const struct ferry_kind_info *k; /* what it is: RMS or X.509 (a PKCS#10) */
    char *subject;                   /* RMS server name or the PKCS#10 subject; may be NULL */
    const char *subject_from;        /* RMS: where the name came from ("the file name", ...) */
    char *guid;                      /* RMS only */
    char *cert_path;                 /* X.509: the certificate to renew, as `request` recorded it */
    char *key_path;                  /* X.509, request --rekey: the new key, likewise */
};

static void payload_clear(struct payload *p)
{
    FERRY_FREE(p->subject);
    FERRY_FREE(p->guid);
    FERRY_FREE(p->cert_path);
    FERRY_FREE(p->key_path);
}

static ferry_err payload_x509(struct ferry_store *s, const uint8_t *req, size_t len,
                              struct payload *p)
{
    X509_REQ *csr = NULL;
    uint8_t sha[FERRY_SHA256_LEN];
    char subject[512];
    ferry_err r;

    if ((r = ferry_x509_csr_parse(req, len, &csr)) != FERRY_OK)
        return r;
    p->k = ferry_kind_get(FERRY_KIND_X509);
    ferry_x509_req_subject(csr, subject, sizeof(subject));
    X509_REQ_free(csr);
    if ((p->subject = strdup(subject)) == NULL)
        return FERRY_ERR_NOMEM;
    ferry_sha256(req, len, sha);
    /* made by `ferry-offline request`? then it recorded the certificate it renews (the ledger's
     * transfer takes the paths) */
    ferry_state_cert_record(ferry_store_home(s), sha, FERRY_STATE_CSR_RECORD, &p->cert_path,
                            &p->key_path);
    ferry_err_clear();
    return FERRY_OK;
}

static ferry_err payload_load(struct ferry_store *s, const char *path, const uint8_t *req,
                              size_t len, struct payload *p)
{
    struct ferry_rms_request *rq = NULL;
    ferry_err r;

    memset(p, 0, sizeof(*p));
    if (ferry_x509_looks_like_csr(req, len))
        r = payload_x509(s, req, len, p);
    else if ((r = ferry_rms_request_parse(req, len, &rq)) == FERRY_OK) {
        p->k = ferry_kind_get(FERRY_KIND_RMS);
        if ((p->guid = strdup(rq->guid)) == NULL)
            r = FERRY_ERR_NOMEM;
        else
            r = ferry_rms_server_name(path, rq, &p->subject, &p->subject_from);
    }
    ferry_rms_request_free(rq);
    if (r != FERRY_OK && r != FERRY_ERR_NOMEM)
        r = ferry_errf(r, "%s: %s", path, ferry_err_detail());
    if (r != FERRY_OK)
        payload_clear(p);
    return r;
}

static ferry_err build_manifest(const char *request_path, const uint8_t *req, size_t len,
                                const struct payload *p, const char *myname,
                                struct ferry_manifest **out)
{
    struct ferry_manifest *m = NULL;
    const char *name = base_name(request_path);
    ferry_err r;

    *out = NULL;
    if (!ferry_usb_name_ok(name))
        name = p->k->request_file;
    if ((r = ferry_manifest_new(FERRY_DIR_TO_ONLINE, &m)) != FERRY_OK)
        return r;
    if ((r = ferry_manifest_add_item(m, name, p->k->request_item, req, len)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "kind", p->k->name)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "sender_name", myname)) != FERRY_OK)
        goto out;
    if ((p->guid != NULL && (r = ferry_manifest_set_prop(m, "guid", p->guid)) != FERRY_OK) ||
        (p->subject != NULL &&
         (r = ferry_manifest_set_prop(m, p->k->subject_key, p->subject)) != FERRY_OK) ||
        (p->subject_from != NULL &&
         (r = ferry_manifest_set_prop(m, "server_name_from", p->subject_from)) != FERRY_OK))
        goto out;
    *out = m;
    m = NULL;
out:
    ferry_manifest_free(m);
    return r;
}

/* The note beside the package: the values the runbook's submit step lists, with its words and
 * in its order, as submit shows them before it sends anything. */
static ferry_err summary_text(const struct ferry_manifest *m, const char *request_path,
                              const struct payload *p, const uint8_t sha[FERRY_SHA256_LEN],
                              const struct ferry_identity *me, struct ferry_buf *b)
{
    char id[33], groups[FERRY_FP_GROUPS_LEN], fp[FERRY_FP_GROUPS_LEN], when[21], from[96] = "";
    char label[32];
    const char *name = ferry_identity_name(me);
    int x = p->k->kind == FERRY_KIND_X509;
    ferry_err r;

    if (!x && p->subject != NULL && p->subject_from != NULL)
        snprintf(from, sizeof(from), " (from %s)", p->subject_from);
    snprintf(label, sizeof(label), "%s:", p->k->subject_label);
    ferry_transfer_id_hex(m->transfer_id, id);
    ferry_hex_groups(sha, FERRY_SHA256_LEN, groups);
    ferry_identity_fingerprint_groups(me, fp);
    ferry_time_iso(m->created, when);
    r = ferry_buf_printf(b,
                         "ferry request package\n"
                         "What:                 %s\n"
                         "Request file:         %s (offline machine), exported %s\n"
                         "Transfer id:          %s\n"
                         "Package SHA-256:      %s\n"
                         "Sender:               %s\n"
                         "Sender fingerprint:   %s\n"
                         "%-21s %s%s\n",
                         p->k->request_what, base_name(request_path), when, id, groups,
                         name ? name : "(unnamed)", fp, label,
                         p->subject ? p->subject : "(unknown)", from);
    if (r == FERRY_OK && p->guid != NULL)
        r = ferry_buf_printf(b, "Server GUID:          %s\n", p->guid);
    if (r != FERRY_OK)
        return r;
    return ferry_buf_printf(b,
                            "\nNext step: on the online machine run\n"
                            "  ferry-online submit --from usb%s\n"
                            "and check that it shows these values, in this order, with the "
                            "printed runbook,\nbefore it sends the request (--confirm makes it "
                            "ask).\n",
                            x ? " --protocol est --service URL" : "");
}

static ferry_err record(struct ferry_store *s, const struct ferry_manifest *m,
                        const char *request_path, const struct payload *p,
                        const uint8_t pkg_sha[FERRY_SHA256_LEN], struct ferry_identity **peers,
                        size_t npeers, const char *medium)
{
    struct ferry_transfer t;
    char rp[PATH_MAX], fphex[65];
    uint8_t fp[FERRY_SHA256_LEN];

    memset(&t, 0, sizeof(t));
    memcpy(t.id, m->transfer_id, sizeof(t.id));
    t.direction = FERRY_DIR_TO_ONLINE;
    t.state = FERRY_TS_OUTSTANDING;
    memcpy(t.package_sha256, pkg_sha, FERRY_SHA256_LEN);
    memcpy(t.payload_sha256, m->items[0].sha256, FERRY_SHA256_LEN);
    t.kind = p->k->kind;
    t.subject = p->subject;
    t.guid = p->guid;
    t.source_path = realpath(request_path, rp) ? rp : (char *)request_path;
    if (npeers == 1) {
        ferry_identity_fingerprint(peers[0], fp);
        ferry_hex(fp, sizeof(fp), fphex);
        t.peer_fp = fphex;
    }
    t.created = t.updated = m->created;
    t.request_medium = (char *)medium;
    t.cert_path = p->cert_path;
    t.key_path = p->key_path;
    return ferry_store_transfer_add(s, &t);
}

/* Kept copies: the exact request (import binds the answer to it) and the package. */
static ferry_err keep(const char *home, const struct ferry_manifest *m, const uint8_t *req,
                      size_t reqlen, const uint8_t *pkg, size_t pkglen)
{
    ferry_err r;

    if ((r = ferry_state_save(home, "requests", m->transfer_id, ".req", req, reqlen)) != FERRY_OK)
        return r;
    return ferry_state_save(home, "packages", m->transfer_id, ".ferry", pkg, pkglen);
}

static void unkeep(const char *home, const struct ferry_manifest *m)
{
    ferry_state_remove(home, "requests", m->transfer_id, ".req");
    ferry_state_remove(home, "packages", m->transfer_id, ".ferry");
    ferry_state_remove(home, "packages", m->transfer_id, ".qr");
}

static ferry_err fill_result(const struct payload *p, const char *name,
                             struct ferry_export_result *res)
{
    res->kind = p->k->kind;
    res->server_name_from = p->subject_from;
    if ((res->package_name = strdup(name)) == NULL ||
        (p->subject && (res->server_name = strdup(p->subject)) == NULL) ||
        (p->guid && (res->guid = strdup(p->guid)) == NULL) ||
        (p->cert_path && (res->cert_path = strdup(p->cert_path)) == NULL))
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

ferry_err ferry_offline_export(struct ferry_store *s, const char *request_path,
                               const struct ferry_medium *to, const struct ferry_qr_opts *qo,
                               struct ferry_export_result *res)
{
    struct ferry_identity *me = NULL, **peers = NULL;
    struct ferry_manifest *m = NULL;
    struct payload p;
    struct ferry_buf summary;
    uint8_t *req = NULL, *pkg = NULL;
    size_t reqlen = 0, pkglen = 0, npeers = 0;
    const char *home = ferry_store_home(s);
    char name[64], label[64];
    struct ferry_qr_opts q2;
    int saved = 0;
    ferry_err r;

    memset(res, 0, sizeof(*res));
    memset(&p, 0, sizeof(p));
    ferry_buf_init(&summary, 8192);
    if ((r = ferry_trust_keys(s, 0, &me, &peers, &npeers)) != FERRY_OK)
        goto out;
    if ((r = ferry_file_read(request_path, FERRY_RMS_MAX_REQUEST, &req, &reqlen)) != FERRY_OK)
        goto out;
    if ((r = payload_load(s, request_path, req, reqlen, &p)) != FERRY_OK)
        goto out;
    if ((r = build_manifest(request_path, req, reqlen, &p, ferry_identity_name(me), &m)) !=
        FERRY_OK)
        goto out;
    if ((r = ferry_package_sign(m, me, &pkg, &pkglen)) != FERRY_OK)
        goto out;
    ferry_sha256(pkg, pkglen, res->package_sha256);
    ferry_transfer_id_hex(m->transfer_id, res->transfer_id);
    snprintf(name, sizeof(name), "request-%.8s.ferry", res->transfer_id);
    if ((r = summary_text(m, request_path, &p, res->package_sha256, me, &summary)) != FERRY_OK)
        goto out;
    saved = 1;
    if ((r = keep(home, m, req, reqlen, pkg, pkglen)) != FERRY_OK)
        goto out;
    if ((r = ferry_medium_write(
             to, name, pkg, pkglen, (const char *)summary.data,
             ferry_medium_label(qo, "ferry transfer", res->transfer_id, &q2, label, sizeof(label)),
             &res->where)) != FERRY_OK ||
        (r = ferry_runbook_keep_qr(to, home, m->transfer_id, ".qr", pkg, pkglen, qo)) != FERRY_OK)
        goto out;
    if ((r = record(s, m, request_path, &p, res->package_sha256, peers, npeers,
                    ferry_medium_kind_name(to->kind))) != FERRY_OK) {
        r = ferry_medium_take_back(to, name, r, "nothing was exported");
        goto out;
    }
    saved = 0;
    ferry_store_audit(s, "export", res->transfer_id);
    res->paired = npeers > 0;
    r = fill_result(&p, name, res);
out:
    if (saved)
        unkeep(home, m);
    ferry_buf_free(&summary);
    ferry_manifest_free(m);
    payload_clear(&p);
    ferry_identity_free(me);
    ferry_store_peers_free(peers, npeers);
    free(req);
    free(pkg);
    if (r != FERRY_OK)
        ferry_export_result_clear(res);
    return r;
}

void ferry_export_result_clear(struct ferry_export_result *res)
{
    FERRY_FREE(res->package_name);
    FERRY_FREE(res->where);
    FERRY_FREE(res->server_name);
    FERRY_FREE(res->guid);
    FERRY_FREE(res->cert_path);
}
