/* ferry — growable byte buffer with a hard maximum (curl dynbuf habit). */
#ifndef FERRY_BUF_H
#define FERRY_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/err.h"

/** Frees @p and sets it to NULL. */
#define FERRY_FREE(p)                                                                              \
    do {                                                                                           \
        free(p);                                                                                   \
        (p) = NULL;                                                                                \
    } while (0)

/** Frees each of the pointers given (NULL ones too), e.g. the strings a result owns. */
#define FERRY_FREE_ALL(...)                                                                        \
    ferry_free_all((void *[]){__VA_ARGS__}, sizeof((void *[]){__VA_ARGS__}) / sizeof(void *))
void ferry_free_all(void *const *p, size_t n);

struct ferry_buf {
    uint8_t *data; /* always NUL-terminated past len when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* appends beyond this fail with FERRY_ERR_TOO_LARGE */
};

/** Initialises an empty buffer that may grow to @max bytes. */
void ferry_buf_init(struct ferry_buf *b, size_t max);

/** Appends @n bytes. FERRY_ERR_TOO_LARGE past max, FERRY_ERR_NOMEM. */
ferry_err ferry_buf_append(struct ferry_buf *b, const void *p, size_t n);

/** Appends a NUL-terminated string. */
ferry_err ferry_buf_puts(struct ferry_buf *b, const char *s);

/** Appends formatted text. */
ferry_err ferry_buf_printf(struct ferry_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Hands the bytes to the caller (free() them); the buffer is left empty. */
uint8_t *ferry_buf_steal(struct ferry_buf *b, size_t *len);

/** Frees the bytes and leaves the buffer empty (max kept). */
void ferry_buf_free(struct ferry_buf *b);

#endif
