/* ferry — the offline side's operations: export a request, import its answer. No network code. */
#ifndef FERRY_OFFLINE_H
#define FERRY_OFFLINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/codec.h"
#include "ferry/err.h"
#include "ferry/manifest.h"
#include "ferry/medium.h"
#include "ferry/qr.h"
#include "ferry/store.h"

struct ferry_export_result {
    char transfer_id[33];
    uint8_t package_sha256[FERRY_SHA256_LEN];
    char *package_name; /* "request-<id8>.ferry" */
    char *where;        /* file or folder written */
    char *server_name;
    char *guid;
    int paired;         /* 1 if an online peer is paired */
};

/**
 * Exports @request_path: checks it is an MS-RMPR Enroll request (byte-exact, never changed),
 * signs a package with our identity, writes it to @to, keeps a copy of the request and the
 * package under $FERRY_HOME, and records the transfer as outstanding. On failure nothing is
 * recorded.
 */
ferry_err ferry_offline_export(struct ferry_store *s, const char *request_path,
                               const struct ferry_medium *to, const struct ferry_qr_opts *qo,
                               struct ferry_export_result *res);
void ferry_export_result_clear(struct ferry_export_result *res);

struct ferry_import_one {
    char file[256];          /* the package's name on the medium */
    ferry_err err;           /* FERRY_OK when imported */
    char message[512];       /* what happened, for the operator */
    char transfer_id[33];    /* the request it answers */
    char *out_path;          /* where the certificate was written */
    char *server_name;
    time_t not_before, new_not_after;
};

struct ferry_import_result {
    struct ferry_import_one *items; /* one per answer package examined */
    size_t n;
    size_t imported;
    size_t ignored; /* packages for the other side, identities */
};

/**
 * Imports the answers found on @from: verifies each package against the paired online
 * identities, binds it to an outstanding request (once: replays refused), checks the SLC
 * against the request (key, GUID, validity), writes the response byte-exact to @out_path
 * (or <request dir>/<Server>SLC.xml; an existing file is refused unless @force) and records
 * the answer. Returns FERRY_OK if at least one answer was imported and none failed; else the
 * first failure.
 */
ferry_err ferry_offline_import(struct ferry_store *s, const struct ferry_medium *from,
                               const char *out_path, int force, struct ferry_import_result *res);
void ferry_import_result_clear(struct ferry_import_result *res);

#endif
