/*  detect_turnover: per-unit cumulative series of headcount and exits,
    the turnover spike and rise tests, reductions in force, and the
    history that follows a unit moved in the org tree. */
#include "workers/detect_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/keys.h"
#include "lib/stats.h"

#define S_COMPANY ""        //  Series key for the whole company

// ---------------------------------------------------------------------------
// Turnover: per-unit cumulative series

int
hrw_detect__point_at (hrw_detect_t *self, const char *unit, int64_t t, hrw_detect_point_t *out,
                      int64_t *at)
{
    int rc = hrw_detect__series_at (self, self->db_series, unit, t, out, sizeof (*out), at);
    if (!rc && *at != HRW_TIME_NONE)
        out->person_days += (double) out->headcount * (double) (t - *at) / (double) S_DAY_US;
    return rc;
}

static int
s_series_add (hrw_detect_t *self, const char *unit, int64_t clock, const hrw_detect_point_t *delta)
{
    hrw_detect_point_t p;
    int64_t at;
    int rc = hrw_detect__point_at (self, unit, clock, &p, &at);
    if (rc)
        return rc;
    p.headcount += delta->headcount;
    p.voluntary += delta->voluntary;
    p.regretted += delta->regretted;
    p.rif += delta->rif;
    return hrw_detect__series_put (self, self->db_series, unit, clock, &p, sizeof (p));
}

//  Adds delta to the unit, its ancestors and the company.
static int
s_series_chain (hrw_detect_t *self, const char *unit, int64_t clock, const hrw_detect_point_t *delta)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, unit, chain);
    int rc = s_series_add (self, S_COMPANY, clock, delta);
    for (size_t i = 0; !rc && i < n; i++)
        rc = s_series_add (self, chain[i], clock, delta);
    return rc;
}

//  A voided event's change taken out of the series from when it counted.
static void
s_point_carry (void *rec, int64_t dt)
{
    hrw_detect_point_t *p = rec;
    p->person_days += (double) p->headcount * (double) dt / (double) S_DAY_US;
}

static void
s_point_fix (void *rec, int64_t dt, const void *arg)
{
    hrw_detect_point_t *p = rec;
    const hrw_detect_point_t *d = arg;
    p->headcount += d->headcount;
    p->person_days += (double) d->headcount * (double) dt / (double) S_DAY_US;
    p->voluntary += d->voluntary;
    p->regretted += d->regretted;
    p->rif += d->rif;
}

//  Adds delta to the unit, its ancestors and the company: at the clock, or
//  from an earlier time on (at, when an event counted then is taken back).
static int
s_series_change (hrw_detect_t *self, const char *unit, int64_t clock, int64_t at,
                 const hrw_detect_point_t *delta)
{
    if (at == HRW_TIME_NONE || at >= clock)
        return s_series_chain (self, unit, clock, delta);
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, unit, chain);
    int rc = hrw_detect__series_fix (self, self->db_series, S_COMPANY, at, sizeof (*delta),
                                     s_point_carry, s_point_fix, delta);
    for (size_t i = 0; !rc && i < n; i++)
        rc = hrw_detect__series_fix (self, self->db_series, chain[i], at, sizeof (*delta),
                                     s_point_carry, s_point_fix, delta);
    return rc;
}

typedef struct {
    int64_t at;                 //  Event time of the point
    hrw_detect_point_t p;                //  The series there
} s_stamped_t;

typedef struct {
    s_stamped_t *pts;           //  The points, oldest first
    size_t n, cap;
    size_t plen;                //  Length of the "unit\0" prefix
} s_points_t;

#define S_STOP 1    //  A key of another shape: the unit's points are over

static int
s_point_add (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_points_t *all = arg;
    if (k.len != all->plen + 8)
        return S_STOP;
    if (v.len != sizeof (hrw_detect_point_t))
        return 0;
    if (all->n == all->cap) {
        size_t cap = all->cap? all->cap * 2: 64;
        void *p = realloc (all->pts, cap * sizeof (*all->pts));
        if (!p)
            return ENOMEM;
        all->pts = p;
        all->cap = cap;
    }
    all->pts[all->n].at = hrw_key_get_time ((const uint8_t *) k.data + all->plen);
    memcpy (&all->pts[all->n].p, v.data, sizeof (hrw_detect_point_t));
    all->n++;
    return 0;
}

