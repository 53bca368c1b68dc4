/* ferry — QR rendering: libqrencode codes to PNG files, PDF pages (cairo vectors), an animated
 * HTML page and the terminal. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <png.h>

#include "ferry/buf.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "qr_int.h"

#define HTML_MAX (512u << 20)

void ferry_qr_gray_free(struct ferry_qr_gray *g)
{
    if (g == NULL)
        return;
    FERRY_FREE(g->px);
    g->w = g->h = 0;
}

static QRecLevel ecc_level(char ecc)
{
    switch (ecc) {
    case 'M':
    case 'm': return QR_ECLEVEL_M;
    case 'Q':
    case 'q': return QR_ECLEVEL_Q;
    case 'H':
    case 'h': return QR_ECLEVEL_H;
    default: return QR_ECLEVEL_L;
    }
}

ferry_err ferry_qr_code(const char *text, int version, char ecc, QRcode **out)
{
    QRcode *q;

    *out = NULL;
    if (version < 0 || version > 40)
        return ferry_errf(FERRY_ERR_USAGE, "QR version %d: choose 1 to 40", version);
    errno = 0;
    /* QR_MODE_8 hint + case-sensitive: libqrencode picks alphanumeric mode for our frames. */
    q = QRcode_encodeString(text, version, ecc_level(ecc), QR_MODE_8, 1);
    if (q == NULL) {
        if (errno == ENOMEM)
            return FERRY_ERR_NOMEM;
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "%zu characters do not fit any QR code at ECC %c: use a lower ECC "
                          "level or shorter frames",
                          strlen(text), ecc ? ecc : 'L');
    }
    if (version > 0 && q->version > version) {
        ferry_errf(FERRY_ERR_TOO_LARGE,
                   "a frame of %zu characters needs QR version %d, more "
                   "than the %d-%c asked for",
                   strlen(text), q->version, version, ecc);
        QRcode_free(q);
        return FERRY_ERR_TOO_LARGE;
    }
    *out = q;
    return FERRY_OK;
}

ferry_err ferry_qr_raster(const char *text, int version, char ecc, int mpx,
                          struct ferry_qr_gray *out)
{
    QRcode *q = NULL;
    ferry_err r;
    int side, x, y;

    out->px = NULL;
    out->w = out->h = 0;
    if (mpx < 1 || mpx > 64)
        return ferry_errf(FERRY_ERR_USAGE, "%d pixels per module: choose 1 to 64", mpx);
    if ((r = ferry_qr_code(text, version, ecc, &q)) != FERRY_OK)
        goto out;
    side = (q->width + 2 * FERRY_QR_QUIET) * mpx;
    if ((out->px = malloc((size_t)side * (size_t)side)) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    out->w = out->h = side;
    for (y = 0; y < side; y++) {
        int my = y / mpx - FERRY_QR_QUIET;
        for (x = 0; x < side; x++) {
            int mx = x / mpx - FERRY_QR_QUIET;
            int dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                       (q->data[my * q->width + mx] & 1);
            out->px[(size_t)y * (size_t)side + (size_t)x] = dark ? 0 : 255;
        }
    }
    r = FERRY_OK;
out:
    QRcode_free(q);
    return r;
}

ferry_err ferry_qr_png_encode(const struct ferry_qr_gray *g, uint8_t **out, size_t *len)
{
    png_image img;
    png_alloc_size_t n = 0;
    uint8_t *p = NULL;

    *out = NULL;
    *len = 0;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)g->w;
    img.height = (png_uint_32)g->h;
    img.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_memory(&img, NULL, &n, 0, g->px, g->w, NULL))
        return ferry_errf(FERRY_ERR_INTERNAL, "libpng: %s", img.message);
    if ((p = malloc(n)) == NULL)
        return FERRY_ERR_NOMEM;
    if (!png_image_write_to_memory(&img, p, &n, 0, g->px, g->w, NULL)) {
        free(p);
        return ferry_errf(FERRY_ERR_INTERNAL, "libpng: %s", img.message);
    }
    *out = p;
    *len = n;
    return FERRY_OK;
}

ferry_err ferry_qr_png_write(const char *path, const struct ferry_qr_gray *g)
{
    uint8_t *p = NULL;
    size_t n = 0;
    ferry_err r;

    if ((r = ferry_qr_png_encode(g, &p, &n)) == FERRY_OK)
        r = ferry_file_write_atomic(path, p, n, 0644);
    free(p);
    return r;
}

