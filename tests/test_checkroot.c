/* check-root: trust stores built in temporary directories from tests/vectors/checkroot and the
 * real GTE CyberTrust Global Root, "now" pinned before and after its expiry (2018-08-13). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/checkroot.h"
#include "ferry/file.h"
#include "helpers.h"

#define T_2010        1262304000L /* 2010-01-01: GTE valid */
#define T_2024        1704067200L /* 2024-01-01: GTE expired */
#define T_1990        631152000L  /* 1990-01-01: before everything */
#define GTE_NOT_AFTER 1534204740L /* 2018-08-13T23:59:00Z */
#define LOOKALIKE_FP                                                                               \
    "BA:97:56:75:C4:5C:C6:66:CD:06:1B:70:25:F0:FA:2B:B5:5E:9C:71:28:80:7E:DE:73:31:01:69:80:9C:"   \
    "7B:BB"
#define OTHER_A_FP                                                                                 \
    "C0:B6:28:D8:37:8E:63:21:88:34:52:75:E2:3E:9C:5A:F1:F4:F0:A6:91:A3:36:A7:30:5E:0E:67:E8:10:"   \
    "3D:B2"

static char gte_path[1024];
static char vec_dir[1024];
static char tmp_root[256];

static const char *vec(const char *name)
{
    static char p[4][1200];
    static int k;

    k = (k + 1) % 4;
    if (strcmp(name, "gte.pem") == 0)
        return gte_path;
    snprintf(p[k], sizeof(p[k]), "%s/%s", vec_dir, name);
    return p[k];
}

/* Makes a fresh directory under the test's temp root. */
static char *mkdir_tmp(const char *name)
{
    char *d = ferry_path_join(tmp_root, name);

    assert_non_null(d);
    assert_int_equal(ferry_mkdir_p(d, 0700), FERRY_OK);
    return d;
}

/* Writes @dst as the concatenation of vector files (NULL-terminated list). */
static void concat(const char *dst, ...)
{
    struct ferry_buf b;
    va_list ap;
    const char *src;
    uint8_t *p;
    size_t n;

    ferry_buf_init(&b, 1 << 22);
    va_start(ap, dst);
    while ((src = va_arg(ap, const char *)) != NULL) {
        assert_int_equal(ferry_file_read(vec(src), 1 << 20, &p, &n), FERRY_OK);
        assert_int_equal(ferry_buf_append(&b, p, n), FERRY_OK);
        free(p);
    }
    va_end(ap);
    assert_int_equal(
        ferry_file_write_atomic(dst, b.data != NULL ? b.data : (uint8_t *)"", b.len, 0644),
        FERRY_OK);
    ferry_buf_free(&b);
}

static void put(const char *dir, const char *name, const char *src)
{
    char *p = ferry_path_join(dir, name);

    concat(p, src, NULL);
    free(p);
}

/* The OpenSSL subject hash file name of a vector ("1a2b3c4d.0"). */
static void hash_name(const char *src, char out[16])
{
    FILE *f = fopen(vec(src), "r");
    X509 *x;

    assert_non_null(f);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    snprintf(out, 16, "%08lx.0", X509_subject_name_hash(x));
    X509_free(x);
}

static int setup(void **state)
{
    const char *src = getenv("FERRY_SRC"), *v = getenv("FERRY_VECTORS");

    snprintf(gte_path, sizeof(gte_path), "%s/online-side/data/gte-cybertrust-global-root.pem",
             src != NULL ? src : ".");
    snprintf(vec_dir, sizeof(vec_dir), "%s/checkroot", v != NULL ? v : "tests/vectors");
    snprintf(tmp_root, sizeof(tmp_root), "/tmp/ferry-checkroot-XXXXXX");
    assert_non_null(mkdtemp(tmp_root));
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
    return 0;
}

static int teardown(void **state)
{
    return helpers_rm_tree(tmp_root);
}

