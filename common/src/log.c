#include <stdarg.h>
#include <stdio.h>

#include "ferry/log.h"

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
    va_list ap;

    if (level > log_level)
        return;
    flockfile(stderr); /* one whole line at a time: submit logs from worker threads */
    fprintf(stderr, "%s: ", log_prefix);
    if (level == FERRY_LOG_WARN)
        fputs("warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}
