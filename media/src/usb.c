/* ferry — USB media: find the removable mount, write packages atomically and verified, read
 * them back safely. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/testhook.h"
#include "ferry/usb.h"
#include "usb_int.h"

#define USB_NAME_MAX   200 /* leaves room for ".tmp-XXXXXXXXXXXX" under FAT's 255 */
#define USB_MAX_FIELDS 64
#define FERRY_SUFFIX   ".ferry"

/* ---- mountinfo ---- */

static int is_oct(char c)
{
    return c >= '0' && c <= '7';
}

int ferry_usb_unescape(char *s)
{
    const char *r = s;
    char *w = s;
    unsigned v;

    while (*r != '\0') {
        if (*r != '\\') {
            *w++ = *r++;
            continue;
        }
        if (!is_oct(r[1]) || !is_oct(r[2]) || !is_oct(r[3]))
            return -1;
        v = (unsigned)(r[1] - '0') * 64 + (unsigned)(r[2] - '0') * 8 + (unsigned)(r[3] - '0');
        if (v == 0 || v > 255)
            return -1;
        *w++ = (char)v;
        r += 4;
    }
    *w = '\0';
    return 0;
}

/* Splits @line on spaces in place; returns the field count, or -1 past @max fields. */
static int split_fields(char *line, char **f, int max)
{
    char *p = line;
    int n = 0;

    while (*p != '\0') {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (n == max)
            return -1;
        f[n++] = p;
        while (*p != ' ' && *p != '\0')
            p++;
        if (*p == ' ')
            *p++ = '\0';
    }
    return n;
}

static int parse_uint(const char *s, const char *end, unsigned *out)
{
    unsigned long v = 0;

    if (s == end || end - s > 9)
        return -1;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_devno(const char *s, unsigned *maj, unsigned *min)
{
    const char *colon = strchr(s, ':');

    if (colon == NULL)
        return -1;
    if (parse_uint(s, colon, maj) != 0)
        return -1;
    return parse_uint(colon + 1, colon + strlen(colon), min);
}

static void mount_clear(struct ferry_mount *m)
{
    FERRY_FREE(m->root);
    FERRY_FREE(m->mountpoint);
    FERRY_FREE(m->fstype);
    FERRY_FREE(m->source);
}

/* 0: parsed into @m; 1: malformed (skip); FERRY_ERR_NOMEM. */
static int parse_line(char *line, struct ferry_mount *m)
{
    char *f[USB_MAX_FIELDS];
    int nf, sep;

    memset(m, 0, sizeof(*m));
    if ((nf = split_fields(line, f, USB_MAX_FIELDS)) < 10)
        return 1;
    for (sep = 6; sep < nf && strcmp(f[sep], "-") != 0; sep++)
        ;
    if (sep + 2 >= nf)
        return 1;
    if (parse_devno(f[2], &m->major, &m->minor) != 0)
        return 1;
    if (ferry_usb_unescape(f[3]) != 0 || ferry_usb_unescape(f[4]) != 0 ||
        ferry_usb_unescape(f[sep + 1]) != 0 || ferry_usb_unescape(f[sep + 2]) != 0)
        return 1;
    m->root = strdup(f[3]);
    m->mountpoint = strdup(f[4]);
    m->fstype = strdup(f[sep + 1]);
    m->source = strdup(f[sep + 2]);
    if (m->root == NULL || m->mountpoint == NULL || m->fstype == NULL || m->source == NULL) {
        mount_clear(m);
        return FERRY_ERR_NOMEM;
    }
    return 0;
}

void ferry_usb_mounts_free(struct ferry_mount *m, size_t n)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < n; i++)
        mount_clear(&m[i]);
    free(m);
}

static ferry_err mounts_push(struct ferry_mount **arr, size_t *n, size_t *cap,
                             const struct ferry_mount *m)
{
    struct ferry_mount *t;

    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        if ((t = realloc(*arr, nc * sizeof(*t))) == NULL)
            return FERRY_ERR_NOMEM;
        *arr = t;
        *cap = nc;
    }
    (*arr)[(*n)++] = *m;
    return FERRY_OK;
}

