/* ferry — the media: the MEDIUM argument and the steps over it. Each kind is one entry of
 * `kinds` (its spelling and its operations); a step looks the entry up once and calls it. */
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
#include "ferry/medium.h"
#include "ferry/package.h"

/* One kind of medium: how it is spelled and what each step does on it. */
struct medium_kind {
    const char *name;
    enum ferry_medium_kind kind;
    int needs_path; /* 1: "kind:PATH" required; 0: optional; -1: none allowed */
    /* NULL: an input, packages cannot be written to it */
    ferry_err (*write)(const struct ferry_medium *m, const char *name, const uint8_t *pkg,
                       size_t len, const char *summary, const struct ferry_qr_opts *qo,
                       char **where);
    ferry_err (*preflight)(const struct ferry_medium *m, uint64_t need);      /* NULL: nothing */
    ferry_err (*unwrite)(const struct ferry_medium *m, const char *name);     /* NULL: left */
    ferry_err (*lock)(const struct ferry_medium *m, struct ferry_lock **out); /* NULL: none */
    /* NULL: an output, packages cannot be read from it */
    ferry_err (*list)(const struct ferry_medium *m, const char *prefer, struct ferry_usb_file **out,
                      size_t *n);
    char *(*describe)(const struct ferry_medium *m);
};

/* ---- usb: files in ROOT/FERRY/ ---- */

static ferry_err usb_write(const struct ferry_medium *m, const char *name, const uint8_t *pkg,
                           size_t len, const char *summary, const struct ferry_qr_opts *qo,
                           char **where)
{
    char *root = NULL;
    ferry_err r;

    (void)qo;
    if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
        return r;
    r = ferry_usb_write(root, name, pkg, len, summary, where);
    free(root);
    return r;
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
static ferry_err usb_dir_preflight(const char *root, uint64_t need)
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

static ferry_err usb_preflight(const struct ferry_medium *m, uint64_t need)
{
    char *root = NULL;
    ferry_err r;

    if ((r = ferry_usb_resolve(m->path, &root)) == FERRY_OK)
        r = usb_dir_preflight(root, need);
    free(root);
    return r;
}

static ferry_err usb_unwrite(const struct ferry_medium *m, const char *name)
{
    char *root = NULL;
    ferry_err r;

    if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
        return r;
    r = ferry_usb_remove(root, name);
    free(root);
    return r;
}

static ferry_err usb_lock(const struct ferry_medium *m, struct ferry_lock **out)
{
    char *root = NULL, *dir = NULL, what[600];
    struct stat st;
    ferry_err r;

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

static ferry_err usb_list(const struct ferry_medium *m, const char *prefer,
                          struct ferry_usb_file **out, size_t *n)
{
    char *root = NULL;
    ferry_err r;

    if ((r = ferry_usb_resolve(m->path, &root)) != FERRY_OK)
        return r;
    r = ferry_usb_list(root, FERRY_MAX_PACKAGE_BYTES, prefer, out, n);
    free(root);
    return r;
}

static char *usb_describe(const struct ferry_medium *m)
{
    char *root = NULL;

    if (ferry_usb_resolve(m->path, &root) != FERRY_OK)
        return NULL;
    return root;
}

/* ---- QR: sequences written as pictures, read back from images or a camera ---- */

static ferry_err qr_write(const struct ferry_medium *m, const char *name, const uint8_t *pkg,
                          size_t len, const char *summary, const struct ferry_qr_opts *qo,
                          char **where)
{
    struct ferry_qr_opts def;
    ferry_err r;

    (void)name;
    (void)summary;
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

static ferry_err png_preflight(const struct ferry_medium *m, uint64_t need)
{
    struct stat st;

    (void)need;
    if (stat(m->path, &st) == 0 && !S_ISDIR(st.st_mode))
        return ferry_errf(FERRY_ERR_USAGE, "png:%s is a file: png: takes a folder", m->path);
    return folder_ok(m->path, "the QR images");
}

/* pdf: and html: write one file */
static ferry_err file_preflight(const struct ferry_medium *m, uint64_t need)
{
    char *parent = NULL, *slash;
    struct stat st;
    ferry_err r;

    (void)need;
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
}

static ferry_err qr_list(const struct ferry_medium *m, const char *prefer,
                         struct ferry_usb_file **out, size_t *n)
{
    struct ferry_usb_file *f;
    ferry_err r;

    (void)prefer;
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

static char *qr_describe(const struct ferry_medium *m)
{
    return m->path ? strdup(m->path) : strdup(ferry_medium_kind_name(m->kind));
}

/* ---- the kinds ---- */

static const struct medium_kind kinds[] = {
    {"usb", FERRY_MEDIUM_USB, 0, usb_write, usb_preflight, usb_unwrite, usb_lock, usb_list,
     usb_describe},
    {"png", FERRY_MEDIUM_PNG, 1, qr_write, png_preflight, NULL, NULL, NULL, qr_describe},
    {"pdf", FERRY_MEDIUM_PDF, 1, qr_write, file_preflight, NULL, NULL, NULL, qr_describe},
    {"html", FERRY_MEDIUM_HTML, 1, qr_write, file_preflight, NULL, NULL, NULL, qr_describe},
    {"screen", FERRY_MEDIUM_SCREEN, -1, qr_write, NULL, NULL, NULL, NULL, qr_describe},
    {"camera", FERRY_MEDIUM_CAMERA, 0, NULL, NULL, NULL, NULL, qr_list, qr_describe},
    {"images", FERRY_MEDIUM_IMAGES, 1, NULL, NULL, NULL, NULL, qr_list, qr_describe},
};

/* The entry of kind @k; NULL for none. */
static const struct medium_kind *kind_of(enum ferry_medium_kind k)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kinds[i].kind == k)
            return &kinds[i];
    return NULL;
}

/* ---- the MEDIUM argument ---- */

ferry_err ferry_medium_parse(const char *spec, struct ferry_medium *out)
{
    const char *colon = strchr(spec, ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    size_t i;

    out->kind = 0;
    out->path = NULL;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].name) != nl || strncmp(spec, kinds[i].name, nl) != 0)
            continue;
        if (colon != NULL && kinds[i].needs_path < 0)
            return ferry_errf(FERRY_ERR_USAGE, "medium '%s' takes no path", kinds[i].name);
        if ((colon == NULL || colon[1] == '\0') && kinds[i].needs_path > 0)
            return ferry_errf(FERRY_ERR_USAGE, "medium '%s' needs a path: %s:PATH", kinds[i].name,
                              kinds[i].name);
        out->kind = kinds[i].kind;
        if (colon != NULL && colon[1] != '\0' && (out->path = strdup(colon + 1)) == NULL)
            return FERRY_ERR_NOMEM;
        return FERRY_OK;
    }
    return ferry_errf(FERRY_ERR_USAGE,
                      "unknown medium '%s' (usb[:DIR], png:DIR, pdf:FILE, html:FILE, screen, "
                      "camera[:DEVICE], images:PATH)",
                      spec);
}

