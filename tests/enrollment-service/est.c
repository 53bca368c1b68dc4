/* ferry-enrolld — EST (RFC 7030): /cacerts, /simpleenroll, /simplereenroll from the EST CA. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "enrolld_int.h"
#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/time.h"

#define CSR_MAX   (64u << 10)
#define B64_LINE  64
#define MIME_LINE 76 /* RFC 2045 §6.8 */

/* An HTTP-date (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
static void http_date(time_t t, char *out, size_t cap)
{
    static const char *const day[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday], tm.tm_mday,
             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

ferry_err enrolld_est_fault(struct enrolld *d, const char *k)
{
    struct enrolld_est_faults *f = &d->est;
    char *end;
    long v, n = 1;

    if (strncmp(k, "pending:", 8) == 0 || strncmp(k, "pending-date:", 13) == 0) {
        f->pending_date = k[7] == '-';
        k += f->pending_date ? 13 : 8;
        errno = 0;
        v = strtol(k, &end, 10);
        if (*end == ':')
            n = strtol(end + 1, &end, 10);
        if (errno != 0 || end == k || *end != '\0' || v < 0 || v > 86400 || n < 1 || n > 1000000)
            return ferry_errf(FERRY_ERR_USAGE, "--est-fault pending:SECONDS[:COUNT]");
        f->pending_s = v;
        f->pending_n = n;
        return FERRY_OK;
    }
    if (strcmp(k, "drop:san") == 0)
        f->drop_san = 1;
    else if (strcmp(k, "drop:eku") == 0)
        f->drop_eku = 1;
    else if (strcmp(k, "drop:ku") == 0)
        f->drop_ku = 1;
    else if (strcmp(k, "client-cert") == 0)
        f->client_cert = 1;
    else if (strncmp(k, "subject:", 8) == 0 && k[8] == '/')
        f->subject = k + 8;
    else
        return ferry_errf(FERRY_ERR_USAGE, "unknown --est-fault %s", k);
    return FERRY_OK;
}

/* RFC 7030 §4.2.1: the PKCS#10 travels as base64 by RFC 2045 (§6.8): lines of at most 76
 * characters, each ended by CRLF (LF alone passes, as OpenSSL's decoder takes it). Refused the
 * way an independent EST server refuses it: an unterminated line (one long line is the common
 * case), a line over 76 characters. NULL if the body is well formed. */
static const char *mime_problem(const uint8_t *b, size_t n)
{
    size_t i, line = 0;

    if (n == 0)
        return "the body is empty";
    for (i = 0; i < n; i++) {
        if (b[i] == '\r') {
            if (i + 1 >= n || b[i + 1] != '\n')
                return "a CR not followed by LF";
            i++;
            line = 0;
            continue;
        }
        if (b[i] == '\n') { /* LF alone, as `openssl base64` writes: decoders take it */
            line = 0;
            continue;
        }
        if (!((b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= 'a' && b[i] <= 'z') ||
              (b[i] >= '0' && b[i] <= '9') || b[i] == '+' || b[i] == '/' || b[i] == '='))
            return "a character outside the base64 alphabet";
        if (++line > MIME_LINE)
            return "a line longer than 76 characters (RFC 2045 section 6.8)";
    }
    if (line > 0)
        return "the last line is not ended by CRLF (RFC 2045 section 6.8)";
    return NULL;
}

/* Base64 in 64-character lines (RFC 2045 style, readable by `openssl base64 -d`). */
static ferry_err b64_lines(const uint8_t *p, size_t n, struct enrolld_reply *out)
{
    char *flat = NULL;
    struct ferry_buf b;
    size_t i, fl;
    ferry_err r;

    ferry_buf_init(&b, 4 * n + 64);
    if ((r = ferry_b64_encode(p, n, &flat)) != FERRY_OK)
        goto out;
    fl = strlen(flat);
    for (i = 0; i < fl && r == FERRY_OK; i += B64_LINE) {
        r = ferry_buf_append(&b, flat + i, fl - i < B64_LINE ? fl - i : B64_LINE);
        if (r == FERRY_OK)
            r = ferry_buf_puts(&b, "\n");
    }
    if (r != FERRY_OK)
        goto out;
    out->body = ferry_buf_steal(&b, &out->len);
    r = out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    free(flat);
    ferry_buf_free(&b);
    return r;
}

