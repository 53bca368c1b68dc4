/* ferry — kept copies under $FERRY_HOME: requests, packages, certificates, by transfer id. */
#ifndef FERRY_STATEFILE_H
#define FERRY_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"
#include "ferry/file.h"
#include "ferry/manifest.h"
#include "ferry/package.h"
#include "ferry/store.h"

/** HOME/@sub/<32 hex>@ext as a new string (caller frees), NULL on OOM. */
char *ferry_state_path(const char *home, const char *sub, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                       const char *ext);

/** Saves @len bytes atomically (mode 0600) at ferry_state_path(), creating HOME/@sub (0700). */
ferry_err ferry_state_save(const char *home, const char *sub,
                           const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                           const uint8_t *data, size_t len);

/** As ferry_state_save; *@id receives the identity of the file written (for a rollback). */
ferry_err ferry_state_save_id(const char *home, const char *sub,
                              const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                              const uint8_t *data, size_t len, struct ferry_file_id *fid);

/** Removes a kept copy only if it is still the file @fid names (see ferry_file_remove_own). */
void ferry_state_remove_own(const char *home, const char *sub,
                            const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext,
                            const struct ferry_file_id *fid);

/** Loads a kept copy (capped at @max). FERRY_ERR_NOT_FOUND if absent. */
ferry_err ferry_state_load(const char *home, const char *sub,
                           const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *ext, size_t max,
                           uint8_t **data, size_t *len);

/*
 * The record of an X.509 renewal's files, "cert=PATH\nkey=PATH\n" (key only with --rekey):
 * `request` keeps it under the PKCS#10's digest (FERRY_STATE_CSR_RECORD), export copies its paths
 * into the ledger's transfer. Before ledger schema 4 export also kept it as requests/<transfer
 * id>.cert (FERRY_STATE_OLD_CERT_RECORD), which the migration reads once.
 */
#define FERRY_STATE_CSR_RECORD      ".csr-cert"
#define FERRY_STATE_OLD_CERT_RECORD ".cert"

/** Reads the record requests/<@id><@ext>: *cert and *key (new strings, NULL when a line is
 * absent). FERRY_ERR_NOT_FOUND when there is none. */
ferry_err ferry_state_cert_record(const char *home, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                  const char *ext, char **cert, char **key);

/** Removes a kept copy (ignores absence). */
void ferry_state_remove(const char *home, const char *sub, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                        const char *ext);

#endif
