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

#include <cmocka.h>
#include <png.h>

#include "ferry/buf.h"
#include "ferry/codec.h"
#include "ferry/file.h"
#include "ferry/runbook.h"
#include "runbook_int.h"

#define ID "3f9a0c5e71d24b88a6e0915c2d7b4e13"
#define SHA "9F86 D081 884C 7D65 9A2F EAA0 C55A D015 A3BF 4F1B 2B0B 822C D15D 6C15 B0F0 0A08"
#define OFP "1C2B 3A49 5867 7685 94A3 B2C1 D0EF FE0D 1C2B 3A49 5867 7685 94A3 B2C1 D0EF 0001"
#define NFP "AB12 CD34 EF56 7890 1234 5678 9ABC DEF0 0FED CBA9 8765 4321 0987 65FE DC43 BA21"
#define GTE "A5:31:25:18:8D:21:10:AA:96:4B:02:C7:B7:C6:DA:32:03:17:08:94:E5:FB:71:FF:FB:66:67:D5:E6:81:0A:36"
#define UNAME "Serveur-Z\xC3\xBCrich-\xE6\x9D\xB1\xE4\xBA\xAC"
#define GUID "{6E1B3C44-9A0D-4F4B-8C1E-2D5A7B9F0C31}"

static char tmpdir[] = "/tmp/ferry-runbook-XXXXXX";

static void sample(struct ferry_runbook *rb, enum ferry_runbook_leg leg,
                   enum ferry_medium_kind medium)
{
    memset(rb, 0, sizeof(*rb));
    rb->leg = leg;
    rb->medium = medium;
    rb->transfer_id = ID;
    rb->kind = "rms";
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
    rb->new_not_after = 1798761600;     /* 2027-01-01 */
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

static void check_values(const char *out, int exact_layout)
{
    char *sq = squash(out);

    assert_non_null(strstr(out, ID));
    assert_non_null(strstr(sq, SHA));
    assert_non_null(strstr(sq, OFP));
    assert_non_null(strstr(sq, NFP));
    assert_non_null(strstr(sq, GUID));
    if (exact_layout) {
        assert_non_null(strstr(sq, GTE));
    } else { /* the text form breaks a colon fingerprint after a colon */
        char *ns = squash(out), *q = ns, *c;
        for (c = ns; *c; c++)
            if (*c != ' ')
                *q++ = *c;
        *q = '\0';
        assert_non_null(strstr(ns, GTE));
        free(ns);
    }
    if (exact_layout) { /* the PDF keeps each value on one line, as given */
        assert_non_null(strstr(out, SHA));
        assert_non_null(strstr(out, OFP));
        assert_non_null(strstr(out, NFP));
        assert_non_null(strstr(out, GTE));
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
    check_values(plain, 1);
    check_values(layout, 1);
    check_values(text, 0);
    check_columns(text);
    text_in_pdf(text, layout);
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

static int setup(void **state)
{
    setlocale(LC_ALL, "C.UTF-8");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char *out;

    if (getenv("FERRY_KEEP") != NULL)
        return 0;
    out = run("rm -rf '%s'", tmpdir);
    free(out);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_usb_a4),
        cmocka_unit_test(test_request_screen_letter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
