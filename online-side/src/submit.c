/* ferry-online submit: request packages in, answers out. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/inbox.h"
#include "ferry/kind.h"
#include "ferry/log.h"
#include "ferry/online.h"
#include "ferry/package.h"
#include "ferry/rms.h"
#include "ferry/statefile.h"
#include "ferry/runbook_store.h"
#include "ferry/medium.h"
#include "ferry/usb.h"
#include "ferry/x509.h"

struct work;

struct submit_ctx {
    struct ferry_store *s;
    struct ferry_identity *me;     /* borrowed from the receive run (ferry_inbox) */
    struct ferry_identity **peers; /* likewise */
    const struct ferry_submit_opts *o;
    const char *from; /* the medium's name the requests came on ("usb", "images", ...) */
    const char *url;
    STACK_OF(X509) * cas; /* EST: /cacerts, fetched once for the whole medium */
    ferry_err cas_err;
    char cas_msg[600];
    struct ferry_submit_result *res;
    struct work *w; /* the requests taken off the medium, for the batch */
    size_t nw;
};

/* What one request's result owns (ferry_submit_result_clear). */
static void one_clear(void *item)
{
    struct ferry_submit_one *o = item;

    FERRY_FREE_ALL(o->server_name, o->guid, o->sender_name, o->where, o->package_name, o->changes);
}

#define PARALLEL_DEFAULT 4
#define PARALLEL_MAX     64
#define REFUSED_EXT      ".refused.pem" /* HOME/certs/<id>: a chain the CA issued, not packaged */

/* The answer item's name for the request item @req, as the kind names it ("<name>SLC.xml",
 * "<base>.chain.pem"), or its fallback where a medium would refuse it. */
static void answer_name(const struct ferry_kind_info *k, const char *req, char *out, size_t outsz)
{
    k->answer_name(req, out, outsz);
    if (!ferry_usb_name_ok(out))
        snprintf(out, outsz, "%s", k->answer_fallback);
}

/* The TLS anchor the service was reached over, for the offline side's next runbook. */
static ferry_err anchor_props(struct ferry_manifest *m, const struct ferry_submit_opts *o)
{
    char iso[21];
    ferry_err r = FERRY_OK;

    if (o->tls_anchor_sha256 == NULL)
        return FERRY_OK;
    ferry_time_iso(o->tls_anchor_not_after, iso);
    if ((r = ferry_manifest_set_prop(m, "tls_anchor_sha256", o->tls_anchor_sha256)) == FERRY_OK &&
        o->tls_anchor_subject != NULL)
        r = ferry_manifest_set_prop(m, "tls_anchor_subject", o->tls_anchor_subject);
    if (r == FERRY_OK && o->tls_anchor_not_after != 0)
        r = ferry_manifest_set_prop(m, "tls_anchor_not_after", iso);
    return r;
}

/* The answer manifest's frame: direction, the request it answers, common properties. */
static ferry_err answer_new(const struct ferry_manifest *req, const uint8_t req_sha[32],
                            struct submit_ctx *c, const struct ferry_kind_info *k, time_t until,
                            struct ferry_manifest **out)
{
    struct ferry_manifest *m = NULL;
    char iso[21];
    ferry_err r;

    *out = NULL;
    if ((r = ferry_manifest_new(FERRY_DIR_TO_OFFLINE, &m)) != FERRY_OK)
        return r;
    m->is_response = 1;
    memcpy(m->answers_id, req->transfer_id, FERRY_TRANSFER_ID_LEN);
    memcpy(m->answers_sha256, req_sha, FERRY_SHA256_LEN);
    ferry_time_iso(until, iso);
    if ((r = ferry_manifest_set_prop(m, "kind", k->name)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "new_not_after", iso)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "service", c->url)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "sender_name", ferry_identity_name(c->me))) != FERRY_OK ||
        (r = anchor_props(m, c->o)) != FERRY_OK)
        ferry_manifest_free(m);
    else
        *out = m;
    return r;
}

/* "<name>SLC.xml" -> "<name>EnrollResponse.xml": the service's raw answer, kept for audit. */
static void raw_name(const char *slc, char *out, size_t outsz)
{
    size_t l = strlen(slc);

    if (l > 7 && strcmp(slc + l - 7, "SLC.xml") == 0)
        snprintf(out, outsz, "%.*sEnrollResponse.xml", (int)(l - 7), slc);
    else
        snprintf(out, outsz, "EnrollResponse.xml");
    if (!ferry_usb_name_ok(out))
        snprintf(out, outsz, "EnrollResponse.xml");
}

/*
 * The RMS answer package: the 3.6.4.2.1.2 response document built from the four verified XrML
 * strings (what the RMS console imports; import re-verifies it and writes exactly these bytes),
 * and the service's raw SOAP answer for audit.
 */
