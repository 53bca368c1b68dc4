/* ferry — times: UTC dates and their spellings, days until a date, the clock tests pin. */
#ifndef FERRY_TIME_H
#define FERRY_TIME_H

#include <time.h>

#include "ferry/err.h"

/** "YYYY-MM-DD" (UTC); @out holds 11 bytes. */
void ferry_time_date(time_t t, char out[11]);

/** "YYYY-MM-DD HH:MM UTC", as the runbook prints times; @out holds 21 bytes. */
void ferry_time_minute(time_t t, char out[21]);

/** "YYYY-MM-DDTHH:MM:SSZ" (UTC); @out holds 21 bytes. */
void ferry_time_iso(time_t t, char out[21]);

/**
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" with optional "Z" (UTC).
 * FERRY_ERR_FORMAT otherwise.
 */
ferry_err ferry_time_parse(const char *s, time_t *out);

/**
 * Now; in a test build (FERRY_TEST_HOOKS), $FERRY_NOW (seconds since the epoch) when set:
 * tests pin the clock with it. A release build always reads the real clock.
 */
time_t ferry_time_now(void);

/** Whole days from @now to @t, rounded to the nearest day (negative when past). */
long long ferry_time_days_until(time_t t, time_t now);

#endif
