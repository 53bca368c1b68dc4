/* ferry-bench: A4 pages per package through the real writer (ferry_qr_write to a temporary PDF,
 * the layout chosen per package), pages counted by poppler's pdfinfo, the PDF rasterised at
 * 150 dpi by pdftoppm as a scanner would, 30 % of the codes blacked out on the page images (the
 * data codes first: the worst case), and the rest read back through ferry_qr_read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zbar.h>

#include "bench.h"
#include "ferry/log.h"
#include "ferry/qr.h"
#include "../media/src/qr_int.h" /* ferry_qr_image_decode / ferry_qr_png_write */

/* Pages of @path as pdfinfo counts them; -1 on failure. */
static int pdfinfo_pages(const char *path)
{
    char cmd[4400], line[256];
    FILE *p;
    int pages = -1;

    if (strchr(path, '\'') != NULL)
        return -1;
    snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", path);
    if ((p = popen(cmd, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), p) != NULL)
        if (strncmp(line, "Pages:", 6) == 0)
            pages = (int)strtol(line + 6, NULL, 10);
    if (pclose(p) != 0)
        return -1;
    return pages;
}

/* Blacks out, on the page image @png, the codes whose frame number is <= @lose; returns how
 * many it blacked out. */
static size_t black_out(const char *png, size_t lose)
{
    struct ferry_qr_gray g = {0, 0, NULL};
    zbar_image_scanner_t *zs = zbar_image_scanner_create();
    zbar_image_t *img = zbar_image_create();
    const zbar_symbol_t *sym;
    uint8_t *buf = NULL;
    size_t n = 0, hit = 0;
    FILE *f = fopen(png, "rb");

    if (f != NULL) {
        buf = malloc(64u << 20);
        n = buf ? fread(buf, 1, 64u << 20, f) : 0;
        fclose(f);
    }
    if (n == 0 || ferry_qr_image_decode(png, buf, n, &g) != FERRY_OK)
        goto out;
    zbar_image_scanner_set_config(zs, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(zs, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(img, (unsigned)g.w, (unsigned)g.h);
    zbar_image_set_data(img, g.px, (unsigned long)g.w * (unsigned long)g.h, NULL);
    zbar_scan_image(zs, img);
    for (sym = zbar_image_first_symbol(img); sym != NULL; sym = zbar_symbol_next(sym)) {
        struct ferry_qrseq_info fi;
        int x0 = g.w, y0 = g.h, x1 = 0, y1 = 0;

        if (ferry_qrseq_frame_info(zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym),
                                   &fi) != FERRY_OK ||
            fi.frame > lose)
            continue;
        for (unsigned i = 0; i < zbar_symbol_get_loc_size(sym); i++) {
            int px = zbar_symbol_get_loc_x(sym, i), py = zbar_symbol_get_loc_y(sym, i);
            x0 = px < x0 ? px : x0, x1 = px > x1 ? px : x1;
            y0 = py < y0 ? py : y0, y1 = py > y1 ? py : y1;
        }
        for (int y = y0 - 3 < 0 ? 0 : y0 - 3; y <= y1 + 3 && y < g.h; y++)
            for (int x = x0 - 3 < 0 ? 0 : x0 - 3; x <= x1 + 3 && x < g.w; x++)
                g.px[(size_t)y * (size_t)g.w + (size_t)x] = 0;
        hit++;
    }
    if (hit > 0 && ferry_qr_png_write(png, &g) != FERRY_OK)
        hit = 0;
out:
    zbar_image_destroy(img);
    zbar_image_scanner_destroy(zs);
    ferry_qr_gray_free(&g);
    free(buf);
    return hit;
}

/* The most net bytes one A4 page can carry at the paper parity with modules >= 0.5 mm: the
 * best layout for a large message (1 MB: the last page's slack is negligible). */
static double page_limit(void)
{
    static const char levels[] = "LMQH";
    double best = 0;

    for (int v = 1; v <= 40; v++)
        for (const char *e = levels; *e; e++) {
            struct ferry_qr_paper p;
            size_t mlen = 1000000;

            if (ferry_qr_paper_choose(mlen, v, *e, FERRY_QR_PDF_PARITY, FERRY_QR_A4_W,
                                      FERRY_QR_A4_H, &p) == FERRY_OK &&
                (double)mlen / p.pages > best)
                best = (double)mlen / p.pages;
        }
    return best;
}

int bench_pdf_row(const uint8_t *pkg, size_t len, struct bench_pdf *out)
{
    struct ferry_qr_opts o;
    struct ferry_qr_paper paper;
    const char *tmp = getenv("TMPDIR");
    char dir[2048], path[2200], cmd[4600];
    int level = ferry_log_get_level();
    uint8_t *got = NULL;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    snprintf(dir, sizeof(dir), "%s/ferry-bench-pdf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL || strchr(dir, '\'') != NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/codes.pdf", dir);
    out->message = ferry_qrseq_message_bytes(pkg, len);
    if (ferry_qr_paper_choose(out->message, 0, 0, FERRY_QR_PDF_PARITY, FERRY_QR_A4_W, FERRY_QR_A4_H,
                              &paper) != FERRY_OK)
        goto fail;
    out->version = paper.version;
    out->ecc = paper.ecc;
    out->cols = paper.cols;
    out->rows = paper.rows;
    out->module_mm = paper.module_mm;
    out->k = paper.k;
    out->n = paper.n;
    out->page_limit = page_limit();
    ferry_qr_opts_default(&o);
    o.label = "bench";
    ferry_log_set_level(FERRY_LOG_ERROR);
    if (ferry_qr_write(FERRY_MEDIUM_PDF, path, pkg, len, &o) != FERRY_OK)
        goto fail;
    out->pages = pdfinfo_pages(path);
    snprintf(cmd, sizeof(cmd), "pdftoppm -r 150 -gray -png '%s' '%s/page'", path, dir);
    if (system(cmd) != 0)
        goto fail;
    unlink(path);
    for (int pg = 1; pg <= out->pages; pg++) {
        snprintf(path, sizeof(path), "%s/page-%d.png", dir, pg);
        if (access(path, R_OK) != 0)
            snprintf(path, sizeof(path), "%s/page-%02d.png", dir, pg);
        out->lost += black_out(path, (out->n * 3 + 9) / 10);
    }
    out->scanned = ferry_qr_read(FERRY_MEDIUM_IMAGES, dir, &got, &n) == FERRY_OK && n == len &&
                   memcmp(got, pkg, len) == 0;
    free(got);
    ferry_log_set_level(level);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    (void)system(cmd);
    return out->pages > 0 ? 0 : -1;
fail:
    ferry_log_set_level(level);
    fprintf(stderr, "ferry-bench: pdf of %zu bytes: %s\n", len, ferry_err_detail());
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    (void)system(cmd);
    return -1;
}
