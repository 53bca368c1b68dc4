/* ferry — the runbook as PDF (cairo): a small two-pass layout engine.
 * Pass 1 lays the blocks out without drawing, to count the pages; pass 2 draws them with
 * "page n of m" known. Text is measured with cairo's text extents and wrapped to the column.
 * Glyphs the main font lacks (CJK in a server name) are drawn from a fallback family, run by
 * run, so cairo embeds both fonts with their Unicode mapping and pdftotext reads them back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "runbook_int.h"

#define MM       (72.0 / 25.4)
#define BODY     10.0
#define LEAD     13.0
#define MONO     9.5
#define STEP_X   36.0 /* step text, after the box and the number */
#define MONO_MIN 7.0  /* a mono value is shrunk down to this to stay on one line */

static double measure(void *ctx, const char *s, size_t n, int mono)
{
    struct rb_lay *L = ctx;
    int draw = L->draw;
    double w;

    L->draw = 0;
    w = rb_text(L, L->mfont, L->msize, s, n, 0, 0);
    L->draw = draw;
    return w;
}

/* Starts a new page unless @height still fits on this one (or the page is empty). */
static void need(struct rb_lay *L, double height)
{
    if (L->y + height <= L->bottom || L->y <= L->top)
        return;
    rb_page_end(L);
    rb_page_start(L);
}

/* Wraps and draws @s at [x, x1); returns FERRY_OK and advances L->y by the lines. */
static ferry_err para_at(struct rb_lay *L, int font, double size, double lead, const char *s,
                         double x, int mono)
{
    struct rb_span *l = NULL;
    size_t n = 0, i;
    ferry_err r;

    L->mfont = font;
    L->msize = size;
    if ((r = rb_wrap(s, L->x1 - x, mono, measure, L, &l, &n)) != FERRY_OK)
        return r;
    for (i = 0; i < n; i++) {
        need(L, lead);
        L->y += lead;
        rb_text(L, font, size, s + l[i].off, l[i].len, x, L->y - (lead - size) / 2);
    }
    free(l);
    return FERRY_OK;
}

static void blank_line(struct rb_lay *L, double x, double y, double len)
{
    if (!L->draw)
        return;
    cairo_set_line_width(L->cr, 0.6);
    cairo_move_to(L->cr, x, y + 2);
    cairo_line_to(L->cr, x + len, y + 2);
    cairo_stroke(L->cr);
}

static ferry_err kv(struct rb_lay *L, const struct rb_block *k)
{
    double kx = L->x0 + (k->indent ? STEP_X : 0), vx = kx + (k->indent ? 118 : 150), w;
    int font = k->mono ? RB_F_MONO : RB_F_SANS;
    double size = k->mono ? MONO : BODY;
    char key[RB_MAX_VALUE * 3 + 2];

    snprintf(key, sizeof(key), "%s:", k->key);
    need(L, LEAD + 4);
    if (k->text == NULL) {
        L->y += LEAD + 4;
        rb_text(L, RB_F_SANS, BODY, key, strlen(key), kx, L->y - 3);
        blank_line(L, vx, L->y - 3, L->x1 - vx < 220 ? L->x1 - vx : 220);
        return FERRY_OK;
    }
    L->mfont = font;
    L->msize = size;
    w = measure(L, k->text, strlen(k->text), k->mono);
    L->y += LEAD;
    rb_text(L, RB_F_SANS, BODY, key, strlen(key), kx, L->y - 3);
    if (vx + w <= L->x1) {
        rb_text(L, font, size, k->text, strlen(k->text), vx, L->y - 3);
        return FERRY_OK;
    }
    if (k->mono && w * MONO_MIN / size <= L->x1 - (kx + 12)) {
        /* On one line below the key, shrunk to fit: a digest stays whole for pdftotext. */
        if (w > L->x1 - (kx + 12))
            size = size * (L->x1 - (kx + 12)) / w;
        need(L, LEAD);
        L->y += LEAD;
        rb_text(L, font, size, k->text, strlen(k->text), kx + 12, L->y - 3);
        return FERRY_OK;
    }
    L->y -= LEAD; /* wrap in the value column, starting on the key's line */
    return para_at(L, font, size, LEAD, k->text, vx, k->mono);
}

static ferry_err step(struct rb_lay *L, const struct rb_block *k)
{
    double y0;

    need(L, 2 * LEAD + 6);
    L->y += 6;
    y0 = L->y;
    if (L->draw) {
        cairo_set_line_width(L->cr, 0.8);
        cairo_rectangle(L->cr, L->x0 + 0.5, y0 + LEAD - 3 - 9.5, 10, 10);
        cairo_stroke(L->cr);
    }
    rb_text(L, RB_F_BOLD, BODY, k->key, strlen(k->key), L->x0 + 15, y0 + LEAD - 3);
    return para_at(L, RB_F_SANS, BODY, LEAD, k->text, L->x0 + STEP_X, 0);
}

/* One "Label ______" pair at x; returns the x after it. */
static double field(struct rb_lay *L, const char *label, double x, double len)
{
    x += rb_text(L, RB_F_SANS, BODY, label, strlen(label), x, L->y - 3) + 4;
    blank_line(L, x, L->y - 3, len);
    return x + len + 14;
}

