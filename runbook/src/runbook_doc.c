/* ferry — the runbook's document: the block list both renderers draw (rb_add), and the UTF-8
 * helpers and wrapping they measure text with. runbook.c fills it (runbook_steps.c writes the
 * steps); runbook_text.c and runbook_pdf.c only lay it out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "runbook_int.h"

size_t rb_u8len(const char *s)
{
    size_t n = 0;

    (void)rb_u8dec(s, &n);
    return n;
}

/* Strict decoder: overlong forms, surrogates and > U+10FFFF are invalid (returns 0xFFFD, len 1). */
unsigned long rb_u8dec(const char *str, size_t *len)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned long c, min;
    size_t n, i;

    *len = 1;
    if (s[0] < 0x80)
        return s[0];
    if ((s[0] & 0xE0) == 0xC0)
        n = 2, c = s[0] & 0x1F, min = 0x80;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, c = s[0] & 0x0F, min = 0x800;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, c = s[0] & 0x07, min = 0x10000;
    else
        return 0xFFFD;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0xFFFD;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0xFFFD;
    *len = n;
    return c;
}

static int is_wide(unsigned long c)
{
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
           (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

size_t rb_columns(const char *s, size_t n)
{
    size_t i = 0, cols = 0, l;
    unsigned long c;

    while (i < n) {
        c = rb_u8dec(s + i, &l);
        i += l;
        if (c >= 0x0300 && c <= 0x036F)
            continue;
        cols += is_wide(c) ? 2 : 1;
    }
    return cols;
}

/* Characters never printed as they are: controls, and bidi overrides that would let a name
 * display differently from its bytes. */
static int is_hidden(unsigned long c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0xFEFF;
}

/* Copies @s as printable, valid UTF-8: invalid bytes and hidden characters become U+FFFD,
 * white space becomes a plain space. */
ferry_err rb_sanitise(const char *s, char **out)
{
    struct ferry_buf b;
    ferry_err r = FERRY_OK;
    unsigned long c;
    size_t l;

    ferry_buf_init(&b, 4 * RB_MAX_VALUE + 4096);
    while (*s != '\0' && r == FERRY_OK) {
        c = rb_u8dec(s, &l);
        if (c == '\t' || c == '\n' || c == '\r')
            r = ferry_buf_puts(&b, " ");
        else if (is_hidden(c) || c == 0xFFFD) /* also every invalid byte */
            r = ferry_buf_puts(&b, "\xEF\xBF\xBD");
        else
            r = ferry_buf_append(&b, s, l);
        s += l;
    }
    if (r != FERRY_OK) {
        ferry_buf_free(&b);
        return r;
    }
    *out = (char *)ferry_buf_steal(&b, &l);
    return *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

/* ---- wrapping ---------------------------------------------------------------------------- */

/* End of the longest prefix of s[0..n) that fits @width and ends at a break; 0 if none. */
static size_t fit_break(const char *s, size_t n, double width, int mono, rb_measure_fn m, void *ctx)
{
    size_t i, best = 0;

    for (i = 1; i <= n; i++) {
        int brk = i == n || s[i] == ' ' || (mono && s[i - 1] == ':');
        if (!brk)
            continue;
        if (m(ctx, s, i, mono) > width)
            break;
        best = i;
    }
    return best;
}

/* Longest prefix of whole characters that fits, at least one character. */
static size_t fit_chars(const char *s, size_t n, double width, int mono, rb_measure_fn m, void *ctx)
{
    size_t i = rb_u8len(s), next;

    while (i < n) {
        next = i + rb_u8len(s + i);
        if (next > n || m(ctx, s, next, mono) > width)
            break;
        i = next;
    }
    return i;
}

static ferry_err wrap_greedy(const char *s, double width, int mono, rb_measure_fn m, void *ctx,
                             struct rb_span *lines, size_t max, size_t *n)
{
    size_t pos = 0, len = strlen(s), end;

    *n = 0;
    while (pos < len) {
        while (pos < len && s[pos] == ' ')
            pos++;
        if (pos == len)
            break;
        if ((end = fit_break(s + pos, len - pos, width, mono, m, ctx)) == 0)
            end = fit_chars(s + pos, len - pos, width, mono, m, ctx);
        if (*n == max)
            return FERRY_ERR_TOO_LARGE;
        lines[*n].off = pos;
        lines[*n].len = end;
        while (lines[*n].len > 0 && s[pos + lines[*n].len - 1] == ' ')
            lines[*n].len--;
        (*n)++;
        pos += end;
    }
    return FERRY_OK;
}

ferry_err rb_wrap(const char *s, double width, int mono, rb_measure_fn m, void *ctx,
                  struct rb_span **lines, size_t *n)
{
    size_t max = strlen(s) + 1, want, i;
    struct rb_span *l = NULL;
    ferry_err r = FERRY_ERR_INTERNAL;
    double w;

    *lines = NULL;
    *n = 0;
    if ((l = calloc(max, sizeof(*l))) == NULL)
        return FERRY_ERR_NOMEM;
    if ((r = wrap_greedy(s, width, mono, m, ctx, l, max, n)) != FERRY_OK)
        goto out;
    if (mono && *n > 1) {
        /* Balance: the narrowest width that still needs no more lines. */
        want = *n;
        for (i = 1; i <= 64; i++) {
            w = m(ctx, s, strlen(s), mono) / (double)want + width * (double)(i - 1) / 64.0;
            if (w > width)
                break;
            if ((r = wrap_greedy(s, w, mono, m, ctx, l, max, n)) != FERRY_OK)
                goto out;
            if (*n == want)
                break;
        }
        if (*n != want && (r = wrap_greedy(s, width, mono, m, ctx, l, max, n)) != FERRY_OK)
            goto out;
    }
    *lines = l;
    l = NULL;
    r = FERRY_OK;
out:
    free(l);
    return r;
}

/* ---- the block list ---------------------------------------------------------------------- */

void rb_doc_free(struct rb_doc *d)
{
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; i < d->n; i++) {
        free(d->b[i].key);
        free(d->b[i].text);
    }
    free(d->b);
    free(d->transfer_id);
    free(d->footer);
    ferry_qrseq_free(d->seq);
    free(d);
}

ferry_err rb_add(struct rb_doc *d, enum rb_kind kind, const char *key, const char *text, int mono,
                 int indent)
{
    struct rb_block *b;
    ferry_err r;

    if (d->n == RB_MAX_BLOCKS)
        return ferry_errf(FERRY_ERR_INTERNAL, "runbook: more than %d blocks", RB_MAX_BLOCKS);
    if (d->n % 32 == 0) {
        b = realloc(d->b, (d->n + 32) * sizeof(*b));
        if (b == NULL)
            return FERRY_ERR_NOMEM;
        d->b = b;
    }
    b = &d->b[d->n];
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    b->mono = mono;
    b->indent = indent;
    if (key != NULL && (r = rb_sanitise(key, &b->key)) != FERRY_OK)
        return r;
    if (text != NULL && (r = rb_sanitise(text, &b->text)) != FERRY_OK) {
        FERRY_FREE(b->key);
        return r;
    }
    d->n++;
    return FERRY_OK;
}

ferry_err rb_addf(struct rb_doc *d, enum rb_kind kind, const char *key, const char *fmt, ...)
{
    char text[4 * RB_MAX_VALUE + 1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(text))
        return ferry_errf(FERRY_ERR_INTERNAL, "runbook: a paragraph is too long");
    return rb_add(d, kind, key, text, 0, 0);
}
