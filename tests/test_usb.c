/* Tests for media/src/usb.c: mountinfo parsing, finding the stick in a fake sysfs, atomic
 * verified writes (with injected failures), and the safe directory reader. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ferry/file.h"
#include "ferry/log.h"
#include "ferry/usb.h"
#include "usb_int.h"
#include "helpers.h"

static char *mktemp_dir(void)
{
    char *d = helpers_tmpdir("usb");

    assert_non_null(d);
    return d;
}

static void put(const char *dir, const char *name, const char *content)
{
    char *p = ferry_path_join(dir, name);

    assert_int_equal(ferry_file_write_atomic(p, content, strlen(content), 0644), FERRY_OK);
    free(p);
}

/* Number of entries in @dir whose name contains ".tmp-" (left-over temporaries). */
static int count_temps(const char *dir)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".tmp-") != NULL)
            n++;
    closedir(d);
    return n;
}

static void assert_file(const char *path, const char *content)
{
    uint8_t *b = NULL;
    size_t n = 0;

    assert_int_equal(ferry_file_read(path, 1 << 20, &b, &n), FERRY_OK);
    assert_int_equal(n, strlen(content));
    assert_memory_equal(b, content, n);
    free(b);
}

/* ---- names and mountinfo ---- */

static void test_name_ok(void **state)
{
    static const struct {
        const char *name;
        int ok;
    } cases[] = {
        {"ferry-0123abcd-to-online.ferry", 1},
        {"request (1).ferry", 1},
        {"a", 1},
        {"", 0},
        {".ferry", 0},
        {"..ferry", 0},
        {"../x.ferry", 0},
        {"a/b.ferry", 0},
        {"-rf.ferry", 0},
        {"bad\001.ferry", 0},
        {"new\nline.ferry", 0},
        {"tab\t.ferry", 0},
        {"del\177.ferry", 0},
        {"caf\303\251.ferry", 0},
        {"x.ferry.", 0},
        {" x.ferry", 0},
        {"x.ferry ", 0},
        {"a:b.ferry", 0},
        {"a\\b.ferry", 0},
        {"q?.ferry", 0},
    };
    char longname[260];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (ferry_usb_name_ok(cases[i].name) != cases[i].ok)
            fail_msg("case %zu: \"%s\" expected %d", i, cases[i].name, cases[i].ok);
    }
    assert_int_equal(ferry_usb_name_ok(NULL), 0);
    memset(longname, 'a', 200);
    longname[200] = '\0';
    assert_int_equal(ferry_usb_name_ok(longname), 1);
    memset(longname, 'a', 201);
    longname[201] = '\0';
    assert_int_equal(ferry_usb_name_ok(longname), 0);
}

static void test_unescape(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"/media/op/MY\\040STICK", "/media/op/MY STICK"},
        {"a\\011b\\012c\\134d", "a\tb\nc\\d"},
        {"plain", "plain"},
        {"\\", NULL},
        {"x\\04", NULL},
        {"x\\04x", NULL},
        {"x\\000", NULL},
        {"x\\400", NULL},
        {"x\\377", "x\377"},
    };
    char b[64];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(b, sizeof(b), "%s", cases[i].in);
        if (cases[i].out == NULL) {
            assert_int_equal(ferry_usb_unescape(b), -1);
            continue;
        }
        assert_int_equal(ferry_usb_unescape(b), 0);
        assert_string_equal(b, cases[i].out);
    }
}

