/*  detect_manager: manager hotspots. Per manager, a time-indexed series of
    their direct reports (how many, person-days, voluntary exits), moved as
    hires, transfers and exits change whom people report to. Voluntary
    exits among one manager's reports over the trailing window are tested
    against what the baseline of the unit most of them are in predicts for
    the person-days they were there: the window's exits against the
    baseline's, conditionally on their sum, so that the noise of a
    baseline of one year is allowed for. */
#include "workers/detect_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/stats.h"

//  A manager's reports since the beginning, at one instant.
typedef struct {
    int64_t reports;            //  Direct reports from then on
    double person_days;         //  Their person-days up to then
    uint64_t exits;             //  Voluntary exits among them, reductions
                                //  in force excluded
    uint64_t spare;             //  Zero
} s_team_t;

//  The unit most of a manager's reports are in, by a majority vote of
//  the reports as they join (Boyer-Moore: one record, no list of
//  reports): exact when they are all in one unit, as a team is; a lead
//  promoted from another team is held to their new team's rate, not to
//  the one they came from.
typedef struct {
    char unit[HRW_ID_MAX + 1];  //  The unit leading the vote
    int64_t votes;              //  Its lead
} s_vote_t;

static int
s_vote (hrw_detect_t *self, const char *manager, const char *unit)
{
    s_vote_t v;
    int rc = hrw_detect__get_or_zero (self, self->db_manager_unit, manager, &v, sizeof (v));
    if (rc)
        return rc;
    v.unit[HRW_ID_MAX] = '\0';
    if (v.votes <= 0) {
        memset (v.unit, 0, sizeof (v.unit));
        memcpy (v.unit, unit, strnlen (unit, HRW_ID_MAX));
        v.votes = 1;
    }
    else
        v.votes += strcmp (v.unit, unit)? -1: 1;
    return hrw_detect__put (self, self->db_manager_unit, manager, &v, sizeof (v));
}

//  The manager's series at t, its person-days carried forward to t.
static int
s_team_at (hrw_detect_t *self, const char *manager, int64_t t, s_team_t *out)
{
    int64_t at;
    int rc = hrw_detect__series_at (self, self->db_manager, manager, t, out, sizeof (*out), &at);
    if (!rc && at != HRW_TIME_NONE)
        out->person_days += (double) out->reports * (double) (t - at) / (double) S_DAY_US;
    return rc;
}

static int
s_team_add (hrw_detect_t *self, const char *manager, int64_t clock, int reports, int exits)
{
    s_team_t p;
    int rc = s_team_at (self, manager, clock, &p);
    if (rc)
        return rc;
    p.reports += reports;
    p.exits += (uint64_t) exits;
    return hrw_detect__series_put (self, self->db_manager, manager, clock, &p, sizeof (p));
}

static void
s_team_carry (void *rec, int64_t dt)
{
    s_team_t *p = rec;
    p->person_days += (double) p->reports * (double) dt / (double) S_DAY_US;
}

static void
s_team_fix (void *rec, int64_t dt, const void *arg)
{
    s_team_t *p = rec;
    const s_team_t *d = arg;
    p->reports += d->reports;
    p->person_days += (double) d->reports * (double) dt / (double) S_DAY_US;
    p->exits += d->exits;
}

//  As s_team_add, but from at on: a voided change taken out.
static int
s_team_change (hrw_detect_t *self, const char *manager, int64_t clock, int64_t at, int reports,
               int exits)
{
    if (at == HRW_TIME_NONE || at >= clock)
        return s_team_add (self, manager, clock, reports, exits);
    s_team_t d = { reports, 0, (uint64_t) (int64_t) exits, 0 };
    return hrw_detect__series_fix (self, self->db_manager, manager, at, sizeof (d), s_team_carry,
                                   s_team_fix, &d);
}