struct store_case {
    const char *name;
    const char *ca_file, *ca_path; /* relative to the temp root; "" = unset */
    time_t now;
    enum ferry_root_verdict verdict;
    int usable;
    const char *fingerprint;  /* NULL: do not check */
    const char *where_suffix; /* NULL: do not check */
    const char *advice_has;
};

static void run_store_case(const struct store_case *c)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    char *f = NULL, *d = NULL;
    size_t wl, sl;

    memset(&q, 0, sizeof(q));
    if (c->ca_file[0] != '\0')
        q.ca_file = f = ferry_path_join(tmp_root, c->ca_file);
    if (c->ca_path[0] != '\0')
        q.ca_path = d = ferry_path_join(tmp_root, c->ca_path);
    q.now = c->now;
    print_message("case %s\n", c->name);
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_OK);
    print_message("  %s usable=%d where=%s\n  advice: %s\n", ferry_root_verdict_name(rep.verdict),
                  rep.usable, rep.where, rep.advice);
    assert_int_equal(rep.verdict, c->verdict);
    assert_int_equal(rep.usable, c->usable);
    if (c->fingerprint != NULL)
        assert_string_equal(rep.fingerprint, c->fingerprint);
    if (c->where_suffix != NULL) {
        wl = strlen(rep.where);
        sl = strlen(c->where_suffix);
        assert_true(wl >= sl && strcmp(rep.where + wl - sl, c->where_suffix) == 0);
    }
    assert_non_null(strstr(rep.advice, c->advice_has));
    assert_true(strlen(rep.advice) < sizeof(rep.advice) - 1); /* never cut */
    free(f);
    free(d);
}

static void build_stores(void)
{
    char *d, hn[16], cmd[2600], *p;
    struct ferry_buf b;
    uint8_t *gte;
    size_t n;

    p = ferry_path_join(tmp_root, "bundle.pem");
    concat(p, "other-a.pem", "gte.pem", "other-b.pem", NULL);
    free(p);
    p = ferry_path_join(tmp_root, "bundle-nogte.pem");
    concat(p, "other-a.pem", "other-b.pem", NULL);
    free(p);
    p = ferry_path_join(tmp_root, "bundle-look.pem");
    concat(p, "other-a.pem", "lookalike.pem", NULL);
    free(p);
    p = ferry_path_join(tmp_root, "bundle-both.pem");
    concat(p, "gte.pem", "lookalike.pem", NULL);
    free(p);
    p = ferry_path_join(tmp_root, "empty.pem");
    concat(p, NULL);
    free(p);

    d = mkdir_tmp("dir-rehash");
    put(d, "other-a.pem", "other-a.pem");
    put(d, "gte.pem", "gte.pem");
    put(d, "other-b.pem", "other-b.pem");
    snprintf(cmd, sizeof(cmd), "openssl rehash '%s'", d);
    assert_int_equal(system(cmd), 0);
    free(d);

    d = mkdir_tmp("dir-hash"); /* hash names only, plus a DER .crt */
    hash_name("other-a.pem", hn);
    put(d, hn, "other-a.pem");
    hash_name("gte.pem", hn);
    put(d, hn, "gte.pem");
    put(d, "b.crt", "other-b.der");
    free(d);

    d = mkdir_tmp("dir-der"); /* GTE as DER only */
    snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -outform DER -out '%s/gte.crt'", gte_path, d);
    assert_int_equal(system(cmd), 0);
    free(d);

    d = mkdir_tmp("dir-look");
    put(d, "other-a.pem", "other-a.pem");
    put(d, "look.pem", "lookalike.pem");
    free(d);

    d = mkdir_tmp("dir-empty");
    free(d);

    d = mkdir_tmp("dir-ignored"); /* GTE under a name that is not a certificate file's */
    put(d, "gte.txt", "gte.pem");
    put(d, "gte.pem.bak", "gte.pem");
    free(d);

    d = mkdir_tmp("dir-big"); /* GTE after 1.1 MiB of junk: over the per-file cap */
    ferry_buf_init(&b, 4u << 20);
    while (b.len < (1100u << 10))
        assert_int_equal(ferry_buf_puts(&b, "junk line before the certificate\n"), FERRY_OK);
    assert_int_equal(ferry_file_read(gte_path, 1 << 20, &gte, &n), FERRY_OK);
    assert_int_equal(ferry_buf_append(&b, gte, n), FERRY_OK);
    free(gte);
    p = ferry_path_join(d, "big.pem");
    assert_int_equal(ferry_file_write_atomic(p, b.data, b.len, 0644), FERRY_OK);
    free(p);
    ferry_buf_free(&b);
    free(d);
}