static ferry_err answer_manifest(const struct ferry_manifest *req, const uint8_t req_sha[32],
                                 const struct ferry_item *ri, const struct ferry_http_result *hr,
                                 const struct ferry_rms_response *resp, struct submit_ctx *c,
                                 const struct ferry_submit_one *o, struct ferry_manifest **out)
{
    struct ferry_manifest *m = NULL;
    const struct ferry_kind_info *k = ferry_kind_get(o->kind);
    char name[160], raw[180], iso[21], hex[65];
    const char *guid = ferry_manifest_prop(req, "guid");
    uint8_t *doc = NULL;
    size_t dlen = 0;
    ferry_err r;

    *out = NULL;
    answer_name(k, ri->name, name, sizeof(name));
    raw_name(name, raw, sizeof(raw));
    if (hr == NULL) { /* the upload page's response document: packaged as it came */
        if ((doc = malloc(c->o->answer_len)) == NULL)
            return FERRY_ERR_NOMEM;
        memcpy(doc, c->o->answer_doc, c->o->answer_len);
        dlen = c->o->answer_len;
    } else if ((r = ferry_rms_response_document(resp, &doc, &dlen)) != FERRY_OK) {
        return r;
    }
    if ((r = answer_new(req, req_sha, c, k, resp->chain[0].renew_by, &m)) != FERRY_OK)
        goto out;
    ferry_time_iso(resp->chain[0].until, iso);
    ferry_hex(resp->root_fp, 32, hex);
    if ((r = ferry_manifest_add_item(m, name, k->answer_item, doc, dlen)) != FERRY_OK ||
        (hr != NULL && (r = ferry_manifest_add_item(m, raw, FERRY_ITEM_RMS_SERVICE_ANSWER, hr->body,
                                                    hr->len)) != FERRY_OK) ||
        (r = ferry_manifest_set_prop(m, "valid_until", iso)) != FERRY_OK ||
        (r = ferry_manifest_set_prop(m, "drm_root_sha256", hex)) != FERRY_OK)
        goto out;
    ferry_hex(o->posted_sha256, 32, hex);
    if (hr != NULL && (r = ferry_manifest_set_prop(m, "posted_sha256", hex)) != FERRY_OK)
        goto out;
    if (o->server_name != NULL &&
        (r = ferry_manifest_set_prop(m, "server_name", o->server_name)) != FERRY_OK)
        goto out;
    if (guid != NULL && (r = ferry_manifest_set_prop(m, "guid", guid)) != FERRY_OK)
        goto out;
    *out = m;
    m = NULL;
out:
    ferry_manifest_free(m);
    free(doc);
    return r;
}

/* The note beside the answer: the values the runbook's import step lists, with its words and in
 * its order, as import shows them before it writes the certificate. */
static ferry_err summary_text(const struct ferry_manifest *m, const struct ferry_submit_one *o,
                              const uint8_t sha[32], const struct ferry_identity *me,
                              struct ferry_buf *b)
{
    char groups[FERRY_FP_GROUPS_LEN], fp[FERRY_FP_GROUPS_LEN], until[21], valid[21], id[33];
    char label[32];
    const struct ferry_kind_info *k = ferry_kind_get(o->kind);
    const char *name = ferry_identity_name(me);
    int x = o->kind == FERRY_KIND_X509;
    ferry_err r;

    snprintf(label, sizeof(label), "%s:", k->subject_label);
    ferry_hex_groups(sha, FERRY_SHA256_LEN, groups);
    ferry_identity_fingerprint_groups(me, fp);
    ferry_time_minute(o->new_not_after, until);
    ferry_time_minute(o->valid_until, valid);
    ferry_transfer_id_hex(m->transfer_id, id);
    r = ferry_buf_printf(b,
                         "ferry answer package (package id %s)\n"
                         "What:                 %s\n"
                         "Transfer id:          %s\n"
                         "Package SHA-256:      %s\n"
                         "Sender:               %s\n"
                         "Sender fingerprint:   %s\n"
                         "%-21s %s\n",
                         id, k->answer_what, o->transfer_id, groups, name ? name : "(unnamed)", fp,
                         label, o->server_name ? o->server_name : "(unknown)");
    if (r == FERRY_OK && !x && o->guid != NULL)
        r = ferry_buf_printf(b, "Server GUID:          %s\n", o->guid);
    if (r == FERRY_OK)
        r = ferry_buf_printf(b, "New expiry:           %s%s\n", until,
                             x ? "" : " (the SLC's renewal date, RANGETIME)");
    if (r == FERRY_OK && !x)
        r = ferry_buf_printf(b, "Valid until (VALIDITYTIME): %s\n", valid);
    if (r != FERRY_OK)
        return r;
    return ferry_buf_printf(b, "\nNext step: on the offline machine run\n"
                               "  ferry-offline import --from usb\n"
                               "and check that it shows these values, in this order, with the "
                               "printed runbook,\nbefore it writes the certificate (--confirm "
                               "makes it ask).\n");
}

/* Records the request as submitted (after its answer is on the medium): added, or updated
 * when it was submitted before (--again). Nothing is recorded for a failed submission. */
static ferry_err record(struct submit_ctx *c, const struct ferry_manifest *req,
                        const uint8_t req_sha[32], const struct ferry_item *ri,
                        const struct ferry_submit_one *o, size_t fp_idx)
{
    struct ferry_transfer t;
    uint8_t fp[FERRY_SHA256_LEN];
    char fphex[65];

    memset(&t, 0, sizeof(t));
    memcpy(t.id, req->transfer_id, sizeof(t.id));
    t.direction = FERRY_DIR_TO_ONLINE;
    t.state = FERRY_TS_SUBMITTED;
    memcpy(t.package_sha256, req_sha, FERRY_SHA256_LEN);
    memcpy(t.payload_sha256, ri->sha256, FERRY_SHA256_LEN);
    t.kind = o->kind;
    t.subject = o->server_name;
    t.source_path = ferry_usb_name_ok(ri->name) ? (char *)ri->name : NULL; /* the request file */
    t.guid = o->guid;
    ferry_identity_fingerprint(c->peers[fp_idx], fp);
    ferry_hex(fp, sizeof(fp), fphex);
    t.peer_fp = fphex;
    t.service = (char *)c->url;
    t.created = t.updated = ferry_time_now();
    t.request_medium = (char *)c->from;
    t.answer_medium = (char *)ferry_medium_kind_name(c->o->to->kind);
    t.new_not_after = o->new_not_after;
    t.valid_until = o->valid_until;
    if (o->kind != FERRY_KIND_X509 && !o->from_page) {
        memcpy(t.posted_sha256, o->posted_sha256, FERRY_SHA256_LEN);
        t.has_posted = 1;
    }
    /* one transaction: the transfer (new, or --again) and the request package seen, by the
     * digest of what was signed (see submitted_before) */
    return ferry_store_transfer_submitted(c->s, &t, req->content_sha256);
}

