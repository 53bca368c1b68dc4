/* The HTTPS client (http.c) against the real stand-in service ferry-enrolld on 127.0.0.1, one fault
 * at a time, driven through the RMS call (the plainest POST): retries, timeouts, the deadline,
 * caps, redirects, Content-Type and -Encoding, TLS verification, local errors, the pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "ferry/enroll.h"
#include "ferry/err.h"
#include "standin.h"

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
/* A silent service: the deadline ends it. A deadline is whole seconds, and a try needs 1 s left:
 * time(NULL) + 2 taken at the end of a second leaves just over 1 s, which the set-up before the
 * first try may use up (0 tries). So it is taken as a second begins, and the try starts 0.4 s
 * later: about 1.6 s are left, 0.6 s more than a try needs and 1 s under the case's bound. */
static void tw_deadline(struct ferry_http_opts *o)
{
    const struct timespec tick = {0, 5 * 1000 * 1000}, later = {0, 400 * 1000 * 1000};
    time_t start = time(NULL);

    while (time(NULL) == start)
        nanosleep(&tick, NULL);
    o->timeout_ms = 60000;
    o->deadline = time(NULL) + 2;
    nanosleep(&later, NULL);
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
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    double t0, dt;
    ferry_err r;

    print_message("fault %s\n", c->fault != NULL ? c->fault : "(none)");
    standin_start(&s, c->fault, NULL);
    standin_opts(&o, &s);
    c->tweak(&o);
    t0 = standin_now();
    r = ferry_enroll_rms(s.rms, standin_rms_req, standin_rms_req_len, &o, &res);
    dt = standin_now() - t0;
    standin_stop(&s);
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
        assert_non_null(standin_find_bytes(res.body, res.len, c->body_has, strlen(c->body_has)));
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

/* Refused before any traffic, and a service that is not there. */
static void test_rms_local_errors(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char url[400];
    double t0;

    standin_start(&s, NULL);
    standin_stop(&s); /* its port is now closed */
    standin_opts(&o, &s);
    snprintf(url, sizeof(url), "http%s", s.rms + 5);
    assert_int_equal(ferry_enroll_rms(url, standin_rms_req, standin_rms_req_len, &o, &res),
                     FERRY_ERR_USAGE);
    assert_int_equal(res.attempts, 0);
    ferry_http_result_free(&res);
    o.ca_file = "/nonexistent/root.pem";
    assert_int_equal(ferry_enroll_rms(s.rms, standin_rms_req, standin_rms_req_len, &o, &res),
                     FERRY_ERR_NOT_FOUND);
    assert_non_null(strstr(ferry_err_detail(), "/nonexistent/root.pem"));
    ferry_http_result_free(&res);
    standin_opts(&o, &s);
    t0 = standin_now();
    assert_int_equal(ferry_enroll_rms(s.rms, standin_rms_req, standin_rms_req_len, &o, &res),
                     FERRY_ERR_NET);
    assert_int_equal(res.attempts, 3);
    assert_true(standin_now() - t0 >= 0.14); /* back-off 50 + 100 ms */
    assert_non_null(strstr(ferry_err_detail(), "onnect"));
    ferry_http_result_free(&res);
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

    w->r = ferry_enroll_rms(w->url, standin_rms_req, standin_rms_req_len, w->o, &res);
    ferry_http_result_free(&res);
    return NULL;
}

/* One pool, four threads: four requests that take 600 ms each end in about 600 ms; the pool then
 * holds their connections for the next ones. */
static void test_pool_threads(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_pool *pool = NULL;
    struct worker w[4];
    pthread_t t[4];
    double t0, dt;
    int i, round;

    standin_start(&s, "delay:600", NULL);
    standin_opts(&o, &s);
    assert_int_equal(ferry_http_pool_new(&pool), FERRY_OK);
    o.pool = pool;
    for (round = 0; round < 2; round++) {
        t0 = standin_now();
        for (i = 0; i < 4; i++) {
            w[i].url = s.rms;
            w[i].o = &o;
            assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
        }
        for (i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            assert_int_equal(w[i].r, FERRY_OK);
        }
        dt = standin_now() - t0;
        print_message("round %d: 4 x 600 ms on 4 threads: %.2f s\n", round, dt);
        assert_true(dt >= 0.55 && dt < 1.6);
    }
    standin_stop(&s);
    assert_int_equal(standin_received_count(), 8);
    ferry_http_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rms_local_errors),
        cmocka_unit_test(test_rms_faults),
        cmocka_unit_test(test_pool_threads),
    };

    return cmocka_run_group_tests(tests, standin_group_setup, standin_group_teardown);
}