static const struct store_case store_cases[] = {
    {"bundle, 2010", "bundle.pem", "", T_2010, FERRY_ROOT_PRESENT, 1, FERRY_GTE_ROOT_SHA256,
     "/bundle.pem", "valid until 2018-08-13"},
    {"bundle, 2024", "bundle.pem", "", T_2024, FERRY_ROOT_EXPIRED, 0, FERRY_GTE_ROOT_SHA256,
     "/bundle.pem",
     "expired on 2018-08-13; the enrollment service now chains to another root. "
     "Pin it with --root FILE"},
    {"bundle, 1990 (clock wrong)", "bundle.pem", "", T_1990, FERRY_ROOT_EXPIRED, 0,
     FERRY_GTE_ROOT_SHA256, "/bundle.pem", "clock is wrong"},
    {"bundle without GTE", "bundle-nogte.pem", "", T_2024, FERRY_ROOT_ABSENT, 0, "",
     "/bundle-nogte.pem", "not among the 2 certificates"},
    {"bundle with look-alike", "bundle-look.pem", "", T_2024, FERRY_ROOT_LOOKALIKE, 0, LOOKALIKE_FP,
     "/bundle-look.pem", "it is NOT the real root. Remove it"},
    {"look-alike beside the real one", "bundle-both.pem", "", T_2010, FERRY_ROOT_LOOKALIKE, 0,
     LOOKALIKE_FP, "/bundle-both.pem", "NOT the real root"},
    {"empty bundle", "empty.pem", "", T_2024, FERRY_ROOT_ABSENT, 0, "", "/empty.pem",
     "not among the 0 certificates"},
    {"rehashed dir, 2010", "", "dir-rehash", T_2010, FERRY_ROOT_PRESENT, 1, FERRY_GTE_ROOT_SHA256,
     NULL, "submissions can use it"},
    {"rehashed dir, 2024", "", "dir-rehash", T_2024, FERRY_ROOT_EXPIRED, 0, FERRY_GTE_ROOT_SHA256,
     NULL, "--root FILE"},
    {"hash-named dir", "", "dir-hash", T_2010, FERRY_ROOT_PRESENT, 1, FERRY_GTE_ROOT_SHA256, NULL,
     "valid until"},
    {"DER .crt in dir", "", "dir-der", T_2024, FERRY_ROOT_EXPIRED, 0, FERRY_GTE_ROOT_SHA256,
     "/dir-der/gte.crt", "expired on 2018-08-13"},
    {"dir with look-alike", "", "dir-look", T_2010, FERRY_ROOT_LOOKALIKE, 0, LOOKALIKE_FP,
     "/dir-look/look.pem", "/dir-look/look.pem holds a certificate named like"},
    {"empty dir", "", "dir-empty", T_2024, FERRY_ROOT_ABSENT, 0, "", "/dir-empty",
     "Do not install it: it expired on 2018-08-13"},
    {"names not read", "", "dir-ignored", T_2010, FERRY_ROOT_ABSENT, 0, "", NULL, "not among"},
    {"file over the cap", "", "dir-big", T_2010, FERRY_ROOT_ABSENT, 0, "", NULL,
     "not among the 0 certificates"},
    {"file and dir", "bundle-nogte.pem", "dir-rehash", T_2024, FERRY_ROOT_EXPIRED, 0,
     FERRY_GTE_ROOT_SHA256, NULL, "expired"},
};

