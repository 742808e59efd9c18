/*  detect_engagement: survey cycles decided once when they close, each
    as one family of unit tests under the Benjamini-Hochberg rule. */
#include "workers/detect_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/stats.h"

// ---------------------------------------------------------------------------
// Engagement
//
// Survey cycles are judged once, when they close: an open cycle's scores
// move with each answer, so testing them would alert on partial data and
// flap, and showing them would give single answers away. All units of a
// cycle are one family of tests, decided together when the cycle closes for
// every unit (a SurveyCycleClosed without a unit, or survey_close_days after
// its first response), with the Benjamini-Hochberg rule across the family.

#define S_BASE_MAX 20         //  Most previous cycles a baseline pools

//  A previous closed cycle of a unit, as a baseline candidate.
typedef struct {
    char id[HRW_ID_MAX + 1];
    int64_t decided;                //  When its family was decided
    hrw_survey_info_t info;         //  Its aggregate
} s_prev_t;

//  What the family keeps of each unit: only what Benjamini-Hochberg needs,
//  so that closing a cycle across 100k units costs a few MiB. The rest is
//  read again, unit by unit, when the verdicts are written.
typedef struct {
    char unit[HRW_ID_MAX + 1];
    uint8_t compared;               //  Both at or above the anonymity threshold
    uint8_t enps_compared;          //  ... for eNPS answers too
    double mean_p, enps_p;          //  One-sided p-values of the drops
} s_member_t;

//  One unit's test, worked out in full.
typedef struct {
    hrw_survey_info_t now;          //  This cycle's final aggregate
    s_prev_t prev[S_BASE_MAX];      //  Previous closed cycles, latest first
    size_t n_prev;
    hrw_survey_info_t base;         //  The baseline: some of prev, pooled
    uint32_t base_cycles;           //  ... how many
    char base_to[HRW_ID_MAX + 1];   //  ... the latest of them
} s_test_t;

typedef struct {
    hrw_detect_t *self;
    const char *cycle;              //  Being decided
    s_test_t *t;                    //  The unit being tested
    s_member_t *members;            //  The family
    size_t n, cap;
    int rc;                         //  First failure in a callback
} s_family_t;

static int
s_decided_at (hrw_detect_t *self, const char *cycle, int64_t *at)
{
    return hrw_table_get_fixed (self->store, self->db_decided, cycle, strlen (cycle), at,
                                sizeof (*at));
}

//  1 when a comes after b: decided later (ties by first response, then id).
static int
s_prev_after (const s_prev_t *a, const s_prev_t *b)
{
    if (a->decided != b->decided)
        return a->decided > b->decided;
    if (a->info.first_us != b->info.first_us)
        return a->info.first_us > b->info.first_us;
    return strcmp (a->id, b->id) > 0;
}

//  Keeps the unit's latest closed cycles before this one, latest first.
static void
s_prev_seen (const char *cycle, const hrw_survey_info_t *info, void *arg)
{
    s_family_t *f = arg;
    s_test_t *t = f->t;
    s_prev_t c;
    if (!strcmp (cycle, f->cycle))
        return;
    int rc = s_decided_at (f->self, cycle, &c.decided);
    if (rc) {
        if (rc != HRW_E_NOTFOUND && !f->rc)
            f->rc = rc;
        return;
    }
    snprintf (c.id, sizeof (c.id), "%s", cycle);
    c.info = *info;
    size_t keep = f->self->opts.engagement_baseline_cycles;
    keep = keep < 1? 1: keep > S_BASE_MAX? S_BASE_MAX: keep;
    size_t i = t->n_prev;
    while (i > 0 && s_prev_after (&c, &t->prev[i - 1]))
        i--;
    if (i >= keep)
        return;
    size_t last = t->n_prev < keep? t->n_prev: keep - 1;
    memmove (&t->prev[i + 1], &t->prev[i], (last - i) * sizeof (t->prev[0]));
    t->prev[i] = c;
    if (t->n_prev < keep)
        t->n_prev++;
}

static void
s_pool (hrw_survey_info_t *into, const hrw_survey_info_t *from)
{
    into->responses += from->responses;
    into->enps_responses += from->enps_responses;
    for (int i = 0; i < 5; i++)
        into->engagement[i] += from->engagement[i];
    for (int i = 0; i <= 10; i++)
        into->enps[i] += from->enps[i];
}