static void test_mountinfo_parse(void **state)
{
    char *p = helpers_vector_path("usb", "one.mountinfo");
    struct ferry_mount *m = NULL;
    uint8_t *text = NULL;
    size_t len = 0, n = 0, i;
    int found = 0;

    assert_int_equal(ferry_file_read(p, 1 << 20, &text, &len), FERRY_OK);
    assert_int_equal(ferry_usb_mountinfo_parse((char *)text, len, &m, &n), FERRY_OK);
    /* 10 system lines + 3 valid stick lines; 3 malformed lines skipped */
    assert_int_equal(n, 13);
    for (i = 0; i < n; i++) {
        assert_null(strstr(m[i].mountpoint, "bad"));
        assert_null(strstr(m[i].mountpoint, "truncated"));
        if (strcmp(m[i].mountpoint, "/media/op/MY STICK") == 0) {
            found = 1;
            assert_int_equal(m[i].major, 8);
            assert_int_equal(m[i].minor, 17);
            assert_string_equal(m[i].fstype, "vfat");
            assert_string_equal(m[i].source, "/dev/sdb1");
            assert_string_equal(m[i].root, "/");
        }
    }
    assert_true(found);
    ferry_usb_mounts_free(m, n);
    assert_int_equal(ferry_usb_mountinfo_parse("", 0, &m, &n), FERRY_OK);
    assert_int_equal(n, 0);
    ferry_usb_mounts_free(m, n);
    free(text);
    free(p);
}

static void test_pseudo_fs(void **state)
{
    assert_true(ferry_usb_pseudo_fs("proc"));
    assert_true(ferry_usb_pseudo_fs("tmpfs"));
    assert_true(ferry_usb_pseudo_fs("fuse.gvfsd-fuse"));
    assert_true(ferry_usb_pseudo_fs("squashfs"));
    assert_false(ferry_usb_pseudo_fs("vfat"));
    assert_false(ferry_usb_pseudo_fs("exfat"));
    assert_false(ferry_usb_pseudo_fs("ext4"));
}

static void test_dev_removable(void **state)
{
    static const struct {
        unsigned maj, min;
        const char *source;
        int removable;
    } cases[] = {
        {8, 2, "/dev/sda2", 0},        /* internal SATA partition */
        {8, 0, "/dev/sda", 0},         /* internal SATA disk */
        {259, 2, "/dev/nvme0n1p2", 0}, /* NVMe */
        {8, 17, "/dev/sdb1", 1},       /* USB stick partition, removable=1 on the parent */
        {8, 16, "/dev/sdb", 1},        /* the whole stick */
        {179, 1, "/dev/mmcblk0p1", 1}, /* SD card, not on USB: removable attribute */
        {8, 33, "/dev/sdc1", 1},       /* USB disk that says removable=0: on a USB bus */
        {8, 49, "/dev/sdd1", 1},       /* no dev/block link: falls back to block/sdd */
        {8, 99, "/dev/sdz1", 0},       /* unknown device */
    };
    char *sysfs = helpers_vector_path("usb", "sysfs");
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (ferry_usb_dev_removable(sysfs, cases[i].maj, cases[i].min, cases[i].source) !=
            cases[i].removable)
            fail_msg("case %zu: %s expected %d", i, cases[i].source, cases[i].removable);
    }
    free(sysfs);
}

static void test_resolve_table(void **state)
{
    static const struct {
        const char *mountinfo;
        ferry_err err;
        const char *root;   /* on success */
        const char *detail; /* substring of the error detail */
    } cases[] = {
        {"none.mountinfo", FERRY_ERR_NOT_FOUND, NULL, "insert the stick"},
        {"one.mountinfo", FERRY_OK, "/media/op/MY STICK", NULL},
        {"two.mountinfo", FERRY_ERR_USAGE, NULL, "/media/op/STICK, /media/op/SDCARD"},
        {"usbdisk.mountinfo", FERRY_OK, "/media/op/backup\tdisk", NULL},
        {"fallback.mountinfo", FERRY_OK, "/mnt/esata", NULL},
        {"liveboot.mountinfo", FERRY_ERR_NOT_FOUND, NULL, "usb:DIR"},
        {"missing.mountinfo", FERRY_ERR_NOT_FOUND, NULL, "no such file"},
    };
    char *sysfs = helpers_vector_path("usb", "sysfs"), *mi, *root;
    size_t i;

    setenv("FERRY_SYSFS", sysfs, 1);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mi = helpers_vector_path("usb", cases[i].mountinfo);
        setenv("FERRY_MOUNTINFO", mi, 1);
        root = (char *)0x1;
        ferry_err r = ferry_usb_resolve(NULL, &root);
        if (r != cases[i].err)
            fail_msg("%s: got %d (%s), expected %d", cases[i].mountinfo, r, ferry_err_detail(),
                     cases[i].err);
        if (r == FERRY_OK) {
            assert_string_equal(root, cases[i].root);
        } else {
            assert_null(root);
            if (strstr(ferry_err_detail(), cases[i].detail) == NULL)
                fail_msg("%s: detail \"%s\" lacks \"%s\"", cases[i].mountinfo, ferry_err_detail(),
                         cases[i].detail);
        }
        free(root);
        free(mi);
    }
    unsetenv("FERRY_MOUNTINFO");
    unsetenv("FERRY_SYSFS");
    free(sysfs);
}

