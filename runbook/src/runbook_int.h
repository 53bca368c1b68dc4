/* ferry — runbook internals: the block list both renderers (text, PDF) draw from. */
#ifndef FERRY_RUNBOOK_INT_H
#define FERRY_RUNBOOK_INT_H

#include <stddef.h>

#include <cairo.h>

#include "ferry/qr.h"
#include "ferry/qrseq.h"
#include "ferry/runbook.h"

#define RB_MAX_VALUE  1024 /* bytes per field: longer fields are refused */
#define RB_MAX_BLOCKS 8192 /* a trip of FERRY_RUNBOOK_MAX_ITEMS transfers fits */
#define RB_TEXT_COLS  78

enum rb_kind {
    RB_TITLE = 1, /* text */
    RB_HEADING,   /* text */
    RB_PARA,      /* text */
    RB_STEP,      /* key = number ("A1"), text; a box to tick */
    RB_CMD,       /* text = a command to type, mono, indented under its step */
    RB_KV,        /* key, text (NULL = blank to fill in), mono: break at groups only */
    RB_SIGN,      /* key = role ("Handed over by"): name, signature, date, time lines */
    RB_BREAK,     /* page break (PDF), blank line (text) */
    RB_CODE,      /* text = one line of a shell recipe, mono, kept whole where it fits */
    RB_QR,        /* the paper QR pages go here (PDF only; nothing in the text form) */
};

struct rb_block {
    enum rb_kind kind;
    char *key;
    char *text;
    int mono;   /* RB_KV: value is code / hex groups */
    int indent; /* RB_KV: 1 = under a step */
};

struct rb_doc {
    struct rb_block *b;
    size_t n;
    char *transfer_id;           /* sanitised, "" when unknown */
    char *footer;                /* "ferry runbook · transfer ID" */
    struct ferry_qrseq *seq;     /* medium PDF with package bytes: the frames printed */
    struct ferry_qr_paper paper; /* their version and ECC (the set `--to pdf:` prints) */
};

/** Builds the block list for @rb (strings sanitised to printable UTF-8). */
ferry_err rb_doc_build(const struct ferry_runbook *rb, struct rb_doc **out);
void rb_doc_free(struct rb_doc *d);

/** Copies @s as printable, valid UTF-8 into *out (caller frees): invalid bytes and hidden
 * characters become U+FFFD, white space a plain space. */
ferry_err rb_sanitise(const char *s, char **out);

/** Appends a block (key/text copied and sanitised; NULL allowed). */
ferry_err rb_add(struct rb_doc *d, enum rb_kind kind, const char *key, const char *text, int mono,
                 int indent);

/** Appends a block whose text is formatted (not mono, not indented). */
ferry_err rb_addf(struct rb_doc *d, enum rb_kind kind, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** The content: every block for @rb's leg and medium, in the order the operator meets it
 * (runbook_steps.c). */
ferry_err rb_steps_build(const struct ferry_runbook *rb, struct rb_doc *d);

/** Width of @n bytes of UTF-8 text in some unit (points, columns). */
typedef double (*rb_measure_fn)(void *ctx, const char *s, size_t n, int mono);

struct rb_span {
    size_t off, len;
};

/**
 * Wraps @s into lines no wider than @width: breaks at spaces (dropped), for @mono also after ':'
 * (kept); a word wider than a line is cut between characters. @mono values are balanced so a
 * group-separated value splits into lines of equal length (8 + 8 groups, not 15 + 1).
 * *lines is a new array (caller frees) of *n spans.
 */
ferry_err rb_wrap(const char *s, double width, int mono, rb_measure_fn m, void *ctx,
                  struct rb_span **lines, size_t *n);

/** Length in bytes of the UTF-8 sequence starting at @s (1 for an invalid byte). */
size_t rb_u8len(const char *s);

/** Decodes one UTF-8 character (the input is sanitised: valid UTF-8). */
unsigned long rb_u8dec(const char *s, size_t *len);

/** Terminal columns of @n bytes of UTF-8 (East Asian wide = 2, combining = 0). */
size_t rb_columns(const char *s, size_t n);

/* ---- PDF pages (runbook_page.c), drawn by runbook_pdf.c and runbook_qr.c ---- */

enum { RB_F_SANS, RB_F_BOLD, RB_F_MONO, RB_F_N };
#define RB_NFB 3 /* fallback families for glyphs the main fonts lack */

struct rb_lay {
    cairo_t *cr;
    int draw;                   /* 0: measure only (pass 1), 1: draw (pass 2) */
    double w, h;                /* page size, points */
    double x0, x1, top, bottom; /* content box */
    double y;                   /* bottom of the last line laid out */
    int page, pages;            /* current page (1-based), total (known in pass 2) */
    const char *footer;         /* borrowed */
    cairo_font_face_t *face[RB_F_N];
    cairo_font_face_t *fb[RB_NFB];
    const struct ferry_qrseq *seq;      /* paper QR frames, or NULL */
    const struct ferry_qr_paper *paper; /* their version and ECC */
    const char *id;                     /* transfer id for the code labels */
    int mfont;                          /* font and size the wrap measure uses */
    double msize;
};

ferry_err rb_lay_init(struct rb_lay *L, cairo_t *cr, double w, double h, const char *footer);
void rb_lay_clear(struct rb_lay *L);
/** Measures @n bytes of text (and draws them at baseline (x, y) when L->draw); the advance. */
double rb_text(struct rb_lay *L, int font, double size, const char *s, size_t n, double x,
               double y);
/** Ends the page: footer "ferry runbook · transfer ID", "page n of m"; shows it when drawing. */
void rb_page_end(struct rb_lay *L);
void rb_page_start(struct rb_lay *L);

/** Lays out (pass 1) or draws (pass 2) the paper QR pages after the text pages, for medium
 * PDF with package bytes (runbook_qr.c). Nothing otherwise. */
ferry_err rb_qr_pages(struct rb_lay *L, const struct rb_block *k);

/** The grid of a runbook QR page: codes of one version, @cols x @rows, modules in points. */
struct rb_qr_grid {
    int version, cols, rows;
    double module;
};

/**
 * The grid for @paper's codes in the content box of @L: the grid `--to pdf:` chose when its
 * modules stay >= FERRY_QR_PDF_MODULE_MM here, else the one with the most codes per page that
 * does. FERRY_ERR_USAGE when no grid fits (a version too large for the page).
 */
ferry_err rb_qr_grid(const struct rb_lay *L, const struct ferry_qr_paper *paper,
                     struct rb_qr_grid *g);

/** Where code @slot (0 .. cols*rows-1) of a QR page goes: top-left of its quiet zone. */
void rb_qr_geometry(const struct rb_lay *L, const struct rb_qr_grid *g, size_t slot, double *x,
                    double *y);

/** Words for a blank line to fill in, text form. */
#define RB_BLANK "________________________________"

#endif
