/* libferry_fault.so: an LD_PRELOAD shim that makes a medium fail under a running ferry binary.
 *
 * Controlled by the environment (read once, at load):
 *   FERRY_FAULT       enospc | eio    fail the chosen operation with ENOSPC or EIO, and every
 *                                     later one of the same kind (a full or dead medium stays so)
 *                     kill            raise SIGKILL at the Nth matching operation (a write is
 *                                     cut in half first: the process dies mid-write)
 *                     count           fail nothing; write the number of matching operations to
 *                                     FERRY_FAULT_COUNT (a file) at exit
 *   FERRY_FAULT_PATH  only files (and rename sources/targets) whose path starts with this prefix
 *   FERRY_FAULT_OP    write | fsync | rename | close | any (comma-separated; default: write for
 *                     enospc/eio, any for kill/count). write covers write, pwrite, pwrite64,
 *                     writev; fsync covers fsync and fdatasync; rename covers rename, renameat,
 *                     renameat2; any adds unlink, unlinkat and ftruncate as steps.
 *   FERRY_FAULT_AFTER write faults: the number of bytes that still get through (a short write up
 *                     to that offset, then the error); other faults and kill: the 1-based number
 *                     of the matching call that fails (default 0 bytes / the first call).
 * Paths of descriptors come from /proc/self/fd. Test-only code: never linked into ferry.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { OP_WRITE = 1, OP_FSYNC = 2, OP_RENAME = 4, OP_CLOSE = 8, OP_OTHER = 16 };
enum { M_OFF, M_ENOSPC, M_EIO, M_KILL, M_COUNT };

static int mode = M_OFF, ops, tripped;
static const char *prefix;
static size_t prefix_len;
static unsigned long long after, bytes, calls;
static const char *count_file;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_ftruncate)(int, off_t);

static void *sym(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);

    if (p == NULL) {
        fprintf(stderr, "ferry_fault: no %s in libc\n", name);
        _exit(99);
    }
    return p;
}

static void count_out(void)
{
    FILE *f;

    if (mode != M_COUNT || count_file == NULL || (f = fopen(count_file, "w")) == NULL)
        return;
    fprintf(f, "%llu\n", calls);
    fclose(f);
}

__attribute__((constructor)) static void init(void)
{
    const char *m = getenv("FERRY_FAULT"), *o = getenv("FERRY_FAULT_OP");
    const char *a = getenv("FERRY_FAULT_AFTER");

    real_write = sym("write");
    real_pwrite = sym("pwrite");
    real_pwrite64 = sym("pwrite64");
    real_writev = sym("writev");
    real_fsync = sym("fsync");
    real_fdatasync = sym("fdatasync");
    real_close = sym("close");
    real_rename = sym("rename");
    real_renameat = sym("renameat");
    real_renameat2 = sym("renameat2");
    real_unlink = sym("unlink");
    real_unlinkat = sym("unlinkat");
    real_ftruncate = sym("ftruncate");
    if (m == NULL || *m == '\0')
        return;
    if (strcmp(m, "enospc") == 0)
        mode = M_ENOSPC;
    else if (strcmp(m, "eio") == 0)
        mode = M_EIO;
    else if (strcmp(m, "kill") == 0)
        mode = M_KILL;
    else if (strcmp(m, "count") == 0)
        mode = M_COUNT;
    prefix = getenv("FERRY_FAULT_PATH");
    prefix_len = prefix ? strlen(prefix) : 0;
    after = a ? strtoull(a, NULL, 10) : 0;
    count_file = getenv("FERRY_FAULT_COUNT");
    if (o == NULL || *o == '\0')
        o = mode == M_KILL || mode == M_COUNT ? "any" : "write";
    if (strstr(o, "write"))
        ops |= OP_WRITE;
    if (strstr(o, "fsync"))
        ops |= OP_FSYNC;
    if (strstr(o, "rename"))
        ops |= OP_RENAME;
    if (strstr(o, "close"))
        ops |= OP_CLOSE;
    if (strstr(o, "any"))
        ops |= OP_WRITE | OP_FSYNC | OP_RENAME | OP_CLOSE | OP_OTHER;
    if (mode == M_COUNT)
        atexit(count_out);
}

static int path_match(const char *p)
{
    return p != NULL && (prefix == NULL || strncmp(p, prefix, prefix_len) == 0);
}

static int fd_match(int fd)
{
    char link[64], target[PATH_MAX];
    ssize_t n;

    if (fd < 0)
        return 0;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    if ((n = readlink(link, target, sizeof(target) - 1)) < 0)
        return 0;
    target[n] = '\0';
    return path_match(target);
}

/* An absolute form of @p relative to @dirfd, in @buf. */
static const char *at_path(int dirfd, const char *p, char *buf, size_t cap)
{
    char link[64], dir[PATH_MAX];
    ssize_t n;

    if (p == NULL || p[0] == '/')
        return p;
    if (dirfd == AT_FDCWD) {
        if (getcwd(dir, sizeof(dir)) == NULL)
            return p;
    } else {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        if ((n = readlink(link, dir, sizeof(dir) - 1)) < 0)
            return p;
        dir[n] = '\0';
    }
    if ((size_t)snprintf(buf, cap, "%s/%s", dir, p) >= cap)
        return p;
    return buf;
}

