/*  detect: the detectors' entry points. Each event is looked at before and
    after it is applied, and handed to the families that it concerns:
    succession (detect_succession.c), turnover (detect_turnover.c) and
    engagement (detect_engagement.c). The sweep, the unit report for
    queries and the re-evaluation after new thresholds are here too (the
    position report is with succession). */
#include "workers/detect_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/keys.h"
#include "lib/stats.h"

void
hrw_detect_defaults (hrw_detect_opts_t *o)
{
    o->min_ready_now = 1;
    o->bench_strength_min = 0.7;
    o->bench_min_positions = 3;
    o->max_sole_successor = 2;
    o->window_days = 30;
    o->baseline_days = 365;
    o->alpha = 0.00001;
    o->resolve_p = 0.05;
    o->min_exits = 3;
    o->min_headcount = 10;
    o->prior_person_days = 3650;
    o->rise_h = 5.5;
    o->spike_h = 7.5;
    o->engagement_drop = 0.3;
    o->engagement_fdr_q = 0.1;
    o->engagement_baseline_cycles = 4;
    o->survey_close_days = 21;
    o->enps_drop = 15;
    o->min_respondents = 5;
    o->unmentored_days = 90;
    o->stale_readiness_days = 365;
    //  Early-tenure exits and manager hotspots: the alphas are set from the
    //  false alarms make quality measures (docs/alerts.md).
    o->early_tenure_days = 90;
    o->early_tenure_window_days = 180;
    o->early_tenure_baseline_days = 365;
    o->early_tenure_min_exits = 3;
    o->early_tenure_alpha = 0.0005;
    o->manager_window_days = 180;
    o->manager_min_exits = 3;
    o->manager_min_reports = 5;
    o->manager_alpha = 0.002;
}

//  The series writes kept in memory go into the transaction committed.
static int
s_flush (void *self)
{
    return hrw_detect__series_flush (self);
}

hrw_detect_t *
hrw_detect_new (hrw_store_t *store, hrw_alerts_t *alerts, const hrw_detect_opts_t *opts)
{
    hrw_detect_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->store = store;
    self->alerts = alerts;
    self->opts = self->judged = *opts;
    self->series = hrw_series_cache_new ();
    self->cusums = hrw_cusum_cache_new ();
    if (!self->series || !self->cusums) {
        hrw_series_cache_destroy (&self->series);
        hrw_cusum_cache_destroy (&self->cusums);
        free (self);
        return NULL;
    }
    if (hrw_table_open (store, "det_nominee", &self->db_nominee)
        || hrw_table_open (store, "det_series", &self->db_series)
        || hrw_table_open (store, "det_covered", &self->db_covered)
        || hrw_table_open (store, "det_bench", &self->db_bench)
        || hrw_table_open (store, "det_sole", &self->db_sole)
        || hrw_table_open (store, "det_decided", &self->db_decided)
        || hrw_table_open (store, "det_holds", &self->db_holds)
        || hrw_table_open (store, "det_rise", &self->db_rise)
        || hrw_table_open (store, "det_spike", &self->db_spike)
        || hrw_table_open (store, "det_dev_person", &self->db_dev_person)
        || hrw_table_open (store, "det_dev_nom", &self->db_dev_nom)
        || hrw_table_open (store, "det_dev_mentor", &self->db_dev_mentor)
        || hrw_table_open (store, "det_dev_due", &self->db_dev_due)
        || hrw_table_open (store, "det_dev_risk", &self->db_dev_risk)
        || hrw_table_open (store, "det_dev_risk_idx", &self->db_dev_risk_idx)
        || hrw_table_open (store, "det_dev_drops", &self->db_dev_drops)
        || hrw_table_open (store, "det_tenure", &self->db_tenure)
        || hrw_table_open (store, "det_manager", &self->db_manager)
        || hrw_table_open (store, "det_manager_unit", &self->db_manager_unit)
        || hrw_table_open (store, "det_sched", &self->db_sched)
        || hrw_table_open (store, "det_sched_unit", &self->db_sched_unit)) {
        hrw_series_cache_destroy (&self->series);
        hrw_cusum_cache_destroy (&self->cusums);
        free (self);
        return NULL;
    }
    hrw_store_on_commit (store, s_flush, self);
    return self;
}

