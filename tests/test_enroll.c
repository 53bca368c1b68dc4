/* The HTTPS enrollment clients against the real stand-in service ferry-enrolld on 127.0.0.1,
 * one fault at a time. received.log is the service's own record of what it got. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "ferry/buf.h"
#include "ferry/b64.h"
#include "ferry/crypto.h"
#include "ferry/hex.h"
#include "ferry/time.h"
#include "ferry/enroll.h"
#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/xml.h"
#include "helpers.h"

#define MAX_FAULTS 4

struct srv {
    pid_t pid;
    char url[256];
    char root[600];
    char rms[300]; /* the RMS endpoint */
};

static char tmp_root[256];
static char state_dir[400];
static uint8_t *rms_req; /* a synthetic SOAP Enroll/oInput request (WSDL 6.6), BOM and CRLF */
static size_t rms_req_len;
static uint8_t *csr_der; /* a PKCS#10 (EC P-256) */
static size_t csr_der_len;
static char *csr_pem;
static EVP_PKEY *csr_key;

static char *mime_lines(const uint8_t *der, size_t n);

/* memmem without _GNU_SOURCE. */
static const void *find_bytes(const void *h, size_t hl, const void *n, size_t nl)
{
    const uint8_t *p = h;
    size_t i;

    for (i = 0; nl <= hl && i <= hl - nl; i++)
        if (memcmp(p + i, n, nl) == 0)
            return p + i;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts ferry-enrolld with the faults given (NULL-terminated) and waits for its url file. */
static void srv_start(struct srv *s, ...)
{
    const char *bin = getenv("FERRY_ENROLLD");
    const char *argv[8 + 2 * MAX_FAULTS];
    char path[600], logp[600];
    uint8_t *u = NULL;
    size_t n = 0, k = 0;
    const char *f;
    va_list ap;
    int i, fd;

    assert_non_null(bin);
    argv[k++] = bin;
    argv[k++] = "--listen";
    argv[k++] = "127.0.0.1:0";
    argv[k++] = "--state";
    argv[k++] = state_dir;
    va_start(ap, s);
    while ((f = va_arg(ap, const char *)) != NULL && k < 6 + 2 * MAX_FAULTS) {
        argv[k++] = strncmp(f, "--", 2) == 0 ? f : "--fault";
        if (strncmp(f, "--", 2) == 0)
            f = va_arg(ap, const char *);
        argv[k++] = f;
    }
    va_end(ap);
    argv[k] = NULL;
    snprintf(path, sizeof(path), "%s/url", state_dir);
    unlink(path);
    snprintf(logp, sizeof(logp), "%s/received.log", state_dir);
    unlink(logp);
    snprintf(logp, sizeof(logp), "%s/enrolld.out", tmp_root);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (i = 0; i < 400 && !ferry_path_exists(path); i++)
        usleep(25000);
    assert_int_equal(ferry_file_read(path, 255, &u, &n), FERRY_OK);
    while (n > 0 && (u[n - 1] == '\n' || u[n - 1] == '\r'))
        u[--n] = '\0';
    snprintf(s->url, sizeof(s->url), "%s", (char *)u);
    snprintf(s->root, sizeof(s->root), "%s/root.pem", state_dir);
    snprintf(s->rms, sizeof(s->rms), "%s%s", s->url, FERRY_RMS_PATH);
    free(u);
}

static void srv_stop(struct srv *s)
{
    int st;

    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
}

/* Line @i (0-based) of received.log split into path, sha256 hex and status; 0 if absent. */
static int received(int i, char path[128], char sha[65], int *status)
{
    char p[600], *line, *nl;
    uint8_t *buf = NULL;
    size_t n = 0;
    int k, ok = 0;

    snprintf(p, sizeof(p), "%s/received.log", state_dir);
    if (ferry_file_read(p, 1 << 20, &buf, &n) != FERRY_OK)
        return 0;
    line = (char *)buf;
    for (k = 0; k < i && line != NULL; k++)
        line = (nl = strchr(line, '\n')) != NULL && nl[1] != '\0' ? nl + 1 : NULL;
    if (line != NULL && sscanf(line, "%*s %127s %64s %d", path, sha, status) == 3)
        ok = 1;
    free(buf);
    return ok;
}

static int received_count(void)
{
    char p[128], h[65];
    int st, n = 0;

    while (received(n, p, h, &st))
        n++;
    return n;
}

static void sha_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[FERRY_SHA256_LEN];

    ferry_sha256(p, n, h);
    ferry_hex(h, sizeof(h), out);
}

