/* ferry — advisory locks (flock) that serialise runs on one $FERRY_HOME and on one medium. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ferry/lock.h"
#include "ferry/log.h"

#define LOCK_POLL_MS 50

struct ferry_lock {
    int fd;
};

long ferry_lock_holder(int fd)
{
    struct stat st;
    char line[256], dev[64];
    unsigned long long ino;
    long pid, found = 0;
    FILE *f;

    if (fstat(fd, &st) != 0 || (f = fopen("/proc/locks", "re")) == NULL)
        return 0;
    /* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (lines of waiters carry "->") */
    while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
        char kind[16], adv[16], rw[16];
        unsigned maj, mnr;

        if (strstr(line, "->") != NULL ||
            sscanf(line, "%*s %15s %15s %15s %ld %63s", kind, adv, rw, &pid, dev) != 5 ||
            strcmp(kind, "FLOCK") != 0 || sscanf(dev, "%x:%x:%llu", &maj, &mnr, &ino) != 3)
            continue;
        if (ino == (unsigned long long)st.st_ino && maj == major(st.st_dev) &&
            mnr == minor(st.st_dev) && pid != (long)getpid())
            found = pid;
    }
    fclose(f);
    return found;
}

static long wait_limit_ms(void)
{
    const char *v = getenv("FERRY_LOCK_WAIT");
    char *end;
    long s;

    if (v != NULL && v[0] != '\0') {
        s = strtol(v, &end, 10);
        if (*end == '\0' && s >= 0 && s <= 600)
            return s * 1000;
    }
    return FERRY_LOCK_WAIT_S * 1000L;
}

static void nap(void)
{
    struct timespec ts = {0, LOCK_POLL_MS * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

ferry_err ferry_lock_take(const char *path, enum ferry_lock_mode mode, const char *what,
                          struct ferry_lock **out)
{
    struct ferry_lock *l;
    struct stat st;
    long waited = 0, limit = wait_limit_ms(), pid;
    int op = mode == FERRY_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH, told = 0, fd;

    *out = NULL;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    else
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EACCES && mode == FERRY_LOCK_SHARED)
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ferry_errf(FERRY_ERR_IO, "%s: cannot open the lock for %s: %s", path, what,
                          strerror(errno));
    while (flock(fd, op | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            int e = errno;
            close(fd);
            return ferry_errf(FERRY_ERR_IO, "%s: cannot lock %s: %s", path, what, strerror(e));
        }
        pid = ferry_lock_holder(fd);
        if (waited >= limit) {
            close(fd);
            if (pid > 0)
                return ferry_errf(FERRY_ERR_IO,
                                  "%s is in use by another ferry run (pid %ld): let it finish, "
                                  "then run this command again",
                                  what, pid);
            return ferry_errf(FERRY_ERR_IO,
                              "%s is in use by another ferry run: let it finish, then run this "
                              "command again",
                              what);
        }
        if (!told) {
            if (pid > 0)
                ferry_log(FERRY_LOG_INFO,
                          "%s is in use by another ferry run (pid %ld); waiting "
                          "up to %ld s",
                          what, pid, limit / 1000);
            else
                ferry_log(FERRY_LOG_INFO, "%s is in use by another ferry run; waiting up to %ld s",
                          what, limit / 1000);
            told = 1;
        }
        nap();
        waited += LOCK_POLL_MS;
    }
    if ((l = malloc(sizeof(*l))) == NULL) {
        close(fd);
        return FERRY_ERR_NOMEM;
    }
    l->fd = fd;
    *out = l;
    return FERRY_OK;
}

void ferry_lock_release(struct ferry_lock *l)
{
    if (l == NULL)
        return;
    (void)flock(l->fd, LOCK_UN);
    close(l->fd);
    free(l);
}
