#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"

static ferry_err read_fd(int fd, const char *path, size_t max, uint8_t **out, size_t *len)
{
    struct ferry_buf b;
    uint8_t chunk[65536];
    ssize_t n;
    ferry_err r;

    ferry_buf_init(&b, max);
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = ferry_errf(FERRY_ERR_IO, "%s: read failed: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if ((r = ferry_buf_append(&b, chunk, (size_t)n)) != FERRY_OK) {
            if (r == FERRY_ERR_TOO_LARGE)
                ferry_errf(r, "%s: larger than the %zu-byte limit", path, max);
            goto out;
        }
    }
    *out = ferry_buf_steal(&b, len);
    r = *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
out:
    ferry_buf_free(&b);
    return r;
}

ferry_err ferry_file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
    struct stat st;
    int fd;
    ferry_err r;

    *out = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0)
        return read_fd(STDIN_FILENO, "(stdin)", max, out, len);
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
        if (errno == ENOENT)
            return ferry_errf(FERRY_ERR_NOT_FOUND, "%s: no such file", path);
        if (errno == ELOOP)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: is a symbolic link, refused", path);
        return ferry_errf(FERRY_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ferry_errf(FERRY_ERR_FORMAT, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %lld bytes, over the %zu-byte limit", path,
                          (long long)st.st_size, max);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    r = read_fd(fd, path, max, out, len);
    close(fd);
    return r;
}

/* What the operator can do about a failed write, by errno. */
static const char *io_hint(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT:
        return "the disk is full: free some space (or use another medium), then run the "
               "command again";
    case EIO:
        return "the medium reported an I/O error and may be failing: use another one, then "
               "run the command again";
    case EROFS: return "the medium is read-only: remount it writable (or use another one)";
    default: return "fix the cause, then run the command again";
    }
}

/* FERRY_ERR_IO naming @path (the file the caller asked for), the step, errno and a hint. */
static ferry_err io_fail(const char *path, const char *step, int e)
{
    return ferry_errf(FERRY_ERR_IO, "%s: not written (%s failed: %s); %s", path, step, strerror(e),
                      io_hint(e));
}

static ferry_err write_all(int fd, const char *path, const void *p, size_t n)
{
    const uint8_t *c = p;
    ssize_t w;

    while (n > 0) {
        w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return io_fail(path, "write", errno);
        c += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0)
        return io_fail(path, "fsync", errno);
    return FERRY_OK;
}

ferry_err ferry_fsync_dir(const char *dir)
{
    int fd;

    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return ferry_errf(FERRY_ERR_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;

        close(fd);
        return ferry_errf(FERRY_ERR_IO, "%s: fsync of the directory failed: %s; %s", dir,
                          strerror(e), io_hint(e));
    }
    close(fd);
    return FERRY_OK;
}

/* "@path.tmp-<12 hex>": a fresh temporary name beside @path (caller frees), or NULL. */
static char *temp_name(const char *path, ferry_err *r)
{
    unsigned char rnd[6];
    size_t tl = strlen(path) + 32;
    char *tmp;

    *r = FERRY_ERR_NOMEM;
    if ((tmp = malloc(tl)) == NULL)
        return NULL;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        *r = FERRY_ERR_CRYPTO;
        free(tmp);
        return NULL;
    }
    snprintf(tmp, tl, "%s.tmp-%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5]);
    *r = FERRY_OK;
    return tmp;
}

/* 1 if @name is exactly "@base.tmp-<12 lowercase hex>", a temporary temp_name() made. */
static int is_temp_of(const char *name, const char *base)
{
    size_t bl = strlen(base), i;

    if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp-", 5) != 0 ||
        strlen(name + bl + 5) != 12)
        return 0;
    for (i = bl + 5; name[i] != '\0'; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    return 1;
}

void ferry_file_sweep_temps(const char *path, long min_age_s)
{
    const char *base = strrchr(path, '/');
    char *dir = ferry_path_dirname(path), *p;
    struct dirent *de;
    struct stat st;
    time_t now = time(NULL);
    DIR *d;

    base = base != NULL ? base + 1 : path;
    if (dir == NULL || *base == '\0' || (d = opendir(dir)) == NULL) {
        free(dir);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (!is_temp_of(de->d_name, base) || (p = ferry_path_join(dir, de->d_name)) == NULL)
            continue;
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime >= min_age_s &&
            unlink(p) == 0)
            ferry_log(FERRY_LOG_INFO, "%s: removed, a temporary left by an interrupted write", p);
        free(p);
    }
    closedir(d);
    free(dir);
}

/* Writes @n bytes, fsynced, to a fresh temporary beside @path (its stale leftovers swept first)
 * with @mode, and returns its name in *tmp. On failure nothing is left and *tmp is NULL. Errors
 * name @path, the file the caller asked for. */
static ferry_err write_temp(const char *path, const void *p, size_t n, mode_t mode, char **tmp,
                            struct ferry_file_id *id)
{
    struct stat st;
    ferry_err r;
    int fd;

