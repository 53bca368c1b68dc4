/* ferry — QR media: options, defaults, write/read dispatch, terminal animation, progress. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ferry/log.h"
#include "qr_int.h"

void ferry_qr_opts_default(struct ferry_qr_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->parity_pct = -1;
}

/* Fills the defaults of the medium into a copy of the caller's options. */
static ferry_err resolve(enum ferry_medium_kind kind, const struct ferry_qr_opts *in,
                         struct ferry_qr_opts *o)
{
    int pdf = kind == FERRY_MEDIUM_PDF;

    if (in != NULL)
        *o = *in;
    else
        ferry_qr_opts_default(o);
    if (o->version == 0 && !pdf) /* paper: chosen per package in ferry_qr_write */
        o->version = FERRY_QR_SCREEN_VERSION;
    if (o->ecc == 0 && !pdf)
        o->ecc = FERRY_QR_SCREEN_ECC;
    if (o->parity_pct < 0) /* animations: every parity frame the code allows, all distinct */
        o->parity_pct = pdf                        ? FERRY_QR_PDF_PARITY
                        : kind == FERRY_MEDIUM_PNG ? FERRY_QR_SCREEN_PARITY
                                                   : FERRY_QR_PARITY_ALL;
    if (o->fps <= 0)
        o->fps = FERRY_QR_FPS;
    if (o->module_px == 0)
        o->module_px = FERRY_QR_PNG_MODULE_PX;
    if (o->version < (pdf ? 0 : 1) || o->version > 40)
        return ferry_errf(FERRY_ERR_USAGE, "QR version %d: choose 1 to 40", o->version);
    if ((o->ecc != 0 || !pdf) && strchr("LMQH", o->ecc) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "QR error correction '%c': choose L, M, Q or H", o->ecc);
    if ((o->parity_pct > 300 && o->parity_pct != FERRY_QR_PARITY_ALL) || o->fps > 60 ||
        o->module_px < 1 || o->module_px > 64)
        return ferry_errf(FERRY_ERR_USAGE, "QR options out of range: parity 0-300 %%, "
                                           "0.2-60 frames/s, 1-64 pixels per module");
    return FERRY_OK;
}

static ferry_err encode(const uint8_t *pkg, size_t len, const struct ferry_qr_opts *o,
                        struct ferry_qrseq **seq)
{
    struct ferry_qrseq_params par = {o->version, o->ecc, o->parity_pct};
    ferry_err r;

    if ((r = ferry_qrseq_encode(pkg, len, FERRY_QR_PACKAGE, &par, seq)) != FERRY_OK)
        return r;
    if (ferry_qrseq_count(*seq) <= FERRY_QR_MAX_FRAMES)
        return FERRY_OK;
    r = ferry_errf(FERRY_ERR_TOO_LARGE, "%zu QR frames: too many; use usb",
                   ferry_qrseq_count(*seq));
    ferry_qrseq_free(*seq);
    *seq = NULL;
    return r;
}

ferry_err ferry_qr_paper_set(const uint8_t *pkg, size_t len, const struct ferry_qr_opts *in,
                             struct ferry_qr_paper *paper, struct ferry_qrseq **seq)
{
    struct ferry_qr_opts o;
    size_t mlen;
    ferry_err r;

    if (seq != NULL)
        *seq = NULL;
    if ((r = resolve(FERRY_MEDIUM_PDF, in, &o)) != FERRY_OK)
        return r;
    if ((mlen = ferry_qrseq_message_bytes(pkg, len)) == 0)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "package of %zu bytes: cannot compress it for QR codes (at most "
                          "16 MiB)",
                          len);
    /* the layout with the fewest pages for this package */
    if ((r = ferry_qr_paper_choose(mlen, o.version, o.ecc, o.parity_pct, FERRY_QR_A4_W,
                                   FERRY_QR_A4_H, paper)) != FERRY_OK)
        return r;
    o.version = paper->version;
    o.ecc = paper->ecc;
    return seq != NULL ? encode(pkg, len, &o, seq) : FERRY_OK;
}

