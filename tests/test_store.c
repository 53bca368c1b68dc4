/* Tests for common/src/store*.c: home layout, side check, the SQLite ledger (transfers,
 * replay-proof answers, rollback on failure, crash safety with SIGKILL), audit trail,
 * identity files (modes, ownership, no half identity) and paired peers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/identity.h"
#include "ferry/log.h"
#include "ferry/statefile.h"
#include "ferry/store.h"
#include "helpers.h"

#define NOW_2026 1795000000LL /* 2026-11-18 */

struct fx {
    char *base; /* temp directory */
    char *home; /* base/home (not created) */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->base = strdup("/tmp/ferry-test-store-XXXXXX");
    if (mkdtemp(f->base) == NULL)
        return -1;
    f->home = ferry_path_join(f->base, "home");
    setenv("FERRY_NOW", "1795000000", 1);
    unsetenv("FERRY_TEST_STALL");
    unsetenv("FERRY_TEST_STALL_FD");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    helpers_rm_tree(f->base);
    free(f->base);
    free(f->home);
    free(f);
    unsetenv("FERRY_NOW");
    return 0;
}

static struct ferry_store *open_new(struct fx *f, enum ferry_side side)
{
    struct ferry_store *s = NULL;

    assert_int_equal(ferry_store_open(f->home, side, 1, &s), FERRY_OK);
    return s;
}

static void fill_id(uint8_t *id, size_t n, uint8_t seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        id[i] = (uint8_t)(seed * 31 + i);
}

static void sample_transfer(struct ferry_transfer *t, uint8_t seed, time_t created)
{
    memset(t, 0, sizeof(*t));
    fill_id(t->id, sizeof(t->id), seed);
    t->direction = FERRY_DIR_TO_ONLINE;
    t->state = FERRY_TS_OUTSTANDING;
    fill_id(t->package_sha256, sizeof(t->package_sha256), (uint8_t)(seed + 1));
    fill_id(t->payload_sha256, sizeof(t->payload_sha256), (uint8_t)(seed + 2));
    t->kind = FERRY_KIND_RMS;
    t->subject = "rms.example.org";
    t->guid = "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}";
    t->source_path = "/root/request.xml";
    t->peer_fp = "a531251800000000000000000000000000000000000000000000000000000000";
    t->created = created;
    t->old_not_after = 1800000000;
}

/* Number of rows of a query run directly on the ledger file. */
static long long ledger_count(const struct fx *f, const char *sql)
{
    char *path = ferry_path_join(f->home, "ledger.sqlite");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
    return v;
}

/* ---- opening ---- */

static void test_open_create_reopen(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = NULL;
    char *p;
    struct stat st;

    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_ERR_NOT_FOUND);
    assert_null(s);
    assert_non_null(strstr(ferry_err_detail(), "init"));
    assert_false(ferry_path_exists(f->home));
    s = open_new(f, FERRY_SIDE_OFFLINE);
    assert_string_equal(ferry_store_home(s), f->home);
    ferry_store_close(s);
    assert_int_equal(stat(f->home, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    p = ferry_path_join(f->home, "ledger.sqlite");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    free(p);
    p = ferry_path_join(f->home, "peers");
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    free(p);
    p = ferry_path_join(f->home, "certs");
    assert_true(ferry_path_exists(p));
    free(p);
    /* reopen without create, and with create (no change) */
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 1, &s), FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT value FROM meta WHERE key = 'schema_version'"), 4);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'store-create'"), 1);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM meta WHERE key = 'side' AND "
                                     "value = 'offline'"),
                     1);
    /* a home with the ledger removed is not silently recreated without create */
    p = ferry_path_join(f->home, "ledger.sqlite");
    unlink(p);
    free(p);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_ERR_NOT_FOUND);
}

static void test_home_resolution(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = NULL;
    char *xdg = ferry_path_join(f->base, "xdg"), *home = ferry_path_join(f->base, "user");
    char *want;
    const char *saved_home = getenv("HOME");
    char *saved = saved_home != NULL ? strdup(saved_home) : NULL;

    unsetenv("FERRY_HOME");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", home, 1);
    assert_int_equal(ferry_store_open(NULL, FERRY_SIDE_ONLINE, 1, &s), FERRY_OK);
    want = ferry_path_join(home, ".local/share/ferry");
    assert_string_equal(ferry_store_home(s), want);
    free(want);
    ferry_store_close(s);
    setenv("XDG_DATA_HOME", xdg, 1);
    assert_int_equal(ferry_store_open(NULL, FERRY_SIDE_ONLINE, 1, &s), FERRY_OK);
    want = ferry_path_join(xdg, "ferry");
    assert_string_equal(ferry_store_home(s), want);
    free(want);
    ferry_store_close(s);
    setenv("FERRY_HOME", f->home, 1);
    assert_int_equal(ferry_store_open(NULL, FERRY_SIDE_ONLINE, 1, &s), FERRY_OK);
    assert_string_equal(ferry_store_home(s), f->home);
    ferry_store_close(s);
    /* an explicit home wins over everything */
    assert_int_equal(ferry_store_open(xdg, FERRY_SIDE_ONLINE, 1, &s), FERRY_OK);
    assert_string_equal(ferry_store_home(s), xdg);
    ferry_store_close(s);
    unsetenv("FERRY_HOME");
    unsetenv("XDG_DATA_HOME");
    unsetenv("HOME");
    assert_int_equal(ferry_store_open(NULL, FERRY_SIDE_ONLINE, 1, &s), FERRY_ERR_USAGE);
    if (saved != NULL)
        setenv("HOME", saved, 1);
    free(saved);
    free(xdg);
    free(home);
}

static void test_side_mismatch(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_ONLINE);

    ferry_store_close(s);
    s = NULL;
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_ERR_MISMATCH);
    assert_null(s);
    assert_non_null(strstr(ferry_err_detail(), "this FERRY_HOME belongs to ferry-online"));
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 1, &s), FERRY_ERR_MISMATCH);
    assert_int_equal(ferry_store_open(f->home, (enum ferry_side)3, 1, &s), FERRY_ERR_USAGE);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_ONLINE, 0, &s), FERRY_OK);
    ferry_store_close(s);
}

static void test_not_a_directory(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = NULL;

    assert_int_equal(ferry_file_write_atomic(f->home, "x", 1, 0600), FERRY_OK);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 1, &s), FERRY_ERR_USAGE);
    assert_null(s);
}

/* ---- ledger ---- */

