/* err: codes, exit codes, and the detail message (including one built from the previous one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/err.h"

static void test_exit_codes(void **state)
{
    static const struct {
        ferry_err e;
        int code;
    } cases[] = {
        {FERRY_OK, 0},
        {FERRY_ERR_FORMAT, 1},
        {FERRY_ERR_SIG_INVALID, 1},
        {FERRY_ERR_UNTRUSTED, 1},
        {FERRY_ERR_REPLAY, 1},
        {FERRY_ERR_MISMATCH, 1},
        {FERRY_ERR_EXPIRED, 1},
        {FERRY_ERR_TOO_LARGE, 1},
        {FERRY_ERR_REJECTED, 1},
        {FERRY_ERR_USAGE, 2},
        {FERRY_ERR_IO, 3},
        {FERRY_ERR_NET, 3},
        {FERRY_ERR_NOMEM, 3},
        {FERRY_ERR_CRYPTO, 3},
        {FERRY_ERR_INTERNAL, 3},
        {FERRY_ERR_EXISTS, 3},
        {FERRY_ERR_INCOMPLETE, 4},
        {FERRY_ERR_NOT_FOUND, 4},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ferry_err_exit_code(cases[i].e), cases[i].code);
        assert_non_null(ferry_strerror(cases[i].e));
        assert_string_not_equal(ferry_strerror(cases[i].e), "unknown error");
    }
    assert_string_equal(ferry_strerror((ferry_err)-999), "unknown error");
}

/* Callers prefix context to an inner error: ferry_errf(e, "%s: %s", file, ferry_err_detail()). */
static void test_detail_from_itself(void **state)
{
    char longer[2000];

    (void)state;
    ferry_err_clear();
    assert_string_equal(ferry_err_detail(), "");
    assert_int_equal(ferry_errf(FERRY_ERR_FORMAT, "inner %d", 42), FERRY_ERR_FORMAT);
    assert_string_equal(ferry_err_detail(), "inner 42");
    ferry_errf(FERRY_ERR_FORMAT, "outer: %s", ferry_err_detail());
    assert_string_equal(ferry_err_detail(), "outer: inner 42");
    ferry_errf(FERRY_ERR_FORMAT, "%s (again: %s)", ferry_err_detail(), ferry_err_detail());
    assert_string_equal(ferry_err_detail(), "outer: inner 42 (again: outer: inner 42)");

    /* Truncated, never overrun, when the message outgrows the buffer. */
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    ferry_errf(FERRY_ERR_IO, "%s", longer);
    assert_true(strlen(ferry_err_detail()) < sizeof(longer) - 1);
    assert_true(strlen(ferry_err_detail()) > 500);
    ferry_errf(FERRY_ERR_IO, "pre %s", ferry_err_detail());
    assert_memory_equal(ferry_err_detail(), "pre xxx", 7);
    ferry_err_clear();
    assert_string_equal(ferry_err_detail(), "");
}

/* The habit everywhere: ferry_errf(r, "%s: %s", path, ferry_err_detail()). The old detail is
 * read while the new one is written; it must come out whole. */
static void test_wrap_own_detail(void **state)
{
    char want[1024], longpath[700];

    (void)state;
    ferry_errf(FERRY_ERR_FORMAT, "RMS request: contains a DOCTYPE or entity declaration, "
                                 "refused");
    assert_int_equal(ferry_errf(FERRY_ERR_FORMAT, "%s: %s", "/srv/req.xml", ferry_err_detail()),
                     FERRY_ERR_FORMAT);
    assert_string_equal(ferry_err_detail(), "/srv/req.xml: RMS request: contains a DOCTYPE or "
                                            "entity declaration, refused");
    ferry_errf(FERRY_ERR_NET, "inner");
    ferry_errf(FERRY_ERR_NET, "outer (%s) %s", ferry_err_detail(), ferry_err_detail());
    assert_string_equal(ferry_err_detail(), "outer (inner) inner");
    memset(longpath, 'p', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    ferry_errf(FERRY_ERR_IO, "%s", longpath);
    ferry_errf(FERRY_ERR_IO, "%s: %s", longpath, ferry_err_detail());
    memset(want, 'p', sizeof(want) - 1); /* "ppp...: ppp..." cut at the buffer's size */
    memcpy(want + strlen(longpath), ": ", 2);
    want[sizeof(want) - 1] = '\0';
    assert_string_equal(ferry_err_detail(), want);
    ferry_err_clear();
    assert_string_equal(ferry_err_detail(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_detail_from_itself),
        cmocka_unit_test(test_wrap_own_detail),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