static void test_resolve_dir(void **state)
{
    char *d = mktemp_dir(), *root = NULL, *f;

    assert_int_equal(ferry_usb_resolve(d, &root), FERRY_OK);
    assert_string_equal(root, d);
    free(root);
    f = ferry_path_join(d, "file");
    put(d, "file", "x");
    assert_int_equal(ferry_usb_resolve(f, &root), FERRY_ERR_USAGE);
    assert_null(root);
    assert_int_equal(ferry_usb_resolve("/nonexistent/ferry/dir", &root), FERRY_ERR_NOT_FOUND);
    free(f);
    helpers_rm_tree(d);
    free(d);
}

/* The real machine: whatever is mounted, the answer is one of the three documented ones. */
static void test_resolve_real_system(void **state)
{
    char *root = NULL;
    ferry_err r;

    unsetenv("FERRY_MOUNTINFO");
    unsetenv("FERRY_SYSFS");
    r = ferry_usb_resolve(NULL, &root);
    assert_true(r == FERRY_OK || r == FERRY_ERR_NOT_FOUND || r == FERRY_ERR_USAGE);
    assert_true((r == FERRY_OK) == (root != NULL));
    free(root);
}

/* ---- write ---- */

static void test_write_roundtrip(void **state)
{
    char *d = mktemp_dir(), *path = NULL, *sub = ferry_path_join(d, "FERRY"), *txt;
    static const uint8_t pkg1[] = "first package bytes\0with a NUL";
    static const uint8_t pkg2[] = "second";
    struct stat st;

    assert_int_equal(ferry_usb_write(d, "t1.ferry", pkg1, sizeof(pkg1), "summary one\n", &path),
                     FERRY_OK);
    assert_non_null(path);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(st.st_size, sizeof(pkg1));
    txt = ferry_path_join(sub, "t1.txt");
    assert_file(txt, "summary one\n");
    /* overwrite, no summary: the summary of the first write stays */
    assert_int_equal(ferry_usb_write(d, "t1.ferry", pkg2, 6, NULL, NULL), FERRY_OK);
    assert_file(path, "second");
    assert_file(txt, "summary one\n");
    assert_int_equal(count_temps(sub), 0);
    /* empty package is fine */
    assert_int_equal(ferry_usb_write(d, "empty.ferry", pkg1, 0, "s", NULL), FERRY_OK);
    free(txt);
    txt = ferry_path_join(sub, "empty.txt");
    assert_file(txt, "s");
    free(txt);
    free(path);
    free(sub);
    helpers_rm_tree(d);
    free(d);
}

