/* ferry — the online side's submission: verify request packages, enroll, package the answers. */
#ifndef FERRY_ONLINE_H
#define FERRY_ONLINE_H

#include <stddef.h>
#include <time.h>

#include "ferry/enroll.h"
#include "ferry/err.h"
#include "ferry/kind.h"
#include "ferry/medium.h"
#include "ferry/qr.h"
#include "ferry/store.h"

struct ferry_submit_one;
struct ferry_submit_result;

/* Shown each request before anything is sent for it: nonzero to go on, 0 to leave it unsent. */
typedef int (*ferry_submit_check_fn)(void *ctx, const struct ferry_submit_result *res,
                                     const struct ferry_submit_one *o);

struct ferry_submit_opts {
    const char *service;           /* URL; NULL: FERRY_DEFAULT_RMS_URL */
    const char *root;              /* pinned anchor PEM; NULL: the system trust store */
    const struct ferry_medium *to; /* where answers go */
    const struct ferry_qr_opts *qo;
    struct ferry_http_opts http;
    int again;          /* submit a request that was submitted before */
    int est;            /* --protocol est: PKCS#10 requests, EST at @service (required) */
    int est_enroll;     /* EST: /simpleenroll instead of /simplereenroll */
    int parallel;       /* requests in flight at once (--parallel); 0: 4 */
    int accept_changes; /* EST: package a certificate that lacks a SAN entry, EKU or KU asked for */
    const uint8_t *drm_root;   /* RMS --drm-root: the SHA-256 the CA certificate's signer must have
                                * (the Microsoft DRM root is not in the chain), or NULL */
    const char *web_dir;       /* RMS --web: write the carried request file here for Microsoft's
                                * upload page; nothing is sent, packaged or recorded */
    const uint8_t *answer_doc; /* RMS --answer-file: the response document the upload page
                                * returned, taken instead of a SOAP exchange (one request) */
    size_t answer_len;
    const char *answer_name;        /* its file name, for messages */
    const char *tls_anchor_sha256;  /* the service's TLS anchor (groups of four), its subject */
    const char *tls_anchor_subject; /* and expiry, carried in the answer's manifest so that the */
    time_t tls_anchor_not_after;    /* offline runbook can print it; NULL: not told */
    ferry_submit_check_fn check;    /* on the calling thread, for each request verified, after every
                                     * output was checked and before anything goes to the service:
                                     * the values the runbook's submit step lists are filled in (the
                                     * item, and res->online_*); 0 leaves it unsent
                                     * (FERRY_ERR_DECLINED). NULL: every request goes on. */
    void *check_ctx;
};

struct ferry_submit_one {
    char file[256];
    char transfer_id[33];
    ferry_err err;
    char message[512];
    char *server_name;            /* RMS server name, or the X.509 subject */
    const char *server_name_from; /* RMS: where the name came from ("the file name", ...) */
    char *guid;
    uint8_t package_sha256[32]; /* the request package (.ferry file) as carried */
    char *sender_name;          /* the paired offline identity that signed it */
    uint8_t sender_fp[32];      /* its fingerprint */
    enum ferry_kind kind;       /* what was asked for, once known (else 0) */
    time_t new_not_after;       /* RMS: the SLC's renewal date (ISSUE right RANGETIME end) */
    time_t valid_until;         /* RMS: the SLC's VALIDITYTIME end */
    uint8_t request_sha256[32]; /* RMS: the carried request file */
    uint8_t posted_sha256[32];  /* RMS: the bytes posted (the file itself, or the envelope) */
    int posted_as_is;           /* RMS: the file was a complete SOAP Enroll, posted as it is */
    int web;                    /* RMS --web: the request file written to ->where, nothing sent */
    int from_page;              /* RMS --answer-file: the answer came from the upload page */
    uint8_t root_fp[32];        /* RMS: SHA-256 (SPKI) of the key that signed the CA certificate */
    char *where;                /* where the answer package was written */
    char *package_name;         /* "response-<id8>.ferry" */
    uint8_t answer_sha256[32];
    int attempts;
    char *changes; /* X.509: what the CA changed from the request, one line each (or NULL) */
};

struct ferry_submit_result {
    struct ferry_submit_one *items;
    size_t n;
    size_t submitted;
    size_t skipped; /* submitted before, still on the medium */
    size_t ignored;
    char *online_name; /* this machine's identity (the runbook's "Online identity") */
    uint8_t online_fp[32];
    const char *service; /* where the requests go (borrowed from the options) */
};

/**
 * Reads request packages from @from, verifies each against the paired offline identities,
 * submits the RMS request byte-exact over HTTPS, validates the answer (SLC chain signatures,
 * key and GUID of the request, validity) and writes a signed answer package to o->to.
 * With o->est: a PKCS#10 request goes to EST (GET /cacerts, then POST /simplereenroll or
 * /simpleenroll); the issued certificate must carry the request's key and subject, chain to
 * the /cacerts certificates and be valid now; the answer item is an "x509-chain" PEM (leaf
 * first, then the CA certificates). A request of the other mode is refused with advice.
 * The issued certificate is compared with the request (subject, subjectAltName, key usage,
 * extended key usage): the differences go to ->changes; another subject, or a SAN entry, EKU
 * or KU asked for and missing (unless o->accept_changes), refuses the answer and keeps the
 * issued chain in HOME/certs/<transfer id>.refused.pem, from where a later submit with
 * accept_changes packages it without enrolling again.
 * Many packages on the medium are submitted concurrently (o->parallel at once, a kept-open
 * connection per worker; EST /cacerts fetched once); each gets its own result and answer
 * package, and the answers that succeeded are written whatever happened to the others.
 * Returns FERRY_OK when at least one was submitted and none failed; else the first failure.
 */
/** Microsoft's upload page for the asynchronous (browser) path. */
#define FERRY_RMS_UPLOAD_PAGE "https://activation.drm.microsoft.com/offlineenroll/Enrollment.aspx"

ferry_err ferry_online_submit(struct ferry_store *s, const struct ferry_medium *from,
                              const struct ferry_submit_opts *o, struct ferry_submit_result *res);
void ferry_submit_result_clear(struct ferry_submit_result *res);

#endif
