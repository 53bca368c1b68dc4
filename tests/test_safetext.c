/* safetext: what reaches a terminal from outside has no control, C1 or bidi character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/buf.h"
#include "ferry/json.h"
#include "ferry/safetext.h"

static void test_escapes(void **state)
{
    char out[256];

    (void)state;
    assert_string_equal(ferry_text_safe("plain text: é ü €", out, sizeof(out)),
                        "plain text: é ü €");
    assert_string_equal(ferry_text_safe("a\x1b[31mred\r\n\tb\x7f", out, sizeof(out)),
                        "a\\x1b[31mred\\x0d\\x0a\\x09b\\x7f");
    /* C1: U+0085 (NEL), U+009B (CSI) */
    assert_string_equal(ferry_text_safe("x\xc2\x85y\xc2\x9b"
                                        "1m",
                                        out, sizeof(out)),
                        "x\\u0085y\\u009b1m");
    /* bidi: U+202A..U+202E, U+2066..U+2069; U+2029 and U+206A are left */
    assert_string_equal(ferry_text_safe("\xe2\x80\xaa\xe2\x80\xae"
                                        "abc\xe2\x81\xa6\xe2\x81\xa9",
                                        out, sizeof(out)),
                        "\\u202a\\u202eabc\\u2066\\u2069");
    assert_string_equal(ferry_text_safe("\xe2\x80\xa9\xe2\x81\xaa", out, sizeof(out)),
                        "\xe2\x80\xa9\xe2\x81\xaa");
    /* not UTF-8: a lone continuation, an overlong '/', a surrogate, a cut sequence */
    assert_string_equal(ferry_text_safe("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x80", out, sizeof(out)),
                        "\\x80|\\xc0\\xaf|\\xed\\xa0\\x80|\\xe2\\x80");
    assert_string_equal(ferry_text_safe(NULL, out, sizeof(out)), "");
}

static void test_cut(void **state)
{
    char out[8];

    (void)state;
    /* never half an escape nor half a character */
    assert_string_equal(ferry_text_safe("abcd\x1b", out, sizeof(out)), "abcd");
    assert_string_equal(ferry_text_safe("abcde€", out, sizeof(out)), "abcde");
    assert_string_equal(ferry_safe("\xe2\x80\xae"), "\\u202e");
}

static void test_utf8_next(void **state)
{
    unsigned cp = 0;

    (void)state;
    assert_int_equal(ferry_utf8_next((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    assert_int_equal(ferry_utf8_next((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    assert_int_equal(ferry_utf8_next((const unsigned char *)"\xe0\x80\x80", 3, &cp), 0);
    assert_int_equal(ferry_utf8_next((const unsigned char *)"\xf0\x8f\xbf\xbf", 4, &cp), 0);
    assert_true(ferry_text_unsafe(0x9f));
    assert_false(ferry_text_unsafe(0xa0));
}

static void test_json(void **state)
{
    struct ferry_buf b;

    (void)state;
    ferry_buf_init(&b, 1024);
    assert_int_equal(ferry_json_quote(&b, "a\xc2\x85\xe2\x80\xae\xff€\x1b"), 0);
    assert_int_equal(ferry_buf_puts(&b, ""), 0);
    assert_string_equal((const char *)b.data, "\"a\\u0085\\u202e\\ufffd€\\u001b\"");
    ferry_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_utf8_next),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
