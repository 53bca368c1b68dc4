/* ferry — QR media: render sequences (terminal, HTML, PNG, PDF) and scan them (camera, images,
 * PDF). Bytes in, bytes out: the CLIs only call ferry_qr_write / ferry_qr_read. */
#ifndef FERRY_QR_H
#define FERRY_QR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cairo.h>

#include "ferry/err.h"
#include "ferry/medium.h"
#include "ferry/qrseq.h"

#define FERRY_QR_QUIET         4   /* quiet zone, modules each side (ISO 18004) */
#define FERRY_QR_PDF_MODULE_MM 0.5 /* a module on paper, mm (PDF and the runbook's QR pages) */

struct ferry_qr_opts {
    int version;       /* 0: default for the medium (screen/html/png: 25, pdf: see qr.c) */
    char ecc;          /* 0: default (screen/html/png 'L', pdf 'M') */
    int parity_pct;    /* -1: default (screen/html/png: 50, pdf: enough for 30% lost codes) */
    double fps;        /* screen/html frame rate; 0: default 5 */
    int module_px;     /* png/screen pixels per module; 0: default */
    int loops;         /* screen: number of loops before returning, 0: until 'q' */
    const char *label; /* e.g. "transfer 1a2b3c4d…": printed beside/under each code */
    const char *title; /* pdf/html page title, e.g. "ferry request for SRV01" */
    FILE *screen;      /* screen without a path: the stream drawn on (the CLI's stdout); the
                        * library never picks one itself: NULL there is FERRY_ERR_USAGE */
};

/** Default options (all zeros / -1 as documented above). */
void ferry_qr_opts_default(struct ferry_qr_opts *o);

/**
 * Encodes @pkg and writes it to a QR medium: FERRY_MEDIUM_PNG (DIR/frame-NNN.png, plus
 * DIR/README.txt), FERRY_MEDIUM_PDF (FILE, A4, vector codes), FERRY_MEDIUM_HTML (FILE,
 * self-contained animated page), FERRY_MEDIUM_SCREEN (terminal animation on @o->screen, or into
 * @path when given: keys + - space q when stdin and the output are a terminal, otherwise each
 * frame printed @o->loops times (default once) without waiting).
 * Files are written atomically. @o may be NULL (defaults).
 */
ferry_err ferry_qr_write(enum ferry_medium_kind kind, const char *path, const uint8_t *pkg,
                         size_t len, const struct ferry_qr_opts *o);

/**
 * Scans a QR medium until one whole package is rebuilt: FERRY_MEDIUM_IMAGES (a file or a
 * folder of PNG/JPEG/PDF files; several codes per image), FERRY_MEDIUM_CAMERA (device or
 * default /dev/video0; FERRY_ERR_NOT_FOUND clearly when absent). Progress "r of K" and each
 * frame's status through ferry_log(FERRY_LOG_INFO). FERRY_ERR_INCOMPLETE when input runs out.
 */
ferry_err ferry_qr_read(enum ferry_medium_kind kind, const char *path, uint8_t **pkg, size_t *len);

/**
 * Draws one QR code for @text (alphanumeric mode, given version/ecc) as vector rectangles
 * with its quiet zone, top-left at (x, y), @module user units per module. For PDF pages
 * (runbook) — poppler blurs scaled bitmaps, rectangles stay sharp.
 * *size receives the drawn side length including the quiet zone.
 */
ferry_err ferry_qr_draw_cairo(cairo_t *cr, const char *text, int version, char ecc, double x,
                              double y, double module, double *size);

/** The paper layout of one package (ferry_qr_paper_choose). */
struct ferry_qr_paper {
    int version;
    char ecc;
    int parity_pct;   /* parity frames, % of the data frames per block */
    int cols, rows;   /* codes per page: cols x rows */
    double module_mm; /* module size, >= 0.5 mm */
    int pages;        /* A4 pages */
    size_t k, n;      /* data codes, all codes */
};

/**
 * Chooses the paper layout for a message of @mlen zlib bytes (ferry_qrseq_message_bytes) on
 * pages of @page_w x @page_h points: among QR versions (@version, or all when 0), ECC levels
 * (@ecc, or all when 0) and grids whose modules are >= 0.5 mm and — at the paper parity (43 %)
 * — that leave >= 30 % of the codes losable, the one with the fewest pages, then the most
 * margin (the largest modules, then the stronger ECC, then the fewer codes).
 */
ferry_err ferry_qr_paper_choose(size_t mlen, int version, char ecc, int parity_pct, double page_w,
                                double page_h, struct ferry_qr_paper *out);

/**
 * The paper QR set of a package: resolves @o (NULL: defaults; version, ECC and parity are
 * read) for paper, chooses the layout on A4 (ferry_qr_paper_choose) into @paper and, when @seq
 * is not NULL, encodes the frames. `--to pdf:` prints exactly these frames and the runbook's QR
 * pages embed the same ones (same session, version, ECC, K and parity), so pages of both decode
 * as one set.
 */
ferry_err ferry_qr_paper_set(const uint8_t *pkg, size_t len, const struct ferry_qr_opts *o,
                             struct ferry_qr_paper *paper, struct ferry_qrseq **seq);

#define FERRY_QR_PAPER_RECORD_MAX 64 /* bytes of a paper set's record, NUL included */

/**
 * The record of a paper set's choice kept beside the package ("paper v23-L parity 43\n"), so
 * that a runbook printed later embeds the frames `--to pdf:` printed even when --qr-version,
 * --qr-ecc or --parity were given.
 */
void ferry_qr_paper_format(const struct ferry_qr_paper *p, char out[FERRY_QR_PAPER_RECORD_MAX]);

/** Parses such a record into @o (version, ECC, parity; the rest default). FERRY_ERR_FORMAT. */
ferry_err ferry_qr_paper_parse(const char *s, size_t n, struct ferry_qr_opts *o);

#endif
