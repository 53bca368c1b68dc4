/* statefile: kept copies by transfer id (save, load, remove, refusals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/statefile.h"

static void test_save_load_remove(void **state)
{
    char home[] = "/tmp/ferry-statefile-XXXXXX";
    uint8_t id[FERRY_TRANSFER_ID_LEN], *got = NULL, data[3000];
    size_t n = 0, i;
    char *path;
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(home));
    for (i = 0; i < sizeof(id); i++)
        id[i] = (uint8_t)(0xa0 + i);
    for (i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7); /* binary, with NULs and CRs: kept byte-exact */
    assert_int_equal(ferry_state_save(home, "requests", id, "xml", data, sizeof(data)), FERRY_OK);
    path = ferry_state_path(home, "requests", id, "xml");
    assert_non_null(path);
    assert_non_null(strstr(path, "/requests/a0a1a2a3"));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, sizeof(data));
    assert_int_equal(ferry_state_load(home, "requests", id, "xml", sizeof(data), &got, &n),
                     FERRY_OK);
    assert_int_equal(n, sizeof(data));
    assert_memory_equal(got, data, n);
    free(got);
    got = NULL;
    /* over the cap: refused, nothing allocated */
    assert_int_not_equal(ferry_state_load(home, "requests", id, "xml", 100, &got, &n), FERRY_OK);
    assert_null(got);
    ferry_state_remove(home, "requests", id, "xml");
    assert_int_not_equal(stat(path, &st), 0);
    assert_int_not_equal(ferry_state_load(home, "requests", id, "xml", sizeof(data), &got, &n),
                         FERRY_OK);
    ferry_state_remove(home, "requests", id, "xml"); /* removing twice is harmless */
    free(path);
    snprintf((char *)data, sizeof(data), "%s/requests", home);
    rmdir((char *)data);
    rmdir(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_load_remove),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