//  The baseline: the unit's latest closed cycles of at least min_respondents
//  each, pooled, up to engagement_baseline_cycles of them, and none older
//  than a cycle whose drop was reported: a reported drop is the new level,
//  so the next cycle is judged against it and the alert does not repeat.
static void
s_baseline (hrw_detect_t *self, const char *unit, s_test_t *t)
{
    memset (&t->base, 0, sizeof (t->base));
    t->base_cycles = 0;
    t->base_to[0] = 0;
    for (size_t i = 0; i < t->n_prev; i++) {
        const s_prev_t *c = &t->prev[i];
        if (c->info.responses < self->opts.min_respondents)
            continue;
        s_pool (&t->base, &c->info);
        if (t->base_cycles++ == 0)
            snprintf (t->base_to, sizeof (t->base_to), "%s", c->id);
        if (hrw_alerts_has_fired (self->alerts, K (ENGAGEMENT_DROP), unit, c->id))
            break;
    }
}

static void
s_family_add (const char *unit, void *arg)
{
    s_family_t *f = arg;
    if (f->rc)
        return;
    if (f->n == f->cap) {
        size_t cap = f->cap? 2 * f->cap: 64;
        s_member_t *m = realloc (f->members, cap * sizeof (*m));
        if (!m) {
            f->rc = ENOMEM;
            return;
        }
        f->members = m;
        f->cap = cap;
    }
    s_member_t *m = &f->members[f->n++];
    memset (m, 0, sizeof (*m));
    snprintf (m->unit, sizeof (m->unit), "%s", unit);
}

static double
s_mean (const hrw_survey_info_t *s)
{
    return hrw_stats_from_histogram (s->engagement, 5, 1).mean;
}

static double
s_enps (const hrw_survey_info_t *s)
{
    return hrw_stats_nps (s->enps, s->enps_responses);
}

//  Tests one unit's drops from its baseline. Nothing is tested for a group
//  below the anonymity threshold.
static int
s_member_test (hrw_detect_t *self, s_family_t *f, s_member_t *m)
{
    uint32_t min = self->opts.min_respondents;
    s_test_t *t = f->t;
    int rc = hrw_store_survey (self->store, m->unit, f->cycle, &t->now);
    if (rc == HRW_E_NOTFOUND)
        memset (&t->now, 0, sizeof (t->now));     //  Only late answers, or none
    else if (rc)
        return rc;
    t->n_prev = 0;
    if ((rc = hrw_store_surveys_each (self->store, m->unit, s_prev_seen, f)) || f->rc)
        return rc? rc: f->rc;
    s_baseline (self, m->unit, t);
    m->mean_p = m->enps_p = 1.0;
    m->compared = t->base_cycles > 0 && t->now.responses >= min;
    m->enps_compared = m->compared && t->now.enps_responses >= min
                    && t->base.enps_responses >= min;
    if (m->compared)
        m->mean_p = hrw_stats_welch_drop (hrw_stats_from_histogram (t->base.engagement, 5, 1),
                                          hrw_stats_from_histogram (t->now.engagement, 5, 1),
                                          NULL, NULL);
    if (m->enps_compared) {
        double ap, ad, bp, bd;
        hrw_stats_nps_counts (t->base.enps, &ap, &ad);
        hrw_stats_nps_counts (t->now.enps, &bp, &bd);
        m->enps_p = hrw_stats_nps_drop (ap, ad, t->base.enps_responses, bp, bd,
                                        t->now.enps_responses, NULL);
    }
    return 0;
}

//  A unit's p-value: Simes's combination of its mean and eNPS tests. The
//  two answer one question (did this unit's engagement drop?) and move
//  together, so counting them as two tests would halve the bar for no
//  reason; Simes's test holds its level for such positively dependent tests.
static double
s_unit_p (const s_member_t *m)
{
    if (!m->enps_compared)
        return m->mean_p;
    double lo = m->mean_p < m->enps_p? m->mean_p: m->enps_p;
    double hi = m->mean_p < m->enps_p? m->enps_p: m->mean_p;
    return 2 * lo < hi? 2 * lo: hi;
}

