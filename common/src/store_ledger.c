/* ferry — the ledger under $FERRY_HOME (ledger.sqlite): its schema and migrations, the
 * transfers, their trips, the packages seen and the audit trail. Every change is one BEGIN
 * IMMEDIATE..COMMIT transaction (DELETE journal, synchronous=FULL), so a crash or a full disk
 * leaves the previous state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/statefile.h"
#include "ferry/store.h"
#include "store_int.h"

#define STORE_SCHEMA_VERSION                                                                       \
    4 /* 2: state 5 (cancelled); valid_until, posted_sha256.                                       \
       * 3: trip, request_medium, answer_medium. 4: cert_path, key_path */
#define STORE_BUSY_MS  10000
#define STORE_MAX_ROWS 100000 /* transfers listed at once */
#define STORE_MAX_TEXT 4096   /* audit detail and text columns */

/* The transfers table under @name (a migration builds the new one beside the old), and its
 * indexes, made once the table is called "transfers". */
#define TRANSFERS_TABLE(name)                                                                      \
    "CREATE TABLE " name " ("                                                                      \
    " id BLOB PRIMARY KEY CHECK (length(id) = 16),"                                                \
    " direction INTEGER NOT NULL CHECK (direction IN (1, 2)),"                                     \
    " state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 5),"                                       \
    " package_sha256 BLOB NOT NULL CHECK (length(package_sha256) = 32),"                           \
    " payload_sha256 BLOB NOT NULL CHECK (length(payload_sha256) = 32),"                           \
    " kind TEXT, subject TEXT, guid TEXT, source_path TEXT, peer_fp TEXT, service TEXT,"           \
    " created INTEGER NOT NULL, updated INTEGER NOT NULL,"                                         \
    " old_not_after INTEGER NOT NULL DEFAULT 0, new_not_after INTEGER NOT NULL DEFAULT 0,"         \
    " installed_path TEXT,"                                                                        \
    " answer_id BLOB CHECK (answer_id IS NULL OR length(answer_id) = 16),"                         \
    " answered INTEGER,"                                                                           \
    " valid_until INTEGER NOT NULL DEFAULT 0,"                                                     \
    " posted_sha256 BLOB CHECK (posted_sha256 IS NULL OR length(posted_sha256) = 32),"             \
    " trip BLOB CHECK (trip IS NULL OR length(trip) = 16),"                                        \
    " request_medium TEXT CHECK (request_medium IS NULL OR length(request_medium) <= 16),"         \
    " answer_medium TEXT CHECK (answer_medium IS NULL OR length(answer_medium) <= 16),"            \
    " cert_path TEXT, key_path TEXT);"
#define TRANSFERS_INDEXES                                                                          \
    "CREATE INDEX transfers_created ON transfers (created, state);"                                \
    "CREATE INDEX transfers_trip ON transfers (trip);"

static const char *const schema_sql =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);" TRANSFERS_TABLE("transfers")
        TRANSFERS_INDEXES
    "CREATE TABLE packages_seen ("
    " sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),"
    " transfer_id BLOB CHECK (transfer_id IS NULL OR length(transfer_id) = 16),"
    " seen INTEGER NOT NULL);"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, side TEXT NOT "
    "NULL,"
    " event TEXT NOT NULL, detail TEXT);";

#define TRANSFER_COLS                                                                              \
    "id, direction, state, package_sha256, payload_sha256, kind, subject, guid, source_path, "     \
    "peer_fp, service, created, updated, old_not_after, new_not_after, installed_path, "           \
    "answer_id, valid_until, posted_sha256, trip, request_medium, answer_medium, cert_path, "      \
    "key_path"

/* ---- SQLite helpers ---- */

/* The ledger is damaged: what is safe to do. */
static ferry_err corrupt_err(const struct ferry_store *s, const char *why)
{
    return ferry_errf(FERRY_ERR_IO,
                      "%s/%s: the ledger is damaged (%s); nothing was changed. Copy the whole "
                      "folder away first (cp -a %s %s.damaged), then put back ledger.sqlite from "
                      "your last backup. The kept copies in %s/requests, certs and packages and "
                      "the certificates already installed are not affected; do not delete the "
                      "folder or run init in it",
                      s->home, LEDGER_FILE, why, s->home, s->home, s->home);
}

