/*  detect_tenure: early-tenure exits. Per unit (and its subtree) and for the
    whole company, cumulative counts of voluntary exits and of those that
    came within early_tenure_days of the person's hire, time-indexed, so a
    window is two reads. A unit's share of early exits in the trailing
    window is tested against the rest of the company's share (a one-sided
    binomial tail). */
#include "workers/detect_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/stats.h"

#define S_COMPANY ""        //  Series key for the whole company

//  Exits of the rest of the company over the baseline before the share is
//  taken as known: fewer say little about what is normal.
#define S_MIN_REST 20

//  A unit's exits since the beginning, at one instant.
typedef struct {
    uint64_t voluntary;         //  Voluntary exits, reductions in force excluded
    uint64_t early;             //  ... of which within early_tenure_days of the hire
} s_tenure_t;

// ---------------------------------------------------------------------------
// Early-tenure exits

static int
s_tenure_at (hrw_detect_t *self, const char *unit, int64_t t, s_tenure_t *out)
{
    int64_t at;
    return hrw_detect__series_at (self, self->db_tenure, unit, t, out, sizeof (*out), &at);
}

static int
s_tenure_add (hrw_detect_t *self, const char *unit, int64_t clock, int early)
{
    s_tenure_t p;
    int rc = s_tenure_at (self, unit, clock, &p);
    if (rc)
        return rc;
    p.voluntary++;
    p.early += early? 1: 0;
    return hrw_detect__series_put (self, self->db_tenure, unit, clock, &p, sizeof (p));
}

static void
s_tenure_fix (void *rec, int64_t dt, const void *arg)
{
    s_tenure_t *p = rec;
    const s_tenure_t *d = arg;
    (void) dt;
    p->voluntary += d->voluntary;
    p->early += d->early;
}

//  Counts an exit (early or not) at the clock, or takes a voided one back
//  from when it counted (at).
static int
s_tenure_change (hrw_detect_t *self, const char *unit, int64_t clock, int64_t at, int early,
                 int voiding)
{
    if (!voiding)
        return s_tenure_add (self, unit, clock, early);
    s_tenure_t d = { (uint64_t) -1, early? (uint64_t) -1: 0 };
    return hrw_detect__series_fix (self, self->db_tenure, unit, at == HRW_TIME_NONE? clock: at,
                                   sizeof (d), NULL, s_tenure_fix, &d);
}