//  Every point of a unit's series, oldest first; *pts is the caller's to
//  free.
static int
s_series_all (hrw_detect_t *self, const char *unit, s_stamped_t **pts, size_t *n)
{
    uint8_t prefix[HRW_ID_MAX + 9];
    s_points_t all = { NULL, 0, 0, hrw_detect__series_key (unit, INT64_MIN, prefix) - 8 };
    *pts = NULL;
    *n = 0;
    int rc = hrw_detect__series_flush (self);     //  Walked in the store
    if (rc)
        return rc;
    rc = hrw_table_prefix_each (self->store, self->db_series, prefix, all.plen, s_point_add,
                                    &all);
    *pts = all.pts;
    *n = all.n;
    return rc == S_STOP? 0: rc;
}

//  The series at t from its points, *i the cursor into them (times asked
//  in order), carried forward as hrw_detect__point_at does.
static hrw_detect_point_t
s_carry (const s_stamped_t *pts, size_t n, size_t *i, int64_t t)
{
    hrw_detect_point_t p;
    memset (&p, 0, sizeof (p));
    while (*i < n && pts[*i].at <= t)
        (*i)++;
    if (*i == 0)
        return p;
    p = pts[*i - 1].p;
    p.person_days += (double) p.headcount * (double) (t - pts[*i - 1].at) / (double) S_DAY_US;
    return p;
}

//  Adds (sign 1) or takes away (-1) the unit's whole series, u, to the
//  ancestor's, point for point: both are piecewise linear in person-days,
//  so the sum is exact at the union of their points.
static int
s_series_merge (hrw_detect_t *self, const char *ancestor, const s_stamped_t *u, size_t nu,
                int sign)
{
    s_stamped_t *a;
    size_t na, ia = 0, iu = 0, ja = 0, ju = 0;
    int rc = s_series_all (self, ancestor, &a, &na);
    if (rc || !nu)
        goto cleanup;
    //  Points of the ancestor's before the unit's first are unchanged.
    while (ja < na && a[ja].at < u[0].at)
        ja++;
    while (!rc && (ja < na || ju < nu)) {
        int64_t t = ju >= nu? a[ja].at: ja >= na? u[ju].at
                  : a[ja].at < u[ju].at? a[ja].at: u[ju].at;
        hrw_detect_point_t pa = s_carry (a, na, &ia, t), pu = s_carry (u, nu, &iu, t);
        pa.headcount += sign * pu.headcount;
        pa.person_days += sign * pu.person_days;
        pa.voluntary = (uint64_t) ((int64_t) pa.voluntary + sign * (int64_t) pu.voluntary);
        pa.regretted = (uint64_t) ((int64_t) pa.regretted + sign * (int64_t) pu.regretted);
        pa.rif = (uint64_t) ((int64_t) pa.rif + sign * (int64_t) pu.rif);
        rc = hrw_detect__series_put (self, self->db_series, ancestor, t, &pa, sizeof (pa));
        while (ja < na && a[ja].at <= t)
            ja++;
        while (ju < nu && u[ju].at <= t)
            ju++;
    }
cleanup:
    free (a);
    return rc;
}

//  The ancestors above a unit's parent, stopping before the unit itself
//  should the tree loop back to it.
static size_t
s_ancestors (hrw_detect_t *self, const char *parent, const char *unit,
             char chain[][HRW_ID_MAX + 1])
{
    size_t n = hrw_detect__chain (self, parent, chain);
    for (size_t i = 0; i < n; i++)
        if (!strcmp (chain[i], unit))
            return i;
    return n;
}

//  Those of a not in b.
static size_t
s_only (char a[][HRW_ID_MAX + 1], size_t na, char b[][HRW_ID_MAX + 1], size_t nb,
        char out[][HRW_ID_MAX + 1])
{
    size_t n = 0;
    for (size_t i = 0; i < na; i++) {
        int in_b = 0;
        for (size_t j = 0; j < nb; j++)
            in_b |= !strcmp (a[i], b[j]);
        if (!in_b)
            memcpy (out[n++], a[i], HRW_ID_MAX + 1);
    }
    return n;
}

