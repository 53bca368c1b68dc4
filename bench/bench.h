/* ferry-bench internals shared by the files in bench/. */
#ifndef FERRY_BENCH_H
#define FERRY_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <qrencode.h>

double bench_now_ms(void);
uint64_t bench_rng(uint64_t *s);
QRecLevel bench_level(char ecc);

/**
 * Renders @text as a QR code (version/ecc) centred in a 1280x720 8-bit grey frame with the
 * largest whole module size that fits, scans it with zbar @reps times and returns the mean ms
 * per scan (-1 if zbar did not read back @text). *module_px receives the module size.
 */
double bench_zbar_ms(const char *text, int version, char ecc, int reps, int *module_px);

#endif