/* RMS --web: the carried request file, byte-exact under the name it had, for the operator to
 * upload on Microsoft's page; nothing is sent. */
static ferry_err web_request(struct submit_ctx *c, const struct ferry_item *ri,
                             struct ferry_submit_one *o)
{
    char *path = NULL;
    ferry_err r;

    if (!ferry_usb_name_ok(ri->name))
        return ferry_errf(FERRY_ERR_FORMAT,
                          "the carried request's name \"%s\" is not a plain "
                          "file name: export it again",
                          ri->name);
    if ((path = ferry_path_join(c->o->web_dir, ri->name)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = ferry_file_write_atomic(path, ri->data, ri->len, 0644)) != FERRY_OK)
        r = ferry_errf(r, "%s: %s; check --web DIR exists and is writable", path,
                       ferry_err_detail());
    o->web = 1;
    o->where = path;
    return r;
}

/* RMS --answer-file: the response document the upload page returned, verified and bound to the
 * request exactly as a SOAP answer is, then packaged byte-exact. */
static ferry_err page_answer(struct submit_ctx *c, const struct ferry_manifest *req,
                             const uint8_t req_sha[32], const struct ferry_item *ri,
                             const struct ferry_rms_request *rq, struct ferry_submit_one *o,
                             struct ferry_manifest **ans)
{
    struct ferry_rms_response *resp = NULL;
    ferry_err r;

    o->from_page = 1;
    if ((r = ferry_rms_response_parse(c->o->answer_doc, c->o->answer_len, &resp)) == FERRY_OK &&
        resp->form != FERRY_RMS_ANSWER_DOCUMENT)
        r = ferry_errf(FERRY_ERR_FORMAT, "it is a SOAP answer, not the page's response document");
    if (r != FERRY_OK || (r = ferry_rms_check(rq, resp, ferry_time_now())) != FERRY_OK ||
        (r = ferry_rms_check_root(resp, c->o->drm_root)) != FERRY_OK) {
        r = ferry_errf(r, "%s was refused: %s; nothing was packaged", c->o->answer_name,
                       ferry_err_detail());
        goto out;
    }
    o->new_not_after = resp->chain[0].renew_by;
    o->valid_until = resp->chain[0].until;
    memcpy(o->root_fp, resp->root_fp, 32);
    r = answer_manifest(req, req_sha, ri, NULL, resp, c, o, ans);
out:
    ferry_rms_response_free(resp);
    return r;
}

/* RMS: posts the request (the carried file itself when it is a complete SOAP Enroll, else the
 * WSDL's envelope built from it), verifies the answer's XrML chain and its binding to the
 * request @rq (parsed by prepare), checks the pinned root if any, and builds the answer
 * manifest. */
static ferry_err rms_answer(struct submit_ctx *c, const struct ferry_usb_file *f,
                            const struct ferry_manifest *req, const uint8_t req_sha[32],
                            const struct ferry_item *ri, const struct ferry_rms_request *rq,
                            struct ferry_submit_one *o, struct ferry_manifest **ans)
{
    struct ferry_http_result hr;
    struct ferry_rms_response *resp = NULL;
    char g1[FERRY_FP_GROUPS_LEN], g2[FERRY_FP_GROUPS_LEN];
    uint8_t *post = NULL;
    size_t postlen = 0;
    ferry_err r;

    memset(&hr, 0, sizeof(hr));
    if (c->o->web_dir != NULL)
        return web_request(c, ri, o);
    if (c->o->answer_doc != NULL)
        return page_answer(c, req, req_sha, ri, rq, o, ans);
    if ((r = ferry_rms_envelope(ri->data, ri->len, rq, &post, &postlen, &o->posted_as_is)) !=
        FERRY_OK)
        goto out;
    ferry_sha256(post, postlen, o->posted_sha256);
    ferry_hex_groups(o->request_sha256, 32, g1);
    ferry_hex_groups(o->posted_sha256, 32, g2);
    ferry_log(FERRY_LOG_INFO, "%s: submitting transfer %.8s for %s to %s", f->name, o->transfer_id,
              o->server_name ? o->server_name : rq->guid, c->url);
    ferry_log(FERRY_LOG_INFO, "request file SHA-256 %s; posted %s (%s)", g1, g2,
              o->posted_as_is ? "the file as it is: a SOAP Enroll with VersionData"
                              : "the WSDL's SOAP envelope built from the file");
    r = ferry_enroll_rms(c->url, post, postlen, &c->o->http, &hr);
    o->attempts = hr.attempts;
    if (r != FERRY_OK)
        goto out;
    if ((r = ferry_rms_response_parse(hr.body, hr.len, &resp)) != FERRY_OK ||
        (r = ferry_rms_check(rq, resp, ferry_time_now())) != FERRY_OK ||
        (r = ferry_rms_check_root(resp, c->o->drm_root)) != FERRY_OK) {
        r = ferry_errf(r, "the service's answer was refused: %s", ferry_err_detail());
        goto out;
    }
    o->new_not_after = resp->chain[0].renew_by;
    o->valid_until = resp->chain[0].until;
    memcpy(o->root_fp, resp->root_fp, 32);
    r = answer_manifest(req, req_sha, ri, &hr, resp, c, o, ans);
out:
    ferry_http_result_free(&hr);
    ferry_rms_response_free(resp);
    free(post);
    return r;
}

