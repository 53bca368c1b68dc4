/* err: the error detail, including a detail wrapped in a new one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/err.h"

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
        cmocka_unit_test(test_wrap_own_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
