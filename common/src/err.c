#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "ferry/err.h"
#include "ferry/log.h"

static _Thread_local char err_detail[1024];

const char *ferry_strerror(ferry_err e)
{
    switch (e) {
    case FERRY_OK: return "success";
    case FERRY_ERR_NOMEM: return "out of memory";
    case FERRY_ERR_IO: return "input/output error";
    case FERRY_ERR_FORMAT: return "malformed input";
    case FERRY_ERR_TOO_LARGE: return "input too large";
    case FERRY_ERR_SIG_INVALID: return "signature or digest does not verify";
    case FERRY_ERR_UNTRUSTED: return "not trusted";
    case FERRY_ERR_CRYPTO: return "cryptographic failure";
    case FERRY_ERR_NET: return "network failure";
    case FERRY_ERR_REJECTED: return "rejected by the enrollment service";
    case FERRY_ERR_INCOMPLETE: return "input incomplete";
    case FERRY_ERR_INTERNAL: return "internal error";
    case FERRY_ERR_USAGE: return "usage error";
    case FERRY_ERR_NOT_FOUND: return "not found";
    case FERRY_ERR_EXISTS: return "already exists";
    case FERRY_ERR_REPLAY: return "already seen (replay)";
    case FERRY_ERR_MISMATCH: return "does not match";
    case FERRY_ERR_EXPIRED: return "expired or not yet valid";
    case FERRY_ERR_DECLINED: return "declined by the operator";
    }
    return "unknown error";
}

int ferry_err_exit_code(ferry_err e)
{
    switch (e) {
    case FERRY_OK: return 0;
    case FERRY_ERR_FORMAT:
    case FERRY_ERR_TOO_LARGE:
    case FERRY_ERR_SIG_INVALID:
    case FERRY_ERR_UNTRUSTED:
    case FERRY_ERR_REJECTED:
    case FERRY_ERR_REPLAY:
    case FERRY_ERR_MISMATCH:
    case FERRY_ERR_EXPIRED:
    case FERRY_ERR_DECLINED: return 1;
    case FERRY_ERR_USAGE: return 2;
    case FERRY_ERR_INCOMPLETE:
    case FERRY_ERR_NOT_FOUND: return 4;
    default: return 3;
    }
}

ferry_err ferry_errf(ferry_err e, const char *fmt, ...)
{
    char tmp[sizeof(err_detail)];
    va_list ap;

    /* Format aside first: an argument may be ferry_err_detail() itself ("%s: more"). */
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    memcpy(err_detail, tmp, sizeof(err_detail));
    ferry_log(FERRY_LOG_DEBUG, "error (%s): %s", ferry_strerror(e), err_detail);
    return e;
}

const char *ferry_err_detail(void)
{
    return err_detail;
}

void ferry_err_clear(void)
{
    err_detail[0] = '\0';
}

ferry_err ferry_err_openssl(ferry_err e, const char *what)
{
    unsigned long code;
    char buf[256];

    while ((code = ERR_get_error()) != 0) {
        ERR_error_string_n(code, buf, sizeof(buf));
        ferry_log(FERRY_LOG_DEBUG, "openssl: %s", buf);
    }
    return ferry_errf(e, "%s", what);
}
