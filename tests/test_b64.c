/* base64: round trips and strict decoding, against known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/b64.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_roundtrip),
        cmocka_unit_test(test_b64_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