/* Test options: short timeouts, quick back-off, the stand-in's root pinned. */
static void opts_for(struct ferry_http_opts *o, const struct srv *s)
{
    ferry_http_opts_default(o);
    o->ca_file = s->root;
    o->connect_timeout_ms = 2000;
    o->timeout_ms = 2000;
    o->backoff_ms = 50;
    o->max_attempts = 3;
    o->deadline = time(NULL) + 60;
}

static void make_rms_request(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    unsigned char *der = NULL;
    char *b64 = NULL;
    struct ferry_buf b;
    int n;

    assert_non_null(k);
    n = i2d_PublicKey(k, &der); /* PKCS#1 RSAPublicKey */
    assert_true(n > 0);
    assert_int_equal(ferry_b64_encode(der, (size_t)n, &b64), FERRY_OK);
    ferry_buf_init(&b, 1 << 16);
    assert_int_equal(
        ferry_buf_printf(
            &b,
            "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
            "<!-- synthetic test request made by test_enroll.c, not a real RMS request -->\r\n"
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\r\n"
            "  <soap:Header><VersionData xmlns=\"http://microsoft.com/DRM/EnrollmentService\">"
            "<MinimumVersion>1.0.0.0</MinimumVersion><MaximumVersion>1.0.0.0</MaximumVersion>"
            "</VersionData></soap:Header>\r\n"
            "  <soap:Body>\r\n    <Enroll xmlns=\"http://microsoft.com/DRM/EnrollmentService\">\r\n"
            "      <oInput>\r\n        <AuthorizationInformation />\r\n"
            "        <RevocationInformation>\r\n"
            "          <RevocationType>StandardRevocation</RevocationType>\r\n"
            "        </RevocationInformation>\r\n        <CertificatePublicKey>\r\n"
            "          <aPublicKeyBytes>%s</aPublicKeyBytes>\r\n"
            "          <Guid>{6F1A2B3C-4D5E-4F60-8172-93A4B5C6D7E8}</Guid>\r\n"
            "        </CertificatePublicKey>\r\n        <EnrolleeInformation>\r\n"
            "          <Version>1.0.0.0</Version>\r\n"
            "          <URL>https://rms.example.test/_wmcs</URL>\r\n"
            "        </EnrolleeInformation>\r\n      </oInput>\r\n    </Enroll>\r\n"
            "  </soap:Body>\r\n</soap:Envelope>\r\n",
            b64),
        FERRY_OK);
    rms_req = ferry_buf_steal(&b, &rms_req_len);
    OPENSSL_free(der);
    free(b64);
    EVP_PKEY_free(k);
}

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
    snprintf(tmp_root, sizeof(tmp_root), "/tmp/ferry-enroll-XXXXXX");
    assert_non_null(mkdtemp(tmp_root));
    snprintf(state_dir, sizeof(state_dir), "%s/state", tmp_root);
    assert_int_equal(ferry_mkdir_p(state_dir, 0700), FERRY_OK);
    make_rms_request();
    make_csr();
    ferry_log_set_level(getenv("FERRY_TEST_VERBOSE") != NULL ? FERRY_LOG_DEBUG : FERRY_LOG_WARN);
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    return 0;
}

static int teardown(void **state)
{
    free(rms_req);
    free(csr_der);
    free(csr_pem);
    EVP_PKEY_free(csr_key);
    return helpers_rm_tree(tmp_root);
}

