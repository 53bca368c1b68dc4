/* ferry-bench: QR sequence figures as markdown tables on stdout — payload per frame, frames for
 * a 20 KB package, encode/decode time per frame, frames shown until decode under random loss
 * with the ferry_qrseq_schedule() loop, A4 pages per package, and the targets with
 * "target met?" (a miss is printed, never hidden). Usage: ferry-bench [--seeds N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "ferry/codec.h"
#include "ferry/qrseq.h"
#include "../media/src/qr_int.h" /* ferry_qr_raster / ferry_qr_png_encode: the PNG writer's */

#define PKG_SIZE 20000

/* The targets, filled in by the tables and printed together at the end. */
static struct {
    double enc_ms, dec_ms, dec_pipe_ms;           /* v25-L: encode, camera decode, image decode */
    size_t shown_med, shown_p90, k, exact, seeds; /* v25-L parity 50, 20 % loss */
    double page_net, page_pkg; /* best full-page net bytes (>= 30 % tolerated), its package's */
    int page_version;
    char page_ecc;
} tg;

static const char *met(int ok)
{
    return ok ? "yes" : "**NO**";
}

static const int versions[] = {10, 15, 20, 25, 30, 40};
static const char levels[] = "LMQ";

double bench_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t bench_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

QRecLevel bench_level(char ecc)
{
    return ecc == 'L'   ? QR_ECLEVEL_L
           : ecc == 'M' ? QR_ECLEVEL_M
           : ecc == 'Q' ? QR_ECLEVEL_Q
                        : QR_ECLEVEL_H;
}

/* A package-like 20 KB blob: base64 of random bytes, as the payload inside a real package. */
static uint8_t *make_pkg(void)
{
    uint8_t raw[PKG_SIZE], *out = malloc(PKG_SIZE);
    char *b64 = NULL;
    uint64_t s = 0x5eed;

    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)bench_rng(&s);
    if (out == NULL || ferry_b64_encode(raw, sizeof(raw), &b64) != FERRY_OK) {
        free(out);
        return NULL;
    }
    memcpy(out, b64, PKG_SIZE);
    free(b64);
    return out;
}

static struct ferry_qrseq *encode(const uint8_t *pkg, int v, char ecc, int pct)
{
    struct ferry_qrseq_params p = {v, ecc, pct};
    struct ferry_qrseq *s = NULL;

    if (ferry_qrseq_encode(pkg, PKG_SIZE, FERRY_QR_PACKAGE, &p, &s) != FERRY_OK)
        fprintf(stderr, "ferry-bench: encode v%d-%c: %s\n", v, ecc, ferry_err_detail());
    return s;
}

static void table_payload(const uint8_t *pkg)
{
    printf("## Payload bytes per frame (Base32 in alphanumeric mode, header <= 38 chars)\n\n");
    printf("| version | L | M | Q |\n|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        printf("| %d | %zu | %zu | %zu |\n", versions[i], ferry_qrseq_frame_bytes(versions[i], 'L'),
               ferry_qrseq_frame_bytes(versions[i], 'M'),
               ferry_qrseq_frame_bytes(versions[i], 'Q'));
    printf("\n## Frames for a 20 KB package (base64 of random bytes; zlib message)\n\n");
    printf("| version-ECC | message bytes | K data frames | blocks | frames at parity 50 %% |\n");
    printf("|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        for (const char *l = levels; *l; l++) {
            struct ferry_qrseq *s = encode(pkg, versions[i], *l, 50);

            if (s == NULL)
                continue;
            printf("| %d-%c | %zu | %zu | %zu | %zu |\n", versions[i], *l,
                   ferry_qrseq_message_len(s), ferry_qrseq_k(s), ferry_qrseq_blocks(s),
                   ferry_qrseq_count(s));
            ferry_qrseq_free(s);
        }
    }
    printf("\n");
}

/* Mean ms to rasterise one frame at the PNG default module size and encode it as PNG. */
static double png_ms(const struct ferry_qrseq *s, int v, char ecc, size_t reps)
{
    double t0 = bench_now_ms();

    for (size_t i = 0; i < reps; i++) {
        struct ferry_qr_gray g = {0, 0, NULL};
        uint8_t *png = NULL;
        size_t n = 0;

        if (ferry_qr_raster(ferry_qrseq_frame(s, i), v, ecc, FERRY_QR_PNG_MODULE_PX, &g) ==
            FERRY_OK)
            (void)ferry_qr_png_encode(&g, &png, &n);
        free(png);
        ferry_qr_gray_free(&g);
    }
    return (bench_now_ms() - t0) / (double)reps;
}

