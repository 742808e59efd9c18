/*  detect_history: the turnover detector's per-unit series read back as
    calendar months (headcount, voluntary exits, person-days, and what the
    baseline expected), for the leaders' report. Read-only: it runs inside
    the caller's read scope and writes nothing. */
#include "workers/detect_int.h"

#include <math.h>
#include <string.h>

#include "lib/clock.h"

int
hrw_detect_history_months (hrw_detect_t *self, const char *unit, hrw_history_month_t *months,
                           size_t n)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        hrw_history_month_t *m = &months[i];
        hrw_detect_point_t a, b;
        hrw_unit_turnover_t t;
        int64_t at;
        if ((rc = hrw_detect__point_at (self, unit, m->start_us - 1, &a, &at))
            || (rc = hrw_detect__point_at (self, unit, m->end_us - 1, &b, &at))
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
