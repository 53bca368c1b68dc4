/* EST (enroll_est.c) against the real stand-in service ferry-enrolld on 127.0.0.1: cacerts,
 * (re)enroll, HTTP auth, faults, the RFC 2045 wire format, pending answers, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "ferry/enroll.h"
#include "ferry/err.h"
#include "ferry/b64.h"
#include "ferry/time.h"
#include "standin.h"

static uint8_t *csr_der; /* a PKCS#10 (EC P-256) */
static size_t csr_der_len;
static char *csr_pem;
static EVP_PKEY *csr_key;

static char *mime_lines(const uint8_t *der, size_t n);

static void make_csr(void)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *nm = X509_NAME_new();
    unsigned char *der = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int dl;

    csr_key = EVP_EC_gen("P-256");
    assert_non_null(csr_key);
    assert_true(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
                                           (const unsigned char *)"host.example.test", -1, -1,
                                           0) == 1);
    assert_true(X509_REQ_set_subject_name(req, nm) == 1);
    assert_true(X509_REQ_set_pubkey(req, csr_key) == 1);
    assert_true(X509_REQ_sign(req, csr_key, EVP_sha256()) > 0);
    dl = i2d_X509_REQ(req, &der);
    assert_true(dl > 0);
    csr_der = malloc((size_t)dl);
    memcpy(csr_der, der, (size_t)dl);
    csr_der_len = (size_t)dl;
    assert_true(PEM_write_bio_X509_REQ(bio, req) == 1);
    n = BIO_get_mem_data(bio, &p);
    csr_pem = strndup(p, (size_t)n);
    OPENSSL_free(der);
    BIO_free(bio);
    X509_NAME_free(nm);
    X509_REQ_free(req);
}

static int setup(void **state)
{
    standin_group_setup(state);
    make_csr();
    return 0;
}

static int teardown(void **state)
{
    free(csr_der);
    free(csr_pem);
    EVP_PKEY_free(csr_key);
    return standin_group_teardown(state);
}

/* The certificates of a DER PKCS#7 certs-only. */
static STACK_OF(X509) * p7_certs(const uint8_t *der, size_t len, PKCS7 **keep)
{
    const unsigned char *p = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);

    assert_non_null(p7);
    assert_true(p == der + len);
    assert_true(PKCS7_type_is_signed(p7));
    *keep = p7;
    return p7->d.sign->cert;
}

static void test_est(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    PKCS7 *p7 = NULL;
    STACK_OF(X509) * certs;
    X509 *ca;
    FILE *f;
    char p[600], path[128], got[65], want[65], *b64 = NULL;
    int st;

    standin_start(&s, NULL);
    standin_opts(&o, &s);
    /* cacerts: the EST CA the service wrote beside its state */
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_OK);
    assert_int_equal(res.status, 200);
    certs = p7_certs(res.body, res.len, &p7);
    snprintf(p, sizeof(p), "%s/est-ca.pem", standin_state_dir);
    assert_non_null(f = fopen(p, "r"));
    ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(ca);
    assert_int_equal(sk_X509_num(certs), 1);
    assert_int_equal(X509_cmp(sk_X509_value(certs, 0), ca), 0);
    X509_free(ca);
    PKCS7_free(p7);
    ferry_http_result_free(&res);
    assert_true(standin_received(0, path, got, &st));
    assert_string_equal(path, "/.well-known/est/cacerts");

    /* simpleenroll, DER request: the issued certificate carries our key */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_OK);
    certs = p7_certs(res.body, res.len, &p7);
    assert_true(sk_X509_num(certs) >= 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, 0)), csr_key), 1);
    PKCS7_free(p7);
    ferry_http_result_free(&res);
    assert_true(standin_received(1, path, got, &st));
    assert_string_equal(path, "/.well-known/est/simpleenroll");
    b64 = mime_lines(csr_der, csr_der_len);
    standin_sha_hex(b64, strlen(b64),
                    want); /* the body is the RFC 2045 base64 of the DER, exactly */
    assert_string_equal(got, want);

    /* simplereenroll, PEM request, base URL given with the EST prefix and a slash */
    snprintf(p, sizeof(p), "%s/.well-known/est/", s.url);
    assert_int_equal(
        ferry_enroll_est_simpleenroll(p, (const uint8_t *)csr_pem, strlen(csr_pem), 1, &o, &res),
        FERRY_OK);
    certs = p7_certs(res.body, res.len, &p7);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, 0)), csr_key), 1);
    PKCS7_free(p7);
    ferry_http_result_free(&res);
    assert_true(standin_received(2, path, got, &st));
    assert_string_equal(path, "/.well-known/est/simplereenroll");
    assert_string_equal(got, want);

    /* not a PKCS#10: refused before any traffic */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, (const uint8_t *)"junk", 4, 0, &o, &res),
                     FERRY_ERR_FORMAT);
    assert_int_equal(res.attempts, 0);
    ferry_http_result_free(&res);
    standin_stop(&s);
    assert_int_equal(standin_received_count(), 3);
    free(b64);
}

