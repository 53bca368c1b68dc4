/* ferry — tests for the printed runbook: real cairo PDFs read back with poppler's pdftotext,
 * rendered with pdftoppm and checked pixel by pixel for the margins. */
#define _XOPEN_SOURCE 700 /* wcswidth */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <cairo-pdf.h>
#include <cmocka.h>
#include <png.h>

#include "ferry/buf.h"
#include "ferry/crypto.h"
#include "ferry/file.h"
#include "ferry/qr.h"
#include "ferry/runbook.h"
#include "runbook_int.h"
#include "helpers.h"

#define ID  "3f9a0c5e71d24b88a6e0915c2d7b4e13"
#define SHA "9F86 D081 884C 7D65 9A2F EAA0 C55A D015 A3BF 4F1B 2B0B 822C D15D 6C15 B0F0 0A08"
#define OFP "1C2B 3A49 5867 7685 94A3 B2C1 D0EF FE0D 1C2B 3A49 5867 7685 94A3 B2C1 D0EF 0001"
#define NFP "AB12 CD34 EF56 7890 1234 5678 9ABC DEF0 0FED CBA9 8765 4321 0987 65FE DC43 BA21"
#define GTE                                                                                        \
    "A5:31:25:18:8D:21:10:AA:96:4B:02:C7:B7:C6:DA:32:03:17:08:94:E5:FB:71:FF:FB:66:67:D5:E6:81:"   \
    "0A:36"
#define UNAME "Serveur-Z\xC3\xBCrich-\xE6\x9D\xB1\xE4\xBA\xAC"
#define GUID  "{6E1B3C44-9A0D-4F4B-8C1E-2D5A7B9F0C31}"

static char tmpdir[] = "/tmp/ferry-runbook-XXXXXX";

static void sample(struct ferry_runbook *rb, enum ferry_runbook_leg leg,
                   enum ferry_medium_kind medium)
{
    memset(rb, 0, sizeof(*rb));
    rb->leg = leg;
    rb->medium = medium;
    rb->transfer_id = ID;
    rb->kind = FERRY_KIND_RMS;
    rb->server_name = "SRV-RMS01.corp.example";
    rb->guid = GUID;
    rb->request_file = "SRV-RMS01RenewalRequest.xml";
    rb->package_file = "ferry-" ID ".ferry";
    rb->package_sha256 = SHA;
    rb->offline_name = "rms-offline";
    rb->offline_fp = OFP;
    rb->online_name = "online-kiosk";
    rb->online_fp = NFP;
    rb->service_url = "https://activation.drm.microsoft.com/enrollment/enrollservice.asmx";
    rb->anchor_subject = "C=US, O=GTE Corporation, OU=GTE CyberTrust Solutions, Inc., "
                         "CN=GTE CyberTrust Global Root";
    rb->anchor_fp = GTE;
    rb->anchor_not_after = 1534204740;  /* 2018-08-13 23:59 */
    rb->current_not_after = 1767225600; /* 2026-01-01 */
    rb->new_not_after = 1798761600;     /* 2027-01-01: the SLC's renewal date (RANGETIME) */
    rb->valid_until = 1988150400;       /* 2033-01-01: its VALIDITYTIME */
    rb->lifetime_days_expected = 365;
    rb->created = 1765000000;
}

/* Runs a shell command, returns its stdout (caller frees). */
static char *run(const char *fmt, ...)
{
    char cmd[2048];
    struct ferry_buf b;
    char chunk[4096];
    size_t n;
    va_list ap;
    FILE *p;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    ferry_buf_init(&b, 64u << 20);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        assert_int_equal(ferry_buf_append(&b, chunk, n), FERRY_OK);
    assert_int_equal(pclose(p), 0);
    return (char *)ferry_buf_steal(&b, NULL);
}

/* Collapses all white space runs to one space. */
static char *squash(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    int sp = 0;

    assert_non_null(o);
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\f' || *s == '\r') {
            sp = q != o;
            continue;
        }
        if (sp)
            *q++ = ' ';
        sp = 0;
        *q++ = *s;
    }
    *q = '\0';
    return o;
}

static char *nospace(const char *s)
{
    char *o = strdup(s), *q = o;

    assert_non_null(o);
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\f')
            *q++ = *s;
    *q = '\0';
    return o;
}