static void assert_transfer_eq(const struct ferry_transfer *a, const struct ferry_transfer *b)
{
    assert_memory_equal(a->id, b->id, sizeof(a->id));
    assert_int_equal(a->direction, b->direction);
    assert_int_equal(a->state, b->state);
    assert_memory_equal(a->package_sha256, b->package_sha256, sizeof(a->package_sha256));
    assert_memory_equal(a->payload_sha256, b->payload_sha256, sizeof(a->payload_sha256));
    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->subject, b->subject);
    assert_string_equal(a->guid, b->guid);
    assert_string_equal(a->source_path, b->source_path);
    assert_string_equal(a->peer_fp, b->peer_fp);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->old_not_after, b->old_not_after);
    assert_int_equal(a->new_not_after, b->new_not_after);
}

/* A version 1 ledger (before valid_until and posted_sha256) opens: migrated to version 4, its
 * transfers kept, the new columns usable. */
static void test_migrate_v1(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_ONLINE);
    struct ferry_transfer t, *got = NULL;
    char *path = ferry_path_join(f->home, "ledger.sqlite");
    sqlite3 *db = NULL;

    sample_transfer(&t, 7, NOW_2026 - 50);
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    ferry_store_close(s);
    /* make it what ferry's version 1 wrote */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP INDEX transfers_trip;"
                                  "ALTER TABLE transfers DROP COLUMN trip;"
                                  "ALTER TABLE transfers DROP COLUMN request_medium;"
                                  "ALTER TABLE transfers DROP COLUMN answer_medium;"
                                  "ALTER TABLE transfers DROP COLUMN valid_until;"
                                  "ALTER TABLE transfers DROP COLUMN posted_sha256;"
                                  "ALTER TABLE transfers DROP COLUMN cert_path;"
                                  "ALTER TABLE transfers DROP COLUMN key_path;"
                                  "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_ONLINE, 0, &s), FERRY_OK);
    assert_int_equal(ledger_count(f, "SELECT value FROM meta WHERE key = 'schema_version'"), 4);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'store-migrate'"),
                     1);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_transfer_eq(got, &t);
    assert_int_equal(got->valid_until, 0);
    assert_int_equal(got->has_posted, 0);
    ferry_transfer_free(got);
    /* the new columns work on the migrated ledger */
    t.state = FERRY_TS_SUBMITTED;
    t.valid_until = 1900000000;
    t.has_posted = 1;
    fill_id(t.posted_sha256, sizeof(t.posted_sha256), 9);
    assert_int_equal(ferry_store_transfer_submitted(s, &t, t.package_sha256), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_int_equal(got->valid_until, 1900000000);
    assert_int_equal(got->has_posted, 1);
    assert_memory_equal(got->posted_sha256, t.posted_sha256, 32);
    ferry_transfer_free(got);
    ferry_store_close(s);
    /* a later version is still refused */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = '5' WHERE key = 'schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_ONLINE, 0, &s), FERRY_ERR_MISMATCH);
    free(path);
}

static void test_transfer_add_get_list(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_transfer t1, t2, t3, dup, *got = NULL, **all = NULL;
    uint8_t unknown[FERRY_TRANSFER_ID_LEN] = {0};
    size_t n = 0;

    sample_transfer(&t1, 1, NOW_2026 - 200);
    sample_transfer(&t2, 2, NOW_2026 - 100);
    sample_transfer(&t3, 3, NOW_2026 - 100); /* same time as t2: rowid breaks the tie */
    t3.state = FERRY_TS_ANSWERED;
    t3.guid = NULL;
    assert_int_equal(ferry_store_transfer_add(s, &t1), FERRY_OK);
    assert_int_equal(ferry_store_transfer_add(s, &t2), FERRY_OK);
    assert_int_equal(ferry_store_transfer_add(s, &t3), FERRY_OK);

    assert_int_equal(ferry_store_transfer_get(s, t1.id, &got), FERRY_OK);
    assert_transfer_eq(got, &t1);
    assert_null(got->service);
    assert_null(got->installed_path);
    assert_int_equal(got->has_answer, 0);
    assert_int_equal(got->updated, NOW_2026);
    ferry_transfer_free(got);
    assert_int_equal(ferry_store_transfer_get(s, t3.id, &got), FERRY_OK);
    assert_null(got->guid);
    ferry_transfer_free(got);

    /* duplicate id: refused, original unchanged */
    sample_transfer(&dup, 1, NOW_2026);
    dup.subject = "other.example.org";
    assert_int_equal(ferry_store_transfer_add(s, &dup), FERRY_ERR_EXISTS);
    assert_int_equal(ferry_store_transfer_get(s, t1.id, &got), FERRY_OK);
    assert_string_equal(got->subject, "rms.example.org");
    ferry_transfer_free(got);
    assert_int_equal(ferry_store_transfer_get(s, unknown, &got), FERRY_ERR_NOT_FOUND);
    assert_null(got);

    assert_int_equal(ferry_store_transfer_latest(s, 0, &got), FERRY_OK);
    assert_memory_equal(got->id, t3.id, sizeof(t3.id));
    ferry_transfer_free(got);
    assert_int_equal(ferry_store_transfer_latest(s, FERRY_TS_OUTSTANDING, &got), FERRY_OK);
    assert_memory_equal(got->id, t2.id, sizeof(t2.id));
    ferry_transfer_free(got);
    assert_int_equal(ferry_store_transfer_latest(s, FERRY_TS_FAILED, &got), FERRY_ERR_NOT_FOUND);

    assert_int_equal(ferry_store_transfers(s, &all, &n), FERRY_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(all[0]->id, t3.id, sizeof(t3.id));
    assert_memory_equal(all[1]->id, t2.id, sizeof(t2.id));
    assert_memory_equal(all[2]->id, t1.id, sizeof(t1.id));
    ferry_transfers_free(all, n);

    /* bad arguments are refused before touching the ledger */
    t1.state = 9;
    assert_int_equal(ferry_store_transfer_add(s, &t1), FERRY_ERR_USAGE);
    ferry_store_close(s);

    /* survives a reopen */
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_transfers(s, &all, &n), FERRY_OK);
    assert_int_equal(n, 3);
    ferry_transfers_free(all, n);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'transfer-add'"), 3);
}

static void test_empty_list(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_transfer **all = NULL, *got = NULL;
    size_t n = 9;

    assert_int_equal(ferry_store_transfers(s, &all, &n), FERRY_OK);
    assert_int_equal(n, 0);
    ferry_transfers_free(all, n);
    assert_int_equal(ferry_store_transfer_latest(s, 0, &got), FERRY_ERR_NOT_FOUND);
    ferry_store_close(s);
}

