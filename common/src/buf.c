#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/buf.h"

void ferry_buf_init(struct ferry_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

ferry_err ferry_buf_append(struct ferry_buf *b, const void *p, size_t n)
{
    size_t need, ncap;
    uint8_t *nd;

    if (n > b->max || b->len > b->max - n)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "more than %zu bytes", b->max);
    need = b->len + n + 1;
    if (need > b->cap) {
        ncap = b->cap ? b->cap : 256;
        while (ncap < need)
            ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        if (ncap > b->max + 1)
            ncap = b->max + 1;
        if ((nd = realloc(b->data, ncap)) == NULL)
            return FERRY_ERR_NOMEM;
        b->data = nd;
        b->cap = ncap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return FERRY_OK;
}

ferry_err ferry_buf_puts(struct ferry_buf *b, const char *s)
{
    return ferry_buf_append(b, s, strlen(s));
}

ferry_err ferry_buf_printf(struct ferry_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[512];
    char *big = NULL;
    int n;
    ferry_err r;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return FERRY_ERR_INTERNAL;
    if ((size_t)n < sizeof(small))
        return ferry_buf_append(b, small, (size_t)n);
    if ((big = malloc((size_t)n + 1)) == NULL)
        return FERRY_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    r = ferry_buf_append(b, big, (size_t)n);
    free(big);
    return r;
}

uint8_t *ferry_buf_steal(struct ferry_buf *b, size_t *len)
{
    uint8_t *d = b->data;

    if (len != NULL)
        *len = b->len;
    if (d == NULL)
        d = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void ferry_free_all(void *const *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(p[i]);
}

void ferry_buf_free(struct ferry_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