int
hrw_detect__manager_eval (hrw_detect_t *self, const char *manager, int64_t clock,
                          const char *trigger)
{
    const hrw_detect_opts_t *o = &self->opts;
    int64_t w0 = clock - (int64_t) o->manager_window_days * S_DAY_US;
    int64_t b0 = w0 - (int64_t) o->baseline_days * S_DAY_US;
    s_team_t now, start;
    int rc = s_team_at (self, manager, clock, &now);
    if (!rc)
        rc = s_team_at (self, manager, w0, &start);
    if (rc)
        return rc;
    //  The unit most of the reports are in sets what is normal: its
    //  baseline over the baseline_days before the window (so the window's
    //  exits do not raise their own bar), shrunk towards the company's as
    //  turnover's is. The alert is filed under the manager's own unit
    //  (where they sit), or that one when the store does not know them.
    s_vote_t v;
    if ((rc = hrw_detect__get_or_zero (self, self->db_manager_unit, manager, &v, sizeof (v))))
        return rc;
    v.unit[HRW_ID_MAX] = '\0';
    hrw_employee_info_t m;
    const char *unit = hrw_store_employee (self->store, manager, &m) == 0? m.unit: v.unit;
    double base_exits, base_pd;
    int judged;
    if ((rc = hrw_detect__unit_rate (self, v.unit, b0, w0, &base_exits, &base_pd, &judged)))
        return rc;
    double rate = base_pd > 0? base_exits / base_pd: 0;
    uint64_t n = now.exits - start.exits;
    double pd = now.person_days - start.person_days;
    if (pd < 0)
        pd = 0;
    double expected = rate * pd;
    //  A Poisson tail against the baseline's point estimate would take a
    //  year's chance high or low for the truth: in a team of hundreds the
    //  window's count is then "significant" every few years. The exits of
    //  the window and of the baseline are compared conditionally on their
    //  sum instead (binomial, with the window's share of the exposure).
    double p = judged? hrw_stats_rate_ratio_sf (n, pd, base_exits, base_pd): 1.0;
    //  The team tested is the larger of those there when the window opened
    //  and those there now with the ones who left in it.
    int64_t team = start.reports > now.reports + (int64_t) n? start.reports
                                                              : now.reports + (int64_t) n;
    int was = hrw_alerts_is_firing (self->alerts, K (MANAGER_HOTSPOT), manager, NULL);
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (MANAGER_HOTSPOT), manager, unit, trigger);
    e.drifts = 1;
    int enough = n >= o->manager_min_exits;
    e.firing = was? enough && p <= o->resolve_p
                  : enough && team >= (int64_t) o->manager_min_reports && p < o->manager_alpha;
    if (hrw_detect__quiet (self, &e))
        return 0;
    e.observed = (double) n;
    e.expected = expected;
    e.p_value = p;
    hrw_detect__detail (&e, "reports", (double) now.reports);
    hrw_detect__detail (&e, "reports_at_start", (double) start.reports);
    hrw_detect__detail (&e, "person_days", pd);
    hrw_detect__detail (&e, "baseline_annualised_rate", rate * 365);
    hrw_detect__detail (&e, "window_days", (double) o->manager_window_days);
    //  Counts only: never who left.
    snprintf (e.summary, sizeof (e.summary),
              "%llu of %s's direct reports left voluntarily in %u days; %.1f expected "
              "(p=%.2g); %lld reports now", (unsigned long long) n, manager,
              o->manager_window_days, expected, p, (long long) now.reports);
    return hrw_detect__update (self, &e, clock);
}

//  Whom a person reports to before and after the event: a report counts
//  for a manager from a hire or a transfer to them until an exit or a
//  transfer to another (a transfer that names no manager keeps the one
//  they had, as the store does).
int
hrw_detect__manager_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                            const char *employee, const hrw_detect_before_t *b, int64_t clock)
{
    hrw_employee_info_t now;
    if (hrw_store_employee (self->store, employee, &now)) {
        memset (&now, 0, sizeof (now));
        now.status = HRW_EMP_UNKNOWN;   //  A voided hire was all there was
    }
    int64_t at = b->voiding? b->counted_us: HRW_TIME_NONE;
    int was_active = b->had_employee && b->employee.status == HRW_EMP_ACTIVE;
    int is_active = now.status == HRW_EMP_ACTIVE;
    int rc = 0;
    if (b->voiding && ev->body_case == HRWATCH__V1__EVENT__BODY_EXIT) {
        //  A voided exit: back in the team, and not among its leavers,
        //  from when it counted.
        int left = ev->exit->type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY
                && !ev->exit->reduction_in_force;
        if (!b->had_employee || b->employee.status != HRW_EMP_EXITED || !*b->employee.manager)
            return 0;
        rc = s_team_change (self, b->employee.manager, clock, at, is_active? 1: 0,
                            left? -1: 0);
        return rc || !left? rc: hrw_detect__manager_eval (self, b->employee.manager, clock,
                                                         ev->event_id);
    }
    const char *was = was_active? b->employee.manager: "";
    const char *is = is_active? now.manager: "";
    if (!strcmp (was, is))
        return 0;
    int left = 0;
    if (was_active && !is_active && ev->body_case == HRWATCH__V1__EVENT__BODY_EXIT)
        left = ev->exit->type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY
            && !ev->exit->reduction_in_force;
    if (*was)
        rc = s_team_change (self, was, clock, at, -1, left);
    if (!rc && *is)
        rc = s_team_change (self, is, clock, at, 1, 0);
    if (!rc && *is)
        rc = s_vote (self, is, now.unit);
    if (!rc && *was && left)
        rc = hrw_detect__manager_eval (self, was, clock, ev->event_id);
    return rc;
}
