/* The RMS SOAP call (enroll_rms.c) against the real stand-in service ferry-enrolld on 127.0.0.1:
 * the bytes sent, the answer, a SOAP Fault as an answer, a wrong path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/enroll.h"
#include "ferry/err.h"
#include "ferry/xml.h"
#include "standin.h"

/* Success: what the service received is byte for byte what we sent; the answer is XML. */
static void test_rms_success(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char path[128], got[65], want[65];
    int st;
    xmlDocPtr doc = NULL;

    standin_start(&s, NULL);
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_rms(s.rms, standin_rms_req, standin_rms_req_len, &o, &res),
                     FERRY_OK);
    standin_stop(&s);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.attempts, 1);
    assert_non_null(strstr(res.content_type, "text/xml"));
    assert_int_equal(ferry_xml_parse(res.body, res.len, "answer", &doc), FERRY_OK);
    assert_non_null(strstr((const char *)res.body, "EnrollResponse"));
    xmlFreeDoc(doc);
    assert_int_equal(standin_received_count(), 1);
    assert_true(standin_received(0, path, got, &st));
    standin_sha_hex(standin_rms_req, standin_rms_req_len, want);
    assert_string_equal(path, FERRY_RMS_PATH);
    assert_string_equal(got, want);
    assert_int_equal(st, 200);
    ferry_http_result_free(&res);
}

/* http500:2: three requests reached the service, each with the very same bytes. */
static void test_rms_retry_log(void **state)
{
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char path[128], got[65], want[65];
    int st, i;

    standin_start(&s, "http500:2", NULL);
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_rms(s.rms, standin_rms_req, standin_rms_req_len, &o, &res),
                     FERRY_OK);
    standin_stop(&s);
    assert_int_equal(res.attempts, 3);
    standin_sha_hex(standin_rms_req, standin_rms_req_len, want);
    assert_int_equal(standin_received_count(), 3);
    for (i = 0; i < 3; i++) {
        assert_true(standin_received(i, path, got, &st));
        assert_string_equal(got, want);
        assert_int_equal(st, i < 2 ? 500 : 200);
    }
    ferry_http_result_free(&res);
}

/* Answers that are not success: a SOAP fault for a bad request, 404 for a wrong path. */
static void test_rms_refusals(void **state)
{
    static const uint8_t bad[] = "<notenroll/>";
    struct standin s = {0};
    struct ferry_http_opts o;
    struct ferry_http_result res;
    char url[400];

    standin_start(&s, NULL);
    standin_opts(&o, &s);
    assert_int_equal(ferry_enroll_rms(s.rms, bad, sizeof(bad) - 1, &o, &res), FERRY_OK);
    assert_int_equal(res.status, 500);
    assert_int_equal(res.attempts, 1); /* a SOAP fault is an answer, not retried */
    assert_non_null(standin_find_bytes(res.body, res.len, "soap:Client", 11));
    ferry_http_result_free(&res);
    snprintf(url, sizeof(url), "%s/no/such/path", s.url);
    assert_int_equal(ferry_enroll_rms(url, standin_rms_req, standin_rms_req_len, &o, &res),
                     FERRY_ERR_REJECTED);
    assert_int_equal(res.status, 404);
    assert_int_equal(res.attempts, 1);
    assert_non_null(res.body); /* kept for the caller to show */
    assert_non_null(strstr(ferry_err_detail(), "HTTP 404"));
    ferry_http_result_free(&res);
    standin_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rms_success),
        cmocka_unit_test(test_rms_retry_log),
        cmocka_unit_test(test_rms_refusals),
    };

    return cmocka_run_group_tests(tests, standin_group_setup, standin_group_teardown);
}