    ferry_file_sweep_temps(path, FERRY_FILE_TEMP_STALE_S);
    if ((*tmp = temp_name(path, &r)) == NULL)
        return r;
    fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        r = io_fail(path, "creating a temporary file", errno);
        goto out;
    }
    if (fchmod(fd, mode) != 0)
        r = io_fail(path, "chmod", errno);
    else
        r = write_all(fd, path, p, n);
    if (r == FERRY_OK && id != NULL && fstat(fd, &st) == 0) {
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        id->set = 1;
    }
    if (close(fd) != 0 && r == FERRY_OK)
        r = io_fail(path, "close", errno);
out:
    if (r != FERRY_OK) {
        unlink(*tmp);
        FERRY_FREE(*tmp);
    }
    return r;
}

ferry_err ferry_file_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
    return ferry_file_write_atomic_id(path, p, n, mode, NULL);
}

int ferry_file_is(const char *path, const struct ferry_file_id *id)
{
    struct stat st;

    return id != NULL && id->set && lstat(path, &st) == 0 && st.st_dev == id->dev &&
           st.st_ino == id->ino;
}

int ferry_file_remove_own(const char *path, const struct ferry_file_id *id)
{
    if (!ferry_file_is(path, id)) {
        if (ferry_path_exists(path))
            ferry_log(FERRY_LOG_WARN, "%s: left in place: it is not the file this run wrote", path);
        return 0;
    }
    return unlink(path) == 0;
}

ferry_err ferry_file_write_atomic_id(const char *path, const void *p, size_t n, mode_t mode,
                                     struct ferry_file_id *id)
{
    char *dir = NULL, *tmp = NULL;
    int existed;
    ferry_err r;

    if (id != NULL)
        memset(id, 0, sizeof(*id));
    if ((dir = ferry_path_dirname(path)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = write_temp(path, p, n, mode, &tmp, id)) != FERRY_OK)
        goto out;
    existed = ferry_path_exists(path);
    if (rename(tmp, path) != 0) {
        r = io_fail(path, "rename", errno);
        goto out;
    }
    FERRY_FREE(tmp);
    if ((r = ferry_fsync_dir(dir)) != FERRY_OK) {
        char why[512];

        snprintf(why, sizeof(why), "%s", ferry_err_detail());
        if (!existed)
            unlink(path); /* not known to be on the disk: a new name is not left behind */
        r = ferry_errf(r, "%s: %s: %s", path,
                       existed ? "replaced, but not known to be on the disk" : "not written", why);
    }
out:
    if (tmp != NULL)
        unlink(tmp);
    free(tmp);
    free(dir);
    return r;
}

/* Gives the complete @tmp the name @path unless @path exists: link(2), which never replaces;
 * where the file system has no hard links (vfat), a rename after a check. */
static ferry_err publish_new(const char *tmp, const char *path)
{
    if (link(tmp, path) == 0)
        return FERRY_OK;
    if (errno == EEXIST)
        return ferry_errf(FERRY_ERR_EXISTS, "%s: already exists", path);
    if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
        return io_fail(path, "link", errno);
    if (ferry_path_exists(path))
        return ferry_errf(FERRY_ERR_EXISTS, "%s: already exists", path);
    if (rename(tmp, path) != 0)
        return io_fail(path, "rename", errno);
    return FERRY_OK;
}

ferry_err ferry_file_write_secret(const char *path, const void *p, size_t n)
{
    char *tmp = NULL, *dir = NULL;
    ferry_err r;

    if (ferry_path_exists(path))
        return ferry_errf(FERRY_ERR_EXISTS, "%s: already exists", path);
    if ((dir = ferry_path_dirname(path)) == NULL)
        return FERRY_ERR_NOMEM;
    /* written whole under a temporary name first: a crash never leaves half a key */
    if ((r = write_temp(path, p, n, 0600, &tmp, NULL)) != FERRY_OK)
        goto out;
    if ((r = publish_new(tmp, path)) != FERRY_OK)
        goto out;
    if ((r = ferry_fsync_dir(dir)) != FERRY_OK)
        unlink(path);
out:
    if (tmp != NULL)
        unlink(tmp);
    free(tmp);
    free(dir);
    return r;
}

ferry_err ferry_mkdir_p(const char *path, mode_t mode)
{
    char *p, *s;
    ferry_err r = FERRY_OK;

    if ((p = strdup(path)) == NULL)
        return FERRY_ERR_NOMEM;
    for (s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            r = ferry_errf(FERRY_ERR_IO, "%s: cannot create directory: %s", p, strerror(errno));
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return r;
}

char *ferry_path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);

    if (p == NULL)
        return NULL;
    memcpy(p, a, la);
    if (la > 0 && a[la - 1] != '/')
        p[la++] = '/';
    memcpy(p + la, b, lb + 1);
    return p;
}

char *ferry_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int ferry_path_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}
