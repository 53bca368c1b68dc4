/* ferry — the stored trust anchor (online-side/src/anchor.c): saved and loaded with what it came
 * from, used by submit only for its own service and while valid, refused otherwise; the offline
 * note of it (ferry_runbook_note_anchor) takes only well-formed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/anchor.h"
#include "ferry/file.h"
#include "ferry/manifest.h"
#include "ferry/runbook_store.h"
#include "helpers.h"

#define URL "https://svc.example:8443/enrollment/enrollservice.asmx"

static char *g_home;

static char *vector(const char *rel)
{
    const char *v = getenv("FERRY_VECTORS");
    char path[512];
    uint8_t *buf = NULL;
    size_t n = 0;

    assert_non_null(v);
    snprintf(path, sizeof(path), "%s/%s", v, rel);
    assert_int_equal(ferry_file_read(path, 1u << 16, &buf, &n), FERRY_OK);
    buf = realloc(buf, n + 1);
    assert_non_null(buf);
    buf[n] = '\0';
    return (char *)buf;
}

static int setup(void **state)
{
    (void)state;
    return (g_home = helpers_tmpdir("anchor")) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    int r = helpers_rm_tree(g_home);

    (void)state;
    free(g_home);
    g_home = NULL;
    return r;
}

static void test_same_origin(void **state)
{
    (void)state;
    assert_true(ferry_anchor_same_origin(URL, "https://SVC.example:8443/other"));
    assert_true(ferry_anchor_same_origin("https://a.example/x", "https://a.example:443/y"));
    assert_false(
        ferry_anchor_same_origin(URL, "https://svc.example/enrollment/enrollservice.asmx"));
    assert_false(ferry_anchor_same_origin(URL, "https://other.example:8443/x"));
    assert_false(ferry_anchor_same_origin("http://a.example/x", "https://a.example:80/x"));
    assert_false(ferry_anchor_same_origin("not a url", "not a url"));
    assert_false(ferry_anchor_same_origin(NULL, URL));
}

static void test_save_use_forget(void **state)
{
    struct ferry_store *s = NULL;
    struct ferry_anchor a, b, c;
    const char *root = NULL;
    char *pem = vector("x509/ca.pem"), *pem2 = vector("x509/other-ca.pem");
    int stored = 0;

    (void)state;
    assert_int_equal(ferry_store_open(g_home, FERRY_SIDE_ONLINE, 1, &s), FERRY_OK);
    assert_int_equal(ferry_anchor_load(g_home, &a), FERRY_ERR_NOT_FOUND);
    assert_int_equal(ferry_anchor_save(s, URL "\nx", pem, "--root ca.pem", NULL, &a), FERRY_OK);
    assert_non_null(strstr(a.service, "asmx?x")); /* a line break cannot start a header line */
    assert_int_equal(ferry_anchor_save(s, URL, pem, "--root ca.pem", NULL, &a), FERRY_OK);
    assert_int_equal(ferry_anchor_load(g_home, &b), FERRY_OK);
    assert_string_equal(b.cert.sha256, a.cert.sha256);
    assert_int_equal(strlen(b.cert.sha256), 79);
    assert_string_equal(b.service, URL);
    assert_string_equal(b.from, "--root ca.pem");
    assert_string_equal(b.stored, a.stored);

    /* submit: the stored one for its own service; refused for another (RMS); EST goes on */
    assert_int_equal(ferry_anchor_for_submit(g_home, URL, 1, &c, &root, &stored), FERRY_OK);
    assert_true(stored);
    assert_string_equal(root, b.path);
    assert_int_equal(
        ferry_anchor_for_submit(g_home, "https://svc.example/x", 1, &c, &root, &stored),
        FERRY_ERR_UNTRUSTED);
    assert_non_null(strstr(ferry_err_detail(), "check-root --service https://svc.example/x"));
    assert_int_equal(ferry_anchor_for_submit(g_home, "https://ca.example", 0, &c, &root, &stored),
                     FERRY_OK);
    assert_null(root);
    assert_false(stored);

    /* replaced, then forgotten */
    assert_int_equal(ferry_anchor_save(s, URL, pem2, "--pin X", &b, &c), FERRY_OK);
    assert_string_not_equal(c.cert.sha256, b.cert.sha256);
    assert_int_equal(ferry_anchor_forget(s, &c), FERRY_OK);
    assert_int_equal(ferry_anchor_load(g_home, &a), FERRY_ERR_NOT_FOUND);
    assert_int_equal(ferry_anchor_save(s, URL, "no certificate", "x", NULL, &a), FERRY_ERR_FORMAT);
    ferry_store_close(s);
    free(pem);
    free(pem2);
}

