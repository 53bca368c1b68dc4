/* ferry-bench internals shared by the files in bench/. */
#ifndef FERRY_BENCH_H
#define FERRY_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <qrencode.h>

#define BENCH_MAX_REPS 64

double bench_now_ms(void);
/** Median of @n values (sorts @v in place). */
double bench_median(double *v, int n);
uint64_t bench_rng(uint64_t *s);
QRecLevel bench_level(char ecc);

enum bench_scan {
    BENCH_SCAN_QUICK,    /* ferry_qr_scan_gray, quick: one raw pass, every other line, as the
                            camera path and the first sweep of images run zbar */
    BENCH_SCAN_DENSITY1, /* raw zbar scanning every line (zbar's default) */
    BENCH_SCAN_PIPELINE, /* ferry_qr_scan_gray, thorough: four passes, every line */
};

/**
 * Renders @text as a QR code (version/ecc) centred in a 1280x720 8-bit grey frame with the
 * largest whole module size that fits, scans it @reps times the way @mode says and returns the
 * median ms per scan (-1 if the text was not read back). *module_px receives the module size.
 */
double bench_zbar_ms(const char *text, int version, char ecc, int reps, enum bench_scan mode,
                     int *module_px);

struct bench_pdf {
    size_t k, n, message; /* data codes, all codes, zlib message bytes */
    int version, cols, rows;
    char ecc;
    double module_mm;
    int pages;         /* A4 pages as pdfinfo counts them */
    size_t lost;       /* codes blacked out on the 150 dpi page images (30 %, data first) */
    int scanned;       /* 1: ferry_qr_read rebuilt the package from what was left */
    double page_limit; /* most net bytes any layout fits on one page (30 % losable, 0.5 mm) */
};

/**
 * Writes @pkg with ferry_qr_write(FERRY_MEDIUM_PDF) (the layout chosen per package) to a
 * temporary PDF, counts its pages with pdfinfo, rasterises it at 150 dpi, blacks out 30 % of
 * the codes and scans the rest back. 0 on success.
 */
int bench_pdf_row(const uint8_t *pkg, size_t len, struct bench_pdf *out);

#endif
