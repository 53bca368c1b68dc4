/* ferry — encodings, digests, fingerprints, times. */
#ifndef FERRY_CODEC_H
#define FERRY_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ferry/err.h"

#define FERRY_SHA256_LEN 32
/* "ABCD EF01 ..." : 16 groups of 4 hex digits for a SHA-256, separated by single spaces. */
#define FERRY_FP_GROUPS_LEN (64 + 15 + 1)

/** Base64 (RFC 4648, no line breaks) of @n bytes into a new NUL-terminated string. */
ferry_err ferry_b64_encode(const uint8_t *p, size_t n, char **out);

/**
 * Decodes base64, ignoring ASCII white space; strict otherwise (bad characters, bad padding ->
 * FERRY_ERR_FORMAT). Output capped at @max bytes (FERRY_ERR_TOO_LARGE). Caller frees *out.
 */
ferry_err ferry_b64_decode(const char *s, size_t n, size_t max, uint8_t **out, size_t *outlen);

/** Lower-case hex of @n bytes into @out, which must hold 2n+1 chars. */
void ferry_hex(const uint8_t *p, size_t n, char *out);

/** Parses exactly @n bytes of hex (either case) from @s (2n chars, then NUL). FERRY_ERR_FORMAT. */
ferry_err ferry_hex_decode(const char *s, uint8_t *out, size_t n);

/** SHA-256 of @n bytes. */
void ferry_sha256(const void *p, size_t n, uint8_t out[FERRY_SHA256_LEN]);

/** Upper-case hex in groups of four, space separated ("A531 2518 ..."); @out >= 5n/2 bytes. */
void ferry_hex_groups(const uint8_t *p, size_t n, char *out);

/** Constant-time equality of two @n-byte strings (CRYPTO_memcmp): 1 if equal. */
int ferry_ct_eq(const void *a, const void *b, size_t n);

/** Fills @p with @n random bytes. FERRY_ERR_CRYPTO on failure. */
ferry_err ferry_random(uint8_t *p, size_t n);

/** "YYYY-MM-DD" (UTC); @out holds 11 bytes. */
void ferry_time_date(time_t t, char out[11]);

/** "YYYY-MM-DDTHH:MM:SSZ" (UTC); @out holds 21 bytes. */
void ferry_time_iso(time_t t, char out[21]);

/**
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" with optional "Z" (UTC).
 * FERRY_ERR_FORMAT otherwise.
 */
ferry_err ferry_time_parse(const char *s, time_t *out);

/** Whole days from @now to @t, rounded to the nearest day (negative when past). */
long long ferry_days_until(time_t t, time_t now);

/**
 * Now; in a test build (FERRY_TEST_HOOKS), $FERRY_NOW (seconds since the epoch) when set:
 * tests pin the clock with it. A release build always reads the real clock.
 */
time_t ferry_now(void);

#endif