static void test_answer_once_then_replay(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_transfer t, *got = NULL;
    uint8_t aid[FERRY_TRANSFER_ID_LEN], asha[FERRY_SHA256_LEN], asha2[FERRY_SHA256_LEN];

    sample_transfer(&t, 5, NOW_2026 - 86400);
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    fill_id(aid, sizeof(aid), 50);
    fill_id(asha, sizeof(asha), 51);
    fill_id(asha2, sizeof(asha2), 52);
    assert_false(ferry_store_package_seen(s, asha));
    setenv("FERRY_NOW", "1795100000", 1); /* 2026-11-19 */
    assert_int_equal(
        ferry_store_transfer_answer(s, t.id, aid, asha, 1826000000, 0, "/etc/ferry.crt", "usb"),
        FERRY_OK);
    assert_true(ferry_store_package_seen(s, asha));
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_int_equal(got->state, FERRY_TS_ANSWERED);
    assert_int_equal(got->has_answer, 1);
    assert_memory_equal(got->answer_id, aid, sizeof(aid));
    assert_int_equal(got->new_not_after, 1826000000);
    assert_string_equal(got->installed_path, "/etc/ferry.crt");
    assert_int_equal(got->updated, 1795100000);
    assert_int_equal(got->created, NOW_2026 - 86400);
    ferry_transfer_free(got);

    /* a second answer (even another package) is a replay, dated, and changes nothing */
    setenv("FERRY_NOW", "1795200000", 1);
    assert_int_equal(
        ferry_store_transfer_answer(s, t.id, aid, asha2, 1900000000, 0, "/tmp/other", "usb"),
        FERRY_ERR_REPLAY);
    assert_non_null(strstr(ferry_err_detail(), "already answered on 2026-11-19"));
    assert_false(ferry_store_package_seen(s, asha2));
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_string_equal(got->installed_path, "/etc/ferry.crt");
    assert_int_equal(got->new_not_after, 1826000000);
    assert_int_equal(got->updated, 1795100000);
    ferry_transfer_free(got);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'transfer-answer'"),
                     1);
}

/* A failed answer leaves everything as it was: the UPDATE is rolled back. */
static void test_failed_answer_rolls_back(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_transfer t, on, *got = NULL;
    uint8_t aid[FERRY_TRANSFER_ID_LEN], asha[FERRY_SHA256_LEN], unknown[FERRY_TRANSFER_ID_LEN];
    long long audits;

    sample_transfer(&t, 7, NOW_2026);
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    fill_id(aid, sizeof(aid), 70);
    fill_id(asha, sizeof(asha), 71);
    /* the answer package was seen already (e.g. for another transfer) */
    assert_int_equal(ferry_store_package_mark_seen(s, asha, aid), FERRY_OK);
    assert_int_equal(ferry_store_package_mark_seen(s, asha, aid), FERRY_OK); /* idempotent */
    audits = ledger_count(f, "SELECT count(*) FROM audit");
    assert_int_equal(ferry_store_transfer_answer(s, t.id, aid, asha, 1826000000, 0, "/x", "usb"),
                     FERRY_ERR_REPLAY);
    assert_non_null(strstr(ferry_err_detail(), "already imported"));
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_int_equal(got->state, FERRY_TS_OUTSTANDING);
    assert_int_equal(got->has_answer, 0);
    assert_null(got->installed_path);
    assert_int_equal(got->new_not_after, 0);
    ferry_transfer_free(got);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit"), audits);

    fill_id(unknown, sizeof(unknown), 99);
    fill_id(asha, sizeof(asha), 72);
    assert_int_equal(ferry_store_transfer_answer(s, unknown, aid, asha, 0, 0, NULL, "usb"),
                     FERRY_ERR_NOT_FOUND);
    assert_false(ferry_store_package_seen(s, asha));
    /* a row that is not OUTSTANDING (online side SUBMITTED) cannot be answered */
    sample_transfer(&on, 8, NOW_2026);
    on.state = FERRY_TS_SUBMITTED;
    assert_int_equal(ferry_store_transfer_add(s, &on), FERRY_OK);
    assert_int_equal(ferry_store_transfer_answer(s, on.id, aid, asha, 0, 0, NULL, "usb"),
                     FERRY_ERR_MISMATCH);
    assert_false(ferry_store_package_seen(s, asha));
    ferry_store_close(s);
}

static void test_update(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_ONLINE);
    struct ferry_transfer t, *got = NULL;
    uint8_t unknown[FERRY_TRANSFER_ID_LEN] = {1};

    sample_transfer(&t, 9, NOW_2026);
    t.state = FERRY_TS_FAILED;
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    setenv("FERRY_NOW", "1795000500", 1);
    assert_int_equal(ferry_store_transfer_update(s, t.id, FERRY_TS_SUBMITTED,
                                                 "https://ca.example/rms", 1826000000),
                     FERRY_OK);
    assert_int_equal(ferry_store_transfer_update(s, t.id, FERRY_TS_SUBMITTED, NULL, 0), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_int_equal(got->state, FERRY_TS_SUBMITTED);
    assert_string_equal(got->service, "https://ca.example/rms"); /* NULL keeps */
    assert_int_equal(got->new_not_after, 1826000000);            /* 0 keeps */
    assert_int_equal(got->updated, 1795000500);
    ferry_transfer_free(got);
    assert_int_equal(ferry_store_transfer_update(s, unknown, FERRY_TS_FAILED, NULL, 0),
                     FERRY_ERR_NOT_FOUND);
    assert_int_equal(ferry_store_transfer_update(s, t.id, 0, NULL, 0), FERRY_ERR_USAGE);
    ferry_store_close(s);
}

static void test_audit(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);

    assert_int_equal(ferry_store_audit(s, "export", "transfer 00ff to usb:/media/x"), FERRY_OK);
    assert_int_equal(ferry_store_audit(s, "pair", NULL), FERRY_OK);
    assert_int_equal(ferry_store_audit(s, "", "x"), FERRY_ERR_USAGE);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit"), 3); /* + store-create */
    assert_int_equal(ledger_count(f, "SELECT time FROM audit WHERE event = 'export' AND "
                                     "detail = 'transfer 00ff to usb:/media/x' AND "
                                     "side = 'offline'"),
                     NOW_2026);
    assert_int_equal(ledger_count(f, "SELECT max(seq) FROM audit WHERE event = 'pair'"), 3);
}

/*
 * Runs @act on the store at f->home (@side) in a child that the store's test hook stalls at
 * @where, inside a transaction, and SIGKILLs it there. Returns once the child is dead.
 */
