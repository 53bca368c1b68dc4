/* ferry-bench: A4 pages per package through the real writer (ferry_qr_write to a temporary
 * PDF), pages counted by poppler's pdfinfo, and the PDF scanned back through ferry_qr_read
 * (pdftoppm at 150 dpi, the receiver pipeline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ferry/log.h"
#include "ferry/qr.h"

/* Pages of @path as pdfinfo counts them; -1 on failure. */
static int pdfinfo_pages(const char *path)
{
    char cmd[4200], line[256];
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

/* Codes on the first page: the "frame i of N" labels pdftotext finds there; -1 on failure. */
static int first_page_codes(const char *path)
{
    char cmd[4200], line[512];
    FILE *p;
    int n = 0;

    if (strchr(path, '\'') != NULL)
        return -1;
    snprintf(cmd, sizeof(cmd), "pdftotext -f 1 -l 1 '%s' - 2>/dev/null", path);
    if ((p = popen(cmd, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), p) != NULL)
        for (const char *q = line; (q = strstr(q, "frame ")) != NULL; q += 6)
            n++;
    if (pclose(p) != 0)
        return -1;
    return n;
}

/* 1 if the PDF at @path scans back to exactly @pkg. */
static int scans_back(const char *path, const uint8_t *pkg, size_t len)
{
    uint8_t *got = NULL;
    size_t n = 0;
    int ok;

    ok = ferry_qr_read(FERRY_MEDIUM_IMAGES, path, &got, &n) == FERRY_OK && n == len &&
         memcmp(got, pkg, len) == 0;
    free(got);
    return ok;
}

int bench_pdf_row(const uint8_t *pkg, size_t len, int version, char ecc, int parity,
                  struct bench_pdf *out)
{
    struct ferry_qrseq_params par = {version, ecc, parity};
    struct ferry_qr_opts o;
    struct ferry_qrseq *s = NULL;
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    int fd, level = ferry_log_get_level();

    memset(out, 0, sizeof(*out));
    snprintf(path, sizeof(path), "%s/ferry-bench-XXXXXX.pdf", tmp && *tmp ? tmp : "/tmp");
    if ((fd = mkstemps(path, 4)) < 0)
        return -1;
    close(fd);
    ferry_qr_opts_default(&o);
    o.version = version;
    o.ecc = ecc;
    o.parity_pct = parity;
    o.label = "bench";
    if (ferry_qrseq_encode(pkg, len, FERRY_QR_PACKAGE, &par, &s) != FERRY_OK)
        goto fail;
    out->k = ferry_qrseq_k(s);
    out->n = ferry_qrseq_count(s);
    out->message = ferry_qrseq_message_len(s);
    ferry_log_set_level(FERRY_LOG_ERROR);
    if (ferry_qr_write(FERRY_MEDIUM_PDF, path, pkg, len, &o) != FERRY_OK) {
        ferry_log_set_level(level);
        goto fail;
    }
    out->pages = pdfinfo_pages(path);
    out->per_page = first_page_codes(path);
    out->scanned = scans_back(path, pkg, len);
    ferry_log_set_level(level);
    ferry_qrseq_free(s);
    unlink(path);
    return out->pages > 0 ? 0 : -1;
fail:
    fprintf(stderr, "ferry-bench: pdf v%d-%c: %s\n", version, ecc, ferry_err_detail());
    ferry_qrseq_free(s);
    unlink(path);
    return -1;
}
