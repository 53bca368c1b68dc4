/* ferry — hex: plain (lower case) and in fingerprint groups. */
#include <string.h>

#include "ferry/hex.h"

void ferry_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 0xf];
    }
    out[2 * n] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ferry_err ferry_hex_decode(const char *s, uint8_t *out, size_t n)
{
    size_t i;
    int hi, lo;

    if (strlen(s) != 2 * n)
        return FERRY_ERR_FORMAT;
    for (i = 0; i < n; i++) {
        if ((hi = hexval((unsigned char)s[2 * i])) < 0 ||
            (lo = hexval((unsigned char)s[2 * i + 1])) < 0)
            return FERRY_ERR_FORMAT;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return FERRY_OK;
}

void ferry_hex_groups(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        if (i > 0 && i % 2 == 0)
            out[o++] = ' ';
        out[o++] = hx[p[i] >> 4];
        out[o++] = hx[p[i] & 0xf];
    }
    out[o] = '\0';
}