static void kill_at_stall(struct fx *f, enum ferry_side side, const char *where,
                          void (*act)(struct ferry_store *, void *), void *arg)
{
    struct ferry_store *s = NULL;
    int fds[2], status = 0;
    char fdbuf[16], c = 0;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        snprintf(fdbuf, sizeof(fdbuf), "%d", fds[1]);
        setenv("FERRY_TEST_STALL", where, 1);
        setenv("FERRY_TEST_STALL_FD", fdbuf, 1);
        if (ferry_store_open(f->home, side, 0, &s) != FERRY_OK)
            _exit(2);
        act(s, arg);
        _exit(3); /* not reached: the hook stalls until killed */
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1); /* the child is inside the transaction */
    assert_int_equal(c, '!');
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(fds[0]);
}

struct answer_args {
    const uint8_t *id, *aid, *asha;
};

static void act_answer(struct ferry_store *s, void *arg)
{
    const struct answer_args *a = arg;

    ferry_store_transfer_answer(s, a->id, a->aid, a->asha, 1826000000, 0, "/x", "usb");
}

/* A process SIGKILLed between the UPDATE and the COMMIT of an answer leaves the old state. */
static void test_crash_mid_answer(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_transfer t, *got = NULL;
    uint8_t aid[FERRY_TRANSFER_ID_LEN], asha[FERRY_SHA256_LEN];
    struct answer_args a = {t.id, aid, asha};

    sample_transfer(&t, 11, NOW_2026);
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    ferry_store_close(s);
    fill_id(aid, sizeof(aid), 110);
    fill_id(asha, sizeof(asha), 111);
    kill_at_stall(f, FERRY_SIDE_OFFLINE, "answer", act_answer, &a);

    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_int_equal(got->state, FERRY_TS_OUTSTANDING);
    assert_int_equal(got->has_answer, 0);
    ferry_transfer_free(got);
    assert_false(ferry_store_package_seen(s, asha));
    /* and the answer can now be imported normally */
    assert_int_equal(ferry_store_transfer_answer(s, t.id, aid, asha, 1826000000, 0, "/x", "usb"),
                     FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'transfer-answer'"),
                     1);
}

struct submitted_args {
    const struct ferry_transfer *t;
    const uint8_t *psha;
};

static void act_submitted(struct ferry_store *s, void *arg)
{
    const struct submitted_args *a = arg;

    ferry_store_transfer_submitted(s, a->t, a->psha);
}

/* Online: the submitted transfer and its request package seen, in one transaction; a kill
 * between the two leaves neither, and --again updates the existing row. */
static void test_submitted(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_ONLINE);
    struct ferry_transfer t, *got = NULL;
    uint8_t psha[FERRY_SHA256_LEN];
    struct submitted_args a = {&t, psha};

    sample_transfer(&t, 13, NOW_2026);
    t.state = FERRY_TS_SUBMITTED;
    t.service = "https://one.example/rms";
    fill_id(psha, sizeof(psha), 130);
    ferry_store_close(s);
    kill_at_stall(f, FERRY_SIDE_ONLINE, "submitted", act_submitted, &a);

    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_ONLINE, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_ERR_NOT_FOUND);
    assert_false(ferry_store_package_seen(s, psha));
    assert_int_equal(ferry_store_transfer_submitted(s, &t, psha), FERRY_OK);
    assert_true(ferry_store_package_seen(s, psha));
    t.service = "https://two.example/rms"; /* --again: the same row, updated */
    t.new_not_after = 1826000000;
    assert_int_equal(ferry_store_transfer_submitted(s, &t, psha), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_int_equal(got->state, FERRY_TS_SUBMITTED);
    assert_string_equal(got->service, "https://two.example/rms");
    assert_int_equal(got->new_not_after, 1826000000);
    ferry_transfer_free(got);
    t.state = 0;
    assert_int_equal(ferry_store_transfer_submitted(s, &t, psha), FERRY_ERR_USAGE);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers"), 1);
}

/* The version-1 ledger as ferry wrote it before `cancel` (state 1..4 only): a fixture, the
 * schema text copied from that release. */
static const char *const ledger_v1_sql =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE transfers ("
    " id BLOB PRIMARY KEY CHECK (length(id) = 16),"
    " direction INTEGER NOT NULL CHECK (direction IN (1, 2)),"
    " state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 4),"
    " package_sha256 BLOB NOT NULL CHECK (length(package_sha256) = 32),"
    " payload_sha256 BLOB NOT NULL CHECK (length(payload_sha256) = 32),"
    " kind TEXT, subject TEXT, guid TEXT, source_path TEXT, peer_fp TEXT, service TEXT,"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " old_not_after INTEGER NOT NULL DEFAULT 0, new_not_after INTEGER NOT NULL DEFAULT 0,"
    " installed_path TEXT,"
    " answer_id BLOB CHECK (answer_id IS NULL OR length(answer_id) = 16),"
    " answered INTEGER);"
    "CREATE INDEX transfers_created ON transfers (created, state);"
    "CREATE TABLE packages_seen ("
    " sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),"
    " transfer_id BLOB CHECK (transfer_id IS NULL OR length(transfer_id) = 16),"
    " seen INTEGER NOT NULL);"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, side TEXT NOT NULL,"
    " event TEXT NOT NULL, detail TEXT);"
    "INSERT INTO meta VALUES ('schema_version', '1'), ('side', 'offline'),"
    " ('created', '2026-01-01T00:00:00Z');"
    "INSERT INTO transfers (id, direction, state, package_sha256, payload_sha256, kind, subject,"
    " created, updated) VALUES (x'00112233445566778899aabbccddeeff', 1, 1, zeroblob(32),"
    " zeroblob(32), 'rms', 'rms01', 1767225600, 1767225600);";

/* A version-1 ledger opens: migrated in place (rows kept, version 2, an audit entry), and its
 * outstanding transfer can then be found by prefix and cancelled. */
static void test_migrate_v1_then_cancel(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = NULL;
    struct ferry_transfer *t = NULL;
    char *path;
    sqlite3 *db = NULL;

    assert_int_equal(mkdir(f->home, 0700), 0);
    path = ferry_path_join(f->home, "ledger.sqlite");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, ledger_v1_sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    free(path);

    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    assert_int_equal(ledger_count(f, "SELECT value FROM meta WHERE key = 'schema_version'"), 4);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'store-migrate'"),
                     1);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE state = 1"), 1);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                     "AND name = 'transfers_created'"),
                     1);

    assert_int_equal(ferry_store_transfer_find(s, "0g11", &t), FERRY_ERR_USAGE);
    assert_int_equal(ferry_store_transfer_find(s, "001", &t), FERRY_ERR_USAGE);
    assert_int_equal(ferry_store_transfer_find(s, "ffff", &t), FERRY_ERR_NOT_FOUND);
    assert_int_equal(ferry_store_transfer_find(s, "0011223", &t), FERRY_OK);
    assert_string_equal(t->subject, "rms01");
    assert_int_equal(ferry_store_transfer_cancel(s, t->id, "stick lost"), FERRY_OK);
    assert_int_equal(ferry_store_transfer_cancel(s, t->id, "again"), FERRY_ERR_MISMATCH);
    assert_non_null(strstr(ferry_err_detail(), "cancelled already"));
    ferry_transfer_free(t);
    t = NULL;
    assert_int_equal(ferry_store_transfer_find(s, "00112233445566778899AABBCCDDEEFF", &t),
                     FERRY_OK);
    assert_int_equal(t->state, FERRY_TS_CANCELLED);
    ferry_transfer_free(t);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'transfer-cancel' "
                                     "AND detail LIKE '%stick lost'"),
                     1);
    /* opened again: already version 4, nothing migrated twice */
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'store-migrate'"),
                     1);
}

