/* ferry — the runbook as plain text: a console or a line printer, at most 78 columns. */
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"
#include "runbook_int.h"

#define KEY_COLS    22 /* value column of key/value lines, after the indent */
#define STEP_INDENT 8

static double cols(void *ctx, const char *s, size_t n, int mono)
{
    return (double)rb_columns(s, n);
}

static ferry_err spaces(struct ferry_buf *b, size_t n)
{
    ferry_err r = FERRY_OK;

    while (n-- > 0 && r == FERRY_OK)
        r = ferry_buf_append(b, " ", 1);
    return r;
}

static ferry_err rule(struct ferry_buf *b, char ch, size_t n)
{
    ferry_err r = FERRY_OK;

    if (n > RB_TEXT_COLS)
        n = RB_TEXT_COLS;
    while (n-- > 0 && r == FERRY_OK)
        r = ferry_buf_append(b, &ch, 1);
    return r == FERRY_OK ? ferry_buf_puts(b, "\n") : r;
}

/* Writes @s wrapped into @width columns; the first line starts after @first (already written),
 * the next ones after @indent spaces. */
static ferry_err wrapped(struct ferry_buf *b, const char *s, size_t indent, size_t width, int mono)
{
    struct rb_span *l = NULL;
    ferry_err r = FERRY_ERR_INTERNAL;
    size_t n = 0, i;

    if ((r = rb_wrap(s, (double)width, mono, cols, NULL, &l, &n)) != FERRY_OK)
        goto out;
    for (i = 0; i < n; i++) {
        if (i > 0 && (r = spaces(b, indent)) != FERRY_OK)
            goto out;
        if ((r = ferry_buf_append(b, s + l[i].off, l[i].len)) != FERRY_OK ||
            (r = ferry_buf_puts(b, "\n")) != FERRY_OK)
            goto out;
    }
    r = n == 0 ? ferry_buf_puts(b, "\n") : FERRY_OK;
out:
    free(l);
    return r;
}

static ferry_err kv_line(struct ferry_buf *b, const struct rb_block *k)
{
    size_t ind = k->indent ? STEP_INDENT : 0, kc, col;
    ferry_err r;

    if ((r = spaces(b, ind)) != FERRY_OK || (r = ferry_buf_puts(b, k->key)) != FERRY_OK ||
        (r = ferry_buf_puts(b, ":")) != FERRY_OK)
        return r;
    kc = rb_columns(k->key, strlen(k->key)) + 1;
    col = ind + (kc + 1 > KEY_COLS ? kc + 1 : KEY_COLS);
    if ((r = spaces(b, col - ind - kc)) != FERRY_OK)
        return r;
    return wrapped(b, k->text != NULL ? k->text : RB_BLANK, col, RB_TEXT_COLS - col, k->mono);
}

static ferry_err sign_lines(struct ferry_buf *b, const struct rb_block *k)
{
    ferry_err r;

    if ((r = ferry_buf_printf(b, "\n%s:\n", k->key)) != FERRY_OK)
        return r;
    return ferry_buf_puts(b, "    Name ________________________  Signature ____________________\n"
                             "    Date ____________  Time ________\n");
}

static ferry_err block(struct ferry_buf *b, const struct rb_block *k)
{
    size_t n = k->text != NULL ? rb_columns(k->text, strlen(k->text)) : 0, ind;
    ferry_err r = FERRY_OK;

    switch (k->kind) {
    case RB_TITLE:
        if ((r = wrapped(b, k->text, 0, RB_TEXT_COLS, 0)) == FERRY_OK)
            r = rule(b, '=', n);
        return r;
    case RB_HEADING:
        if ((r = ferry_buf_puts(b, "\n")) == FERRY_OK &&
            (r = wrapped(b, k->text, 0, RB_TEXT_COLS, 0)) == FERRY_OK)
            r = rule(b, '-', n);
        return r;
    case RB_PARA:
        if ((r = ferry_buf_puts(b, "\n")) == FERRY_OK)
            r = wrapped(b, k->text, 0, RB_TEXT_COLS, 0);
        return r;
    case RB_STEP:
        /* "[ ] A1. " is 8 columns; "A10." one more, so wrap one column short. */
        if ((r = ferry_buf_printf(b, "\n[ ] %s ", k->key)) == FERRY_OK)
            r = wrapped(b, k->text, STEP_INDENT, RB_TEXT_COLS - STEP_INDENT - 1, 0);
        return r;
    case RB_CMD: /* one too long for the step's indent (a URL) starts further left, whole */
        ind = n > RB_TEXT_COLS - STEP_INDENT - 4 && n <= RB_TEXT_COLS - 2 ? 2 : STEP_INDENT + 4;
        if ((r = spaces(b, ind)) == FERRY_OK)
            r = wrapped(b, k->text, ind, RB_TEXT_COLS - ind, 1);
        return r;
    case RB_KV: return kv_line(b, k);
    case RB_SIGN: return sign_lines(b, k);
    case RB_CODE:
        if ((r = spaces(b, 2)) == FERRY_OK)
            r = wrapped(b, k->text, 4, RB_TEXT_COLS - 4, 1);
        return r;
    case RB_BREAK:
    case RB_QR: return FERRY_OK;
    }
    return FERRY_ERR_INTERNAL;
}

ferry_err ferry_runbook_text(const struct ferry_runbook *rb, char **out)
{
    struct rb_doc *d = NULL;
    struct ferry_buf b;
    ferry_err r = FERRY_ERR_INTERNAL;
    size_t i;

    *out = NULL;
    ferry_buf_init(&b, 1u << 20);
    if ((r = rb_doc_build(rb, &d)) != FERRY_OK)
        goto out;
    if ((r = ferry_buf_printf(&b, "%s\n\n", d->footer)) != FERRY_OK)
        goto out;
    for (i = 0; i < d->n; i++)
        if ((r = block(&b, &d->b[i])) != FERRY_OK)
            goto out;
    if ((*out = (char *)ferry_buf_steal(&b, NULL)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = FERRY_OK;
out:
    ferry_buf_free(&b);
    rb_doc_free(d);
    return r;
}