static char *pdf_path(const char *name)
{
    char *p = ferry_path_join(tmpdir, name);
    assert_non_null(p);
    return p;
}

/* A word of the text form that the PDF draws as a shape, not text: boxes, rules, blanks. */
static int decoration(const char *w)
{
    return strspn(w, "[]_=-") == strlen(w);
}

/* Every word of @text appears in @pdf, and (after the first line, the PDF's footer) in the same
 * order: the text form says what the PDF says. */
static void text_in_pdf(const char *text, const char *pdf)
{
    char *t = squash(strchr(text, '\n')), *p = squash(pdf), *save = NULL, *w, *at = p;
    char *words = strdup(p);

    assert_non_null(words);
    for (w = strtok_r(t, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        char *hit;
        if (decoration(w))
            continue;
        if (strstr(p, w) == NULL)
            fail_msg("text word '%s' is not in the PDF", w);
        if ((hit = strstr(at, w)) == NULL)
            fail_msg("text word '%s' is out of order in the PDF", w);
        at = hit + strlen(w);
    }
    free(words);
    free(t);
    free(p);
}

static void check_columns(const char *text)
{
    const char *line = text, *nl;
    wchar_t wbuf[512];
    char lbuf[2048];

    while (*line) {
        size_t n, wn;
        nl = strchr(line, '\n');
        n = nl ? (size_t)(nl - line) : strlen(line);
        assert_true(n < sizeof(lbuf));
        memcpy(lbuf, line, n);
        lbuf[n] = '\0';
        wn = mbstowcs(wbuf, lbuf, 511);
        assert_true(wn != (size_t)-1);
        if (wcswidth(wbuf, wn) > 78)
            fail_msg("line wider than 78 columns: '%s'", lbuf);
        line = nl ? nl + 1 : line + n;
    }
}

static void check_values(const char *out, int exact_layout, int anchor)
{
    char *sq = squash(out);

    assert_non_null(strstr(out, ID));
    assert_non_null(strstr(sq, SHA));
    assert_non_null(strstr(sq, OFP));
    assert_non_null(strstr(sq, NFP));
    assert_non_null(strstr(sq, GUID));
    if (!anchor) {
        assert_null(strstr(sq, "A5:31"));
    } else if (exact_layout) {
        assert_non_null(strstr(sq, GTE));
    } else { /* the text form breaks a colon fingerprint after a colon */
        char *ns = nospace(out);
        assert_non_null(strstr(ns, GTE));
        free(ns);
    }
    if (exact_layout) { /* the PDF keeps each value on one line, as given */
        assert_non_null(strstr(out, SHA));
        assert_non_null(strstr(out, OFP));
        assert_non_null(strstr(out, NFP));
        assert_true(!anchor || strstr(out, GTE) != NULL);
    }
    free(sq);
}

/* Each page of @path has the transfer id and "page i of n" in its text. */
static void check_pages(const char *path)
{
    char *info = run("pdfinfo '%s'", path), *p = strstr(info, "Pages:");
    char want[64];
    int n, i;

    assert_non_null(p);
    n = (int)strtol(p + 6, NULL, 10);
    assert_true(n >= 2);
    for (i = 1; i <= n; i++) {
        char *pg = run("pdftotext -layout -f %d -l %d '%s' -", i, i, path);
        snprintf(want, sizeof(want), "page %d of %d", i, n);
        if (strstr(pg, want) == NULL || strstr(pg, "transfer " ID) == NULL)
            fail_msg("page %d lacks '%s' or the transfer id in its footer", i, want);
        free(pg);
    }
    free(info);
}

static void check_pdf_and_text(const struct ferry_runbook *rb, enum ferry_paper paper,
                               const char *name)
{
    char *path = pdf_path(name), *text = NULL, *plain, *layout;

    assert_int_equal(ferry_runbook_pdf(rb, paper, path), FERRY_OK);
    assert_int_equal(ferry_runbook_text(rb, &text), FERRY_OK);
    plain = run("pdftotext '%s' -", path);
    layout = run("pdftotext -layout '%s' -", path);
    {
        int anchor = rb->leg == FERRY_RUNBOOK_REQUEST;

        check_values(plain, 1, anchor);
        check_values(layout, 1, anchor);
        check_values(text, 0, anchor);
        check_columns(text);
        text_in_pdf(text, layout);
    }
    check_pages(path);
    free(plain);
    free(layout);
    free(text);
    free(path);
}

static void test_request_usb_a4(void **state)
{
    struct ferry_runbook rb;

    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_USB);
    check_pdf_and_text(&rb, FERRY_PAPER_A4, "req-usb-a4.pdf");
}

