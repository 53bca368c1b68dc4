/* ferry — enrollment clients over HTTPS (libcurl): RMS SOAP Enroll, EST (RFC 7030). */
#ifndef FERRY_ENROLL_H
#define FERRY_ENROLL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/err.h"
#include "ferry/rms.h" /* FERRY_DEFAULT_RMS_URL */

#define FERRY_RMS_PATH "/enrollment/enrollservice.asmx"

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
 * Submits an RMS Enroll request: POST @url with the request bytes exactly as given,
 * Content-Type text/xml; charset=utf-8 and SOAPAction. TLS peer and host verification always
 * on; HTTPS only (no redirects to other schemes); proxy from the environment; Retry-After
 * honoured (seconds or HTTP date) within o->deadline; retries on connect errors, timeouts and
 * 5xx with back-off, bounded. A wait that would end after the deadline is not begun:
 * FERRY_ERR_INCOMPLETE (a Retry-After) or FERRY_ERR_NET, with @res->retry_at.
 * The answer is not interpreted here (ferry_rms_response_parse does that), except: HTTP 4xx ->
 * FERRY_ERR_REJECTED, 500 with a SOAP Fault body -> returned with status (caller parses the fault).
 * Progress through ferry_log(INFO): "submitting to URL (attempt i of n)" ("fetching" for GETs).
 */
ferry_err ferry_enroll_rms(const char *url, const uint8_t *req, size_t len,
                           const struct ferry_http_opts *o, struct ferry_http_result *res);

/**
 * GET @url (check-root's ?WSDL) with the same rules as every call here: https only, peer and host
 * verification on, no redirects followed, no decompression, capped, retried per @o. Any
 * Content-Type is taken (the caller judges the body). @what names the request in messages.
 * 4xx: FERRY_ERR_REJECTED with the body kept in @res.
 */
ferry_err ferry_enroll_get(const char *url, const char *what, const struct ferry_http_opts *o,
                           struct ferry_http_result *res);

/**
 * The trust rule of every request: if ca_file and/or ca_path is set, exactly those anchors are
 * used (a pinned root stands alone); otherwise OpenSSL's default file and directory, overridden
 * by $SSL_CERT_FILE / $SSL_CERT_DIR (the store `check-root` inspects).
 *
 * Errors of all the calls here, each with a ferry_errf() detail naming the URL:
 * FERRY_ERR_USAGE (URL not https://), FERRY_ERR_NOT_FOUND (pinned CA file missing),
 * FERRY_ERR_UNTRUSTED (the service's certificate does not verify against the anchor, wrong host
 * name, expired), FERRY_ERR_TOO_LARGE (answer above max_response), FERRY_ERR_FORMAT (answer with
 * a Content-Encoding, which is never decompressed; EST answer not base64 PKCS#7),
 * FERRY_ERR_REJECTED (HTTP 4xx; the body is kept in @res; the detail quotes its start, made
 * printable, and says what the status means), FERRY_ERR_NET (connect/timeouts/5xx after
 * max_attempts or the deadline, a redirect — never followed), FERRY_ERR_INCOMPLETE (a 202, 503
 * or 429 whose Retry-After ends after the deadline: the detail says when to submit again).
 * @res->status and @res->attempts are set whatever the outcome; free it with
 * ferry_http_result_free() in every case.
 */
void ferry_http_result_free(struct ferry_http_result *res);

/**
 * EST (RFC 7030 §4.1) GET @base/cacerts. @base is the EST root, e.g.
 * "https://host:port/.well-known/est" (a URL without "/.well-known/est" gets it appended).
 * On success @res->body holds the DER certs-only PKCS#7 decoded from the base64 answer.
 */
ferry_err ferry_enroll_est_cacerts(const char *base, const struct ferry_http_opts *o,
                                   struct ferry_http_result *res);

/**
 * EST (RFC 7030 §4.2) POST a PKCS#10 to @base/simpleenroll, or /simplereenroll when @reenroll:
 * Content-Type application/pkcs10, the DER as base64 in lines of 76 characters each ended by
 * CRLF (RFC 7030 §4.2.1 by RFC 2045 §6.8). @csr is DER or PEM ("CERTIFICATE REQUEST").
 * HTTP auth (Basic or Digest) when o->user is set. 202 + Retry-After (pending) is waited for
 * as long as the CA asks, within o->deadline; else FERRY_ERR_INCOMPLETE with @res->retry_at.
 * Answers may break their base64 anywhere. On success @res->body holds the DER certs-only
 * PKCS#7 with the issued certificate.
 */
ferry_err ferry_enroll_est_simpleenroll(const char *base, const uint8_t *csr, size_t len,
                                        int reenroll, const struct ferry_http_opts *o,
                                        struct ferry_http_result *res);

/**
 * @der as RFC 2045 base64 (§6.8): lines of at most 76 characters, each ended by CRLF, the last
 * one too. *out is new and NUL-terminated (caller frees).
 */
ferry_err ferry_enroll_mime_b64(const uint8_t *der, size_t len, char **out);

#endif