static void test_est_auth(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;

    standin_start(&s, "--est-user", "ferry:s3cret", NULL);
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_ERR_REJECTED);
    assert_int_equal(res.status, 401);
    assert_non_null(strstr(ferry_err_detail(), "authentication"));
    ferry_http_result_free(&res);
    o.user = "ferry";
    o.password = "wrong";
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_ERR_REJECTED);
    assert_int_equal(res.status, 401);
    ferry_http_result_free(&res);
    o.password = "s3cret";
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.status, 200);
    ferry_http_result_free(&res);
    standin_stop(&s);
}

static void test_est_faults(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;

    standin_start(&s, "malformed", NULL); /* half an answer: not a PKCS#7 */
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_ERR_FORMAT);
    ferry_http_result_free(&res);
    standin_stop(&s);
    standin_start(&s, "http500:1", NULL); /* EST 500s are retried (no SOAP there) */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.attempts, 2);
    ferry_http_result_free(&res);
    standin_stop(&s);
    standin_start(&s, "wrong-host-cert", NULL);
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_ERR_UNTRUSTED);
    ferry_http_result_free(&res);
    standin_stop(&s);
    standin_start(&s, "content-type:text/html", NULL); /* RFC 7030: application/pkcs7-mime */
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "\"text/html\", not application/pkcs7-mime"));
    assert_null(res.body);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_ERR_FORMAT);
    assert_int_equal(res.attempts, 1);
    ferry_http_result_free(&res);
    standin_stop(&s);
}

/* RFC 2045 base64 made here independently: 76 characters a line, CRLF after each. */
static char *mime_lines(const uint8_t *der, size_t n)
{
    char *flat = NULL, *out;
    size_t fl, i, k = 0;

    assert_int_equal(ferry_b64_encode(der, n, &flat), FERRY_OK);
    fl = strlen(flat);
    assert_non_null(out = malloc(fl + fl / 76 * 2 + 4));
    for (i = 0; i < fl; i += 76) {
        size_t m = fl - i < 76 ? fl - i : 76;
        memcpy(out + k, flat + i, m);
        k += m;
        out[k++] = '\r';
        out[k++] = '\n';
    }
    out[k] = '\0';
    free(flat);
    return out;
}

/* POSTs @body to @url as a PKCS#10 the way a careless client would; the HTTP status. */
static long raw_post(const struct standin *s, const char *op, const char *body, char *answer,
                     size_t cap)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/pkcs10");
    FILE *f = fmemopen(answer, cap, "w");
    char url[400];
    long st = 0;

    snprintf(url, sizeof(url), "%s/.well-known/est/%s", s->url, op);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, s->root);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
    fclose(f);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return st;
}

/* The wire format: ferry's request is RFC 2045 base64 (and passes the strict stand-in); the
 * stand-in refuses one unterminated line and a line over 76 characters, as real CAs do. */
static void test_est_wire(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char *mime = mime_lines(csr_der, csr_der_len), *flat = NULL, *mine = NULL, *longl = NULL;
    char path[128], got[65], want[65], ans[512];
    size_t i;
    int st;

    assert_int_equal(ferry_enroll_est_mime_b64(csr_der, csr_der_len, &mine), FERRY_OK);
    assert_string_equal(mine, mime);
    for (i = 0; mime[i] != '\0'; i++) /* no bare LF, no line over 76 */
        assert_true(mime[i] != '\n' || (i > 0 && mime[i - 1] == '\r'));
    standin_start(&s, NULL);
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_OK);
    ferry_http_result_free(&res);
    assert_true(standin_received(0, path, got, &st));
    standin_sha_hex(mime, strlen(mime), want);
    assert_string_equal(got, want);
    /* one line without a terminator: refused, with the reason */
    assert_int_equal(ferry_b64_encode(csr_der, csr_der_len, &flat), FERRY_OK);
    assert_int_equal(raw_post(&s, "simplereenroll", flat, ans, sizeof(ans)), 400);
    assert_non_null(strstr(ans, "Invalid or corrupted pkcs10 request."));
    /* 77 characters on a line, CRLF-terminated: refused */
    assert_non_null(longl = malloc(strlen(flat) + 8));
    snprintf(longl, strlen(flat) + 8, "%.77s\r\n%s\r\n", flat, flat + 77);
    assert_int_equal(raw_post(&s, "simplereenroll", longl, ans, sizeof(ans)), 400);
    assert_non_null(strstr(ans, "longer than 76"));
    /* a pinned anchor in DER (and in PEM after a text dump) works as the PEM one */
    {
        char der_path[600], txt_path[600];
        FILE *f = fopen(s.root, "r"), *g;
        X509 *root = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
        assert_non_null(root);
        snprintf(der_path, sizeof(der_path), "%s/root.der", standin_tmp_root);
        assert_non_null(g = fopen(der_path, "w"));
        assert_int_equal(i2d_X509_fp(g, root), 1);
        fclose(g);
        snprintf(txt_path, sizeof(txt_path), "%s/root-text.pem", standin_tmp_root);
        assert_non_null(g = fopen(txt_path, "w"));
        fputs("Certificate:\n    Data: (as openssl x509 -text writes it)\n", g);
        PEM_write_X509(g, root);
        fclose(g);
        X509_free(root);
        o.ca_file = der_path;
        assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_OK);
        ferry_http_result_free(&res);
        o.ca_file = txt_path;
        assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_OK);
        ferry_http_result_free(&res);
    }
    standin_stop(&s);
    free(mime);
    free(mine);
    free(flat);
    free(longl);
}