//  A unit defined, or given a new parent: its whole history (series and
//  bench counts) leaves the ancestors it had and joins the ones it has, so
//  every figure follows the tree as it is now.
int
hrw_detect__unit_moved (hrw_detect_t *self, const char *unit, const hrw_detect_before_t *b,
                        int64_t clock, const char *trigger)
{
    hrw_unit_info_t now;
    int defined = hrw_store_unit (self->store, unit, &now) == 0 && now.defined;
    if (!defined && !b->voiding)
        return 0;
    if (!defined)
        now.parent[0] = '\0';      //  Its definition voided: no longer under anyone
    const char *was = b->had_unit && b->unit.defined? b->unit.parent: "";
    if (!strcmp (was, now.parent))
        return 0;
    char old[HRW_CHAIN_MAX][HRW_ID_MAX + 1], new[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    char leave[HRW_CHAIN_MAX][HRW_ID_MAX + 1], join[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n_old = s_ancestors (self, was, unit, old);
    size_t n_new = s_ancestors (self, now.parent, unit, new);
    size_t n_leave = s_only (old, n_old, new, n_new, leave);
    size_t n_join = s_only (new, n_new, old, n_old, join);
    s_stamped_t *u;
    size_t nu;
    int rc = s_series_all (self, unit, &u, &nu);
    for (size_t i = 0; !rc && i < n_leave; i++)
        rc = s_series_merge (self, leave[i], u, nu, -1);
    for (size_t i = 0; !rc && i < n_join; i++)
        rc = s_series_merge (self, join[i], u, nu, 1);
    free (u);
    if (!rc)
        rc = hrw_detect__bench_move (self, unit, leave, n_leave, -1, clock, trigger);
    if (!rc)
        rc = hrw_detect__bench_move (self, unit, join, n_join, 1, clock, trigger);
    return rc;
}

//  When the first voluntary exit was seen (the start of exit history).
//  Asked at every judgement, set once: kept while the store's epoch
//  stands.
static int64_t
s_first_exit (hrw_detect_t *self)
{
    uint32_t epoch = hrw_store_epoch (self->store);
    if (self->first_exit_known && self->first_exit_epoch == epoch)
        return self->first_exit;
    int64_t t = HRW_TIME_NONE;
    int rc = hrw_table_get_fixed (self->store, self->db_series, "first_exit", 10, &t, sizeof (t));
    if (rc == 0 || rc == HRW_E_NOTFOUND) {
        self->first_exit = t;
        self->first_exit_epoch = epoch;
        self->first_exit_known = 1;
    }
    return t;
}

static int
s_note_exit (hrw_detect_t *self, int64_t clock)
{
    if (s_first_exit (self) != HRW_TIME_NONE)
        return 0;
    int rc = hrw_table_put (self->store, self->db_series, "first_exit", 10, &clock,
                            sizeof (clock), 0);
    self->first_exit_known = 0;
    return rc;
}

//  A unit's CUSUM (the sustained rise's, or the sharp spike's) as last
//  brought up to date.
typedef struct {
    double s;                   //  The statistic, in log-likelihood units
    int64_t at;                 //  Event time it was brought up to
    int64_t fired_at;           //  When its alert last fired, or HRW_TIME_NONE
    int64_t resolved_at;        //  When its alert last resolved, or HRW_TIME_NONE
} s_cusum_t;

//  Each unit's two CUSUMs are read three times and written twice at every
//  exit above it: the records read or written lately are kept, written
//  through, while the store's epoch stands (this file is their only
//  writer).
#define S_CUSUM_SLOTS 2048

typedef struct {
    uint32_t epoch;             //  The store's when kept
    unsigned table;             //  UINT32_MAX: empty
    int rc;                     //  0, or HRW_E_NOTFOUND
    char unit[HRW_ID_MAX + 1];
    s_cusum_t r;
} s_cusum_slot_t;

struct hrw_cusum_cache {
    s_cusum_slot_t slot[S_CUSUM_SLOTS];
};

hrw_cusum_cache_t *
hrw_cusum_cache_new (void)
{
    hrw_cusum_cache_t *self = calloc (1, sizeof (*self));
    for (size_t i = 0; self && i < S_CUSUM_SLOTS; i++)
        self->slot[i].table = UINT32_MAX;
    return self;
}

void
hrw_cusum_cache_destroy (hrw_cusum_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

static s_cusum_slot_t *
s_cusum_slot (hrw_detect_t *self, hrw_table_t table, const char *unit, size_t len)
{
    uint64_t h = hrw_fnv1a (HRW_FNV_OFFSET, &table.id, sizeof (table.id));
    return &self->cusums->slot[hrw_fnv1a (h, unit, len) % S_CUSUM_SLOTS];
}

static void
s_cusum_keep (hrw_detect_t *self, hrw_table_t table, const char *unit, int rc,
              const s_cusum_t *r)
{
    size_t len = strlen (unit);
    if (len > HRW_ID_MAX)
        return;
    s_cusum_slot_t *c = s_cusum_slot (self, table, unit, len);
    c->epoch = hrw_store_epoch (self->store);
    c->table = table.id;
    c->rc = rc;
    memcpy (c->unit, unit, len + 1);
    c->r = *r;
}

static int
s_cusum_get (hrw_detect_t *self, hrw_table_t table, const char *unit, s_cusum_t *r)
{
    size_t len = strlen (unit);
    s_cusum_slot_t *c = s_cusum_slot (self, table, unit, len);
    if (c->table == table.id && c->epoch == hrw_store_epoch (self->store)
        && !strcmp (c->unit, unit)) {
        if (!c->rc)
            *r = c->r;
        return c->rc;
    }
    int rc = hrw_table_get_fixed (self->store, table, unit, len, r, sizeof (*r));
    if (rc == 0 || rc == HRW_E_NOTFOUND)
        s_cusum_keep (self, table, unit, rc, r);
    return rc;
}

static int
s_cusum_put (hrw_detect_t *self, hrw_table_t table, const char *unit, const s_cusum_t *r)
{
    int rc = hrw_detect__put (self, table, unit, r, sizeof (*r));
    if (!rc)
        s_cusum_keep (self, table, unit, 0, r);
    return rc;
}

//  Brings a unit's CUSUM (kept in table) up to clock: a Poisson CUSUM of
//  "the rate is some multiple of the (shrunk) baseline". Between two
//  updates each of the unit's person-days costs drain and each exit earns
//  gain (log-likelihood units); it never goes below zero. The exit that
//  triggers an update comes last in its interval.
static int
s_cusum_step (hrw_detect_t *self, hrw_table_t table, const char *unit,
              const hrw_unit_turnover_t *t, int64_t clock, double drain, double gain,
              s_cusum_t *r)
{
    hrw_detect_point_t now, then;
    int64_t at;
    int rc = s_cusum_get (self, table, unit, r);
    if (rc == HRW_E_NOTFOUND) {
        memset (r, 0, sizeof (*r));
        r->at = clock;
        r->fired_at = r->resolved_at = HRW_TIME_NONE;
        return 0;
    }
    if (rc || clock <= r->at)
        return rc;
    if ((rc = hrw_detect__point_at (self, unit, clock, &now, &at))
        || (rc = hrw_detect__point_at (self, unit, r->at, &then, &at)))
        return rc;
    double pd = now.person_days - then.person_days;
    double exits = (double) now.voluntary - (double) then.voluntary;
    double cost = drain * (pd > 0? pd: 0);
    if (!t->judged)
        r->s = 0;
    else {
        r->s = r->s > cost? r->s - cost: 0;
        r->s += (exits > 0? exits: 0) * gain;
    }
    r->at = clock;
    return 0;
}

int
hrw_detect_unit_turnover (hrw_detect_t *self, const char *unit, int64_t clock,
                          hrw_unit_turnover_t *t)
{
    const hrw_detect_opts_t *o = &self->opts;
    int64_t w0 = clock - (int64_t) o->window_days * S_DAY_US;
    int64_t b0 = w0 - (int64_t) o->baseline_days * S_DAY_US;
    hrw_detect_point_t now, start, base, cstart, cbase;
    int64_t at;
    int rc = hrw_detect__point_at (self, unit, clock, &now, &at);
    if (!rc) rc = hrw_detect__point_at (self, unit, w0, &start, &at);
    if (!rc) rc = hrw_detect__point_at (self, unit, b0, &base, &at);
    if (!rc) rc = hrw_detect__point_at (self, S_COMPANY, w0, &cstart, &at);
    if (!rc) rc = hrw_detect__point_at (self, S_COMPANY, b0, &cbase, &at);
    if (rc)
        return rc;
    memset (t, 0, sizeof (*t));
    t->headcount = now.headcount;
    t->headcount_at_start = start.headcount;
    t->observed = now.voluntary - start.voluntary;
    t->regretted = now.regretted - start.regretted;
    t->rif = now.rif - start.rif;
    double window_pd = now.person_days - start.person_days;
    double base_exits = (double) (start.voluntary - base.voluntary);
    double base_pd = start.person_days - base.person_days;
    double company_pd = cstart.person_days - cbase.person_days;
    double company_rate = company_pd > 0
        ? (double) (cstart.voluntary - cbase.voluntary) / company_pd: 0;
    //  Shrinkage: a unit's own rate, weighted by its person-days against
    //  prior_person_days of the company's rate.
    double rate = (base_exits + company_rate * o->prior_person_days)
                / (base_pd + o->prior_person_days);
    t->expected = rate * window_pd;
    t->person_days = window_pd;
    //  A rate over a window the unit's people were hardly in (people just
    //  hired, or hires sent late and counted from the clock) is noise: one
    //  exit over a few person-days reads as millions of percent a year. It
    //  takes the people counted now to have been there half the window.
    int64_t people = now.headcount > start.headcount? now.headcount: start.headcount;
    t->rate_known = window_pd > 0
                 && window_pd >= 0.5 * (double) o->window_days * (double) (people > 1? people: 1);
    t->annualised = t->rate_known? (double) t->observed / window_pd * 365: 0;
    t->baseline_annualised = rate * 365;
    //  Exits are judged only once a whole baseline period of them has been
    //  seen: before that, a rate would be measured over people but not over
    //  their exits, and every unit would look like a spike.
    int64_t first_exit = s_first_exit (self);
    t->judged = company_pd > 0 && first_exit != HRW_TIME_NONE && first_exit <= b0;
    t->p_value = t->judged && t->rate_known
               ? hrw_stats_poisson_sf (t->observed, t->expected): 1.0;
    s_cusum_t r;
    if (s_cusum_get (self, self->db_rise, unit, &r) == 0)
        t->rise_cusum = r.s;
    return 0;
}

#define S_RISE_REF 10.0     //  Exits a year above which thresholds tighten
#define S_SPIKE_RATIO 4.0   //  The rate the spike CUSUM looks for, times the baseline

//  The spike CUSUM looks for S_SPIKE_RATIO times the baseline rate: each
//  exit earns ln S_SPIKE_RATIO, each person-day costs lambda0
//  (S_SPIKE_RATIO - 1).
static int
s_spike_step (hrw_detect_t *self, const char *unit, const hrw_unit_turnover_t *t,
              int64_t clock, s_cusum_t *r)
{
    return s_cusum_step (self, self->db_spike, unit, t, clock,
                         t->baseline_annualised / 365 * (S_SPIKE_RATIO - 1), log (S_SPIKE_RATIO),
                         r);
}

//  The sharp-spike test, two ways: exits in the trailing window against
//  the baseline (a Poisson tail probability below alpha), or the spike
//  CUSUM reaching spike_h, which sees a sharp rise within days where the
//  window still dilutes it with the weeks before. It resolves once the
//  window's probability is back above resolve_p and, in its first window,
//  the CUSUM is below its threshold; the CUSUM then starts again from zero,
//  and the alert does not fire again within a window of resolving, so it
//  cannot flap.
static int
s_spike_eval (hrw_detect_t *self, const char *unit, const hrw_unit_turnover_t *t,
              int64_t clock, const char *trigger)
{
    const hrw_detect_opts_t *o = &self->opts;
    s_cusum_t r;
    int rc = s_spike_step (self, unit, t, clock, &r);
    if (rc)
        return rc;
    int was = hrw_alerts_is_firing (self->alerts, K (TURNOVER_SPIKE), unit, NULL);
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (TURNOVER_SPIKE), unit, unit, trigger);
    //  The tests are repeated at every exit: a unit with more than
    //  S_RISE_REF exits a year shares alpha among them, and its CUSUM
    //  threshold grows with the log of its rate, so that false alarms per
    //  unit-year do not grow with its size.
    double per_year = t->baseline_annualised * (double) t->headcount_at_start;
    double alpha = o->alpha * (per_year > S_RISE_REF? S_RISE_REF / per_year: 1);
    double h = o->spike_h + (per_year > S_RISE_REF? log (per_year / S_RISE_REF): 0);
    //  Exits are dated to the day, so a day's exits come all at once, with
    //  none of the day's drain between them: in a big unit that alone
    //  would lift the score by more than the threshold allows for. It is
    //  judged as it will stand at the end of the day: the threshold is
    //  raised by a day's drain.
    h += t->baseline_annualised / 365 * (S_SPIKE_RATIO - 1) * (double) t->headcount;
    //  The size tested is the one shown: the people there when the window
    //  opened, who are the ones who could leave in it.
    int sized = t->headcount_at_start >= (int64_t) o->min_headcount;
    int window_hit = t->p_value < alpha && t->observed >= o->min_exits;
    int cusum_hit = t->judged && t->rate_known && r.s >= h;
    int64_t window = (int64_t) o->window_days * S_DAY_US;
    int calm = r.resolved_at == HRW_TIME_NONE || clock - r.resolved_at > window;
    //  The score remembers a spike in proportion to its size (a month at 6x
    //  takes two more months to drain), so once the alert has stood for a
    //  window it is held only by the window itself.
    int young = r.fired_at != HRW_TIME_NONE && clock - r.fired_at < window;
    e.firing = was? t->p_value <= o->resolve_p || (young && r.s >= h)
                  : calm && sized && (window_hit || cusum_hit);
    if (e.firing && !was)
        r.fired_at = clock;
    if (!e.firing && was) {
        r.resolved_at = clock;
        r.s = 0;
    }
    if ((rc = s_cusum_put (self, self->db_spike, unit, &r)))
        return rc;
    if (!e.firing && !was)
        return 0;
    //  What is shown is always the window: one measure a reader can follow
    //  from one update to the next. The sharp-rise score says why it fired
    //  when the window alone would not have.
    e.observed = (double) t->observed;
    e.expected = t->expected;
    e.p_value = t->p_value;
    hrw_detect__detail (&e, "regretted_exits", (double) t->regretted);
    hrw_detect__detail (&e, "headcount", (double) t->headcount_at_start);
    hrw_detect__detail (&e, "headcount_now", (double) t->headcount);
    hrw_detect__detail (&e, "annualised_rate", t->annualised);
    hrw_detect__detail (&e, "baseline_annualised_rate", t->baseline_annualised);
    hrw_detect__detail (&e, "window_days", (double) o->window_days);
    hrw_detect__detail (&e, "cusum", r.s);
    hrw_detect__detail (&e, "threshold", h);
    char why[96] = "";
    if (r.s >= h)
        snprintf (why, sizeof (why), ", a sharp rise (score %.1f, fires at %.1f)", r.s, h);
    snprintf (e.summary, sizeof (e.summary),
              "%s: %llu voluntary exit%s in %u days (%llu regretted) against %.1f expected, "
              "p=%.2g%s; headcount %lld at the window's start, %lld now", unit,
              (unsigned long long) t->observed, t->observed == 1? "": "s", o->window_days,
              (unsigned long long) t->regretted, t->expected, t->p_value, why,
              (long long) t->headcount_at_start, (long long) t->headcount);
    return hrw_detect__update (self, &e, clock);
}

//  The rise CUSUM looks for a doubling of the baseline rate: the reference
//  value k of a doubling is lambda0 (2 - 1) / ln 2 exits, so in
//  log-likelihood units each person-day costs lambda0 and each exit earns
//  ln 2.
static int
s_rise_step (hrw_detect_t *self, const char *unit, const hrw_unit_turnover_t *t,
             int64_t clock, s_cusum_t *r)
{
    return s_cusum_step (self, self->db_rise, unit, t, clock, t->baseline_annualised / 365,
                         M_LN2, r);
}

//  The sustained-rise test. It fires when the CUSUM reaches rise_h in a unit
//  of min_headcount; it resolves once it has fired for a whole window and
//  the exits of the last three windows are no more than the baseline
//  expects, and then starts again from zero; it does not fire again within
//  a window of resolving. So it neither flickers nor holds for months once
//  exits are back to normal.
static int
s_rise_eval (hrw_detect_t *self, const char *unit, const hrw_unit_turnover_t *t,
             int64_t clock, const char *trigger)
{
    const hrw_detect_opts_t *o = &self->opts;
    s_cusum_t r;
    int rc = s_rise_step (self, unit, t, clock, &r);
    if (rc)
        return rc;
    int64_t window = (int64_t) o->window_days * S_DAY_US;
    int was = hrw_alerts_is_firing (self->alerts, K (TURNOVER_RISE), unit, NULL);
    hrw_detect_point_t now, back;
    int64_t at;
    if ((rc = hrw_detect__point_at (self, unit, clock, &now, &at))
        || (rc = hrw_detect__point_at (self, unit, clock - 3 * window, &back, &at)))
        return rc;
    double pd3 = now.person_days - back.person_days;
    double exits3 = (double) now.voluntary - (double) back.voluntary;
    double expected3 = t->baseline_annualised / 365 * pd3;
    //  A CUSUM's false alarms come at a steady rate per expected exit, so a
    //  big unit would have more of them a year than a small one: above
    //  S_RISE_REF exits a year the threshold grows with the log of the
    //  unit's rate, which keeps false alarms per unit-year level.
    double per_year = t->baseline_annualised * (double) t->headcount_at_start;
    double h = o->rise_h + (per_year > S_RISE_REF? log (per_year / S_RISE_REF): 0);
    int calm = r.resolved_at == HRW_TIME_NONE || clock - r.resolved_at >= window;
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (TURNOVER_RISE), unit, unit, trigger);
    if (was)
        e.firing = !(clock - r.fired_at >= window && exits3 <= expected3);
    else
        e.firing = calm && t->judged && r.s >= h
                && t->headcount_at_start >= (int64_t) o->min_headcount;
    if (e.firing && !was)
        r.fired_at = clock;
    if (!e.firing && was) {
        r.resolved_at = clock;
        r.s = 0;
    }
    if ((rc = s_cusum_put (self, self->db_rise, unit, &r)))
        return rc;
    if (!e.firing && !was)
        return 0;
    e.observed = exits3;
    e.expected = expected3;
    hrw_detect__detail (&e, "cusum", r.s);
    hrw_detect__detail (&e, "threshold", h);
    hrw_detect__detail (&e, "headcount", (double) t->headcount_at_start);
    hrw_detect__detail (&e, "headcount_now", (double) t->headcount);
    hrw_detect__detail (&e, "baseline_annualised_rate", t->baseline_annualised);
    snprintf (e.summary, sizeof (e.summary),
              "%s: voluntary exits running above the baseline of %.1f%% a year: %.0f in the "
              "last %u days against %.1f expected; headcount %lld at the window's start, "
              "%lld now", unit, t->baseline_annualised * 100, exits3, 3 * o->window_days,
              expected3, (long long) t->headcount_at_start, (long long) t->headcount);
    return hrw_detect__update (self, &e, clock);
}

int
hrw_detect__turnover_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                           const char *trigger)
{
    hrw_unit_turnover_t t;
    int rc = hrw_detect_unit_turnover (self, unit, clock, &t);
    if (!rc)
        rc = s_spike_eval (self, unit, &t, clock, trigger);
    if (!rc)
        rc = s_rise_eval (self, unit, &t, clock, trigger);
    return rc;
}

