/* ferry — what the store's files share (store.c: the home; store_ledger.c: the ledger;
 * store_keys.c: the identity and the peers). Not for use outside common/src/store*.c. */
#ifndef FERRY_STORE_INT_H
#define FERRY_STORE_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "ferry/err.h"
#include "ferry/store.h"

#define KEY_FILE    "identity.key"
#define CERT_FILE   "identity.crt"
#define PEERS_DIR   "peers"
#define CERTS_DIR   "certs"
#define LEDGER_FILE "ledger.sqlite"
#define LOCK_FILE   "lock"

struct ferry_store {
    char *home;
    const char *side; /* ferry_side_name: as the ledger's meta and audit rows spell it */
    sqlite3 *db;
    struct ferry_lock *lock;
    uint8_t trip[FERRY_TRANSFER_ID_LEN]; /* this run's trip: every transfer it records shares it */
    int has_trip;
};

/*
 * Test hook (store.c): stalls at @where in a test build when $FERRY_TEST_STALL says so; inert
 * otherwise.
 */
void store_test_stall(const char *where);

/* store_ledger.c: a transaction (BEGIN IMMEDIATE), ended by store_tx_end (COMMIT if @r is
 * FERRY_OK, else ROLLBACK; returns the first error), and an audit row inside it. */
ferry_err store_tx_begin(struct ferry_store *s);
ferry_err store_tx_end(struct ferry_store *s, ferry_err r);
ferry_err store_audit_row(struct ferry_store *s, const char *event, const char *detail);

/* store_ledger.c, called by the opening: opens ledger.sqlite (made when @create), checks it
 * (PRAGMA quick_check), then creates its schema (when @create) or checks and migrates it. */
ferry_err store_ledger_open(struct ferry_store *s, int create);
ferry_err store_ledger_check(struct ferry_store *s);
ferry_err store_ledger_init(struct ferry_store *s, int create);

#endif
