/* ferry — the state store under $FERRY_HOME: identity, paired peers, the SQLite ledger. */
#ifndef FERRY_STORE_H
#define FERRY_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/err.h"
#include "ferry/identity.h"
#include "ferry/kind.h"
#include "ferry/manifest.h"
#include "ferry/side.h"

/*
 * Layout of $FERRY_HOME (0700):
 *   identity.key   PKCS#8 PEM, 0600, created O_CREAT|O_EXCL|O_NOFOLLOW; refused when group- or
 *                  world-accessible or not owned by the user
 *   identity.crt   PEM
 *   peers/<fingerprint-hex>.crt   paired peer certificates (PEM), written atomically
 *   ledger.sqlite  the ledger (WAL off: DELETE journal, synchronous=FULL; every change in one
 *                  transaction, so a crash leaves the previous state whole)
 *   certs/         installed certificates (offline side) and kept answers
 */

struct ferry_store;

/**
 * Opens the store at @home, or $FERRY_HOME, or $XDG_DATA_HOME/ferry, or ~/.local/share/ferry.
 * @create: make the directory (0700) and the ledger if missing; otherwise FERRY_ERR_NOT_FOUND
 * ("run init first"). @side is recorded at creation (its ferry_side_name); opening a store
 * made by the other side fails with FERRY_ERR_MISMATCH.
 */
ferry_err ferry_store_open(const char *home, enum ferry_side side, int create,
                           struct ferry_store **out);

/**
 * As ferry_store_open, holding a lock on HOME/lock until ferry_store_close: @lock_mode 1
 * exclusive (a command that changes the state), 0 shared (one that only reads), -1 none.
 * Another run holding it: waits (see ferry_lock_take), then FERRY_ERR_IO naming its pid.
 */
ferry_err ferry_store_open_locked(const char *home, enum ferry_side side, int create, int lock_mode,
                                  struct ferry_store **out);

/** The store's directory (borrowed; resolved: no symbolic link in it). */
const char *ferry_store_home(const struct ferry_store *s);

/** Creates our identity; FERRY_ERR_EXISTS if one exists. *out (optional) receives it. */
ferry_err ferry_store_identity_create(struct ferry_store *s, const char *name,
                                      struct ferry_identity **out);

/** Loads our identity with its key. FERRY_ERR_NOT_FOUND before init; FERRY_ERR_UNTRUSTED if
 * the key file's mode lets group or others read it. */
ferry_err ferry_store_identity(struct ferry_store *s, struct ferry_identity **out);

/** Adds a paired peer (idempotent). */
ferry_err ferry_store_peer_add(struct ferry_store *s, const struct ferry_identity *peer);

/** All paired peers (array of new identities; free with ferry_store_peers_free). */
ferry_err ferry_store_peers(struct ferry_store *s, struct ferry_identity ***out, size_t *n);
void ferry_store_peers_free(struct ferry_identity **peers, size_t n);

/* ---- ledger ---- */

enum ferry_transfer_state {
    FERRY_TS_OUTSTANDING = 1, /* offline: exported, waiting for the answer */
    FERRY_TS_ANSWERED = 2,    /* offline: answer imported and installed */
    FERRY_TS_SUBMITTED = 3,   /* online: request submitted, answer packaged */
    FERRY_TS_FAILED = 4,      /* online: submission failed (may be retried) */
    FERRY_TS_CANCELLED = 5,   /* offline: given up by `cancel`; its answer is refused */
};

struct ferry_transfer {
    uint8_t id[FERRY_TRANSFER_ID_LEN];
    enum ferry_direction direction; /* of the package this row is about */
    enum ferry_transfer_state state;
    uint8_t package_sha256[FERRY_SHA256_LEN]; /* the .ferry file */
    uint8_t payload_sha256[FERRY_SHA256_LEN]; /* the request (or answer) payload bytes */
    enum ferry_kind kind;                     /* 0 when unknown; the ledger keeps its name */
    char *subject;                            /* server name or certificate subject */
    char *guid;                               /* RMS server GUID, or NULL */
    char *source_path;                        /* where the request came from (offline) */
    char *peer_fp;                            /* hex fingerprint of the other side */
    char *service;                            /* online: URL submitted to */
    time_t created;
    time_t updated;
    time_t old_not_after; /* current certificate's expiry when known, else 0 */
    time_t new_not_after; /* after answer: the issued certificate's expiry, else 0; RMS: the
                           * SLC's renewal date (the ISSUE right's RANGETIME end) */
    time_t valid_until;   /* RMS: the SLC's VALIDITYTIME end, else 0 */
    uint8_t posted_sha256[FERRY_SHA256_LEN]; /* online RMS: the bytes posted to the service */
    int has_posted;
    char *installed_path;                     /* offline: where the answer was written */
    uint8_t answer_id[FERRY_TRANSFER_ID_LEN]; /* id of the response package, when answered */
    int has_answer;
    /* Schema 3. The trip: one id for every transfer one run recorded (one export of many
     * requests, one submit of a medium holding many); left clear (has_trip 0) when adding, the
     * store gives the run's own. The medium each leg travelled on, as this side used it
     * (ferry_medium_kind_name: "usb", "png", "pdf", "html", "screen", "images", "camera"), NULL
     * when unknown (rows from before schema 3). */
    uint8_t trip[FERRY_TRANSFER_ID_LEN];
    int has_trip;
    char *request_medium; /* offline: what export wrote to; online: what submit read from */
    char *answer_medium;  /* online: what submit wrote the answer to; offline: what import read */
    /* Schema 4. Offline X.509: the certificate renewed and, after `request --rekey`, the new
     * key, as `request` recorded them (import writes the renewed one beside the certificate and
     * names the key); NULL when not recorded (an RMS transfer, a PKCS#10 made elsewhere). */
    char *cert_path;
    char *key_path;
};

