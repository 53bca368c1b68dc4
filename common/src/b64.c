/* ferry — base64 (RFC 4648). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ferry/b64.h"

ferry_err ferry_b64_encode(const uint8_t *p, size_t n, char **out)
{
    size_t olen;

    *out = NULL;
    if (n > (SIZE_MAX / 4) * 3 - 3 || n > 0x7fffffff / 4 * 3)
        return FERRY_ERR_TOO_LARGE;
    olen = 4 * ((n + 2) / 3) + 1;
    if ((*out = malloc(olen)) == NULL)
        return FERRY_ERR_NOMEM;
    EVP_EncodeBlock((unsigned char *)*out, p, (int)n);
    return FERRY_OK;
}

static int b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

ferry_err ferry_b64_decode(const char *s, size_t n, size_t max, uint8_t **out, size_t *outlen)
{
    uint8_t *o = NULL;
    size_t i, cap, ol = 0, pad = 0, q = 0;
    uint32_t acc = 0;
    int v;

    *out = NULL;
    *outlen = 0;
    cap = n / 4 * 3 + 3;
    if (cap > max + 3)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "base64 data larger than %zu bytes", max);
    if ((o = malloc(cap + 1)) == NULL)
        return FERRY_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0 || (v = b64_val(c)) < 0)
            goto bad;
        acc = (acc << 6) | (uint32_t)v;
        if (++q == 4) {
            o[ol++] = (uint8_t)(acc >> 16);
            o[ol++] = (uint8_t)(acc >> 8);
            o[ol++] = (uint8_t)acc;
            q = 0;
            acc = 0;
        }
    }
    if (q == 1 || (q == 0 && pad != 0) || (q > 0 && pad != 4 - q && pad != 0))
        goto bad;
    if (q == 2) {
        if (acc & 0xf)
            goto bad;
        o[ol++] = (uint8_t)(acc >> 4);
    } else if (q == 3) {
        if (acc & 0x3)
            goto bad;
        o[ol++] = (uint8_t)(acc >> 10);
        o[ol++] = (uint8_t)(acc >> 2);
    }
    if (ol > max) {
        free(o);
        return ferry_errf(FERRY_ERR_TOO_LARGE, "base64 data larger than %zu bytes", max);
    }
    o[ol] = 0;
    *out = o;
    *outlen = ol;
    return FERRY_OK;
bad:
    free(o);
    return ferry_errf(FERRY_ERR_FORMAT, "invalid base64");
}