ferry_err ferry_medium_kind_parse(const char *name, enum ferry_medium_kind *out)
{
    size_t i;

    *out = 0;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return FERRY_OK;
        }
    return ferry_errf(FERRY_ERR_USAGE,
                      "unknown medium '%s' (usb, png, pdf, html, screen, camera, images)", name);
}

int ferry_medium_writable(enum ferry_medium_kind k)
{
    const struct medium_kind *e = kind_of(k);
    return e != NULL && e->write != NULL;
}

int ferry_medium_readable(enum ferry_medium_kind k)
{
    const struct medium_kind *e = kind_of(k);
    return e != NULL && e->list != NULL;
}

const char *ferry_medium_kind_name(enum ferry_medium_kind k)
{
    const struct medium_kind *e = kind_of(k);
    return e != NULL ? e->name : "?";
}

/* ferry_medium_check on the entry @e of @m's kind (NULL: none) */
static ferry_err check(const struct medium_kind *e, int write)
{
    const char *name = e != NULL ? e->name : "?";

    if (write && (e == NULL || e->write == NULL))
        return ferry_errf(FERRY_ERR_USAGE,
                          "'%s' is an input: ferry reads from it but cannot write to it; to "
                          "write, use usb[:DIR], png:DIR, pdf:FILE, html:FILE or screen",
                          name);
    if (!write && (e == NULL || e->list == NULL))
        return ferry_errf(FERRY_ERR_USAGE,
                          "'%s' is an output: ferry writes to it but cannot read from it; to "
                          "read QR codes use images:PATH (PNG, JPEG or PDF; a file or a folder) "
                          "or camera[:DEVICE], to read a stick usb[:DIR]",
                          name);
    return FERRY_OK;
}