static void test_request_screen_letter(void **state)
{
    struct ferry_runbook rb;

    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_SCREEN);
    check_pdf_and_text(&rb, FERRY_PAPER_LETTER, "req-screen-letter.pdf");
}

/* Page @page of @path rendered at 72 dpi: no ink within @mm of any edge. */
static void check_margins(const char *path, int page, double mm)
{
    char *png = pdf_path("margin"), *out, file[512];
    png_image img;
    uint8_t *px;
    int m = (int)(mm * 72.0 / 25.4), x, y, bad = 0;

    out = run("pdftoppm -r 72 -png -f %d -l %d -singlefile '%s' '%s'", page, page, path, png);
    free(out);
    snprintf(file, sizeof(file), "%s.png", png);
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&img, file));
    img.format = PNG_FORMAT_GRAY;
    px = malloc(PNG_IMAGE_SIZE(img));
    assert_non_null(px);
    assert_true(png_image_finish_read(&img, NULL, px, 0, NULL));
    assert_true(img.width > 500 && img.height > 700);
    for (y = 0; y < (int)img.height; y++)
        for (x = 0; x < (int)img.width; x++) {
            int inside = x >= m && x < (int)img.width - m && y >= m && y < (int)img.height - m;
            if (!inside && px[(size_t)y * img.width + (size_t)x] < 250)
                bad++;
        }
    if (bad > 0)
        fail_msg("page %d of %s: %d dark pixels within %.0f mm of the edge", page, path, bad, mm);
    free(px);
    free(png);
}

static int page_count(const char *path)
{
    char *info = run("pdfinfo '%s'", path), *p = strstr(info, "Pages:");
    int n;

    assert_non_null(p);
    n = (int)strtol(p + 6, NULL, 10);
    free(info);
    return n;
}

static void test_margins(void **state)
{
    const enum ferry_paper papers[] = {FERRY_PAPER_A4, FERRY_PAPER_LETTER};
    struct ferry_runbook rb;
    char *path = pdf_path("margins.pdf");
    int i, p, n;

    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_USB);
    for (i = 0; i < 2; i++) {
        assert_int_equal(ferry_runbook_pdf(&rb, papers[i], path), FERRY_OK);
        n = page_count(path);
        for (p = 1; p <= n; p++)
            check_margins(path, p, 12);
    }
    free(path);
}

static void test_response_leg(void **state)
{
    struct ferry_runbook rb;
    char *text = NULL, *path = pdf_path("resp.pdf"), *plain;

    sample(&rb, FERRY_RUNBOOK_RESPONSE, FERRY_MEDIUM_USB);
    check_pdf_and_text(&rb, FERRY_PAPER_A4, "resp-usb.pdf");
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    assert_non_null(strstr(text, "leg 2 of 2"));
    assert_non_null(strstr(text, "New expiry:"));
    assert_non_null(strstr(text, "2027-01-01 00:00 UTC"));
    /* RMS: the renewal date as the new expiry, VALIDITYTIME beside it, named */
    assert_non_null(strstr(text, "Valid until (VALIDITYTIME): 2033-01-01 00:00 UTC"));
    assert_non_null(strstr(text, "ferry-offline import --from usb"));
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path), FERRY_OK);
    plain = run("pdftotext '%s' -", path);
    assert_non_null(strstr(plain, "2027-01-01 00:00 UTC"));
    assert_non_null(strstr(plain, "2026-01-01 00:00 UTC"));
    free(plain);
    free(text);
    free(path);
}