/* ---- schema 3: trips and media; migrations from real old ledgers ---- */

/* One text of a query's rows (each column as text, '|' between, ';' after each row) run
 * directly on the ledger file; new string. */
static char *ledger_text(const struct fx *f, const char *sql)
{
    char *path = ferry_path_join(f->home, "ledger.sqlite");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t len = 0;
    char *out = calloc(1, 1), *grown;
    int i;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            size_t add = (v ? strlen(v) : 4) + 1;
            assert_non_null(grown = realloc(out, len + add + 2));
            out = grown;
            len += (size_t)snprintf(out + len, add + 2, "%s%c", v ? v : "NULL",
                                    i + 1 < sqlite3_column_count(st) ? '|' : ';');
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
    return out;
}

/* Copies tests/vectors/ledger/@name into a new home as its ledger.sqlite. */
static void fixture_home(const struct fx *f, const char *name)
{
    char src[4096], *dst = ferry_path_join(f->home, "ledger.sqlite");
    uint8_t *data = NULL;
    size_t len = 0;

    snprintf(src, sizeof(src), "%s/ledger/%s", getenv("FERRY_VECTORS"), name);
    assert_int_equal(ferry_file_read(src, 1 << 20, &data, &len), FERRY_OK);
    assert_int_equal(mkdir(f->home, 0700), 0);
    assert_int_equal(ferry_file_write_atomic(dst, data, len, 0600), FERRY_OK);
    free(data);
    free(dst);
}

/* The columns every version has, as the old ferry wrote them. */
#define OLD_ROWS                                                                                   \
    "SELECT hex(id), direction, state, hex(package_sha256), hex(payload_sha256), kind, subject, "  \
    "guid, source_path, peer_fp, service, created, updated, old_not_after, new_not_after, "        \
    "installed_path, hex(answer_id), answered FROM transfers ORDER BY id"

struct fixture {
    const char *file;
    enum ferry_side side;
    int version;
    int rows, answered, outstanding, cancelled, submitted;
};

/* An old ledger opens: migrated in one step to version 4 with one audit entry, every row and
 * column it had kept as it was, the new columns unknown (NULL), the indexes made again; then
 * the new columns work on it, and it is not migrated twice. Version 3 had trips and media: they
 * are kept. */
static void migrate_fixture(struct fx *f, const struct fixture *x)
{
    struct ferry_store *s = NULL;
    struct ferry_transfer **all = NULL, t, *got = NULL;
    uint8_t trip[FERRY_TRANSFER_ID_LEN], asha[FERRY_SHA256_LEN];
    char *before, *after, want[160], hex[33];
    size_t n = 0, i;

    fixture_home(f, x->file);
    assert_int_equal(ledger_count(f, "SELECT value FROM meta WHERE key = 'schema_version'"),
                     x->version);
    before = ledger_text(f, OLD_ROWS);
    assert_int_equal(ferry_store_open(f->home, x->side, 0, &s), FERRY_OK);
    after = ledger_text(f, OLD_ROWS);
    assert_string_equal(after, before);
    free(before);
    free(after);
    assert_int_equal(ledger_count(f, "SELECT value FROM meta WHERE key = 'schema_version'"), 4);
    snprintf(want, sizeof(want),
             "SELECT count(*) FROM audit WHERE event = 'store-migrate' AND detail = "
             "'schema %d -> 4'",
             x->version);
    assert_int_equal(ledger_count(f, want), 1);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                     "AND name IN ('transfers_created', 'transfers_trip')"),
                     2);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE trip IS NULL AND "
                                     "request_medium IS NULL AND answer_medium IS NULL"),
                     x->version < 3 ? x->rows : 0);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE state = 2"),
                     x->answered);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE state = 1"),
                     x->outstanding);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE state = 5"),
                     x->cancelled);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE state = 3"),
                     x->submitted);
    if (x->version == 1)
        assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE valid_until = 0 "
                                         "AND posted_sha256 IS NULL"),
                         x->rows);
    assert_int_equal(ferry_store_transfers(s, &all, &n), FERRY_OK);
    assert_int_equal(n, (size_t)x->rows);
    for (i = 0; i < n && x->version < 3; i++) {
        assert_false(all[i]->has_trip);
        assert_null(all[i]->request_medium);
        assert_null(all[i]->answer_medium);
    }
    assert_int_equal(ferry_store_run_trip(s, trip), 0);

    /* a new transfer on the migrated ledger gets this run's trip and its medium */
    sample_transfer(&t, 40, NOW_2026);
    t.request_medium = "usb";
    t.state = x->side == FERRY_SIDE_ONLINE ? FERRY_TS_SUBMITTED : FERRY_TS_OUTSTANDING;
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    assert_int_equal(ferry_store_run_trip(s, trip), 1);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_OK);
    assert_true(got->has_trip);
    assert_memory_equal(got->trip, trip, sizeof(trip));
    assert_string_equal(got->request_medium, "usb");
    assert_null(got->answer_medium);
    ferry_transfer_free(got);
    if (x->side == FERRY_SIDE_OFFLINE) {
        /* an old outstanding transfer is answered; the medium it came back on is recorded */
        for (i = 0;
             i < n && (all[i]->state != FERRY_TS_OUTSTANDING || all[i]->kind != FERRY_KIND_RMS);
             i++)
            ;
        assert_true(i < n);
        fill_id(asha, sizeof(asha), 41);
        assert_int_equal(
            ferry_store_transfer_answer(s, all[i]->id, t.id, asha, 1826000000, 0, "/x", "images"),
            FERRY_OK);
        assert_int_equal(ferry_store_transfer_get(s, all[i]->id, &got), FERRY_OK);
        assert_string_equal(got->answer_medium, "images");
        assert_int_equal(got->has_trip, x->version >= 3); /* exported before trips: none */
        ferry_transfer_free(got);
    } else {
        /* an old submitted transfer submitted again (--again) joins this run's trip */
        memcpy(&t, all[0], sizeof(t));
        t.request_medium = "images";
        t.answer_medium = "pdf";
        t.has_trip = 0;
        fill_id(asha, sizeof(asha), 42);
        assert_int_equal(ferry_store_transfer_submitted(s, &t, asha), FERRY_OK);
        assert_int_equal(ferry_store_transfer_get(s, all[0]->id, &got), FERRY_OK);
        assert_true(got->has_trip);
        assert_memory_equal(got->trip, trip, sizeof(trip));
        assert_string_equal(got->request_medium, "images");
        assert_string_equal(got->answer_medium, "pdf");
        assert_string_equal(got->subject, all[0]->subject);
        ferry_transfer_free(got);
    }
    ferry_transfers_free(all, n);
    ferry_store_close(s);
    ferry_hex(trip, sizeof(trip), hex);
    after = ledger_text(f, "PRAGMA integrity_check");
    assert_string_equal(after, "ok;");
    free(after);
    /* opened again: version 4 already, nothing migrated twice, the trip still there */
    assert_int_equal(ferry_store_open(f->home, x->side, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_trip_find(s, hex, trip), FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'store-migrate'"),
                     1);
}