ferry_err ferry_medium_check(const struct ferry_medium *m, int write)
{
    return check(kind_of(m->kind), write);
}

ferry_err ferry_medium_parse_for(const char *spec, int write, struct ferry_medium *out)
{
    ferry_err r;

    if ((r = ferry_medium_parse(spec, out)) == FERRY_OK &&
        (r = ferry_medium_check(out, write)) != FERRY_OK)
        ferry_medium_clear(out);
    return r;
}

void ferry_medium_clear(struct ferry_medium *m)
{
    free(m->path);
    m->path = NULL;
    m->kind = 0;
}

/* ---- the steps ---- */

ferry_err ferry_medium_write(const struct ferry_medium *m, const char *name, const uint8_t *pkg,
                             size_t len, const char *summary, const struct ferry_qr_opts *qo,
                             char **where)
{
    const struct medium_kind *e = kind_of(m->kind);
    ferry_err r;

    if (where != NULL)
        *where = NULL;
    if ((r = check(e, 1)) != FERRY_OK)
        return r;
    return e->write(m, name, pkg, len, summary, qo, where);
}

ferry_err ferry_medium_preflight(const struct ferry_medium *m, uint64_t need)
{
    const struct medium_kind *e = kind_of(m->kind);
    ferry_err r;

    if ((r = check(e, 1)) != FERRY_OK)
        return r;
    return e->preflight != NULL ? e->preflight(m, need) : FERRY_OK;
}

ferry_err ferry_medium_take_back(const struct ferry_medium *m, const char *name, ferry_err r,
                                 const char *then)
{
    const struct medium_kind *e = kind_of(m->kind);
    char first[512];

    snprintf(first, sizeof(first), "%s", ferry_err_detail());
    if (e != NULL && e->unwrite != NULL && e->unwrite(m, name) != FERRY_OK)
        return ferry_errf(r, "%s (and %s)", first, ferry_err_detail());
    return ferry_errf(r, "%s; %s", first, then);
}

char *ferry_medium_describe(const struct ferry_medium *m)
{
    const struct medium_kind *e = kind_of(m->kind);

    return e != NULL ? e->describe(m) : qr_describe(m);
}

const struct ferry_qr_opts *ferry_medium_label(const struct ferry_qr_opts *qo, const char *prefix,
                                               const char *id, struct ferry_qr_opts *q2,
                                               char *label, size_t n)
{
    if (qo != NULL)
        *q2 = *qo;
    else
        ferry_qr_opts_default(q2);
    snprintf(label, n, "%s %.8s", prefix, id);
    q2->label = label;
    return q2;
}

ferry_err ferry_medium_lock(const struct ferry_medium *m, struct ferry_lock **out)
{
    const struct medium_kind *e = m != NULL ? kind_of(m->kind) : NULL;

    *out = NULL;
    return e != NULL && e->lock != NULL ? e->lock(m, out) : FERRY_OK;
}

ferry_err ferry_medium_list(const struct ferry_medium *m, const char *prefer,
                            struct ferry_usb_file **out, size_t *n)
{
    const struct medium_kind *e = kind_of(m->kind);
    ferry_err r;

    *out = NULL;
    *n = 0;
    if ((r = check(e, 0)) != FERRY_OK)
        return r;
    return e->list(m, prefer, out, n);
}

/* ---- reading one listed package: the same on every medium ---- */

struct peek_ctx {
    struct ferry_identity *const *known;
    size_t nknown;
};

static ferry_err peek(int fd, uint64_t size, void *ctx)
{
    const struct peek_ctx *p = ctx;

    return ferry_package_peek(fd, size, p->known, p->nknown);
}

ferry_err ferry_medium_fetch(struct ferry_usb_file *f, struct ferry_identity *const *known,
                             size_t nknown, uint64_t *budget)
{
    struct peek_ctx p = {known, nknown};

    if (f->data != NULL)
        return FERRY_OK;
    return ferry_usb_file_load(f, FERRY_MAX_PACKAGE_BYTES, budget, peek, &p);
}
