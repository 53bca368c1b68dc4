/* ferry-bench: QR sequence figures as markdown tables on stdout — payload per frame, frames for
 * a 20 KB package, encode/decode time per frame, frames shown until decode under random loss
 * with the ferry_qrseq_schedule() loop. Usage: ferry-bench [--seeds N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "ferry/codec.h"
#include "ferry/qrseq.h"

#define PKG_SIZE 20000

static const int versions[] = {10, 15, 20, 25, 30, 40};
static const char levels[] = "LMQ";

double bench_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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
    return ecc == 'L' ? QR_ECLEVEL_L : ecc == 'M' ? QR_ECLEVEL_M
         : ecc == 'Q' ? QR_ECLEVEL_Q : QR_ECLEVEL_H;
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
        printf("| %d | %zu | %zu | %zu |\n", versions[i],
               ferry_qrseq_frame_bytes(versions[i], 'L'), ferry_qrseq_frame_bytes(versions[i], 'M'),
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

static void row_timing(const uint8_t *pkg, int v, char ecc)
{
    double t0 = bench_now_ms(), t_seq, t_qr, t_zbar;
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
        QRcode_free(QRcode_encodeString(ferry_qrseq_frame(s, i), v, bench_level(ecc), QR_MODE_8,
                                        1));
    t_qr = (bench_now_ms() - t0) / (double)reps;
    t_zbar = bench_zbar_ms(ferry_qrseq_frame(s, 0), v, ecc, 5, &mod);
    if (t_zbar < 0)
        printf("| %d-%c | %.3f | %.2f | not read back | %d |\n", v, ecc, t_seq, t_qr, mod);
    else
        printf("| %d-%c | %.3f | %.2f | %.1f | %d |\n", v, ecc, t_seq, t_qr, t_zbar, mod);
    ferry_qrseq_free(s);
}

static void table_timing(const uint8_t *pkg)
{
    printf("## Time per frame (20 KB package, parity 50 %%)\n\n");
    printf("| version-ECC | frame text ms (zlib+RS+Base32) | QRcode_encodeString ms "
           "| zbar decode ms, 1280x720 | px/module |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        row_timing(pkg, versions[i], 'L');
        row_timing(pkg, versions[i], 'M');
    }
    printf("\nPDF pages per package: measured in test_qr / the qrimg branch "
           "(ferry_qr_draw_pages), not here yet.\n\n");
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
    size_t *shown = calloc((size_t)seeds, sizeof(*shown)), k, exact;

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
        printf("| %d-%c | %d | %zu | %zu | %.0f %% | %zu (%.2f K) | %zu (%.2f K) | %zu/%d |\n", v,
               ecc, pct, k, ferry_qrseq_count(s), losses[l] * 100, shown[seeds / 2],
               (double)shown[seeds / 2] / (double)k, shown[seeds * 9 / 10],
               (double)shown[seeds * 9 / 10] / (double)k, exact, seeds);
    }
out:
    free(shown);
    ferry_qrseq_free(s);
}

static void table_shown(const uint8_t *pkg, int seeds)
{
    printf("## Frames shown until decode (20 KB package, loop = ferry_qrseq_schedule, receiver "
           "starts at step 0, independent random loss, %d seeds)\n\n", seeds);
    printf("| version-ECC | parity %% | K | frames in loop | loss | shown median | shown p90 "
           "| runs with received == K |\n|---|---|---|---|---|---|---|---|\n");
    row_shown(pkg, 15, 'M', 0, seeds); /* baseline: data-only loop */
    row_shown(pkg, 15, 'M', 50, seeds);
    row_shown(pkg, 15, 'M', 100, seeds);
    row_shown(pkg, 25, 'L', 50, seeds);
    row_shown(pkg, 25, 'L', 100, seeds);
    row_shown(pkg, 10, 'M', 50, seeds);
    printf("\n");
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
    free(pkg);
    return 0;
}