static void test_migrate_real_v1_offline(void **state)
{
    const struct fixture x = {"ledger-v1-offline.sqlite", FERRY_SIDE_OFFLINE, 1, 2, 1, 1, 0, 0};
    migrate_fixture(*state, &x);
}

static void test_migrate_real_v2_offline(void **state)
{
    const struct fixture x = {"ledger-v2-offline.sqlite", FERRY_SIDE_OFFLINE, 2, 3, 1, 1, 1, 0};
    migrate_fixture(*state, &x);
}

static void test_migrate_real_v1_online(void **state)
{
    const struct fixture x = {"ledger-v1-online.sqlite", FERRY_SIDE_ONLINE, 1, 1, 0, 0, 0, 1};
    migrate_fixture(*state, &x);
}

/* The schema-3 ledger also holds an X.509 transfer (request --rekey, then export) whose record of
 * the certificate and new key export kept beside it as requests/<id>.cert: the migration reads
 * it into the row; import finds the paths there. */
static void test_migrate_real_v3_offline(void **state)
{
    const struct fixture x = {"ledger-v3-offline.sqlite", FERRY_SIDE_OFFLINE, 3, 4, 1, 2, 1, 0};
    struct fx *f = *state;
    struct ferry_store *s = NULL;
    struct ferry_transfer *t = NULL;
    char src[4096], rec[8192], *id, *dst;
    uint8_t *data = NULL, bid[FERRY_TRANSFER_ID_LEN];
    size_t len = 0;

    fixture_home(f, x.file);
    id = ledger_text(f, "SELECT lower(hex(id)) FROM transfers WHERE kind = 'x509'");
    assert_int_equal(strlen(id), 33); /* one row: 32 hex digits and ';' */
    id[32] = '\0';
    assert_int_equal(ferry_hex_decode(id, bid, sizeof(bid)), FERRY_OK);
    snprintf(src, sizeof(src), "%s/ledger/ledger-v3-offline.cert", getenv("FERRY_VECTORS"));
    assert_int_equal(ferry_file_read(src, 8192, &data, &len), FERRY_OK);
    assert_int_equal(ferry_state_save(f->home, "requests", bid, ".cert", data, len), FERRY_OK);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE kind = 'x509'"), 1);
    assert_int_equal(ferry_store_open(f->home, x.side, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_transfer_get(s, bid, &t), FERRY_OK);
    assert_int_equal(t->kind, FERRY_KIND_X509);
    assert_int_equal(t->state, FERRY_TS_OUTSTANDING);
    assert_non_null(t->cert_path);
    assert_non_null(t->key_path);
    snprintf(rec, sizeof(rec), "cert=%s\nkey=%s\n", t->cert_path, t->key_path);
    assert_int_equal(strlen(rec), len);
    assert_memory_equal(rec, data, len); /* the record's very lines */
    assert_non_null(strstr(t->cert_path, "/app01.crt"));
    assert_non_null(strstr(t->key_path, "/app01.csr.key"));
    ferry_transfer_free(t);
    ferry_store_close(s);
    /* the RMS transfers have none */
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE cert_path IS NULL AND "
                                     "key_path IS NULL AND kind = 'rms'"),
                     3);
    dst = ferry_state_path(f->home, "requests", bid, ".cert");
    assert_int_equal(access(dst, F_OK), 0); /* left as it was */
    free(dst);
    free(data);
    free(id);
    /* and the rest of the migration as from any version, in a home made again */
    helpers_rm_tree(f->home);
    migrate_fixture(f, &x);
}

/* Without the record (the file gone, or a PKCS#10 made elsewhere) the paths stay unknown. */
static void test_migrate_real_v3_no_record(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = NULL;

    fixture_home(f, "ledger-v3-offline.sqlite");
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM transfers WHERE cert_path IS NULL AND "
                                     "key_path IS NULL"),
                     4);
    assert_int_equal(ledger_count(f, "SELECT value FROM meta WHERE key = 'schema_version'"), 4);
}

static void test_migrate_real_v3_online(void **state)
{
    const struct fixture x = {"ledger-v3-online.sqlite", FERRY_SIDE_ONLINE, 3, 1, 0, 0, 0, 1};
    migrate_fixture(*state, &x);
}

static void test_migrate_real_v2_online(void **state)
{
    const struct fixture x = {"ledger-v2-online.sqlite", FERRY_SIDE_ONLINE, 2, 1, 0, 0, 0, 1};
    migrate_fixture(*state, &x);
    /* version 2 recorded what was posted: kept through the migration */
    assert_int_equal(ledger_count(*state, "SELECT count(*) FROM transfers WHERE "
                                          "length(posted_sha256) = 32 AND valid_until > 0"),
                     1);
}

/* Every transfer one store handle records shares one trip; another run gets another; a trip is
 * found by a prefix of its id and lists its transfers in the order they were recorded. */