static void test_utf8_server_name(void **state)
{
    const enum ferry_paper papers[] = {FERRY_PAPER_A4, FERRY_PAPER_LETTER};
    struct ferry_runbook rb;
    char *path = pdf_path("utf8.pdf"), *out, *text = NULL;
    int i;

    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_USB);
    rb.kind = FERRY_KIND_X509;
    rb.server_name = UNAME;
    for (i = 0; i < 2; i++) {
        assert_int_equal(ferry_runbook_pdf(&rb, papers[i], path), FERRY_OK);
        out = run("pdftotext '%s' -", path);
        if (strstr(out, UNAME) == NULL)
            fail_msg("pdftotext lost the non-ASCII server name");
        free(out);
        out = run("pdftotext -layout '%s' -", path);
        assert_non_null(strstr(out, UNAME));
        free(out);
    }
    /* the CJK glyphs come from a font that has them: an embedded fallback, not .notdef */
    out = run("pdffonts '%s'", path);
    assert_non_null(strstr(out, "DejaVuSans"));
    assert_true(strstr(out, "DroidSansFallback") != NULL || strstr(out, "NotoSansCJK") != NULL ||
                strstr(out, "WenQuanYi") != NULL);
    free(out);
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    assert_non_null(strstr(text, "Subject:"));
    assert_non_null(strstr(text, UNAME));
    check_columns(text);
    free(text);
    free(path);
}

static void test_unknown_values_blank(void **state)
{
    struct ferry_runbook rb;
    char *text = NULL, *path = pdf_path("blank.pdf"), *out;

    memset(&rb, 0, sizeof(rb));
    rb.leg = FERRY_RUNBOOK_REQUEST;
    rb.medium = FERRY_MEDIUM_USB;
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    assert_non_null(strstr(text, "Transfer id:          " RB_BLANK));
    assert_non_null(strstr(text, "Package SHA-256:      " RB_BLANK));
    assert_non_null(strstr(text, "ferry-offline export REQUEST --to usb"));
    check_columns(text);
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path), FERRY_OK);
    out = run("pdftotext -layout '%s' -", path);
    assert_non_null(strstr(out, "Package SHA-256:"));
    assert_non_null(strstr(out, "page 1 of"));
    text_in_pdf(text, out);
    free(out);
    check_margins(path, 1, 12);
    free(text);
    free(path);
}

/* Control characters, invalid UTF-8 and bidi overrides never reach the page as they are. */
static void test_hostile_strings(void **state)
{
    struct ferry_runbook rb;
    char *text = NULL, *path = pdf_path("hostile.pdf"), *out;

    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_SCREEN);
    rb.server_name = "evil\x1b[31m\xff\xfe-\xE2\x80\xAEtxt.exe\nnext";
    rb.guid = "\xC0\xAF{overlong}";
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    assert_null(strchr(text, '\x1b'));
    assert_null(strstr(text, "\xE2\x80\xAE"));
    assert_null(strstr(text, "\xC0\xAF"));
    assert_non_null(
        strstr(text, "evil\xEF\xBF\xBD[31m\xEF\xBF\xBD\xEF\xBF\xBD-\xEF\xBF\xBDtxt.exe next"));
    check_columns(text);
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path), FERRY_OK);
    out = run("pdftotext '%s' -", path);
    assert_non_null(strstr(out, "txt.exe next"));
    free(out);
    free(text);
    free(path);
}

/* A long name without spaces is cut between characters, never clipped at the margin. */
static void test_long_values_wrap(void **state)
{
    struct ferry_runbook rb;
    char name[1001], *text = NULL, *path = pdf_path("long.pdf"), *out, *sq;
    int i, n;

    for (i = 0; i < 1000; i++)
        name[i] = (char)('A' + i % 26);
    name[1000] = '\0';
    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_USB);
    rb.server_name = name;
    rb.request_file = "a request file name with many words that does not fit on one line of the "
                      "value column of a key value block at all.xml";
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    check_columns(text);
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path), FERRY_OK);
    n = page_count(path);
    for (i = 1; i <= n; i++)
        check_margins(path, i, 12);
    out = run("pdftotext -layout '%s' -", path);
    sq = squash(out);
    assert_non_null(strstr(sq, "value column of a key value block at all.xml"));
    free(sq);
    sq = nospace(out);
    assert_non_null(strstr(sq, name));
    free(sq);
    sq = nospace(text);
    assert_non_null(strstr(sq, name));
    free(sq);
    free(out);
    free(text);
    free(path);
}