/** Records a new transfer (FERRY_ERR_EXISTS if the id exists). Copies everything; without
 * t->has_trip the transfer joins this run's trip (see ferry_store_run_trip). */
ferry_err ferry_store_transfer_add(struct ferry_store *s, const struct ferry_transfer *t);

/** Loads a transfer by id. FERRY_ERR_NOT_FOUND. Free with ferry_transfer_free. */
ferry_err ferry_store_transfer_get(struct ferry_store *s, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                   struct ferry_transfer **out);

/** Latest transfer (by created, then rowid) in @state, or any state if @state is 0. */
ferry_err ferry_store_transfer_latest(struct ferry_store *s, enum ferry_transfer_state state,
                                      struct ferry_transfer **out);

/**
 * The one transfer whose id starts with @prefix (4 to 32 hex digits, any case).
 * FERRY_ERR_USAGE for a malformed or ambiguous prefix, FERRY_ERR_NOT_FOUND when none matches;
 * each with a message.
 */
ferry_err ferry_store_transfer_find(struct ferry_store *s, const char *prefix,
                                    struct ferry_transfer **out);

/**
 * Offline: ends an outstanding transfer (state FERRY_TS_CANCELLED) with an audit entry naming
 * @reason, in one transaction. A transfer that is not outstanding is refused with a message
 * saying what it is (FERRY_ERR_MISMATCH; FERRY_ERR_NOT_FOUND if absent).
 */
ferry_err ferry_store_transfer_cancel(struct ferry_store *s,
                                      const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *reason);

/**
 * This run's trip: 1 and the id in @trip once this store handle recorded a transfer (every
 * transfer recorded through one handle shares it), else 0.
 */
int ferry_store_run_trip(const struct ferry_store *s, uint8_t trip[FERRY_TRANSFER_ID_LEN]);

/**
 * The one trip whose id starts with @prefix (4 to 32 hex digits, any case). FERRY_ERR_USAGE for
 * a malformed or ambiguous prefix, FERRY_ERR_NOT_FOUND when none matches; each with a message.
 */
ferry_err ferry_store_trip_find(struct ferry_store *s, const char *prefix,
                                uint8_t trip[FERRY_TRANSFER_ID_LEN]);

/** The transfers of @trip in the order they were recorded (FERRY_ERR_NOT_FOUND if none); free
 * with ferry_transfers_free. */
ferry_err ferry_store_trip_transfers(struct ferry_store *s,
                                     const uint8_t trip[FERRY_TRANSFER_ID_LEN],
                                     struct ferry_transfer ***out, size_t *n);

/** All transfers, newest first (array of pointers; free with ferry_transfers_free). */
ferry_err ferry_store_transfers(struct ferry_store *s, struct ferry_transfer ***out, size_t *n);
void ferry_transfers_free(struct ferry_transfer **t, size_t n);

/**
 * Offline: marks the transfer answered, in one transaction, only if it is still
 * FERRY_TS_OUTSTANDING (else FERRY_ERR_REPLAY: "already answered on <date>"), and records the
 * answer package as seen. Sets state, answer_id, new_not_after, valid_until (RMS, else 0),
 * installed_path, answer_medium (@medium: what the answer was read from, NULL unknown), updated.
 */
ferry_err ferry_store_transfer_answer(struct ferry_store *s,
                                      const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                      const uint8_t answer_id[FERRY_TRANSFER_ID_LEN],
                                      const uint8_t answer_pkg_sha256[FERRY_SHA256_LEN],
                                      time_t new_not_after, time_t valid_until,
                                      const char *installed_path, const char *medium);

/** Online: updates state, service, new_not_after (0 keeps) and updated. */
ferry_err ferry_store_transfer_update(struct ferry_store *s,
                                      const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                      enum ferry_transfer_state state, const char *service,
                                      time_t new_not_after);

/**
 * Online: records a submitted request in one transaction: the transfer (added, or an existing
 * one set to t->state, t->service, t->new_not_after, this run's trip and t's media when given)
 * and its request package as seen. A crash leaves both or neither.
 */
ferry_err ferry_store_transfer_submitted(struct ferry_store *s, const struct ferry_transfer *t,
                                         const uint8_t pkg_sha256[FERRY_SHA256_LEN]);

/** 1 if a package with this SHA-256 was accepted before, else 0 (errors count as 0). */
int ferry_store_package_seen(struct ferry_store *s, const uint8_t sha256[FERRY_SHA256_LEN]);

/** Records a package as seen (idempotent). */
ferry_err ferry_store_package_mark_seen(struct ferry_store *s,
                                        const uint8_t sha256[FERRY_SHA256_LEN],
                                        const uint8_t transfer_id[FERRY_TRANSFER_ID_LEN]);

/** Appends to the audit trail: time, event ("init", "pair", "export", ...), free text. */
ferry_err ferry_store_audit(struct ferry_store *s, const char *event, const char *detail);

void ferry_transfer_free(struct ferry_transfer *t);
void ferry_store_close(struct ferry_store *s);

#endif