static void test_write_refusals(void **state)
{
    char *d = mktemp_dir(), *sub = ferry_path_join(d, "FERRY"), *other = mktemp_dir();
    char *path = (char *)0x1;

    assert_int_equal(ferry_usb_write(d, "../evil.ferry", (const uint8_t *)"x", 1, NULL, &path),
                     FERRY_ERR_USAGE);
    assert_null(path);
    assert_int_equal(ferry_usb_write(d, ".hidden.ferry", (const uint8_t *)"x", 1, NULL, NULL),
                     FERRY_ERR_USAGE);
    assert_false(ferry_path_exists(sub)); /* nothing created */
    assert_int_equal(
        ferry_usb_write("/nonexistent/stick", "a.ferry", (const uint8_t *)"x", 1, NULL, NULL),
        FERRY_ERR_NOT_FOUND);
    /* FERRY is a symlink to elsewhere: refused, nothing written there */
    assert_int_equal(symlink(other, sub), 0);
    assert_int_equal(ferry_usb_write(d, "a.ferry", (const uint8_t *)"x", 1, NULL, NULL),
                     FERRY_ERR_FORMAT);
    assert_int_equal(count_temps(other), 0);
    unlink(sub);
    /* FERRY is a file */
    put(d, "FERRY", "i am a file");
    assert_int_not_equal(ferry_usb_write(d, "a.ferry", (const uint8_t *)"x", 1, NULL, NULL),
                         FERRY_OK);
    assert_file(sub, "i am a file");
    free(sub);
    helpers_rm_tree(d);
    helpers_rm_tree(other);
    free(d);
    free(other);
}

/* Injected failure without privileges: RLIMIT_FSIZE makes write() fail with EFBIG half-way. */
static void test_write_failure_keeps_old(void **state)
{
    char *d = mktemp_dir(), *sub = ferry_path_join(d, "FERRY");
    char *p = ferry_path_join(sub, "p.ferry");
    struct rlimit old, lim;
    uint8_t *big = malloc(256 << 10);
    void (*prev)(int);
    ferry_err r;

    memset(big, 'N', 256 << 10);
    assert_int_equal(ferry_usb_write(d, "p.ferry", (const uint8_t *)"old package", 11, NULL, NULL),
                     FERRY_OK);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 64 << 10;
    prev = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    r = ferry_usb_write(d, "p.ferry", big, 256 << 10, "summary", NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(r, FERRY_ERR_IO);
    assert_file(p, "old package");
    assert_int_equal(count_temps(sub), 0);
    {
        char *txt = ferry_path_join(sub, "p.txt"); /* the summary is not written either */
        assert_false(ferry_path_exists(txt));
        free(txt);
    }
    free(big);
    free(p);
    free(sub);
    helpers_rm_tree(d);
    free(d);
}

/* A real full medium: a 64 KiB tmpfs. Needs mount(2) (root in this environment); skipped
 * otherwise. */
static void test_write_enospc_tmpfs(void **state)
{
    char *d = mktemp_dir(), *sub = ferry_path_join(d, "FERRY");
    char *p = ferry_path_join(sub, "p.ferry");
    size_t bigsz = 256 << 10;
    uint8_t *big = malloc(bigsz);
    ferry_err r;

    if (mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") != 0) {
        print_message("mount tmpfs not permitted (%s): skipped\n", strerror(errno));
        free(big);
        free(p);
        free(sub);
        rmdir(d);
        free(d);
        skip();
    }
    memset(big, 'F', bigsz);
    assert_int_equal(ferry_usb_write(d, "p.ferry", big, 20 << 10, NULL, NULL), FERRY_OK);
    r = ferry_usb_write(d, "p.ferry", big + 1, bigsz - 1, NULL, NULL);
    assert_int_equal(r, FERRY_ERR_IO);
    assert_non_null(strstr(ferry_err_detail(), "No space left"));
    {
        uint8_t *b = NULL;
        size_t n = 0;
        assert_int_equal(ferry_file_read(p, 1 << 20, &b, &n), FERRY_OK);
        assert_int_equal(n, 20 << 10);
        assert_memory_equal(b, big, n);
        free(b);
    }
    assert_int_equal(count_temps(sub), 0);
    assert_int_equal(umount(d), 0);
    rmdir(d);
    free(big);
    free(p);
    free(sub);
    free(d);
}

/* ---- list and load ---- */

/* Runs ferry_usb_list with stderr captured; returns the captured text (caller frees). */
static char *list_captured(const char *root, size_t max, const char *prefer,
                           struct ferry_usb_file **f, size_t *n, ferry_err *r)
{
    char tmpl[] = "/tmp/ferry-test-usb-log-XXXXXX";
    int fd = mkstemp(tmpl), saved;
    uint8_t *log = NULL;
    size_t ll = 0;

    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    *r = ferry_usb_list(root, max, prefer, f, n);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    assert_int_equal(ferry_file_read(tmpl, 1 << 20, &log, &ll), FERRY_OK);
    unlink(tmpl);
    fprintf(stderr, "%s", (char *)log);
    return (char *)log;
}

/* The listed entry named @name, loaded; fails the test when it is not listed. */
static struct ferry_usb_file *loaded(struct ferry_usb_file *f, size_t n, const char *name)
{
    uint64_t budget = FERRY_USB_READ_MAX;
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0) {
            assert_null(f[i].data);
            assert_int_equal(ferry_usb_file_load(&f[i], 1000, &budget, NULL, NULL), FERRY_OK);
            assert_int_equal(budget, FERRY_USB_READ_MAX - f[i].len);
            return &f[i];
        }
    fail_msg("%s not listed", name);
    return NULL;
}

