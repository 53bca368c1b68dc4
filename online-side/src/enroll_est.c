/* ferry — EST (RFC 7030) over the HTTPS client of http.c: /cacerts, /simpleenroll,
 * /simplereenroll. Requests go out as RFC 2045 base64 (76-character lines, CRLF); answers are
 * read with any line breaks. */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/enroll.h"
#include "ferry/log.h"
#include "http_int.h"

#define EST_MAX_CSR (64u << 10)
#define MIME_LINE   76 /* RFC 2045 §6.8: encoded lines no more than 76 characters */

ferry_err ferry_enroll_est_mime_b64(const uint8_t *der, size_t len, char **out)
{
    char *flat = NULL;
    struct ferry_buf b;
    size_t i, fl;
    ferry_err r;

    *out = NULL;
    if ((r = ferry_b64_encode(der, len, &flat)) != FERRY_OK)
        return r;
    fl = strlen(flat);
    ferry_buf_init(&b, fl + fl / MIME_LINE * 2 + 8);
    for (i = 0; i < fl && r == FERRY_OK; i += MIME_LINE) {
        r = ferry_buf_append(&b, flat + i, fl - i < MIME_LINE ? fl - i : MIME_LINE);
        if (r == FERRY_OK)
            r = ferry_buf_append(&b, "\r\n", 2);
    }
    if (r == FERRY_OK)
        r = ferry_buf_append(&b, "", 1); /* the NUL */
    if (r == FERRY_OK)
        *out = (char *)ferry_buf_steal(&b, NULL);
    ferry_buf_free(&b);
    free(flat);
    return r;
}

/* @base + "/" + @op, inserting "/.well-known/est" when @base lacks it. Caller frees. */
static char *est_url(const char *base, const char *op)
{
    struct ferry_buf b;
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    ferry_buf_init(&b, 4096);
    if (ferry_buf_printf(&b, "%.*s%s/%s", (int)n, base,
                         strstr(base, "/.well-known/est") != NULL ? "" : "/.well-known/est",
                         op) != FERRY_OK) {
        ferry_buf_free(&b);
        return NULL;
    }
    return (char *)ferry_buf_steal(&b, &n);
}

/* The EST answer body is base64 of a DER PKCS#7: decode and check it, in place in @res. */
static ferry_err est_decode_answer(const char *what, const char *url, struct ferry_http_result *res,
                                   size_t max)
{
    ferry_err r;
    uint8_t *der = NULL;
    size_t len = 0;
    const unsigned char *p;
    PKCS7 *p7 = NULL;

    r = ferry_b64_decode((const char *)res->body, res->len, max, &der, &len);
    if (r != FERRY_OK) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s at %s: the answer (%s, %zu bytes) is not base64 as "
                       "RFC 7030 requires",
                       what, url, res->content_type, res->len);
        goto out;
    }
    p = der;
    if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL || p != der + len) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, "the EST answer is not a DER PKCS#7");
        goto out;
    }
    free(res->body);
    res->body = der;
    res->len = len;
    der = NULL;
    r = FERRY_OK;
out:
    PKCS7_free(p7);
    free(der);
    return r;
}

static ferry_err est_exchange(struct exchange *ex, const struct ferry_http_opts *o,
                              struct ferry_http_result *res)
{
    ferry_err r;

    ex->est = 1;
    if (!ferry_http_add_header(&ex->hdrs, "Accept-Encoding: identity") ||
        !ferry_http_add_header(&ex->hdrs, "Expect:"))
        return FERRY_ERR_NOMEM;
    if ((r = ferry_http_exchange_run(ex, o, res)) != FERRY_OK)
        return r;
    return est_decode_answer(ex->what, ex->url, res, o->max_response);
}

ferry_err ferry_enroll_est_cacerts(const char *base, const struct ferry_http_opts *o,
                                   struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];
    char *url = NULL;

    memset(res, 0, sizeof(*res));
    memset(&ex, 0, sizeof(ex));
    if (base == NULL || (url = est_url(base, "cacerts")) == NULL) {
        r = base == NULL ? ferry_errf(FERRY_ERR_USAGE, "EST cacerts: no service URL")
                         : FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = ferry_http_exchange_init(&ex, url, "EST cacerts", o, anchor, sizeof(anchor))) !=
        FERRY_OK)
        goto out;
    r = est_exchange(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    free(url);
    return r;
}

/* The base64 text of a PKCS#10 given as DER or PEM, checked to parse. Caller frees *out. */
static ferry_err csr_base64(const uint8_t *csr, size_t len, char **out)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    BIO *bio = NULL;
    X509_REQ *req = NULL;
    unsigned char *der = NULL;
    const unsigned char *p = csr;
    int n;

    *out = NULL;
    if (len == 0 || len > EST_MAX_CSR)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "the PKCS#10 request is empty or larger than %u "
                          "bytes",
                          EST_MAX_CSR);
    if (len > 10 && memcmp(csr, "-----BEGIN", 10) == 0) {
        if ((bio = BIO_new_mem_buf(csr, (int)len)) != NULL)
            req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    } else if ((req = d2i_X509_REQ(NULL, &p, (long)len)) != NULL && p != csr + len) {
        X509_REQ_free(req);
        req = NULL;
    }
    if (req == NULL || (n = i2d_X509_REQ(req, &der)) <= 0) {
        r = ferry_err_openssl(FERRY_ERR_FORMAT, "the request is not a PKCS#10 (DER or PEM)");
        goto out;
    }
    r = ferry_enroll_est_mime_b64(der, (size_t)n, out);
out:
    OPENSSL_free(der);
    X509_REQ_free(req);
    BIO_free(bio);
    return r;
}

ferry_err ferry_enroll_est_simpleenroll(const char *base, const uint8_t *csr, size_t len,
                                        int reenroll, const struct ferry_http_opts *o,
                                        struct ferry_http_result *res)
{
    ferry_err r = FERRY_ERR_INTERNAL;
    struct exchange ex;
    char anchor[600];
    const char *op = reenroll ? "simplereenroll" : "simpleenroll";
    char *url = NULL, *b64 = NULL;

    memset(res, 0, sizeof(*res));
    memset(&ex, 0, sizeof(ex));
    if (base == NULL || (url = est_url(base, op)) == NULL) {
        r = base == NULL ? ferry_errf(FERRY_ERR_USAGE, "EST %s: no service URL", op)
                         : FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = csr_base64(csr, len, &b64)) != FERRY_OK)
        goto out;
    if ((r = ferry_http_exchange_init(&ex, url,
                                      reenroll ? "EST simplereenroll" : "EST simpleenroll", o,
                                      anchor, sizeof(anchor))) != FERRY_OK)
        goto out;
    ex.body = (const uint8_t *)b64;
    ex.len = strlen(b64);
    if (!ferry_http_add_header(&ex.hdrs, "Content-Type: application/pkcs10") ||
        !ferry_http_add_header(&ex.hdrs, "Content-Transfer-Encoding: base64")) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = est_exchange(&ex, o, res);
out:
    curl_slist_free_all(ex.hdrs);
    free(b64);
    free(url);
    return r;
}