static void test_stores(void **state)
{
    size_t i;

    build_stores();
    for (i = 0; i < sizeof(store_cases) / sizeof(store_cases[0]); i++)
        run_store_case(&store_cases[i]);
}

/* No --ca-file/--ca-path: $SSL_CERT_FILE and $SSL_CERT_DIR (a ':' list) choose the store. */
static void test_environment(void **state)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    char *f = ferry_path_join(tmp_root, "bundle-nogte.pem");
    char dirs[1200];

    memset(&q, 0, sizeof(q));
    q.now = T_2024;
    snprintf(dirs, sizeof(dirs), "%s/dir-empty:%s/dir-der", tmp_root, tmp_root);
    setenv("SSL_CERT_FILE", f, 1);
    setenv("SSL_CERT_DIR", dirs, 1);
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_OK);
    assert_int_equal(rep.verdict, FERRY_ROOT_EXPIRED);
    assert_non_null(strstr(rep.where, "/dir-der/gte.crt"));
    snprintf(dirs, sizeof(dirs), "%s/dir-empty:%s/no-such-dir", tmp_root, tmp_root);
    setenv("SSL_CERT_DIR", dirs, 1); /* a missing default directory is not an error */
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_OK);
    assert_int_equal(rep.verdict, FERRY_ROOT_ABSENT);
    assert_non_null(strstr(rep.where, "bundle-nogte.pem and "));
    q.ca_path = dirs; /* named explicitly, a missing directory is */
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_ERR_NOT_FOUND);
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
    free(f);
}

static void test_missing_file(void **state)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    char *f = ferry_path_join(tmp_root, "nope.pem");

    memset(&q, 0, sizeof(q));
    q.ca_file = f;
    q.now = T_2024;
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_ERR_NOT_FOUND);
    assert_non_null(strstr(ferry_err_detail(), "nope.pem"));
    q.ca_file = NULL;
    q.root = f;
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_ERR_NOT_FOUND);
    free(f);
}

struct root_case {
    const char *file;
    time_t now;
    enum ferry_root_verdict verdict;
    int usable;
    const char *subject;
    const char *fingerprint;
    time_t not_after;
    const char *advice_has;
};

static const struct root_case root_cases[] = {
    {"other-a.pem", T_2024, FERRY_ROOT_PRESENT, 1, "/CN=ferry test root A", OTHER_A_FP, 2524608000L,
     "submissions will trust only"},
    {"other-b.der", T_2024, FERRY_ROOT_PRESENT, 1, "/CN=ferry test root B", NULL, 2524608000L,
     "valid until 2050-01-01"},
    {"other-a.pem", T_1990, FERRY_ROOT_EXPIRED, 0, "/CN=ferry test root A", OTHER_A_FP, 2524608000L,
     "not valid before 2000-01-01: check this machine's clock"},
    {"expired.pem", T_2024, FERRY_ROOT_EXPIRED, 0, "/CN=ferry test expired root", NULL, 1262304000L,
     "expired on 2010-01-01"},
    {"gte.pem", T_2010, FERRY_ROOT_PRESENT, 1,
     "/C=US/O=GTE Corporation/OU=GTE CyberTrust Solutions, Inc./CN=GTE CyberTrust Global Root",
     FERRY_GTE_ROOT_SHA256, GTE_NOT_AFTER, "valid until 2018-08-13"},
    {"gte.pem", T_2024, FERRY_ROOT_EXPIRED, 0, NULL, FERRY_GTE_ROOT_SHA256, GTE_NOT_AFTER,
     "expired on 2018-08-13"},
    {"lookalike.pem", T_2024, FERRY_ROOT_LOOKALIKE, 0,
     "/C=US/O=GTE Corporation/OU=GTE CyberTrust Solutions, Inc./CN=GTE CyberTrust Global Root",
     LOOKALIKE_FP, 1893456000L, "do not pin it"},
    {"garbage.pem", T_2024, FERRY_ROOT_ABSENT, 0, "", "", 0, "holds no certificate"},
};