static void test_list_skips(void **state)
{
    static const char *const warned[] = {
        "link.ferry: a symbolic link",
        "fifo.ferry: not a regular file",
        "dir.ferry: not a regular file",
        "/..ferry: unsafe",
        "bad?.ferry: unsafe",
        "new?line.ferry: unsafe",
        "big.ferry: 2000 bytes, over the 1000-byte limit",
        "-opt.ferry: unsafe",
        "1 file name(s) on the medium are further names (hard links)",
    };
    char *d = mktemp_dir(), *sub = ferry_path_join(d, "FERRY"), *log, path[4096], hard[4096];
    char big[2001];
    struct ferry_usb_file *f = NULL, *c;
    size_t n = 0, i;
    ferry_err r;

    assert_int_equal(mkdir(sub, 0755), 0);
    put(sub, "b.ferry", "BBB");
    put(sub, "a.ferry", "AAA");
    put(d, "c.ferry", "CCC");
    put(sub, "notes.txt", "not a package");
    put(sub, "..ferry", "hidden");
    put(sub, "bad\001.ferry", "ctl");
    put(sub, "new\nline.ferry", "nl");
    put(sub, "-opt.ferry", "dash");
    memset(big, 'x', 2000);
    big[2000] = '\0';
    put(sub, "big.ferry", big);
    snprintf(path, sizeof(path), "%s/link.ferry", sub);
    assert_int_equal(symlink("a.ferry", path), 0);
    snprintf(path, sizeof(path), "%s/fifo.ferry", sub);
    assert_int_equal(mkfifo(path, 0644), 0);
    snprintf(path, sizeof(path), "%s/dir.ferry", sub);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/a.ferry", sub);
    snprintf(hard, sizeof(hard), "%s/hard.ferry", sub);
    assert_int_equal(link(path, hard), 0);

    log = list_captured(d, 1000, "c", &f, &n, &r);
    assert_int_equal(r, FERRY_OK);
    assert_int_equal(n, 3);
    assert_string_equal(f[0].name, "c.ferry"); /* @prefer first */
    snprintf(path, sizeof(path), "%s/c.ferry", d);
    assert_string_equal(f[0].path, path);
    assert_int_equal(f[0].size, 3);
    assert_memory_equal(loaded(f, n, "a.ferry")->data, "AAA", 3);
    assert_memory_equal(loaded(f, n, "b.ferry")->data, "BBB", 3);
    c = loaded(f, n, "c.ferry");
    assert_int_equal(c->len, 3);
    assert_memory_equal(c->data, "CCC", 3);
    ferry_usb_file_unload(c);
    assert_null(c->data);
    for (i = 0; i < sizeof(warned) / sizeof(warned[0]); i++)
        if (strstr(log, warned[i]) == NULL)
            fail_msg("no warning \"%s\" in:\n%s", warned[i], log);
    assert_null(strstr(log, "notes.txt"));
    ferry_usb_files_free(f, n);
    free(log);
    free(sub);
    helpers_rm_tree(d);
    free(d);
}

