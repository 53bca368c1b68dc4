/* ferry — enrollment clients over HTTPS (libcurl): RMS SOAP Enroll, EST (RFC 7030). */
#ifndef FERRY_ENROLL_H
#define FERRY_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

#define FERRY_DEFAULT_RMS_URL "https://activation.drm.microsoft.com/enrollment/enrollservice.asmx"
#define FERRY_RMS_PATH "/enrollment/enrollservice.asmx"

struct ferry_http_opts {
    const char *ca_file;        /* the pinned anchor (PEM); NULL: the system store */
    const char *ca_path;
    long connect_timeout_ms;    /* default 15000 */
    long timeout_ms;            /* whole transfer, default 120000 */
    int max_attempts;           /* default 4: retries on connection errors and 5xx */
    long backoff_ms;            /* first back-off, doubled each retry; default 1000 */
    size_t max_response;        /* default 4 MiB: larger answers fail FERRY_ERR_TOO_LARGE */
    const char *user, *password; /* EST HTTP auth, optional */
};

void ferry_http_opts_default(struct ferry_http_opts *o);

struct ferry_http_result {
    long status;           /* final HTTP status */
    int attempts;          /* how many were made */
    uint8_t *body;         /* answer body (caller frees) */
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
 * Progress through ferry_log(INFO): "submitting to URL (attempt i of n)".
 */
ferry_err ferry_enroll_rms(const char *url, const uint8_t *req, size_t len,
                           const struct ferry_http_opts *o, struct ferry_http_result *res);

void ferry_http_result_free(struct ferry_http_result *res);

#endif
