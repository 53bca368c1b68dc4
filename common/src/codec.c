#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ferry/codec.h"
#include "ferry/testhook.h"

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

void ferry_sha256(const void *p, size_t n, uint8_t out[FERRY_SHA256_LEN])
{
    unsigned int ol = FERRY_SHA256_LEN;

    EVP_Digest(p, n, out, &ol, EVP_sha256(), NULL);
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

int ferry_ct_eq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

ferry_err ferry_random(uint8_t *p, size_t n)
{
    if (n > 0x7fffffff || RAND_bytes(p, (int)n) != 1)
        return ferry_err_openssl(FERRY_ERR_CRYPTO, "random number generator failed");
    return FERRY_OK;
}

void ferry_time_date(time_t t, char out[11])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void ferry_time_iso(time_t t, char out[21])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

ferry_err ferry_time_parse(const char *s, time_t *out)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    size_t len = strlen(s);

    memset(&tm, 0, sizeof(tm));
    if (len < 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return FERRY_ERR_FORMAT;
    s += 10;
    if (*s == 'T' || *s == ' ') {
        if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
            return FERRY_ERR_FORMAT;
        s += 6;
        if (*s == ':') {
            if (sscanf(s + 1, "%2d%n", &sec, &n) != 1 || n != 2)
                return FERRY_ERR_FORMAT;
            s += 3;
        }
    }
    if (*s == 'Z')
        s++;
    if (*s != '\0' || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
        return FERRY_ERR_FORMAT;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = timegm(&tm);
    /* timegm rolls 2026-02-31 into March: refuse dates that do not exist */
    gmtime_r(out, &tm);
    if (tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
        return FERRY_ERR_FORMAT;
    return FERRY_OK;
}

time_t ferry_now(void)
{
    const char *e = ferry_testhook_get("FERRY_NOW");
    char *end;
    long long v;

    if (e != NULL && *e != '\0') {
        v = strtoll(e, &end, 10);
        if (*end == '\0')
            return (time_t)v;
    }
    return time(NULL);
}

long long ferry_days_until(time_t t, time_t now)
{
    long long d = (long long)t - (long long)now;

    return d >= 0 ? (d + 43200) / 86400 : -((-d + 43200) / 86400);
}