void ferry_qr_paper_format(const struct ferry_qr_paper *p, char out[FERRY_QR_PAPER_RECORD_MAX])
{
    snprintf(out, FERRY_QR_PAPER_RECORD_MAX, "paper v%d-%c parity %d\n", p->version, p->ecc,
             p->parity_pct);
}

ferry_err ferry_qr_paper_parse(const char *s, size_t n, struct ferry_qr_opts *o)
{
    char buf[FERRY_QR_PAPER_RECORD_MAX], ecc = 0, nl = 0;
    int v = 0, pct = 0, used = 0;

    ferry_qr_opts_default(o);
    if (n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "QR paper record: not one short line");
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (sscanf(buf, "paper v%2d-%c parity %3d%c%n", &v, &ecc, &pct, &nl, &used) != 4 ||
        (size_t)used != n || nl != '\n' || v < 1 || v > 40 || strchr("LMQH", ecc) == NULL ||
        ecc == '\0' || pct < 0 || pct > 300)
        return ferry_errf(FERRY_ERR_FORMAT, "QR paper record '%.*s': not 'paper vN-E parity P'",
                          (int)strcspn(buf, "\n"), buf);
    o->version = v;
    o->ecc = ecc;
    o->parity_pct = pct;
    return FERRY_OK;
}

/* ---- terminal size ---- */

/* Characters a code of @version takes in the terminal: the half blocks put two modules in one
 * row, the quiet zone is FERRY_QR_QUIET modules each side, and the status line takes a row. */
static void screen_cells(int version, int *cols, int *rows)
{
    int side = 17 + 4 * version + 2 * FERRY_QR_QUIET;

    *cols = side;
    *rows = (side + 1) / 2 + 1;
}

static int screen_fits(int version, unsigned cols, unsigned rows)
{
    int c, rw;

    screen_cells(version, &c, &rw);
    return (unsigned)c <= cols && (unsigned)rw <= rows;
}

/* The largest version up to the screen default (the largest measured to read off a screen)
 * that fits @cols x @rows and carries ferry frames at @ecc; 0 when none does. */
static int screen_fit(unsigned cols, unsigned rows, char ecc)
{
    for (int v = FERRY_QR_SCREEN_VERSION; v >= 1; v--)
        if (screen_fits(v, cols, rows) && ferry_qrseq_frame_bytes(v, ecc) > 0)
            return v;
    return 0;
}

/* The terminal the animation goes to: its size in characters, 0 when not a terminal. */
static int term_size(int fd, unsigned *cols, unsigned *rows)
{
    struct winsize ws;

    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0)
        return 0;
    *cols = ws.ws_col;
    *rows = ws.ws_row;
    return 1;
}

/*
 * On a terminal the version is the largest that fits it (or the one given, if it fits), said
 * before the animation starts; a terminal too small is refused before anything is drawn, with
 * the size needed. Elsewhere (a file, a pipe) the defaults stand.
 */
static ferry_err screen_plan(const char *path, const struct ferry_qr_opts *given,
                             struct ferry_qr_opts *o)
{
    unsigned cols = 0, rows = 0;
    int want = given != NULL ? given->version : 0, fit, min = 1, c, rw;