static void test_pinned_root(void **state)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;
    size_t i;
    const struct root_case *c;

    for (i = 0; i < sizeof(root_cases) / sizeof(root_cases[0]); i++) {
        c = &root_cases[i];
        memset(&q, 0, sizeof(q));
        q.root = vec(c->file);
        q.ca_file = vec("bundle-does-not-matter.pem"); /* --root wins: the store is not read */
        q.now = c->now;
        print_message("--root %s at %ld\n", c->file, (long)c->now);
        assert_int_equal(ferry_checkroot(&q, &rep), FERRY_OK);
        print_message("  %s: %s\n", ferry_root_verdict_name(rep.verdict), rep.advice);
        assert_int_equal(rep.verdict, c->verdict);
        assert_int_equal(rep.usable, c->usable);
        assert_string_equal(rep.where, q.root);
        if (c->subject != NULL)
            assert_string_equal(rep.subject, c->subject);
        if (c->fingerprint != NULL)
            assert_string_equal(rep.fingerprint, c->fingerprint);
        assert_int_equal((long)rep.not_after, (long)c->not_after);
        assert_non_null(strstr(rep.advice, c->advice_has));
    }
}

/* The built-in copy and the shared data file are the same certificate; verdict names. */
static void test_reference(void **state)
{
    struct ferry_root_query q;
    struct ferry_root_report a, b;

    memset(&q, 0, sizeof(q));
    q.root = gte_path;
    q.now = T_2010;
    assert_int_equal(ferry_checkroot(&q, &a), FERRY_OK);
    q.expect_pem = gte_path;
    assert_int_equal(ferry_checkroot(&q, &b), FERRY_OK);
    assert_string_equal(a.fingerprint, FERRY_GTE_ROOT_SHA256);
    assert_string_equal(b.fingerprint, FERRY_GTE_ROOT_SHA256);
    assert_int_equal(a.verdict, b.verdict);
    /* another reference: then other-a is "the" root and its namesake would be a look-alike */
    q.expect_pem = vec("other-a.pem");
    q.root = vec("other-b.pem");
    assert_int_equal(ferry_checkroot(&q, &a), FERRY_OK);
    assert_int_equal(a.verdict, FERRY_ROOT_PRESENT);
    q.expect_pem = vec("garbage.pem");
    assert_int_equal(ferry_checkroot(&q, &a), FERRY_ERR_FORMAT);
    assert_string_equal(ferry_root_verdict_name(FERRY_ROOT_PRESENT), "present");
    assert_string_equal(ferry_root_verdict_name(FERRY_ROOT_ABSENT), "absent");
    assert_string_equal(ferry_root_verdict_name(FERRY_ROOT_EXPIRED), "expired");
    assert_string_equal(ferry_root_verdict_name(FERRY_ROOT_LOOKALIKE), "look-alike");
}

/* This machine's real store: whatever it holds, the call works and the verdict is consistent. */
static void test_system_store(void **state)
{
    struct ferry_root_query q;
    struct ferry_root_report rep;

    memset(&q, 0, sizeof(q));
    q.now = T_2024;
    assert_int_equal(ferry_checkroot(&q, &rep), FERRY_OK);
    print_message("system store: %s in %s\n", ferry_root_verdict_name(rep.verdict), rep.where);
    assert_int_equal(rep.usable, 0); /* GTE is never usable in 2024 */
    assert_true(rep.verdict == FERRY_ROOT_ABSENT || rep.verdict == FERRY_ROOT_EXPIRED ||
                rep.verdict == FERRY_ROOT_LOOKALIKE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stores),       cmocka_unit_test(test_environment),
        cmocka_unit_test(test_missing_file), cmocka_unit_test(test_pinned_root),
        cmocka_unit_test(test_reference),    cmocka_unit_test(test_system_store),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