static const char png_readme[] =
    "These PNG files are QR codes made by ferry: one transfer (%s), %zu frames.\n"
    "Frames frame-001.png to frame-%03zu.png are data; the rest are parity: any %zu distinct\n"
    "frames rebuild the package. Scan them with: ferry-online submit --from images:DIR\n"
    "(or ferry-offline import --from images:DIR), or show them one after another on a screen\n"
    "to a camera. Every code is plain QR alphanumeric text readable by any scanner.\n";

ferry_err ferry_qr_write_png_dir(const char *dir, const struct ferry_qrseq *seq,
                                 const struct ferry_qr_opts *o)
{
    struct ferry_qr_gray g = {0, 0, NULL};
    struct ferry_buf b;
    char name[32], *path = NULL;
    size_t i, n = ferry_qrseq_count(seq);
    ferry_err r;

    ferry_buf_init(&b, 4096);
    if ((r = ferry_mkdir_p(dir, 0755)) != FERRY_OK)
        goto out;
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "frame-%03zu.png", i + 1);
        if ((path = ferry_path_join(dir, name)) == NULL) {
            r = FERRY_ERR_NOMEM;
            goto out;
        }
        if ((r = ferry_qr_raster(ferry_qrseq_frame(seq, i), o->version, o->ecc, o->module_px,
                                 &g)) != FERRY_OK ||
            (r = ferry_qr_png_write(path, &g)) != FERRY_OK)
            goto out;
        ferry_qr_gray_free(&g);
        FERRY_FREE(path);
    }
    if ((r = ferry_buf_printf(&b, png_readme, ferry_qrseq_session(seq), n, ferry_qrseq_k(seq),
                              ferry_qrseq_k(seq))) != FERRY_OK)
        goto out;
    if ((path = ferry_path_join(dir, "README.txt")) == NULL) {
        r = FERRY_ERR_NOMEM;
        goto out;
    }
    r = ferry_file_write_atomic(path, b.data, b.len, 0644);
out:
    ferry_qr_gray_free(&g);
    free(path);
    ferry_buf_free(&b);
    return r;
}

/* ---- cairo (PDF) ---- */

ferry_err ferry_qr_draw_cairo(cairo_t *cr, const char *text, int version, char ecc, double x,
                              double y, double module, double *size)
{
    QRcode *q = NULL;
    ferry_err r;
    int mx, my, w;
    double side;

    if ((r = ferry_qr_code(text, version, ecc, &q)) != FERRY_OK)
        return r;
    w = q->width;
    side = (w + 2 * FERRY_QR_QUIET) * module;
    if (size != NULL)
        *size = side;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, side, side);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_new_path(cr);
    /* One rectangle per horizontal run of dark modules, all in one path, one fill: no seams. */
    for (my = 0; my < w; my++) {
        for (mx = 0; mx < w; mx++) {
            int run = 0;
            while (mx + run < w && (q->data[my * w + mx + run] & 1))
                run++;
            if (run == 0)
                continue;
            cairo_rectangle(cr, x + (mx + FERRY_QR_QUIET) * module,
                            y + (my + FERRY_QR_QUIET) * module, run * module, module);
            mx += run;
        }
    }
    cairo_fill(cr);
    cairo_restore(cr);
    QRcode_free(q);
    return cairo_status(cr) == CAIRO_STATUS_SUCCESS
               ? FERRY_OK
               : ferry_errf(FERRY_ERR_IO, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
}

#define MM          (72.0 / 25.4)
#define PAGE_MARGIN (10.0 * MM)
#define TITLE_H     (8.0 * MM)
#define LABEL_H     (5.0 * MM)

struct layout {
    int cols, rows;
    double module, cell_w, cell_h;
};

/* Grid @cols x @rows of version @version codes on the page: module size in points (capped at
 * 1 mm), 0 if below FERRY_QR_PDF_MODULE_MM. */
static double grid_module(int version, int cols, int rows, double page_w, double page_h)
{
    int n = 17 + 4 * version + 2 * FERRY_QR_QUIET;
    double aw = page_w - 2 * PAGE_MARGIN, ah = page_h - 2 * PAGE_MARGIN - TITLE_H;
    double m = fmin(aw / cols / n, (ah / rows - LABEL_H) / n);

    return m < FERRY_QR_PDF_MODULE_MM * MM - 1e-9 ? 0 : fmin(m, 1.0 * MM);
}