void
hrw_detect_destroy (hrw_detect_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_store_on_commit ((*self_p)->store, NULL, NULL);
    hrw_series_cache_destroy (&(*self_p)->series);
    hrw_cusum_cache_destroy (&(*self_p)->cusums);
    free (*self_p);
    *self_p = NULL;
}

void
hrw_detect_set_opts (hrw_detect_t *self, const hrw_detect_opts_t *opts)
{
    self->opts = *opts;
}

void
hrw_detect_set_checkpoint (hrw_detect_t *self, int (*fn) (void *), void *arg)
{
    self->checkpoint = fn;
    self->checkpoint_arg = arg;
}

int
hrw_detect__checkpoint (hrw_detect_t *self)
{
    return self->checkpoint? self->checkpoint (self->checkpoint_arg): 0;
}

int
hrw_detect__get_or_zero (hrw_detect_t *self, hrw_table_t t, const char *key, void *out,
                         size_t size)
{
    memset (out, 0, size);
    int rc = hrw_table_get_fixed (self->store, t, key, strlen (key), out, size);
    return rc == HRW_E_NOTFOUND || rc == HRW_E_CORRUPT? 0: rc;
}

int
hrw_detect__put (hrw_detect_t *self, hrw_table_t t, const char *key, const void *val, size_t size)
{
    return hrw_table_put (self->store, t, key, strlen (key), val, size, 0);
}

size_t
hrw_detect__chain (hrw_detect_t *self, const char *unit, char chain[][HRW_ID_MAX + 1])
{
    return hrw_store_unit_chain (self->store, unit, chain);
}

void
hrw_detect__detail (hrw_alert_eval_t *e, const char *name, double value)
{
    if (e->n_details < HRW_ALERT_DETAILS_MAX) {
        e->details[e->n_details].name = name;
        e->details[e->n_details].value = value;
        e->n_details++;
    }
}

void
hrw_detect__eval_init (hrw_alert_eval_t *e, Hrwatch__V1__AlertKind kind, const char *subject,
                       const char *unit, const char *trigger)
{
    memset (e, 0, sizeof (*e));
    e->kind = kind;
    e->subject = subject;
    e->unit_id = unit? unit: "";
    e->trigger_event_id = trigger? trigger: "";
    e->severity = SEV (WARNING);
    e->scheduled_for_us = HRW_TIME_NONE;
    //  The turnover tests' expectations follow the window as the clock moves.
    e->drifts = kind == K (TURNOVER_SPIKE) || kind == K (TURNOVER_RISE);
}

//  Most evaluations find nothing firing that was not firing before: they
//  are told apart before any summary is written, which is the costly part.
int
hrw_detect__quiet (hrw_detect_t *self, const hrw_alert_eval_t *e)
{
    return !e->firing && !hrw_alerts_is_firing (self->alerts, e->kind, e->subject, e->cycle);
}

int
hrw_detect__update (hrw_detect_t *self, const hrw_alert_eval_t *e, int64_t clock)
{
    int changed;
    //  Succession at risk follows the spikes and drops where successors sit.
    int cause = e->kind == K (TURNOVER_SPIKE) || e->kind == K (ENGAGEMENT_DROP);
    int was = cause && hrw_alerts_is_firing (self->alerts, e->kind, e->subject, e->cycle);
    int rc = hrw_alerts_update (self->alerts, e, clock, &changed);
    if (!rc && cause)
        rc = hrw_detect__dev_cause (self, e, was, clock);
    return rc;
}

// ---------------------------------------------------------------------------
// Entry points

static int s_sched_note (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int on, int *changed,
                         char unit[HRW_ID_MAX + 1]);
static int s_sched_judge (hrw_detect_t *self, const char *unit, int64_t clock,
                          const char *trigger);

int
hrw_detect_before (hrw_detect_t *self, const Hrwatch__V1__Event *ev, hrw_detect_before_t *b)
{
    const char *employee = hrw_store_event_employee (ev), *position = NULL;
    memset (b, 0, sizeof (*b));
    b->counted_us = HRW_TIME_NONE;
    //  Its day has come: judged from now on as it is, not as foreseen.
    int changed;
    int rc = s_sched_note (self, ev, 0, &changed, b->sched_unit);
    if (rc)
        return rc;
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED:
            position = ev->position_defined->position_id;
            break;
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED:
            b->had_unit = hrw_store_unit (self->store, ev->org_unit_defined->unit_id,
                                          &b->unit) == 0;
            break;
        default: break;
    }
    if (employee)
        b->had_employee = hrw_store_employee (self->store, employee, &b->employee) == 0;
    if (position)
        b->had_position = hrw_store_position (self->store, position, &b->position) == 0;
    return 0;
}

