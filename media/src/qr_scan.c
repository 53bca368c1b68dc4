/* ferry — QR scanning: PNG (libpng), JPEG (libjpeg), PDF (pdftoppm), camera (zbar_processor),
 * all through zbar's image scanner with the receiver pre-filters of QR-NOTES.md.
 *
 * PDF pages are rasterised by poppler's pdftoppm in a child process rather than by linking
 * libpoppler-glib: the same renderer, no glib/gobject in ferry_media, no CMake change, and a
 * hostile PDF cannot crash or corrupt the reading process. */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>
#include <zbar.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "pdf_int.h"
#include "qr_int.h"

#define MAX_CODES_PER_IMAGE 512
#define MAX_FILES_PER_DIR   100000
#define TARGET_PIXELS       (2400000.0) /* downscale above this: ~3 px per module for screen codes */
#define PDF_DPI             150
#define STR_(x)             #x
#define STR(x)              STR_(x)

struct ferry_qr_scanner {
    zbar_image_scanner_t *zs;
    int thorough; /* 1: every pre-filter pass; 0: the raw pass only */
};

static void configure(int (*set)(void *, zbar_symbol_type_t, zbar_config_t, int), void *obj)
{
    set(obj, 0, ZBAR_CFG_ENABLE, 0);
    set(obj, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    set(obj, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1); /* never re-encode bytes from a guessed charset */
}

static int set_scanner(void *o, zbar_symbol_type_t s, zbar_config_t c, int v)
{
    return zbar_image_scanner_set_config(o, s, c, v);
}

static int set_processor(void *o, zbar_symbol_type_t s, zbar_config_t c, int v)
{
    return zbar_processor_set_config(o, s, c, v);
}

ferry_err ferry_qr_scanner_new(struct ferry_qr_scanner **out)
{
    struct ferry_qr_scanner *s;

    *out = NULL;
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return FERRY_ERR_NOMEM;
    if ((s->zs = zbar_image_scanner_create()) == NULL) {
        free(s);
        return FERRY_ERR_NOMEM;
    }
    configure(set_scanner, s->zs);
    s->thorough = 1;
    *out = s;
    return FERRY_OK;
}

/* Scan every @d-th line and column. zbar takes density as a scanner-wide setting: it must be
 * set for symbology 0 (set for ZBAR_QRCODE it is silently ignored). */
static void set_density(int (*set)(void *, zbar_symbol_type_t, zbar_config_t, int), void *obj,
                        int d)
{
    set(obj, 0, ZBAR_CFG_X_DENSITY, d);
    set(obj, 0, ZBAR_CFG_Y_DENSITY, d);
}

void ferry_qr_scanner_set_thorough(struct ferry_qr_scanner *s, int on)
{
    /* The quick sweep scans every other line (bench: 10-17 ms instead of 24-140 ms per
     * 1280x720 frame); the thorough one every line, after each filter. */
    s->thorough = on;
    set_density(set_scanner, s->zs, on ? 1 : 2);
}

void ferry_qr_scanner_free(struct ferry_qr_scanner *s)
{
    if (s == NULL)
        return;
    zbar_image_scanner_destroy(s->zs);
    free(s);
}

/* ---- pre-filters ---- */

/* Box mean of radius @r (window 2r+1, clamped at the edges), separable running sums. */
static ferry_err box_mean(const struct ferry_qr_gray *in, int r, struct ferry_qr_gray *out)
{
    int w = in->w, h = in->h, x, y;
    uint32_t *tmp = NULL;
    ferry_err e = FERRY_ERR_NOMEM;

    out->w = w;
    out->h = h;
    if ((out->px = malloc((size_t)w * (size_t)h)) == NULL ||
        (tmp = malloc((size_t)w * (size_t)h * sizeof(*tmp))) == NULL)
        goto out;
    for (y = 0; y < h; y++) {
        const uint8_t *row = in->px + (size_t)y * (size_t)w;
        uint32_t *t = tmp + (size_t)y * (size_t)w;
        for (x = 0; x < w; x++) {
            int a = x - r < 0 ? 0 : x - r, b = x + r >= w ? w - 1 : x + r, i;
            uint32_t sum = 0;
            if (x > 0 && x - r > 0 && x + r < w) {
                t[x] = t[x - 1] - row[x - r - 1] + row[x + r];
                continue;
            }
            for (i = a; i <= b; i++)
                sum += row[i];
            t[x] = sum * (uint32_t)(2 * r + 1) / (uint32_t)(b - a + 1); /* as if full window */
        }
    }
    for (x = 0; x < w; x++) {
        uint64_t sum = 0;
        int n = 0;
        for (y = 0; y <= r && y < h; y++, n++)
            sum += tmp[(size_t)y * (size_t)w + (size_t)x];
        for (y = 0; y < h; y++) {
            out->px[(size_t)y * (size_t)w + (size_t)x] =
                (uint8_t)(sum / ((uint64_t)n * (uint64_t)(2 * r + 1)));
            if (y + r + 1 < h) {
                sum += tmp[(size_t)(y + r + 1) * (size_t)w + (size_t)x];
                n++;
            }
            if (y - r >= 0) {
                sum -= tmp[(size_t)(y - r) * (size_t)w + (size_t)x];
                n--;
            }
        }
    }
    e = FERRY_OK;
out:
    free(tmp);
    if (e != FERRY_OK)
        ferry_qr_gray_free(out);
    return e;
}

/* Local-mean adaptive threshold: dark where a pixel is below its neighbourhood's mean. */
static ferry_err adaptive(const struct ferry_qr_gray *in, struct ferry_qr_gray *out)
{
    struct ferry_qr_gray soft = {0, 0, NULL}, mean = {0, 0, NULL};
    int r = (in->w < in->h ? in->w : in->h) / 60 + 6;
    size_t i, n = (size_t)in->w * (size_t)in->h;
    ferry_err e;

    if ((e = box_mean(in, 1, &soft)) != FERRY_OK || (e = box_mean(&soft, r, &mean)) != FERRY_OK)
        goto out;
    for (i = 0; i < n; i++)
        mean.px[i] = soft.px[i] + 6 < mean.px[i] ? 0 : 255;
    *out = mean;
    mean.px = NULL;
out:
    ferry_qr_gray_free(&soft);
    ferry_qr_gray_free(&mean);
    return e;
}

/* Area-average downscale by an integer factor. */
static ferry_err downscale(const struct ferry_qr_gray *in, int f, struct ferry_qr_gray *out)
{
    int x, y, dx, dy;

    out->w = in->w / f;
    out->h = in->h / f;
    if ((out->px = malloc((size_t)out->w * (size_t)out->h)) == NULL)
        return FERRY_ERR_NOMEM;
    for (y = 0; y < out->h; y++) {
        for (x = 0; x < out->w; x++) {
            unsigned sum = 0;
            for (dy = 0; dy < f; dy++)
                for (dx = 0; dx < f; dx++)
                    sum += in->px[(size_t)(y * f + dy) * (size_t)in->w + (size_t)(x * f + dx)];
            out->px[(size_t)y * (size_t)out->w + (size_t)x] = (uint8_t)(sum / (unsigned)(f * f));
        }
    }
    return FERRY_OK;
}

/* ---- zbar ---- */

struct found {
    char *text[MAX_CODES_PER_IMAGE];
    size_t len[MAX_CODES_PER_IMAGE];
    int key[MAX_CODES_PER_IMAGE];
    size_t n;
};

static int seen(const struct found *fd, const char *t, size_t len)
{
    size_t i;

    for (i = 0; i < fd->n; i++)
        if (fd->len[i] == len && memcmp(fd->text[i], t, len) == 0)
            return 1;
    return 0;
}

static int sort_key(const zbar_symbol_t *sym, int h)
{
    unsigned i, n = zbar_symbol_get_loc_size(sym);
    long sx = 0, sy = 0;

    for (i = 0; i < n; i++) {
        sx += zbar_symbol_get_loc_x(sym, i);
        sy += zbar_symbol_get_loc_y(sym, i);
    }
    if (n == 0)
        return 0;
    /* row band (tenths of the height), then x: reading order for grids of codes */
    return (int)(sy / n * 10 / (h > 0 ? h : 1)) * 100000 + (int)(sx / n);
}

static ferry_err zbar_pass(struct ferry_qr_scanner *s, const struct ferry_qr_gray *g,
                           struct found *fd)
{
    zbar_image_t *img = zbar_image_create();
    const zbar_symbol_t *sym;

    if (img == NULL)
        return FERRY_ERR_NOMEM;
    zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(img, (unsigned)g->w, (unsigned)g->h);
    zbar_image_set_data(img, g->px, (unsigned long)g->w * (unsigned long)g->h, NULL);
    if (zbar_scan_image(s->zs, img) > 0) {
        for (sym = zbar_image_first_symbol(img); sym != NULL && fd->n < MAX_CODES_PER_IMAGE;
             sym = zbar_symbol_next(sym)) {
            const char *t = zbar_symbol_get_data(sym);
            size_t len = zbar_symbol_get_data_length(sym);
            if (zbar_symbol_get_type(sym) != ZBAR_QRCODE || seen(fd, t, len))
                continue;
            if ((fd->text[fd->n] = malloc(len + 1)) == NULL) {
                zbar_image_destroy(img);
                return FERRY_ERR_NOMEM;
            }
            memcpy(fd->text[fd->n], t, len);
            fd->text[fd->n][len] = '\0';
            fd->len[fd->n] = len;
            fd->key[fd->n++] = sort_key(sym, g->h);
        }
    }
    zbar_image_destroy(img);
    return FERRY_OK;
}

/* Runs the passes: raw, 3x3 box blur, 5x5 box blur, adaptive threshold. */
static ferry_err all_passes(struct ferry_qr_scanner *s, const struct ferry_qr_gray *g,
                            struct found *fd)
{
    struct ferry_qr_gray f = {0, 0, NULL};
    ferry_err r;
    int pass;

    if ((r = zbar_pass(s, g, fd)) != FERRY_OK || !s->thorough)
        return r;
    for (pass = 1; pass <= 3 && r == FERRY_OK; pass++) {
        r = pass < 3 ? box_mean(g, pass, &f) : adaptive(g, &f);
        if (r == FERRY_OK)
            r = zbar_pass(s, &f, fd);
        ferry_qr_gray_free(&f);
    }
    return r;
}

ferry_err ferry_qr_scan_gray(struct ferry_qr_scanner *s, const struct ferry_qr_gray *g,
                             ferry_qr_text_cb cb, void *ctx, size_t *found)
{
    struct ferry_qr_gray small = {0, 0, NULL};
    const struct ferry_qr_gray *use = g;
    struct found *fd = NULL;
    size_t i, j;
    ferry_err r;
    int f = 1;

    if (found != NULL)
        *found = 0;
    if ((fd = calloc(1, sizeof(*fd))) == NULL)
        return FERRY_ERR_NOMEM;
    while ((double)g->w * g->h / ((double)(f + 1) * (f + 1)) >= TARGET_PIXELS)
        f++;
    if (f > 1) {
        if ((r = downscale(g, f, &small)) != FERRY_OK)
            goto out;
        use = &small;
    }
    if ((r = all_passes(s, use, fd)) != FERRY_OK)
        goto out;
    for (i = 0; i < fd->n; i++) { /* insertion sort into reading order */
        for (j = i; j > 0 && fd->key[j - 1] > fd->key[j]; j--) {
            char *t = fd->text[j];
            size_t l = fd->len[j];
            int k = fd->key[j];
            fd->text[j] = fd->text[j - 1], fd->len[j] = fd->len[j - 1], fd->key[j] = fd->key[j - 1];
            fd->text[j - 1] = t, fd->len[j - 1] = l, fd->key[j - 1] = k;
        }
    }
    if (found != NULL)
        *found = fd->n;
    for (i = 0; i < fd->n; i++)
        if (cb(ctx, fd->text[i], fd->len[i]) != 0)
            break;
out:
    for (i = 0; fd != NULL && i < fd->n; i++)
        free(fd->text[i]);
    free(fd);
    ferry_qr_gray_free(&small);
    return r;
}

/* ---- image files ---- */

static ferry_err png_decode(const char *name, const uint8_t *p, size_t n, struct ferry_qr_gray *out)
{
    png_image img;
    png_color white = {255, 255, 255};
    ferry_err r = FERRY_OK;

    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, p, n))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: not a readable PNG (%s)", name, img.message);
    if ((uint64_t)img.width * img.height > FERRY_QR_MAX_PIXELS) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %ux%u pixels is too large to scan", name,
                       img.width, img.height);
        goto out;
    }
    img.format = PNG_FORMAT_GRAY;
    out->w = (int)img.width;
    out->h = (int)img.height;
    if ((out->px = malloc(PNG_IMAGE_SIZE(img))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if (!png_image_finish_read(&img, &white, out->px, 0, NULL)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: broken PNG (%s)", name, img.message);
        ferry_qr_gray_free(out);
    }
out:
    png_image_free(&img);
    return r;
}

struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
};

