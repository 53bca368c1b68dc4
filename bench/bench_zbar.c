/* ferry-bench: zbar decode time of one QR frame in a 1280x720 grey image: ferry's quick scan
 * (one raw pass at density 2, as the camera path and the first sweep of images run it), raw zbar
 * at density 1 (zbar's default), and the receiver's thorough pipeline (ferry_qr_scan_gray: raw,
 * 3x3 and 5x5 box blur, adaptive threshold, every line). */
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "bench.h"
#include "../media/src/qr_int.h" /* ferry_qr_scan_gray: the receiver pipeline itself */

#define FRAME_W 1280
#define FRAME_H 720

static uint8_t *render(const QRcode *c, int *module_px)
{
    int quiet = 4, mod = FRAME_H / (c->width + 2 * quiet);
    int side = c->width * mod, x0 = (FRAME_W - side) / 2, y0 = (FRAME_H - side) / 2;
    uint8_t *img = malloc((size_t)FRAME_W * FRAME_H);

    if (img == NULL || mod < 1) {
        free(img);
        return NULL;
    }
    memset(img, 0xff, (size_t)FRAME_W * FRAME_H);
    for (int y = 0; y < c->width; y++)
        for (int x = 0; x < c->width; x++)
            if (c->data[y * c->width + x] & 1)
                for (int dy = 0; dy < mod; dy++)
                    memset(img + (size_t)(y0 + y * mod + dy) * FRAME_W + x0 + x * mod, 0,
                           (size_t)mod);
    *module_px = mod;
    return img;
}

static int scan_once(zbar_image_scanner_t *sc, const uint8_t *img, const char *text)
{
    zbar_image_t *zi = zbar_image_create();
    const zbar_symbol_t *sym;
    int ok = 0;

    zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zi, FRAME_W, FRAME_H);
    zbar_image_set_data(zi, img, (unsigned long)FRAME_W * FRAME_H, NULL);
    if (zbar_scan_image(sc, zi) > 0)
        for (sym = zbar_image_first_symbol(zi); sym; sym = zbar_symbol_next(sym))
            if (zbar_symbol_get_data_length(sym) == strlen(text) &&
                memcmp(zbar_symbol_get_data(sym), text, strlen(text)) == 0)
                ok = 1;
    zbar_image_destroy(zi);
    return ok;
}

struct want {
    const char *text;
    int ok;
};

static int match_cb(void *ctx, const char *text, size_t len)
{
    struct want *w = ctx;

    if (len == strlen(w->text) && memcmp(text, w->text, len) == 0)
        w->ok = 1;
    return 0;
}

/* One scan through ferry's receiver pipeline. */
static int scan_pipeline(struct ferry_qr_scanner *fs, uint8_t *img, const char *text)
{
    struct ferry_qr_gray g = {FRAME_W, FRAME_H, img};
    struct want w = {text, 0};

    return ferry_qr_scan_gray(fs, &g, match_cb, &w, NULL) == FERRY_OK && w.ok;
}

static zbar_image_scanner_t *raw_scanner(int density)
{
    zbar_image_scanner_t *sc = zbar_image_scanner_create();

    if (sc == NULL)
        return NULL;
    zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
    /* density is scanner-wide: set for symbology 0, else zbar ignores it */
    zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_X_DENSITY, density);
    zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, density);
    return sc;
}

double bench_zbar_ms(const char *text, int version, char ecc, int reps, enum bench_scan mode,
                     int *module_px)
{
    QRcode *c = QRcode_encodeString(text, version, bench_level(ecc), QR_MODE_8, 1);
    zbar_image_scanner_t *sc = NULL;
    struct ferry_qr_scanner *fs = NULL;
    uint8_t *img = NULL;
    double t0, ms = -1, t[BENCH_MAX_REPS];
    int ok = 1;

    if (c == NULL || (img = render(c, module_px)) == NULL)
        goto out;
    if (mode != BENCH_SCAN_DENSITY1 ? ferry_qr_scanner_new(&fs) != FERRY_OK
                                    : (sc = raw_scanner(1)) == NULL)
        goto out;
    if (fs != NULL)
        ferry_qr_scanner_set_thorough(fs, mode == BENCH_SCAN_PIPELINE);
    for (int i = 0; i < reps && i < BENCH_MAX_REPS; i++) {
        t0 = bench_now_ms();
        ok &= fs != NULL ? scan_pipeline(fs, img, text) : scan_once(sc, img, text);
        t[i] = bench_now_ms() - t0;
    }
    if (ok)
        ms = bench_median(t, reps < BENCH_MAX_REPS ? reps : BENCH_MAX_REPS);
out:
    free(img);
    if (sc != NULL)
        zbar_image_scanner_destroy(sc);
    ferry_qr_scanner_free(fs);
    QRcode_free(c);
    return ms;
}