ferry_err ferry_usb_mountinfo_parse(const char *text, size_t len, struct ferry_mount **out,
                                    size_t *n)
{
    struct ferry_mount *arr = NULL, m;
    size_t cnt = 0, cap = 0, lines = 0, pos = 0, ll;
    const char *nl;
    char *line = NULL;
    int pr;
    ferry_err r = FERRY_ERR_INTERNAL;

    *out = NULL;
    *n = 0;
    while (pos < len) {
        if (++lines > FERRY_MOUNTINFO_MAX_LINES) {
            r = ferry_errf(FERRY_ERR_TOO_LARGE, "mountinfo: more than %u lines",
                           FERRY_MOUNTINFO_MAX_LINES);
            goto out;
        }
        nl = memchr(text + pos, '\n', len - pos);
        ll = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        if ((line = strndup(text + pos, ll)) == NULL) {
            r = FERRY_ERR_NOMEM;
            goto out;
        }
        pos += ll + 1;
        if ((pr = parse_line(line, &m)) == FERRY_ERR_NOMEM) {
            r = FERRY_ERR_NOMEM;
            goto out;
        }
        FERRY_FREE(line);
        if (pr != 0) {
            ferry_log(FERRY_LOG_DEBUG, "mountinfo: line %zu malformed, skipped", lines);
            continue;
        }
        if ((r = mounts_push(&arr, &cnt, &cap, &m)) != FERRY_OK) {
            mount_clear(&m);
            goto out;
        }
    }
    if (arr == NULL && (arr = calloc(1, sizeof(*arr))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    *out = arr;
    *n = cnt;
    arr = NULL;
    r = FERRY_OK;
out:
    free(line);
    ferry_usb_mounts_free(arr, cnt);
    return r;
}

/* ---- removable devices ---- */

int ferry_usb_pseudo_fs(const char *fstype)
{
    static const char *const pseudo[] = {
        "proc",    "sysfs",      "devtmpfs", "devpts",    "tmpfs",       "ramfs",    "cgroup",
        "cgroup2", "securityfs", "pstore",   "debugfs",   "tracefs",     "configfs", "fusectl",
        "mqueue",  "hugetlbfs",  "bpf",      "autofs",    "binfmt_misc", "overlay",  "squashfs",
        "nsfs",    "rpc_pipefs", "efivarfs", "selinuxfs", "nfsd",        "none",     "swap",
    };
    size_t i;

    if (strncmp(fstype, "fuse.", 5) == 0 || strcmp(fstype, "fuse") == 0)
        return 1;
    for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
        if (strcmp(fstype, pseudo[i]) == 0)
            return 1;
    return 0;
}

/* 1 if the small sysfs attribute at @path reads "1". */
static int attr_is_one(const char *path)
{
    char b[8];
    ssize_t got;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return 0;
    got = read(fd, b, sizeof(b));
    close(fd);
    return got >= 1 && b[0] == '1' && (got == 1 || b[1] == '\n' || b[1] == '\0');
}

/* 1 if a component of @path (after @skip bytes) is "usb" followed by digits: a USB bus. */
static int on_usb_bus(const char *path, size_t skip)
{
    const char *p = path + skip;
    size_t i;

    while ((p = strstr(p, "/usb")) != NULL) {
        p += 4;
        for (i = 0; p[i] >= '0' && p[i] <= '9'; i++)
            ;
        if (i > 0 && (p[i] == '/' || p[i] == '\0'))
            return 1;
    }
    return 0;
}

/* SYSFS/block/<disk>/removable for /dev/sdb1 -> sdb1, sdb; /dev/mmcblk0p1 -> mmcblk0. */
static int block_removable(const char *sysfs, const char *source)
{
    const char *base = strrchr(source, '/');
    char name[NAME_MAX + 1], path[PATH_MAX];
    size_t l;

    base = base != NULL ? base + 1 : source;
    if ((l = strlen(base)) == 0 || l > NAME_MAX || strchr(base, '.') != NULL)
        return 0;
    memcpy(name, base, l + 1);
    if ((size_t)snprintf(path, sizeof(path), "%s/block/%s/removable", sysfs, name) < sizeof(path) &&
        attr_is_one(path))
        return 1;
    while (l > 0 && name[l - 1] >= '0' && name[l - 1] <= '9')
        name[--l] = '\0';
    if (l > 1 && name[l - 1] == 'p' && name[l - 2] >= '0' && name[l - 2] <= '9')
        name[--l] = '\0';
    if (l == 0)
        return 0;
    return (size_t)snprintf(path, sizeof(path), "%s/block/%s/removable", sysfs, name) <
               sizeof(path) &&
           attr_is_one(path);
}

int ferry_usb_dev_removable(const char *sysfs, unsigned major, unsigned minor, const char *source)
{
    char link[PATH_MAX], real[PATH_MAX], sysreal[PATH_MAX], attr[PATH_MAX + 32];
    size_t skip = 0;
    int part;

    if ((size_t)snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs, major, minor) >=
        sizeof(link))
        return 0;
    if (realpath(link, real) == NULL)
        return block_removable(sysfs, source);
    if (realpath(sysfs, sysreal) != NULL && strncmp(real, sysreal, strlen(sysreal)) == 0)
        skip = strlen(sysreal);
    if (on_usb_bus(real, skip))
        return 1;
    snprintf(attr, sizeof(attr), "%s/partition", real);
    part = ferry_path_exists(attr);
    snprintf(attr, sizeof(attr), "%s/%sremovable", real, part ? "../" : "");
    return attr_is_one(attr);
}

int ferry_usb_mount_candidate(const char *sysfs, const struct ferry_mount *m)
{
    const char *mp = m->mountpoint;

    if (strncmp(m->source, "/dev/", 5) != 0 || ferry_usb_pseudo_fs(m->fstype))
        return 0;
    if (strcmp(m->root, "/") != 0 || mp[0] != '/' || strcmp(mp, "/") == 0)
        return 0;
    if (strncmp(mp, "/boot", 5) == 0 && (mp[5] == '\0' || mp[5] == '/'))
        return 0;
    return ferry_usb_dev_removable(sysfs, m->major, m->minor, m->source);
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = ferry_testhook_get(name);

    return v != NULL && v[0] != '\0' ? v : dflt;
}

static ferry_err resolve_dir(const char *dir, char **root)
{
    struct stat st;

    if (stat(dir, &st) != 0)
        return ferry_errf(errno == ENOENT ? FERRY_ERR_NOT_FOUND : FERRY_ERR_IO,
                          "%s: cannot use as the medium: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ferry_errf(FERRY_ERR_USAGE,
                          "%s: not a directory; give usb:DIR with the "
                          "stick's mount point",
                          dir);
    if ((*root = strdup(dir)) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

/* Picks the removable mounts out of @m; *idx receives their indexes (distinct devices). */
static ferry_err pick_removable(const char *sysfs, const struct ferry_mount *m, size_t n,
                                size_t **idx, size_t *k)
{
    size_t i, j;

    *k = 0;
    if ((*idx = calloc(n + 1, sizeof(**idx))) == NULL)
        return FERRY_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        if (!ferry_usb_mount_candidate(sysfs, &m[i]))
            continue;
        for (j = 0; j < *k; j++)
            if (m[(*idx)[j]].major == m[i].major && m[(*idx)[j]].minor == m[i].minor)
                break;
        if (j == *k)
            (*idx)[(*k)++] = i;
    }
    return FERRY_OK;
}

static ferry_err several_error(const struct ferry_mount *m, const size_t *idx, size_t k)
{
    struct ferry_buf b;
    size_t i;
    ferry_err r;

    ferry_buf_init(&b, 4096);
    for (i = 0; i < k; i++) {
        if (ferry_buf_printf(&b, "%s%s", i ? ", " : "", m[idx[i]].mountpoint) != FERRY_OK)
            break;
    }
    r = ferry_errf(FERRY_ERR_USAGE,
                   "%zu removable media are mounted (%s): give the one to use as usb:DIR", k,
                   b.data != NULL ? (const char *)b.data : "");
    ferry_buf_free(&b);
    return r;
}

ferry_err ferry_usb_resolve(const char *dir, char **root)
{
    const char *mi = env_or("FERRY_MOUNTINFO", "/proc/self/mountinfo");
    const char *sysfs = env_or("FERRY_SYSFS", "/sys");
    struct ferry_mount *m = NULL;
    uint8_t *text = NULL;
    size_t tlen = 0, n = 0, k = 0, *idx = NULL;
    ferry_err r = FERRY_ERR_INTERNAL;

    *root = NULL;
    if (dir != NULL)
        return resolve_dir(dir, root);
    if ((r = ferry_file_read(mi, FERRY_MOUNTINFO_MAX, &text, &tlen)) != FERRY_OK)
        goto out;
    if ((r = ferry_usb_mountinfo_parse((const char *)text, tlen, &m, &n)) != FERRY_OK)
        goto out;
    if ((r = pick_removable(sysfs, m, n, &idx, &k)) != FERRY_OK)
        goto out;
    if (k == 0) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "no removable medium is mounted: insert the stick "
                                            "(and mount it), or give usb:DIR");
        goto out;
    }
    if (k > 1) {
        r = several_error(m, idx, k);
        goto out;
    }
    if ((*root = strdup(m[idx[0]].mountpoint)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    ferry_log(FERRY_LOG_DEBUG, "usb: using %s (%s)", *root, m[idx[0]].source);
    r = FERRY_OK;
out:
    free(idx);
    free(text);
    ferry_usb_mounts_free(m, n);
    return r;
}

/* ---- names ---- */

int ferry_usb_name_ok(const char *name)
{
    size_t i, n;

    if (name == NULL || (n = strlen(name)) == 0 || n > USB_NAME_MAX)
        return 0;
    if (name[0] == '.' || name[0] == '-' || name[0] == ' ' || name[n - 1] == ' ' ||
        name[n - 1] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c > 0x7e || strchr("/\\:*?\"<>|", c) != NULL)
            return 0;
    }
    return 1;
}

/* A copy of @name fit for a log line: non-printable bytes become '?'. */
static void printable(const char *name, char *out, size_t cap)
{
    size_t i;

    for (i = 0; name[i] != '\0' && i + 1 < cap; i++)
        out[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
    out[i] = '\0';
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* ---- write ---- */

/* Asks the kernel to drop the file's cached pages so the read-back comes from the medium. */
static void drop_cache(const char *path)
{
    int fd;

    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return;
    (void)fdatasync(fd);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
}

/* The files this process wrote to a medium (path, device, inode): ferry_usb_remove takes back
 * only these, never a file another run put under the same name since. */
#define USB_WRITTEN_MAX 8
static struct {
    char *path;
    struct ferry_file_id id;
} usb_written[USB_WRITTEN_MAX];

static void written_note(const char *path, const struct ferry_file_id *id)
{
    static size_t next;
    size_t i, k = next % USB_WRITTEN_MAX;

    for (i = 0; i < USB_WRITTEN_MAX; i++)
        if (usb_written[i].path != NULL && strcmp(usb_written[i].path, path) == 0)
            k = i;
    if (k == next % USB_WRITTEN_MAX)
        next++;
    free(usb_written[k].path);
    usb_written[k].path = strdup(path);
    usb_written[k].id = *id;
}

/* Unlinks @path if this process wrote it (and it is still that file); 1 if removed. */
static int unlink_own(const char *path)
{
    size_t i;

    for (i = 0; i < USB_WRITTEN_MAX; i++)
        if (usb_written[i].path != NULL && strcmp(usb_written[i].path, path) == 0)
            return ferry_file_remove_own(path, &usb_written[i].id);
    if (ferry_path_exists(path))
        ferry_log(FERRY_LOG_WARN, "%s: left in place: this run did not write it", path);
    return 0;
}

static ferry_err write_verified(const char *path, const void *data, size_t len)
{
    struct ferry_file_id id;
    uint8_t *back = NULL;
    size_t blen = 0;
    ferry_err r;

    if ((r = ferry_file_write_atomic_id(path, data, len, 0644, &id)) != FERRY_OK)
        return r;
    written_note(path, &id);
    drop_cache(path);
    r = ferry_file_read(path, len, &back, &blen);
    if (r == FERRY_ERR_NOMEM)
        return r;
    if (r != FERRY_OK || blen != len || (len > 0 && memcmp(back, data, len) != 0))
        r = ferry_errf(FERRY_ERR_IO,
                       "%s: read-back differs from what was written: the medium "
                       "may be failing, use another stick",
                       path);
    free(back);
    return r;
}

/* ROOT/FERRY, created 0755 if missing; refused if it is a symlink or not a directory. */
static ferry_err usb_subdir(const char *root, char **dir)
{
    struct stat st;
    ferry_err r = FERRY_OK;

    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return ferry_errf(FERRY_ERR_NOT_FOUND, "%s: medium not found (is the stick mounted?)",
                          root);
    if ((*dir = ferry_path_join(root, FERRY_USB_SUBDIR)) == NULL)
        return FERRY_ERR_NOMEM;
    if (mkdir(*dir, 0755) != 0 && errno != EEXIST)
        r = ferry_errf(FERRY_ERR_IO, "%s: cannot create directory: %s", *dir, strerror(errno));
    else if (lstat(*dir, &st) != 0 || !S_ISDIR(st.st_mode))
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: not a directory (or a symbolic link); move it "
                       "away",
                       *dir);
    if (r != FERRY_OK)
        FERRY_FREE(*dir);
    return r;
}

static char *summary_name(const char *name)
{
    size_t l = strlen(name);
    char *s;

    if (has_suffix(name, FERRY_SUFFIX))
        l -= strlen(FERRY_SUFFIX);
    if ((s = malloc(l + 5)) == NULL)
        return NULL;
    memcpy(s, name, l);
    memcpy(s + l, ".txt", 5);
    return s;
}

/* Removes the files a failed write put under their final names (only names that did not exist
 * before: a replaced file cannot be put back, and it is complete). */
static void unwrite(const char *dir, const char *full, int had_full, const char *spath,
                    int had_summary)
{
    int any = 0;

    if (full != NULL && !had_full && unlink_own(full))
        any = 1;
    if (spath != NULL && !had_summary && unlink_own(spath))
        any = 1;
    if (any)
        (void)ferry_fsync_dir(dir);
}

ferry_err ferry_usb_write(const char *root, const char *name, const uint8_t *data, size_t len,
                          const char *summary, char **path)
{
    char *dir = NULL, *full = NULL, *sname = NULL, *spath = NULL;
    int had_full = 1, had_summary = 1;
    ferry_err r = FERRY_ERR_INTERNAL;

    if (path != NULL)
        *path = NULL;
    if (!ferry_usb_name_ok(name))
        return ferry_errf(FERRY_ERR_USAGE, "unsafe file name for the medium");
    if ((r = usb_subdir(root, &dir)) != FERRY_OK)
        goto out;
    if ((full = ferry_path_join(dir, name)) == NULL ||
        (summary != NULL &&
         ((sname = summary_name(name)) == NULL || (spath = ferry_path_join(dir, sname)) == NULL))) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    had_full = ferry_path_exists(full);
    had_summary = spath == NULL || ferry_path_exists(spath);
    if ((r = write_verified(full, data, len)) != FERRY_OK)
        goto out;
    if (spath != NULL && (r = write_verified(spath, summary, strlen(summary))) != FERRY_OK)
        goto out;
    if (path != NULL) {
        *path = full;
        full = NULL;
    }
    r = FERRY_OK;
out:
    if (r != FERRY_OK && dir != NULL)
        unwrite(dir, full, had_full, spath, had_summary);
    free(dir);
    free(full);
    free(sname);
    free(spath);
    return r;
}

ferry_err ferry_usb_remove(const char *root, const char *name)
{
    char *dir = NULL, *full = NULL, *sname = NULL, *spath = NULL;
    ferry_err r = FERRY_ERR_NOMEM;

    if (!ferry_usb_name_ok(name))
        return ferry_errf(FERRY_ERR_USAGE, "unsafe file name for the medium");
    if ((dir = ferry_path_join(root, FERRY_USB_SUBDIR)) == NULL ||
        (full = ferry_path_join(dir, name)) == NULL || (sname = summary_name(name)) == NULL ||
        (spath = ferry_path_join(dir, sname)) == NULL)
        goto out;
    errno = 0;
    if (!unlink_own(full) && errno != 0 && errno != ENOENT) {
        r = ferry_errf(FERRY_ERR_IO, "%s: cannot remove: %s; delete it by hand", full,
                       strerror(errno));
        goto out;
    }
    (void)unlink_own(spath);
    r = ferry_fsync_dir(dir);
out:
    free(dir);
    free(full);
    free(sname);
    free(spath);
    return r;
}

/* ---- read ---- */

struct cand {
    char *name;
    char *path;
    struct stat st;
    int prio; /* 0: named for this side; 1: other */
    int dup;  /* another name of a file already listed (a hard link) */
};

struct cands {
    struct cand *v;
    size_t n;
};

static void cands_free(struct cands *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].path);
    }
    FERRY_FREE(c->v);
    c->n = 0;
}

