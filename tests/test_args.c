/* args: the option parser every command uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ferry/args.h"

static const struct ferry_opt opts[] = {
    {"home", 0, "DIR", ""},   {"json", 0, NULL, ""},    {"verbose", 'v', NULL, ""},
    {"quiet", 'q', NULL, ""}, {"out", 'o', "FILE", ""},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static ferry_err parse(struct ferry_args *a, int argc, const char *const *argv)
{
    return ferry_args_parse(argc, (char **)argv, opts, NOPTS, 2, a);
}

static void test_forms(void **state)
{
    const char *v1[] = {"pos1", "--home", "/h", "--json", "-vq", "-o", "f1", "pos2"};
    const char *v2[] = {"--home=/x", "-ofile", "--", "--json"};
    struct ferry_args a;

    (void)state;
    assert_int_equal(parse(&a, 8, v1), FERRY_OK);
    assert_string_equal(ferry_args_get(&a, opts, NOPTS, "home"), "/h");
    assert_int_equal(ferry_args_has(&a, opts, NOPTS, "json"), 1);
    assert_int_equal(ferry_args_has(&a, opts, NOPTS, "verbose"), 1);
    assert_int_equal(ferry_args_has(&a, opts, NOPTS, "quiet"), 1);
    assert_string_equal(ferry_args_get(&a, opts, NOPTS, "out"), "f1");
    assert_int_equal(a.npos, 2);
    assert_string_equal(a.pos[1], "pos2");
    assert_int_equal(parse(&a, 4, v2), FERRY_OK);
    assert_string_equal(ferry_args_get(&a, opts, NOPTS, "home"), "/x");
    assert_string_equal(ferry_args_get(&a, opts, NOPTS, "out"), "file");
    assert_int_equal(a.npos, 1);
    assert_string_equal(a.pos[0], "--json");
}

static void test_errors(void **state)
{
    static const struct {
        int argc;
        const char *argv[4];
    } bad[] = {
        {1, {"--nope"}},   {1, {"-x"}},          {1, {"--home"}},   {1, {"-o"}},
        {1, {"--json=1"}}, {3, {"a", "b", "c"}}, {2, {"-vx", "y"}},
    };
    struct ferry_args a;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(&a, bad[i].argc, bad[i].argv), FERRY_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