static void layout_of(const struct ferry_qr_paper *p, double page_w, double page_h,
                      struct layout *l)
{
    l->cols = p->cols;
    l->rows = p->rows;
    l->module = p->module_mm * MM;
    l->cell_w = (page_w - 2 * PAGE_MARGIN) / l->cols;
    l->cell_h = (page_h - 2 * PAGE_MARGIN - TITLE_H) / l->rows;
}

/* Frames a message of @mlen zlib bytes needs at @version/@ecc and parity @pct, as
 * ferry_qrseq_encode counts them (version 2, short header); 0 if the version cannot carry it. */
static size_t frames_for(size_t mlen, int version, char ecc, int pct, size_t *k)
{
    size_t s = ferry_qrseq_frame_bytes(version, ecc), kt, b, kb, p;

    if (s == 0)
        return 0;
    kt = (mlen + s - 1) / s;
    b = (kt + 127) / 128;
    kb = (kt + b - 1) / b;
    p = (kb * (size_t)pct + 99) / 100;
    if (p > 255 - kb)
        p = 255 - kb;
    *k = kt;
    return kt + b * p;
}

ferry_err ferry_qr_paper_choose(size_t mlen, int version, char ecc, int parity_pct, double page_w,
                                double page_h, struct ferry_qr_paper *out)
{
    static const char levels[] = "LMQH";
    int found = 0;

    memset(out, 0, sizeof(*out));
    for (int v = version ? version : 1; v <= (version ? version : 40); v++) {
        for (const char *e = levels; *e; e++) {
            size_t k = 0, n;

            if ((ecc && *e != ecc) || (n = frames_for(mlen, v, *e, parity_pct, &k)) == 0)
                continue;
            if (parity_pct == FERRY_QR_PDF_PARITY && (n - k) * 10 < n * 3)
                continue; /* fewer than 30 % of the codes may be lost */
            for (int c = 1; c <= 12; c++) {
                for (int rw = 1; rw <= 16; rw++) {
                    double m = grid_module(v, c, rw, page_w, page_h);
                    int pages = (int)((n + (size_t)(c * rw) - 1) / (size_t)(c * rw));

                    if (m == 0)
                        continue;
                    /* fewest pages; then the most margin: larger modules, then stronger
                     * ECC, then fewer codes */
                    if (found &&
                        (pages > out->pages ||
                         (pages == out->pages && (m < out->module_mm * MM - 1e-6 ||
                                                  (fabs(m - out->module_mm * MM) <= 1e-6 &&
                                                   (strchr(levels, *e) < strchr(levels, out->ecc) ||
                                                    (*e == out->ecc && n >= out->n)))))))
                        continue;
                    found = 1;
                    out->version = v;
                    out->ecc = *e;
                    out->parity_pct = parity_pct;
                    out->cols = c;
                    out->rows = rw;
                    out->module_mm = m / MM;
                    out->pages = pages;
                    out->k = k;
                    out->n = n;
                }
            }
        }
    }
    if (!found)
        return ferry_errf(FERRY_ERR_USAGE,
                          "no QR version%s fits an A4 page with modules of at least %.1f mm: "
                          "choose a lower --qr-version",
                          version ? " given" : "", FERRY_QR_PDF_MODULE_MM);
    return FERRY_OK;
}

static void show_text_centered(cairo_t *cr, const char *s, double cx, double y, double pt)
{
    cairo_text_extents_t te;

    cairo_set_font_size(cr, pt);
    cairo_text_extents(cr, s, &te);
    cairo_move_to(cr, cx - te.width / 2 - te.x_bearing, y);
    cairo_show_text(cr, s);
}

