/* ferry — the one JSON writer behind every --json output (one tested escaper). */
#ifndef FERRY_JSON_H
#define FERRY_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "ferry/buf.h"

#define FERRY_JSON_MAX_DEPTH 16

struct ferry_json {
    struct ferry_buf out;
    int depth;
    int first[FERRY_JSON_MAX_DEPTH];
    ferry_err err; /* sticky: the first error */
};

/** Starts a document: the top-level object is opened. */
void ferry_json_init(struct ferry_json *j);

/** Appends @s as a JSON string literal, with quotes, escaping per RFC 8259. */
ferry_err ferry_json_quote(struct ferry_buf *b, const char *s);

/* Members of the current object (key != NULL) or elements of the current array (key NULL). */
void ferry_json_str(struct ferry_json *j, const char *key, const char *val); /* NULL -> null */
/* A digest or fingerprint: @n bytes as plain lower-case hex, no spaces (the text output's groups
 * of four are for eyes; JSON is for programs). */
void ferry_json_hex(struct ferry_json *j, const char *key, const uint8_t *p, size_t n);
/* The same from digest text as shown to people ("A531 2518 ...", "A5:31:..."): its hex digits,
 * lower case; NULL or "" -> null. */
void ferry_json_hex_text(struct ferry_json *j, const char *key, const char *text);
void ferry_json_int(struct ferry_json *j, const char *key, long long val);
void ferry_json_bool(struct ferry_json *j, const char *key, int val);
void ferry_json_obj_begin(struct ferry_json *j, const char *key);
void ferry_json_obj_end(struct ferry_json *j);
void ferry_json_arr_begin(struct ferry_json *j, const char *key);
void ferry_json_arr_end(struct ferry_json *j);

/** Closes the document and writes it with a newline to @f. Frees the buffer. */
ferry_err ferry_json_print(struct ferry_json *j, FILE *f);

/** Frees without printing. */
void ferry_json_free(struct ferry_json *j);

#endif