//  The Benjamini-Hochberg level over the units compared in the family: k q
//  / m when k units are found (every unit found has p at or below it, and
//  none that is not), or -1. It is the level each unit found is tested at,
//  and so the level its own two tests are judged at.
static int
s_family_threshold (s_family_t *f, double q, double *threshold, size_t *tests)
{
    double *p = malloc ((f->n + 1) * sizeof (*p));
    if (!p)
        return ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->members[i].compared)
            p[m++] = s_unit_p (&f->members[i]);
    double last = hrw_stats_bh_threshold (p, m, q);
    size_t found = 0;
    for (size_t i = 0; i < m; i++)
        found += p[i] <= last;
    *threshold = last < 0? -1: (double) found * q / (double) m;
    *tests = m;
    free (p);
    return 0;
}

//  The unit's alert for its previous cycle ends when this one is decided.
static int
s_engagement_supersede (hrw_detect_t *self, const s_member_t *m, const s_test_t *t,
                        const char *cycle, int dropped, int64_t clock, const char *trigger)
{
    if (!t->n_prev || !hrw_alerts_is_firing (self->alerts, K (ENGAGEMENT_DROP), m->unit,
                                             t->prev[0].id))
        return 0;
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (ENGAGEMENT_DROP), m->unit, m->unit, trigger);
    e.cycle = t->prev[0].id;
    e.firing = 0;
    snprintf (e.summary, sizeof (e.summary), "%s, cycle %s: superseded by cycle %s, closed %s",
              m->unit, t->prev[0].id, cycle, dropped? "with a further drop"
              : m->compared? "without a drop": "with too few responses to compare");
    return hrw_detect__update (self, &e, clock);
}

static int
s_engagement_verdict (hrw_detect_t *self, const s_member_t *m, const s_test_t *t,
                      const char *cycle, double threshold, size_t tests, int64_t clock,
                      const char *trigger)
{
    const hrw_detect_opts_t *o = &self->opts;
    double a = s_mean (&t->base), b = s_mean (&t->now);
    double enps_drop = m->enps_compared? s_enps (&t->base) - s_enps (&t->now): 0;
    //  A unit found by the family rule reports the drops that are both
    //  large enough to matter and significant at the family's level (given
    //  the unit's Simes p-value passed, this is Hochberg's rule for its two
    //  tests, and at least one of them passes).
    int found = m->compared && s_unit_p (m) <= threshold;
    int mean_drop = found && a - b >= o->engagement_drop && m->mean_p <= threshold;
    int nps_drop = found && m->enps_compared && enps_drop >= o->enps_drop
                && m->enps_p <= threshold;
    int rc = s_engagement_supersede (self, m, t, cycle, mean_drop || nps_drop, clock, trigger);
    if (rc || !(mean_drop || nps_drop))
        return rc;
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (ENGAGEMENT_DROP), m->unit, m->unit, trigger);
    e.cycle = cycle;
    e.firing = 1;
    e.observed = b;
    e.expected = a;
    e.p_value = mean_drop? m->mean_p: m->enps_p;    //  What the alert stands on
    hrw_detect__detail (&e, "respondents", t->now.responses);
    hrw_detect__detail (&e, "baseline_respondents", t->base.responses);
    hrw_detect__detail (&e, "baseline_cycles", t->base_cycles);
    hrw_detect__detail (&e, "fdr_threshold_p", threshold);
    hrw_detect__detail (&e, "unit_p_value", s_unit_p (m));
    hrw_detect__detail (&e, "family_units", (double) tests);
    if (m->enps_compared) {
        hrw_detect__detail (&e, "enps", s_enps (&t->now));
        hrw_detect__detail (&e, "baseline_enps", s_enps (&t->base));
        hrw_detect__detail (&e, "enps_p_value", m->enps_p);
    }
    hrw_detect__detail (&e, "mean_p_value", m->mean_p);
    //  The drop the alert stands on comes first.
    const char *holds = mean_drop && nps_drop? "both drops hold"
                      : mean_drop? "the mean drop holds": "the eNPS drop holds";
    if (mean_drop)
        snprintf (e.summary, sizeof (e.summary),
                  "%s, cycle %s: engagement %.2f against %.2f in %u cycle%s to %s (p=%.2g); "
                  "eNPS %+.0f against %+.0f (p=%.2g); %s among %zu units at FDR %.0f%%",
                  m->unit, cycle, b, a, t->base_cycles, t->base_cycles == 1? "": "s",
                  t->base_to, m->mean_p, m->enps_compared? s_enps (&t->now): 0,
                  m->enps_compared? s_enps (&t->base): 0, m->enps_p, holds, tests,
                  o->engagement_fdr_q * 100);
    else
        snprintf (e.summary, sizeof (e.summary),
                  "%s, cycle %s: eNPS %+.0f against %+.0f in %u cycle%s to %s (p=%.2g); "
                  "engagement %.2f against %.2f (p=%.2g); %s among %zu units at FDR %.0f%%",
                  m->unit, cycle, s_enps (&t->now), s_enps (&t->base), t->base_cycles,
                  t->base_cycles == 1? "": "s", t->base_to, m->enps_p, b, a, m->mean_p, holds,
                  tests, o->engagement_fdr_q * 100);
    return hrw_detect__update (self, &e, clock);
}

