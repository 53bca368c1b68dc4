/* ferry — the HTTPS client's internals (http.c), for the protocols on it (enroll_rms.c,
 * enroll_est.c) and for check-root's trust rule (checkroot.c, svccheck.c). */
#ifndef FERRY_HTTP_INT_H
#define FERRY_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "ferry/http.h"

/* One logical request, retried as a whole (http.c). */
struct exchange {
    const char *url;
    const char *what;    /* "RMS Enroll", "EST cacerts", ... for messages */
    const uint8_t *body; /* POST body, NULL for GET */
    size_t len;
    struct curl_slist *hdrs;
    int soap;           /* 500 with a SOAP Fault is an answer */
    int est;            /* 202 + Retry-After means pending; 4xx explained for EST */
    const char *anchor; /* how the trust anchor is named in messages */
    const char *ca_file, *ca_path;
    const struct curl_blob *ca_blob; /* a pinned anchor given in DER, as PEM (instead of ca_file) */
};

/** Sets up @ex for @url (https only; the trust anchors of @o, pinned ones must exist);
 * @anchor (@cap bytes) receives how the anchor is named in messages. */
ferry_err ferry_http_exchange_init(struct exchange *ex, const char *url, const char *what,
                                   const struct ferry_http_opts *o, char *anchor, size_t cap);
/** Runs @ex with retries within o->deadline; @res gets status, attempts, the body (success or
 * 4xx) and retry_at. */
ferry_err ferry_http_exchange_run(const struct exchange *ex, const struct ferry_http_opts *o,
                                  struct ferry_http_result *res);
/** Appends header @h to @list; 0 on failure (the list is kept). */
int ferry_http_add_header(struct curl_slist **list, const char *h);

/*
 * The trust store submissions use, as one rule for check-root and the HTTPS client:
 * if the caller names a CA file or a CA directory (or both), exactly those are used (a pinned
 * anchor stands alone); otherwise OpenSSL's defaults, X509_get_default_cert_file() and
 * X509_get_default_cert_dir(), each overridden by $SSL_CERT_FILE / $SSL_CERT_DIR.
 * The returned pointers are borrowed (arguments, environment or OpenSSL constants); either
 * may be NULL when not used.
 */
void ferry_http_trust_store(const char *ca_file, const char *ca_path, const char **file_out,
                            const char **dir_out);

#endif