static void test_list_not_found(void **state)
{
    char *d = mktemp_dir(), *sub = ferry_path_join(d, "FERRY"), *other = mktemp_dir(), *log;
    struct ferry_usb_file *f = NULL;
    size_t n = 7;
    ferry_err r;

    assert_int_equal(ferry_usb_list(d, 1000, NULL, &f, &n), FERRY_ERR_NOT_FOUND);
    assert_null(f);
    assert_int_equal(n, 0);
    assert_int_equal(ferry_usb_list("/nonexistent/stick", 1000, NULL, &f, &n), FERRY_ERR_NOT_FOUND);
    /* only skipped entries: still not found */
    assert_int_equal(mkdir(sub, 0755), 0);
    put(sub, "..ferry", "x");
    assert_int_equal(ferry_usb_list(d, 1000, NULL, &f, &n), FERRY_ERR_NOT_FOUND);
    helpers_rm_tree(sub);
    /* FERRY is a symlink to a directory holding packages: not searched */
    put(other, "elsewhere.ferry", "x");
    assert_int_equal(symlink(other, sub), 0);
    log = list_captured(d, 1000, NULL, &f, &n, &r);
    assert_int_equal(r, FERRY_ERR_NOT_FOUND);
    assert_non_null(strstr(log, "a symbolic link, not searched"));
    free(log);
    free(sub);
    helpers_rm_tree(d);
    helpers_rm_tree(other);
    free(d);
    free(other);
}

static void test_list_cap(void **state)
{
    char *d = mktemp_dir(), *sub = ferry_path_join(d, "FERRY"), name[32], path[4096], *log;
    const struct timespec old[2] = {{0, 0}, {1000000000, 0}}; /* 2001 */
    struct ferry_usb_file *f = NULL;
    size_t n = 0;
    ferry_err r;
    int i;

    assert_int_equal(mkdir(sub, 0755), 0);
    for (i = FERRY_USB_MAX_FILES + 43; i > 0; i--) {
        snprintf(name, sizeof(name), "p%04d.ferry", i);
        put(sub, name, name);
    }
    put(sub, "q.ferry", "preferred, the oldest");
    snprintf(path, sizeof(path), "%s/q.ferry", sub);
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    log = list_captured(d, 1000, "q", &f, &n, &r);
    assert_int_equal(r, FERRY_OK);
    assert_int_equal(n, FERRY_USB_MAX_FILES);
    assert_string_equal(f[0].name, "q.ferry");
    if (strstr(log, "44 more package file(s) on the medium were not looked at") == NULL)
        fail_msg("no note of the 44 files left out in:\n%s", log);
    ferry_usb_files_free(f, n);
    free(log);
    free(sub);
    helpers_rm_tree(d);
    free(d);
}

/* write then list and load: what the other side will see */
static void test_write_then_read(void **state)
{
    char *d = mktemp_dir();
    struct ferry_usb_file *f = NULL;
    size_t n = 0;

    assert_int_equal(ferry_usb_write(d, "x.ferry", (const uint8_t *)"XX", 2, "sum", NULL),
                     FERRY_OK);
    assert_int_equal(ferry_usb_list(d, 1000, NULL, &f, &n), FERRY_OK);
    assert_int_equal(n, 1);
    assert_int_equal(loaded(f, n, "x.ferry")->len, 2);
    ferry_usb_files_free(f, n);
    helpers_rm_tree(d);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_ok),
        cmocka_unit_test(test_unescape),
        cmocka_unit_test(test_mountinfo_parse),
        cmocka_unit_test(test_pseudo_fs),
        cmocka_unit_test(test_dev_removable),
        cmocka_unit_test(test_resolve_table),
        cmocka_unit_test(test_resolve_dir),
        cmocka_unit_test(test_resolve_real_system),
        cmocka_unit_test(test_write_roundtrip),
        cmocka_unit_test(test_write_refusals),
        cmocka_unit_test(test_write_failure_keeps_old),
        cmocka_unit_test(test_write_enospc_tmpfs),
        cmocka_unit_test(test_list_skips),
        cmocka_unit_test(test_list_not_found),
        cmocka_unit_test(test_list_cap),
        cmocka_unit_test(test_write_then_read),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
