/* ferry — the offline side's operations: export a request, import its answer. No network code. */
#ifndef FERRY_OFFLINE_H
#define FERRY_OFFLINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/crypto.h"
#include "ferry/time.h"
#include "ferry/err.h"
#include "ferry/kind.h"
#include "ferry/manifest.h"
#include "ferry/medium.h"
#include "ferry/qr.h"
#include "ferry/store.h"

struct ferry_request_result {
    char subject[512]; /* the certificate's subject, RFC 2253 */
    char *csr_path;    /* the PKCS#10 written (PEM) */
    char *key_path;    /* --rekey: the new private key (0600), else NULL */
    uint8_t csr_sha256[FERRY_SHA256_LEN];
    time_t old_not_after; /* the current certificate's expiry */
    int recorded;         /* 1 if the certificate's path was recorded in $FERRY_HOME */
};

/**
 * X.509 mode: makes a renewal PKCS#10 (PEM) at @out from the certificate @cert_path and its
 * private key @key_path: same subject and subjectAltName, same key, or with @rekey a new key of
 * the same type written 0600 with O_EXCL to "<out>.key" (FERRY_ERR_EXISTS if it exists). With a
 * store @s (may be NULL), records the certificate's path (and the new key's) under
 * $FERRY_HOME/requests/ by the request's SHA-256, so export and import find where the renewed
 * certificate goes. FERRY_ERR_MISMATCH if the key is not the certificate's.
 */
ferry_err ferry_offline_request(struct ferry_store *s, const char *cert_path, const char *key_path,
                                int rekey, const char *out, struct ferry_request_result *res);
void ferry_request_result_clear(struct ferry_request_result *res);

struct ferry_export_result {
    char transfer_id[33];
    uint8_t package_sha256[FERRY_SHA256_LEN];
    char *package_name; /* "request-<id8>.ferry" */
    char *where;        /* file or folder written */
    char *server_name;
    const char *server_name_from; /* RMS: "the file name", "EnrolleeInformation/Name" or /URL */
    char *guid;                   /* RMS only */
    int paired;                   /* 1 if an online peer is paired */
    enum ferry_kind kind;         /* X.509: a PKCS#10 (server_name is its subject), or RMS */
    char *cert_path; /* X.509: the certificate being renewed, when `request` recorded it */
};

/**
 * Exports @request_path: checks it is an MS-RMPR Enroll request or (X.509 mode) a PKCS#10, PEM
 * or DER, whose signature verifies (either carried byte-exact, never changed),
 * signs a package with our identity, writes it to @to, keeps a copy of the request and the
 * package under $FERRY_HOME, and records the transfer as outstanding. On failure nothing is
 * recorded.
 */
ferry_err ferry_offline_export(struct ferry_store *s, const char *request_path,
                               const struct ferry_medium *to, const struct ferry_qr_opts *qo,
                               struct ferry_export_result *res);
void ferry_export_result_clear(struct ferry_export_result *res);

struct ferry_import_one {
    char file[256];                   /* the package's name on the medium */
    ferry_err err;                    /* FERRY_OK when imported */
    char message[512];                /* what happened, for the operator */
    char transfer_id[33];             /* the request it answers */
    char *out_path;                   /* where the certificate was written */
    char *server_name;                /* RMS server name, or the X.509 subject */
    time_t not_before, new_not_after; /* RMS: the ISSUE right's RANGETIME (renewal date) */
    time_t valid_until;               /* RMS: the SLC's VALIDITYTIME end */
    uint8_t root_fp[32];              /* RMS: SHA-256 (SPKI) of the CA certificate's signer */
    enum ferry_kind kind;             /* what was written, once known (else 0) */
    uint8_t package_sha256[32];       /* the answer package (.ferry file) as carried */
    char *sender_name;                /* the paired online identity that signed it */
    uint8_t sender_fp[32];            /* its fingerprint */
    char *guid;                       /* RMS: the server GUID of the request it answers */
    time_t old_not_after;             /* the certificate being renewed, 0 unknown */
    char *key_path;                   /* X.509 --rekey: where the new private key is */
    char *changes; /* X.509: what differs from the certificate renewed (subject, SAN, key usage,
                    * EKU, key type, validity length), a line each; NULL: nothing, or that
                    * certificate could not be read (then @changes_note says so) */
    char changes_note[320];
};

struct ferry_import_result {
    struct ferry_import_one *items; /* one per answer package examined */
    size_t n;
    size_t imported;
    size_t skipped; /* imported before, still on the medium */
    size_t ignored; /* packages for the other side, identities */
};

/**
 * Imports the answers found on @from: verifies each package against the paired online
 * identities, binds it to an outstanding request (once: replays refused), checks the SLC
 * against the request (key, GUID, renewal date), re-verifies the XrML chain, writes the
 * MS-RMPR 3.6.4.2.1.2 response document (UTF-16LE, what the RMS console imports) byte-exact
 * as verified to @out_path (or <request dir>/<Server>SLC.xml; an existing file is refused
 * unless @force), keeps the service's raw answer in the state and records the answer. X.509 mode:
 * the chain's leaf must carry the kept PKCS#10's key and subject and verify to the CA certificates
 * carried back, valid now; the PEM chain (leaf first) goes to
 * @out_path or beside the certificate `request` recorded as <name>.renewed.pem (else beside
 * the PKCS#10). Returns FERRY_OK if at least one answer was imported and none failed; else the
 * first failure.
 */
ferry_err ferry_offline_import(struct ferry_store *s, const struct ferry_medium *from,
                               const char *out_path, int force, struct ferry_import_result *res);

/** ferry_offline_import with RMS answers' root pinned: @drm_root (32 bytes, or NULL) must be the
 * SHA-256 of the key that signed the CA certificate (FERRY_ERR_UNTRUSTED otherwise). */
ferry_err ferry_offline_import_pinned(struct ferry_store *s, const struct ferry_medium *from,
                                      const char *out_path, int force, const uint8_t *drm_root,
                                      struct ferry_import_result *res);

/* Shown each verified answer before its certificate is written: nonzero to go on, 0 to leave
 * it unwritten. */
typedef int (*ferry_import_check_fn)(void *ctx, const struct ferry_import_one *o);

struct ferry_import_opts {
    const char *out_path;        /* --out, or NULL */
    int force;                   /* overwrite an existing --out file */
    const uint8_t *drm_root;     /* RMS --drm-root pin (32 bytes), or NULL */
    ferry_import_check_fn check; /* after every check, before anything is written: the values
                                  * the runbook's import step lists are filled in; 0 leaves the
                                  * answer unwritten (FERRY_ERR_DECLINED). NULL: go on. */
    void *check_ctx;
};

/** ferry_offline_import with options. */
ferry_err ferry_offline_import_opts(struct ferry_store *s, const struct ferry_medium *from,
                                    const struct ferry_import_opts *o,
                                    struct ferry_import_result *res);
void ferry_import_result_clear(struct ferry_import_result *res);

#endif