/* 1 if the entry @name in @dfd can be read: safe name, a regular file (not followed), <= max.
 * *@stp (optional) receives its lstat. */
static int entry_ok(int dfd, const char *dir, const char *name, size_t max, struct stat *stp)
{
    char shown[256];
    struct stat st;

    printable(name, shown, sizeof(shown));
    if (!ferry_usb_name_ok(name)) {
        ferry_log(FERRY_LOG_WARN, "%s/%s: unsafe file name, skipped", dir, shown);
        return 0;
    }
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        ferry_log(FERRY_LOG_WARN, "%s/%s: cannot stat (%s), skipped", dir, shown, strerror(errno));
        return 0;
    }
    if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
        ferry_log(FERRY_LOG_WARN, "%s/%s: %s, skipped", dir, shown,
                  S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
        return 0;
    }
    if ((uint64_t)st.st_size > max) {
        ferry_log(FERRY_LOG_WARN, "%s/%s: %lld bytes, over the %zu-byte limit, skipped", dir, shown,
                  (long long)st.st_size, max);
        return 0;
    }
    if (stp != NULL)
        *stp = st;
    return 1;
}

static ferry_err cand_add(struct cands *c, const char *dir, const char *name, const struct stat *st)
{
    struct cand *t;

    if ((t = realloc(c->v, (c->n + 1) * sizeof(*t))) == NULL)
        return FERRY_ERR_NOMEM;
    c->v = t;
    t[c->n].name = strdup(name);
    t[c->n].path = ferry_path_join(dir, name);
    if (t[c->n].name == NULL || t[c->n].path == NULL) {
        free(t[c->n].name);
        free(t[c->n].path);
        return FERRY_ERR_NOMEM;
    }
    t[c->n].st = *st;
    t[c->n].prio = 1;
    t[c->n].dup = 0;
    c->n++;
    return FERRY_OK;
}

