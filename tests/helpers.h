/* Fixtures shared by the C tests and the fuzz targets: temporary folders and test vectors.
 * No cmocka here (the fuzz targets link it too): each call reports a failure by its return
 * value, with a message on stderr, and the test asserts on it. */
#ifndef FERRY_TEST_HELPERS_H
#define FERRY_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

/** A new folder $TMPDIR/ferry-test-@tag-XXXXXX (mkdtemp, 0700); new string, NULL on failure. */
char *helpers_tmpdir(const char *tag);

/**
 * Removes @dir and everything below it, without a shell and without following symbolic links
 * (rm -rf). NULL does nothing. 0 when @dir is gone afterwards, else -1.
 */
int helpers_rm_tree(const char *dir);

/**
 * $FERRY_VECTORS/@sub/@name, or $FERRY_VECTORS/@name when @sub is NULL (ctest sets the variable;
 * default tests/vectors); new string. Aborts when out of memory.
 */
char *helpers_vector_path(const char *sub, const char *name);

/**
 * The whole vector helpers_vector_path(@sub, @name) (at most 16 MiB), NUL-terminated after
 * *@len bytes; new buffer. A vector the tree ships that cannot be read is a broken checkout, not
 * a result: the path and the reason go to stderr and the test aborts.
 */
uint8_t *helpers_vector_read(const char *sub, const char *name, size_t *len);

#endif
