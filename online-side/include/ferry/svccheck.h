/* ferry — check-root --service: is the enrollment service there, and what does it present?
 * Nothing is submitted: a TLS handshake to see the chain, then GET ?WSDL. */
#ifndef FERRY_SVCCHECK_H
#define FERRY_SVCCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/err.h"

#define FERRY_SVC_MAX_CHAIN 10
#define FERRY_SVC_MAX_PEM   16384 /* the anchor found, as PEM, at most this long */

/* How far the check got. */
enum ferry_svc_stage {
    FERRY_SVC_OK = 0,    /* the enrollment service's WSDL, over a chain to the anchor */
    FERRY_SVC_DNS,       /* the host name does not resolve */
    FERRY_SVC_CONNECT,   /* connection refused or unreachable */
    FERRY_SVC_TIMEOUT,   /* no answer in time */
    FERRY_SVC_TLS,       /* the TLS handshake failed (protocol, cipher, reset) */
    FERRY_SVC_UNTRUSTED, /* the chain does not verify against the anchor (or host name, dates) */
    FERRY_SVC_HTTP,      /* an HTTP error for ?WSDL (4xx, 5xx, redirect, too large) */
    FERRY_SVC_NOT_WSDL,  /* an answer, but not the enrollment service's WSDL */
};

struct ferry_svc_cert {
    char subject[256], issuer[256];   /* RFC 2253 one-liners */
    char sha256[FERRY_FP_GROUPS_LEN]; /* of the DER certificate, upper-case groups of four */
    time_t not_before, not_after;
};

struct ferry_svc_query {
    const char *url;  /* the service, https:// (e.g. .../enrollment/enrollservice.asmx) */
    const char *root; /* --root FILE: the one anchor; NULL: the store below */
    const char
        *root_label;     /* how @root is named ("--root", "stored by check-root"); NULL: --root */
    const uint8_t *pin;  /* --pin: SHA-256 of one certificate of the presented chain, which then
                          * stands alone as the anchor (partial chain); NULL: none */
    const char *ca_file; /* the system store's file and directory (NULL: OpenSSL's defaults) */
    const char *ca_path;
    long timeout_ms; /* each step; 0: 15000 */
    time_t now;
};

struct ferry_svc_report {
    enum ferry_svc_stage stage;
    char failure[768]; /* what went wrong, plainly, with what to do; "" if OK */
    char wsdl_url[1100];
    char anchor[600]; /* the anchor file or the system store */
    int handshake;    /* the TLS handshake completed (the chain below is what was presented) */
    char tls_version[32];
    size_t nchain;
    struct ferry_svc_cert chain[FERRY_SVC_MAX_CHAIN]; /* leaf first, as presented */
    int chains;    /* 1: the presented chain verifies against the anchor for this host */
    int no_anchor; /* 1: the anchor (file or store) holds no certificate that could be read */
    struct ferry_svc_cert anchor_cert;  /* chains: the certificate it verified up to, and */
    char anchor_pem[FERRY_SVC_MAX_PEM]; /* ... that certificate as PEM ("" if too long) */
    char chain_error[256];
    long http_status; /* of GET ?WSDL, 0 if none */
    int wsdl;         /* 1: definitions in the EnrollmentService namespace with an Enroll op */
    char wsdl_detail[256];
    size_t wsdl_len;
    char wsdl_sha256[2 * FERRY_SHA256_LEN + 1];
};

/**
 * Checks @q->url without submitting anything: (1) a TLS handshake that only looks (no request is
 * sent; peer verification off for this step alone, so that an untrusted chain can be shown),
 * recording the presented chain; (2) the chain verified here against the anchor for the URL's
 * host; (3) GET URL?WSDL through the verifying HTTPS client (ferry_http_get), and the answer
 * judged: a WSDL whose targetNamespace is http://microsoft.com/DRM/EnrollmentService with an
 * Enroll operation bound to SOAPAction ".../Enroll". The outcome is in @rep (stage, failure);
 * the return value is an error only for bad input (FERRY_ERR_USAGE: not an https:// URL) or
 * FERRY_ERR_NOMEM.
 */
ferry_err ferry_svccheck(const struct ferry_svc_query *q, struct ferry_svc_report *rep);

const char *ferry_svc_stage_name(enum ferry_svc_stage s); /* "ok", "dns", ... */

/**
 * 1 if @buf is MS-RMPR 6.6's WSDL as far as check-root judges it (hardened XML parse;
 * wsdl:definitions, targetNamespace http://microsoft.com/DRM/EnrollmentService, an Enroll
 * operation in a portType and bound to SOAPAction .../Enroll), else 0; @why says which, always.
 */
int ferry_svc_wsdl_judge(const uint8_t *buf, size_t len, char *why, size_t cap);

#endif