int
hrw_detect_after (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                  const hrw_detect_before_t *b, int64_t clock)
{
    int rc = 0;
    const char *employee = hrw_store_event_employee (ev);
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED:
            rc = hrw_detect__gap_defined (self, ev, b, clock);
            break;
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED:
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN:
            rc = hrw_detect__gap_nomination (self, ev, b->voiding, clock);
            break;
        case HRWATCH__V1__EVENT__BODY_SURVEY_CYCLE_CLOSED:
            //  Closed for one unit only: its aggregate is final, but the
            //  family is decided when the cycle closes for every unit.
            if (!*ev->survey_cycle_closed->unit_id)
                rc = hrw_detect__engagement_decide (self,
                                                    ev->survey_cycle_closed->survey_cycle_id,
                                                    clock, ev->event_id);
            break;
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED:
            rc = hrw_detect__unit_moved (self, ev->org_unit_defined->unit_id, b, clock,
                                         ev->event_id);
            break;
        default:
            break;
    }
    if (!rc && employee)
        rc = hrw_detect__turnover_person (self, ev, employee, b, clock);
    if (!rc && employee)
        rc = hrw_detect__gap_person (self, ev, employee, b, clock);
    //  Successor development: mentorships, nominations, people.
    if (!rc)
        rc = hrw_detect__dev_after (self, ev, b, employee, clock);
    //  Early-tenure exits and manager hotspots
    if (!rc && employee)
        rc = hrw_detect__tenure_person (self, ev, employee, b, clock);
    if (!rc && employee)
        rc = hrw_detect__manager_person (self, ev, employee, b, clock);
    //  A scheduled exit came: no longer ahead.
    if (!rc && *b->sched_unit)
        rc = s_sched_judge (self, b->sched_unit, clock, ev->event_id);
    return rc;
}

typedef struct {
    hrw_detect_t *self;
    int64_t clock;
    int rc;
    int rif;            //  Which kind is being swept: 1 reductions in force,
                        //  2 early-tenure exits, 3 manager hotspots, 4 scheduled
                        //  exits
} s_sweep_t;

static void
s_sweep_one (const char *subject, const char *cycle, void *arg)
{
    s_sweep_t *s = arg;
    (void) cycle;
    if (s->rc)
        return;
    s->rc = s->rif == 4? hrw_detect__sched_eval (s->self, subject, s->clock, "")
          : s->rif == 3? hrw_detect__manager_eval (s->self, subject, s->clock, "")
          : s->rif == 2? hrw_detect__tenure_eval (s->self, subject, s->clock, "")
          : s->rif? hrw_detect__rif_eval (s->self, subject, s->clock, "")
                  : hrw_detect__turnover_eval (s->self, subject, s->clock, "");
}

int
hrw_detect_sweep (hrw_detect_t *self, int64_t clock)
{
    s_sweep_t s = { self, clock, 0, 0 };
    int rc = hrw_alerts_each_firing (self->alerts, K (TURNOVER_SPIKE), s_sweep_one, &s);
    if (!rc && !s.rc)
        rc = hrw_alerts_each_firing (self->alerts, K (TURNOVER_RISE), s_sweep_one, &s);
    if (!rc && !s.rc) {
        s.rif = 1;
        rc = hrw_alerts_each_firing (self->alerts, K (REDUCTION_IN_FORCE), s_sweep_one, &s);
    }
    //  Early-tenure exits and manager hotspots
    if (!rc && !s.rc) {
        s.rif = 2;
        rc = hrw_alerts_each_firing (self->alerts, K (EARLY_TENURE_EXITS), s_sweep_one, &s);
    }
    if (!rc && !s.rc) {
        s.rif = 3;
        rc = hrw_alerts_each_firing (self->alerts, K (MANAGER_HOTSPOT), s_sweep_one, &s);
    }
    //  Changes entered ahead: their window moves, their day nears.
    if (!rc && !s.rc) {
        s.rif = 4;
        rc = hrw_alerts_each_firing (self->alerts, K (SCHEDULED_EXITS), s_sweep_one, &s);
    }
    if (!rc && !s.rc)
        rc = hrw_detect__sched_sweep (self, clock);
    if (!rc && !s.rc)
        rc = hrw_detect__engagement_close_due (self, clock);
    //  Successor development: what falls due today.
    if (!rc && !s.rc)
        rc = hrw_detect__dev_sweep (self, clock);
    return rc? rc: s.rc;
}