static void test_unusable(void **state)
{
    struct ferry_anchor a;
    const char *root = NULL;
    char path[320], *gte;
    int stored = 0;
    const char *src = getenv("FERRY_SRC");
    uint8_t *buf = NULL;
    size_t n = 0;

    (void)state;
    /* no anchor stored, a store without the GTE root: refused, naming check-root --service */
    snprintf(path, sizeof(path), "%s/empty.pem", g_home);
    assert_int_equal(ferry_file_write_atomic(path, "", 0, 0644), FERRY_OK);
    setenv("SSL_CERT_FILE", path, 1);
    setenv("SSL_CERT_DIR", g_home, 1);
    assert_int_equal(ferry_anchor_for_submit(g_home, URL, 1, &a, &root, &stored),
                     FERRY_ERR_UNTRUSTED);
    assert_non_null(strstr(ferry_err_detail(), "ferry-online check-root --service " URL));
    assert_non_null(strstr(ferry_err_detail(), "Nothing was sent"));
    /* a stored anchor past its validity (the GTE root, expired 2018): refused */
    assert_non_null(src);
    snprintf(path, sizeof(path), "%s/online-side/data/gte-cybertrust-global-root.pem", src);
    assert_int_equal(ferry_file_read(path, 1u << 16, &buf, &n), FERRY_OK);
    gte = calloc(1, n + 128);
    assert_non_null(gte);
    n = (size_t)snprintf(gte, n + 128, "service: %s\n%.*s", URL, (int)n, (char *)buf);
    snprintf(path, sizeof(path), "%s/" FERRY_ANCHOR_FILE, g_home);
    assert_int_equal(ferry_file_write_atomic(path, gte, n, 0644), FERRY_OK);
    assert_int_equal(ferry_anchor_for_submit(g_home, URL, 1, &a, &root, &stored),
                     FERRY_ERR_EXPIRED);
    assert_non_null(strstr(ferry_err_detail(), "expired on 2018-08-13"));
    assert_null(root);
    unlink(path);
    free(gte);
    free(buf);
}

static void test_note(void **state)
{
    struct ferry_manifest *m = NULL;
    char path[320];
    uint8_t *buf = NULL;
    size_t n = 0;
    const char *fp = "AB43 63BC 9040 7652 CC3D 06F6 7A4B C0E3 3862 B784 7242 1499 F505 5EA4 "
                     "1A20 6AF5";

    (void)state;
    snprintf(path, sizeof(path), "%s/" FERRY_SERVICE_ANCHOR_FILE, g_home);
    assert_int_equal(ferry_manifest_new(FERRY_DIR_TO_OFFLINE, &m), FERRY_OK);
    assert_int_equal(ferry_runbook_note_anchor(g_home, m), FERRY_OK); /* nothing named */
    assert_false(ferry_path_exists(path));
    assert_int_equal(ferry_manifest_set_prop(m, "tls_anchor_sha256", "AB43 63BC"), FERRY_OK);
    assert_int_equal(ferry_runbook_note_anchor(g_home, m), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_manifest_set_prop(m, "tls_anchor_sha256", fp), FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "tls_anchor_subject", "CN=x\nsha256: 0000"),
                     FERRY_OK);
    assert_int_equal(ferry_runbook_note_anchor(g_home, m), FERRY_ERR_FORMAT);
    assert_false(ferry_path_exists(path));
    assert_int_equal(ferry_manifest_set_prop(m, "tls_anchor_subject", "CN=root"), FERRY_OK);
    assert_int_equal(ferry_manifest_set_prop(m, "service", URL), FERRY_OK);
    assert_int_equal(ferry_runbook_note_anchor(g_home, m), FERRY_OK);
    assert_int_equal(ferry_file_read(path, 4096, &buf, &n), FERRY_OK);
    buf = realloc(buf, n + 1);
    buf[n] = '\0';
    assert_non_null(strstr((char *)buf, "\nsha256: AB43 63BC"));
    assert_non_null(strstr((char *)buf, "\nservice: " URL "\n"));
    free(buf);
    ferry_manifest_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_origin),
        cmocka_unit_test(test_save_use_forget),
        cmocka_unit_test(test_unusable),
        cmocka_unit_test(test_note),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
