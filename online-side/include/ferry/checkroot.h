/* ferry — is the GTE CyberTrust Global Root (or a pinned anchor) in the trust store? */
#ifndef FERRY_CHECKROOT_H
#define FERRY_CHECKROOT_H

#include <time.h>

#include "ferry/time.h"
#include "ferry/err.h"

/* SHA-256 of the GTE CyberTrust Global Root certificate (DER). */
#define FERRY_GTE_ROOT_SHA256                                                                      \
    "A5:31:25:18:8D:21:10:AA:96:4B:02:C7:B7:C6:DA:32:03:17:08:94:E5:FB:71:FF:FB:66:67:D5:"         \
    "E6:81:0A:36"

enum ferry_root_verdict {
    FERRY_ROOT_PRESENT = 1, /* found, within validity */
    FERRY_ROOT_ABSENT,      /* no certificate with that fingerprint or name */
    FERRY_ROOT_EXPIRED,     /* found, but not valid at @now (GTE expired 2018-08-13) */
    FERRY_ROOT_LOOKALIKE,   /* same subject name, another key/fingerprint */
};

struct ferry_root_report {
    enum ferry_root_verdict verdict;
    char where[512];      /* file or directory where it was (or was looked for) */
    char subject[256];    /* the anchor's subject (one line) */
    char fingerprint[96]; /* colon-separated upper-case SHA-256 of what was found */
    time_t not_after;     /* of the found certificate, 0 if none */
    int usable;           /* 1 if submissions have a usable anchor: PRESENT, or --root */
    char advice[512];     /* what the operator should do */
};

struct ferry_root_query {
    const char *ca_file;    /* NULL: OpenSSL's default file (X509_get_default_cert_file) */
    const char *ca_path;    /* NULL: OpenSSL's default dir (X509_get_default_cert_dir) */
    const char *root;       /* --root FILE: another pinned anchor; when set it is reported on */
    const char *expect_pem; /* the reference GTE certificate (PEM file path), NULL: built in */
    time_t now;
};

/** Looks for the anchor and fills @rep. Errors only for I/O on explicit files. */
ferry_err ferry_checkroot(const struct ferry_root_query *q, struct ferry_root_report *rep);

const char *ferry_root_verdict_name(enum ferry_root_verdict v); /* "present", ... */

#endif