/* One EST exchange's certificates: /cacerts (@csr NULL) or the enrollment answer. */
static ferry_err est_certs(struct submit_ctx *c, const struct ferry_item *csr,
                           struct ferry_submit_one *o, STACK_OF(X509) * *out)
{
    struct ferry_http_result hr;
    ferry_err r;

    memset(&hr, 0, sizeof(hr));
    if (csr == NULL)
        r = ferry_enroll_est_cacerts(c->url, &c->o->http, &hr);
    else
        r = ferry_enroll_est_simpleenroll(c->url, csr->data, csr->len, !c->o->est_enroll,
                                          &c->o->http, &hr);
    if (o != NULL)
        o->attempts += hr.attempts;
    if (r == FERRY_OK && (r = ferry_x509_certs_parse(hr.body, hr.len, out)) != FERRY_OK)
        r = ferry_errf(r, "the service's %s answer was refused: %s",
                       csr == NULL ? "/cacerts" : "enrollment", ferry_err_detail());
    ferry_http_result_free(&hr);
    return r;
}

/* Keeps a chain the CA issued but submit did not package, so it is not lost. */
static void keep_refused(struct submit_ctx *c, const struct ferry_manifest *req, X509 *leaf,
                         STACK_OF(X509) * issued, STACK_OF(X509) * cas, char *where, size_t cap)
{
    char *pem = NULL, *path;
    size_t len = 0;

    snprintf(where, cap, "(nowhere: it could not be written: %s)", "see the messages above");
    if (ferry_x509_chain_pem(leaf, issued, cas, &pem, &len) != FERRY_OK ||
        ferry_state_save(ferry_store_home(c->s), "certs", req->transfer_id, REFUSED_EXT,
                         (uint8_t *)pem, len) != FERRY_OK)
        goto out;
    if ((path = ferry_state_path(ferry_store_home(c->s), "certs", req->transfer_id, REFUSED_EXT)) !=
        NULL)
        snprintf(where, cap, "%s", path);
    free(path);
out:
    OPENSSL_free(pem);
}

/* "a\nb\n" -> "a; b" */
static void one_line(const char *text, char *out, size_t cap)
{
    size_t i, k = 0;

    for (i = 0; text[i] != '\0' && k + 3 < cap; i++) {
        if (text[i] != '\n') {
            out[k++] = text[i];
        } else if (text[i + 1] != '\0') {
            out[k++] = ';';
            out[k++] = ' ';
        }
    }
    out[k] = '\0';
}

/* Checks the issued certificate (the request's key, the /cacerts chain, validity), compares it
 * with the request, and builds the answer: the PEM chain, leaf first. What the CA changed goes to
 * o->changes; a refused certificate is kept in the state. */
static ferry_err est_package(struct submit_ctx *c, const struct ferry_manifest *req,
                             const uint8_t req_sha[32], const struct ferry_item *ri, X509_REQ *csr,
                             STACK_OF(X509) * issued, STACK_OF(X509) * cas,
                             struct ferry_submit_one *o, struct ferry_manifest **ans)
{
    const struct ferry_kind_info *k = ferry_kind_get(o->kind);
    struct ferry_x509_info info;
    struct ferry_x509_diff d;
    X509 *leaf = NULL;
    char *pem = NULL, name[160], where[600], diff[1200];
    size_t len = 0;
    ferry_err r;
    int i;