    if (path != NULL || !term_size(fileno(o->screen), &cols, &rows))
        return FERRY_OK;
    fit = screen_fit(cols, rows, o->ecc);
    while (min < 40 && ferry_qrseq_frame_bytes(min, o->ecc) == 0)
        min++;
    screen_cells(want ? want : min, &c, &rw); /* the size a refusal names */
    if (want == 0 && fit == 0)
        return ferry_errf(FERRY_ERR_USAGE,
                          "the terminal is %ux%u characters; the smallest QR code that carries "
                          "ferry frames at ECC %c (version %d) needs %dx%d: enlarge the window "
                          "or use a smaller font, or write pdf:FILE or png:DIR",
                          cols, rows, o->ecc, min, c, rw);
    if (want != 0 && !screen_fits(want, cols, rows))
        return ferry_errf(FERRY_ERR_USAGE,
                          "the terminal is %ux%u characters; QR version %d needs %dx%d: enlarge "
                          "the window or use a smaller font%s%.0d%s",
                          cols, rows, want, c, rw, fit ? ", or give --qr-version " : "", fit,
                          fit ? " (the largest that fits)" : "");
    if (want == 0)
        o->version = fit;
    screen_cells(o->version, &c, &rw);
    ferry_log(FERRY_LOG_INFO,
              "the terminal is %ux%u characters: showing QR version %d-%c (%dx%d characters)%s",
              cols, rows, o->version, o->ecc, c, rw, want ? "" : ", the largest that fits");
    return FERRY_OK;
}

ferry_err ferry_qr_write(enum ferry_medium_kind kind, const char *path, const uint8_t *pkg,
                         size_t len, const struct ferry_qr_opts *opts)
{
    struct ferry_qrseq *seq = NULL;
    struct ferry_qr_opts o;
    struct ferry_qr_paper paper;
    ferry_err r;

    if ((r = resolve(kind, opts, &o)) != FERRY_OK)
        return r;
    if (path == NULL && kind != FERRY_MEDIUM_SCREEN)
        return ferry_errf(FERRY_ERR_USAGE, "medium %s needs a path", ferry_medium_kind_name(kind));
    if (path == NULL && o.screen == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "medium screen: no stream to draw on was given");
    if (kind == FERRY_MEDIUM_PDF)
        r = ferry_qr_paper_set(pkg, len, opts, &paper, &seq);
    else if (kind != FERRY_MEDIUM_SCREEN || (r = screen_plan(path, opts, &o)) == FERRY_OK)
        r = encode(pkg, len, &o, &seq);
    if (r != FERRY_OK)
        goto out;
    switch (kind) {
    case FERRY_MEDIUM_PNG: r = ferry_qr_write_png_dir(path, seq, &o); break;
    case FERRY_MEDIUM_PDF: r = ferry_qr_write_pdf(path, seq, &o, &paper); break;
    case FERRY_MEDIUM_HTML: r = ferry_qr_write_html(path, seq, &o); break;
    case FERRY_MEDIUM_SCREEN: r = ferry_qr_write_screen(path, seq, &o); break;
    default:
        r = ferry_errf(FERRY_ERR_USAGE, "cannot write QR codes to medium %s",
                       ferry_medium_kind_name(kind));
    }
out:
    ferry_qrseq_free(seq);
    return r;
}

/* ---- terminal animation ---- */

static volatile sig_atomic_t resized;

static void on_winch(int sig)
{
    (void)sig;
    resized = 1;
}

struct anim {
    FILE *f;
    int tty_in, tty_out, quit, paused;
    int small;     /* the window is smaller than the code: only the status line is drawn */
    int need_cols; /* characters the code and its status line take */
    int need_rows;
    unsigned cols, rows; /* the terminal's size, 0 when unknown */
    double fps;
};

/* Reads the window's size (at the start and after SIGWINCH): is the code still whole in it? */
static void term_check(struct anim *a)
{
    resized = 0;
    if (!a->tty_out || !term_size(fileno(a->f), &a->cols, &a->rows))
        return;
    a->small = a->cols < (unsigned)a->need_cols || a->rows < (unsigned)a->need_rows;
    if (a->tty_in)
        fputs("\x1b[2J", a->f); /* what the old size left on the screen */
}

static void handle_key(struct anim *a, int c)
{
    if (c == '+' || c == '=')
        a->fps = a->fps * 1.25 > 60 ? 60 : a->fps * 1.25;
    else if (c == '-')
        a->fps = a->fps / 1.25 < 0.2 ? 0.2 : a->fps / 1.25;
    else if (c == ' ')
        a->paused = !a->paused;
    else if (c == 'q' || c == 'Q' || c == 3 || c == 27)
        a->quit = 1;
}