static void jpeg_fail(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->jb, 1);
}

/* libjpeg warnings go to the debug log, never straight to stderr. */
static void jpeg_note(j_common_ptr c)
{
    char msg[JMSG_LENGTH_MAX];

    c->err->format_message(c, msg);
    ferry_log(FERRY_LOG_DEBUG, "libjpeg: %s", msg);
}

static ferry_err jpeg_decode(const char *name, const uint8_t *p, size_t n,
                             struct ferry_qr_gray *out)
{
    struct jpeg_decompress_struct c;
    struct jerr je;
    char msg[JMSG_LENGTH_MAX] = "";
    uint8_t *volatile px = NULL;
    ferry_err r = FERRY_ERR_FORMAT;

    c.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jpeg_fail;
    je.pub.output_message = jpeg_note;
    if (setjmp(je.jb) != 0) {
        je.pub.format_message((j_common_ptr)&c, msg);
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: broken JPEG (%s)", name, msg);
        goto out;
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, p, (unsigned long)n);
    jpeg_read_header(&c, TRUE);
    c.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&c);
    if ((uint64_t)c.output_width * c.output_height > FERRY_QR_MAX_PIXELS) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %ux%u pixels is too large to scan", name,
                       c.output_width, c.output_height);
        goto out;
    }
    if ((px = malloc((size_t)c.output_width * c.output_height)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = px + (size_t)c.output_scanline * c.output_width;
        jpeg_read_scanlines(&c, &row, 1);
    }
    jpeg_finish_decompress(&c);
    out->w = (int)c.output_width;
    out->h = (int)c.output_height;
    out->px = px;
    px = NULL;
    r = FERRY_OK;
out:
    jpeg_destroy_decompress(&c);
    free(px);
    return r;
}

