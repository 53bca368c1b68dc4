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

/**
 * Loads our identity (with key) and the paired peers. FERRY_ERR_UNTRUSTED with advice when
 * nothing is paired and @need_peer is set. Free with ferry_identity_free / ferry_store_peers_free.
 */
ferry_err ferry_state_keys(struct ferry_store *s, int need_peer, struct ferry_identity **me,
                           struct ferry_identity ***peers, size_t *npeers);

/**
 * Verifies a package read off a medium against the paired @peers and also against @me, so this
 * machine's own packages (its exports, its identity, left on the same stick) are recognised:
 * *own = 1 for those (the caller ignores them), else *signer is the peer's index.
 * Errors as ferry_package_verify.
 */
ferry_err ferry_state_verify(const struct ferry_identity *me, struct ferry_identity *const *peers,
                             size_t npeers, const uint8_t *der, size_t len,
                             struct ferry_manifest **m, size_t *signer, int *own);

/**
 * The verdict on a batch of packages read from one medium: the first real failure @first;
 * else, when nothing new was done (@done 0) but @replayed packages had been handled before,
 * FERRY_ERR_INCOMPLETE (exit 4) "nothing new on the medium: <@replay_msg>"; else FERRY_OK. So
 * old packages left on a stick are skipped when a new one goes through, and a run that finds
 * only those says there was nothing new (not that something was refused).
 */
ferry_err ferry_state_batch_verdict(ferry_err first, size_t done, size_t replayed,
                                    const char *replay_msg);

#endif