/* What to do with one matching operation of kind @op: 0 go on, else an errno to fail with;
 * kill mode never returns at the chosen call. */
static int decide(int op)
{
    if (mode == M_OFF || (ops & op) == 0)
        return 0;
    calls++;
    if (mode == M_COUNT)
        return 0;
    if (mode == M_KILL) {
        if (calls == (after ? after : 1))
            kill(getpid(), SIGKILL);
        return 0;
    }
    if (op == OP_WRITE)
        return 0; /* byte-counted in write_gate */
    if (tripped || calls >= (after ? after : 1)) {
        tripped = 1;
        return mode == M_ENOSPC ? ENOSPC : EIO;
    }
    return 0;
}

/* For a write of @n bytes: how many may go through (n if all), or -1 with errno set. In kill
 * mode at the chosen call, writes the first half and dies. */
static ssize_t write_gate(int fd, const void *buf, size_t n, int positional, off64_t off)
{
    if (mode == M_OFF || (ops & OP_WRITE) == 0 || !fd_match(fd))
        return (ssize_t)n;
    if (mode == M_KILL || mode == M_COUNT) {
        if (mode == M_KILL && calls + 1 == (after ? after : 1) && n > 1 && buf != NULL) {
            if (positional)
                (void)real_pwrite64(fd, buf, n / 2, off);
            else
                (void)real_write(fd, buf, n / 2);
        }
        decide(OP_WRITE);
        return (ssize_t)n;
    }
    calls++;
    if (tripped || bytes >= after) {
        tripped = 1;
        errno = mode == M_ENOSPC ? ENOSPC : EIO;
        return -1;
    }
    if (bytes + n > after)
        n = (size_t)(after - bytes);
    bytes += n;
    return (ssize_t)n;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t k = write_gate(fd, buf, n, 0, 0);

    if (k < 0)
        return -1;
    return real_write(fd, buf, (size_t)k);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t k = write_gate(fd, buf, n, 1, off);

    if (k < 0)
        return -1;
    return real_pwrite(fd, buf, (size_t)k, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    ssize_t k = write_gate(fd, buf, n, 1, off);

    if (k < 0)
        return -1;
    return real_pwrite64(fd, buf, (size_t)k, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    size_t n = 0;
    ssize_t k;
    int i;

    for (i = 0; i < cnt; i++)
        n += iov[i].iov_len;
    if ((k = write_gate(fd, NULL, n, 0, 0)) < 0)
        return -1;
    if ((size_t)k < n) { /* no short vector writes: the whole call fails */
        tripped = 1;
        errno = mode == M_ENOSPC ? ENOSPC : EIO;
        return -1;
    }
    return real_writev(fd, iov, cnt);
}

static int fail_with(int e)
{
    errno = e;
    return -1;
}

int fsync(int fd)
{
    int e = fd_match(fd) ? decide(OP_FSYNC) : 0;

    return e ? fail_with(e) : real_fsync(fd);
}

int fdatasync(int fd)
{
    int e = fd_match(fd) ? decide(OP_FSYNC) : 0;

    return e ? fail_with(e) : real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
    if (fd_match(fd))
        (void)decide(OP_OTHER);
    return real_ftruncate(fd, len);
}

int close(int fd)
{
    int e = mode != M_OFF && (ops & OP_CLOSE) && fd_match(fd) ? decide(OP_CLOSE) : 0;
    int rc = real_close(fd);

    return e ? fail_with(e) : rc; /* the descriptor is gone either way, as with NFS */
}

static int rename_match(const char *a, const char *b)
{
    return path_match(a) || path_match(b);
}

int rename(const char *from, const char *to)
{
    char ba[PATH_MAX], bb[PATH_MAX];
    int e =
        rename_match(at_path(AT_FDCWD, from, ba, sizeof(ba)), at_path(AT_FDCWD, to, bb, sizeof(bb)))
            ? decide(OP_RENAME)
            : 0;

    return e ? fail_with(e) : real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
    char ba[PATH_MAX], bb[PATH_MAX];
    int e = rename_match(at_path(fd1, from, ba, sizeof(ba)), at_path(fd2, to, bb, sizeof(bb)))
                ? decide(OP_RENAME)
                : 0;

    return e ? fail_with(e) : real_renameat(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned int flags)
{
    char ba[PATH_MAX], bb[PATH_MAX];
    int e = rename_match(at_path(fd1, from, ba, sizeof(ba)), at_path(fd2, to, bb, sizeof(bb)))
                ? decide(OP_RENAME)
                : 0;

    return e ? fail_with(e) : real_renameat2(fd1, from, fd2, to, flags);
}

int unlink(const char *p)
{
    char b[PATH_MAX];

    if (mode != M_OFF && path_match(at_path(AT_FDCWD, p, b, sizeof(b))))
        (void)decide(OP_OTHER);
    return real_unlink(p);
}

int unlinkat(int dirfd, const char *p, int flags)
{
    char b[PATH_MAX];

    if (mode != M_OFF && path_match(at_path(dirfd, p, b, sizeof(b))))
        (void)decide(OP_OTHER);
    return real_unlinkat(dirfd, p, flags);
}
