/* ferry — text from outside (service messages, file names, manifest fields) made safe for a
 * terminal: no control character, no C1 control, no bidirectional override reaches it. */
#include <stdio.h>
#include <string.h>

#include "ferry/safetext.h"

#define SAFE_SLOTS 8
#define SAFE_SLOT  2048

size_t ferry_utf8_next(const unsigned char *p, size_t n, unsigned *cp)
{
    unsigned c = p[0], v;
    size_t len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
        (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

int ferry_text_unsafe(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *ferry_text_safe(const char *in, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)(in != NULL ? in : "");
    size_t n = strlen((const char *)p), o = 0, k;
    char esc[12];
    unsigned cp;

    if (cap == 0)
        return out;
    while (n > 0) {
        if ((k = ferry_utf8_next(p, n, &cp)) == 0) {
            snprintf(esc, sizeof(esc), "\\x%02x", p[0]);
            k = 1;
        } else if (ferry_text_unsafe(cp)) {
            snprintf(esc, sizeof(esc), cp < 0x80 ? "\\x%02x" : "\\u%04x", cp);
        } else {
            if (o + k + 1 > cap)
                break;
            memcpy(out + o, p, k);
            o += k;
            p += k;
            n -= k;
            continue;
        }
        if (o + strlen(esc) + 1 > cap)
            break;
        memcpy(out + o, esc, strlen(esc));
        o += strlen(esc);
        p += k;
        n -= k;
    }
    out[o] = '\0';
    return out;
}

const char *ferry_safe(const char *in)
{
    static __thread char slot[SAFE_SLOTS][SAFE_SLOT];
    static __thread unsigned next;
    char *out = slot[next++ % SAFE_SLOTS];

    return ferry_text_safe(in, out, SAFE_SLOT);
}