static ferry_err db_err(const struct ferry_store *s, int rc, const char *what)
{
    if (rc == SQLITE_NOMEM)
        return FERRY_ERR_NOMEM;
    if (rc == SQLITE_FULL)
        return ferry_errf(FERRY_ERR_IO,
                          "%s/%s: %s: the disk is full (nothing was changed): "
                          "free some space, then run the command again",
                          s->home, LEDGER_FILE, what);
    if (rc == SQLITE_IOERR)
        return ferry_errf(FERRY_ERR_IO,
                          "%s/%s: %s: %s (nothing was changed): the disk may be "
                          "failing; check it, then run the command again",
                          s->home, LEDGER_FILE, what,
                          s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
        return corrupt_err(s, s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return ferry_errf(FERRY_ERR_IO,
                          "%s/%s: %s: the ledger is locked by another ferry "
                          "process; try again",
                          s->home, LEDGER_FILE, what);
    return ferry_errf(FERRY_ERR_IO, "%s/%s: %s: %s", s->home, LEDGER_FILE, what,
                      s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

static ferry_err prep(struct ferry_store *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

    return rc == SQLITE_OK ? FERRY_OK : db_err(s, rc, "cannot prepare a query");
}

static ferry_err exec(struct ferry_store *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? FERRY_OK : db_err(s, rc, what);
}

ferry_err store_tx_begin(struct ferry_store *s)
{
    return exec(s, "BEGIN IMMEDIATE", "cannot start a transaction");
}

static ferry_err tx_commit(struct ferry_store *s)
{
    return exec(s, "COMMIT", "cannot commit");
}

static void tx_rollback(struct ferry_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Ends a transaction begun by store_tx_begin: COMMIT if @r is FERRY_OK, else ROLLBACK. */
ferry_err store_tx_end(struct ferry_store *s, ferry_err r)
{
    if (r == FERRY_OK && (r = tx_commit(s)) == FERRY_OK)
        return FERRY_OK;
    tx_rollback(s);
    return r;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static int bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
    return sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT);
}

/* Steps a statement that returns no row; SQLITE_DONE -> FERRY_OK. *rc gets the raw code. */
static ferry_err step_done(struct ferry_store *s, sqlite3_stmt *st, int *rc, const char *what)
{
    int c = sqlite3_step(st);

    if (rc != NULL)
        *rc = c;
    return c == SQLITE_DONE ? FERRY_OK : db_err(s, c, what);
}

/* Appends an audit row inside the caller's transaction. */
ferry_err store_audit_row(struct ferry_store *s, const char *event, const char *detail)
{
    sqlite3_stmt *st = NULL;
    ferry_err r;

    if ((r = prep(s, "INSERT INTO audit (time, side, event, detail) VALUES (?, ?, ?, ?)", &st)) !=
        FERRY_OK)
        return r;
    if (sqlite3_bind_int64(st, 1, (sqlite3_int64)ferry_time_now()) != SQLITE_OK ||
        bind_text(st, 2, s->side) != SQLITE_OK || bind_text(st, 3, event) != SQLITE_OK ||
        bind_text(st, 4, detail) != SQLITE_OK)
        r = db_err(s, sqlite3_errcode(s->db), "cannot bind");
    else
        r = step_done(s, st, NULL, "cannot append to the audit trail");
    sqlite3_finalize(st);
    return r;
}

static ferry_err meta_get(struct ferry_store *s, const char *key, char **out)
{
    sqlite3_stmt *st = NULL;
    ferry_err r;
    int rc;

    *out = NULL;
    if ((r = prep(s, "SELECT value FROM meta WHERE key = ?", &st)) != FERRY_OK)
        return r;
    bind_text(st, 1, key);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        r = v != NULL && (*out = strdup((const char *)v)) != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
    } else {
        r = rc == SQLITE_DONE ? ferry_errf(FERRY_ERR_FORMAT, "%s/%s: no '%s' in the ledger",
                                           s->home, LEDGER_FILE, key)
                              : db_err(s, rc, "cannot read meta");
    }
    sqlite3_finalize(st);
    return r;
}

static ferry_err meta_put(struct ferry_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    ferry_err r;

    if ((r = prep(s, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", &st)) != FERRY_OK)
        return r;
    bind_text(st, 1, key);
    bind_text(st, 2, value);
    r = step_done(s, st, NULL, "cannot write meta");
    sqlite3_finalize(st);
    return r;
}

/* Creates the schema in a fresh ledger (inside a transaction). */
static ferry_err schema_create(struct ferry_store *s)
{
    char ver[16], date[21];
    ferry_err r;

    snprintf(ver, sizeof(ver), "%d", STORE_SCHEMA_VERSION);
    ferry_time_iso(ferry_time_now(), date);
    if ((r = exec(s, schema_sql, "cannot create the ledger")) != FERRY_OK ||
        (r = meta_put(s, "schema_version", ver)) != FERRY_OK ||
        (r = meta_put(s, "side", s->side)) != FERRY_OK ||
        (r = meta_put(s, "created", date)) != FERRY_OK)
        return r;
    return store_audit_row(s, "store-create", s->home);
}

/*
 * Migrations of an older ledger, inside the opening transaction (a crash leaves the old version
 * whole). SQLite cannot change a CHECK, so the transfers table is rebuilt in one step from any
 * older version: the columns that version had are copied, the newer ones take their defaults,
 * and the indexes are made again.
 *   1 -> 2: transfers.state may be 5 (FERRY_TS_CANCELLED); new columns valid_until (RMS:
 *           VALIDITYTIME end beside the renewal date) and posted_sha256 (RMS: the bytes posted).
 *   2 -> 3: new columns trip (the run that recorded the transfer: one export or one submit),
 *           request_medium and answer_medium (the medium each leg travelled on, as this side
 *           wrote or read it: "usb", "png", "pdf", "html", "screen", "images", "camera").
 *           Rows from before keep them NULL: unknown (the runbook leaves a blank, or --medium).
 *   3 -> 4: new columns cert_path and key_path (offline X.509: the certificate renewed and the
 *           --rekey key, as `request` recorded them), until now in a file export kept beside
 *           the transfer (requests/<id>.cert): read into the row once, the file left as it is.
 */
#define TRANSFER_COLS_V1                                                                           \
    "id, direction, state, package_sha256, payload_sha256, kind, subject, guid, source_path, "     \
    "peer_fp, service, created, updated, old_not_after, new_not_after, installed_path, "           \
    "answer_id, answered"
static const char *const version_cols[] = {
    NULL, TRANSFER_COLS_V1,                                                               /* 1 */
    TRANSFER_COLS_V1 ", valid_until, posted_sha256",                                      /* 2 */
    TRANSFER_COLS_V1 ", valid_until, posted_sha256, trip, request_medium, answer_medium", /* 3 */
};

static int text_ok(const char *v);
static int col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n, int optional);

/* 3 -> 4: the paths of each X.509 transfer's record (export kept it as requests/<id>.cert) go
 * into its row; a transfer without one (made elsewhere, or the file gone) keeps NULL. */
static ferry_err adopt_cert_records(struct ferry_store *s)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    uint8_t id[FERRY_TRANSFER_ID_LEN];
    char *cert = NULL, *key = NULL;
    ferry_err r;
    int rc;

    if ((r = prep(s, "SELECT id FROM transfers WHERE kind = ?", &sel)) != FERRY_OK ||
        (r = prep(s, "UPDATE transfers SET cert_path = ?1, key_path = ?2 WHERE id = ?3", &upd)) !=
            FERRY_OK)
        goto out;
    bind_text(sel, 1, ferry_kind_name(FERRY_KIND_X509));
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        if (col_blob(sel, 0, id, sizeof(id), 0) < 0)
            continue;
        if (ferry_state_cert_record(s->home, id, FERRY_STATE_OLD_CERT_RECORD, &cert, &key) !=
            FERRY_OK) {
            ferry_err_clear();
            continue;
        }
        if (!text_ok(cert) || !text_ok(key)) {
            r = corrupt_err(s, "an X.509 transfer's record of its files is too long");
            goto out;
        }
        sqlite3_reset(upd);
        bind_text(upd, 1, cert);
        bind_text(upd, 2, key);
        bind_blob(upd, 3, id, sizeof(id));
        FERRY_FREE(cert);
        FERRY_FREE(key);
        if ((r = step_done(s, upd, NULL, "cannot update the ledger to this version of ferry")) !=
            FERRY_OK)
            goto out;
    }
    if (rc != SQLITE_DONE)
        r = db_err(s, rc, "cannot read the ledger");
out:
    free(cert);
    free(key);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return r;
}

static ferry_err schema_migrate(struct ferry_store *s, long from)
{
    char ver[16], detail[64];
    const char *cols = version_cols[from];
    struct ferry_buf sql;
    ferry_err r;

    ferry_buf_init(&sql, 8192);
    r = ferry_buf_printf(&sql,
                         TRANSFERS_TABLE("transfers_new") "INSERT INTO transfers_new (%s) SELECT "
                                                          "%s FROM transfers;"
                                                          "DROP TABLE transfers;"
                                                          "ALTER TABLE transfers_new RENAME TO "
                                                          "transfers;" TRANSFERS_INDEXES,
                         cols, cols);
    if (r == FERRY_OK)
        r = exec(s, (const char *)sql.data, "cannot update the ledger to this version of ferry");
    ferry_buf_free(&sql);
    if (r == FERRY_OK)
        r = adopt_cert_records(s);
    if (r != FERRY_OK)
        return r;
    snprintf(ver, sizeof(ver), "%d", STORE_SCHEMA_VERSION);
    snprintf(detail, sizeof(detail), "schema %ld -> %d", from, STORE_SCHEMA_VERSION);
    if ((r = meta_put(s, "schema_version", ver)) != FERRY_OK)
        return r;
    ferry_log(FERRY_LOG_INFO, "%s/%s: ledger updated (%s)", s->home, LEDGER_FILE, detail);
    return store_audit_row(s, "store-migrate", detail);
}

/* Checks the side and version recorded in an existing ledger; migrates an older one. */
static ferry_err schema_check(struct ferry_store *s)
{
    char *side = NULL, *ver = NULL;
    ferry_err r;
    long v;

    if ((r = meta_get(s, "side", &side)) != FERRY_OK ||
        (r = meta_get(s, "schema_version", &ver)) != FERRY_OK)
        goto out;
    if (strcmp(side, s->side) != 0) {
        r = ferry_errf(FERRY_ERR_MISMATCH,
                       "%s: this FERRY_HOME belongs to ferry-%s, not "
                       "ferry-%s: give another --home",
                       s->home, side, s->side);
        goto out;
    }
    v = strtol(ver, NULL, 10);
    if (v >= 1 && v < STORE_SCHEMA_VERSION)
        r = schema_migrate(s, v);
    else if (v != STORE_SCHEMA_VERSION)
        r = ferry_errf(FERRY_ERR_MISMATCH,
                       "%s/%s: ledger schema version %s, this ferry knows "
                       "version %d: use the ferry that wrote it",
                       s->home, LEDGER_FILE, ver, STORE_SCHEMA_VERSION);
out:
    free(side);
    free(ver);
    return r;
}

static int table_exists(struct ferry_store *s, const char *name)
{
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (prep(s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", &st) != FERRY_OK)
        return -1;
    bind_text(st, 1, name);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

ferry_err store_ledger_open(struct ferry_store *s, int create)
{
    char *path = ferry_path_join(s->home, LEDGER_FILE);
    int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
    ferry_err r;

    if (path == NULL)
        return FERRY_ERR_NOMEM;
    if (!ferry_path_exists(path) && !create) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "%s: no ledger: run `ferry-%s init` first", path,
                       s->side);
        goto out;
    }
    rc = sqlite3_open_v2(path, &s->db, flags | (create ? SQLITE_OPEN_CREATE : 0), NULL);
    if (rc != SQLITE_OK) {
        r = db_err(s, rc, "cannot open");
        goto out;
    }
    if (chmod(path, 0600) != 0) {
        r = ferry_errf(FERRY_ERR_IO, "%s: chmod: %s", path, strerror(errno));
        goto out;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
    sqlite3_extended_result_codes(s->db, 0);
    r = exec(s,
             "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; "
             "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF",
             "cannot set up the ledger");
out:
    free(path);
    return r;
}

/* PRAGMA quick_check: corruption anywhere in the ledger, also in tables this command does not
 * read, stops the command before it changes anything. */
ferry_err store_ledger_check(struct ferry_store *s)
{
    sqlite3_stmt *st = NULL;
    const unsigned char *v;
    char first[256] = "";
    int rc, bad = 0;
    ferry_err r;

    if ((r = prep(s, "PRAGMA quick_check(4)", &st)) != FERRY_OK)
        return r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = sqlite3_column_text(st, 0);
        if (v == NULL || strcmp((const char *)v, "ok") != 0) {
            if (!bad)
                snprintf(first, sizeof(first), "%s", v != NULL ? (const char *)v : "?");
            bad = 1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_err(s, rc, "cannot check the ledger");
    return bad ? corrupt_err(s, first) : FERRY_OK;
}

/* Creates the schema if missing (when allowed), else checks it; one transaction. */
ferry_err store_ledger_init(struct ferry_store *s, int create)
{
    ferry_err r;
    int has;

    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    if ((has = table_exists(s, "meta")) < 0)
        r = db_err(s, sqlite3_errcode(s->db), "cannot read the ledger");
    else if (has)
        r = schema_check(s);
    else if (create)
        r = schema_create(s);
    else
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "%s/%s: empty ledger: run `ferry-%s init` first",
                       s->home, LEDGER_FILE, s->side);
    return store_tx_end(s, r);
}
/* ---- audit ---- */

ferry_err ferry_store_audit(struct ferry_store *s, const char *event, const char *detail)
{
    ferry_err r;

    if (event == NULL || event[0] == '\0' || strlen(event) > 64 ||
        (detail != NULL && strlen(detail) > STORE_MAX_TEXT))
        return ferry_errf(FERRY_ERR_USAGE, "audit event empty or too long");
    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    return store_tx_end(s, store_audit_row(s, event, detail));
}

/* ---- ledger: transfers ---- */

void ferry_transfer_free(struct ferry_transfer *t)
{
    if (t == NULL)
        return;
    free(t->subject);
    free(t->guid);
    free(t->source_path);
    free(t->peer_fp);
    free(t->service);
    free(t->installed_path);
    free(t->request_medium);
    free(t->answer_medium);
    free(t->cert_path);
    free(t->key_path);
    free(t);
}

void ferry_transfers_free(struct ferry_transfer **t, size_t n)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < n; i++)
        ferry_transfer_free(t[i]);
    free(t);
}

static int text_ok(const char *v)
{
    return v == NULL || strlen(v) <= STORE_MAX_TEXT;
}

/* A medium's name as recorded: NULL (unknown) or 1 to 16 lower-case letters ("usb", "pdf"). */
static int medium_ok(const char *v)
{
    size_t n = v != NULL ? strlen(v) : 1;

    return v == NULL || (n >= 1 && n <= 16 && strspn(v, "abcdefghijklmnopqrstuvwxyz") == n);
}

static ferry_err col_text(sqlite3_stmt *st, int i, char **out)
{
    const unsigned char *v = sqlite3_column_text(st, i);

    *out = NULL;
    if (v == NULL)
        return sqlite3_column_type(st, i) == SQLITE_NULL ? FERRY_OK : FERRY_ERR_NOMEM;
    return (*out = strdup((const char *)v)) != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

/* Copies a BLOB column of exactly @n bytes; 0 if NULL (when @optional), -1 if malformed. */
static int col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n, int optional)
{
    const void *p;

    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return optional ? 0 : -1;
    p = sqlite3_column_blob(st, i);
    if (p == NULL || (size_t)sqlite3_column_bytes(st, i) != n)
        return -1;
    memcpy(out, p, n);
    return 1;
}

/* The kind column: its name in the table of kinds, or NULL (unknown: 0). */
static ferry_err col_kind(const struct ferry_store *s, sqlite3_stmt *st, int i,
                          enum ferry_kind *out)
{
    const struct ferry_kind_info *k;

    *out = 0;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return FERRY_OK;
    if ((k = ferry_kind_by_name((const char *)sqlite3_column_text(st, i))) == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "%s/%s: a transfer of an unknown kind", s->home,
                          LEDGER_FILE);
    *out = k->kind;
    return FERRY_OK;
}

/* Builds a transfer from a row of TRANSFER_COLS. */
static ferry_err row_transfer(const struct ferry_store *s, sqlite3_stmt *st,
                              struct ferry_transfer **out)
{
    struct ferry_transfer *t = calloc(1, sizeof(*t));
    ferry_err r = FERRY_ERR_NOMEM;
    int has;

    *out = NULL;
    if (t == NULL)
        return FERRY_ERR_NOMEM;
    if (col_blob(st, 0, t->id, sizeof(t->id), 0) < 0 ||
        col_blob(st, 3, t->package_sha256, sizeof(t->package_sha256), 0) < 0 ||
        col_blob(st, 4, t->payload_sha256, sizeof(t->payload_sha256), 0) < 0 ||
        (has = col_blob(st, 16, t->answer_id, sizeof(t->answer_id), 1)) < 0 ||
        (t->has_posted = col_blob(st, 18, t->posted_sha256, sizeof(t->posted_sha256), 1)) < 0 ||
        (t->has_trip = col_blob(st, 19, t->trip, sizeof(t->trip), 1)) < 0) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s/%s: malformed transfer row", s->home, LEDGER_FILE);
        goto out;
    }
    t->has_answer = has;
    t->direction = (enum ferry_direction)sqlite3_column_int(st, 1);
    t->state = (enum ferry_transfer_state)sqlite3_column_int(st, 2);
    if ((r = col_kind(s, st, 5, &t->kind)) != FERRY_OK)
        goto out;
    r = FERRY_ERR_NOMEM;
    if (col_text(st, 6, &t->subject) != FERRY_OK || col_text(st, 7, &t->guid) != FERRY_OK ||
        col_text(st, 8, &t->source_path) != FERRY_OK || col_text(st, 9, &t->peer_fp) != FERRY_OK ||
        col_text(st, 10, &t->service) != FERRY_OK ||
        col_text(st, 15, &t->installed_path) != FERRY_OK ||
        col_text(st, 20, &t->request_medium) != FERRY_OK ||
        col_text(st, 21, &t->answer_medium) != FERRY_OK ||
        col_text(st, 22, &t->cert_path) != FERRY_OK || col_text(st, 23, &t->key_path) != FERRY_OK)
        goto out;
    t->created = (time_t)sqlite3_column_int64(st, 11);
    t->updated = (time_t)sqlite3_column_int64(st, 12);
    t->old_not_after = (time_t)sqlite3_column_int64(st, 13);
    t->new_not_after = (time_t)sqlite3_column_int64(st, 14);
    t->valid_until = (time_t)sqlite3_column_int64(st, 17);
    *out = t;
    t = NULL;
    r = FERRY_OK;
out:
    ferry_transfer_free(t);
    return r;
}

/* The trip of @t: its own when given, else this run's (drawn at the first transfer recorded). */
static ferry_err trip_of(struct ferry_store *s, const struct ferry_transfer *t,
                         const uint8_t **trip)
{
    ferry_err r;

    if (t->has_trip) {
        *trip = t->trip;
        return FERRY_OK;
    }
    if (!s->has_trip) {
        if ((r = ferry_random(s->trip, sizeof(s->trip))) != FERRY_OK)
            return r;
        s->has_trip = 1;
    }
    *trip = s->trip;
    return FERRY_OK;
}

static ferry_err transfer_insert(struct ferry_store *s, const struct ferry_transfer *t, time_t now)
{
    sqlite3_stmt *st = NULL;
    const uint8_t *trip;
    ferry_err r;
    int rc;

    if ((r = trip_of(s, t, &trip)) != FERRY_OK)
        return r;
    if ((r = prep(s,
                  "INSERT INTO transfers (" TRANSFER_COLS ", answered) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                  &st)) != FERRY_OK)
        return r;
    bind_blob(st, 1, t->id, sizeof(t->id));
    sqlite3_bind_int(st, 2, (int)t->direction);
    sqlite3_bind_int(st, 3, (int)t->state);
    bind_blob(st, 4, t->package_sha256, sizeof(t->package_sha256));
    bind_blob(st, 5, t->payload_sha256, sizeof(t->payload_sha256));
    bind_text(st, 6, ferry_kind_name(t->kind));
    bind_text(st, 7, t->subject);
    bind_text(st, 8, t->guid);
    bind_text(st, 9, t->source_path);
    bind_text(st, 10, t->peer_fp);
    bind_text(st, 11, t->service);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)(t->created != 0 ? t->created : now));
    sqlite3_bind_int64(st, 13, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 14, (sqlite3_int64)t->old_not_after);
    sqlite3_bind_int64(st, 15, (sqlite3_int64)t->new_not_after);
    bind_text(st, 16, t->installed_path);
    if (t->has_answer)
        bind_blob(st, 17, t->answer_id, sizeof(t->answer_id));
    sqlite3_bind_int64(st, 18, (sqlite3_int64)t->valid_until);
    if (t->has_posted)
        bind_blob(st, 19, t->posted_sha256, sizeof(t->posted_sha256));
    bind_blob(st, 20, trip, FERRY_TRANSFER_ID_LEN);
    bind_text(st, 21, t->request_medium);
    bind_text(st, 22, t->answer_medium);
    bind_text(st, 23, t->cert_path);
    bind_text(st, 24, t->key_path);
    r = step_done(s, st, &rc, "cannot record the transfer");
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT) {
        char hex[2 * FERRY_TRANSFER_ID_LEN + 1];
        ferry_hex(t->id, sizeof(t->id), hex);
        r = ferry_errf(FERRY_ERR_EXISTS, "transfer %s is already in the ledger", hex);
    }
    return r;
}

ferry_err ferry_store_transfer_add(struct ferry_store *s, const struct ferry_transfer *t)
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], detail[128];
    ferry_err r;

    if (t->direction != FERRY_DIR_TO_ONLINE && t->direction != FERRY_DIR_TO_OFFLINE)
        return ferry_errf(FERRY_ERR_USAGE, "transfer direction %d unknown", (int)t->direction);
    if (t->state < FERRY_TS_OUTSTANDING || t->state > FERRY_TS_CANCELLED)
        return ferry_errf(FERRY_ERR_USAGE, "transfer state %d unknown", (int)t->state);
    if (t->kind != 0 && ferry_kind_get(t->kind) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "transfer kind %d unknown", (int)t->kind);
    if (!text_ok(t->subject) || !text_ok(t->guid) || !text_ok(t->source_path) ||
        !text_ok(t->peer_fp) || !text_ok(t->service) || !text_ok(t->installed_path) ||
        !text_ok(t->cert_path) || !text_ok(t->key_path))
        return ferry_errf(FERRY_ERR_TOO_LARGE, "transfer text field over %d bytes", STORE_MAX_TEXT);
    if (!medium_ok(t->request_medium) || !medium_ok(t->answer_medium))
        return ferry_errf(FERRY_ERR_USAGE, "transfer medium is not a medium's name");
    ferry_hex(t->id, sizeof(t->id), hex);
    snprintf(detail, sizeof(detail), "%s state=%d", hex, (int)t->state);
    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    if ((r = transfer_insert(s, t, ferry_time_now())) == FERRY_OK)
        r = store_audit_row(s, "transfer-add", detail);
    return store_tx_end(s, r);
}

