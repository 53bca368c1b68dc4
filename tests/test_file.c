/* file: capped reads, atomic writes, secret files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/file.h"
#include "helpers.h"

static char dir[] = "/tmp/ferry-test-file-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return helpers_rm_tree(dir);
}

static int count_entries(const char *d)
{
    DIR *dd = opendir(d);
    struct dirent *de;
    int n = 0;

    while ((de = readdir(dd)) != NULL)
        n += de->d_name[0] != '.';
    closedir(dd);
    return n;
}

static void test_atomic_and_read(void **state)
{
    char *p = ferry_path_join(dir, "a.bin");
    const uint8_t data[] = {0xEF, 0xBB, 0xBF, 'x', '\r', '\n', 0};
    uint8_t *back;
    size_t n;
    struct stat st;

    (void)state;
    assert_int_equal(ferry_file_write_atomic(p, data, sizeof(data), 0640), FERRY_OK);
    assert_int_equal(ferry_file_read(p, 100, &back, &n), FERRY_OK);
    assert_int_equal(n, sizeof(data));
    assert_memory_equal(back, data, n);
    free(back);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    /* a second write replaces the content whole; no temporary files stay behind */
    assert_int_equal(ferry_file_write_atomic(p, "new", 3, 0640), FERRY_OK);
    assert_int_equal(ferry_file_read(p, 100, &back, &n), FERRY_OK);
    assert_int_equal(n, 3);
    free(back);
    assert_int_equal(count_entries(dir), 1);
    /* caps and refusals */
    assert_int_equal(ferry_file_read(p, 2, &back, &n), FERRY_ERR_TOO_LARGE);
    assert_int_equal(ferry_file_read(dir, 100, &back, &n), FERRY_ERR_FORMAT);
    free(p);
    p = ferry_path_join(dir, "missing");
    assert_int_equal(ferry_file_read(p, 100, &back, &n), FERRY_ERR_NOT_FOUND);
    free(p);
}

static void test_symlink_refused(void **state)
{
    char *t = ferry_path_join(dir, "target"), *l = ferry_path_join(dir, "link");
    uint8_t *back;
    size_t n;

    (void)state;
    assert_int_equal(ferry_file_write_atomic(t, "x", 1, 0600), FERRY_OK);
    assert_int_equal(symlink(t, l), 0);
    assert_int_equal(ferry_file_read(l, 100, &back, &n), FERRY_ERR_FORMAT);
    assert_int_equal(ferry_file_write_secret(l, "k", 1), FERRY_ERR_EXISTS);
    unlink(l);
    unlink(t);
    free(t);
    free(l);
}

