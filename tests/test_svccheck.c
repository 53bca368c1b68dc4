/* Tests of ferry_svccheck (check-root --service): against the real ferry-enrolld on 127.0.0.1
 * ($FERRY_ENROLLD), and against nothing. The command line around it is tested by
 * tests/cli/test_check_service.sh. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "ferry/time.h"
#include "ferry/file.h"
#include "ferry/svccheck.h"
#include "helpers.h"

static char g_state[256], g_url[160], g_root[320];
static pid_t g_pid;

static int start_enrolld(void **state)
{
    const char *bin = getenv("FERRY_ENROLLD"), *tmp = getenv("TMPDIR");
    char urlf[320];
    uint8_t *u = NULL;
    size_t n = 0;
    int i;

    (void)state;
    if (bin == NULL)
        return -1;
    snprintf(g_state, sizeof(g_state), "%s/ferry-svccheck-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(g_state) == NULL)
        return -1;
    snprintf(urlf, sizeof(urlf), "%s/url", g_state);
    snprintf(g_root, sizeof(g_root), "%s/root.pem", g_state);
    if ((g_pid = fork()) == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(126);
        execl(bin, bin, "--listen", "127.0.0.1:0", "--state", g_state, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 600 && ferry_file_read(urlf, 256, &u, &n) != FERRY_OK; i++)
        usleep(100000);
    if (u == NULL || n == 0 || n >= sizeof(g_url) - 40)
        return -1;
    snprintf(g_url, sizeof(g_url), "%.*s/enrollment/enrollservice.asmx", (int)n, (char *)u);
    free(u);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int stop_enrolld(void **state)
{
    (void)state;
    if (g_pid > 0) {
        kill(g_pid, SIGTERM);
        waitpid(g_pid, NULL, 0);
    }
    curl_global_cleanup();
    return helpers_rm_tree(g_state);
}

static void query(struct ferry_svc_query *q, const char *url, const char *root)
{
    memset(q, 0, sizeof(*q));
    q->url = url;
    q->root = root;
    q->timeout_ms = 10000;
    q->now = ferry_time_now();
}

static void test_answers(void **state)
{
    struct ferry_svc_query q;
    struct ferry_svc_report *r = calloc(1, sizeof(*r));

    (void)state;
    assert_non_null(r);
    query(&q, g_url, g_root);
    assert_int_equal(ferry_svccheck(&q, r), FERRY_OK);
    assert_int_equal(r->stage, FERRY_SVC_OK);
    assert_string_equal(r->failure, "");
    assert_true(r->handshake);
    assert_int_equal(r->nchain, 1);
    assert_string_equal(r->chain[0].subject, "CN=127.0.0.1,O=ferry-enrolld (test only)");
    assert_string_equal(r->chain[0].issuer,
                        "CN=ferry-enrolld TLS root,O=ferry-enrolld (test only)");
    assert_int_equal(strlen(r->chain[0].sha256), 79);
    assert_true(r->chain[0].not_before < q.now && q.now < r->chain[0].not_after);
    assert_true(r->chains);
    assert_int_equal(r->http_status, 200);
    assert_true(r->wsdl);
    assert_int_equal(r->wsdl_len, 5995); /* MS-RMPR 6.6's WSDL as published */
    assert_string_equal(ferry_svc_stage_name(r->stage), "ok");
    free(r);
}

static void test_refusals(void **state)
{
    char url[200], est[320];
    struct ferry_svc_query q;
    struct ferry_svc_report *r = calloc(1, sizeof(*r));

    (void)state;
    assert_non_null(r);
    /* another anchor: the chain is still shown, and said not to chain */
    snprintf(est, sizeof(est), "%s/est-ca.pem", g_state);
    query(&q, g_url, est);
    assert_int_equal(ferry_svccheck(&q, r), FERRY_OK);
    assert_int_equal(r->stage, FERRY_SVC_UNTRUSTED);
    assert_int_equal(r->nchain, 1);
    assert_false(r->chains);
    assert_non_null(strstr(r->chain_error, "local issuer"));
    /* a 404 */
    snprintf(url, sizeof(url), "%.*s/nothere",
             (int)(strlen(g_url) - strlen("/enrollment/enrollservice.asmx")), g_url);
    query(&q, url, g_root);
    assert_int_equal(ferry_svccheck(&q, r), FERRY_OK);
    assert_int_equal(r->stage, FERRY_SVC_HTTP);
    assert_int_equal(r->http_status, 404);
    assert_false(r->wsdl);
    /* nothing listening */
    query(&q, "https://127.0.0.1:1/enrollment/enrollservice.asmx", g_root);
    assert_int_equal(ferry_svccheck(&q, r), FERRY_OK);
    assert_int_equal(r->stage, FERRY_SVC_CONNECT);
    assert_false(r->handshake);
    assert_int_equal(r->nchain, 0);
    assert_non_null(strstr(r->failure, "the service does not answer"));
    /* a name that does not resolve (RFC 6761: .invalid never does) */
    query(&q, "https://ferry-test.invalid/enrollment/enrollservice.asmx", NULL);
    assert_int_equal(ferry_svccheck(&q, r), FERRY_OK);
    assert_int_equal(r->stage, FERRY_SVC_DNS);
    /* usage */
    query(&q, "http://127.0.0.1:1/", NULL);
    assert_int_equal(ferry_svccheck(&q, r), FERRY_ERR_USAGE);
    query(&q, g_url, "/nonexistent/root.pem");
    assert_int_equal(ferry_svccheck(&q, r), FERRY_ERR_NOT_FOUND);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, start_enrolld, stop_enrolld);
}
