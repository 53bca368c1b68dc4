/* ferry — the HTTPS client (libcurl) the enrollment protocols and check-root go through:
 * verification always on, HTTPS only, bounded answers, retries within one deadline. */
#ifndef FERRY_HTTP_H
#define FERRY_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/err.h"

/* The clock the client waits by: real time unless a test gives its own. */
struct ferry_http_clock {
    double (*now)(void *ctx);              /* seconds since the epoch */
    void (*sleep)(void *ctx, double secs); /* wait that long */
    void *ctx;
};

/* Connections kept open between requests (one per concurrent worker), shared by threads. */
struct ferry_http_pool;

struct ferry_http_opts {
    const char *ca_file; /* the pinned anchor (PEM); NULL: the system store */
    const char *ca_pem;  /* a pinned anchor as PEM text, instead of ca_file (partial chains) */
    const char *ca_path;
    long connect_timeout_ms;     /* default 15000 */
    long timeout_ms;             /* one attempt, default 120000 (cut to what the deadline leaves) */
    int max_attempts;            /* default 4: tries on connection errors and 5xx */
    long backoff_ms;             /* first back-off, doubled each retry; default 1000 */
    size_t max_response;         /* default 4 MiB: larger answers fail FERRY_ERR_TOO_LARGE */
    const char *user, *password; /* EST HTTP auth, optional */
    long low_speed_limit;        /* bytes/s under which a transfer is too slow; default 64 */
    long low_speed_time_s;       /* ... for this many seconds: abort (a drip); default 30 */
    time_t deadline; /* all attempts and waits end by then (clock seconds); 0: no deadline */
    const struct ferry_http_clock *clock; /* NULL: the real clock */
    struct ferry_http_pool *pool;         /* NULL: a new connection for every attempt */
};

/** Fills @o with the defaults above (CA: the system store). */
void ferry_http_opts_default(struct ferry_http_opts *o);

struct ferry_http_result {
    long status;   /* final HTTP status */
    int attempts;  /* how many were made */
    uint8_t *body; /* answer body (caller frees) */
    size_t len;
    char content_type[128];
    time_t retry_at; /* FERRY_ERR_INCOMPLETE: when the service said to come back (0: unknown) */
};

/** A pool of kept-open connections for concurrent callers. FERRY_ERR_NOMEM. */
ferry_err ferry_http_pool_new(struct ferry_http_pool **out);
void ferry_http_pool_free(struct ferry_http_pool *p);

/**
 * GET @url (check-root's ?WSDL) with the same rules as every call here: https only, peer and host
 * verification on, no redirects followed, no decompression, capped, retried per @o. Any
 * Content-Type is taken (the caller judges the body). @what names the request in messages.
 * 4xx: FERRY_ERR_REJECTED with the body kept in @res.
 */
ferry_err ferry_http_get(const char *url, const char *what, const struct ferry_http_opts *o,
                         struct ferry_http_result *res);

/**
 * The trust rule of every request: if ca_file and/or ca_path is set, exactly those anchors are
 * used (a pinned root stands alone); otherwise OpenSSL's default file and directory, overridden
 * by $SSL_CERT_FILE / $SSL_CERT_DIR (the store `check-root` inspects).
 *
 * Errors of every call on this client (ferry_http_get here, the protocols of ferry/enroll.h), each
 * with a ferry_errf() detail naming the URL: FERRY_ERR_USAGE (URL not https://),
 * FERRY_ERR_NOT_FOUND (pinned CA file missing), FERRY_ERR_UNTRUSTED (the service's certificate does
 * not verify against the anchor, wrong host name, expired), FERRY_ERR_TOO_LARGE (answer above
 * max_response), FERRY_ERR_FORMAT (answer with a Content-Encoding, which is never decompressed; EST
 * answer not base64 PKCS#7), FERRY_ERR_REJECTED (HTTP 4xx; the body is kept in @res; the detail
 * quotes its start, made printable, and says what the status means), FERRY_ERR_NET
 * (connect/timeouts/5xx after max_attempts or the deadline, a redirect — never followed),
 * FERRY_ERR_INCOMPLETE (a 202, 503 or 429 whose Retry-After ends after the deadline: the detail
 * says when to submit again).
 * @res->status and @res->attempts are set whatever the outcome; free it with
 * ferry_http_result_free() in every case.
 */
void ferry_http_result_free(struct ferry_http_result *res);

#endif
