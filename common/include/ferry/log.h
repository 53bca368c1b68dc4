/* ferry — messages on stderr. Libraries print only through this. */
#ifndef FERRY_LOG_H
#define FERRY_LOG_H

enum ferry_log_level {
    FERRY_LOG_ERROR = 0,
    FERRY_LOG_WARN = 1,
    FERRY_LOG_INFO = 2,  /* progress and notes: shown unless -q */
    FERRY_LOG_DEBUG = 3, /* shown with -v */
};

/** Sets the most verbose level printed (default FERRY_LOG_INFO). */
void ferry_log_set_level(int level);
int ferry_log_get_level(void);

/** Sets the prefix printed before every message, e.g. "ferry-offline" (borrowed, static). */
void ferry_log_set_prefix(const char *prefix);

/** Prints "prefix: message\n" on stderr if @level is enabled. */
void ferry_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