int
hrw_detect__rif_eval (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    hrw_detect_point_t now, start;
    int64_t at;
    int64_t w0 = clock - (int64_t) self->opts.window_days * S_DAY_US;
    int rc = hrw_detect__point_at (self, unit, clock, &now, &at);
    if (!rc)
        rc = hrw_detect__point_at (self, unit, w0, &start, &at);
    if (rc)
        return rc;
    uint64_t n = now.rif - start.rif;
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (REDUCTION_IN_FORCE), unit, unit, trigger);
    e.severity = SEV (INFO);
    e.firing = n > 0;
    if (hrw_detect__quiet (self, &e))
        return 0;
    e.observed = (double) n;
    snprintf (e.summary, sizeof (e.summary),
              "%s: %llu exits in a reduction in force in the last %u days; they are not "
              "counted as voluntary turnover", unit, (unsigned long long) n,
              self->opts.window_days);
    return hrw_detect__update (self, &e, clock);
}

//  The exit's counts (the sign: 1 counted, -1 taken back), into d.
static void
s_exit_counts (const Hrwatch__V1__Exit *x, int sign, hrw_detect_point_t *d)
{
    int voluntary = x->type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY;
    d->rif = (uint64_t) (int64_t) (x->reduction_in_force? sign: 0);
    d->voluntary = (uint64_t) (int64_t) (voluntary && !x->reduction_in_force? sign: 0);
    d->regretted = (uint64_t) (int64_t) (voluntary && !x->reduction_in_force && x->regretted
                                         ? sign: 0);
}

