/* ferry — the enrollment protocols on the HTTPS client of ferry/http.h: RMS SOAP Enroll
 * (enroll_rms.c), EST (RFC 7030, enroll_est.c). Their errors are the client's (ferry/http.h). */
#ifndef FERRY_ENROLL_H
#define FERRY_ENROLL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/err.h"
#include "ferry/http.h"
#include "ferry/rms.h" /* FERRY_DEFAULT_RMS_URL */

#define FERRY_RMS_PATH "/enrollment/enrollservice.asmx"

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
ferry_err ferry_enroll_est_mime_b64(const uint8_t *der, size_t len, char **out);

#endif