int
hrw_detect__tenure_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                         const char *trigger)
{
    const hrw_detect_opts_t *o = &self->opts;
    int64_t w0 = clock - (int64_t) o->early_tenure_window_days * S_DAY_US;
    int64_t b0 = clock - (int64_t) o->early_tenure_baseline_days * S_DAY_US;
    s_tenure_t now, start, base, cnow, cbase;
    int rc = s_tenure_at (self, unit, clock, &now);
    if (!rc) rc = s_tenure_at (self, unit, w0, &start);
    if (!rc) rc = s_tenure_at (self, unit, b0, &base);
    if (!rc) rc = s_tenure_at (self, S_COMPANY, clock, &cnow);
    if (!rc) rc = s_tenure_at (self, S_COMPANY, b0, &cbase);
    if (rc)
        return rc;
    uint64_t n = now.voluntary - start.voluntary, k = now.early - start.early;
    //  What is normal is the rest of the company's share over the baseline
    //  (the unit's own exits left out, so a unit cannot set its own bar; a
    //  year, so one quarter's hiring does not move it), with half an early
    //  exit in one added so that none seen is not taken as none possible.
    double rest_n = (double) (cnow.voluntary - cbase.voluntary)
                  - (double) (now.voluntary - base.voluntary);
    double rest_k = (double) (cnow.early - cbase.early) - (double) (now.early - base.early);
    double p0 = (rest_k + 0.5) / (rest_n + 1.0);
    int judged = rest_n >= S_MIN_REST;
    double p = judged? hrw_stats_binomial_sf (k, n, p0): 1.0;
    int was = hrw_alerts_is_firing (self->alerts, K (EARLY_TENURE_EXITS), unit, NULL);
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (EARLY_TENURE_EXITS), unit, unit, trigger);
    //  The company's share moves with the clock alone: only a new count is
    //  news.
    e.drifts = 1;
    int enough = k >= o->early_tenure_min_exits;
    //  It fires below alpha and holds until the window no longer supports
    //  it (above resolve_p, or fewer early exits than the minimum), so a
    //  share near the threshold does not flicker.
    //  Nor does it fire again within turnover's window (window_days) of
    //  resolving: the next early exit after a resolution would otherwise
    //  raise it again at once. When it last resolved is kept under the
    //  unit's bare id, which no series key is.
    int64_t resolved = HRW_TIME_NONE;
    rc = hrw_table_get_fixed (self->store, self->db_tenure, unit, strlen (unit), &resolved,
                              sizeof (resolved));
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    int calm = rc || resolved == HRW_TIME_NONE
            || clock - resolved >= (int64_t) o->window_days * S_DAY_US;
    e.firing = was? enough && p <= o->resolve_p: calm && enough && p < o->early_tenure_alpha;
    if (was && !e.firing
        && (rc = hrw_table_put (self->store, self->db_tenure, unit, strlen (unit), &clock,
                                sizeof (clock), 0)))
        return rc;
    if (hrw_detect__quiet (self, &e))
        return 0;
    e.observed = (double) k;
    e.expected = p0 * (double) n;
    e.p_value = p;
    double share = n? (double) k / (double) n: 0;
    hrw_detect__detail (&e, "early_exits", (double) k);
    hrw_detect__detail (&e, "voluntary_exits", (double) n);
    hrw_detect__detail (&e, "share", share);
    hrw_detect__detail (&e, "company_share", p0);
    hrw_detect__detail (&e, "window_days", (double) o->early_tenure_window_days);
    hrw_detect__detail (&e, "early_tenure_days", (double) o->early_tenure_days);
    //  Counts and shares only: never who left.
    snprintf (e.summary, sizeof (e.summary),
              "%llu of %llu voluntary exits in %s in the last %u days came within %u days of "
              "hire (%.0f%%, company %.0f%%), p=%.2g", (unsigned long long) k,
              (unsigned long long) n, unit, o->early_tenure_window_days, o->early_tenure_days,
              100 * share, 100 * p0, p);
    return hrw_detect__update (self, &e, clock);
}

//  A voluntary exit (a reduction in force is not one) is counted, early or
//  not, in the leaver's unit, its ancestors and the company; then the unit
//  and its ancestors are judged.
int
hrw_detect__tenure_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                           const char *employee, const hrw_detect_before_t *b, int64_t clock)
{
    //  Applied: the leaver was active before; taken back: it was the exit
    //  in force.
    int64_t left = hrw_clock_from_parts (ev->occurred_at->seconds, ev->occurred_at->nanos);
    if (ev->body_case != HRWATCH__V1__EVENT__BODY_EXIT || !b->had_employee
        || b->employee.status != (b->voiding? HRW_EMP_EXITED: HRW_EMP_ACTIVE)
        || (b->voiding && b->employee.exited_us != left))
        return 0;
    const Hrwatch__V1__Exit *x = ev->exit;
    if (x->type != HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY || x->reduction_in_force)
        return 0;
    hrw_employee_info_t now;
    if (!b->voiding
        && (hrw_store_employee (self->store, employee, &now) || now.status == HRW_EMP_ACTIVE))
        return 0;
    //  Tenure is measured to when the exit happened, not to when it was
    //  counted: a late exit is no longer for being sent late.
    int64_t hired = b->employee.hired_us;
    int early = hired != HRW_TIME_NONE && left >= hired
             && left - hired <= (int64_t) self->opts.early_tenure_days * S_DAY_US;
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, b->employee.unit, chain);
    int rc = s_tenure_change (self, S_COMPANY, clock, b->counted_us, early, b->voiding);
    for (size_t i = 0; !rc && i < n; i++)
        rc = s_tenure_change (self, chain[i], clock, b->counted_us, early, b->voiding);
    for (size_t i = 0; !rc && i < n; i++)
        rc = hrw_detect__tenure_eval (self, chain[i], clock, ev->event_id);
    return rc;
}