/* Success: what the service received is byte for byte what we sent; the answer is XML. */
static void test_rms_success(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char path[128], got[65], want[65];
    int st;
    xmlDocPtr doc = NULL;

    srv_start(&s, NULL);
    opts_for(&o, &s);
    assert_int_equal(ferry_enroll_rms(s.rms, rms_req, rms_req_len, &o, &res), FERRY_OK);
    srv_stop(&s);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.attempts, 1);
    assert_non_null(strstr(res.content_type, "text/xml"));
    assert_int_equal(ferry_xml_parse(res.body, res.len, "answer", &doc), FERRY_OK);
    assert_non_null(strstr((const char *)res.body, "EnrollResponse"));
    xmlFreeDoc(doc);
    assert_int_equal(received_count(), 1);
    assert_true(received(0, path, got, &st));
    sha_hex(rms_req, rms_req_len, want);
    assert_string_equal(path, FERRY_RMS_PATH);
    assert_string_equal(got, want);
    assert_int_equal(st, 200);
    ferry_http_result_free(&res);
}

static void tw_none(struct ferry_http_opts *o)
{
    (void)o;
}
static void tw_timeout(struct ferry_http_opts *o)
{
    o->timeout_ms = 1000;
    o->max_attempts = 1;
}
static void tw_timeout2(struct ferry_http_opts *o)
{
    o->timeout_ms = 1000;
    o->max_attempts = 2;
}
static void tw_deadline(struct ferry_http_opts *o) /* a silent service: the deadline ends it */
{
    o->timeout_ms = 60000;
    o->deadline = time(NULL) + 2;
}
static void tw_cap(struct ferry_http_opts *o)
{
    o->max_response = 65536;
}
static void tw_slow(struct ferry_http_opts *o)
{
    o->timeout_ms = 20000;
    o->low_speed_limit = 1000;
    o->low_speed_time_s = 1;
    o->max_attempts = 1;
}
static void tw_other_anchor(struct ferry_http_opts *o)
{
    static char p[1200];
    const char *v = getenv("FERRY_VECTORS");

    snprintf(p, sizeof(p), "%s/checkroot/other-a.pem", v != NULL ? v : "tests/vectors");
    o->ca_file = p;
}

struct rms_case {
    const char *fault; /* NULL: none */
    void (*tweak)(struct ferry_http_opts *);
    ferry_err err;
    long status; /* -1: not checked */
    int attempts;
    const char *detail_has; /* for errors */
    const char *body_has;   /* for answers */
    double min_s, max_s;    /* elapsed bounds */
};