    for (i = 0; i < sk_X509_num(issued) && leaf == NULL; i++)
        if (ferry_x509_key_match(sk_X509_value(issued, i), csr))
            leaf = sk_X509_value(issued, i);
    if (leaf == NULL)
        return ferry_errf(FERRY_ERR_MISMATCH, "the service's answer was refused: no certificate "
                                              "in it carries the request's public key");
    if ((r = ferry_x509_chain_check(leaf, issued, cas, ferry_time_now())) != FERRY_OK ||
        (r = ferry_x509_info_get(leaf, &info)) != FERRY_OK ||
        (r = ferry_x509_compare(csr, NULL, leaf, &d)) != FERRY_OK)
        return ferry_errf(r, "the service's answer was refused: %s", ferry_err_detail());
    if (d.n > 0 && (o->changes = strdup(d.text)) == NULL)
        return FERRY_ERR_NOMEM;
    one_line(d.text, diff, sizeof(diff));
    if (d.subject || (d.missing && !c->o->accept_changes)) {
        keep_refused(c, req, leaf, issued, cas, where, sizeof(where));
        return ferry_errf(
            FERRY_ERR_MISMATCH,
            "the CA changed the certificate: %s. Not packaged; the certificate it issued is "
            "kept in %s. %s",
            diff, where,
            d.subject ? "Import refuses another subject: ask the CA to keep the subject, then "
                        "submit again"
                      : "If it will do as it is, run the same submit again with "
                        "--accept-changes: it packages the kept certificate without enrolling "
                        "again; otherwise ask the CA to keep what the request asks for, and "
                        "submit again");
    }
    if (d.n > 0)
        ferry_log(FERRY_LOG_WARN, "transfer %.8s: the CA changed the certificate: %s%s",
                  o->transfer_id, diff, d.missing ? " (accepted: --accept-changes)" : "");
    o->new_not_after = info.not_after;
    answer_name(k, ri->name, name, sizeof(name));
    if ((r = ferry_x509_chain_pem(leaf, issued, cas, &pem, &len)) != FERRY_OK ||
        (r = answer_new(req, req_sha, c, k, info.not_after, ans)) != FERRY_OK)
        goto out;
    if ((r = ferry_manifest_add_item(*ans, name, k->answer_item, (uint8_t *)pem, len)) !=
            FERRY_OK ||
        (r = ferry_manifest_set_prop(*ans, "subject", info.subject)) != FERRY_OK) {
        ferry_manifest_free(*ans);
        *ans = NULL;
    }
out:
    OPENSSL_free(pem);
    return r;
}

/* --accept-changes: the chain kept from an earlier refusal, instead of enrolling again. */
static ferry_err kept_chain(struct submit_ctx *c, const struct ferry_manifest *req,
                            STACK_OF(X509) * *issued)
{
    uint8_t *d = NULL;
    size_t n = 0;
    ferry_err r;

    *issued = NULL;
    if (!c->o->accept_changes ||
        ferry_state_load(ferry_store_home(c->s), "certs", req->transfer_id, REFUSED_EXT,
                         FERRY_X509_MAX_CHAIN, &d, &n) != FERRY_OK)
        return FERRY_ERR_NOT_FOUND;
    r = ferry_x509_certs_parse(d, n, issued);
    free(d);
    return r;
}

/* X.509: the PKCS#10 byte-exact to /simplereenroll (or /simpleenroll), checked against the
 * /cacerts fetched once for the medium; @csr parsed by prepare. */
static ferry_err est_answer(struct submit_ctx *c, const struct ferry_usb_file *f,
                            const struct ferry_manifest *req, const uint8_t req_sha[32],
                            const struct ferry_item *ri, X509_REQ *csr, struct ferry_submit_one *o,
                            struct ferry_manifest **ans)
{
    STACK_OF(X509) *issued = NULL;
    ferry_err r;

    if (c->cas == NULL) {
        r = ferry_errf(c->cas_err, "%s", c->cas_msg);
        goto out;
    }
    if (kept_chain(c, req, &issued) == FERRY_OK) {
        ferry_log(FERRY_LOG_INFO,
                  "%s: transfer %.8s: packaging the certificate the CA issued before (kept "
                  "when it was refused), without enrolling again",
                  f->name, o->transfer_id);
    } else {
        ferry_log(FERRY_LOG_INFO, "%s: submitting transfer %.8s for %s to %s (EST %s)", f->name,
                  o->transfer_id, o->server_name, c->url,
                  c->o->est_enroll ? "simpleenroll" : "simplereenroll");
        if ((r = est_certs(c, ri, o, &issued)) != FERRY_OK)
            goto out;
    }
    r = est_package(c, req, req_sha, ri, csr, issued, c->cas, o, ans);
out:
    sk_X509_pop_free(issued, X509_free);
    return r;
}

/* Signs the answer, keeps it in the state and writes it to the medium (o->where and
 * o->package_name set). A failure leaves the state as it was. On a USB medium this runs in the
 * worker threads (each answer its own files); the QR media are written by the main thread. */
static ferry_err deliver_write(struct submit_ctx *c, const struct ferry_manifest *req,
                               struct ferry_manifest *ans, struct ferry_submit_one *o)
{
    struct ferry_buf summary;
    uint8_t *pkg = NULL;
    size_t pkglen = 0;
    char name[64], label[64];
    struct ferry_qr_opts q2;
    struct ferry_file_id kept;
    ferry_err r;

    memset(&kept, 0, sizeof(kept));
    ferry_buf_init(&summary, 8192);
    if ((r = ferry_package_sign(ans, c->me, &pkg, &pkglen)) != FERRY_OK)
        goto out;
    ferry_sha256(pkg, pkglen, o->answer_sha256);
    snprintf(name, sizeof(name), "response-%.8s.ferry", o->transfer_id);
    if ((r = summary_text(ans, o, o->answer_sha256, c->me, &summary)) != FERRY_OK ||
        (r = ferry_state_save_id(ferry_store_home(c->s), "packages", req->transfer_id,
                                 ".answer.ferry", pkg, pkglen, &kept)) != FERRY_OK ||
        (r = ferry_medium_write(c->o->to, name, pkg, pkglen, (const char *)summary.data,
                                ferry_medium_label(c->o->qo, "ferry answer", o->transfer_id, &q2,
                                                   label, sizeof(label)),
                                &o->where)) != FERRY_OK ||
        (r = ferry_runbook_keep_qr(c->o->to, ferry_store_home(c->s), req->transfer_id, ".answer.qr",
                                   pkg, pkglen, c->o->qo)) != FERRY_OK)
        goto out;
    if ((o->package_name = strdup(name)) == NULL)
        r = ferry_medium_take_back(c->o->to, name, FERRY_ERR_NOMEM, "submit again");
out:
    if (r != FERRY_OK) { /* a failed submission leaves the state as it was */
        ferry_state_remove_own(ferry_store_home(c->s), "packages", req->transfer_id,
                               ".answer.ferry", &kept);
        ferry_state_remove(ferry_store_home(c->s), "packages", req->transfer_id, ".answer.qr");
    }
    ferry_buf_free(&summary);
    free(pkg);
    return r;
}

