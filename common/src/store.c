/* ferry — the state store under $FERRY_HOME: opening and closing the home (its path, modes and
 * lock), and the test hook the store's writers stall at. The ledger is store_ledger.c; the
 * identity and the paired peers are store_keys.c; what they share is store_int.h. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ferry/file.h"
#include "ferry/lock.h"
#include "ferry/log.h"
#include "ferry/store.h"
#include "ferry/testhook.h"
#include "store_int.h"

/*
 * Test hook (test builds only, ferry/testhook.h): when $FERRY_TEST_STALL_FD names a file
 * descriptor and $FERRY_TEST_STALL equals @where, writes one byte to that descriptor and waits to
 * be killed — the crash-safety test SIGKILLs the process there, in the middle of a transaction.
 * Inert otherwise.
 */
void store_test_stall(const char *where)
{
    const char *fdv = ferry_testhook_get("FERRY_TEST_STALL_FD");
    const char *at = ferry_testhook_get("FERRY_TEST_STALL");
    char *end;
    long fd;

    if (fdv == NULL || at == NULL || strcmp(at, where) != 0)
        return;
    fd = strtol(fdv, &end, 10);
    if (*end != '\0' || fd < 0 || fd > INT_MAX || write((int)fd, "!", 1) != 1)
        return;
    for (;;)
        pause();
}

/* ---- opening ---- */

