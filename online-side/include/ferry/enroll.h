/* ferry — enrollment clients over HTTPS (libcurl): RMS SOAP Enroll, EST (RFC 7030). */
#ifndef FERRY_ENROLL_H
#define FERRY_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

#define FERRY_DEFAULT_RMS_URL "https://activation.drm.microsoft.com/enrollment/enrollservice.asmx"
#define FERRY_RMS_PATH        "/enrollment/enrollservice.asmx"

struct ferry_http_opts {
    const char *ca_file; /* the pinned anchor (PEM); NULL: the system store */
    const char *ca_path;
    long connect_timeout_ms;     /* default 15000 */
    long timeout_ms;             /* whole transfer, default 120000 */
    int max_attempts;            /* default 4: retries on connection errors and 5xx */
    long backoff_ms;             /* first back-off, doubled each retry; default 1000 */
    size_t max_response;         /* default 4 MiB: larger answers fail FERRY_ERR_TOO_LARGE */
    const char *user, *password; /* EST HTTP auth, optional */
    long low_speed_limit;        /* bytes/s under which a transfer is too slow; default 64 */
    long low_speed_time_s;       /* ... for this many seconds: abort (a drip); default 30 */
    long retry_after_max_s;      /* Retry-After honoured up to this, else back-off; default 60 */
};

/** Fills @o with the defaults above (CA: the system store). */
void ferry_http_opts_default(struct ferry_http_opts *o);

struct ferry_http_result {
    long status;   /* final HTTP status */
    int attempts;  /* how many were made */
    uint8_t *body; /* answer body (caller frees) */
    size_t len;
    char content_type[128];
};

/**
 * Submits an RMS Enroll request: POST @url with the request bytes exactly as given,
 * Content-Type text/xml; charset=utf-8 and SOAPAction. TLS peer and host verification always
 * on; HTTPS only (no redirects to other schemes); proxy from the environment; Retry-After
 * honoured (capped); retries on connect errors, timeouts and 5xx with back-off, bounded.
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

/** One request of a concurrent batch (ferry_enroll_rms_many). */
struct ferry_rms_job {
    const uint8_t *req; /* borrowed: the Enroll request, sent byte-exact */
    size_t len;
    ferry_err err;                /* out: this request's outcome, as ferry_enroll_rms returns */
    char detail[512];             /* out: its ferry_err_detail() when err != FERRY_OK */
    struct ferry_http_result res; /* out: as ferry_enroll_rms fills it; free each one */
};

/**
 * Submits @n RMS requests to @url concurrently (curl multi, at most @max_parallel transfers at
 * once; 0 means 4), each with the same rules, retries and caps as ferry_enroll_rms(), each
 * retried on its own schedule. Every job gets its own err/detail/res. Returns FERRY_OK when all
 * succeeded, else the first failing job's error (its detail recorded with ferry_errf), or an
 * error of its own (FERRY_ERR_NOMEM, FERRY_ERR_USAGE for the URL) before anything is sent.
 */
ferry_err ferry_enroll_rms_many(const char *url, struct ferry_rms_job *jobs, size_t n,
                                int max_parallel, const struct ferry_http_opts *o);

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
 * FERRY_ERR_REJECTED (HTTP 4xx; the body is kept in @res), FERRY_ERR_NET (connect/timeouts/5xx
 * after max_attempts, a redirect — never followed), FERRY_ERR_INCOMPLETE (EST: still pending).
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
 * Content-Type application/pkcs10, base64 body. @csr is DER or PEM ("CERTIFICATE REQUEST").
 * HTTP auth (Basic or Digest) when o->user is set. 202 + Retry-After (pending) is waited for
 * within max_attempts, then FERRY_ERR_INCOMPLETE. On success @res->body holds the DER
 * certs-only PKCS#7 with the issued certificate.
 */
ferry_err ferry_enroll_est_simpleenroll(const char *base, const uint8_t *csr, size_t len,
                                        int reenroll, const struct ferry_http_opts *o,
                                        struct ferry_http_result *res);

#endif
