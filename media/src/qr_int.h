/* ferry — QR media internals shared by qr.c, qr_render.c, qr_scan.c and tests/test_qr.c. */
#ifndef FERRY_QR_INT_H
#define FERRY_QR_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <qrencode.h>

#include "ferry/qr.h"

#define FERRY_QR_MAX_PIXELS     (64u << 20)  /* refuse decoding larger images before allocating */
#define FERRY_QR_MAX_IMAGE_FILE (256u << 20) /* PNG/JPEG/PDF files read whole, capped */

/* Defaults (see ferry_qr_opts in qr.h and the measurements in QR-NOTES.md). */
#define FERRY_QR_SCREEN_VERSION 25
#define FERRY_QR_SCREEN_ECC     'L'
#define FERRY_QR_SCREEN_PARITY  50
#define FERRY_QR_FPS            5.0
#define FERRY_QR_PNG_MODULE_PX  6
#define FERRY_QR_PDF_VERSION    0  /* chosen per package: ferry_qr_paper_choose */
#define FERRY_QR_PDF_ECC        0  /* chosen per package */
#define FERRY_QR_PDF_PARITY     43 /* N - K >= 0.3 N: 30 % of the codes may be lost */
#define FERRY_QR_A4_W           (210.0 / 25.4 * 72.0)
#define FERRY_QR_A4_H           (297.0 / 25.4 * 72.0)

/** An 8-bit grey image, row-major, stride == w. */
struct ferry_qr_gray {
    int w, h;
    uint8_t *px;
};

void ferry_qr_gray_free(struct ferry_qr_gray *g);

/** Encodes @text (alphanumeric where it can) at least at @version / @ecc. Caller QRcode_free. */
ferry_err ferry_qr_code(const char *text, int version, char ecc, QRcode **out);

/** Rasterises @text as a grey image, @mpx pixels per module, with the quiet zone. */
ferry_err ferry_qr_raster(const char *text, int version, char ecc, int mpx,
                          struct ferry_qr_gray *out);

/** Writes a grey image as an 8-bit greyscale PNG file, atomically. */
ferry_err ferry_qr_png_write(const char *path, const struct ferry_qr_gray *g);

/** Encodes a grey image as PNG into memory (caller frees *out). */
ferry_err ferry_qr_png_encode(const struct ferry_qr_gray *g, uint8_t **out, size_t *len);

/** Decodes a PNG or JPEG held in memory into grey. @name names the input in errors. */
ferry_err ferry_qr_image_decode(const char *name, const uint8_t *p, size_t n,
                                struct ferry_qr_gray *out);

/** Writes the half-block rendering of one code (+ quiet zone) to @f. */
ferry_err ferry_qr_term_code(FILE *f, const QRcode *q, int color);

/* Render targets used by ferry_qr_write (qr_render.c). */
ferry_err ferry_qr_write_png_dir(const char *dir, const struct ferry_qrseq *seq,
                                 const struct ferry_qr_opts *o);
ferry_err ferry_qr_write_pdf(const char *path, const struct ferry_qrseq *seq,
                             const struct ferry_qr_opts *o, const struct ferry_qr_paper *paper);
ferry_err ferry_qr_write_html(const char *path, const struct ferry_qrseq *seq,
                              const struct ferry_qr_opts *o);
ferry_err ferry_qr_write_screen(const char *path, const struct ferry_qrseq *seq,
                                const struct ferry_qr_opts *o);

/** Called with every distinct text found in one image; return non-zero to stop scanning. */
typedef int (*ferry_qr_text_cb)(void *ctx, const char *text, size_t len);

struct ferry_qr_scanner; /* zbar image scanner with ferry's settings and pre-filters */

ferry_err ferry_qr_scanner_new(struct ferry_qr_scanner **out);

/**
 * Thorough (the default): every image goes through all the pre-filter passes below. Off: the
 * raw pass only — about a quarter of the time; ferry_qr_read sweeps images this way first and
 * goes thorough only when the package is still incomplete.
 */
void ferry_qr_scanner_set_thorough(struct ferry_qr_scanner *s, int on);
void ferry_qr_scanner_free(struct ferry_qr_scanner *s);

/**
 * Scans one grey image through the receiver pipeline (raw, 3x3 box blur, 5x5 box blur,
 * adaptive threshold; large images downscaled first), calling @cb once per distinct text
 * (codes sorted top-to-bottom, left-to-right). *found receives the number of distinct texts.
 */
ferry_err ferry_qr_scan_gray(struct ferry_qr_scanner *s, const struct ferry_qr_gray *g,
                             ferry_qr_text_cb cb, void *ctx, size_t *found);

/**
 * Scans an image file (PNG, JPEG) or a PDF (pages rasterised at 150 dpi with pdftoppm)
 * and calls @cb for every distinct text of every page.
 */
ferry_err ferry_qr_scan_file(struct ferry_qr_scanner *s, const char *path, ferry_qr_text_cb cb,
                             void *ctx, size_t *found);

/** Scans a file or every PNG/JPEG/PDF of a folder (sorted by name). */
ferry_err ferry_qr_scan_path(struct ferry_qr_scanner *s, const char *path, ferry_qr_text_cb cb,
                             void *ctx, size_t *found);

/** Opens the camera @dev and calls @cb with each decoded text until it returns non-zero. */
ferry_err ferry_qr_scan_camera(const char *dev, ferry_qr_text_cb cb, void *ctx);

#endif