// ---------------------------------------------------------------------------
// Reports for queries, outside write transactions

int
hrw_detect_unit_report (hrw_detect_t *self, const char *unit, int64_t clock,
                        hrw_unit_turnover_t *t, uint32_t *critical, uint32_t *covered)
{
    //  One snapshot for every figure of the report.
    hrw_store_read_t *scope;
    int rc = hrw_store_read_begin (self->store, &scope);
    if (rc)
        return rc;
    rc = hrw_detect_unit_turnover (self, unit, clock, t);
    *critical = *covered = 0;
    if (!rc)
        hrw_detect__bench_counts (self, unit, critical, covered);
    hrw_store_read_end (&scope);
    return rc;
}


// ---------------------------------------------------------------------------
// Re-evaluation after a change of thresholds

int
hrw_detect__key_collect (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    hrw_buf_t *keys = arg;
    (void) v;
    if (k.len <= HRW_ID_MAX) {
        hrw_buf_append (keys, k.data, k.len);
        hrw_buf_append (keys, "", 1);
    }
    return 0;
}

//  Calls fn with each key of a table (a position, unit or employee id).
static int
s_keys_each (hrw_detect_t *self, hrw_table_t table,
             int (*fn) (hrw_detect_t *, const char *, int64_t), int64_t clock)
{
    //  Collected first: fn writes to these tables.
    hrw_buf_t keys = { 0 };
    int rc = hrw_table_prefix_each (self->store, table, "", 0, hrw_detect__key_collect, &keys);
    if (!rc && keys.oom)
        rc = ENOMEM;
    for (size_t off = 0; !rc && off < keys.len;) {
        const char *key = (const char *) keys.data + off;
        off += strlen (key) + 1;
        rc = fn (self, key, clock);
    }
    hrw_buf_free (&keys);
    return rc;
}

static int
s_regap (hrw_detect_t *self, const char *position, int64_t clock)
{
    return hrw_detect__gap_eval (self, position, clock, "", "thresholds reloaded");
}

static int
s_rebench (hrw_detect_t *self, const char *unit, int64_t clock)
{
    return hrw_detect__bench_eval (self, unit, clock, "");
}

static int
s_reoverlap (hrw_detect_t *self, const char *employee, int64_t clock)
{
    return hrw_detect__overlap (self, employee, 0, clock, "");
}

int
hrw_detect_reevaluate (hrw_detect_t *self, int64_t clock)
{
    const hrw_detect_opts_t *was = &self->judged, *o = &self->opts;
    int rc = 0;
    if (clock == HRW_TIME_NONE)
        return 0;
    //  Every critical position (it may open a gap now), every unit with
    //  critical positions, everyone who is someone's only successor.
    if (was->min_ready_now != o->min_ready_now)
        rc = s_keys_each (self, self->db_covered, s_regap, clock);
    if (!rc && (was->bench_strength_min != o->bench_strength_min
                || was->bench_min_positions != o->bench_min_positions))
        rc = s_keys_each (self, self->db_bench, s_rebench, clock);
    if (!rc && was->max_sole_successor != o->max_sole_successor)
        rc = s_keys_each (self, self->db_sole, s_reoverlap, clock);
    //  Time-window alerts: the firing ones.
    if (!rc && (was->window_days != o->window_days || was->baseline_days != o->baseline_days
                || was->alpha != o->alpha || was->resolve_p != o->resolve_p
                || was->min_exits != o->min_exits || was->min_headcount != o->min_headcount
                || was->prior_person_days != o->prior_person_days
                || was->rise_h != o->rise_h || was->spike_h != o->spike_h
                //  Early-tenure exits and manager hotspots
                || was->early_tenure_days != o->early_tenure_days
                || was->early_tenure_window_days != o->early_tenure_window_days
                || was->early_tenure_baseline_days != o->early_tenure_baseline_days
                || was->early_tenure_min_exits != o->early_tenure_min_exits
                || was->early_tenure_alpha != o->early_tenure_alpha
                || was->manager_window_days != o->manager_window_days
                || was->manager_min_exits != o->manager_min_exits
                || was->manager_min_reports != o->manager_min_reports
                || was->manager_alpha != o->manager_alpha))
        rc = hrw_detect_sweep (self, clock);
    //  Successor development: everyone with a record, when its days changed.
    if (!rc)
        rc = hrw_detect__dev_reevaluate (self, clock);
    //  Engagement is decided once, when a cycle closes: new thresholds
    //  apply to the next cycle to close, never to one decided already.
    if (!rc)
        self->judged = self->opts;
    return rc;
}