/* Runs a SELECT of TRANSFER_COLS (parameters bound by the caller) and returns its first row. */
static ferry_err transfer_first(struct ferry_store *s, sqlite3_stmt *st, const char *what,
                                struct ferry_transfer **out)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW)
        return row_transfer(s, st, out);
    if (rc == SQLITE_DONE)
        return ferry_errf(FERRY_ERR_NOT_FOUND, "%s: not in the ledger (see `status`)", what);
    return db_err(s, rc, "cannot read the ledger");
}

ferry_err ferry_store_transfer_get(struct ferry_store *s, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                   struct ferry_transfer **out)
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], what[64];
    sqlite3_stmt *st = NULL;
    ferry_err r;

    *out = NULL;
    ferry_hex(id, FERRY_TRANSFER_ID_LEN, hex);
    snprintf(what, sizeof(what), "transfer %s", hex);
    if ((r = prep(s, "SELECT " TRANSFER_COLS " FROM transfers WHERE id = ?", &st)) != FERRY_OK)
        return r;
    bind_blob(st, 1, id, FERRY_TRANSFER_ID_LEN);
    r = transfer_first(s, st, what, out);
    sqlite3_finalize(st);
    return r;
}

ferry_err ferry_store_transfer_latest(struct ferry_store *s, enum ferry_transfer_state state,
                                      struct ferry_transfer **out)
{
    sqlite3_stmt *st = NULL;
    ferry_err r;