//  Re-judges the unit and its ancestors after their exits changed.
static int
s_exits_judged (hrw_detect_t *self, const char *unit, const hrw_detect_point_t *d,
                int64_t clock, const char *trigger)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, unit, chain);
    int rc = 0;
    for (size_t i = 0; !rc && d->voluntary && i < n; i++)
        rc = hrw_detect__turnover_eval (self, chain[i], clock, trigger);
    if (!rc && d->rif && *unit)
        rc = hrw_detect__rif_eval (self, unit, clock, trigger);
    return rc;
}

//  A voided exit: its counts come out of its unit's series from when they
//  counted, and the person is back in the headcount from then on.
static int
s_exit_taken_back (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                   const hrw_detect_before_t *b, const hrw_employee_info_t *now, int64_t clock)
{
    int64_t t = hrw_clock_from_parts (ev->occurred_at->seconds, ev->occurred_at->nanos);
    //  Counted only if it was the exit in force.
    if (!b->had_employee || b->employee.status != HRW_EMP_EXITED || b->employee.exited_us != t)
        return 0;
    hrw_detect_point_t d;
    memset (&d, 0, sizeof (d));
    s_exit_counts (ev->exit, -1, &d);
    d.headcount = now->status == HRW_EMP_ACTIVE? 1: 0;
    int rc = s_series_change (self, b->employee.unit, clock, b->counted_us, &d);
    return rc? rc: s_exits_judged (self, b->employee.unit, &d, clock, ev->event_id);
}

