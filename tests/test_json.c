/* json: the one escaper and writer behind every --json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/json.h"

static void test_quote(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "\"plain\""},
        {"q\"b\\", "\"q\\\"b\\\\\""},
        {"nl\n\r\t", "\"nl\\n\\r\\t\""},
        {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
        {"Zürich 東京", "\"Zürich 東京\""},
    };
    struct ferry_buf b;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ferry_buf_init(&b, 1024);
        assert_int_equal(ferry_json_quote(&b, cases[i].in), FERRY_OK);
        assert_string_equal((char *)b.data, cases[i].out);
        ferry_buf_free(&b);
    }
}

static void test_document(void **state)
{
    struct ferry_json j;
    char buf[512] = {0};
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

    (void)state;
    ferry_json_init(&j);
    ferry_json_str(&j, "a", "x");
    ferry_json_int(&j, "n", -3);
    ferry_json_bool(&j, "t", 1);
    ferry_json_str(&j, "z", NULL);
    ferry_json_arr_begin(&j, "list");
    ferry_json_int(&j, NULL, 1);
    ferry_json_obj_begin(&j, NULL);
    ferry_json_str(&j, "k", "v");
    ferry_json_obj_end(&j);
    ferry_json_arr_end(&j);
    assert_int_equal(ferry_json_print(&j, f), FERRY_OK);
    fclose(f);
    assert_string_equal(
        buf, "{\"a\":\"x\",\"n\":-3,\"t\":true,\"z\":null,\"list\":[1,{\"k\":\"v\"}]}\n");
}

static void test_unbalanced(void **state)
{
    struct ferry_json j;
    FILE *f = fopen("/dev/null", "w");

    (void)state;
    ferry_json_init(&j);
    ferry_json_arr_begin(&j, "open");
    assert_int_equal(ferry_json_print(&j, f), FERRY_ERR_INTERNAL);
    ferry_json_init(&j);
    ferry_json_obj_end(&j);
    assert_int_equal(ferry_json_print(&j, f), FERRY_ERR_INTERNAL);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_unbalanced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
