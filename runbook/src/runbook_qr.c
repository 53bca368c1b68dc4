/* ferry — the runbook's paper QR pages (between the procedure and the page on rebuilding the
 * package by hand): the very frames `--to pdf:` prints for the package (same session, version,
 * ECC, K and parity, ferry_qr_paper_set), so pages of both decode as one set. Vector codes,
 * each labelled with the transfer id and its frame number, inside the same margins and footer
 * ("page n of m") as the text pages. */
#include <stdio.h>
#include <string.h>

#include "ferry/qr.h"
#include "runbook_int.h"

#define MM      (72.0 / 25.4)
#define HEAD    22.0 /* the line above the codes */
#define LABEL   28.0 /* the two label lines under each code */
#define MAX_MOD (1.0 * MM)

static int side_modules(int version)
{
    return 17 + 4 * version + 2 * FERRY_QR_QUIET;
}

/* Module size of a @cols x @rows grid in the content box (capped at 1 mm), 0 if below the
 * paper minimum. */
static double grid_module(const struct rb_lay *L, int version, int cols, int rows)
{
    double n = side_modules(version), cw = (L->x1 - L->x0) / cols;
    double ch = (L->bottom - L->top - HEAD) / rows, m = cw / n;

    if ((ch - LABEL) / n < m)
        m = (ch - LABEL) / n;
    if (m < FERRY_QR_PDF_MODULE_MM * MM - 1e-9)
        return 0;
    return m > MAX_MOD ? MAX_MOD : m;
}

ferry_err rb_qr_grid(const struct rb_lay *L, const struct ferry_qr_paper *paper,
                     struct rb_qr_grid *g)
{
    int c, rw;
    double m;

    memset(g, 0, sizeof(*g));
    g->version = paper->version;
    if (paper->cols > 0 && paper->rows > 0 &&
        (m = grid_module(L, paper->version, paper->cols, paper->rows)) > 0) {
        g->cols = paper->cols; /* the pages match the PDF's, code for code */
        g->rows = paper->rows;
        g->module = m;
        return FERRY_OK;
    }
    for (c = 1; c <= 12; c++)
        for (rw = 1; rw <= 16; rw++)
            if (c * rw > g->cols * g->rows && (m = grid_module(L, paper->version, c, rw)) > 0) {
                g->cols = c;
                g->rows = rw;
                g->module = m;
            }
    if (g->cols == 0)
        return ferry_errf(FERRY_ERR_USAGE,
                          "runbook: QR version %d does not fit the page with modules of at "
                          "least %.1f mm: export with a lower --qr-version",
                          paper->version, FERRY_QR_PDF_MODULE_MM);
    return FERRY_OK;
}

void rb_qr_geometry(const struct rb_lay *L, const struct rb_qr_grid *g, size_t slot, double *x,
                    double *y)
{
    double cw = (L->x1 - L->x0) / g->cols, ch = (L->bottom - L->top - HEAD) / g->rows;

    *x = L->x0 + (double)(slot % (size_t)g->cols) * cw +
         (cw - side_modules(g->version) * g->module) / 2;
    *y = L->top + HEAD + (double)(slot / (size_t)g->cols) * ch;
}

static ferry_err one(struct rb_lay *L, const struct rb_qr_grid *g, size_t i)
{
    const struct ferry_qrseq *q = L->seq;
    double x, y, side = side_modules(g->version) * g->module, w, cell = (L->x1 - L->x0) / g->cols;
    char label[160];
    ferry_err r;
    int d;

    rb_qr_geometry(L, g, i % (size_t)(g->cols * g->rows), &x, &y);
    if (L->draw && (r = ferry_qr_draw_cairo(L->cr, ferry_qrseq_frame(q, i), g->version,
                                            L->paper->ecc, x, y, g->module, NULL)) != FERRY_OK)
        return r;
    cairo_set_source_rgb(L->cr, 0, 0, 0);
    for (d = 0; d < 2; d++) {
        int draw = L->draw;
        if (d == 0)
            snprintf(label, sizeof(label), "transfer %s", L->id);
        else
            snprintf(label, sizeof(label), "frame %zu of %zu%s", i + 1, ferry_qrseq_count(q),
                     i >= ferry_qrseq_k(q) ? " (parity)" : "");
        L->draw = 0;
        w = rb_text(L, RB_F_SANS, 8, label, strlen(label), 0, 0);
        if (d == 0 && w > cell) { /* narrow cells: the id's first 8 digits (whole in the footer) */
            snprintf(label, sizeof(label), "transfer %.8s", L->id);
            w = rb_text(L, RB_F_SANS, 8, label, strlen(label), 0, 0);
        }
        L->draw = draw;
        rb_text(L, RB_F_SANS, 8, label, strlen(label), x + (side - w) / 2, y + side + 10 + 9 * d);
    }
    return FERRY_OK;
}

ferry_err rb_qr_pages(struct rb_lay *L, const struct rb_block *k)
{
    const struct ferry_qrseq *q = L->seq;
    struct rb_qr_grid g;
    size_t i, n, per;
    char head[200];
    ferry_err r;

    (void)k;
    if (q == NULL)
        return FERRY_OK;
    if ((r = rb_qr_grid(L, L->paper, &g)) != FERRY_OK)
        return r;
    n = ferry_qrseq_count(q);
    per = (size_t)(g.cols * g.rows);
    for (i = 0; i < n; i++) {
        if (i % per == 0) {
            rb_page_end(L);
            rb_page_start(L);
            snprintf(head, sizeof(head),
                     "QR codes %zu to %zu of %zu (session %s, version %d-%c): any %zu "
                     "rebuild the package",
                     i + 1, i + per < n ? i + per : n, n, ferry_qrseq_session(q), g.version,
                     L->paper->ecc, ferry_qrseq_k(q));
            rb_text(L, RB_F_BOLD, 10, head, strlen(head), L->x0, L->top + 12);
        }
        if ((r = one(L, &g, i)) != FERRY_OK)
            return r;
    }
    L->y = L->bottom; /* the page is full: what follows starts on a new one */
    return FERRY_OK;
}
