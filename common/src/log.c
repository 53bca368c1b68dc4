#include <stdarg.h>
#include <stdio.h>

#include "ferry/log.h"
#include "ferry/safetext.h"

static int log_level = FERRY_LOG_INFO;
static const char *log_prefix = "ferry";

void ferry_log_set_level(int level)
{
    log_level = level;
}

int ferry_log_get_level(void)
{
    return log_level;
}

void ferry_log_set_prefix(const char *prefix)
{
    log_prefix = prefix;
}

void ferry_log(int level, const char *fmt, ...)
{
    static __thread char msg[4096], shown[8192];
    va_list ap;

    if (level > log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* messages carry names and texts from outside: no control or bidi character is printed;
     * one whole line at a time (submit logs from worker threads) */
    flockfile(stderr);
    fprintf(stderr, "%s: %s%s\n", log_prefix, level == FERRY_LOG_WARN ? "warning: " : "",
            ferry_text_safe(msg, shown, sizeof(shown)));
    funlockfile(stderr);
}
