/* ferry — times: UTC dates and their spellings, days until a date, the clock tests pin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/time.h"
#include "ferry/testhook.h"

void ferry_time_date(time_t t, char out[11])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

void ferry_time_minute(time_t t, char out[21])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%d %H:%M UTC", &tm);
}

void ferry_time_iso(time_t t, char out[21])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

ferry_err ferry_time_parse(const char *s, time_t *out)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    size_t len = strlen(s);

    memset(&tm, 0, sizeof(tm));
    if (len < 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return FERRY_ERR_FORMAT;
    s += 10;
    if (*s == 'T' || *s == ' ') {
        if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
            return FERRY_ERR_FORMAT;
        s += 6;
        if (*s == ':') {
            if (sscanf(s + 1, "%2d%n", &sec, &n) != 1 || n != 2)
                return FERRY_ERR_FORMAT;
            s += 3;
        }
    }
    if (*s == 'Z')
        s++;
    if (*s != '\0' || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
        return FERRY_ERR_FORMAT;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = timegm(&tm);
    /* timegm rolls 2026-02-31 into March: refuse dates that do not exist */
    gmtime_r(out, &tm);
    if (tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
        return FERRY_ERR_FORMAT;
    return FERRY_OK;
}

time_t ferry_time_now(void)
{
    const char *e = ferry_testhook_get("FERRY_NOW");
    char *end;
    long long v;

    if (e != NULL && *e != '\0') {
        v = strtoll(e, &end, 10);
        if (*end == '\0')
            return (time_t)v;
    }
    return time(NULL);
}

long long ferry_time_days_until(time_t t, time_t now)
{
    long long d = (long long)t - (long long)now;

    return d >= 0 ? (d + 43200) / 86400 : -((-d + 43200) / 86400);
}
