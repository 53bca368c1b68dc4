/* ferry — text from outside made safe before it reaches a terminal or a JSON consumer. */
#ifndef FERRY_SAFETEXT_H
#define FERRY_SAFETEXT_H

#include <stddef.h>

/**
 * Length of the valid UTF-8 sequence at @p (at most @n bytes) and its code point in *@cp; 0 if
 * the bytes there are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF
 * included).
 */
size_t ferry_utf8_next(const unsigned char *p, size_t n, unsigned *cp);

/** 1 if code point @cp must not reach a terminal as it is: C0 controls and DEL, the C1 controls
 * U+0080-U+009F, and the bidirectional controls U+202A-U+202E and U+2066-U+2069. */
int ferry_text_unsafe(unsigned cp);

/**
 * Copies @in into @out (@cap bytes, NUL-terminated, cut at a character boundary) for a terminal:
 * unsafe characters become visible escapes (\x1b, \u0085, \u202e), bytes that are not UTF-8
 * become \xHH. Returns @out.
 */
char *ferry_text_safe(const char *in, char *out, size_t cap);

/** ferry_text_safe into one of 8 rotating thread-local buffers of 2 KiB, for printf arguments
 * (at most 8 per call). NULL gives "". */
const char *ferry_safe(const char *in);

#endif
