/* ferry — hex: plain (lower case) and in fingerprint groups. */
#ifndef FERRY_HEX_H
#define FERRY_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

/* "ABCD EF01 ..." : 16 groups of 4 hex digits for a SHA-256, separated by single spaces. */
#define FERRY_FP_GROUPS_LEN (64 + 15 + 1)

/** Lower-case hex of @n bytes into @out, which must hold 2n+1 chars. */
void ferry_hex(const uint8_t *p, size_t n, char *out);

/** Parses exactly @n bytes of hex (either case) from @s (2n chars, then NUL). FERRY_ERR_FORMAT. */
ferry_err ferry_hex_decode(const char *s, uint8_t *out, size_t n);

/** Upper-case hex in groups of four, space separated ("A531 2518 ..."); @out >= 5n/2 bytes. */
void ferry_hex_groups(const uint8_t *p, size_t n, char *out);

#endif