/* Marks the request submitted (the main thread: the ledger); if the ledger refuses, the answer
 * is taken back off the medium and out of the state. */
static ferry_err deliver_record(struct submit_ctx *c, const struct ferry_manifest *req,
                                const uint8_t req_sha[32], const struct ferry_item *ri,
                                size_t signer, struct ferry_submit_one *o)
{
    ferry_err r;

    if ((r = record(c, req, req_sha, ri, o, signer)) != FERRY_OK) {
        r = ferry_medium_take_back(c->o->to, o->package_name, r,
                                   "the answer was taken off the medium, submit again");
        ferry_state_remove(ferry_store_home(c->s), "packages", req->transfer_id, ".answer.ferry");
        ferry_state_remove(ferry_store_home(c->s), "packages", req->transfer_id, ".answer.qr");
        return r;
    }
    ferry_store_audit(c->s, "submit", o->transfer_id);
    return FERRY_OK;
}

/* The request item this protocol takes, or a refusal that says which protocol it needs. */
static ferry_err pick_item(struct submit_ctx *c, const struct ferry_manifest *req,
                           const struct ferry_item **ri)
{
    const struct ferry_item *rms = ferry_manifest_find(req, FERRY_ITEM_RMS_REQUEST);
    const struct ferry_item *csr = ferry_manifest_find(req, FERRY_ITEM_PKCS10);

    *ri = c->o->est ? csr : rms;
    if (*ri != NULL)
        return FERRY_OK;
    if (c->o->est && rms != NULL)
        return ferry_errf(FERRY_ERR_USAGE, "the package carries an RMS request: submit it with "
                                           "--protocol rms");
    if (!c->o->est && csr != NULL)
        return ferry_errf(FERRY_ERR_USAGE, "the package carries an X.509 request (PKCS#10): "
                                           "submit it with --protocol est --service URL");
    return ferry_errf(FERRY_ERR_FORMAT, "the package carries no %s request",
                      c->o->est ? "PKCS#10" : "RMS");
}

/* One request package of the medium, through the batch. */
struct work {
    struct ferry_usb_file *f;
    struct ferry_manifest *req;
    size_t signer;
    struct ferry_submit_one *o;
    uint8_t req_sha[FERRY_SHA256_LEN];
    const struct ferry_item *ri;
    struct ferry_rms_request *rq; /* RMS: the request, parsed before anything is sent */
    X509_REQ *csr;                /* EST: the PKCS#10, likewise */
    struct ferry_manifest *ans;   /* the worker's answer */
    int written;                  /* signed, kept and on the medium (USB: by the worker) */
};

struct batch {
    struct submit_ctx *c;
    struct work *w;
    size_t n, next;
    pthread_mutex_t lock;
};

/* The network part of one package (in a worker thread: it touches neither the store nor the
 * medium): the request to the service, the answer checked and made into a manifest. */
static void answer_one(struct submit_ctx *c, struct work *w)
{
    ferry_err r;

    ferry_err_clear();
    if (c->o->est)
        r = est_answer(c, w->f, w->req, w->req_sha, w->ri, w->csr, w->o, &w->ans);
    else
        r = rms_answer(c, w->f, w->req, w->req_sha, w->ri, w->rq, w->o, &w->ans);
    if (r == FERRY_OK && w->ans != NULL && c->o->to->kind == FERRY_MEDIUM_USB &&
        (r = deliver_write(c, w->req, w->ans, w->o)) == FERRY_OK)
        w->written = 1;
    w->o->err = r;
    if (r != FERRY_OK)
        snprintf(w->o->message, sizeof(w->o->message), "%s", ferry_err_detail());
}

static void *worker(void *arg)
{
    struct batch *b = arg;
    size_t i;

    for (;;) {
        pthread_mutex_lock(&b->lock);
        i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->n)
            return NULL;
        answer_one(b->c, &b->w[i]);
    }
}