static void test_too_large_refused(void **state)
{
    struct ferry_runbook rb;
    char *big = malloc(RB_MAX_VALUE + 2), *text = NULL;

    assert_non_null(big);
    memset(big, 'x', RB_MAX_VALUE + 1);
    big[RB_MAX_VALUE + 1] = '\0';
    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_USB);
    rb.guid = big;
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_ERR_TOO_LARGE);
    assert_null(text);
    assert_non_null(strstr(ferry_err_detail(), "GUID"));
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, "/nonexistent/x.pdf"),
                     FERRY_ERR_TOO_LARGE);
    rb.guid = GUID;
    rb.leg = 7;
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_ERR_USAGE);
    rb.leg = FERRY_RUNBOOK_REQUEST;
    assert_int_equal(ferry_runbook_pdf(&rb, 9, "/tmp/never.pdf"), FERRY_ERR_USAGE);
    assert_int_equal(ferry_path_exists("/tmp/never.pdf"), 0);
    assert_int_not_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, "/nonexistent/dir/x.pdf"),
                         FERRY_OK);
    free(big);
}

/* A trip's runbook: one document listing every transfer (the most one runbook takes), each with
 * a box and its values, the shared steps once; one more transfer, a malformed trip id or an
 * item's overlong field is refused. */
static void test_trip_of_many(void **state)
{
    enum { N = FERRY_RUNBOOK_MAX_ITEMS };
    struct ferry_runbook rb;
    struct ferry_runbook_item *it = calloc(N + 1, sizeof(*it));
    char(*ids)[33] = calloc(N + 1, 33), *text = NULL, *path = pdf_path("trip.pdf"), *plain;
    char box[32], *big = malloc(RB_MAX_VALUE + 2);
    size_t i;

    assert_non_null(it);
    assert_non_null(ids);
    assert_non_null(big);
    for (i = 0; i <= N; i++) {
        snprintf(ids[i], 33, "%08zx%024zx", i, i * 7919);
        it[i].transfer_id = ids[i];
        it[i].server_name = "app.example";
        it[i].request_file = "app.csr";
        it[i].package_file = "request-x.ferry";
        it[i].package_sha256 = SHA;
        it[i].current_not_after = 1767225600;
    }
    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_USB);
    rb.kind = FERRY_KIND_X509;
    rb.trip_id = ID;
    rb.items = it;
    rb.nitems = N;
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    assert_non_null(strstr(text, "ferry runbook \xC2\xB7 trip " ID " \xC2\xB7 500 transfers"));
    for (i = 0; i < N; i++) {
        snprintf(box, sizeof(box), "[ ] T%zu. app.example", i + 1);
        assert_non_null(strstr(text, box));
        assert_non_null(strstr(text, ids[i]));
    }
    assert_null(strstr(text, ids[N]));
    /* the shared steps once: one export (too long to name every file), one submit */
    assert_non_null(strstr(text, "ferry-offline export REQUEST... --to usb"));
    assert_non_null(strstr(text, "Submit the requests, all in one run"));
    assert_null(strstr(strstr(text, "Submit the requests") + 1, "Submit the requests"));
    assert_non_null(strstr(text, "--accept-changes"));
    free(text);
    text = NULL;
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path), FERRY_OK);
    plain = run("pdftotext '%s' -", path);
    assert_non_null(strstr(plain, ids[0]));
    assert_non_null(strstr(plain, ids[N - 1]));
    free(plain);

    rb.nitems = N + 1;
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_ERR_TOO_LARGE);
    rb.nitems = 2;
    rb.trip_id = "not-a-trip";
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_ERR_USAGE);
    rb.trip_id = ID;
    memset(big, 'x', RB_MAX_VALUE + 1);
    big[RB_MAX_VALUE + 1] = '\0';
    it[1].request_file = big;
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_ERR_TOO_LARGE);
    assert_non_null(strstr(ferry_err_detail(), "request file"));
    assert_null(text);
    free(big);
    free(it);
    free(ids);
    free(path);
}

static double cols(void *ctx, const char *s, size_t n, int mono)
{
    return (double)rb_columns(s, n);
}