/* Waits one frame period (or while paused), reading keys when stdin is a terminal; returns
 * early when a key changes what the status line says or the window was resized. */
static void frame_wait(struct anim *a)
{
    struct timespec t0, t1;
    double ms = 1000.0 / a->fps, spent;
    unsigned char c;

    if (!a->tty_in) {
        struct timespec d = {(time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6)};
        if (a->tty_out)
            nanosleep(&d, NULL);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        clock_gettime(CLOCK_MONOTONIC, &t1);
        spent = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        if ((!a->paused && spent >= ms) || resized)
            return;
        if (poll(&p, 1, a->paused ? -1 : (int)(ms - spent) + 1) <= 0)
            continue;
        if (read(STDIN_FILENO, &c, 1) != 1) {
            a->quit = 1;
            return;
        }
        handle_key(a, c);
        if (a->quit || c == ' ' || c == '+' || c == '=' || c == '-')
            return; /* redraw the status line at once */
    }
}

/* Writes @s cut to @cols terminal columns (UTF-8: one column per character here). */
static void put_cols(FILE *f, const char *s, unsigned cols)
{
    unsigned n = 0;

    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80 && n++ >= cols)
            break;
        fputc(*s, f);
    }
}

/* The line under the code (or alone, when the window is too small for it). The last column
 * stays free: a line that fills it would scroll the code up on some terminals. */
static void status_line(struct anim *a, const struct ferry_qrseq *seq, size_t i,
                        const struct ferry_qr_opts *o)
{
    char line[512];
    int n;

    if (a->small)
        n = snprintf(line, sizeof(line),
                     "window too small: %ux%u characters, the codes need %dx%d: enlarge it "
                     "or use a smaller font",
                     a->cols, a->rows, a->need_cols, a->need_rows);
    else
        n = snprintf(line, sizeof(line), "frame %zu of %zu%s \xe2\x80\x94 %s%sQR %d-%c", i + 1,
                     ferry_qrseq_count(seq), i >= ferry_qrseq_k(seq) ? " (parity)" : "",
                     o->label ? o->label : "", o->label ? " \xe2\x80\x94 " : "", o->version,
                     o->ecc);
    if (a->tty_in && n > 0 && (size_t)n < sizeof(line))
        snprintf(line + n, sizeof(line) - (size_t)n,
                 " \xe2\x80\x94 %.1f frames/s%s \xe2\x80\x94 +/- speed, space pause, q quit",
                 a->fps, a->paused ? " (paused)" : "");
    if (a->tty_in && a->cols > 1)
        put_cols(a->f, line, a->cols - 1);
    else
        fputs(line, a->f);
    fputs(a->tty_in ? "\x1b[K" : "\n", a->f);
}

static ferry_err show_frame(struct anim *a, const struct ferry_qrseq *seq, size_t i,
                            const struct ferry_qr_opts *o)
{
    QRcode *q = NULL;
    ferry_err r = FERRY_OK;

    if (resized)
        term_check(a);
    if (a->tty_in)
        fputs("\x1b[H", a->f);
    if (!a->small) {
        if ((r = ferry_qr_code(ferry_qrseq_frame(seq, i), o->version, o->ecc, &q)) != FERRY_OK)
            return r;
        r = ferry_qr_term_code(a->f, q, 1);
        QRcode_free(q);
    }
    if (r == FERRY_OK) {
        status_line(a, seq, i, o);
        fflush(a->f);
    }
    return r;
}