ferry_err ferry_qr_image_decode(const char *name, const uint8_t *p, size_t n,
                                struct ferry_qr_gray *out)
{
    out->w = out->h = 0;
    out->px = NULL;
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return png_decode(name, p, n, out);
    if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
        return jpeg_decode(name, p, n, out);
    return ferry_errf(FERRY_ERR_FORMAT, "%s: not a PNG or JPEG image", name);
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

static int is_image_name(const char *name)
{
    return name[0] != '.' && (has_ext(name, ".png") || has_ext(name, ".jpg") ||
                              has_ext(name, ".jpeg") || has_ext(name, ".pdf"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **v, size_t n)
{
    size_t i;

    for (i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static ferry_err push_name(char ***v, size_t *n, size_t *cap, const char *name)
{
    char **nv;

    if (*n >= MAX_FILES_PER_DIR)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "more than %d images in one folder",
                          MAX_FILES_PER_DIR);
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        if ((nv = realloc(*v, nc * sizeof(**v))) == NULL)
            return FERRY_ERR_NOMEM;
        *v = nv;
        *cap = nc;
    }
    if (((*v)[*n] = strdup(name)) == NULL)
        return FERRY_ERR_NOMEM;
    (*n)++;
    return FERRY_OK;
}

/* Sorted names of the entries of @dir accepted by @want; free with free_names. */
static ferry_err list_dir(const char *dir, int (*want)(const char *), char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t cap = 0;
    ferry_err r = FERRY_OK;

    *out = NULL;
    *n = 0;
    if (d == NULL)
        return ferry_errf(errno == ENOENT ? FERRY_ERR_NOT_FOUND : FERRY_ERR_IO,
                          "cannot open folder %s: %s", dir, strerror(errno));
    while (r == FERRY_OK && (e = readdir(d)) != NULL)
        if (want(e->d_name))
            r = push_name(&v, n, &cap, e->d_name);
    closedir(d);
    if (v != NULL)
        qsort(v, *n, sizeof(*v), cmp_str);
    *out = v;
    return r;
}

/* ---- PDF, files, folders ---- */

struct relay {
    ferry_qr_text_cb cb;
    void *ctx;
    int stop;
    size_t found;
};

static int relay_cb(void *ctx, const char *text, size_t len)
{
    struct relay *rl = ctx;

    rl->found++;
    rl->stop = rl->cb(rl->ctx, text, len) != 0;
    return rl->stop;
}

static int is_png_name(const char *name)
{
    return name[0] != '.' && has_ext(name, ".png");
}

static ferry_err run_pdftoppm(const char *pdf, const char *prefix, int pages,
                              const struct timespec *deadline)
{
    char *arg = NULL, last[16], *argv[12];
    int st = 0;
    ferry_err r;

    /* a name starting with '-' would be taken for an option */
    if (pdf[0] == '-' && (arg = ferry_path_join(".", pdf)) == NULL)
        return FERRY_ERR_NOMEM;
    snprintf(last, sizeof(last), "%d", pages);
    argv[0] = "pdftoppm";
    argv[1] = "-r";
    argv[2] = STR(PDF_DPI);
    argv[3] = "-gray";
    argv[4] = "-png";
    argv[5] = "-f";
    argv[6] = "1";
    argv[7] = "-l";
    argv[8] = last;
    argv[9] = arg ? arg : (char *)pdf;
    argv[10] = (char *)prefix;
    argv[11] = NULL;
    r = ferry_pdf_run(argv, NULL, pdf, deadline, &st);
    free(arg);
    if (r != FERRY_OK)
        return r;
    if (st == 127)
        return ferry_errf(FERRY_ERR_NOT_FOUND,
                          "%s: scanning PDF files needs pdftoppm: install "
                          "poppler-utils, or scan the pages to PNG/JPEG images",
                          pdf);
    if (st != 0)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: pdftoppm could not render it (status %d): "
                          "is it a PDF?",
                          pdf, st);
    return FERRY_OK;
}

static ferry_err scan_one_image(struct ferry_qr_scanner *s, const char *path, struct relay *rl);

static ferry_err scan_pdf(struct ferry_qr_scanner *s, const char *path, struct relay *rl)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], *prefix = NULL, *page = NULL, **names = NULL;
    struct timespec deadline;
    size_t i, n = 0;
    int pages = 0;
    ferry_err r;