#define USB_LIST_SCAN_MAX 65536 /* entries looked at per directory when listing */
#define USB_LIST_CAND_MAX 16384
#define USB_LIST_NAMED    5 /* skipped files named in the note */

/* Adds the readable *.ferry entries of @dir (a symlinked @dir is refused when @nofollow).
 * A missing directory adds nothing. */
static ferry_err collect_dir(const char *dir, int nofollow, size_t max, struct cands *c)
{
    struct stat st;
    struct dirent *de;
    size_t seen = 0;
    DIR *d;
    int fd;
    ferry_err r = FERRY_OK;

    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0))) < 0) {
        int e = errno;

        /* O_DIRECTORY|O_NOFOLLOW on a symlink fails with ELOOP or ENOTDIR */
        if (e == ELOOP || (e == ENOTDIR && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)))
            ferry_log(FERRY_LOG_WARN, "%s: a symbolic link, not searched", dir);
        return e == ENOENT || e == ENOTDIR || e == ELOOP
                   ? FERRY_OK
                   : ferry_errf(FERRY_ERR_IO, "%s: cannot open: %s", dir, strerror(e));
    }
    if ((d = fdopendir(fd)) == NULL) {
        close(fd);
        return FERRY_ERR_NOMEM;
    }
    while ((de = readdir(d)) != NULL) {
        if (++seen > USB_LIST_SCAN_MAX || c->n >= USB_LIST_CAND_MAX) {
            ferry_log(FERRY_LOG_WARN, "%s: over %d entries, the rest are ignored", dir,
                      USB_LIST_SCAN_MAX);
            break;
        }
        if (!has_suffix(de->d_name, FERRY_SUFFIX) || !entry_ok(fd, dir, de->d_name, max, &st))
            continue;
        if ((r = cand_add(c, dir, de->d_name, &st)) != FERRY_OK)
            break;
    }
    closedir(d);
    return r;
}

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : strcmp(x->path, y->path);
}

