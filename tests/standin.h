/* The stand-in enrollment service ferry-enrolld (tests/enrollment-service/) as the fixture of the
 * HTTPS client's tests (test_http.c, test_enroll_rms.c, test_enroll_est.c): started on 127.0.0.1
 * one fault at a time; received.log is the service's own record of what it got. Failures are
 * cmocka assertions. */
#ifndef FERRY_TEST_STANDIN_H
#define FERRY_TEST_STANDIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ferry/http.h"

struct standin {
    pid_t pid;
    char url[256];
    char root[600];
    char rms[300]; /* the RMS endpoint */
};

extern char standin_tmp_root[256];  /* the group's temporary folder */
extern char standin_state_dir[400]; /* the service's --state, below it */
extern uint8_t
    *standin_rms_req; /* a synthetic SOAP Enroll/oInput request (WSDL 6.6), BOM and CRLF */
extern size_t standin_rms_req_len;

/** cmocka group set-up: the folders, the RMS request, the log level, no proxy. */
int standin_group_setup(void **state);
/** cmocka group tear-down: frees the request, removes the folders. */
int standin_group_teardown(void **state);

/** Starts ferry-enrolld with the faults given (NULL-terminated) and waits for its url file. */
void standin_start(struct standin *s, ...);
void standin_stop(struct standin *s);
/** Line @i (0-based) of received.log split into path, sha256 hex and status; 0 if absent. */
int standin_received(int i, char path[128], char sha[65], int *status);
int standin_received_count(void);
/** SHA-256 of @p as lowercase hex. */
void standin_sha_hex(const void *p, size_t n, char out[65]);
/** Test options: short timeouts, quick back-off, the stand-in's root pinned. */
void standin_opts(struct ferry_http_opts *o, const struct standin *s);
/** CLOCK_MONOTONIC in seconds. */
double standin_now(void);
/** memmem without _GNU_SOURCE. */
const void *standin_find_bytes(const void *h, size_t hl, const void *n, size_t nl);

#endif
