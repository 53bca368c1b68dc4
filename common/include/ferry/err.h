/* ferry — error codes shared by every library and both command-line tools. */
#ifndef FERRY_ERR_H
#define FERRY_ERR_H

typedef enum {
    FERRY_OK = 0,
    FERRY_ERR_NOMEM = -1,
    FERRY_ERR_IO = -2,          /* file system or device I/O failed */
    FERRY_ERR_FORMAT = -3,      /* input is malformed (not XML, bad frame, truncated package) */
    FERRY_ERR_TOO_LARGE = -4,   /* input exceeds a hard size limit */
    FERRY_ERR_SIG_INVALID = -5, /* a signature or digest does not verify */
    FERRY_ERR_UNTRUSTED = -6,   /* signer not paired, chain not anchored */
    FERRY_ERR_CRYPTO = -7,      /* a cryptographic operation failed (not a verdict) */
    FERRY_ERR_NET = -8,         /* network failure: connect, TLS, timeout */
    FERRY_ERR_REJECTED = -9,    /* the enrollment service refused (SOAP fault, HTTP 4xx) */
    FERRY_ERR_INCOMPLETE = -10, /* input still missing: frames, files */
    FERRY_ERR_INTERNAL = -11,
    FERRY_ERR_USAGE = -12,     /* bad arguments */
    FERRY_ERR_NOT_FOUND = -13, /* no such transfer, file, peer */
    FERRY_ERR_EXISTS = -14,    /* would overwrite something that must not be */
    FERRY_ERR_REPLAY = -15,    /* already seen / answered */
    FERRY_ERR_MISMATCH = -16,  /* answers another request, another key, another server */
    FERRY_ERR_EXPIRED = -17,   /* a certificate is outside its validity */
    FERRY_ERR_DECLINED = -18,  /* the operator answered no (--confirm): nothing was done */
} ferry_err;

/** Short static description of an error code. Never NULL. */
const char *ferry_strerror(ferry_err e);

/** Exit code for a CLI: 0 success, 1 negative verdict, 2 usage, 3 runtime, 4 incomplete. */
int ferry_err_exit_code(ferry_err e);

/**
 * Records a detailed message for the error about to be returned (thread-local, replaces the
 * previous one) and returns @e, so a library can write `return ferry_errf(FERRY_ERR_FORMAT, ...)`.
 * The CLI prints it with ferry_err_detail().
 */
ferry_err ferry_errf(ferry_err e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** The last message recorded by ferry_errf() in this thread, or "" if none. */
const char *ferry_err_detail(void);

/** Forgets the recorded message. */
void ferry_err_clear(void);

/** Drains OpenSSL's error queue into the debug log and records @what as the detail. */
ferry_err ferry_err_openssl(ferry_err e, const char *what);

#endif
