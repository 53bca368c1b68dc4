/* SHA-256 against its known answer, constant-time equality. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/crypto.h"
#include "ferry/hex.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