static ferry_err animate(struct anim *a, const struct ferry_qrseq *seq,
                         const struct ferry_qr_opts *o)
{
    size_t i, step, n = ferry_qrseq_count(seq);
    int loop, loops = o->loops > 0 ? o->loops : (a->tty_in ? 0 : 1);
    ferry_err r = FERRY_OK;

    screen_cells(o->version, &a->need_cols, &a->need_rows);
    term_check(a);
    for (loop = 0; (loops == 0 || loop < loops) && !a->quit; loop++) {
        for (step = 0; step < n && !a->quit; step++) {
            i = ferry_qrseq_schedule(seq, step);
            if ((r = show_frame(a, seq, i, o)) != FERRY_OK)
                return r;
            frame_wait(a);
            /* paused, or no code drawn (the window too small): this frame again */
            while (a->tty_in && (a->paused || a->small || resized) && !a->quit) {
                if ((r = show_frame(a, seq, i, o)) != FERRY_OK)
                    return r;
                frame_wait(a);
            }
        }
    }
    return r;
}

ferry_err ferry_qr_write_screen(const char *path, const struct ferry_qrseq *seq,
                                const struct ferry_qr_opts *o)
{
    struct anim a = {NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, o->fps};
    struct sigaction sa, old;
    struct termios saved, raw;
    int restore = 0, winch = 0;
    ferry_err r;

    a.f = path != NULL ? fopen(path, "we") : o->screen;
    if (a.f == NULL)
        return ferry_errf(FERRY_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    a.tty_out = isatty(fileno(a.f));
    a.tty_in = a.tty_out && isatty(STDIN_FILENO);
    if (a.tty_in && tcgetattr(STDIN_FILENO, &saved) == 0) {
        raw = saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        fputs("\x1b[?25l\x1b[2J", a.f);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_winch; /* no SA_RESTART: poll returns at once */
        sigemptyset(&sa.sa_mask);
        winch = sigaction(SIGWINCH, &sa, &old) == 0;
    } else {
        a.tty_in = 0;
    }
    r = animate(&a, seq, o);
    if (winch)
        sigaction(SIGWINCH, &old, NULL);
    if (restore) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        fputs("\x1b[?25h\n", a.f);
    }
    fflush(a.f);
    if (path != NULL && fclose(a.f) != 0 && r == FERRY_OK)
        r = ferry_errf(FERRY_ERR_IO, "writing %s: %s", path, strerror(errno));
    return r;
}

/* ---- reading ---- */

/*
 * Frames of several transfers may sit in one folder or pass one camera. Each transfer (session
 * and geometry, ferry_qrseq_info.key) gets its own reassembler, so frames of other transfers
 * are refused — never mixed in — and a few stray or forged frames that happen to come first
 * cannot block a complete transfer behind them: the first transfer whose rebuilt data matches
 * its id wins. When all slots are taken, the one with the fewest frames makes room.
 */
#define READER_SESSIONS 16

struct reader {
    struct ferry_qrseq_dec *d[READER_SESSIONS];
    char key[READER_SESSIONS][48];
    size_t nd;
    size_t codes, unreadable, refused;
    struct ferry_qrseq_dec *first; /* the transfer of the first frame read: the one reported */
    struct ferry_qrseq_dec *done;  /* the transfer rebuilt and checked */
    uint8_t *pkg;                  /* its package */
    size_t len;
};

static const char *status_name(enum ferry_qr_status st)
{
    switch (st) {
    case FERRY_QR_NEW: return "new";
    case FERRY_QR_DUPLICATE: return "duplicate";
    case FERRY_QR_FOREIGN: return "foreign session, refused";
    case FERRY_QR_INCONSISTENT: return "inconsistent header or data, refused";
    default: return "unreadable (not a ferry frame)";
    }
}

/* The reassembler of the transfer of @fi, made on first sight; NULL on failure. */
static struct ferry_qrseq_dec *session_of(struct reader *rd, const struct ferry_qrseq_info *fi)
{
    size_t i, slot;