// ---------------------------------------------------------------------------
// Time-indexed series ("id\0time" -> a fixed-size record): the turnover,
// early-tenure and manager series

//  hrw_detect__series_key, _at, _put and _fix: detect_series.c

// ---------------------------------------------------------------------------
// Changes entered ahead of their day

#define S_SCHED_COUNT "#"       //  No id holds it

typedef struct {
    uint8_t kind;               //  1 an exit, 2 a move out of the role (transfer,
                                //  promotion)
    uint8_t voluntary;          //  An exit counted as voluntary turnover
    char id[HRW_EVENT_ID_MAX + 1];
    char unit[HRW_ID_MAX + 1];  //  Their unit when it was entered: where it counts
} s_sched_t;

static uint64_t
s_sched_count (hrw_detect_t *self)
{
    uint64_t n = 0;
    hrw_table_get_fixed (self->store, self->db_sched, S_SCHED_COUNT, 1, &n, sizeof (n));
    return n;
}

//  The scheduled change an event is, or 0.
static int
s_sched_kind (const Hrwatch__V1__Event *ev, const char **employee)
{
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_EXIT: *employee = ev->exit->employee_id; return 1;
        case HRWATCH__V1__EVENT__BODY_TRANSFER: *employee = ev->transfer->employee_id; return 2;
        case HRWATCH__V1__EVENT__BODY_PROMOTION: *employee = ev->promotion->employee_id; return 2;
        default: return 0;
    }
}

//  An exit entered ahead counts in its unit, the units above it and the
//  company: "unit\0" time tie-break -> voluntary (1) or not (0).
static int
s_sched_units (hrw_detect_t *self, const s_sched_t *s, int64_t t, uint64_t tb, int on)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, s->unit, chain);
    int rc = 0;
    for (size_t i = 0; !rc && i <= n; i++) {
        uint8_t key[HRW_ID_MAX + 17];
        size_t klen = hrw_detect__series_key (i < n? chain[i]: "", t, key);
        hrw_key_put_u64 (key + klen, tb);
        klen += 8;
        rc = on? hrw_table_put (self->store, self->db_sched_unit, key, klen, &s->voluntary, 1, 0)
               : hrw_table_del (self->store, self->db_sched_unit, key, klen);
        rc = rc == HRW_E_NOTFOUND? 0: rc;
    }
    return rc;
}

//  Notes (on) or forgets the change; says whether the note changed.
static int
s_sched_note (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int on, int *changed,
              char unit[HRW_ID_MAX + 1])
{
    const char *employee = NULL;
    int kind = s_sched_kind (ev, &employee);
    *changed = 0;
    unit[0] = '\0';
    if (!kind || (!on && s_sched_count (self) == 0))
        return 0;
    int64_t t;
    uint64_t tb;
    hrw_store_event_stamp (ev, &t, &tb);
    uint8_t key[HRW_ID_MAX + 17];
    size_t klen = hrw_detect__series_key (employee, t, key);
    hrw_key_put_u64 (key + klen, tb);
    klen += 8;
    int rc;
    s_sched_t s;
    memset (&s, 0, sizeof (s));
    if (on) {
        hrw_employee_info_t e;
        s.kind = (uint8_t) kind;
        s.voluntary = kind == 1 && ev->exit->type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY
                   && !ev->exit->reduction_in_force;
        snprintf (s.id, sizeof (s.id), "%s", ev->event_id);
        if (hrw_store_employee (self->store, employee, &e) == 0 && e.status == HRW_EMP_ACTIVE)
            snprintf (s.unit, sizeof (s.unit), "%s", e.unit);
        rc = hrw_table_put (self->store, self->db_sched, key, klen, &s, sizeof (s), 0);
    }
    else {
        rc = hrw_table_get_fixed (self->store, self->db_sched, key, klen, &s, sizeof (s));
        if (rc == HRW_E_NOTFOUND)
            return 0;
        if (!rc)
            rc = hrw_table_del (self->store, self->db_sched, key, klen);
    }
    if (!rc && s.kind == 1 && *s.unit) {
        rc = s_sched_units (self, &s, t, tb, on);
        snprintf (unit, HRW_ID_MAX + 1, "%s", s.unit);
    }
    if (rc)
        return rc;
    uint64_t n = s_sched_count (self) + (on? 1: -1);
    *changed = 1;
    return hrw_table_put (self->store, self->db_sched, S_SCHED_COUNT, 1, &n, sizeof (n), 0);
}