static const struct rms_case rms_cases[] = {
    {"http500:2", tw_none, FERRY_OK, 200, 3, NULL, "EnrollResponse", 0, 3},
    {"http500:5", tw_none, FERRY_ERR_NET, 500, 3, "failed with HTTP 500", NULL, 0, 3},
    {"delay:1600", tw_timeout, FERRY_ERR_NET, -1, 1, "did not answer in time", NULL, 0.9, 1.5},
    {"delay:1600", tw_timeout2, FERRY_ERR_NET, -1, 2, "timed out", NULL, 1.9, 3},
    {"delay:5000", tw_deadline, FERRY_ERR_NET, -1, 1, "(--deadline) leaves no time for another try",
     NULL, 0.9, 2.6},
    {"soap-fault", tw_none, FERRY_OK, 500, 1, NULL, "injected fault: the enrollment service", 0, 3},
    {"malformed", tw_none, FERRY_OK, 200, 1, NULL, "<soap:Envelope", 0, 3},
    {"oversize:1048576", tw_cap, FERRY_ERR_TOO_LARGE, 200, 1, "answer larger than 65536 bytes",
     NULL, 0, 3},
    {"oversize-chunked:1048576", tw_cap, FERRY_ERR_TOO_LARGE, 200, 1,
     "answer larger than 65536 bytes", NULL, 0, 3},
    {"oversize:60000", tw_cap, FERRY_OK, 200, 1, NULL, "QUFBQUFB", 0, 3},
    {"retry-after:1", tw_none, FERRY_OK, 200, 2, NULL, "EnrollResponse", 0.95, 3},
    /* a wait past the deadline is not begun: exit 4, with when to come back */
    {"retry-after:3600", tw_none, FERRY_ERR_INCOMPLETE, 503, 1, "submit again after", NULL, 0, 0.9},
    {"drip:400", tw_slow, FERRY_ERR_NET, 200, 1, "too slow", NULL, 0.9, 4},
    {"reset", tw_none, FERRY_ERR_NET, -1, 3, "RMS Enroll at https://127.0.0.1:", NULL, 0, 3},
    {"redirect-http", tw_none, FERRY_ERR_NET, 302, 1,
     "redirects (HTTP 302) to http://127.0.0.1:", NULL, 0, 2},
    {"redirect-loop", tw_none, FERRY_ERR_NET, 302, 1, "ferry does not follow redirects", NULL, 0,
     2},
    {"content-type:application/x-odd", tw_none, FERRY_ERR_FORMAT, 200, 1,
     "the answer's Content-Type is \"application/x-odd\", not text/xml (SOAP)", NULL, 0, 2},
    {"content-type:text/html; charset=utf-8", tw_none, FERRY_ERR_FORMAT, 200, 1,
     "not a proxy, portal or login page", NULL, 0, 2},
    {"content-type:text/xmlx", tw_none, FERRY_ERR_FORMAT, 200, 1, "\"text/xmlx\"", NULL, 0, 2},
    {"content-type:application/soap+xml; charset=utf-8", tw_none, FERRY_OK, 200, 1, NULL,
     "EnrollResponse", 0, 2},
    {"content-type:Text/XML ;charset=UTF-8", tw_none, FERRY_OK, 200, 1, NULL, "EnrollResponse", 0,
     2},
    {"gzip-bomb", tw_none, FERRY_ERR_FORMAT, 200, 1, "Content-Encoding: gzip", NULL, 0, 2},
    {"wrong-host-cert", tw_none, FERRY_ERR_UNTRUSTED, -1, 1,
     "certificate is not issued for this host name", NULL, 0, 2},
    {"expired-cert", tw_none, FERRY_ERR_UNTRUSTED, -1, 1, "outside its validity", NULL, 0, 2},
    {"tls10-only", tw_none, FERRY_ERR_UNTRUSTED, -1, 1, "older than 1.2, which ferry refuses", NULL,
     0, 2}, /* not retried: a protocol refusal is not transient */
    {NULL, tw_other_anchor, FERRY_ERR_UNTRUSTED, -1, 1, "does not chain to the pinned root /", NULL,
     0, 2},
};

static void run_rms_case(const struct rms_case *c)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    double t0, dt;
    ferry_err r;

    print_message("fault %s\n", c->fault != NULL ? c->fault : "(none)");
    srv_start(&s, c->fault, NULL);
    opts_for(&o, &s);
    c->tweak(&o);
    t0 = now_s();
    r = ferry_enroll_rms(s.rms, rms_req, rms_req_len, &o, &res);
    dt = now_s() - t0;
    srv_stop(&s);
    print_message("  -> %s, status %ld, %d attempts, %.2f s: %s\n", ferry_strerror(r), res.status,
                  res.attempts, dt, r != FERRY_OK ? ferry_err_detail() : "");
    assert_int_equal(r, c->err);
    if (c->status >= 0)
        assert_int_equal(res.status, c->status);
    assert_int_equal(res.attempts, c->attempts);
    if (c->detail_has != NULL)
        assert_non_null(strstr(ferry_err_detail(), c->detail_has));
    if (c->body_has != NULL) {
        assert_non_null(res.body);
        assert_non_null(find_bytes(res.body, res.len, c->body_has, strlen(c->body_has)));
    }
    if (r != FERRY_OK)
        assert_null(res.body);
    assert_true(dt >= c->min_s && dt <= c->max_s);
    ferry_http_result_free(&res);
}