//  Headcount and exits as a person event changes them (or, voided, as
//  taking it back does).
int
hrw_detect__turnover_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                             const char *employee, const hrw_detect_before_t *b, int64_t clock)
{
    hrw_employee_info_t now;
    if (hrw_store_employee (self->store, employee, &now)) {
        memset (&now, 0, sizeof (now));
        now.status = HRW_EMP_UNKNOWN;   //  A voided hire was all there was
    }
    if (b->voiding && ev->body_case == HRWATCH__V1__EVENT__BODY_EXIT)
        return s_exit_taken_back (self, ev, b, &now, clock);
    int64_t at = b->voiding? b->counted_us: HRW_TIME_NONE;
    int was_active = b->had_employee && b->employee.status == HRW_EMP_ACTIVE;
    int is_active = now.status == HRW_EMP_ACTIVE;
    const char *was_unit = was_active? b->employee.unit: "";
    if (was_active && is_active && !strcmp (was_unit, now.unit))
        return 0;
    hrw_detect_point_t d;
    int rc = 0;
    if (was_active) {
        memset (&d, 0, sizeof (d));
        d.headcount = -1;
        if (!is_active && ev->body_case == HRWATCH__V1__EVENT__BODY_EXIT)
            s_exit_counts (ev->exit, 1, &d);
        if ((rc = s_series_change (self, was_unit, clock, at, &d)))
            return rc;
        if (d.voluntary && (rc = s_note_exit (self, clock)))
            return rc;
        rc = s_exits_judged (self, was_unit, &d, clock, ev->event_id);
    }
    if (!rc && is_active) {
        memset (&d, 0, sizeof (d));
        d.headcount = 1;
        rc = s_series_change (self, now.unit, clock, at, &d);
    }
    return rc;
}

