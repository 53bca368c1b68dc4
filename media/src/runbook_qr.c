/* ferry — the runbook's paper QR pages (between the procedure and the page on rebuilding the
 * package by hand): 2 x 3 vector codes per page, each labelled with the transfer id and its
 * frame number, inside the same margins and footer ("page n of m") as the text pages. */
#include <stdio.h>
#include <string.h>

#include "ferry/qr.h"
#include "runbook_int.h"

#define MM    (72.0 / 25.4)
#define COLS  2
#define ROWS  3
#define HEAD  22.0 /* the line above the codes */
#define LABEL 24.0 /* the two label lines under each code */
#define QUIET 4    /* modules of quiet zone each side, as ferry_qr_draw_cairo draws it */

void rb_qr_geometry(const struct rb_lay *L, size_t slot, double *x, double *y, double *module)
{
    double cw = (L->x1 - L->x0) / COLS, ch = (L->bottom - L->top - HEAD) / ROWS;
    double n = 17 + 4 * RB_QR_VERSION + 2 * QUIET, m = cw / n;

    if ((ch - LABEL) / n < m)
        m = (ch - LABEL) / n;
    if (m > 0.65 * MM)
        m = 0.65 * MM;
    *module = m;
    *x = L->x0 + (double)(slot % COLS) * cw + (cw - n * m) / 2;
    *y = L->top + HEAD + (double)(slot / COLS) * ch;
}

static ferry_err one(struct rb_lay *L, const struct ferry_qrseq *q, size_t i, const char *id)
{
    double x, y, m, side = 0, w;
    char label[160];
    ferry_err r;
    int d;

    rb_qr_geometry(L, i % (COLS * ROWS), &x, &y, &m);
    if (L->draw && (r = ferry_qr_draw_cairo(L->cr, ferry_qrseq_frame(q, i), RB_QR_VERSION,
                                            RB_QR_ECC, x, y, m, &side)) != FERRY_OK)
        return r;
    side = (17 + 4 * RB_QR_VERSION + 2 * QUIET) * m;
    cairo_set_source_rgb(L->cr, 0, 0, 0);
    for (d = 0; d < 2; d++) {
        int draw = L->draw;
        if (d == 0)
            snprintf(label, sizeof(label), "transfer %s", id);
        else
            snprintf(label, sizeof(label), "frame %zu of %zu%s", i + 1, ferry_qrseq_count(q),
                     i >= ferry_qrseq_k(q) ? " (parity)" : "");
        L->draw = 0;
        w = rb_text(L, RB_F_SANS, 8, label, strlen(label), 0, 0);
        L->draw = draw;
        rb_text(L, RB_F_SANS, 8, label, strlen(label), x + (side - w) / 2, y + side + 6 + 9 * d);
    }
    return FERRY_OK;
}

ferry_err rb_qr_pages(struct rb_lay *L, const struct rb_block *k)
{
    const struct ferry_qrseq *q = L->seq;
    size_t i, n, per = COLS * ROWS;
    char head[200];
    ferry_err r;

    if (q == NULL)
        return FERRY_OK;
    n = ferry_qrseq_count(q);
    for (i = 0; i < n; i++) {
        if (i % per == 0) {
            rb_page_end(L);
            rb_page_start(L);
            snprintf(head, sizeof(head),
                     "QR codes %zu to %zu of %zu: any %zu of them rebuild "
                     "the package (session %s)",
                     i + 1, i + per < n ? i + per : n, n, ferry_qrseq_k(q), ferry_qrseq_session(q));
            rb_text(L, RB_F_BOLD, 10, head, strlen(head), L->x0, L->top + 12);
        }
        if ((r = one(L, q, i, L->id)) != FERRY_OK)
            return r;
    }
    L->y = L->bottom; /* the page is full: what follows starts on a new one */
    return FERRY_OK;
}