int
hrw_detect_schedule (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int on, int64_t clock,
                     const char *trigger)
{
    if (!trigger)
        trigger = ev->event_id;
    int changed;
    char unit[HRW_ID_MAX + 1];
    int rc = s_sched_note (self, ev, on, &changed, unit);
    if (rc || !changed)
        return rc;
    const char *employee = NULL;
    int kind = s_sched_kind (ev, &employee);
    char when[40], cause[HRW_ID_MAX + 80];
    int64_t t;
    uint64_t tb;
    hrw_store_event_stamp (ev, &t, &tb);
    hrw_clock_format (t, when, sizeof (when));
    when[10] = '\0';       //  The day
    snprintf (cause, sizeof (cause), on? "%s %s on %s (scheduled)": "%s no longer %s on %s",
              employee, kind == 1? "leaves": "moves", when);
    rc = hrw_detect__gap_scheduled (self, employee, clock, trigger, cause);
    return rc || !*unit? rc: s_sched_judge (self, unit, clock, trigger);
}

int64_t
hrw_detect_scheduled_exit (hrw_detect_t *self, const char *employee, int transfers,
                           char id[HRW_EVENT_ID_MAX + 1])
{
    if (s_sched_count (self) == 0)
        return HRW_TIME_NONE;
    uint8_t kb[HRW_ID_MAX + 9];
    size_t plen = hrw_detect__series_key (employee, INT64_MIN, kb) - 8;
    hrw_bytes_t k = { kb, plen + 8 }, v;
    hrw_cursor_t *cur;
    if (hrw_cursor_open (self->store, self->db_sched, &cur))
        return HRW_TIME_NONE;
    int64_t found = HRW_TIME_NONE;
    for (int rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v); rc == 0;
         rc = hrw_cursor_get (cur, HRW_CURSOR_NEXT, &k, &v)) {
        if (k.len != plen + 16 || memcmp (k.data, kb, plen) || v.len != sizeof (s_sched_t))
            break;
        const s_sched_t *s = v.data;
        if (s->kind == 1 || transfers) {
            found = hrw_key_get_time ((const uint8_t *) k.data + plen);
            if (id)
                snprintf (id, HRW_EVENT_ID_MAX + 1, "%.*s", HRW_EVENT_ID_MAX, s->id);
            break;
        }
    }
    hrw_cursor_close (&cur);
    return found;
}

int
hrw_detect_unit_scheduled (hrw_detect_t *self, const char *unit, int64_t clock,
                           hrw_unit_scheduled_t *out)
{
    memset (out, 0, sizeof (*out));
    out->next_us = HRW_TIME_NONE;
    if (s_sched_count (self) == 0)
        return 0;
    int64_t until = clock + (int64_t) self->opts.window_days * S_DAY_US;
    uint8_t kb[HRW_ID_MAX + 9];
    size_t plen = hrw_detect__series_key (unit, INT64_MIN, kb) - 8;
    hrw_bytes_t k = { kb, plen + 8 }, v;
    hrw_cursor_t *cur;
    int rc = hrw_cursor_open (self->store, self->db_sched_unit, &cur);
    if (rc)
        return rc;
    for (rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v); rc == 0;
         rc = hrw_cursor_get (cur, HRW_CURSOR_NEXT, &k, &v)) {
        if (k.len != plen + 16 || memcmp (k.data, kb, plen) || v.len != 1)
            break;
        int64_t t = hrw_key_get_time ((const uint8_t *) k.data + plen);
        int voluntary = *(const uint8_t *) v.data;
        out->total++;
        out->voluntary += voluntary;
        if (out->next_us == HRW_TIME_NONE)
            out->next_us = t;
        if (voluntary && t <= until) {
            out->in_window++;
            out->last_in_window_us = t;
        }
    }
    hrw_cursor_close (&cur);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

