/*  detect_history: the turnover detector's per-unit series read back as
    calendar months (headcount, voluntary exits, person-days, and what the
    baseline expected), for the leaders' report. Read-only: it runs inside
    the caller's read scope and writes nothing. */
#include "workers/detect_int.h"

#include <math.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/keys.h"

//  A point of the series as detect_turnover.c writes it (its s_point_t):
//  records of another size are not read, so a change there shows up as
//  empty history here, never as wrong numbers.
typedef struct {
    int64_t headcount;
    double person_days;
    uint64_t voluntary;
    uint64_t regretted;
    uint64_t rif;
} s_point_t;

//  The series key "unit\0" and the time; returns its length.
static size_t
s_key (const char *unit, int64_t t, uint8_t buf[HRW_ID_MAX + 9])
{
    size_t n = strnlen (unit, HRW_ID_MAX);
    memcpy (buf, unit, n);
    buf[n] = '\0';
    hrw_key_put_time (buf + n + 1, t);
    return n + 9;
}

//  The unit's series at t: its last point at or before t, person-days
//  carried forward to t; zero before its first point.
static int
s_point_at (hrw_detect_t *self, const char *unit, int64_t t, s_point_t *out)
{
    memset (out, 0, sizeof (*out));
    uint8_t kb[HRW_ID_MAX + 9], want[HRW_ID_MAX + 9];
    hrw_bytes_t k = { kb, s_key (unit, t == INT64_MAX? t: t + 1, kb) }, v;
    size_t wlen = s_key (unit, t, want);
    size_t plen = wlen - 8;
    hrw_cursor_t *cur;
    int rc = hrw_cursor_open (self->store, self->db_series, &cur);
    if (rc)
        return rc;
    rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v);
    rc = hrw_cursor_get (cur, rc == 0? HRW_CURSOR_PREV: HRW_CURSOR_LAST, &k, &v);
    if (rc == 0 && k.len == wlen && !memcmp (k.data, want, plen) && v.len == sizeof (*out)) {
        memcpy (out, v.data, sizeof (*out));
        int64_t at = hrw_key_get_time ((const uint8_t *) k.data + plen);
        out->person_days += (double) out->headcount * (double) (t - at) / (double) S_DAY_US;
    }
    hrw_cursor_close (&cur);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

int
hrw_detect_history_months (hrw_detect_t *self, const char *unit, hrw_history_month_t *months,
                           size_t n)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        hrw_history_month_t *m = &months[i];
        s_point_t a, b;
        hrw_unit_turnover_t t;
        if ((rc = s_point_at (self, unit, m->start_us - 1, &a))
            || (rc = s_point_at (self, unit, m->end_us - 1, &b))
            || (rc = hrw_detect_unit_turnover (self, unit, m->end_us, &t)))
            break;
        //  The series counts an exit at its event time: an exit at the
        //  month's first instant is the month's, so both ends are taken
        //  just before the instant.
        m->headcount = b.headcount;
        m->voluntary = b.voluntary >= a.voluntary? b.voluntary - a.voluntary: 0;
        m->person_days = b.person_days > a.person_days? b.person_days - a.person_days: 0;
        m->expected = t.baseline_annualised / 365 * m->person_days;
        m->judged = t.judged;
        m->expected_low = hrw_detect_poisson_quantile (m->expected, 0.05);
        m->expected_high = hrw_detect_poisson_quantile (m->expected, 0.95);
    }
    return rc;
}

uint32_t
hrw_detect_poisson_quantile (double mean, double q)
{
    if (!(mean > 0))
        return 0;
    //  Past a mean of 1000 the terms underflow; the normal approximation
    //  is within a count there.
    if (mean > 1000) {
        double z = q < 0.5? -1.6448536269514722: 1.6448536269514722;
        double k = ceil (mean + z * sqrt (mean) - 0.5);
        return k > 0? (uint32_t) k: 0;
    }
    double term = exp (-mean), cdf = term;
    uint32_t k = 0;
    while (cdf < q && k < 100000) {
        k++;
        term *= mean / k;
        cdf += term;
    }
    return k;
}