static ferry_err draw_one(cairo_t *cr, const struct ferry_qrseq *seq, size_t i,
                          const struct layout *l, const char *label, int version, char ecc)
{
    size_t slot = i % (size_t)(l->cols * l->rows), n = ferry_qrseq_count(seq);
    int c = (int)(slot % (size_t)l->cols), rw = (int)(slot / (size_t)l->cols);
    /* ferry_qr_code never goes above @version and uses it as the minimum: side is known. */
    double side = (17 + 4 * version + 2 * FERRY_QR_QUIET) * l->module;
    double x0 = PAGE_MARGIN + c * l->cell_w + (l->cell_w - side) / 2;
    double y0 = PAGE_MARGIN + TITLE_H + rw * l->cell_h;
    char text[256];
    ferry_err r;

    if ((r = ferry_qr_draw_cairo(cr, ferry_qrseq_frame(seq, i), version, ecc, x0, y0, l->module,
                                 &side)) != FERRY_OK)
        return r;
    cairo_text_extents_t te;
    double pt = 8;

    snprintf(text, sizeof(text), "%s%sframe %zu of %zu%s", label ? label : "",
             label && *label ? " \xe2\x80\x94 " : "", i + 1, n,
             i >= ferry_qrseq_k(seq) ? " (parity)" : "");
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, pt); /* smaller type where the cells are narrow */
    cairo_text_extents(cr, text, &te);
    if (te.width > 0.95 * l->cell_w)
        pt = fmax(4, pt * 0.95 * l->cell_w / te.width);
    show_text_centered(cr, text, x0 + side / 2, y0 + side + 3.5 * MM, pt);
    return FERRY_OK;
}

