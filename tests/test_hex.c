/* hex: plain, decoded and in fingerprint groups, against known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/hex.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