    *out = NULL;
    if ((r = prep(s,
                  "SELECT " TRANSFER_COLS " FROM transfers WHERE ?1 = 0 OR state = ?1 "
                  "ORDER BY created DESC, rowid DESC LIMIT 1",
                  &st)) != FERRY_OK)
        return r;
    sqlite3_bind_int(st, 1, (int)state);
    r = transfer_first(s, st, state != 0 ? "no transfer in that state" : "no transfer", out);
    sqlite3_finalize(st);
    return r;
}

ferry_err ferry_store_transfers(struct ferry_store *s, struct ferry_transfer ***out, size_t *n)
{
    struct ferry_transfer **v = NULL, **t, *row = NULL;
    sqlite3_stmt *st = NULL;
    size_t cnt = 0;
    ferry_err r;
    int rc;

    *out = NULL;
    *n = 0;
    if ((r = prep(s, "SELECT " TRANSFER_COLS " FROM transfers ORDER BY created DESC, rowid DESC",
                  &st)) != FERRY_OK)
        return r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == STORE_MAX_ROWS) {
            r = ferry_errf(FERRY_ERR_TOO_LARGE, "ledger has over %d transfers", STORE_MAX_ROWS);
            goto out;
        }
        if ((r = row_transfer(s, st, &row)) != FERRY_OK)
            goto out;
        if ((t = realloc(v, (cnt + 1) * sizeof(*v))) == NULL) {
            ferry_transfer_free(row);
            r = FERRY_ERR_NOMEM;
            goto out;
        }
        v = t;
        v[cnt++] = row;
    }
    if (rc != SQLITE_DONE) {
        r = db_err(s, rc, "cannot read the ledger");
        goto out;
    }
    *out = v != NULL ? v : calloc(1, sizeof(*v));
    r = *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
    *n = cnt;
    v = NULL;
    cnt = 0;