    for (i = 0; i < rd->nd; i++)
        if (strcmp(rd->key[i], fi->key) == 0)
            return rd->d[i];
    slot = rd->nd;
    if (slot == READER_SESSIONS) { /* evict the transfer with the fewest frames */
        slot = 0;
        for (i = 1; i < rd->nd; i++)
            if (ferry_qrseq_dec_received(rd->d[i]) < ferry_qrseq_dec_received(rd->d[slot]))
                slot = i;
        if (rd->d[slot] == rd->first)
            rd->first = NULL;
        ferry_qrseq_dec_free(rd->d[slot]);
        rd->d[slot] = NULL;
    } else {
        rd->nd++;
    }
    if (ferry_qrseq_dec_new(fi->session, &rd->d[slot]) != FERRY_OK) {
        rd->d[slot] = rd->d[--rd->nd]; /* keep the array dense */
        rd->d[rd->nd] = NULL;
        memcpy(rd->key[slot], rd->key[rd->nd], sizeof(rd->key[slot]));
        return NULL;
    }
    snprintf(rd->key[slot], sizeof(rd->key[slot]), "%s", fi->key);
    if (rd->first == NULL)
        rd->first = rd->d[slot];
    return rd->d[slot];
}

/* Tries to rebuild a transfer that has enough frames; 1 when its data matched its id. */
static int try_rebuild(struct reader *rd, struct ferry_qrseq_dec *d)
{
    size_t bad[8], nbad, i;
    ferry_err r = ferry_qrseq_dec_result(d, &rd->pkg, &rd->len);

    if (r == FERRY_ERR_SIG_INVALID) {
        ferry_log(FERRY_LOG_WARN, "%s \xe2\x80\x94 reading on", ferry_err_detail());
        return 0;
    }
    nbad = ferry_qrseq_dec_bad_frames(d, bad, 8);
    for (i = 0; i < nbad && i < 8; i++)
        ferry_log(FERRY_LOG_WARN,
                  "frame %zu (session %s) disagrees with the rebuilt data: left out (altered "
                  "or forged; the other frames stood in for it)",
                  bad[i], ferry_qrseq_dec_session(d));
    if (r != FERRY_OK) { /* not a zlib stream, too large: this transfer is done, badly */
        rd->done = d;
        return 1;
    }
    if (d != rd->first && rd->first != NULL && ferry_qrseq_dec_session(rd->first) != NULL)
        ferry_log(FERRY_LOG_WARN,
                  "session %s is complete: the first frames read (session %s) belong to "
                  "another transfer",
                  ferry_qrseq_dec_session(d), ferry_qrseq_dec_session(rd->first));
    rd->done = d;
    return 1;
}

/* The one pipeline every decoded text goes through, from images and from the camera. */
static int on_text(void *ctx, const char *text, size_t len)
{
    struct reader *rd = ctx;
    struct ferry_qrseq_info fi;
    struct ferry_qrseq_dec *d = NULL;
    enum ferry_qr_status st = FERRY_QR_UNREADABLE;

    rd->codes++;
    if (ferry_qrseq_frame_info(text, len, &fi) != FERRY_OK || (d = session_of(rd, &fi)) == NULL ||
        ferry_qrseq_dec_add(d, text, len, &st) != FERRY_OK || st == FERRY_QR_UNREADABLE) {
        rd->unreadable++;
        ferry_log(FERRY_LOG_INFO, "a code: %s", status_name(FERRY_QR_UNREADABLE));
        return 0;
    }
    if (d != rd->first && st != FERRY_QR_INCONSISTENT) {
        st = FERRY_QR_FOREIGN; /* kept apart, in case ours turns out to be the stray one */
        if (rd->first != NULL && ferry_qrseq_dec_session(rd->first) != NULL &&
            strcmp(ferry_qrseq_dec_session(rd->first), fi.session) == 0)
            st = FERRY_QR_INCONSISTENT; /* our session id, another geometry */
    }
    if (st != FERRY_QR_NEW && st != FERRY_QR_DUPLICATE)
        rd->refused++;
    if (rd->first != NULL)
        ferry_log(FERRY_LOG_INFO, "frame %zu (session %s): %s \xe2\x80\x94 %zu of %zu", fi.frame,
                  fi.session, status_name(st), ferry_qrseq_dec_received(rd->first),
                  ferry_qrseq_dec_needed(rd->first));
    if (!ferry_qrseq_dec_complete(d))
        return 0;
    return try_rebuild(rd, d);
}

