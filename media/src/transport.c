#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ferry/file.h"
#include "ferry/lock.h"
#include "ferry/manifest.h"
#include "ferry/package.h"
#include "ferry/transport.h"

ferry_err ferry_transport_write(const struct ferry_medium *m, const char *name, const uint8_t *pkg,
                                size_t len, const char *summary, const struct ferry_qr_opts *qo,
                                char **where)
{
    struct ferry_qr_opts def;
    char *root = NULL;
    ferry_err r;

    if (where != NULL)
        *where = NULL;
    if ((r = ferry_medium_check(m, 1)) != FERRY_OK)
        return r;
    if (m->kind == FERRY_MEDIUM_USB) {
        if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
            return r;
        r = ferry_usb_write(root, name, pkg, len, summary, where);
        free(root);
        return r;
    }
    if (qo == NULL) {
        ferry_qr_opts_default(&def);
        qo = &def;
    }
    if ((r = ferry_qr_write(m->kind, m->path, pkg, len, qo)) != FERRY_OK)
        return r;
    if (where != NULL && (*where = strdup(m->path ? m->path : "screen")) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

/* The nearest existing ancestor of @path (itself if it exists) must be a writable directory. */
static ferry_err folder_ok(const char *path, const char *what)
{
    char cur[PATH_MAX], *slash;
    struct stat st;

    if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
        return ferry_errf(FERRY_ERR_USAGE, "%s: path too long", path);
    while (stat(cur, &st) != 0) {
        if (errno != ENOENT || (slash = strrchr(cur, '/')) == NULL) {
            snprintf(cur, sizeof(cur), ".");
            if (stat(cur, &st) != 0)
                return ferry_errf(FERRY_ERR_IO, "%s: %s", path, strerror(errno));
            break;
        }
        slash == cur ? (void)snprintf(cur, sizeof(cur), "/") : (void)(*slash = '\0');
    }
    if (!S_ISDIR(st.st_mode))
        return ferry_errf(FERRY_ERR_USAGE, "%s: %s is not a folder, so %s cannot be written there",
                          path, cur, what);
    if (access(cur, W_OK | X_OK) != 0)
        return ferry_errf(FERRY_ERR_IO, "%s: %s is not writable (%s): %s cannot be written", path,
                          cur, strerror(errno), what);
    return FERRY_OK;
}

/* ROOT/FERRY takes a new file (probe created and removed) and has @need bytes free. */
static ferry_err usb_preflight(const char *root, uint64_t need)
{
    char *dir = ferry_path_join(root, FERRY_USB_SUBDIR), probe[PATH_MAX];
    struct statvfs vs;
    struct stat st;
    ferry_err r = FERRY_OK;
    int fd;

    if (dir == NULL)
        return FERRY_ERR_NOMEM;
    if (lstat(dir, &st) != 0) {
        r = folder_ok(root, "the answer package");
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: not a directory (or a symbolic link); move it away",
                       dir);
        goto out;
    }
    snprintf(probe, sizeof(probe), "%s/.ferry-probe-%ld", dir, (long)getpid());
    if ((fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
        r = ferry_errf(FERRY_ERR_IO,
                       "%s: cannot create a file there (%s): is the stick write-protected or "
                       "mounted read-only?",
                       dir, strerror(errno));
        goto out;
    }
    close(fd);
    unlink(probe);
    if (statvfs(dir, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < need)
        r = ferry_errf(FERRY_ERR_IO,
                       "%s: the disk is full (%llu bytes free, %llu needed): free some space or "
                       "use another stick",
                       dir, (unsigned long long)vs.f_bavail * vs.f_frsize,
                       (unsigned long long)need);
out:
    free(dir);
    return r;
}

ferry_err ferry_transport_preflight(const struct ferry_medium *m, uint64_t need)
{
    char *root = NULL, *parent = NULL, *slash;
    struct stat st;
    ferry_err r;

    if ((r = ferry_medium_check(m, 1)) != FERRY_OK)
        return r;
    switch (m->kind) {
    case FERRY_MEDIUM_USB:
        if ((r = ferry_usb_resolve(m->path, &root)) == FERRY_OK)
            r = usb_preflight(root, need);
        free(root);
        return r;
    case FERRY_MEDIUM_PNG:
        if (stat(m->path, &st) == 0 && !S_ISDIR(st.st_mode))
            return ferry_errf(FERRY_ERR_USAGE, "png:%s is a file: png: takes a folder", m->path);
        return folder_ok(m->path, "the QR images");
    case FERRY_MEDIUM_PDF:
    case FERRY_MEDIUM_HTML:
        if (stat(m->path, &st) == 0 && S_ISDIR(st.st_mode))
            return ferry_errf(FERRY_ERR_USAGE, "%s:%s is a folder: give a file name",
                              ferry_medium_kind_name(m->kind), m->path);
        if ((parent = strdup(m->path)) == NULL)
            return FERRY_ERR_NOMEM;
        if ((slash = strrchr(parent, '/')) != NULL)
            slash == parent ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
        else
            snprintf(parent, strlen(parent) + 1, ".");
        r = folder_ok(parent, "the QR pages");
        free(parent);
        return r;
    default: return FERRY_OK;
    }
}

static ferry_err unwrite(const struct ferry_medium *m, const char *name)
{
    char *root = NULL;
    ferry_err r;

    if (m->kind != FERRY_MEDIUM_USB)
        return FERRY_OK;
    if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
        return r;
    r = ferry_usb_remove(root, name);
    free(root);
    return r;
}

ferry_err ferry_transport_take_back(const struct ferry_medium *m, const char *name, ferry_err r,
                                    const char *then)
{
    char first[512];

    snprintf(first, sizeof(first), "%s", ferry_err_detail());
    if (unwrite(m, name) != FERRY_OK)
        return ferry_errf(r, "%s (and %s)", first, ferry_err_detail());
    return ferry_errf(r, "%s; %s", first, then);
}

static ferry_err read_qr(const struct ferry_medium *m, struct ferry_usb_file **out, size_t *n)
{
    struct ferry_usb_file *f;
    ferry_err r;

    if ((f = calloc(1, sizeof(*f))) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = ferry_qr_read(m->kind, m->path, &f->data, &f->len)) != FERRY_OK) {
        free(f);
        return r;
    }
    f->name = strdup("qr-sequence.ferry");
    f->path = strdup(m->path ? m->path : ferry_medium_kind_name(m->kind));
    if (f->name == NULL || f->path == NULL) {
        ferry_usb_files_free(f, 1);
        return FERRY_ERR_NOMEM;
    }
    *out = f;
    *n = 1;
    return FERRY_OK;
}

char *ferry_transport_describe(const struct ferry_medium *m)
{
    char *root = NULL;

    if (m->kind != FERRY_MEDIUM_USB)
        return m->path ? strdup(m->path) : strdup(ferry_medium_kind_name(m->kind));
    if (ferry_usb_resolve(m->path, &root) != FERRY_OK)
        return NULL;
    return root;
}

const struct ferry_qr_opts *ferry_transport_label(const struct ferry_qr_opts *qo,
                                                  const char *prefix, const char *id,
                                                  struct ferry_qr_opts *q2, char *label, size_t n)
{
    if (qo != NULL)
        *q2 = *qo;
    else
        ferry_qr_opts_default(q2);
    snprintf(label, n, "%s %.8s", prefix, id);
    q2->label = label;
    return q2;
}

ferry_err ferry_transport_lock(const struct ferry_medium *m, struct ferry_lock **out)
{
    char *root = NULL, *dir = NULL, what[600];
    struct stat st;
    ferry_err r;

    *out = NULL;
    if (m == NULL || m->kind != FERRY_MEDIUM_USB)
        return FERRY_OK;
    if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
        return r;
    if ((dir = ferry_path_join(root, FERRY_USB_SUBDIR)) == NULL) {
        free(root);
        return FERRY_ERR_NOMEM;
    }
    /* FERRY/ itself (made if missing); the medium's root when it cannot be (read-only) */
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        ferry_err_clear();
    snprintf(what, sizeof(what), "the medium %s", root);
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        r = ferry_lock_take(dir, FERRY_LOCK_EXCLUSIVE, what, out);
    else
        r = ferry_lock_take(root, FERRY_LOCK_EXCLUSIVE, what, out);
    free(dir);
    free(root);
    return r;
}

ferry_err ferry_transport_list(const struct ferry_medium *m, const char *prefer,
                               struct ferry_usb_file **out, size_t *n)
{
    char *root = NULL;
    ferry_err r;

    *out = NULL;
    *n = 0;
    if ((r = ferry_medium_check(m, 0)) != FERRY_OK)
        return r;
    if (m->kind != FERRY_MEDIUM_USB)
        return read_qr(m, out, n);
    if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
        return r;
    r = ferry_usb_list(root, FERRY_MAX_PACKAGE_BYTES, prefer, out, n);
    free(root);
    return r;
}

struct peek_ctx {
    struct ferry_identity *const *known;
    size_t nknown;
};

static ferry_err peek(int fd, uint64_t size, void *ctx)
{
    const struct peek_ctx *p = ctx;

    return ferry_package_peek(fd, size, p->known, p->nknown);
}

ferry_err ferry_transport_fetch(struct ferry_usb_file *f, const struct ferry_identity *me,
                                struct ferry_identity *const *peers, size_t npeers,
                                uint64_t *budget)
{
    struct ferry_identity **all;
    struct peek_ctx p;
    ferry_err r;

    if (f->data != NULL)
        return FERRY_OK;
    if ((all = calloc(npeers + 1, sizeof(*all))) == NULL)
        return FERRY_ERR_NOMEM;
    if (npeers > 0)
        memcpy(all, peers, npeers * sizeof(*all));
    all[npeers] = (struct ferry_identity *)me;
    p.known = all;
    p.nknown = npeers + 1;
    r = ferry_usb_file_load(f, FERRY_MAX_PACKAGE_BYTES, budget, peek, &p);
    free(all);
    return r;
}
