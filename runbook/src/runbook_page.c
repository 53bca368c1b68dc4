/* ferry — the runbook's PDF pages (cairo): fonts with a fallback family for glyphs the main
 * ones lack, text runs drawn or only measured, and the page frame (start, footer, end). The
 * PDF document (runbook_pdf.c) and its QR pages (runbook_qr.c) both lay out on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "runbook_int.h"

#define MM     (72.0 / 25.4)
#define MARGIN (18 * MM) /* content margin; nothing is drawn within 15 mm of an edge */

static const char *const families[RB_F_N] = {"DejaVu Sans", "DejaVu Sans", "DejaVu Sans Mono"};
static const char *const fallbacks[RB_NFB] = {"Droid Sans Fallback", "Noto Sans CJK JP",
                                              "WenQuanYi Zen Hei"};

ferry_err rb_lay_init(struct rb_lay *L, cairo_t *cr, double w, double h, const char *footer)
{
    int i;

    memset(L, 0, sizeof(*L));
    L->cr = cr;
    L->w = w;
    L->h = h;
    L->x0 = MARGIN;
    L->x1 = w - MARGIN;
    L->top = MARGIN;
    L->bottom = h - MARGIN - 12;
    L->footer = footer;
    for (i = 0; i < RB_F_N; i++)
        L->face[i] = cairo_toy_font_face_create(families[i], CAIRO_FONT_SLANT_NORMAL,
                                                i == RB_F_BOLD ? CAIRO_FONT_WEIGHT_BOLD
                                                               : CAIRO_FONT_WEIGHT_NORMAL);
    for (i = 0; i < RB_NFB; i++)
        L->fb[i] = cairo_toy_font_face_create(fallbacks[i], CAIRO_FONT_SLANT_NORMAL,
                                              CAIRO_FONT_WEIGHT_NORMAL);
    for (i = 0; i < RB_F_N; i++)
        if (cairo_font_face_status(L->face[i]) != CAIRO_STATUS_SUCCESS)
            return ferry_errf(FERRY_ERR_INTERNAL, "runbook: cairo cannot make a font face");
    return FERRY_OK;
}

void rb_lay_clear(struct rb_lay *L)
{
    int i;

    for (i = 0; i < RB_F_N; i++)
        cairo_font_face_destroy(L->face[i]);
    for (i = 0; i < RB_NFB; i++)
        cairo_font_face_destroy(L->fb[i]);
    memset(L, 0, sizeof(*L));
}

/* 1 if @face has a glyph for the character at @s (@n bytes). */
static int has_glyph(struct rb_lay *L, cairo_font_face_t *face, double size, const char *s,
                     size_t n)
{
    cairo_glyph_t *g = NULL;
    int ng = 0, ok;

    cairo_set_font_face(L->cr, face);
    cairo_set_font_size(L->cr, size);
    if (cairo_scaled_font_text_to_glyphs(cairo_get_scaled_font(L->cr), 0, 0, s, (int)n, &g, &ng,
                                         NULL, NULL, NULL) != CAIRO_STATUS_SUCCESS)
        return 0;
    ok = ng > 0 && g[0].index != 0;
    cairo_glyph_free(g);
    return ok;
}

static cairo_font_face_t *face_for(struct rb_lay *L, int font, double size, const char *s, size_t n)
{
    int i;

    if ((unsigned char)s[0] < 0x80 || has_glyph(L, L->face[font], size, s, n))
        return L->face[font];
    for (i = 0; i < RB_NFB; i++)
        if (has_glyph(L, L->fb[i], size, s, n))
            return L->fb[i];
    return L->face[font];
}

/* Measures (and when L->draw, shows) a run of one face; returns its advance. */
static double flush(struct rb_lay *L, cairo_font_face_t *f, double size, const char *s, size_t n,
                    double x, double y)
{
    char tmp[1024];
    cairo_text_extents_t e;

    if (n == 0 || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    cairo_set_font_face(L->cr, f);
    cairo_set_font_size(L->cr, size);
    cairo_text_extents(L->cr, tmp, &e);
    if (L->draw) {
        cairo_move_to(L->cr, x, y);
        cairo_show_text(L->cr, tmp);
    }
    return e.x_advance;
}

double rb_text(struct rb_lay *L, int font, double size, const char *s, size_t n, double x, double y)
{
    cairo_font_face_t *cur = NULL, *f;
    size_t i = 0, start = 0, l;
    double adv = 0;

    while (i < n) {
        l = rb_u8len(s + i);
        f = face_for(L, font, size, s + i, l);
        if (cur != NULL && (f != cur || i - start + l >= 1000)) {
            adv += flush(L, cur, size, s + start, i - start, x + adv, y);
            start = i;
        }
        cur = f;
        i += l;
    }
    if (cur != NULL)
        adv += flush(L, cur, size, s + start, i - start, x + adv, y);
    return adv;
}

static void footer(struct rb_lay *L)
{
    char num[64];
    double x;
    int d = L->draw;

    if (!L->draw)
        return;
    snprintf(num, sizeof(num), "page %d of %d", L->page, L->pages);
    cairo_set_source_rgb(L->cr, 0, 0, 0);
    rb_text(L, RB_F_SANS, 8, L->footer, strlen(L->footer), L->x0, L->h - 15 * MM);
    L->draw = 0;
    x = L->x1 - rb_text(L, RB_F_SANS, 8, num, strlen(num), 0, 0);
    L->draw = d;
    rb_text(L, RB_F_SANS, 8, num, strlen(num), x, L->h - 15 * MM);
    cairo_set_line_width(L->cr, 0.5);
    cairo_move_to(L->cr, L->x0, L->h - 15 * MM - 11);
    cairo_line_to(L->cr, L->x1, L->h - 15 * MM - 11);
    cairo_stroke(L->cr);
}

void rb_page_end(struct rb_lay *L)
{
    footer(L);
    if (L->draw)
        cairo_show_page(L->cr);
}

void rb_page_start(struct rb_lay *L)
{
    L->page++;
    L->y = L->top;
}