/* A degenerate (certs-only) PKCS#7 SignedData holding @x, base64 in @out. */
static ferry_err certs_only(X509 *x, struct enrolld_reply *out)
{
    PKCS7 *p7 = PKCS7_new();
    unsigned char *der = NULL;
    int n;
    ferry_err r = FERRY_ERR_CRYPTO;

    if (p7 == NULL || PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
        PKCS7_content_new(p7, NID_pkcs7_data) != 1 || PKCS7_set_detached(p7, 1) != 1 ||
        PKCS7_add_certificate(p7, x) != 1)
        goto out;
    if ((n = i2d_PKCS7(p7, &der)) <= 0)
        goto out;
    r = b64_lines(der, (size_t)n, out);
out:
    if (r == FERRY_ERR_CRYPTO)
        r = ferry_err_openssl(r, "cannot build a certs-only PKCS#7");
    OPENSSL_free(der);
    PKCS7_free(p7);
    return r;
}

/* 1 if the CA's profile lets the CSR's extension @nid through (the faults drop some). */
static int keeps(const struct enrolld_est_faults *f, int nid)
{
    return (nid == NID_subject_alt_name && !f->drop_san) ||
           (nid == NID_ext_key_usage && !f->drop_eku) || (nid == NID_key_usage && !f->drop_ku);
}

/* Issues a certificate with the CSR's subject and key; subjectAltName, key usage and extended
 * key usage as requested (the CA profile's own KU/EKU when the CSR names none), less what a
 * drop:* fault removes; subject:DN rewrites the subject. */
static ferry_err issue(struct enrolld *d, X509_REQ *req, X509 **out)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    const struct enrolld_est_faults *f = &d->est;
    X509_NAME *subj = NULL;
    time_t now = ferry_time_now();
    X509 *x = NULL;
    int i, nid, at;
    ferry_err r;

    if (f->subject != NULL &&
        (subj = X509_NAME_new()) != NULL) { /* "/CN=a/O=b": the rewrite a CA profile makes */
        char buf[256], *tok, *save = NULL, *eq;
        snprintf(buf, sizeof(buf), "%s", f->subject + 1);
        for (tok = strtok_r(buf, "/", &save); tok != NULL; tok = strtok_r(NULL, "/", &save))
            if ((eq = strchr(tok, '=')) != NULL) {
                *eq = '\0';
                X509_NAME_add_entry_by_txt(subj, tok, MBSTRING_UTF8, (const unsigned char *)eq + 1,
                                           -1, -1, 0);
            }
    }
    if ((r = enrolld_ca_issue(key, subj != NULL ? subj : X509_REQ_get_subject_name(req), d->ca.est,
                              d->ca.est_key, 0, NULL, now - 300,
                              now + (time_t)d->lifetime_days * 86400, &x)) != FERRY_OK)
        goto out;
    for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
        nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
        if (nid != NID_subject_alt_name && nid != NID_key_usage && nid != NID_ext_key_usage)
            continue;
        if ((at = X509_get_ext_by_NID(x, nid, -1)) >= 0) /* the request's, not the profile's */
            X509_EXTENSION_free(X509_delete_ext(x, at));
        if (keeps(f, nid) && X509_add_ext(x, e, -1) != 1) {
            r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot copy the CSR's extensions");
            goto out;
        }
    }
    for (nid = 0; nid < 3; nid++) { /* what the faults drop, also from the profile */
        int which = nid == 0 ? NID_subject_alt_name : nid == 1 ? NID_ext_key_usage : NID_key_usage;
        if (!keeps(f, which) && (at = X509_get_ext_by_NID(x, which, -1)) >= 0)
            X509_EXTENSION_free(X509_delete_ext(x, at));
    }
    /* Extensions changed: sign again. */
    if (X509_sign(x, d->ca.est_key, EVP_sha256()) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot sign the certificate");
        goto out;
    }
    *out = x;
    x = NULL;