static void test_secret(void **state)
{
    char *k = ferry_path_join(dir, "key");
    struct stat st;

    (void)state;
    assert_int_equal(ferry_file_write_secret(k, "secret", 6), FERRY_OK);
    assert_int_equal(stat(k, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(ferry_file_write_secret(k, "other", 5), FERRY_ERR_EXISTS);
    unlink(k);
    free(k);
}

static void test_failed_write_keeps_old(void **state)
{
    char *sub = ferry_path_join(dir, "sub"), *p;
    uint8_t *back;
    size_t n;

    (void)state;
    assert_int_equal(ferry_mkdir_p(sub, 0700), FERRY_OK);
    p = ferry_path_join(sub, "pkg");
    assert_int_equal(ferry_file_write_atomic(p, "old", 3, 0600), FERRY_OK);
    /* the target name is a directory now: rename fails, the temporary must vanish */
    free(p);
    p = ferry_path_join(sub, "d");
    assert_int_equal(ferry_mkdir_p(p, 0700), FERRY_OK);
    assert_int_not_equal(ferry_file_write_atomic(p, "new", 3, 0600), FERRY_OK);
    assert_int_equal(count_entries(sub), 2);
    free(p);
    p = ferry_path_join(sub, "pkg");
    assert_int_equal(ferry_file_read(p, 100, &back, &n), FERRY_OK);
    assert_memory_equal(back, "old", 3);
    free(back);
    free(p);
    free(sub);
}

/* Temporaries a killed write left beside a file are swept by the next write of that file once
 * they are stale; fresh ones (a write in progress), other names and directories stay. */
static void test_sweep_temps(void **state)
{
    static const char *names[] = {
        "s.bin.tmp-0123456789ab", /* stale: swept */
        "s.bin.tmp-fedcba987654", /* fresh: kept */
        "s.bin.tmp-0123456789AB", /* not ours (upper case): kept */
        "s.bin.tmp-0123",         /* not ours (short): kept */
        "t.bin.tmp-0123456789ab", /* another file's: kept */
    };
    struct timespec old[2] = {{0, 0}, {0, 0}};
    char *sub = ferry_path_join(dir, "sweep"), *p = ferry_path_join(sub, "s.bin"), *q;
    size_t i;
    int fd;

    (void)state;
    old[0].tv_sec = old[1].tv_sec = time(NULL) - 3600;
    assert_int_equal(mkdir(sub, 0700), 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        q = ferry_path_join(sub, names[i]);
        assert_true((fd = open(q, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
        close(fd);
        if (i != 1)
            assert_int_equal(utimensat(AT_FDCWD, q, old, 0), 0);
        free(q);
    }
    q = ferry_path_join(sub, "s.bin.tmp-aaaaaaaaaaaa"); /* a stale directory: kept */
    assert_int_equal(mkdir(q, 0700), 0);
    assert_int_equal(utimensat(AT_FDCWD, q, old, 0), 0);
    assert_int_equal(ferry_file_write_atomic(p, "x", 1, 0600), FERRY_OK);
    assert_int_equal(count_entries(sub), 6); /* s.bin, the 4 kept files, the directory */
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *n = ferry_path_join(sub, names[i]);
        assert_int_equal(ferry_path_exists(n), i != 0);
        unlink(n);
        free(n);
    }
    rmdir(q);
    free(q);
    unlink(p);
    free(p);
    rmdir(sub);
    free(sub);
}

static void test_paths(void **state)
{
    char *s;

    (void)state;
    s = ferry_path_join("/a/", "b");
    assert_string_equal(s, "/a/b");
    free(s);
    s = ferry_path_dirname("/a/b/c");
    assert_string_equal(s, "/a/b");
    free(s);
    s = ferry_path_dirname("c");
    assert_string_equal(s, ".");
    free(s);
    s = ferry_path_dirname("/c");
    assert_string_equal(s, "/");
    free(s);
}

/* A rollback removes only the file its own write made: not one another run put there since. */
static void test_remove_own(void **state)
{
    char *p = ferry_path_join(dir, "own.bin"), *q = ferry_path_join(dir, "other.bin");
    struct ferry_file_id mine, other;

    (void)state;
    assert_int_equal(ferry_file_write_atomic_id(p, "mine", 4, 0600, &mine), FERRY_OK);
    assert_true(mine.set);
    assert_true(ferry_file_is(p, &mine));
    /* another run replaces it (same name, new inode): left in place */
    assert_int_equal(ferry_file_write_atomic_id(q, "theirs", 6, 0600, &other), FERRY_OK);
    assert_int_equal(rename(q, p), 0);
    assert_false(ferry_file_is(p, &mine));
    assert_int_equal(ferry_file_remove_own(p, &mine), 0);
    assert_true(ferry_path_exists(p));
    /* its own file: removed */
    assert_int_equal(ferry_file_remove_own(p, &other), 1);
    assert_false(ferry_path_exists(p));
    /* nothing recorded: nothing removed */
    memset(&mine, 0, sizeof(mine));
    assert_int_equal(ferry_file_write_atomic(p, "x", 1, 0600), FERRY_OK);
    assert_int_equal(ferry_file_remove_own(p, &mine), 0);
    assert_true(ferry_path_exists(p));
    unlink(p);
    free(p);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_and_read), cmocka_unit_test(test_symlink_refused),
        cmocka_unit_test(test_secret),          cmocka_unit_test(test_failed_write_keeps_old),
        cmocka_unit_test(test_paths),           cmocka_unit_test(test_sweep_temps),
        cmocka_unit_test(test_remove_own),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