static void print_ms(double ms)
{
    if (ms < 0)
        printf(" not read back |");
    else
        printf(" %.1f |", ms);
}

static void row_timing(const uint8_t *pkg, int v, char ecc)
{
    double t0 = bench_now_ms(), t_seq, t_qr, t_png, z[3];
    struct ferry_qrseq *s = NULL;
    size_t n, reps;
    int mod = 0;

    for (int i = 0; i < 5; i++) { /* mean of 5 encodes */
        ferry_qrseq_free(s);
        if ((s = encode(pkg, v, ecc, 50)) == NULL)
            return;
    }
    t_seq = (bench_now_ms() - t0) / 5 / (double)ferry_qrseq_count(s);
    n = ferry_qrseq_count(s);
    reps = n < 20 ? n : 20;
    t0 = bench_now_ms();
    for (size_t i = 0; i < reps; i++)
        QRcode_free(
            QRcode_encodeString(ferry_qrseq_frame(s, i), v, bench_level(ecc), QR_MODE_8, 1));
    t_qr = (bench_now_ms() - t0) / (double)reps;
    t_png = png_ms(s, v, ecc, reps < 5 ? reps : 5);
    for (int m = 0; m < 3; m++)
        z[m] = bench_zbar_ms(ferry_qrseq_frame(s, 0), v, ecc, 9, (enum bench_scan)m, &mod);
    printf("| %d-%c | %.3f | %.2f | %.2f | %s |", v, ecc, t_seq, t_qr, t_png,
           met(t_seq + t_qr <= 5.0));
    for (int m = 0; m < 3; m++)
        print_ms(z[m]);
    printf(" %s | %d |\n", met(z[0] >= 0 && z[0] <= 60.0), mod);
    if (v == 25 && ecc == 'L') {
        tg.enc_ms = t_seq + t_qr;
        tg.dec_ms = z[0];
        tg.dec_pipe_ms = z[2];
    }
    ferry_qrseq_free(s);
}