//  Voluntary exits already entered for the coming window, against what a
//  window of the unit's baseline expects: the spike's test, on what is
//  known ahead.
int
hrw_detect__sched_eval (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    const hrw_detect_opts_t *o = &self->opts;
    hrw_unit_scheduled_t s;
    hrw_unit_turnover_t t;
    int rc = hrw_detect_unit_scheduled (self, unit, clock, &s);
    if (!rc)
        rc = hrw_detect_unit_turnover (self, unit, clock, &t);
    if (rc)
        return rc;
    double expected = t.baseline_annualised / 365 * (double) o->window_days
                    * (double) (t.headcount > 0? t.headcount: 0);
    double p = hrw_stats_poisson_sf (s.in_window, expected);
    int was = hrw_alerts_is_firing (self->alerts, K (SCHEDULED_EXITS), unit, NULL);
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (SCHEDULED_EXITS), unit, unit, trigger);
    int enough = s.in_window >= o->min_exits && t.judged
              && t.headcount >= (int64_t) o->min_headcount;
    e.firing = enough && (was? p <= o->resolve_p: p < o->alpha);
    if (hrw_detect__quiet (self, &e))
        return 0;
    e.drifts = 1;
    e.observed = (double) s.in_window;
    e.expected = expected;
    e.p_value = p;
    e.scheduled_for_us = e.firing? s.last_in_window_us: HRW_TIME_NONE;
    hrw_detect__detail (&e, "scheduled_exits", (double) s.total);
    hrw_detect__detail (&e, "headcount", (double) t.headcount);
    hrw_detect__detail (&e, "baseline_annualised_rate", t.baseline_annualised);
    hrw_detect__detail (&e, "window_days", (double) o->window_days);
    char day[40] = "";
    if (s.last_in_window_us != HRW_TIME_NONE && s.in_window)
        hrw_clock_format (s.last_in_window_us, day, sizeof (day));
    //  Counts and dates only: never who.
    snprintf (e.summary, sizeof (e.summary),
              "%.64s: %llu voluntary exits already entered for the next %u days (by %.10s), "
              "%.1f expected in a window; headcount %lld, p=%.2g", unit,
              (unsigned long long) s.in_window, o->window_days, day, expected,
              (long long) t.headcount, p);
    return hrw_detect__update (self, &e, clock);
}

//  Judges the unit of a scheduled exit and the units above it.
static int
s_sched_judge (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, unit, chain);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++)
        rc = hrw_detect__sched_eval (self, chain[i], clock, trigger);
    return rc;
}

//  Early warnings whose day comes within S_SOON of day (a midnight) are
//  judged again: an info becomes a warning a month ahead.
int
hrw_detect__sched_sweep (hrw_detect_t *self, int64_t day)
{
    if (s_sched_count (self) == 0)
        return 0;
    hrw_buf_t people = { 0 };
    hrw_cursor_t *cur;
    int rc = hrw_cursor_open (self->store, self->db_sched, &cur);
    if (rc)
        return rc;
    hrw_bytes_t k, v;
    int64_t lo = day - S_DAY_US + S_SCHED_SOON_US, hi = day + S_SCHED_SOON_US;
    for (rc = hrw_cursor_get (cur, HRW_CURSOR_FIRST, &k, &v); rc == 0;
         rc = hrw_cursor_get (cur, HRW_CURSOR_NEXT, &k, &v)) {
        if (k.len < 17 || v.len != sizeof (s_sched_t))
            continue;
        size_t plen = k.len - 16;
        int64_t t = hrw_key_get_time ((const uint8_t *) k.data + plen);
        if (t > lo && t <= hi) {
            hrw_buf_append (&people, k.data, plen - 1);
            hrw_buf_append (&people, "", 1);
        }
    }
    hrw_cursor_close (&cur);
    rc = rc == HRW_E_NOTFOUND? 0: rc;
    if (!rc && people.oom)
        rc = ENOMEM;
    for (size_t off = 0; !rc && off < people.len;) {
        const char *who = (const char *) people.data + off;
        off += strlen (who) + 1;
        rc = hrw_detect__gap_scheduled (self, who, day, "", "a month to go");
    }
    hrw_buf_free (&people);
    return rc;
}