static void test_rms_faults(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(rms_cases) / sizeof(rms_cases[0]); i++)
        run_rms_case(&rms_cases[i]);
}

/* http500:2: three requests reached the service, each with the very same bytes. */
static void test_rms_retry_log(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char path[128], got[65], want[65];
    int st, i;

    srv_start(&s, "http500:2", NULL);
    opts_for(&o, &s);
    assert_int_equal(ferry_enroll_rms(s.rms, rms_req, rms_req_len, &o, &res), FERRY_OK);
    srv_stop(&s);
    assert_int_equal(res.attempts, 3);
    sha_hex(rms_req, rms_req_len, want);
    assert_int_equal(received_count(), 3);
    for (i = 0; i < 3; i++) {
        assert_true(received(i, path, got, &st));
        assert_string_equal(got, want);
        assert_int_equal(st, i < 2 ? 500 : 200);
    }
    ferry_http_result_free(&res);
}

/* Answers that are not success: a SOAP fault for a bad request, 404 for a wrong path. */
static void test_rms_refusals(void **state)
{
    static const uint8_t bad[] = "<notenroll/>";
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char url[400];

    srv_start(&s, NULL);
    opts_for(&o, &s);
    assert_int_equal(ferry_enroll_rms(s.rms, bad, sizeof(bad) - 1, &o, &res), FERRY_OK);
    assert_int_equal(res.status, 500);
    assert_int_equal(res.attempts, 1); /* a SOAP fault is an answer, not retried */
    assert_non_null(find_bytes(res.body, res.len, "soap:Client", 11));
    ferry_http_result_free(&res);
    snprintf(url, sizeof(url), "%s/no/such/path", s.url);
    assert_int_equal(ferry_enroll_rms(url, rms_req, rms_req_len, &o, &res), FERRY_ERR_REJECTED);
    assert_int_equal(res.status, 404);
    assert_int_equal(res.attempts, 1);
    assert_non_null(res.body); /* kept for the caller to show */
    assert_non_null(strstr(ferry_err_detail(), "HTTP 404"));
    ferry_http_result_free(&res);
    srv_stop(&s);
}

/* Refused before any traffic, and a service that is not there. */
static void test_rms_local_errors(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char url[400];
    double t0;

    srv_start(&s, NULL);
    srv_stop(&s); /* its port is now closed */
    opts_for(&o, &s);
    snprintf(url, sizeof(url), "http%s", s.rms + 5);
    assert_int_equal(ferry_enroll_rms(url, rms_req, rms_req_len, &o, &res), FERRY_ERR_USAGE);
    assert_int_equal(res.attempts, 0);
    ferry_http_result_free(&res);
    o.ca_file = "/nonexistent/root.pem";
    assert_int_equal(ferry_enroll_rms(s.rms, rms_req, rms_req_len, &o, &res), FERRY_ERR_NOT_FOUND);
    assert_non_null(strstr(ferry_err_detail(), "/nonexistent/root.pem"));
    ferry_http_result_free(&res);
    opts_for(&o, &s);
    t0 = now_s();
    assert_int_equal(ferry_enroll_rms(s.rms, rms_req, rms_req_len, &o, &res), FERRY_ERR_NET);
    assert_int_equal(res.attempts, 3);
    assert_true(now_s() - t0 >= 0.14); /* back-off 50 + 100 ms */
    assert_non_null(strstr(ferry_err_detail(), "onnect"));
    ferry_http_result_free(&res);
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
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    PKCS7 *p7 = NULL;
    STACK_OF(X509) * certs;
    X509 *ca;
    FILE *f;
    char p[600], path[128], got[65], want[65], *b64 = NULL;
    int st;

    srv_start(&s, NULL);
    opts_for(&o, &s);
    /* cacerts: the EST CA the service wrote beside its state */
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_OK);
    assert_int_equal(res.status, 200);
    certs = p7_certs(res.body, res.len, &p7);
    snprintf(p, sizeof(p), "%s/est-ca.pem", state_dir);
    assert_non_null(f = fopen(p, "r"));
    ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(ca);
    assert_int_equal(sk_X509_num(certs), 1);
    assert_int_equal(X509_cmp(sk_X509_value(certs, 0), ca), 0);
    X509_free(ca);
    PKCS7_free(p7);
    ferry_http_result_free(&res);
    assert_true(received(0, path, got, &st));
    assert_string_equal(path, "/.well-known/est/cacerts");

    /* simpleenroll, DER request: the issued certificate carries our key */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_OK);
    certs = p7_certs(res.body, res.len, &p7);
    assert_true(sk_X509_num(certs) >= 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, 0)), csr_key), 1);
    PKCS7_free(p7);
    ferry_http_result_free(&res);
    assert_true(received(1, path, got, &st));
    assert_string_equal(path, "/.well-known/est/simpleenroll");
    b64 = mime_lines(csr_der, csr_der_len);
    sha_hex(b64, strlen(b64), want); /* the body is the RFC 2045 base64 of the DER, exactly */
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
    assert_true(received(2, path, got, &st));
    assert_string_equal(path, "/.well-known/est/simplereenroll");
    assert_string_equal(got, want);

    /* not a PKCS#10: refused before any traffic */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, (const uint8_t *)"junk", 4, 0, &o, &res),
                     FERRY_ERR_FORMAT);
    assert_int_equal(res.attempts, 0);
    ferry_http_result_free(&res);
    srv_stop(&s);
    assert_int_equal(received_count(), 3);
    free(b64);
}

