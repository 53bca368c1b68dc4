/* ferry — bounds on a PDF before poppler renders it (page count, page size, wall time). */
#ifndef FERRY_PDF_INT_H
#define FERRY_PDF_INT_H

#include <time.h>

#include "ferry/err.h"

#define FERRY_PDF_MAX_PAGES 100 /* a 20 KB package fills 3 A4 pages; 100 carry ~650 KB */
#define FERRY_PDF_WALL_S    60  /* for looking at and rendering one document */
#define FERRY_PDF_MEM_BYTES (1024ull << 20) /* address space of the renderer */

/** A deadline @seconds from now (CLOCK_MONOTONIC); a test build reads FERRY_PDF_WALL_TEST. */
struct timespec ferry_pdf_deadline(void);

/**
 * Runs @argv (a poppler tool) with stdout to @out (or /dev/null), stderr to /dev/null, its
 * address space capped at FERRY_PDF_MEM_BYTES; kills it at @deadline. FERRY_ERR_TOO_LARGE
 * naming @pdf when the time ran out; *status receives the exit status otherwise (127: not
 * installed).
 */
ferry_err ferry_pdf_run(char *const argv[], const char *out, const char *pdf,
                        const struct timespec *deadline, int *status);

/**
 * Asks pdfinfo for the page count and each page's size and refuses, before anything is
 * rendered, a document of more than FERRY_PDF_MAX_PAGES pages or a page that would exceed
 * @max_pixels at @dpi. @tmpdir holds pdfinfo's output. *pages receives the count.
 */
ferry_err ferry_pdf_check(const char *pdf, const char *tmpdir, int dpi,
                          unsigned long long max_pixels, const struct timespec *deadline,
                          int *pages);

#endif