static void table_timing(const uint8_t *pkg)
{
    printf("## Time per frame (20 KB package, parity 50 %%)\n\n");
    printf("Encode = frame text (zlib + Reed-Solomon + Base32, amortised) + QRcode_encodeString; "
           "target <= 5 ms. PNG = rasterise at %d px/module + libpng, for reference. Decode: "
           "median of 9 scans of one code centred in a 1280x720 grey frame at the largest "
           "whole module size; "
           "*quick* = ferry_qr_scan_gray quick (one raw zbar pass scanning every other line, "
           "ZBAR_CFG_X/Y_DENSITY 2: what the camera path and the first sweep of images run); "
           "*density 1* = raw zbar scanning every line (zbar's default); *thorough* = "
           "ferry_qr_scan_gray thorough (raw, 3x3 blur, 5x5 blur, adaptive threshold, every "
           "line: the second sweep, only for images the quick sweep left incomplete). Target: "
           "decode <= 60 ms (quick).\n\n",
           FERRY_QR_PNG_MODULE_PX);
    printf("| version-ECC | frame text ms | QR encode ms | PNG ms | encode <= 5 ms? "
           "| decode ms, quick | decode ms, density 1 | decode ms, thorough "
           "| decode <= 60 ms? | px/module |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        row_timing(pkg, versions[i], 'L');
        row_timing(pkg, versions[i], 'M');
    }
    printf("\n");
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* One receiver from step 0: frames shown until complete, and distinct frames received. */
static size_t run_once(const struct ferry_qrseq *s, double loss, uint64_t *rng, size_t *distinct)
{
    struct ferry_qrdec *d = NULL;
    size_t step = 0, n = ferry_qrseq_count(s);
    enum ferry_qr_status st;

    *distinct = 0;
    if (ferry_qrdec_new(NULL, &d) != FERRY_OK)
        return 0;
    while (!ferry_qrdec_complete(d) && step < 100 * n) {
        const char *f = ferry_qrseq_frame(s, ferry_qrseq_schedule(s, step++));

        if ((double)(bench_rng(rng) % 1000000) / 1e6 < loss)
            continue;
        if (ferry_qrdec_add(d, f, strlen(f), &st) == FERRY_OK && st == FERRY_QR_NEW)
            (*distinct)++;
    }
    ferry_qrdec_free(d);
    return step;
}

static void row_shown(const uint8_t *pkg, int v, char ecc, int pct, int seeds)
{
    static const double losses[] = {0, 0.10, 0.20, 0.30};
    struct ferry_qrseq *s = encode(pkg, v, ecc, pct);
    size_t *shown = calloc((size_t)seeds, sizeof(*shown)), k, exact, med, p90;

    if (s == NULL || shown == NULL)
        goto out;
    k = ferry_qrseq_k(s);
    for (size_t l = 0; l < sizeof(losses) / sizeof(losses[0]); l++) {
        exact = 0;
        for (int i = 0; i < seeds; i++) {
            uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
            size_t distinct;

            shown[i] = run_once(s, losses[l], &rng, &distinct);
            exact += distinct == k;
        }
        qsort(shown, (size_t)seeds, sizeof(*shown), cmp_size);
        med = shown[seeds / 2];
        p90 = shown[seeds * 9 / 10];
        printf("| %d-%c | %d | %zu | %zu | %.0f %% | %zu (%.2f K) | %zu (%.2f K) | %zu/%d | %s |",
               v, ecc, pct, k, ferry_qrseq_count(s), losses[l] * 100, med, (double)med / (double)k,
               p90, (double)p90 / (double)k, exact, seeds, met(exact == (size_t)seeds));
        if (losses[l] == 0.20)
            printf(" %s |\n", met(med * 100 <= 130 * k && p90 * 100 <= 145 * k));
        else
            printf(" |\n");
        if (v == 25 && ecc == 'L' && pct == 50 && losses[l] == 0.20) {
            tg.shown_med = med;
            tg.shown_p90 = p90;
            tg.k = k;
            tg.exact = exact;
            tg.seeds = (size_t)seeds;
        }
    }
out:
    free(shown);
    ferry_qrseq_free(s);
}

static void table_shown(const uint8_t *pkg, int seeds)
{
    printf("## Frames shown until decode (20 KB package, loop = ferry_qrseq_schedule, receiver "
           "starts at step 0, independent random loss, %d seeds)\n\n",
           seeds);
    printf("Targets: received until decode = K exactly (every run); at 20 %% loss shown <= 1.3 K "
           "median and <= 1.45 K p90. The 300 %%/0 %% rows are baselines.\n\n");
    printf("| version-ECC | parity %% | K | frames in loop | loss | shown median | shown p90 "
           "| runs with received == K | received == K? | 20 %% target met? |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n");
    row_shown(pkg, 15, 'M', 0, seeds); /* baseline: data-only loop */
    row_shown(pkg, 15, 'M', 50, seeds);
    row_shown(pkg, 15, 'M', 100, seeds);
    row_shown(pkg, 25, 'L', 50, seeds);
    row_shown(pkg, 25, 'L', 100, seeds);
    row_shown(pkg, 10, 'M', 50, seeds);
    printf("\n");
}

static void row_pdf(const uint8_t *pkg, int v, char ecc, int parity, const char *note)
{
    struct bench_pdf b;
    double tol, net, full;

    if (bench_pdf_row(pkg, PKG_SIZE, v, ecc, parity, &b) != 0) {
        printf("| %d-%c | %d | - | - | - | - | failed | - | - | - | - | - | %s |\n", v, ecc, parity,
               note);
        return;
    }
    tol = (double)(b.n - b.k) / (double)b.n;
    net = (double)b.message / b.pages;
    /* a full page: its codes times the payload per code, less the parity share */
    full = (double)b.per_page * (double)ferry_qrseq_frame_bytes(v, ecc) * (double)b.k / (double)b.n;
    printf("| %d-%c | %d | %zu | %zu | %.0f %% | %d | %d | %.0f | %.0f | %.0f | %s | %s | %s |\n",
           v, ecc, parity, b.k, b.n, tol * 100, b.per_page, b.pages, (double)PKG_SIZE / b.pages,
           net, full, b.scanned ? "yes" : "**NO**", met(tol >= 0.299 && full >= 6000), note);
    if (tol >= 0.299 && b.scanned && full > tg.page_net) {
        tg.page_net = full;
        tg.page_pkg = net;
        tg.page_version = v;
        tg.page_ecc = ecc;
    }
}

static void table_pdf(const uint8_t *pkg)
{
    printf("## A4 pages for a 20 KB package (ferry_qr_write to a PDF, pages counted by pdfinfo, "
           "codes per page by pdftotext, scanned back with ferry_qr_read: pdftoppm 150 dpi + the "
           "receiver pipeline)\n\n");
    printf("Net = zlib message bytes the codes carry, after parity. *This package* divides the "
           "message by its pages (the last page may be part-filled); *full page* = codes per "
           "page x payload per code x K / N. Target: >= 6 KB net per page while the parity "
           "tolerates 30 %% lost codes ((N - K) / N >= 30 %%), judged on the full page.\n\n");
    printf("| version-ECC | parity %% | K | codes N | codes lost tolerated | codes/page | pages "
           "| package bytes/page | net bytes/page, this package | net bytes/page, full page "
           "| scanned back? | >= 6 KB/page at 30 %%? | note |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    row_pdf(pkg, FERRY_QR_PDF_VERSION, FERRY_QR_PDF_ECC, FERRY_QR_PDF_PARITY, "paper default");
    row_pdf(pkg, 25, 'M', FERRY_QR_PDF_PARITY, "runbook layout (v25-M)");
    row_pdf(pkg, 30, 'M', FERRY_QR_PDF_PARITY, "");
    row_pdf(pkg, 40, 'M', FERRY_QR_PDF_PARITY, "");
    row_pdf(pkg, 40, 'L', FERRY_QR_PDF_PARITY, "");
    printf("\n");
}

static void table_targets(void)
{
    size_t fb = ferry_qrseq_frame_bytes(25, 'L');

    printf("## Targets (issue) on this machine\n\n| target | measured | met? |\n|---|---|---|\n");
    printf("| >= 1,100 payload bytes per v25-L frame | %zu | %s |\n", fb, met(fb >= 1100));
    printf("| received until decode = K exactly (v25-L, parity 50, 20 %% loss) | %zu/%zu runs "
           "| %s |\n",
           tg.exact, tg.seeds, met(tg.seeds > 0 && tg.exact == tg.seeds));
    printf("| shown at 20 %% loss <= 1.3 K median (v25-L, parity 50) | %.2f K | %s |\n",
           tg.k ? (double)tg.shown_med / (double)tg.k : 0,
           met(tg.k && tg.shown_med * 100 <= 130 * tg.k));
    printf("| shown at 20 %% loss <= 1.45 K p90 (v25-L, parity 50) | %.2f K | %s |\n",
           tg.k ? (double)tg.shown_p90 / (double)tg.k : 0,
           met(tg.k && tg.shown_p90 * 100 <= 145 * tg.k));
    printf("| encode <= 5 ms per frame (v25-L, text + QR symbol) | %.2f ms | %s |\n", tg.enc_ms,
           met(tg.enc_ms <= 5.0));
    printf("| decode <= 60 ms per 1280x720 frame (v25-L, quick: camera, first sweep) "
           "| %.1f ms | %s |\n",
           tg.dec_ms, met(tg.dec_ms >= 0 && tg.dec_ms <= 60.0));
    printf("| (same, thorough second sweep: four passes) | %.1f ms | %s |\n", tg.dec_pipe_ms,
           met(tg.dec_pipe_ms >= 0 && tg.dec_pipe_ms <= 60.0));
    printf("| >= 6 KB net per A4 page tolerating 30 %% lost codes (best: v%d-%c) | %.0f B per "
           "full page (%.0f B/page for the 20 KB package) | %s |\n\n",
           tg.page_version, tg.page_ecc ? tg.page_ecc : '-', tg.page_net, tg.page_pkg,
           met(tg.page_net >= 6000));
}

int main(int argc, char **argv)
{
    int seeds = 200;
    uint8_t *pkg;

    if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
        seeds = (int)strtol(argv[2], NULL, 10);
    else if (argc != 1) {
        fprintf(stderr, "usage: ferry-bench [--seeds N]\n");
        return 2;
    }
    if (seeds < 10 || seeds > 100000 || (pkg = make_pkg()) == NULL) {
        fprintf(stderr, "ferry-bench: --seeds must be 10..100000\n");
        return 2;
    }
    printf("# ferry-bench: QR sequences\n\n");
    table_payload(pkg);
    table_timing(pkg);
    table_shown(pkg, seeds);
    table_pdf(pkg);
    table_targets();
    free(pkg);
    return 0;
}