static void test_est_auth(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;

    srv_start(&s, "--est-user", "ferry:s3cret", NULL);
    opts_for(&o, &s);
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
    srv_stop(&s);
}

static void test_est_faults(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;

    srv_start(&s, "malformed", NULL); /* half an answer: not a PKCS#7 */
    opts_for(&o, &s);
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_ERR_FORMAT);
    ferry_http_result_free(&res);
    srv_stop(&s);
    srv_start(&s, "http500:1", NULL); /* EST 500s are retried (no SOAP there) */
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.attempts, 2);
    ferry_http_result_free(&res);
    srv_stop(&s);
    srv_start(&s, "wrong-host-cert", NULL);
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_ERR_UNTRUSTED);
    ferry_http_result_free(&res);
    srv_stop(&s);
    srv_start(&s, "content-type:text/html", NULL); /* RFC 7030: application/pkcs7-mime */
    assert_int_equal(ferry_enroll_est_cacerts(s.url, &o, &res), FERRY_ERR_FORMAT);
    assert_non_null(strstr(ferry_err_detail(), "\"text/html\", not application/pkcs7-mime"));
    assert_null(res.body);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 0, &o, &res),
                     FERRY_ERR_FORMAT);
    assert_int_equal(res.attempts, 1);
    ferry_http_result_free(&res);
    srv_stop(&s);
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
static long raw_post(const struct srv *s, const char *op, const char *body, char *answer,
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
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char *mime = mime_lines(csr_der, csr_der_len), *flat = NULL, *mine = NULL, *longl = NULL;
    char path[128], got[65], want[65], ans[512];
    size_t i;
    int st;

    assert_int_equal(ferry_enroll_mime_b64(csr_der, csr_der_len, &mine), FERRY_OK);
    assert_string_equal(mine, mime);
    for (i = 0; mime[i] != '\0'; i++) /* no bare LF, no line over 76 */
        assert_true(mime[i] != '\n' || (i > 0 && mime[i - 1] == '\r'));
    srv_start(&s, NULL);
    opts_for(&o, &s);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_OK);
    ferry_http_result_free(&res);
    assert_true(received(0, path, got, &st));
    sha_hex(mime, strlen(mime), want);
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
        snprintf(der_path, sizeof(der_path), "%s/root.der", tmp_root);
        assert_non_null(g = fopen(der_path, "w"));
        assert_int_equal(i2d_X509_fp(g, root), 1);
        fclose(g);
        snprintf(txt_path, sizeof(txt_path), "%s/root-text.pem", tmp_root);
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
    srv_stop(&s);
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
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    struct vclock v = {0};
    struct ferry_http_clock ck = {v_now, v_sleep, &v};
    char at[21];
    time_t t0;

    srv_start(&s, "--est-fault", "pending:90:1", NULL);
    opts_for(&o, &s);
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
    srv_stop(&s);

    srv_start(&s, "--est-fault", "pending:90:1", NULL);
    o.deadline = time(NULL) + 600;
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(v.n, 1);
    assert_true(v.slept[0] == 90);
    ferry_http_result_free(&res);
    srv_stop(&s);

    v.n = 0;
    v.ahead = 0;
    srv_start(&s, "--est-fault", "pending-date:90:1", NULL);
    o.deadline = (time_t)v_now(&v) + 600;
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_OK);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(v.n, 1);
    print_message("HTTP-date wait: %.1f s\n", v.slept[0]);
    assert_true(v.slept[0] > 87 && v.slept[0] <= 91);
    ferry_http_result_free(&res);
    srv_stop(&s);
}