static ferry_err home_path(const char *home, char **out)
{
    const char *v;

    *out = NULL;
    if (home != NULL && home[0] != '\0')
        *out = strdup(home);
    else if ((v = getenv("FERRY_HOME")) != NULL && v[0] != '\0')
        *out = strdup(v);
    else if ((v = getenv("XDG_DATA_HOME")) != NULL && v[0] == '/')
        *out = ferry_path_join(v, "ferry");
    else if ((v = getenv("HOME")) != NULL && v[0] == '/')
        *out = ferry_path_join(v, ".local/share/ferry");
    else
        return ferry_errf(FERRY_ERR_USAGE, "cannot tell where the state lives: give --home DIR "
                                           "or set FERRY_HOME");
    return *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

/* Makes (if @create) or checks the home directory. */
static ferry_err home_prepare(const struct ferry_store *s, int create)
{
    struct stat st;

    if (stat(s->home, &st) != 0) {
        if (errno != ENOENT)
            return ferry_errf(FERRY_ERR_IO, "%s: %s", s->home, strerror(errno));
        if (!create)
            return ferry_errf(FERRY_ERR_NOT_FOUND,
                              "%s: no ferry state here: run `ferry-%s "
                              "init` first (or give --home)",
                              s->home, s->side);
        ferry_err r = ferry_mkdir_p(s->home, 0700);
        if (r != FERRY_OK)
            return r;
        if (chmod(s->home, 0700) != 0)
            return ferry_errf(FERRY_ERR_IO, "%s: chmod: %s", s->home, strerror(errno));
        if (stat(s->home, &st) != 0)
            return ferry_errf(FERRY_ERR_IO, "%s: %s", s->home, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return ferry_errf(FERRY_ERR_USAGE, "%s: not a directory", s->home);
    if ((st.st_mode & 022) != 0)
        return ferry_errf(FERRY_ERR_UNTRUSTED,
                          "%s: writable by group or others (mode %04o): another user could "
                          "replace the paired identities; run `chmod 700 %s` and check "
                          "peers/ (`status`) before going on",
                          s->home, (unsigned)(st.st_mode & 07777), s->home);
    if ((st.st_mode & 077) != 0)
        ferry_log(FERRY_LOG_WARN,
                  "%s is accessible to group or others (mode %04o): "
                  "chmod 700 %s",
                  s->home, (unsigned)(st.st_mode & 07777), s->home);
    return FERRY_OK;
}

/* Resolves the home once (symlinked parents such as a linked ~/.local or /home included), so
 * everything below opens a path without links, and refuses a home below a directory another
 * user may write to (not sticky): they could swap the home itself. */
static ferry_err home_resolve(struct ferry_store *s)
{
    char *real = realpath(s->home, NULL), *p;
    struct stat st;
    ferry_err r = FERRY_OK;

    if (real == NULL)
        return ferry_errf(FERRY_ERR_IO, "%s: cannot resolve the path: %s", s->home,
                          strerror(errno));
    if (strcmp(real, s->home) != 0)
        ferry_log(FERRY_LOG_DEBUG, "%s: reached through a symbolic link; using %s", s->home, real);
    if ((p = strdup(real)) == NULL) {
        free(real);
        return FERRY_ERR_NOMEM;
    }
    while (r == FERRY_OK) {
        char *slash = strrchr(p, '/');
        if (slash == NULL)
            break;
        slash[slash == p ? 1 : 0] = '\0';
        if (stat(p, &st) != 0)
            r = ferry_errf(FERRY_ERR_IO, "%s: %s", p, strerror(errno));
        else if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)
            r = ferry_errf(FERRY_ERR_UNTRUSTED,
                           "%s: the home %s lies in %s, which group or others may write to "
                           "(mode %04o): another user could replace it; run `chmod go-w %s` or "
                           "give --home a directory only you can change",
                           s->home, real, p, (unsigned)(st.st_mode & 07777), p);
        if (slash == p)
            break;
    }
    free(p);
    if (r != FERRY_OK) {
        free(real);
        return r;
    }
    free(s->home);
    s->home = real;
    return FERRY_OK;
}

static ferry_err subdirs_make(const struct ferry_store *s)
{
    static const char *const dirs[] = {PEERS_DIR, CERTS_DIR};
    ferry_err r = FERRY_OK;
    size_t i;
    char *p;

    for (i = 0; i < 2 && r == FERRY_OK; i++) {
        if ((p = ferry_path_join(s->home, dirs[i])) == NULL)
            return FERRY_ERR_NOMEM;
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            r = ferry_errf(FERRY_ERR_IO, "%s: cannot create directory: %s", p, strerror(errno));
        free(p);
    }
    return r;
}

static ferry_err home_lock(struct ferry_store *s, int mode)
{
    char *path = ferry_path_join(s->home, LOCK_FILE);
    ferry_err r;

    if (path == NULL)
        return FERRY_ERR_NOMEM;
    r = ferry_lock_take(path, mode ? FERRY_LOCK_EXCLUSIVE : FERRY_LOCK_SHARED, s->home, &s->lock);
    free(path);
    return r;
}

ferry_err ferry_store_open(const char *home, enum ferry_side side, int create,
                           struct ferry_store **out)
{
    return ferry_store_open_locked(home, side, create, -1, out);
}

ferry_err ferry_store_open_locked(const char *home, enum ferry_side side, int create, int lock_mode,
                                  struct ferry_store **out)
{
    struct ferry_store *s = NULL;
    ferry_err r = FERRY_ERR_INTERNAL;

    *out = NULL;
    if (ferry_side_name(side) == NULL)
        return ferry_errf(FERRY_ERR_USAGE,
                          "store side %d is neither the offline nor the online one", (int)side);
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    s->side = ferry_side_name(side);
    if ((r = home_path(home, &s->home)) != FERRY_OK || (r = home_prepare(s, create)) != FERRY_OK ||
        (r = home_resolve(s)) != FERRY_OK)
        goto out;
    if (lock_mode >= 0 && (r = home_lock(s, lock_mode)) != FERRY_OK)
        goto out;
    if ((r = store_ledger_open(s, create)) != FERRY_OK || (r = store_ledger_check(s)) != FERRY_OK ||
        (r = store_ledger_init(s, create)) != FERRY_OK)
        goto out;
    if (create && (r = subdirs_make(s)) != FERRY_OK)
        goto out;
    *out = s;
    s = NULL;
    r = FERRY_OK;
out:
    ferry_store_close(s);
    return r;
}

const char *ferry_store_home(const struct ferry_store *s)
{
    return s->home;
}

void ferry_store_close(struct ferry_store *s)
{
    if (s == NULL)
        return;
    if (s->db != NULL)
        sqlite3_close_v2(s->db);
    ferry_lock_release(s->lock);
    free(s->home);
    free(s);
}
