/* ferry — base64 (RFC 4648). */
#ifndef FERRY_B64_H
#define FERRY_B64_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

/** Base64 (RFC 4648, no line breaks) of @n bytes into a new NUL-terminated string. */
ferry_err ferry_b64_encode(const uint8_t *p, size_t n, char **out);

/**
 * Decodes base64, ignoring ASCII white space; strict otherwise (bad characters, bad padding ->
 * FERRY_ERR_FORMAT). Output capped at @max bytes (FERRY_ERR_TOO_LARGE). Caller frees *out.
 */
ferry_err ferry_b64_decode(const char *s, size_t n, size_t max, uint8_t **out, size_t *outlen);

#endif
