/* lock: one writer per home, readers together, a busy lock named by its holder's pid. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/file.h"
#include "ferry/lock.h"

static char dir[] = "/tmp/ferry-test-lock-XXXXXX";
static char path[64];

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/lock", dir);
    setenv("FERRY_LOCK_WAIT", "0", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void test_exclusive(void **state)
{
    struct ferry_lock *a = NULL, *b = NULL;
    struct stat st;

    (void)state;
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_EXCLUSIVE, "the home", &a), FERRY_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a second open file description conflicts, even in one process */
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_SHARED, "the home", &b), FERRY_ERR_IO);
    assert_null(b);
    assert_non_null(strstr(ferry_err_detail(), "the home is in use by another ferry run"));
    ferry_lock_release(a);
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_EXCLUSIVE, "the home", &b), FERRY_OK);
    ferry_lock_release(b);
}

static void test_shared(void **state)
{
    struct ferry_lock *a = NULL, *b = NULL, *c = NULL;

    (void)state;
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_SHARED, "the home", &a), FERRY_OK);
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_SHARED, "the home", &b), FERRY_OK);
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_EXCLUSIVE, "the home", &c), FERRY_ERR_IO);
    ferry_lock_release(a);
    ferry_lock_release(b);
    ferry_lock_release(NULL);
}

/* Another process holds it: the message names that process; released at its exit. */
static void test_holder_pid(void **state)
{
    struct ferry_lock *a = NULL;
    int ready[2];
    char want[64], c;
    pid_t pid;
    int st;

    (void)state;
    assert_int_equal(pipe(ready), 0);
    if ((pid = fork()) == 0) {
        int fd = open(path, O_RDWR);
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "!", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_EXCLUSIVE, "the home", &a), FERRY_ERR_IO);
    snprintf(want, sizeof(want), "(pid %ld)", (long)pid);
    assert_non_null(strstr(ferry_err_detail(), want));
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    assert_int_equal(ferry_lock_take(path, FERRY_LOCK_EXCLUSIVE, "the home", &a), FERRY_OK);
    ferry_lock_release(a);
    close(ready[0]);
    close(ready[1]);
}

/* A directory (the stick's FERRY/) is locked itself: no lock file is made on the stick. */
static void test_directory(void **state)
{
    struct ferry_lock *a = NULL, *b = NULL;

    (void)state;
    assert_int_equal(ferry_lock_take(dir, FERRY_LOCK_EXCLUSIVE, "the medium", &a), FERRY_OK);
    assert_int_equal(ferry_lock_take(dir, FERRY_LOCK_EXCLUSIVE, "the medium", &b), FERRY_ERR_IO);
    ferry_lock_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusive),
        cmocka_unit_test(test_shared),
        cmocka_unit_test(test_holder_pid),
        cmocka_unit_test(test_directory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