/* Refusals say the status, quote the CA's text, and what it means for EST. */
static void test_est_refusals(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;

    srv_start(&s, "--est-fault", "client-cert", NULL); /* 401 without an HTTP challenge */
    opts_for(&o, &s);
    assert_int_equal(ferry_enroll_est_simpleenroll(s.url, csr_der, csr_der_len, 1, &o, &res),
                     FERRY_ERR_REJECTED);
    print_message("%s\n", ferry_err_detail());
    assert_int_equal(res.status, 401);
    assert_non_null(strstr(ferry_err_detail(), "The server was unable to authorize the request."));
    assert_non_null(strstr(ferry_err_detail(), "TLS client certificate"));
    assert_non_null(strstr(ferry_err_detail(), "must allow HTTP Basic or Digest"));
    ferry_http_result_free(&res);
    srv_stop(&s);
    srv_start(&s, "--est-user", "ferry:s3cret", NULL); /* 401 with Basic */
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
    srv_stop(&s);
}

struct worker {
    const char *url;
    const struct ferry_http_opts *o;
    ferry_err r;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct ferry_http_result res;

    w->r = ferry_enroll_rms(w->url, rms_req, rms_req_len, w->o, &res);
    ferry_http_result_free(&res);
    return NULL;
}

/* One pool, four threads: four requests that take 600 ms each end in about 600 ms; the pool then
 * holds their connections for the next ones. */
static void test_pool_threads(void **state)
{
    struct srv s = {0};
    struct ferry_http_opts o;
    struct ferry_http_pool *pool = NULL;
    struct worker w[4];
    pthread_t t[4];
    double t0, dt;
    int i, round;

    srv_start(&s, "delay:600", NULL);
    opts_for(&o, &s);
    assert_int_equal(ferry_http_pool_new(&pool), FERRY_OK);
    o.pool = pool;
    for (round = 0; round < 2; round++) {
        t0 = now_s();
        for (i = 0; i < 4; i++) {
            w[i].url = s.rms;
            w[i].o = &o;
            assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
        }
        for (i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            assert_int_equal(w[i].r, FERRY_OK);
        }
        dt = now_s() - t0;
        print_message("round %d: 4 x 600 ms on 4 threads: %.2f s\n", round, dt);
        assert_true(dt >= 0.55 && dt < 1.6);
    }
    srv_stop(&s);
    assert_int_equal(received_count(), 8);
    ferry_http_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rms_success),  cmocka_unit_test(test_rms_retry_log),
        cmocka_unit_test(test_rms_refusals), cmocka_unit_test(test_rms_local_errors),
        cmocka_unit_test(test_rms_faults),   cmocka_unit_test(test_est),
        cmocka_unit_test(test_est_auth),     cmocka_unit_test(test_est_faults),
        cmocka_unit_test(test_est_wire),     cmocka_unit_test(test_est_pending),
        cmocka_unit_test(test_est_refusals), cmocka_unit_test(test_pool_threads),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