/* The transfer with the most frames, for the "incomplete" message. */
static struct ferry_qrseq_dec *best_session(const struct reader *rd)
{
    struct ferry_qrseq_dec *best = NULL;
    size_t i;

    for (i = 0; i < rd->nd; i++)
        if (best == NULL || ferry_qrseq_dec_received(rd->d[i]) > ferry_qrseq_dec_received(best))
            best = rd->d[i];
    return best;
}

/* Images: a fast sweep (raw pass), then a thorough one only if nothing completed. */
static ferry_err read_images(const char *path, struct reader *rd)
{
    struct ferry_qr_scanner *sc = NULL;
    size_t found = 0;
    ferry_err r;

    if ((r = ferry_qr_scanner_new(&sc)) != FERRY_OK)
        return r;
    ferry_qr_scanner_set_thorough(sc, 0);
    r = ferry_qr_scan_path(sc, path, on_text, rd, &found);
    if (r == FERRY_OK && rd->done == NULL) {
        ferry_log(FERRY_LOG_INFO, "not complete after a quick sweep: scanning again with the "
                                  "image filters (slower)");
        ferry_qr_scanner_set_thorough(sc, 1);
        r = ferry_qr_scan_path(sc, path, on_text, rd, &found);
    }
    ferry_qr_scanner_free(sc);
    return r;
}

ferry_err ferry_qr_read(enum ferry_medium_kind kind, const char *path, uint8_t **pkg, size_t *len)
{
    struct reader rd;
    struct ferry_qrseq_dec *best;
    size_t i;
    ferry_err r;

    *pkg = NULL;
    *len = 0;
    memset(&rd, 0, sizeof(rd));
    if (kind == FERRY_MEDIUM_CAMERA)
        r = ferry_qr_scan_camera(path ? path : "/dev/video0", on_text, &rd);
    else if (kind == FERRY_MEDIUM_IMAGES && path != NULL)
        r = read_images(path, &rd);
    else
        r = ferry_errf(FERRY_ERR_USAGE, "cannot read QR codes from medium %s%s",
                       ferry_medium_kind_name(kind), path ? "" : " without a path");
    if (r != FERRY_OK)
        goto out;
    if ((best = rd.done ? rd.done : best_session(&rd)) == NULL) {
        r = ferry_errf(FERRY_ERR_INCOMPLETE,
                       "no ferry QR code found in %s (%zu other codes): "
                       "scan the codes ferry made",
                       path ? path : "the camera's view", rd.unreadable);
        goto out;
    }
    for (i = 0; i < rd.nd; i++)
        if (rd.d[i] != best && ferry_qrseq_dec_received(rd.d[i]) > 0)
            ferry_log(FERRY_LOG_WARN,
                      "refused %zu frame(s) of another transfer (session %s): "
                      "never mixed in",
                      ferry_qrseq_dec_received(rd.d[i]),
                      ferry_qrseq_dec_session(rd.d[i]) ? ferry_qrseq_dec_session(rd.d[i]) : "?");
    if (rd.done != NULL && rd.pkg != NULL) {
        *pkg = rd.pkg;
        *len = rd.len;
        rd.pkg = NULL;
        r = FERRY_OK;
    } else {
        r = ferry_qrseq_dec_result(best, pkg, len);
    }
out:
    free(rd.pkg);
    for (i = 0; i < rd.nd; i++)
        ferry_qrseq_dec_free(rd.d[i]);
    return r;
}