out:
    sqlite3_finalize(st);
    ferry_transfers_free(v, cnt);
    return r;
}

/* After an UPDATE ... WHERE state = OUTSTANDING changed nothing: says why. */
static ferry_err answer_refused(struct ferry_store *s, const uint8_t id[FERRY_TRANSFER_ID_LEN])
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], date[11];
    sqlite3_stmt *st = NULL;
    ferry_err r;
    int rc, state;

    ferry_hex(id, FERRY_TRANSFER_ID_LEN, hex);
    if ((r = prep(s, "SELECT state, coalesce(answered, updated) FROM transfers WHERE id = ?",
                  &st)) != FERRY_OK)
        return r;
    bind_blob(st, 1, id, FERRY_TRANSFER_ID_LEN);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        state = sqlite3_column_int(st, 0);
        ferry_time_date((time_t)sqlite3_column_int64(st, 1), date);
        if (state == FERRY_TS_ANSWERED)
            r = ferry_errf(FERRY_ERR_REPLAY,
                           "transfer %s was already answered on %s: this "
                           "answer is not imported again",
                           hex, date);
        else if (state == FERRY_TS_CANCELLED)
            r = ferry_errf(FERRY_ERR_MISMATCH,
                           "transfer %s was cancelled on %s: its answer is not imported "
                           "(export the request again for a new transfer)",
                           hex, date);
        else
            r = ferry_errf(FERRY_ERR_MISMATCH,
                           "transfer %s is not waiting for an answer "
                           "(state %d)",
                           hex, state);
    } else if (rc == SQLITE_DONE) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND,
                       "transfer %s: no such request in the ledger; this "
                       "answer is not for a request made here",
                       hex);
    } else {
        r = db_err(s, rc, "cannot read the ledger");
    }
    sqlite3_finalize(st);
    return r;
}