/* rb_wrap, table-driven: lines joined with '|'. */
static void test_wrap_table(void **state)
{
    static const struct {
        const char *in;
        double width;
        int mono;
        const char *want;
    } t[] = {
        {"one two three", 20, 0, "one two three"},
        {"one two three", 7, 0, "one two|three"},
        {"one   two", 3, 0, "one|two"},
        {"abcdefghij", 4, 0, "abcd|efgh|ij"},
        {SHA, 50, 1,
         "9F86 D081 884C 7D65 9A2F EAA0 C55A D015|A3BF 4F1B 2B0B 822C D15D 6C15 B0F0 0A08"},
        {SHA, 79, 1, SHA},
        {"AB:CD:EF:01:23", 9, 1, "AB:CD:|EF:01:23"}, /* balanced */
        {"AB:CD:EF:01:23", 9, 0, "AB:CD:EF:|01:23"}, /* not mono: cut at a character */
        {"\xE6\x9D\xB1\xE4\xBA\xAC\xE6\x9D\xB1", 4, 0, "\xE6\x9D\xB1\xE4\xBA\xAC|\xE6\x9D\xB1"},
        {"Z\xC3\xBCrich", 3, 0, "Z\xC3\xBCr|ich"},
        {"", 10, 0, ""},
    };
    size_t i, j, n;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct rb_span *l = NULL;
        char got[256] = "";
        size_t at = 0;
        assert_int_equal(rb_wrap(t[i].in, t[i].width, t[i].mono, cols, NULL, &l, &n), FERRY_OK);
        for (j = 0; j < n; j++)
            at += (size_t)snprintf(got + at, sizeof(got) - at, "%s%.*s", j ? "|" : "",
                                   (int)l[j].len, t[i].in + l[j].off);
        if (strcmp(got, t[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, got, t[i].want);
        free(l);
    }
}

/* The recipe printed on the "rebuild by hand" page works: run it, as printed, on the frame
 * texts of the sequence (shuffled, with parity frames and duplicates), with python3 and gzip. */
static void test_rebuild_by_hand_recipe(void **state)
{
    struct ferry_runbook rb;
    struct rb_doc *d = NULL;
    uint8_t pkg[6000], *got = NULL;
    size_t i, n, glen = 0;
    struct ferry_buf sh;
    char *dir = pdf_path("byhand"), *out, *text = NULL, *p;
    FILE *f;
    int code = 0;

    for (i = 0; i < sizeof(pkg); i++) /* compressible but not trivial */
        pkg[i] = (uint8_t)((i * 7919u) % 251u ^ (i / 100u));
    sample(&rb, FERRY_RUNBOOK_REQUEST, FERRY_MEDIUM_PDF);
    rb.package = pkg;
    rb.package_len = sizeof(pkg);
    assert_int_equal(rb_doc_build(&rb, &d), FERRY_OK);
    assert_non_null(d->seq);
    assert_int_equal(ferry_mkdir_p(dir, 0700), FERRY_OK);
    p = ferry_path_join(dir, "frames.txt");
    f = fopen(p, "w");
    assert_non_null(f);
    n = ferry_qrseq_count(d->seq);
    for (i = 0; i < n; i++) /* reverse order, every frame twice */
        fprintf(f, "%s\n%s\n", ferry_qrseq_frame(d->seq, n - 1 - i),
                ferry_qrseq_frame(d->seq, (n - 1 - i + 3) % n));
    fclose(f);
    free(p);
    ferry_buf_init(&sh, 1u << 16);
    assert_int_equal(ferry_buf_printf(&sh, "set -e\ncd '%s'\n", dir), FERRY_OK);
    for (i = 0; i < d->n; i++) {
        if (d->b[i].kind != RB_CODE)
            continue;
        if (code++ < 2) { /* the zbarimg loop (two lines) over scanned pages: frames.txt is given */
            assert_non_null(strstr(d->b[i].text,
                                   code == 1 ? "zbarimg --nodbus --raw -q" : "done > frames.txt"));
            continue;
        }
        if (strncmp(d->b[i].text, "(printf", 7) == 0)
            assert_int_equal(ferry_buf_puts(&sh, "cp package.ferry py.ferry\n"), FERRY_OK);
        assert_int_equal(ferry_buf_printf(&sh, "%s\n", d->b[i].text), FERRY_OK);
    }
    assert_int_equal(code, 13);
    p = ferry_path_join(dir, "recipe.sh");
    assert_int_equal(ferry_file_write_atomic(p, sh.data, sh.len, 0600), FERRY_OK);
    /* gzip exits 1 on the missing trailer, as the page says: run without -e for that line */
    out = run("cd '%s' && sed -i 's/^set -e$//' recipe.sh && { bash recipe.sh 2>/dev/null; true; }",
              dir);
    assert_non_null(strstr(out, ferry_qrseq_session(d->seq)));
    free(out);
    free(p);
    for (i = 0; i < 2; i++) {
        p = ferry_path_join(dir, i == 0 ? "py.ferry" : "package.ferry");
        assert_int_equal(ferry_file_read(p, 1u << 20, &got, &glen), FERRY_OK);
        assert_int_equal(glen, sizeof(pkg));
        assert_memory_equal(got, pkg, sizeof(pkg));
        FERRY_FREE(got);
        free(p);
    }
    /* the same page is in the text form, and the PDF says what the text says */
    assert_int_equal(ferry_runbook_text(&rb, &text), FERRY_OK);
    assert_non_null(strstr(text, "Rebuilding the package by hand"));
    assert_non_null(strstr(text, ferry_qrseq_session(d->seq)));
    check_columns(text);
    p = pdf_path("paper.pdf");
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, p), FERRY_OK);
    out = run("pdftotext -layout '%s' -", p);
    text_in_pdf(text, out);
    free(out);
    out = run("pdftotext '%s' -", p);
    /* recipe lines stay whole on one line of the PDF, exactly as to be typed */
    assert_non_null(
        strstr(out, "if (i < k) print i, substr($0, 9 + 2 * w) }' | sort -u -k1,1 \\\n"));
    assert_non_null(strstr(out, "python3 -c 'import sys,zlib; sys.stdout.buffer.write(\n"));
    free(out);
    free(p);
    free(text);
    ferry_buf_free(&sh);
    rb_doc_free(d);
    free(dir);
}