void ferry_usb_files_free(struct ferry_usb_file *f, size_t n)
{
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < n; i++) {
        free(f[i].name);
        free(f[i].path);
        free(f[i].data);
    }
    free(f);
}

/* ---- listing: one package in memory at a time ---- */

/* This side's packages first, then the newest, then by name. */
static int list_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    if (x->prio != y->prio)
        return x->prio - y->prio;
    if (x->st.st_mtim.tv_sec != y->st.st_mtim.tv_sec)
        return x->st.st_mtim.tv_sec > y->st.st_mtim.tv_sec ? -1 : 1;
    if (x->st.st_mtim.tv_nsec != y->st.st_mtim.tv_nsec)
        return x->st.st_mtim.tv_nsec > y->st.st_mtim.tv_nsec ? -1 : 1;
    return cand_cmp(a, b);
}

static int inode_cmp(const void *a, const void *b)
{
    const struct cand *x = *(struct cand *const *)a, *y = *(struct cand *const *)b;

    if (x->st.st_dev != y->st.st_dev)
        return x->st.st_dev < y->st.st_dev ? -1 : 1;
    if (x->st.st_ino != y->st.st_ino)
        return x->st.st_ino < y->st.st_ino ? -1 : 1;
    return x < y ? -1 : x > y; /* list order: the first listed is kept */
}

