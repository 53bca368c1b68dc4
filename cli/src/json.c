#include <stdio.h>
#include <string.h>

#include "ferry/hex.h"
#include "ferry/json.h"
#include "ferry/safetext.h"

#define JSON_MAX (16u << 20)

void ferry_json_init(struct ferry_json *j)
{
    memset(j, 0, sizeof(*j));
    ferry_buf_init(&j->out, JSON_MAX);
    j->err = ferry_buf_puts(&j->out, "{");
    j->first[0] = 1;
}

ferry_err ferry_json_quote(struct ferry_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    ferry_err r;

    if ((r = ferry_buf_puts(b, "\"")) != FERRY_OK)
        return r;
    for (; *p != '\0' && r == FERRY_OK; p++) {
        switch (*p) {
        case '"': r = ferry_buf_puts(b, "\\\""); break;
        case '\\': r = ferry_buf_puts(b, "\\\\"); break;
        case '\n': r = ferry_buf_puts(b, "\\n"); break;
        case '\r': r = ferry_buf_puts(b, "\\r"); break;
        case '\t': r = ferry_buf_puts(b, "\\t"); break;
        case '\b': r = ferry_buf_puts(b, "\\b"); break;
        case '\f': r = ferry_buf_puts(b, "\\f"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                r = ferry_buf_printf(b, "\\u%04x", *p);
            } else if (*p >= 0x80) {
                /* C1 and bidi controls escaped; bytes that are not UTF-8 become U+FFFD */
                unsigned cp;
                size_t k = ferry_utf8_next(p, strlen((const char *)p), &cp);
                if (k == 0)
                    r = ferry_buf_puts(b, "\\ufffd");
                else if (ferry_text_unsafe(cp))
                    r = ferry_buf_printf(b, "\\u%04x", cp);
                else
                    r = ferry_buf_append(b, p, k);
                if (k > 1)
                    p += k - 1;
            } else {
                r = ferry_buf_append(b, p, 1);
            }
        }
    }
    if (r == FERRY_OK)
        r = ferry_buf_puts(b, "\"");
    return r;
}

static void sep(struct ferry_json *j, const char *key)
{
    if (j->err != FERRY_OK)
        return;
    if (!j->first[j->depth])
        j->err = ferry_buf_puts(&j->out, ",");
    j->first[j->depth] = 0;
    if (key != NULL && j->err == FERRY_OK) {
        j->err = ferry_json_quote(&j->out, key);
        if (j->err == FERRY_OK)
            j->err = ferry_buf_puts(&j->out, ":");
    }
}

void ferry_json_str(struct ferry_json *j, const char *key, const char *val)
{
    sep(j, key);
    if (j->err == FERRY_OK)
        j->err = val == NULL ? ferry_buf_puts(&j->out, "null") : ferry_json_quote(&j->out, val);
}

void ferry_json_hex(struct ferry_json *j, const char *key, const uint8_t *p, size_t n)
{
    char hex[2 * 64 + 1];

    if (n > 64) { /* SHA-512 at most */
        if (j->err == FERRY_OK)
            j->err = FERRY_ERR_INTERNAL;
        return;
    }
    ferry_hex(p, n, hex);
    ferry_json_str(j, key, hex);
}

void ferry_json_hex_text(struct ferry_json *j, const char *key, const char *text)
{
    char hex[2 * 64 + 1];
    size_t n = 0;

    for (; text != NULL && *text != '\0'; text++) {
        if (*text == ' ' || *text == ':')
            continue;
        if (n + 1 >= sizeof(hex) ||
            !((*text >= '0' && *text <= '9') || (*text >= 'a' && *text <= 'f') ||
              (*text >= 'A' && *text <= 'F'))) {
            if (j->err == FERRY_OK)
                j->err = FERRY_ERR_INTERNAL; /* not a digest: a caller's mistake */
            return;
        }
        hex[n++] = (char)(*text >= 'A' && *text <= 'F' ? *text - 'A' + 'a' : *text);
    }
    hex[n] = '\0';
    ferry_json_str(j, key, n > 0 ? hex : NULL);
}

void ferry_json_int(struct ferry_json *j, const char *key, long long val)
{
    sep(j, key);
    if (j->err == FERRY_OK)
        j->err = ferry_buf_printf(&j->out, "%lld", val);
}

void ferry_json_bool(struct ferry_json *j, const char *key, int val)
{
    sep(j, key);
    if (j->err == FERRY_OK)
        j->err = ferry_buf_puts(&j->out, val ? "true" : "false");
}

static void open_(struct ferry_json *j, const char *key, const char *br)
{
    sep(j, key);
    if (j->err != FERRY_OK)
        return;
    if (j->depth + 1 >= FERRY_JSON_MAX_DEPTH) {
        j->err = FERRY_ERR_INTERNAL;
        return;
    }
    j->err = ferry_buf_puts(&j->out, br);
    j->first[++j->depth] = 1;
}

static void close_(struct ferry_json *j, const char *br)
{
    if (j->err != FERRY_OK)
        return;
    if (j->depth == 0) {
        j->err = FERRY_ERR_INTERNAL;
        return;
    }
    j->depth--;
    j->err = ferry_buf_puts(&j->out, br);
}

void ferry_json_obj_begin(struct ferry_json *j, const char *key)
{
    open_(j, key, "{");
}
void ferry_json_obj_end(struct ferry_json *j)
{
    close_(j, "}");
}
void ferry_json_arr_begin(struct ferry_json *j, const char *key)
{
    open_(j, key, "[");
}
void ferry_json_arr_end(struct ferry_json *j)
{
    close_(j, "]");
}

ferry_err ferry_json_print(struct ferry_json *j, FILE *f)
{
    ferry_err r = j->err;

    if (r == FERRY_OK && j->depth != 0)
        r = FERRY_ERR_INTERNAL;
    if (r == FERRY_OK)
        r = ferry_buf_puts(&j->out, "}\n");
    if (r == FERRY_OK && fwrite(j->out.data, 1, j->out.len, f) != j->out.len)
        r = FERRY_ERR_IO;
    if (r == FERRY_OK && fflush(f) != 0)
        r = FERRY_ERR_IO;
    ferry_buf_free(&j->out);
    return r;
}

void ferry_json_free(struct ferry_json *j)
{
    ferry_buf_free(&j->out);
}
