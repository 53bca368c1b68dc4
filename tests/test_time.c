/* times: parsing, spellings, days until a date, the pinned clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/time.h"

static void test_times(void **state)
{
    static const struct {
        const char *in;
        long long epoch;
    } ok[] = {
        {"2018-08-13", 1534118400},
        {"2018-08-13T23:59", 1534204740},
        {"2018-08-13T23:59:00Z", 1534204740},
        {"2027-11-25T11:30", 1827142200},
    };
    static const char *bad[] = {"2018-8-13",  "2018-13-01",    "2018-08-13T25:00", "x",
                                "",           "2018-08-13T10", "2018-08-13Zjunk",  "1969-12-31",
                                "2026-02-31", "2025-02-29"};
    time_t t;
    char s[21];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(ferry_time_parse(ok[i].in, &t), FERRY_OK);
        assert_int_equal((long long)t, ok[i].epoch);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ferry_time_parse(bad[i], &t), FERRY_ERR_FORMAT);
    ferry_time_iso(1534204740, s);
    assert_string_equal(s, "2018-08-13T23:59:00Z");
    ferry_time_date(1534204740, s);
    assert_string_equal(s, "2018-08-13");
    assert_int_equal(ferry_time_days_until(1000 + 365 * 86400 - 59, 1000), 365);
    assert_int_equal(ferry_time_days_until(1000 + 86400 / 2 - 1, 1000), 0);
    assert_int_equal(ferry_time_days_until(1000 - 3 * 86400, 1000), -3);
    setenv("FERRY_NOW", "1534204740", 1);
    assert_int_equal((long long)ferry_time_now(), 1534204740);
    unsetenv("FERRY_NOW");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