/* Marks every later name of one file (hard links) as a duplicate; returns how many. */
static size_t mark_links(struct cands *c)
{
    struct cand **v;
    size_t i, k = 0;

    if (c->n < 2 || (v = malloc(c->n * sizeof(*v))) == NULL)
        return 0;
    for (i = 0; i < c->n; i++)
        v[i] = &c->v[i];
    qsort(v, c->n, sizeof(*v), inode_cmp);
    for (i = 1; i < c->n; i++)
        if (v[i]->st.st_dev == v[i - 1]->st.st_dev && v[i]->st.st_ino == v[i - 1]->st.st_ino) {
            v[i]->dup = 1;
            k++;
        }
    free(v);
    return k;
}

ferry_err ferry_usb_list(const char *root, size_t max, const char *prefer,
                         struct ferry_usb_file **out, size_t *n)
{
    struct cands c = {NULL, 0};
    struct ferry_usb_file *f = NULL;
    struct ferry_buf skipped;
    char *sub = NULL, shown[256];
    size_t nf = 0, i, links, over = 0;
    struct stat st;
    ferry_err r = FERRY_ERR_INTERNAL;

    *out = NULL;
    *n = 0;
    ferry_buf_init(&skipped, 4096);
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return ferry_errf(FERRY_ERR_NOT_FOUND, "%s: medium not found (is the stick mounted?)",
                          root);
    if ((sub = ferry_path_join(root, FERRY_USB_SUBDIR)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = collect_dir(sub, 1, max, &c)) != FERRY_OK ||
        (r = collect_dir(root, 0, max, &c)) != FERRY_OK)
        goto out;
    for (i = 0; i < c.n; i++)
        c.v[i].prio = prefer != NULL && strncmp(c.v[i].name, prefer, strlen(prefer)) == 0 ? 0 : 1;
    if (c.n > 1)
        qsort(c.v, c.n, sizeof(*c.v), list_cmp);
    if ((links = mark_links(&c)) > 0)
        ferry_log(FERRY_LOG_WARN,
                  "%zu file name(s) on the medium are further names (hard links) of "
                  "a file already listed: read once",
                  links);
    if ((f = calloc(FERRY_USB_MAX_FILES, sizeof(*f))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    for (i = 0; i < c.n; i++) {
        if (c.v[i].dup)
            continue;
        if (nf == FERRY_USB_MAX_FILES) {
            if (over++ < USB_LIST_NAMED) {
                printable(c.v[i].name, shown, sizeof(shown));
                ferry_buf_printf(&skipped, "%s%s", over > 1 ? ", " : "", shown);
            }
            continue;
        }
        f[nf].name = c.v[i].name;
        f[nf].path = c.v[i].path;
        f[nf].size = (uint64_t)c.v[i].st.st_size;
        c.v[i].name = c.v[i].path = NULL;
        nf++;
    }
    if (over > 0)
        ferry_log(FERRY_LOG_WARN,
                  "%zu more package file(s) on the medium were not looked at (at most %d are: "
                  "%s ones first, then the newest): %s%s; remove old files from the stick",
                  over, FERRY_USB_MAX_FILES, prefer != NULL ? prefer : "this side's",
                  skipped.data != NULL ? (const char *)skipped.data : "",
                  over > USB_LIST_NAMED ? ", ..." : "");
    if (nf == 0) {
        r = ferry_errf(FERRY_ERR_NOT_FOUND, "no usable *.ferry file in %s or %s", sub, root);
        goto out;
    }
    *out = f;
    *n = nf;
    f = NULL;
    r = FERRY_OK;
out:
    ferry_usb_files_free(f, nf);
    ferry_buf_free(&skipped);
    cands_free(&c);
    free(sub);
    return r;
}

ferry_err ferry_usb_file_load(struct ferry_usb_file *f, size_t max, uint64_t *budget,
                              ferry_err (*check)(int fd, uint64_t size, void *ctx), void *ctx)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    ssize_t k;
    ferry_err r = FERRY_OK;
    int fd;

    if (f->data != NULL)
        return FERRY_OK;
    if ((fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
        return ferry_errf(errno == ENOENT ? FERRY_ERR_NOT_FOUND : FERRY_ERR_IO, "%s: %s", f->path,
                          strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: not a regular file", f->path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %lld bytes, over the %zu-byte limit", f->path,
                       (long long)st.st_size, max);
        goto out;
    }
    if (budget != NULL && (uint64_t)st.st_size > *budget) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE,
                       "%s: not read: this run has read its limit of %u MiB from the medium; "
                       "remove other files from the stick and run it again",
                       f->path, FERRY_USB_READ_MAX >> 20);
        goto out;
    }
    if (check != NULL && (r = check(fd, (uint64_t)st.st_size, ctx)) != FERRY_OK)
        goto out;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size &&
           ((k = read(fd, buf + got, (size_t)st.st_size - got)) > 0 || (k < 0 && errno == EINTR)))
        got += k > 0 ? (size_t)k : 0;
    if (budget != NULL)
        *budget -= got;
    if (got != (size_t)st.st_size) {
        r = ferry_errf(FERRY_ERR_IO,
                       "%s: cannot read it whole (the file changed, or the medium "
                       "is failing)",
                       f->path);
        goto out;
    }
    buf[got] = 0;
    f->data = buf;
    f->len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return r;
}

void ferry_usb_file_unload(struct ferry_usb_file *f)
{
    FERRY_FREE(f->data);
    f->len = 0;
}