static ferry_err sign(struct rb_lay *L, const struct rb_block *k)
{
    char key[RB_MAX_VALUE * 3 + 2];
    double x;

    snprintf(key, sizeof(key), "%s:", k->key);
    need(L, 2 * 24 + LEAD + 8);
    L->y += LEAD + 8;
    rb_text(L, RB_F_BOLD, BODY, key, strlen(key), L->x0, L->y - 3);
    L->y += 24;
    x = field(L, "Name", L->x0 + 12, 170);
    field(L, "Signature", x, L->x1 - x - 60 > 140 ? 140 : L->x1 - x - 60);
    L->y += 24;
    x = field(L, "Date", L->x0 + 12, 100);
    field(L, "Time", x, 60);
    return FERRY_OK;
}

/* A recipe line: whole on one line (shrunk down to MONO_MIN) so it can be typed as printed. */
static ferry_err code(struct rb_lay *L, const struct rb_block *k)
{
    double x = L->x0 + 12, w, size = MONO;

    L->mfont = RB_F_MONO;
    L->msize = MONO;
    w = measure(L, k->text, strlen(k->text), 1);
    if (w > L->x1 - x && w * MONO_MIN / MONO > L->x1 - x)
        return para_at(L, RB_F_MONO, MONO, LEAD, k->text, x, 1);
    if (w > L->x1 - x)
        size = MONO * (L->x1 - x) / w;
    need(L, LEAD);
    L->y += LEAD;
    rb_text(L, RB_F_MONO, size, k->text, strlen(k->text), x, L->y - 3);
    return FERRY_OK;
}

static ferry_err block(struct rb_lay *L, const struct rb_block *k)
{
    ferry_err r;

    switch (k->kind) {
    case RB_TITLE:
        r = para_at(L, RB_F_BOLD, 16, 20, k->text, L->x0, 0);
        L->y += 4;
        return r;
    case RB_HEADING:
        need(L, 16 + 12 + 3 * LEAD);
        L->y += 12;
        return para_at(L, RB_F_BOLD, 12, 16, k->text, L->x0, 0);
    case RB_PARA:
        need(L, 2 * LEAD + 5);
        L->y += 5;
        return para_at(L, RB_F_SANS, BODY, LEAD, k->text, L->x0, 0);
    case RB_STEP: return step(L, k);
    case RB_CMD: return para_at(L, RB_F_MONO, MONO, LEAD, k->text, L->x0 + STEP_X + 12, 1);
    case RB_KV: return kv(L, k);
    case RB_SIGN: return sign(L, k);
    case RB_CODE: return code(L, k);
    case RB_QR: return rb_qr_pages(L, k);
    case RB_BREAK:
        rb_page_end(L);
        rb_page_start(L);
        return FERRY_OK;
    }
    return FERRY_ERR_INTERNAL;
}

/* One pass over the document: text pages, then the QR pages for paper. */
static ferry_err lay_doc(struct rb_lay *L, const struct rb_doc *d, const struct ferry_runbook *rb)
{
    ferry_err r;
    size_t i;

    L->page = 0;
    rb_page_start(L);
    cairo_set_source_rgb(L->cr, 0, 0, 0);
    for (i = 0; i < d->n; i++)
        if ((r = block(L, &d->b[i])) != FERRY_OK)
            return r;
    rb_page_end(L);
    return FERRY_OK;
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return ferry_buf_append(closure, data, length) == FERRY_OK ? CAIRO_STATUS_SUCCESS
                                                               : CAIRO_STATUS_WRITE_ERROR;
}

static ferry_err render(const struct rb_doc *d, const struct ferry_runbook *rb, double w, double h,
                        struct ferry_buf *pdf)
{
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, pdf, w, h);
    cairo_t *cr = cairo_create(s);
    ferry_err r = FERRY_ERR_INTERNAL;
    struct rb_lay L = {0};
    int pages;

    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->footer);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ferry " FERRY_VERSION);
    if ((r = rb_lay_init(&L, cr, w, h, d->footer)) != FERRY_OK)
        goto out;
    L.seq = d->seq;
    L.paper = &d->paper;
    L.id = d->transfer_id;
    if ((r = lay_doc(&L, d, rb)) != FERRY_OK) /* pass 1: count */
        goto out;
    pages = L.page;
    L.draw = 1;
    L.pages = pages;
    if ((r = lay_doc(&L, d, rb)) != FERRY_OK) /* pass 2: draw */
        goto out;
    r = FERRY_OK;
out:
    rb_lay_clear(&L);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (r == FERRY_OK && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        r = ferry_errf(FERRY_ERR_IO, "runbook: cairo could not write the PDF: %s",
                       cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_destroy(s);
    return r;
}

ferry_err ferry_runbook_pdf(const struct ferry_runbook *rb, enum ferry_paper paper,
                            const char *path)
{
    double w = paper == FERRY_PAPER_LETTER ? 612.0 : 210 * MM;
    double h = paper == FERRY_PAPER_LETTER ? 792.0 : 297 * MM;
    struct rb_doc *d = NULL;
    struct ferry_buf pdf;
    ferry_err r = FERRY_ERR_INTERNAL;

    ferry_buf_init(&pdf, 64u << 20);
    if (paper != FERRY_PAPER_A4 && paper != FERRY_PAPER_LETTER) {
        r = ferry_errf(FERRY_ERR_USAGE, "runbook: unknown paper size %d (A4 or Letter)",
                       (int)paper);
        goto out;
    }
    if ((r = rb_doc_build(rb, &d)) != FERRY_OK)
        goto out;
    if ((r = render(d, rb, w, h, &pdf)) != FERRY_OK)
        goto out;
    if ((r = ferry_file_write_atomic(path, pdf.data, pdf.len, 0644)) != FERRY_OK)
        goto out;
    r = FERRY_OK;
out:
    ferry_buf_free(&pdf);
    rb_doc_free(d);
    return r;
}