static ferry_err draw_grid(cairo_t *cr, const struct ferry_qrseq *seq, double page_w,
                           const char *label, int version, char ecc, const struct layout *l,
                           int *pages)
{
    size_t i, n = ferry_qrseq_count(seq), per = (size_t)(l->cols * l->rows);
    int np = (int)((n + per - 1) / per), p = 0;
    char head[256];
    ferry_err r = FERRY_OK;

    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (i = 0; i < n; i++) {
        if (i % per == 0) {
            if (i > 0)
                cairo_show_page(cr);
            p++;
            cairo_set_source_rgb(cr, 0, 0, 0);
            snprintf(head, sizeof(head),
                     "%s%sQR page %d of %d \xe2\x80\x94 any %zu of the %zu "
                     "codes rebuild the transfer",
                     label ? label : "", label ? " \xe2\x80\x94 " : "", p, np, ferry_qrseq_k(seq),
                     n);
            show_text_centered(cr, head, page_w / 2, PAGE_MARGIN + 4 * MM, 9);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        if ((r = draw_one(cr, seq, i, l, label, version, ecc)) != FERRY_OK)
            return r;
    }
    cairo_show_page(cr);
    *pages = np;
    return cairo_status(cr) == CAIRO_STATUS_SUCCESS
               ? FERRY_OK
               : ferry_errf(FERRY_ERR_IO, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
}

static cairo_status_t buf_write(void *closure, const unsigned char *data, unsigned int len)
{
    return ferry_buf_append(closure, data, len) == FERRY_OK ? CAIRO_STATUS_SUCCESS
                                                            : CAIRO_STATUS_WRITE_ERROR;
}

ferry_err ferry_qr_write_pdf(const char *path, const struct ferry_qrseq *seq,
                             const struct ferry_qr_opts *o, const struct ferry_qr_paper *paper)
{
    struct layout l;
    struct ferry_buf b;
    cairo_surface_t *s = NULL;
    cairo_t *cr = NULL;
    int pages = 0;
    ferry_err r;

    ferry_buf_init(&b, HTML_MAX);
    s = cairo_pdf_surface_create_for_stream(buf_write, &b, FERRY_QR_A4_W, FERRY_QR_A4_H);
    if (o->title != NULL)
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, o->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ferry");
    cr = cairo_create(s);
    layout_of(paper, FERRY_QR_A4_W, FERRY_QR_A4_H, &l);
    r = draw_grid(cr, seq, FERRY_QR_A4_W, o->label, paper->version, paper->ecc, &l, &pages);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (r == FERRY_OK && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        r = ferry_errf(FERRY_ERR_IO, "writing PDF %s: %s", path,
                       cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_destroy(s);
    if (r == FERRY_OK)
        r = ferry_file_write_atomic(path, b.data, b.len, 0644);
    if (r == FERRY_OK)
        ferry_log(FERRY_LOG_INFO,
                  "%s: %zu QR codes on %d A4 page(s): version %d-%c, %d x %d per page, %.2f mm "
                  "modules; any %zu rebuild the package, so %zu (%.0f %%) may be lost",
                  path, ferry_qrseq_count(seq), pages, paper->version, paper->ecc, paper->cols,
                  paper->rows, paper->module_mm, ferry_qrseq_k(seq),
                  ferry_qrseq_count(seq) - ferry_qrseq_k(seq),
                  100.0 * (double)(ferry_qrseq_count(seq) - ferry_qrseq_k(seq)) /
                      (double)ferry_qrseq_count(seq));
    ferry_buf_free(&b);
    return r;
}

/* ---- HTML ---- */

static ferry_err svg_path(struct ferry_buf *b, const QRcode *q)
{
    int mx, my, w = q->width;
    ferry_err r = FERRY_OK;

    for (my = 0; my < w && r == FERRY_OK; my++) {
        for (mx = 0; mx < w && r == FERRY_OK; mx++) {
            int run = 0;
            while (mx + run < w && (q->data[my * w + mx + run] & 1))
                run++;
            if (run == 0)
                continue;
            r = ferry_buf_printf(b, "M%d %dh%dv1h-%dz", mx + FERRY_QR_QUIET, my + FERRY_QR_QUIET,
                                 run, run);
            mx += run;
        }
    }
    return r;
}

static ferry_err html_escape(struct ferry_buf *b, const char *s)
{
    ferry_err r = FERRY_OK;

    for (; s != NULL && *s && r == FERRY_OK; s++) {
        switch (*s) {
        case '<': r = ferry_buf_puts(b, "&lt;"); break;
        case '>': r = ferry_buf_puts(b, "&gt;"); break;
        case '&': r = ferry_buf_puts(b, "&amp;"); break;
        case '"': r = ferry_buf_puts(b, "&quot;"); break;
        case '\'': r = ferry_buf_puts(b, "&#39;"); break;
        default: r = ferry_buf_append(b, s, 1);
        }
    }
    return r;
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width\">\n<title>";
static const char html_style[] =
    "</title>\n<style>\nhtml,body{background:#fff;color:#000;margin:0;font-family:sans-serif;"
    "text-align:center}\nsvg{display:block;margin:8px auto;width:min(96vw,calc(100vh - 110px));"
    "height:min(96vw,calc(100vh - 110px))}\np{margin:4px}\nbutton{font-size:16px}\n"
    "</style></head>\n<body>\n<svg id=\"q\" xmlns=\"http://www.w3.org/2000/svg\" "
    "shape-rendering=\"crispEdges\"><rect id=\"bg\" fill=\"#fff\"/>"
    "<path id=\"p\" fill=\"#000\"/></svg>\n<p><b id=\"s\">frame 1</b> &middot; ";
static const char html_controls[] =
    "</p>\n<p><button id=\"slow\">slower (-)</button> <button id=\"pause\">pause (space)"
    "</button> <button id=\"fast\">faster (+)</button> <span id=\"fps\"></span></p>\n"
    "<script>\n\"use strict\";\nvar F=[\n";
/* F[i] = [side in modules, svg path] of frame i; S = display order (ferry_qrseq_schedule).
 * ?frame=I (1-based frame number) &pause=1 &fps=X are honoured (tests, and to resume). */
static const char html_script[] =
    "];\nvar K=%zu,N=F.length,pos=0,fps=%.3g,paused=false,timer=null;\n"
    "var qs=new URLSearchParams(location.search);\n"
    "if(qs.has('frame')){var want=(parseInt(qs.get('frame'),10)||1)-1;"
    "pos=Math.max(0,S.indexOf(want));}\n"
    "if(qs.has('fps'))fps=Math.max(0.2,Math.min(60,parseFloat(qs.get('fps'))||fps));\n"
    "if(qs.get('pause')==='1')paused=true;\n"
    "function $(id){return document.getElementById(id);}\n"
    "function show(){var i=S[pos],f=F[i];$('q').setAttribute('viewBox','0 0 '+f[0]+' '+f[0]);\n"
    " $('bg').setAttribute('width',f[0]);$('bg').setAttribute('height',f[0]);\n"
    " $('p').setAttribute('d',f[1]);\n"
    " $('s').textContent='frame '+(i+1)+' of '+N+(i>=K?' (parity)':'');\n"
    " $('fps').textContent=fps.toFixed(1)+' frames/s'+(paused?' \\u2014 paused':'');\n"
    " $('pause').textContent=paused?'play (space)':'pause (space)';}\n"
    "function step(d){pos=(pos+d+N)%%N;show();}\n"
    "function tick(){if(!paused)step(1);}\n"
    "function restart(){if(timer)clearInterval(timer);timer=setInterval(tick,1000/fps);show();}\n"
    "function speed(m){fps=Math.max(0.2,Math.min(60,fps*m));restart();}\n"
    "$('slow').onclick=function(){speed(1/1.25);};$('fast').onclick=function(){speed(1.25);};\n"
    "$('pause').onclick=function(){paused=!paused;show();};\n"
    "document.addEventListener('keydown',function(e){if(e.key==='+'||e.key==='=')speed(1.25);\n"
    " else if(e.key==='-')speed(1/1.25);else if(e.key===' '){paused=!paused;show();"
    "e.preventDefault();}\n"
    " else if(e.key==='ArrowRight')step(1);else if(e.key==='ArrowLeft')step(-1);});\n"
    "restart();\n</script>\n</body></html>\n";

static ferry_err html_frames(struct ferry_buf *b, const struct ferry_qrseq *seq,
                             const struct ferry_qr_opts *o)
{
    QRcode *q = NULL;
    size_t i, n = ferry_qrseq_count(seq);
    ferry_err r = FERRY_OK;

    for (i = 0; i < n && r == FERRY_OK; i++) {
        if ((r = ferry_qr_code(ferry_qrseq_frame(seq, i), o->version, o->ecc, &q)) != FERRY_OK)
            break;
        if ((r = ferry_buf_printf(b, "[%d,\"", q->width + 2 * FERRY_QR_QUIET)) == FERRY_OK &&
            (r = svg_path(b, q)) == FERRY_OK)
            r = ferry_buf_puts(b, i + 1 < n ? "\"],\n" : "\"]\n");
        QRcode_free(q);
        q = NULL;
    }
    if (r == FERRY_OK)
        r = ferry_buf_puts(b, "];\nvar S=[");
    for (i = 0; i < n && r == FERRY_OK; i++)
        r = ferry_buf_printf(b, i + 1 < n ? "%zu," : "%zu", ferry_qrseq_schedule(seq, i));
    return r;
}

ferry_err ferry_qr_write_html(const char *path, const struct ferry_qrseq *seq,
                              const struct ferry_qr_opts *o)
{
    struct ferry_buf b;
    ferry_err r;

    ferry_buf_init(&b, HTML_MAX);
    if ((r = ferry_buf_puts(&b, html_head)) != FERRY_OK ||
        (r = html_escape(&b, o->title ? o->title : "ferry QR transfer")) != FERRY_OK ||
        (r = ferry_buf_puts(&b, html_style)) != FERRY_OK ||
        (r = html_escape(&b, o->label ? o->label : ferry_qrseq_session(seq))) != FERRY_OK ||
        (r = ferry_buf_printf(&b, " &middot; any %zu frames rebuild it", ferry_qrseq_k(seq))) !=
            FERRY_OK ||
        (r = ferry_buf_puts(&b, html_controls)) != FERRY_OK ||
        (r = html_frames(&b, seq, o)) != FERRY_OK ||
        (r = ferry_buf_printf(&b, html_script, ferry_qrseq_k(seq), o->fps)) != FERRY_OK)
        goto out;
    r = ferry_file_write_atomic(path, b.data, b.len, 0644);
out:
    ferry_buf_free(&b);
    return r;
}

/* ---- terminal ---- */

static int light(const QRcode *q, int x, int y)
{
    x -= FERRY_QR_QUIET;
    y -= FERRY_QR_QUIET;
    if (y >= q->width + FERRY_QR_QUIET)
        return 0; /* below the bottom quiet zone: terminal background */
    if (x < 0 || y < 0 || x >= q->width || y >= q->width)
        return 1;
    return !(q->data[y * q->width + x] & 1);
}

ferry_err ferry_qr_term_code(FILE *f, const QRcode *q, int color)
{
    /* Light modules are drawn (white on black), so a camera sees dark modules as dark. */
    static const char *const cell[4] = {" ", "\xe2\x96\x84", "\xe2\x96\x80", "\xe2\x96\x88"};
    int side = q->width + 2 * FERRY_QR_QUIET, x, y;

    for (y = 0; y < side; y += 2) {
        if (color)
            fputs("\x1b[97;40m", f);
        for (x = 0; x < side; x++)
            fputs(cell[light(q, x, y) * 2 + light(q, x, y + 1)], f);
        fputs(color ? "\x1b[0m\n" : "\n", f);
    }
    return ferror(f) ? ferry_errf(FERRY_ERR_IO, "writing the terminal: %s", strerror(errno))
                     : FERRY_OK;
}