static void test_trips(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_transfer t, **v = NULL, *got = NULL;
    uint8_t trip1[FERRY_TRANSFER_ID_LEN], trip2[FERRY_TRANSFER_ID_LEN], found[16];
    char hex[33], pre[8];
    size_t n = 0;
    uint8_t seed;

    assert_int_equal(ferry_store_run_trip(s, trip1), 0);
    for (seed = 1; seed <= 3; seed++) {
        sample_transfer(&t, seed, NOW_2026 - 100 + seed);
        t.request_medium = "usb";
        assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    }
    assert_int_equal(ferry_store_run_trip(s, trip1), 1);
    ferry_store_close(s);
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    sample_transfer(&t, 4, NOW_2026);
    t.request_medium = "pdf";
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    assert_int_equal(ferry_store_run_trip(s, trip2), 1);
    assert_memory_not_equal(trip1, trip2, sizeof(trip1));
    /* a trip given by the caller is kept */
    sample_transfer(&t, 5, NOW_2026);
    memcpy(t.trip, trip1, sizeof(trip1));
    t.has_trip = 1;
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);

    ferry_hex(trip1, sizeof(trip1), hex);
    assert_int_equal(ferry_store_trip_transfers(s, trip1, &v, &n), FERRY_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0]->request_medium, "usb");
    assert_true(v[0]->created < v[1]->created && v[1]->created < v[2]->created);
    assert_int_equal(v[3]->id[0], t.id[0]);
    ferry_transfers_free(v, n);
    assert_int_equal(ferry_store_trip_transfers(s, trip2, &v, &n), FERRY_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0]->request_medium, "pdf");
    ferry_transfers_free(v, n);

    snprintf(pre, sizeof(pre), "%.6s", hex);
    pre[0] = (char)(pre[0] >= 'a' ? pre[0] - 32 : pre[0]); /* any case */
    assert_int_equal(ferry_store_trip_find(s, pre, found), FERRY_OK);
    assert_memory_equal(found, trip1, sizeof(found));
    assert_int_equal(ferry_store_trip_find(s, hex, found), FERRY_OK);
    assert_int_equal(ferry_store_trip_find(s, "12g4", found), FERRY_ERR_USAGE);
    assert_int_equal(ferry_store_trip_find(s, "123", found), FERRY_ERR_USAGE);
    snprintf(pre, sizeof(pre), "%c%c%c%c", hex[0] == 'f' ? '0' : 'f', hex[1], hex[2], hex[3]);
    ferry_hex(trip2, sizeof(trip2), hex);
    if (strncmp(pre, hex, 4) != 0)
        assert_int_equal(ferry_store_trip_find(s, pre, found), FERRY_ERR_NOT_FOUND);
    /* a medium's name is a short word, nothing else */
    sample_transfer(&t, 6, NOW_2026);
    t.request_medium = "usb:/media/stick";
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_ERR_USAGE);
    assert_int_equal(ferry_store_transfer_get(s, t.id, &got), FERRY_ERR_NOT_FOUND);
    ferry_store_close(s);
}

/* Same with a hot journal: the child's transaction has spilled pages to the database file
 * (a large insert with a tiny cache) before it is killed; the next open rolls them back. */
static void test_crash_hot_journal(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    char *journal = ferry_path_join(f->home, "ledger.sqlite-journal");
    struct ferry_transfer t, **all = NULL;
    int fds[2], status = 0, i;
    char fdbuf[16], c = 0, detail[3000];
    pid_t pid;
    size_t n = 0;

    sample_transfer(&t, 12, NOW_2026);
    assert_int_equal(ferry_store_transfer_add(s, &t), FERRY_OK);
    ferry_store_close(s);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        char *path = ferry_path_join(f->home, "ledger.sqlite");
        close(fds[0]);
        memset(detail, 'd', sizeof(detail) - 1);
        detail[sizeof(detail) - 1] = '\0';
        if (sqlite3_open(path, &db) != SQLITE_OK)
            _exit(2);
        sqlite3_exec(db, "PRAGMA cache_size = 10; BEGIN IMMEDIATE; DELETE FROM transfers", NULL,
                     NULL, NULL);
        for (i = 0; i < 400; i++) {
            sqlite3_stmt *st = NULL;
            sqlite3_prepare_v2(db,
                               "INSERT INTO audit (time, side, event, detail) VALUES "
                               "(1, 'offline', 'junk', ?)",
                               -1, &st, NULL);
            sqlite3_bind_text(st, 1, detail, -1, SQLITE_STATIC);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
        snprintf(fdbuf, sizeof(fdbuf), "!");
        if (write(fds[1], fdbuf, 1) != 1)
            _exit(3);
        for (;;)
            pause();
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    assert_true(ferry_path_exists(journal)); /* a hot journal was left behind */

    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_transfers(s, &all, &n), FERRY_OK);
    assert_int_equal(n, 1);
    ferry_transfers_free(all, n);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'junk'"), 0);
    assert_false(ferry_path_exists(journal));
    free(journal);
}

/* ---- identity ---- */

static char *home_file(const struct fx *f, const char *name)
{
    return ferry_path_join(f->home, name);
}

static void test_identity_create_load(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_identity *id = NULL, *loaded = NULL;
    char *key = home_file(f, "identity.key"), *crt = home_file(f, "identity.crt");
    struct stat st;

    assert_int_equal(ferry_store_identity(s, &loaded), FERRY_ERR_NOT_FOUND);
    assert_int_equal(ferry_store_identity_create(s, "offline-ca-host", &id), FERRY_OK);
    assert_non_null(id);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(crt, &st), 0);
    assert_int_equal(ferry_store_identity_create(s, "again", NULL), FERRY_ERR_EXISTS);
    assert_int_equal(ferry_store_identity(s, &loaded), FERRY_OK);
    assert_true(ferry_identity_has_key(loaded));
    assert_true(ferry_identity_equal(id, loaded));
    assert_string_equal(ferry_identity_name(loaded), "offline-ca-host");
    ferry_identity_free(loaded);
    ferry_identity_free(id);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'identity-create'"),
                     1);
    free(key);
    free(crt);
}