//  Decides a cycle once, for every unit that answered it: a first pass
//  finds each unit's p-values, the family's threshold follows, and a second
//  pass works each unit's test out again to write its verdict.
int
hrw_detect__engagement_decide (hrw_detect_t *self, const char *cycle, int64_t clock,
                               const char *trigger)
{
    int64_t at;
    int rc = s_decided_at (self, cycle, &at);
    if (rc != HRW_E_NOTFOUND)
        return rc;      //  Decided already (0), or a failure
    if ((rc = hrw_detect__put (self, self->db_decided, cycle, &clock, sizeof (clock))))
        return rc;
    s_family_t f = { self, cycle, NULL, NULL, 0, 0, 0 };
    double threshold = -1;
    size_t tests = 0;
    if (!(f.t = malloc (sizeof (*f.t))))
        return ENOMEM;
    if ((rc = hrw_store_cycle_units_each (self->store, cycle, s_family_add, &f)) || f.rc)
        goto done;
    for (size_t i = 0; i < f.n && !rc; i++)
        rc = s_member_test (self, &f, &f.members[i]);
    if (rc || (rc = s_family_threshold (&f, self->opts.engagement_fdr_q, &threshold, &tests)))
        goto done;
    for (size_t i = 0; i < f.n && !rc; i++) {
        if (!(rc = s_member_test (self, &f, &f.members[i])))
            rc = s_engagement_verdict (self, &f.members[i], f.t, cycle, threshold, tests, clock,
                                       trigger);
    }
done:
    free (f.members);
    free (f.t);
    return rc? rc: f.rc;
}

typedef struct {
    int64_t due;                    //  Cycles first answered before this are due
    char (*ids)[HRW_ID_MAX + 1];    //  Open cycles that are due
    size_t n, cap;
    int open;                       //  Open cycles seen, due or not
    int rc;
} s_due_t;

static void
s_cycle_due (const char *cycle, const hrw_cycle_info_t *info, void *arg)
{
    s_due_t *d = arg;
    if (info->closed_us != HRW_TIME_NONE || info->first_us == HRW_TIME_NONE || d->rc)
        return;
    d->open++;
    if (info->first_us > d->due)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap? 2 * d->cap: 8;
        void *ids = realloc (d->ids, cap * sizeof (*d->ids));
        if (!ids) {
            d->rc = ENOMEM;
            return;
        }
        d->ids = ids;
        d->cap = cap;
    }
    snprintf (d->ids[d->n++], HRW_ID_MAX + 1, "%s", cycle);
}

//  Closes the cycles whose time is up, at the day boundary clock: the
//  first midnight at least survey_close_days after the first response.
int
hrw_detect__engagement_close_due (hrw_detect_t *self, int64_t clock)
{
    s_due_t d;
    memset (&d, 0, sizeof (d));
    d.due = clock - (int64_t) self->opts.survey_close_days * S_DAY_US;
    int rc = hrw_store_cycles_each (self->store, s_cycle_due, &d);
    for (size_t i = 0; !rc && !d.rc && i < d.n; i++) {
        rc = hrw_store_survey_close (self->store, d.ids[i], "", clock);
        if (!rc)
            rc = hrw_detect__engagement_decide (self, d.ids[i], clock, "");
    }
    free (d.ids);
    return rc? rc: d.rc;
}

int
hrw_detect_cycles_open (hrw_detect_t *self)
{
    s_due_t d;
    memset (&d, 0, sizeof (d));
    d.due = INT64_MIN;
    int rc = hrw_store_cycles_each (self->store, s_cycle_due, &d);
    free (d.ids);
    return rc? 1: d.open > 0;   //  On doubt, sweep: it finds out
}