out:
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_NAME_free(subj);
    X509_free(x);
    return r;
}

static ferry_err plain(struct enrolld_reply *out, int status, const char *msg)
{
    out->status = status;
    out->ctype = "text/plain; charset=utf-8";
    out->len = strlen(msg);
    out->body = (uint8_t *)strdup(msg);
    return out->body != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

static ferry_err enroll(struct enrolld *d, const uint8_t *body, size_t len,
                        struct enrolld_reply *out)
{
    uint8_t *der = NULL;
    const unsigned char *p;
    size_t dlen = 0;
    X509_REQ *req = NULL;
    X509 *x = NULL;
    EVP_PKEY *key;
    ferry_err r;

    char msg[200];
    const char *bad = mime_problem(body, len);
    long k;

    if (bad != NULL ||
        ferry_b64_decode((const char *)body, len, CSR_MAX, &der, &dlen) != FERRY_OK) {
        snprintf(msg, sizeof(msg),
                 "Invalid or corrupted pkcs10 request.\r\n(ferry-enrolld: %s; RFC 7030 4.2.1 "
                 "wants RFC 2045 base64)\r\n",
                 bad != NULL ? bad : "not base64");
        r = plain(out, 400, msg);
        goto out;
    }
    p = der;
    req = d2i_X509_REQ(NULL, &p, (long)dlen);
    if (req == NULL || p != der + dlen) {
        r = plain(out, 400, "the body is not a DER PKCS#10 certificate request\n");
        goto out;
    }
    key = X509_REQ_get0_pubkey(req);
    if (key == NULL || X509_REQ_verify(req, key) != 1) {
        r = plain(out, 400,
                  "Proof of Possession Mismatch.\r\n(the request's signature does "
                  "not verify)\r\n");
        goto out;
    }
    pthread_mutex_lock(&d->lock);
    k = ++d->est.enrolls;
    pthread_mutex_unlock(&d->lock);
    if (k <= d->est.pending_n && (d->est.pending_s > 0 || d->est.pending_date)) {
        r = plain(out, 202, "the request is waiting for approval\r\n");
        if (d->est.pending_date) /* RFC 9110 HTTP-date */
            http_date(ferry_time_now() + d->est.pending_s, out->retry_after,
                      sizeof(out->retry_after));
        else
            snprintf(out->retry_after, sizeof(out->retry_after), "%ld", d->est.pending_s);
        goto out;
    }
    if ((r = issue(d, req, &x)) != FERRY_OK || (r = certs_only(x, out)) != FERRY_OK)
        goto out;
    out->status = 200;
    out->ctype = "application/pkcs7-mime; smime-type=certs-only";
    out->est = 1;
out:
    free(der);
    X509_REQ_free(req);
    X509_free(x);
    return r;
}

ferry_err enrolld_est_answer(struct enrolld *d, const char *method, const char *op,
                             const uint8_t *body, size_t len, struct enrolld_reply *out)
{
    ferry_err r;

    if (strcmp(op, "cacerts") == 0) {
        if (strcmp(method, "GET") != 0)
            return plain(out, 405, "cacerts takes GET\n");
        if ((r = certs_only(d->ca.est, out)) != FERRY_OK)
            return r;
        out->status = 200;
        out->ctype = "application/pkcs7-mime";
        out->est = 1;
        return FERRY_OK;
    }
    if (strcmp(op, "simpleenroll") == 0 || strcmp(op, "simplereenroll") == 0) {
        if (d->est.client_cert) { /* a CA that wants a TLS client certificate, no HTTP auth */
            out->no_challenge = 1;
            return plain(out, 401, "The server was unable to authorize the request.\r\n");
        }
        if (strcmp(method, "POST") != 0)
            return plain(out, 405, "simpleenroll takes POST\n");
        return enroll(d, body, len, out);
    }
    return plain(out, 404, "no such EST operation\n");
}
