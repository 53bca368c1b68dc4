/* codec: base64, hex, groups, times — table-driven against known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/codec.h"

static void test_b64_roundtrip(void **state)
{
    static const struct {
        const char *plain, *b64;
    } cases[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}, /* RFC 4648 §10 */
    };
    size_t i, n;
    char *enc;
    uint8_t *dec;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(
            ferry_b64_encode((const uint8_t *)cases[i].plain, strlen(cases[i].plain), &enc),
            FERRY_OK);
        assert_string_equal(enc, cases[i].b64);
        free(enc);
        assert_int_equal(ferry_b64_decode(cases[i].b64, strlen(cases[i].b64), 100, &dec, &n),
                         FERRY_OK);
        assert_int_equal(n, strlen(cases[i].plain));
        assert_memory_equal(dec, cases[i].plain, n);
        free(dec);
    }
}

static void test_b64_strict(void **state)
{
    static const char *bad[] = {"Zg=", "Z", "Zm9v!", "Zg==Zg==", "Zh==", "Zm9=", "====", "Zg=a"};
    size_t i, n;
    uint8_t *dec;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ferry_b64_decode(bad[i], strlen(bad[i]), 100, &dec, &n), FERRY_ERR_FORMAT);
    /* white space is fine; the cap is enforced */
    assert_int_equal(ferry_b64_decode("Zm9v\r\nYmFy", 10, 100, &dec, &n), FERRY_OK);
    assert_int_equal(n, 6);
    free(dec);
    assert_int_equal(ferry_b64_decode("Zm9vYmFy", 8, 5, &dec, &n), FERRY_ERR_TOO_LARGE);
}

static void test_hex_groups(void **state)
{
    const uint8_t d[4] = {0xa5, 0x31, 0x25, 0x18};
    char out[16];
    uint8_t back[4];

    (void)state;
    ferry_hex_groups(d, 4, out);
    assert_string_equal(out, "A531 2518");
    ferry_hex(d, 4, out);
    assert_string_equal(out, "a5312518");
    assert_int_equal(ferry_hex_decode("A5312518", back, 4), FERRY_OK);
    assert_memory_equal(back, d, 4);
    assert_int_equal(ferry_hex_decode("A53125", back, 4), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_hex_decode("A53125XX", back, 4), FERRY_ERR_FORMAT);
}

static void test_sha256(void **state)
{
    uint8_t d[32];
    char hex[65];

    (void)state;
    ferry_sha256("abc", 3, d);
    ferry_hex(d, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_true(ferry_ct_eq(d, d, 32));
}

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
    assert_int_equal(ferry_days_until(1000 + 365 * 86400 - 59, 1000), 365);
    assert_int_equal(ferry_days_until(1000 + 86400 / 2 - 1, 1000), 0);
    assert_int_equal(ferry_days_until(1000 - 3 * 86400, 1000), -3);
    setenv("FERRY_NOW", "1534204740", 1);
    assert_int_equal((long long)ferry_now(), 1534204740);
    unsetenv("FERRY_NOW");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_roundtrip), cmocka_unit_test(test_b64_strict),
        cmocka_unit_test(test_hex_groups),    cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
