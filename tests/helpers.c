/* Fixtures shared by the C tests and the fuzz targets (helpers.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/err.h"
#include "ferry/file.h"
#include "helpers.h"

#define VECTOR_MAX (16u << 20)

char *helpers_tmpdir(const char *tag)
{
    const char *t = getenv("TMPDIR");
    char *d = NULL;
    size_t n;

    if (t == NULL || t[0] != '/')
        t = "/tmp";
    n = strlen(t) + strlen(tag) + sizeof("/ferry-test--XXXXXX");
    if ((d = malloc(n)) == NULL)
        return NULL;
    snprintf(d, n, "%s/ferry-test-%s-XXXXXX", t, tag);
    if (mkdtemp(d) == NULL) {
        fprintf(stderr, "helpers_tmpdir: %s: %s\n", d, strerror(errno));
        free(d);
        return NULL;
    }
    return d;
}

static void rm_below(const char *dir)
{
    struct dirent *de;
    struct stat st;
    char *path;
    DIR *d = opendir(dir);

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((path = ferry_path_join(dir, de->d_name)) == NULL)
            continue;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            rm_below(path);
            rmdir(path);
        } else {
            unlink(path);
        }
        free(path);
    }
    closedir(d);
}

int helpers_rm_tree(const char *dir)
{
    struct stat st;

    if (dir == NULL)
        return 0;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        rm_below(dir);
        rmdir(dir);
    } else {
        unlink(dir);
    }
    if (lstat(dir, &st) == 0) {
        fprintf(stderr, "helpers_rm_tree: %s is still there\n", dir);
        return -1;
    }
    return 0;
}

char *helpers_vector_path(const char *sub, const char *name)
{
    const char *v = getenv("FERRY_VECTORS");
    char *d = NULL, *p;

    if (v == NULL || v[0] == '\0')
        v = "tests/vectors";
    if (sub != NULL && (d = ferry_path_join(v, sub)) == NULL)
        abort();
    if ((p = ferry_path_join(d != NULL ? d : v, name)) == NULL)
        abort();
    free(d);
    return p;
}

uint8_t *helpers_vector_read(const char *sub, const char *name, size_t *len)
{
    char *p = helpers_vector_path(sub, name);
    uint8_t *buf = NULL;

    if (ferry_file_read(p, VECTOR_MAX, &buf, len) != FERRY_OK) {
        fprintf(stderr, "cannot read the test vector %s: %s\n", p, ferry_err_detail());
        abort();
    }
    free(p);
    return buf;
}