    snprintf(dir, sizeof(dir), "%s/ferry-pdf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return ferry_errf(FERRY_ERR_IO, "cannot make a temporary folder %s: %s", dir,
                          strerror(errno));
    if ((prefix = ferry_path_join(dir, "page")) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    /* bounded before anything is rendered: pages, page sizes, then wall time and memory */
    deadline = ferry_pdf_deadline();
    if ((r = ferry_pdf_check(path, dir, PDF_DPI, FERRY_QR_MAX_PIXELS, &deadline, &pages)) !=
            FERRY_OK ||
        (r = run_pdftoppm(path, prefix, pages, &deadline)) != FERRY_OK ||
        (r = list_dir(dir, is_png_name, &names, &n)) != FERRY_OK)
        goto out;
    for (i = 0; i < n && !rl->stop && r == FERRY_OK; i++) {
        FERRY_FREE(page);
        if ((page = ferry_path_join(dir, names[i])) == NULL)
            r = FERRY_ERR_NOMEM;
        else
            r = scan_one_image(s, page, rl);
    }
out:
    free_names(names, n);
    names = NULL;
    if (list_dir(dir, is_png_name, &names, &n) == FERRY_OK) {
        for (i = 0; i < n; i++) {
            FERRY_FREE(page);
            if ((page = ferry_path_join(dir, names[i])) != NULL)
                unlink(page);
        }
    }
    free_names(names, n);
    rmdir(dir);
    free(page);
    free(prefix);
    return r;
}

static ferry_err scan_one_image(struct ferry_qr_scanner *s, const char *path, struct relay *rl)
{
    struct ferry_qr_gray g = {0, 0, NULL};
    uint8_t *buf = NULL;
    size_t n = 0, found = 0;
    ferry_err r;

    if ((r = ferry_file_read(path, FERRY_QR_MAX_IMAGE_FILE, &buf, &n)) != FERRY_OK)
        goto out;
    if (n >= 5 && memcmp(buf, "%PDF-", 5) == 0) {
        r = scan_pdf(s, path, rl);
        goto out;
    }
    if ((r = ferry_qr_image_decode(path, buf, n, &g)) != FERRY_OK ||
        (r = ferry_qr_scan_gray(s, &g, relay_cb, rl, &found)) != FERRY_OK)
        goto out;
    if (found == 0)
        ferry_log(FERRY_LOG_INFO, "%s: no QR code found (unreadable)", path);
    else
        ferry_log(FERRY_LOG_DEBUG, "%s: %zu QR codes", path, found);
out:
    ferry_qr_gray_free(&g);
    free(buf);
    return r;
}

ferry_err ferry_qr_scan_file(struct ferry_qr_scanner *s, const char *path, ferry_qr_text_cb cb,
                             void *ctx, size_t *found)
{
    struct relay rl = {cb, ctx, 0, 0};
    ferry_err r = scan_one_image(s, path, &rl);

    if (found != NULL)
        *found = rl.found;
    return r;
}

ferry_err ferry_qr_scan_path(struct ferry_qr_scanner *s, const char *path, ferry_qr_text_cb cb,
                             void *ctx, size_t *found)
{
    struct relay rl = {cb, ctx, 0, 0};
    struct stat st;
    char **names = NULL, *file = NULL;
    size_t i, n = 0;
    ferry_err r = FERRY_OK;

    if (stat(path, &st) != 0)
        return ferry_errf(FERRY_ERR_NOT_FOUND, "no such image file or folder: %s", path);
    if (!S_ISDIR(st.st_mode)) {
        r = scan_one_image(s, path, &rl);
        goto out;
    }
    if ((r = list_dir(path, is_image_name, &names, &n)) != FERRY_OK)
        goto out;
    if (n == 0)
        ferry_log(FERRY_LOG_WARN, "%s: no PNG, JPEG or PDF files in this folder", path);
    for (i = 0; i < n && !rl.stop && r == FERRY_OK; i++) {
        FERRY_FREE(file);
        if ((file = ferry_path_join(path, names[i])) == NULL) {
            r = FERRY_ERR_NOMEM;
        } else if ((r = scan_one_image(s, file, &rl)) == FERRY_ERR_FORMAT ||
                   r == FERRY_ERR_TOO_LARGE) {
            ferry_log(FERRY_LOG_WARN, "skipped: %s", ferry_err_detail());
            r = FERRY_OK; /* one bad file in a folder does not stop the others */
        }
    }
out:
    if (found != NULL)
        *found = rl.found;
    free_names(names, n);
    free(file);
    return r;
}

/* ---- camera ---- */

ferry_err ferry_qr_scan_camera(const char *dev, ferry_qr_text_cb cb, void *ctx)
{
    zbar_processor_t *p = NULL;
    const zbar_symbol_set_t *res;
    const zbar_symbol_t *sym;
    struct stat st;
    int stop = 0, n;
    ferry_err r = FERRY_OK;

    if (stat(dev, &st) != 0)
        return ferry_errf(FERRY_ERR_NOT_FOUND,
                          "no camera at %s: connect one or scan images "
                          "with --from images:PATH",
                          dev);
    if ((p = zbar_processor_create(0)) == NULL)
        return FERRY_ERR_NOMEM;
    configure(set_processor, p);
    set_density(set_processor, p, 2); /* a frame missed here is shown again in the loop */
    if (zbar_processor_init(p, dev, 0) != 0) {
        r = ferry_errf(FERRY_ERR_IO, "cannot open the camera %s: %s", dev,
                       zbar_processor_error_string(p, 0));
        goto out;
    }
    zbar_processor_set_active(p, 1);
    ferry_log(FERRY_LOG_INFO, "camera %s: show the codes; Ctrl-C stops", dev);
    while (!stop) {
        if ((n = zbar_process_one(p, -1)) < 0) {
            r = ferry_errf(FERRY_ERR_IO, "camera %s: %s", dev, zbar_processor_error_string(p, 0));
            break;
        }
        if (n == 0 || (res = zbar_processor_get_results(p)) == NULL)
            continue;
        for (sym = zbar_symbol_set_first_symbol(res); sym != NULL && !stop;
             sym = zbar_symbol_next(sym))
            if (zbar_symbol_get_type(sym) == ZBAR_QRCODE)
                stop = cb(ctx, zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym));
        zbar_symbol_set_ref(res, -1);
    }
out:
    zbar_processor_destroy(p);
    return r;
}