static ferry_err seen_insert(struct ferry_store *s, const uint8_t sha[FERRY_SHA256_LEN],
                             const uint8_t *tid, int or_ignore)
{
    sqlite3_stmt *st = NULL;
    ferry_err r;
    int rc;

    if ((r = prep(s,
                  or_ignore ? "INSERT OR IGNORE INTO packages_seen VALUES (?, ?, ?)"
                            : "INSERT INTO packages_seen VALUES (?, ?, ?)",
                  &st)) != FERRY_OK)
        return r;
    bind_blob(st, 1, sha, FERRY_SHA256_LEN);
    if (tid != NULL)
        bind_blob(st, 2, tid, FERRY_TRANSFER_ID_LEN);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ferry_time_now());
    r = step_done(s, st, &rc, "cannot record the package");
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        r = ferry_errf(FERRY_ERR_REPLAY, "this package was already imported: not again");
    return r;
}

static ferry_err answer_update(struct ferry_store *s, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                               const uint8_t answer_id[FERRY_TRANSFER_ID_LEN], time_t new_not_after,
                               time_t valid_until, const char *installed_path, const char *medium)
{
    sqlite3_stmt *st = NULL;
    time_t now = ferry_time_now();
    ferry_err r;

    if ((r = prep(s,
                  "UPDATE transfers SET state = ?, answer_id = ?, new_not_after = ?, "
                  "installed_path = ?, updated = ?, answered = ?, valid_until = ?, "
                  "answer_medium = ? WHERE id = ? AND state = ?",
                  &st)) != FERRY_OK)
        return r;
    sqlite3_bind_int(st, 1, FERRY_TS_ANSWERED);
    bind_blob(st, 2, answer_id, FERRY_TRANSFER_ID_LEN);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)new_not_after);
    bind_text(st, 4, installed_path);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)valid_until);
    bind_text(st, 8, medium);
    bind_blob(st, 9, id, FERRY_TRANSFER_ID_LEN);
    sqlite3_bind_int(st, 10, FERRY_TS_OUTSTANDING);
    r = step_done(s, st, NULL, "cannot mark the transfer answered");
    sqlite3_finalize(st);
    if (r == FERRY_OK && sqlite3_changes(s->db) != 1)
        r = answer_refused(s, id);
    return r;
}

ferry_err ferry_store_transfer_answer(struct ferry_store *s,
                                      const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                      const uint8_t answer_id[FERRY_TRANSFER_ID_LEN],
                                      const uint8_t answer_pkg_sha256[FERRY_SHA256_LEN],
                                      time_t new_not_after, time_t valid_until,
                                      const char *installed_path, const char *medium)
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], ahex[2 * FERRY_TRANSFER_ID_LEN + 1], detail[160];
    ferry_err r;

    if (!text_ok(installed_path))
        return ferry_errf(FERRY_ERR_TOO_LARGE, "installed path over %d bytes", STORE_MAX_TEXT);
    if (!medium_ok(medium))
        return ferry_errf(FERRY_ERR_USAGE, "answer medium is not a medium's name");
    ferry_hex(id, FERRY_TRANSFER_ID_LEN, hex);
    ferry_hex(answer_id, FERRY_TRANSFER_ID_LEN, ahex);
    snprintf(detail, sizeof(detail), "%s answered by %s", hex, ahex);
    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    if ((r = answer_update(s, id, answer_id, new_not_after, valid_until, installed_path, medium)) !=
        FERRY_OK)
        goto out;
    store_test_stall("answer");
    if ((r = seen_insert(s, answer_pkg_sha256, id, 0)) != FERRY_OK)
        goto out;
    r = store_audit_row(s, "transfer-answer", detail);
out:
    return store_tx_end(s, r);
}

/* 1 if @prefix (@len bytes) can start a transfer or trip id: 4 to 32 hex digits. */
static int id_prefix_ok(const char *prefix, size_t len)
{
    return len >= 4 && len <= 2 * FERRY_TRANSFER_ID_LEN &&
           strspn(prefix, "0123456789abcdefABCDEF") == len;
}