// ---------------------------------------------------------------------------
// A unit's baseline rate, for the manager hotspot (detect_manager.c)

int
hrw_detect__unit_rate (hrw_detect_t *self, const char *unit, int64_t from, int64_t to,
                       double *exits, double *person_days, int *judged)
{
    hrw_detect_point_t a, b, ca, cb;
    int64_t at;
    int rc = hrw_detect__point_at (self, unit, from, &a, &at);
    if (!rc) rc = hrw_detect__point_at (self, unit, to, &b, &at);
    if (!rc) rc = hrw_detect__point_at (self, S_COMPANY, from, &ca, &at);
    if (!rc) rc = hrw_detect__point_at (self, S_COMPANY, to, &cb, &at);
    if (rc)
        return rc;
    double company_pd = cb.person_days - ca.person_days;
    double company_rate = company_pd > 0
        ? (double) (cb.voluntary - ca.voluntary) / company_pd: 0;
    double pd = b.person_days - a.person_days;
    double prior = self->opts.prior_person_days;
    *exits = (double) (b.voluntary - a.voluntary) + company_rate * prior;
    *person_days = (pd > 0? pd: 0) + prior;
    int64_t first_exit = s_first_exit (self);
    *judged = company_pd > 0 && first_exit != HRW_TIME_NONE && first_exit <= from;
    return 0;
}