/* A clock for tests: real time plus what the client "slept". */
struct vclock {
    double ahead;
    double slept[8];
    int n;
};

static double v_now(void *ctx)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + ((struct vclock *)ctx)->ahead;
}

static void v_sleep(void *ctx, double secs)
{
    struct vclock *v = ctx;

    v->ahead += secs;
    if (v->n < 8)
        v->slept[v->n++] = secs;
}

/* 202 with Retry-After: 90 (seconds, then an HTTP date): a short deadline stops at once with
 * when to submit again; a long one waits what the CA asked, then gets the certificate. */
static void test_est_pending(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    struct vclock v = {0};
    struct ferry_http_clock ck = {v_now, v_sleep, &v};
    char at[21];
    time_t t0;

    standin_start(&s, "--est-fault", "pending:90:1", NULL);
    standin_opts(&o, &s);
    o.clock = &ck;
    t0 = time(NULL);
    o.deadline = t0 + 60;
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_ERR_INCOMPLETE);
    print_message("%s\n", ferry_err_detail());
    assert_int_equal(res.status, 202);
    assert_int_equal(res.attempts, 1);
    assert_int_equal(v.n, 0);
    assert_true(res.retry_at >= t0 + 90 && res.retry_at <= t0 + 93);
    ferry_time_iso(res.retry_at, at);
    assert_non_null(strstr(ferry_err_detail(), "submit again after"));
    assert_non_null(strstr(ferry_err_detail(), at));
    assert_non_null(strstr(ferry_err_detail(), "wait 90 s"));
    ferry_http_result_free(&res);
    standin_stop(&s);

    standin_start(&s, "--est-fault", "pending:90:1", NULL);
    o.deadline = time(NULL) + 600;
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(v.n, 1);
    assert_true(v.slept[0] == 90);
    ferry_http_result_free(&res);
    standin_stop(&s);

    v.n = 0;
    v.ahead = 0;
    standin_start(&s, "--est-fault", "pending-date:90:1", NULL);
    o.deadline = (time_t)v_now(&v) + 600;
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(v.n, 1);
    print_message("HTTP-date wait: %.1f s\n", v.slept[0]);
    assert_true(v.slept[0] > 87 && v.slept[0] <= 91);
    ferry_http_result_free(&res);
    standin_stop(&s);
}

/* Refusals say the status, quote the CA's text, and what it means for EST. */
static void test_est_refusals(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;

    standin_start(&s, "--est-fault", "client-cert", NULL); /* 401 without an HTTP challenge */
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_ERR_REJECTED);
    print_message("%s\n", ferry_err_detail());
    assert_int_equal(res.status, 401);
    assert_non_null(strstr(ferry_err_detail(), "The server was unable to authorize the request."));
    assert_non_null(strstr(ferry_err_detail(), "TLS client certificate"));
    assert_non_null(strstr(ferry_err_detail(), "must allow HTTP Basic or Digest"));
    ferry_http_result_free(&res);
    standin_stop(&s);
    standin_start(&s, "--est-user", "ferry:s3cret", NULL); /* 401 with Basic */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_ERR_REJECTED);
    assert_non_null(strstr(ferry_err_detail(), "offers authentication Basic"));
    assert_non_null(strstr(ferry_err_detail(), "give --est-user USER"));
    ferry_http_result_free(&res);
    o.user = "ferry";
    o.password = "wrong";
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_ERR_REJECTED);
    assert_non_null(strstr(ferry_err_detail(), "did not accept the user name and password"));
    ferry_http_result_free(&res);
    standin_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_est),         cmocka_unit_test(test_est_auth),
        cmocka_unit_test(test_est_faults),  cmocka_unit_test(test_est_wire),
        cmocka_unit_test(test_est_pending), cmocka_unit_test(test_est_refusals),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
