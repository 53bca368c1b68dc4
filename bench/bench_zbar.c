/* ferry-bench: zbar decode time of one QR frame in a 1280x720 grey image. */
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "bench.h"

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

double bench_zbar_ms(const char *text, int version, char ecc, int reps, int *module_px)
{
    QRcode *c = QRcode_encodeString(text, version, bench_level(ecc), QR_MODE_8, 1);
    zbar_image_scanner_t *sc = zbar_image_scanner_create();
    uint8_t *img = NULL;
    double t0, ms = -1;
    int ok = 1;

    if (c == NULL || sc == NULL || (img = render(c, module_px)) == NULL)
        goto out;
    zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    t0 = bench_now_ms();
    for (int i = 0; i < reps; i++)
        ok &= scan_once(sc, img, text);
    if (ok)
        ms = (bench_now_ms() - t0) / reps;
out:
    free(img);
    if (sc != NULL)
        zbar_image_scanner_destroy(sc);
    QRcode_free(c);
    return ms;
}
