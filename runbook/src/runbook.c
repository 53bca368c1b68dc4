/* ferry — the printed runbook: UTF-8 helpers, wrapping, and the block list both renderers draw.
 * Content lives here once (runbook_steps.c writes the steps); runbook_text.c and runbook_pdf.c
 * only lay it out, so the text form and the PDF say the same thing. */
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
static ferry_err sanitise(const char *s, char **out)
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
    if (key != NULL && (r = sanitise(key, &b->key)) != FERRY_OK)
        return r;
    if (text != NULL && (r = sanitise(text, &b->text)) != FERRY_OK) {
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

struct field {
    const char *name;
    const char *value;
};

static ferry_err too_long(const char *name, const char *value)
{
    return ferry_errf(FERRY_ERR_TOO_LARGE,
                      "runbook: the %s is %zu bytes, more than the %d printed; check the input "
                      "it came from",
                      name, strlen(value), RB_MAX_VALUE);
}

static ferry_err check_fields(const struct ferry_runbook *rb)
{
    const struct field f[] = {
        {"transfer id", rb->transfer_id},
        {"server name", rb->server_name},
        {"GUID", rb->guid},
        {"request file", rb->request_file},
        {"package file", rb->package_file},
        {"package SHA-256", rb->package_sha256},
        {"offline identity name", rb->offline_name},
        {"offline fingerprint", rb->offline_fp},
        {"online identity name", rb->online_name},
        {"online fingerprint", rb->online_fp},
        {"service URL", rb->service_url},
        {"anchor subject", rb->anchor_subject},
        {"anchor fingerprint", rb->anchor_fp},
    };
    size_t i;

    if (rb->leg != FERRY_RUNBOOK_REQUEST && rb->leg != FERRY_RUNBOOK_RESPONSE &&
        rb->leg != FERRY_RUNBOOK_PAIRING)
        return ferry_errf(FERRY_ERR_USAGE,
                          "runbook: leg %d is neither request, response nor pairing", (int)rb->leg);
    if (rb->leg == FERRY_RUNBOOK_PAIRING && ferry_side_name(rb->pairing_side) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "runbook: a pairing sheet needs the side it is for");
    if (rb->kind != 0 && ferry_kind_get(rb->kind) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "runbook: payload kind %d unknown", (int)rb->kind);
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (f[i].value != NULL && strlen(f[i].value) > RB_MAX_VALUE)
            return too_long(f[i].name, f[i].value);
    if (rb->trip_id != NULL &&
        (strlen(rb->trip_id) != 32 || strspn(rb->trip_id, "0123456789abcdefABCDEF") != 32))
        return ferry_errf(FERRY_ERR_USAGE, "runbook: the trip id is not 32 hex digits");
    if (rb->nitems > FERRY_RUNBOOK_MAX_ITEMS || (rb->nitems > 0 && rb->items == NULL))
        return ferry_errf(FERRY_ERR_TOO_LARGE, "runbook: %zu transfers, at most %d in one trip",
                          rb->nitems, FERRY_RUNBOOK_MAX_ITEMS);
    for (i = 0; i < rb->nitems; i++) {
        const struct ferry_runbook_item *it = &rb->items[i];
        const struct field g[] = {
            {"transfer id", it->transfer_id},
            {"server name", it->server_name},
            {"GUID", it->guid},
            {"request file", it->request_file},
            {"package file", it->package_file},
            {"package SHA-256", it->package_sha256},
        };
        size_t k;
        for (k = 0; k < sizeof(g) / sizeof(g[0]); k++)
            if (g[k].value != NULL && strlen(g[k].value) > RB_MAX_VALUE)
                return too_long(g[k].name, g[k].value);
    }
    return FERRY_OK;
}

ferry_err rb_doc_build(const struct ferry_runbook *rb, struct rb_doc **out)
{
    struct rb_doc *d = NULL;
    ferry_err r = FERRY_ERR_INTERNAL;
    struct ferry_buf f;

    *out = NULL;
    ferry_buf_init(&f, 4 * RB_MAX_VALUE + 256);
    if ((r = check_fields(rb)) != FERRY_OK)
        goto out;
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if ((r = sanitise(rb->transfer_id != NULL ? rb->transfer_id : "", &d->transfer_id)) != FERRY_OK)
        goto out;
    if (rb->leg == FERRY_RUNBOOK_PAIRING)
        r = ferry_buf_printf(&f, "ferry pairing sheet \xC2\xB7 the %s machine",
                             ferry_side_name(rb->pairing_side));
    else if (rb->nitems > 1 && rb->trip_id != NULL)
        r = ferry_buf_printf(&f, "ferry runbook \xC2\xB7 trip %.32s \xC2\xB7 %zu transfers",
                             rb->trip_id, rb->nitems);
    else
        r = ferry_buf_printf(&f, "ferry runbook \xC2\xB7 transfer %s",
                             d->transfer_id[0] != '\0' ? d->transfer_id : RB_BLANK);
    if (r != FERRY_OK)
        goto out;
    if ((d->footer = (char *)ferry_buf_steal(&f, NULL)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    if (rb->medium == FERRY_MEDIUM_PDF && rb->package != NULL && rb->package_len > 0 &&
        rb->nitems <= 1) {
        /* the frames `--to pdf:` printed for this package: one set per transfer */
        if ((r = ferry_qr_paper_set(rb->package, rb->package_len, rb->qr, &d->paper, &d->seq)) !=
            FERRY_OK)
            goto out;
    }
    if ((r = rb_steps_build(rb, d)) != FERRY_OK)
        goto out;
    *out = d;
    d = NULL;
    r = FERRY_OK;
out:
    ferry_buf_free(&f);
    rb_doc_free(d);
    return r;
}
