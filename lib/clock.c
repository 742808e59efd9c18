/*  clock: time conversions without the C library's locale and TZ state. */
#include "lib/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
hrw_clock_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * HRW_US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t
hrw_clock_from_parts (int64_t seconds, int32_t nanos)
{
    return seconds * HRW_US_PER_SEC + nanos / 1000;
}

//  Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
//  algorithm), so no timegm() and no TZ environment are involved.
static int64_t
s_days_from_civil (int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0? y: y - 399) / 400;
    unsigned yoe = (unsigned) (y - era * 400);
    unsigned doy = (153 * (m + (m > 2? -3: 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}

static void
s_civil_from_days (int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0? z: z - 146096) / 146097;
    unsigned doe = (unsigned) (z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10? mp + 3: mp - 9;
    *y = (int64_t) yoe + era * 400 + (*m <= 2);
}

char *
hrw_clock_format (int64_t t, char *out, size_t cap)
{
    if (t == HRW_TIME_NONE) {
        snprintf (out, cap, "-");
        return out;
    }
    int64_t secs = t >= 0? t / HRW_US_PER_SEC: -((-t + HRW_US_PER_SEC - 1) / HRW_US_PER_SEC);
    int64_t frac = t - secs * HRW_US_PER_SEC;
    int64_t days = secs >= 0? secs / 86400: -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    s_civil_from_days (days, &y, &m, &d);
    int n = snprintf (out, cap, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long) y, m, d,
                      (int) (rem / 3600), (int) (rem / 60 % 60), (int) (rem % 60));
    if (n > 0 && (size_t) n < cap) {
        //  As protobuf's JSON mapping does: 3 or 6 digits, as needed.
        if (frac % 1000 == 0 && frac)
            snprintf (out + n, cap - n, ".%03lldZ", (long long) (frac / 1000));
        else if (frac)
            snprintf (out + n, cap - n, ".%06lldZ", (long long) frac);
        else
            snprintf (out + n, cap - n, "Z");
    }
    return out;
}

static int
s_digits (const char **p, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *value = v;
    return 0;
}

static int
s_days_in_month (int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap? 29: days[m - 1];
}

int
hrw_clock_parse (const char *text, int64_t *seconds, int32_t *nanos)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0, nano = 0, off = 0;
    if (s_digits (&p, 4, &y) || *p++ != '-' || s_digits (&p, 2, &mo) || *p++ != '-'
        || s_digits (&p, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > s_days_in_month (y, mo))
        return -1;
    if (*p == '\0')
        goto done;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (s_digits (&p, 2, &h) || *p++ != ':' || s_digits (&p, 2, &mi) || *p++ != ':'
        || s_digits (&p, 2, &s))
        return -1;
    if (h > 23 || mi > 59 || s > 59)
        return -1;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 9)
                nano = nano * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return -1;
        for (; n < 9; n++)
            nano *= 10;
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-'? -1: 1, oh, om;
        if (s_digits (&p, 2, &oh) || *p++ != ':' || s_digits (&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    else
        return -1;
    if (*p != '\0')
        return -1;
done:
    *seconds = s_days_from_civil (y, (unsigned) mo, (unsigned) d) * 86400 + h * 3600 + mi * 60
             + s - off;
    *nanos = nano;
    return 0;
}