ferry_err ferry_store_transfer_find(struct ferry_store *s, const char *prefix,
                                    struct ferry_transfer **out)
{
    struct ferry_transfer **all = NULL;
    size_t n = 0, i, hits = 0, len = strlen(prefix);
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1];
    ferry_err r;

    *out = NULL;
    if (!id_prefix_ok(prefix, len))
        return ferry_errf(FERRY_ERR_USAGE,
                          "'%s' is not a transfer id: give 4 to 32 hex digits of one (see "
                          "`status`)",
                          prefix);
    if ((r = ferry_store_transfers(s, &all, &n)) != FERRY_OK)
        return r;
    for (i = 0; i < n; i++) {
        ferry_hex(all[i]->id, FERRY_TRANSFER_ID_LEN, hex);
        if (strncasecmp(hex, prefix, len) != 0)
            continue;
        if (hits++ == 0) {
            *out = all[i];
            all[i] = NULL;
        }
    }
    ferry_transfers_free(all, n);
    if (hits == 1)
        return FERRY_OK;
    ferry_transfer_free(*out);
    *out = NULL;
    return ferry_errf(hits ? FERRY_ERR_USAGE : FERRY_ERR_NOT_FOUND,
                      hits ? "transfer '%s' is ambiguous: give more digits"
                           : "no transfer '%s' here (see `status`)",
                      prefix);
}

int ferry_store_run_trip(const struct ferry_store *s, uint8_t trip[FERRY_TRANSFER_ID_LEN])
{
    if (s->has_trip)
        memcpy(trip, s->trip, FERRY_TRANSFER_ID_LEN);
    return s->has_trip;
}

ferry_err ferry_store_trip_find(struct ferry_store *s, const char *prefix,
                                uint8_t trip[FERRY_TRANSFER_ID_LEN])
{
    sqlite3_stmt *st = NULL;
    size_t len = strlen(prefix), hits = 0;
    const void *p;
    ferry_err r;
    int rc;

    if (!id_prefix_ok(prefix, len))
        return ferry_errf(FERRY_ERR_USAGE,
                          "'%s' is not a trip id: give 4 to 32 hex digits of one (the trip "
                          "column of `status`)",
                          prefix);
    if ((r = prep(s,
                  "SELECT DISTINCT trip FROM transfers WHERE trip IS NOT NULL AND "
                  "substr(hex(trip), 1, ?1) = upper(?2) LIMIT 2",
                  &st)) != FERRY_OK)
        return r;
    sqlite3_bind_int(st, 1, (int)len);
    bind_text(st, 2, prefix);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        p = sqlite3_column_blob(st, 0);
        if (p == NULL || sqlite3_column_bytes(st, 0) != FERRY_TRANSFER_ID_LEN) {
            r = ferry_errf(FERRY_ERR_FORMAT, "%s/%s: malformed trip id", s->home, LEDGER_FILE);
            break;
        }
        if (hits++ == 0)
            memcpy(trip, p, FERRY_TRANSFER_ID_LEN);
    }
    if (r == FERRY_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = db_err(s, rc, "cannot read the ledger");
    sqlite3_finalize(st);
    if (r != FERRY_OK || hits == 1)
        return r;
    return ferry_errf(hits ? FERRY_ERR_USAGE : FERRY_ERR_NOT_FOUND,
                      hits ? "trip '%s' is ambiguous: give more digits"
                           : "no trip '%s' here (see the trip column of `status`)",
                      prefix);
}

ferry_err ferry_store_trip_transfers(struct ferry_store *s,
                                     const uint8_t trip[FERRY_TRANSFER_ID_LEN],
                                     struct ferry_transfer ***out, size_t *n)
{
    struct ferry_transfer **all = NULL, **v = NULL;
    size_t cnt = 0, i, k = 0;
    ferry_err r;

    *out = NULL;
    *n = 0;
    if ((r = ferry_store_transfers(s, &all, &cnt)) != FERRY_OK)
        return r;
    if ((v = calloc(cnt > 0 ? cnt : 1, sizeof(*v))) == NULL) {
        ferry_transfers_free(all, cnt);
        return FERRY_ERR_NOMEM;
    }
    /* newest first in @all: the trip in the order it was recorded */
    for (i = cnt; i-- > 0;) {
        if (!all[i]->has_trip || memcmp(all[i]->trip, trip, FERRY_TRANSFER_ID_LEN) != 0)
            continue;
        v[k++] = all[i];
        all[i] = NULL;
    }
    ferry_transfers_free(all, cnt);
    if (k == 0) {
        free(v);
        return ferry_errf(FERRY_ERR_NOT_FOUND, "no transfer in that trip");
    }
    *out = v;
    *n = k;
    return FERRY_OK;
}

/* After an UPDATE ... WHERE state = OUTSTANDING for a cancel changed nothing: says why. */
static ferry_err cancel_refused(struct ferry_store *s, const uint8_t id[FERRY_TRANSFER_ID_LEN])
{
    struct ferry_transfer *t = NULL;
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], date[11];
    ferry_err r;

    if ((r = ferry_store_transfer_get(s, id, &t)) != FERRY_OK)
        return r;
    ferry_hex(id, FERRY_TRANSFER_ID_LEN, hex);
    ferry_time_date(t->updated, date);
    r = ferry_errf(FERRY_ERR_MISMATCH, "transfer %s is not outstanding: it was %s on %s", hex,
                   t->state == FERRY_TS_ANSWERED    ? "answered and its certificate written"
                   : t->state == FERRY_TS_CANCELLED ? "cancelled already"
                                                    : "submitted (an online record)",
                   date);
    ferry_transfer_free(t);
    return r;
}

ferry_err ferry_store_transfer_cancel(struct ferry_store *s,
                                      const uint8_t id[FERRY_TRANSFER_ID_LEN], const char *reason)
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], detail[1024 + 64];
    sqlite3_stmt *st = NULL;
    ferry_err r;

    if (reason != NULL && strlen(reason) > 1024)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "the reason is over 1024 bytes: say it shorter");
    ferry_hex(id, FERRY_TRANSFER_ID_LEN, hex);
    snprintf(detail, sizeof(detail), "%s cancelled: %s", hex, reason ? reason : "(no reason)");
    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    if ((r = prep(s, "UPDATE transfers SET state = ?, updated = ? WHERE id = ? AND state = ?",
                  &st)) != FERRY_OK)
        goto out;
    sqlite3_bind_int(st, 1, FERRY_TS_CANCELLED);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ferry_time_now());
    bind_blob(st, 3, id, FERRY_TRANSFER_ID_LEN);
    sqlite3_bind_int(st, 4, FERRY_TS_OUTSTANDING);
    r = step_done(s, st, NULL, "cannot cancel the transfer");
    sqlite3_finalize(st);
    if (r == FERRY_OK && sqlite3_changes(s->db) != 1)
        r = cancel_refused(s, id);
    if (r == FERRY_OK)
        r = store_audit_row(s, "transfer-cancel", detail);