static void test_identity_key_mode_refused(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_identity *loaded = NULL;
    char *key = home_file(f, "identity.key"), *moved = home_file(f, "moved.key");
    static const mode_t bad[] = {0644, 0640, 0604, 0660, 0601};
    size_t i;

    assert_int_equal(ferry_store_identity_create(s, "x", NULL), FERRY_OK);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(key, bad[i]), 0);
        assert_int_equal(ferry_store_identity(s, &loaded), FERRY_ERR_UNTRUSTED);
        assert_null(loaded);
        assert_non_null(strstr(ferry_err_detail(), "chmod 600"));
    }
    assert_int_equal(chmod(key, 0400), 0);
    assert_int_equal(ferry_store_identity(s, &loaded), FERRY_OK);
    ferry_identity_free(loaded);
    /* a symlinked key is refused too */
    assert_int_equal(rename(key, moved), 0);
    assert_int_equal(symlink(moved, key), 0);
    assert_int_equal(ferry_store_identity(s, &loaded), FERRY_ERR_UNTRUSTED);
    unlink(key);
    /* owned by someone else (root only: chown) */
    assert_int_equal(rename(moved, key), 0);
    if (geteuid() == 0) {
        assert_int_equal(chown(key, 12345, 12345), 0);
        assert_int_equal(ferry_store_identity(s, &loaded), FERRY_ERR_UNTRUSTED);
        assert_non_null(strstr(ferry_err_detail(), "owned by uid 12345"));
    }
    ferry_store_close(s);
    free(key);
    free(moved);
}

/* The certificate write fails after the key was written: no half identity is left. */
static void test_identity_no_half(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    char *key = home_file(f, "identity.key"), *crt = home_file(f, "identity.crt");
    struct rlimit old, lim;
    void (*prev)(int);
    ferry_err r;

    /* a P-256 PKCS#8 PEM is ~240 bytes, its certificate PEM ~600: allow the first only */
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 400;
    prev = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    r = ferry_store_identity_create(s, "half", NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(r, FERRY_ERR_IO);
    assert_false(ferry_path_exists(key));
    assert_false(ferry_path_exists(crt));
    /* and init can simply be run again */
    assert_int_equal(ferry_store_identity_create(s, "whole", NULL), FERRY_OK);
    assert_true(ferry_path_exists(key));
    ferry_store_close(s);
    free(key);
    free(crt);
}

static void act_identity(struct ferry_store *s, void *arg)
{
    (void)arg;
    ferry_store_identity_create(s, "crash", NULL);
}

/* init SIGKILLed between the key and the certificate: the leftover is named, not loaded, and
 * init refuses to pile a new identity on it until it is removed. */
static void test_identity_crash_half(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_OFFLINE);
    struct ferry_identity *id = NULL;
    char *key = home_file(f, "identity.key");

    ferry_store_close(s);
    kill_at_stall(f, FERRY_SIDE_OFFLINE, "identity", act_identity, NULL);
    assert_true(ferry_path_exists(key));
    assert_int_equal(ferry_store_open(f->home, FERRY_SIDE_OFFLINE, 0, &s), FERRY_OK);
    assert_int_equal(ferry_store_identity(s, &id), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "interrupted"));
    assert_int_equal(ferry_store_identity_create(s, "again", NULL), FERRY_ERR_FORMAT);
    unlink(key);
    assert_int_equal(ferry_store_identity_create(s, "again", NULL), FERRY_OK);
    assert_int_equal(ferry_store_identity(s, &id), FERRY_OK);
    ferry_identity_free(id);
    ferry_store_close(s);
    free(key);
}

/* ---- peers ---- */

static struct ferry_identity *peer_cert(const char *name)
{
    struct ferry_identity *full = NULL, *pub = NULL;
    char *pem = NULL;
    size_t len = 0;

    assert_int_equal(ferry_identity_generate(name, &full), FERRY_OK);
    assert_int_equal(ferry_identity_cert_pem(full, &pem, &len), FERRY_OK);
    assert_int_equal(ferry_identity_from_cert((uint8_t *)pem, len, &pub), FERRY_OK);
    free(pem);
    ferry_identity_free(full);
    return pub;
}

static int count_dir(const char *dir)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_peers(void **state)
{
    struct fx *f = *state;
    struct ferry_store *s = open_new(f, FERRY_SIDE_ONLINE);
    struct ferry_identity *a = peer_cert("peer-a"), *b = peer_cert("peer-b"), **v = NULL;
    char *dir = home_file(f, "peers"), *junk, *pem = NULL, name[80];
    uint8_t fp[FERRY_SHA256_LEN];
    size_t n = 0, len = 0, i;
    int found_a = 0, found_b = 0;

    assert_int_equal(ferry_store_peers(s, &v, &n), FERRY_OK);
    assert_int_equal(n, 0);
    ferry_store_peers_free(v, n);
    assert_int_equal(ferry_store_peer_add(s, a), FERRY_OK);
    assert_int_equal(ferry_store_peer_add(s, a), FERRY_OK); /* idempotent */
    assert_int_equal(count_dir(dir), 1);
    assert_int_equal(ferry_store_peer_add(s, b), FERRY_OK);
    assert_int_equal(count_dir(dir), 2);
    /* junk in the directory: ignored (with a warning) */
    junk = ferry_path_join(dir, "README");
    assert_int_equal(ferry_file_write_atomic(junk, "hi", 2, 0600), FERRY_OK);
    free(junk);
    /* a certificate filed under the wrong fingerprint: ignored */
    ferry_identity_fingerprint(a, fp);
    fp[0] ^= 1;
    ferry_hex(fp, sizeof(fp), name);
    memcpy(name + 64, ".crt", 5);
    junk = ferry_path_join(dir, name);
    assert_int_equal(ferry_identity_cert_pem(b, &pem, &len), FERRY_OK);
    assert_int_equal(ferry_file_write_atomic(junk, pem, len, 0600), FERRY_OK);
    free(pem);
    free(junk);
    ferry_log_set_level(FERRY_LOG_ERROR);
    assert_int_equal(ferry_store_peers(s, &v, &n), FERRY_OK);
    ferry_log_set_level(FERRY_LOG_INFO);
    assert_int_equal(n, 2);
    for (i = 0; i < n; i++) {
        assert_false(ferry_identity_has_key(v[i]));
        found_a |= ferry_identity_equal(v[i], a);
        found_b |= ferry_identity_equal(v[i], b);
    }
    assert_true(found_a && found_b);
    ferry_store_peers_free(v, n);
    ferry_store_close(s);
    assert_int_equal(ledger_count(f, "SELECT count(*) FROM audit WHERE event = 'peer-add'"), 2);
    ferry_identity_free(a);
    ferry_identity_free(b);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_create_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_side_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_add_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_once_then_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_answer_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1_then_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v1_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v2_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v1_online, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v2_online, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v3_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v3_no_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_real_v3_online, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_mid_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_hot_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_create_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_key_mode_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_no_half, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_crash_half, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
    };

    if (getenv("FERRY_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("FERRY_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