/* Runs answer_one over @w on up to @par threads (the calling one included). */
static void run_batch(struct submit_ctx *c, struct work *w, size_t n, int par)
{
    struct batch b = {c, w, n, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t t[PARALLEL_MAX];
    int k, started = 0;

    xmlInitParser(); /* once, before threads parse */
    for (k = 1; k < par && (size_t)k < n; k++)
        if (pthread_create(&t[started], NULL, worker, &b) == 0)
            started++;
    worker(&b);
    for (k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    pthread_mutex_destroy(&b.lock);
}

/* EST: the CA certificates, once for every request of the medium. */
static void fetch_cas(struct submit_ctx *c)
{
    ferry_err_clear();
    if ((c->cas_err = est_certs(c, NULL, NULL, &c->cas)) != FERRY_OK)
        snprintf(c->cas_msg, sizeof(c->cas_msg), "%s", ferry_err_detail());
}

/* 1 if this request was submitted before: keyed on what its sender signed (the transfer id,
 * the manifest's digest), so a copy whose signature was re-encoded (ECDSA s -> n - s, still
 * valid) is recognised too; the file's own digest only for ledgers written before. */
static int submitted_before(struct submit_ctx *c, const struct ferry_manifest *m,
                            const uint8_t file_sha[FERRY_SHA256_LEN])
{
    struct ferry_transfer *t = NULL;
    int done = 0;

    if (ferry_store_package_seen(c->s, m->content_sha256) ||
        ferry_store_package_seen(c->s, file_sha))
        return 1;
    if (ferry_store_transfer_get(c->s, m->transfer_id, &t) == FERRY_OK)
        done = t->state == FERRY_TS_SUBMITTED;
    else
        ferry_err_clear();
    ferry_transfer_free(t);
    return done;
}

/* One request package off the medium (@p; NULL when it was refused with @err): taken for the
 * batch (its bytes kept), or refused now when it was submitted before (without --again). */
static void submit_take(void *ctx, struct ferry_inbox *ib, struct ferry_usb_file *f, ferry_err err,
                        struct ferry_inbox_pkg *p, int *keep)
{
    struct submit_ctx *c = ctx;
    struct ferry_submit_one *o = &c->res->items[c->res->n++];
    struct ferry_transfer *t = NULL;
    uint8_t sha[FERRY_SHA256_LEN];
    char when[11];

    (void)ib;
    snprintf(o->file, sizeof(o->file), "%s", f->name);
    if (p != NULL) {
        ferry_transfer_id_hex(p->m->transfer_id, o->transfer_id);
        ferry_sha256(f->data, f->len, sha);
        if (c->o->again || !submitted_before(c, p->m, sha)) {
            c->w[c->nw++] = (struct work){.f = f, .req = p->m, .signer = p->signer, .o = o};
            p->m = NULL;
            *keep = 1;
            return;
        }
        if (ferry_store_transfer_get(c->s, p->m->transfer_id, &t) == FERRY_OK)
            ferry_time_date(t->updated, when);
        else
            snprintf(when, sizeof(when), "earlier");
        ferry_transfer_free(t);
        err = ferry_errf(FERRY_ERR_REPLAY,
                         "transfer %.8s was submitted already (%s); its answer is "
                         "response-%.8s.ferry. Use --again to submit it once more",
                         o->transfer_id, when, o->transfer_id);
    }
    o->err = err;
    snprintf(o->message, sizeof(o->message), "%s", ferry_err_detail());
}

/* What the runbook's submit step lists, known before anything is sent: the package's digest,
 * its signer, the request's server name and GUID (RMS) or subject (X.509). The request is parsed
 * here, once, for the worker. */
static ferry_err prepare(struct submit_ctx *c, struct work *w)
{
    struct ferry_submit_one *o = w->o;
    const char *sender = ferry_identity_name(c->peers[w->signer]);
    char subject[512];
    ferry_err r;

    ferry_sha256(w->f->data, w->f->len, w->req_sha);
    memcpy(o->package_sha256, w->req_sha, FERRY_SHA256_LEN);
    ferry_identity_fingerprint(c->peers[w->signer], o->sender_fp);
    if ((o->sender_name = strdup(sender != NULL ? sender : "")) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = pick_item(c, w->req, &w->ri)) != FERRY_OK)
        return r;
    o->kind = c->o->est ? FERRY_KIND_X509 : FERRY_KIND_RMS;
    if (c->o->est) {
        if ((r = ferry_x509_csr_parse(w->ri->data, w->ri->len, &w->csr)) != FERRY_OK)
            return r;
        ferry_x509_req_subject(w->csr, subject, sizeof(subject));
        return (o->server_name = strdup(subject)) == NULL ? FERRY_ERR_NOMEM : FERRY_OK;
    }
    if ((r = ferry_rms_request_parse(w->ri->data, w->ri->len, &w->rq)) != FERRY_OK ||
        (r = ferry_rms_server_name(w->ri->name, w->rq, &o->server_name, &o->server_name_from)) !=
            FERRY_OK)
        return r;
    if ((o->guid = strdup(w->rq->guid)) == NULL)
        return FERRY_ERR_NOMEM;
    ferry_sha256(w->ri->data, w->ri->len, o->request_sha256);
    return FERRY_OK;
}

/* A package leaves the batch: its manifest, parsed request and bytes are not kept. */
static void work_drop(struct work *w)
{
    ferry_manifest_free(w->ans);
    ferry_manifest_free(w->req);
    ferry_rms_request_free(w->rq);
    X509_REQ_free(w->csr);
    ferry_usb_file_unload(w->f);
    memset(w, 0, sizeof(*w));
}

/* Prepares each request and shows it (o->check) before anything is sent; those that fail or
 * are declined leave the batch unsent. Returns how many stay, moved to the front of @w. */
static size_t prepare_all(struct submit_ctx *c, const struct ferry_submit_result *res,
                          struct work *w, size_t n)
{
    size_t i, kept = 0;

    for (i = 0; i < n; i++) {
        struct ferry_submit_one *o = w[i].o;

        ferry_err_clear();
        o->err = prepare(c, &w[i]);
        if (o->err == FERRY_OK && c->o->check != NULL && !c->o->check(c->o->check_ctx, res, o))
            o->err = ferry_errf(FERRY_ERR_DECLINED, "not submitted: the operator answered no; "
                                                    "nothing was sent to the service");
        if (o->err == FERRY_OK) {
            w[kept++] = w[i];
            continue;
        }
        snprintf(o->message, sizeof(o->message), "%s", ferry_err_detail());
        work_drop(&w[i]);
    }
    return kept;
}

/* Room for a result and a request per file on the medium. */
static ferry_err submit_begin(void *ctx, size_t n)
{
    struct submit_ctx *c = ctx;

    if ((c->res->items = calloc(n > 0 ? n : 1, sizeof(*c->res->items))) == NULL ||
        (c->w = calloc(n > 0 ? n : 1, sizeof(*c->w))) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

/* Submits the requests taken concurrently, then delivers each answer (signs, keeps, writes to
 * the medium, records) in the medium's order, whatever happened to the others; counts them. */
static void submit_batch(void *ctx, struct ferry_inbox *ib)
{
    struct submit_ctx *c = ctx;
    struct ferry_submit_result *res = c->res;
    struct work *w = c->w;
    size_t i, nw = c->nw;
    int par = c->o->parallel > 0 ? c->o->parallel : PARALLEL_DEFAULT;

    if (nw > 1 && c->o->answer_doc != NULL) { /* one answer binds one request */
        for (i = 0; i < nw; i++) {
            w[i].o->err = ferry_errf(FERRY_ERR_USAGE,
                                     "--answer-file answers one request, and the medium holds "
                                     "%zu not yet submitted: give --from usb:DIR with only the "
                                     "request package the page answered",
                                     nw);
            snprintf(w[i].o->message, sizeof(w[i].o->message), "%s", ferry_err_detail());
            ferry_manifest_free(w[i].req);
        }
        nw = 0;
    }
    nw = prepare_all(c, res, w, nw);
    if (nw > 0 && c->o->est)
        fetch_cas(c);
    if (nw > 0)
        run_batch(c, w, nw, par < PARALLEL_MAX ? par : PARALLEL_MAX);
    for (i = 0; i < nw; i++) {
        struct ferry_submit_one *o = w[i].o;
        if (o->err == FERRY_OK && o->web) {
            snprintf(o->message, sizeof(o->message), "written for the upload page");
        } else if (o->err == FERRY_OK) {
            ferry_err_clear();
            o->err = w[i].written ? FERRY_OK : deliver_write(c, w[i].req, w[i].ans, o);
            if (o->err == FERRY_OK)
                o->err = deliver_record(c, w[i].req, w[i].req_sha, w[i].ri, w[i].signer, o);
            snprintf(o->message, sizeof(o->message), "%s",
                     o->err == FERRY_OK ? "submitted" : ferry_err_detail());
        }
        if (o->err == FERRY_OK && o->kind == FERRY_KIND_X509 &&
            c->o->accept_changes) /* packaged: not kept twice */
            ferry_state_remove(ferry_store_home(c->s), "certs", w[i].req->transfer_id, REFUSED_EXT);
        if (o->err == FERRY_ERR_MISMATCH && o->changes != NULL)
            ferry_store_audit(c->s, "answer-refused", o->transfer_id);
        work_drop(&w[i]); /* delivered: its bytes are not kept */
    }
    c->nw = 0;
    for (i = 0; i < res->n; i++)
        ferry_inbox_count(ib, res->items[i].err, res->items[i].message);
}

static const struct ferry_inbox_side submit_side = {
    .direction = FERRY_DIR_TO_ONLINE,
    .begin = submit_begin,
    .take = submit_take,
    .batch = submit_batch,
};

ferry_err ferry_online_submit(struct ferry_store *s, const struct ferry_medium *from,
                              const struct ferry_submit_opts *o, struct ferry_submit_result *res)
{
    struct submit_ctx c = {.s = s, .from = ferry_medium_kind_name(from->kind), .res = res};
    struct ferry_submit_opts oo = *o; /* with a pool: a kept-open connection per worker */
    struct ferry_inbox ib;
    ferry_err r;

    memset(res, 0, sizeof(*res));
    memset(&ib, 0, sizeof(ib));
    c.o = &oo;
    c.url = o->answer_doc != NULL ? FERRY_RMS_UPLOAD_PAGE
            : o->service          ? o->service
                                  : FERRY_DEFAULT_RMS_URL;
    if (o->est && o->service == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "--protocol est needs --service URL (the EST base, "
                                           "e.g. https://ca.example)");
    if ((r = ferry_inbox_open(&ib, s, &res->ignored, &res->submitted, &res->skipped)) != FERRY_OK)
        goto out;
    c.me = ib.me;
    c.peers = ib.peers;
    res->service = c.url;
    ferry_identity_fingerprint(c.me, res->online_fp);
    if ((res->online_name = strdup(ferry_identity_name(c.me) ? ferry_identity_name(c.me) : "")) ==
        NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if (oo.http.pool == NULL && (r = ferry_http_pool_new(&oo.http.pool)) != FERRY_OK)
        goto out;
    r = ferry_inbox_run(&ib, from, &submit_side, &c);
out:
    if (oo.http.pool != o->http.pool)
        ferry_http_pool_free(oo.http.pool);
    sk_X509_pop_free(c.cas, X509_free);
    free(c.w);
    ferry_inbox_close(&ib);
    return r;
}

void ferry_submit_result_clear(struct ferry_submit_result *res)
{
    ferry_inbox_results_clear(res->items, res->n, sizeof(*res->items), one_clear);
    FERRY_FREE(res->items);
    FERRY_FREE(res->online_name);
    res->n = res->submitted = res->skipped = res->ignored = 0;
}
