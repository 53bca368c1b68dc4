/* trust: the verdict on a batch of packages read from one medium. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ferry/trust.h"

/* Old packages left on a stick are skipped when something new went through; alone, there is
 * nothing new (exit 4). */
static void test_batch_verdict(void **state)
{
    (void)state;
    ferry_err_clear();
    assert_int_equal(ferry_trust_batch_verdict(FERRY_OK, 1, 0, NULL), FERRY_OK);
    assert_int_equal(ferry_trust_batch_verdict(FERRY_OK, 1, 3, "old"), FERRY_OK);
    assert_int_equal(ferry_trust_batch_verdict(FERRY_OK, 0, 0, NULL), FERRY_OK);
    assert_int_equal(ferry_trust_batch_verdict(FERRY_OK, 0, 2,
                                               "transfer 1a2b was already "
                                               "answered"),
                     FERRY_ERR_INCOMPLETE);
    assert_string_equal(ferry_err_detail(),
                        "nothing new on the medium: transfer 1a2b was already answered");
    assert_int_equal(ferry_err_exit_code(FERRY_ERR_INCOMPLETE), 4);
    /* a real failure wins over everything, also when something else went through */
    assert_int_equal(ferry_trust_batch_verdict(FERRY_ERR_SIG_INVALID, 1, 1, "old"),
                     FERRY_ERR_SIG_INVALID);
    assert_int_equal(ferry_trust_batch_verdict(FERRY_ERR_MISMATCH, 0, 1, "old"),
                     FERRY_ERR_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_verdict),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
