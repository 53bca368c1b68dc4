/* ferry-enrolld — EST (RFC 7030): /cacerts, /simpleenroll, /simplereenroll from the EST CA. */
#include <stdlib.h>
#include <string.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "enrolld_int.h"
#include "ferry/buf.h"
#include "ferry/codec.h"

#define CSR_MAX  (64u << 10)
#define B64_LINE 64

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

/* Issues a certificate with the CSR's subject, key and subjectAltName. */
static ferry_err issue(struct enrolld *d, X509_REQ *req, X509 **out)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    time_t now = ferry_now();
    X509 *x = NULL;
    int i;
    ferry_err r;

    if ((r = enrolld_ca_issue(key, X509_REQ_get_subject_name(req), d->ca.est, d->ca.est_key, 0,
                              NULL, now - 300, now + (time_t)d->lifetime_days * 86400, &x)) !=
        FERRY_OK)
        goto out;
    for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
        if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_alt_name &&
            X509_add_ext(x, e, -1) != 1) {
            r = ferry_err_openssl(FERRY_ERR_CRYPTO, "cannot copy the CSR's subjectAltName");
            goto out;
        }
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

    if (ferry_b64_decode((const char *)body, len, CSR_MAX, &der, &dlen) != FERRY_OK) {
        r = plain(out, 400, "the body is not base64 (RFC 7030: base64 DER PKCS#10)\n");
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
        r = plain(out, 400, "the certificate request's signature does not verify\n");
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
        if (strcmp(method, "POST") != 0)
            return plain(out, 405, "simpleenroll takes POST\n");
        return enroll(d, body, len, out);
    }
    return plain(out, 404, "no such EST operation\n");
}