out:
    return store_tx_end(s, r);
}

/* UPDATE of one transfer's state, service, new_not_after and valid_until (0 keeps), the SHA-256
 * of what was posted (NULL keeps), inside a transaction. */
static ferry_err transfer_set(struct ferry_store *s, const uint8_t id[FERRY_TRANSFER_ID_LEN],
                              enum ferry_transfer_state state, const char *service,
                              time_t new_not_after, time_t valid_until, const uint8_t *posted)
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], detail[128];
    sqlite3_stmt *st = NULL;
    ferry_err r;

    ferry_hex(id, FERRY_TRANSFER_ID_LEN, hex);
    snprintf(detail, sizeof(detail), "%s state=%d", hex, (int)state);
    if ((r = prep(s,
                  "UPDATE transfers SET state = ?1, service = coalesce(?2, service), "
                  "new_not_after = CASE WHEN ?3 = 0 THEN new_not_after ELSE ?3 END, "
                  "updated = ?4, "
                  "valid_until = CASE WHEN ?6 = 0 THEN valid_until ELSE ?6 END, "
                  "posted_sha256 = coalesce(?7, posted_sha256) WHERE id = ?5",
                  &st)) != FERRY_OK)
        return r;
    sqlite3_bind_int(st, 1, (int)state);
    bind_text(st, 2, service);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)new_not_after);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)ferry_time_now());
    bind_blob(st, 5, id, FERRY_TRANSFER_ID_LEN);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)valid_until);
    if (posted != NULL)
        bind_blob(st, 7, posted, FERRY_SHA256_LEN);
    r = step_done(s, st, NULL, "cannot update the transfer");
    sqlite3_finalize(st);
    if (r == FERRY_OK && sqlite3_changes(s->db) != 1)
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "transfer %s: not in the ledger", hex);
    if (r == FERRY_OK)
        r = store_audit_row(s, "transfer-update", detail);
    return r;
}

ferry_err ferry_store_transfer_update(struct ferry_store *s,
                                      const uint8_t id[FERRY_TRANSFER_ID_LEN],
                                      enum ferry_transfer_state state, const char *service,
                                      time_t new_not_after)
{
    ferry_err r;

    if (state < FERRY_TS_OUTSTANDING || state > FERRY_TS_CANCELLED || !text_ok(service))
        return ferry_errf(FERRY_ERR_USAGE, "bad transfer update (state %d)", (int)state);
    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    return store_tx_end(s, transfer_set(s, id, state, service, new_not_after, 0, NULL));
}

/* A transfer submitted again (--again) joins this run's trip, with the media of this run. */
static ferry_err trip_set(struct ferry_store *s, const struct ferry_transfer *t)
{
    sqlite3_stmt *st = NULL;
    const uint8_t *trip;
    ferry_err r;

    if ((r = trip_of(s, t, &trip)) != FERRY_OK ||
        (r = prep(s,
                  "UPDATE transfers SET trip = ?1, request_medium = coalesce(?2, request_medium), "
                  "answer_medium = coalesce(?3, answer_medium) WHERE id = ?4",
                  &st)) != FERRY_OK)
        return r;
    bind_blob(st, 1, trip, FERRY_TRANSFER_ID_LEN);
    bind_text(st, 2, t->request_medium);
    bind_text(st, 3, t->answer_medium);
    bind_blob(st, 4, t->id, FERRY_TRANSFER_ID_LEN);
    r = step_done(s, st, NULL, "cannot update the transfer's trip");
    sqlite3_finalize(st);
    return r;
}

ferry_err ferry_store_transfer_submitted(struct ferry_store *s, const struct ferry_transfer *t,
                                         const uint8_t pkg_sha256[FERRY_SHA256_LEN])
{
    char hex[2 * FERRY_TRANSFER_ID_LEN + 1], detail[128];
    sqlite3_stmt *st = NULL;
    ferry_err r;
    int exists;

    if (t->state < FERRY_TS_OUTSTANDING || t->state > FERRY_TS_CANCELLED ||
        (t->kind != 0 && ferry_kind_get(t->kind) == NULL) || !text_ok(t->subject) ||
        !text_ok(t->guid) || !text_ok(t->source_path) || !text_ok(t->peer_fp) ||
        !text_ok(t->service) || !text_ok(t->installed_path) || !text_ok(t->cert_path) ||
        !text_ok(t->key_path) || !medium_ok(t->request_medium) || !medium_ok(t->answer_medium))
        return ferry_errf(FERRY_ERR_USAGE, "bad submitted transfer");
    ferry_hex(t->id, sizeof(t->id), hex);
    snprintf(detail, sizeof(detail), "%s state=%d", hex, (int)t->state);
    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    if ((r = prep(s, "SELECT 1 FROM transfers WHERE id = ?", &st)) != FERRY_OK)
        return store_tx_end(s, r);
    bind_blob(st, 1, t->id, FERRY_TRANSFER_ID_LEN);
    exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (exists) {
        if ((r = transfer_set(s, t->id, t->state, t->service, t->new_not_after, t->valid_until,
                              t->has_posted ? t->posted_sha256 : NULL)) == FERRY_OK)
            r = trip_set(s, t);
    } else if ((r = transfer_insert(s, t, ferry_time_now())) == FERRY_OK) {
        r = store_audit_row(s, "transfer-add", detail);
    }
    store_test_stall("submitted");
    if (r == FERRY_OK)
        r = seen_insert(s, pkg_sha256, t->id, 1);
    return store_tx_end(s, r);
}

int ferry_store_package_seen(struct ferry_store *s, const uint8_t sha256[FERRY_SHA256_LEN])
{
    sqlite3_stmt *st = NULL;
    int seen;

    if (prep(s, "SELECT 1 FROM packages_seen WHERE sha256 = ?", &st) != FERRY_OK)
        return 0;
    bind_blob(st, 1, sha256, FERRY_SHA256_LEN);
    seen = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return seen;
}

ferry_err ferry_store_package_mark_seen(struct ferry_store *s,
                                        const uint8_t sha256[FERRY_SHA256_LEN],
                                        const uint8_t transfer_id[FERRY_TRANSFER_ID_LEN])
{
    ferry_err r;

    if ((r = store_tx_begin(s)) != FERRY_OK)
        return r;
    return store_tx_end(s, seen_insert(s, sha256, transfer_id, 1));
}