/* Paper QR pages scanned back at 150 dpi rebuild the package, also with 30 % of the codes
 * blacked out on the page images. */
static void test_paper_qr_pages_scan(void **state)
{
    struct ferry_runbook rb;
    struct rb_doc *d = NULL;
    struct rb_lay L = {0};
    struct rb_qr_grid g;
    static uint8_t pkg[12000];
    uint8_t *got = NULL;
    size_t i, n, len = 0, k, lost = 0, per;
    char *path = pdf_path("scan.pdf"), *dir = pdf_path("scan"), *out, *plain;
    int first, pages, pass;

    for (i = 0; i < sizeof(pkg); i += FERRY_SHA256_LEN) { /* incompressible, deterministic */
        uint8_t h[FERRY_SHA256_LEN];
        ferry_sha256(&i, sizeof(i), h);
        memcpy(pkg + i, h, sizeof(pkg) - i < sizeof(h) ? sizeof(pkg) - i : sizeof(h));
    }
    sample(&rb, FERRY_RUNBOOK_RESPONSE, FERRY_MEDIUM_PDF);
    rb.package = pkg;
    rb.package_len = sizeof(pkg);
    assert_int_equal(rb_doc_build(&rb, &d), FERRY_OK);
    n = ferry_qrseq_count(d->seq);
    k = ferry_qrseq_k(d->seq);
    { /* the frames `--to pdf:` prints for this package, no other set */
        struct ferry_qr_paper p;
        struct ferry_qrseq *pdf = NULL;
        assert_int_equal(ferry_qr_paper_set(pkg, sizeof(pkg), NULL, &p, &pdf), FERRY_OK);
        assert_int_equal(ferry_qrseq_count(pdf), n);
        for (i = 0; i < n; i++)
            assert_string_equal(ferry_qrseq_frame(pdf, i), ferry_qrseq_frame(d->seq, i));
        assert_int_equal(d->paper.version, p.version);
        assert_int_equal(d->paper.ecc, p.ecc);
        ferry_qrseq_free(pdf);
    }
    assert_int_equal(ferry_runbook_pdf(&rb, FERRY_PAPER_A4, path), FERRY_OK);
    check_pages(path);
    plain = run("pdftotext '%s' -", path);
    pages = page_count(path);
    { /* the grid the runbook lays the codes out in */
        cairo_surface_t *s = cairo_pdf_surface_create(NULL, 210 * 72 / 25.4, 297 * 72 / 25.4);
        cairo_t *cr = cairo_create(s);
        assert_int_equal(rb_lay_init(&L, cr, 210 * 72 / 25.4, 297 * 72 / 25.4, ""), FERRY_OK);
        assert_int_equal(rb_qr_grid(&L, &d->paper, &g), FERRY_OK);
        rb_lay_clear(&L);
        cairo_destroy(cr);
        cairo_surface_destroy(s);
    }
    per = (size_t)(g.cols * g.rows);
    first = pages - (int)((n + per - 1) / per); /* QR pages, then the rebuild page */
    for (i = 0; i < n; i++) { /* every code labelled with the transfer id and its frame */
        char want[64];
        snprintf(want, sizeof(want), "frame %zu of %zu", i + 1, n);
        assert_non_null(strstr(plain, want));
    }
    free(plain);
    assert_int_equal(ferry_mkdir_p(dir, 0700), FERRY_OK);
    out = run("pdftoppm -r 150 -png -f %d -l %d '%s' '%s/page'", first, pages - 1, path, dir);
    free(out);
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* black out codes 0, 3, 6, ... as parity allows: >= 30 % of them */
            cairo_surface_t *s = cairo_pdf_surface_create(NULL, 210 * 72 / 25.4, 297 * 72 / 25.4);
            cairo_t *cr = cairo_create(s);
            assert_int_equal(rb_lay_init(&L, cr, 210 * 72 / 25.4, 297 * 72 / 25.4, ""), FERRY_OK);
            for (i = 0; i < n && lost < n - k; i += 3) {
                double x, y, m = g.module, f = 150.0 / 72.0, side = 25 + 4 * g.version;
                rb_qr_geometry(&L, &g, i % per, &x, &y);
                out =
                    run("cd '%s' && f=$(ls page-*.png | sed -n %zup) && convert \"$f\" -fill black "
                        "-draw 'rectangle %d,%d %d,%d' \"$f\"",
                        dir, i / per + 1, (int)(x * f), (int)(y * f), (int)((x + side * m) * f),
                        (int)((y + side * m) * f));
                free(out);
                lost++;
            }
            rb_lay_clear(&L);
            cairo_destroy(cr);
            cairo_surface_destroy(s);
            assert_true(lost * 10 >= n * 3);
            assert_true(n - lost >= k);
        }
        assert_int_equal(ferry_qr_read(FERRY_MEDIUM_IMAGES, dir, &got, &len), FERRY_OK);
        assert_int_equal(len, sizeof(pkg));
        assert_memory_equal(got, pkg, sizeof(pkg));
        FERRY_FREE(got);
    }
    out = run(
        "cd '%s' && for f in page-*.png; do zbarimg --nodbus --raw -q -Sdisable -Sqrcode.enable "
        "\"$f\" -Sx-density=2 -Sy-density=2 \"$f\" || true; done "
        "| grep -E '^F[A-Z2-7]{7}' | sort -u | wc -l",
        dir);
    assert_int_equal((size_t)strtol(out, NULL, 10), n - lost);
    free(out);
    rb_doc_free(d);
    free(path);
    free(dir);
}

static int setup(void **state)
{
    setlocale(LC_ALL, "C.UTF-8");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    if (getenv("FERRY_KEEP") != NULL)
        return 0;
    return helpers_rm_tree(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_usb_a4),
        cmocka_unit_test(test_request_screen_letter),
        cmocka_unit_test(test_margins),
        cmocka_unit_test(test_response_leg),
        cmocka_unit_test(test_utf8_server_name),
        cmocka_unit_test(test_unknown_values_blank),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_long_values_wrap),
        cmocka_unit_test(test_too_large_refused),
        cmocka_unit_test(test_trip_of_many),
        cmocka_unit_test(test_wrap_table),
        cmocka_unit_test(test_rebuild_by_hand_recipe),
        cmocka_unit_test(test_paper_qr_pages_scan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
