/*  detect: succession gaps, bench strength, successor overlap, turnover
    spikes, reductions in force and engagement drops. */
#include "workers/detect.h"

#include <errno.h>
#include <lmdb.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/stats.h"

#define S_DAY_US (86400LL * HRW_US_PER_SEC)
#define S_COMPANY ""        //  Series key for the whole company

#define K(name) HRWATCH__V1__ALERT_KIND__ALERT_KIND_##name
#define SEV(name) HRWATCH__V1__SEVERITY__SEVERITY_##name

struct hrw_detect {
    hrw_store_t *store;         //  State, environment, transaction
    hrw_alerts_t *alerts;       //  Where verdicts go
    hrw_detect_opts_t opts;     //  Thresholds
    hrw_detect_opts_t judged;   //  Thresholds the stored alerts were judged by
    unsigned int db_nominee;    //  employee\0position -> "" (who is nominated where)
    unsigned int db_series;     //  unit\0time -> s_point_t (cumulative, per unit)
    unsigned int db_covered;    //  position -> s_cover_t (as last counted)
    unsigned int db_bench;      //  unit -> s_bench_t (subtree totals)
    unsigned int db_sole;       //  employee -> uint32 (roles they alone cover)
    unsigned int db_decided;    //  survey cycle -> int64 (when its family was decided)
    unsigned int db_holds;      //  employee\0position -> "" (named incumbent there)
    unsigned int db_rise;       //  unit -> s_rise_t (sustained-rise CUSUM)
    unsigned int db_spike;      //  unit -> s_spike_t (sharp-spike CUSUM)
    MDB_txn *rtxn;              //  Read transaction of a report in progress
};

//  A unit's cumulative history at one instant: headcount from then on, and
//  totals since the beginning.
typedef struct {
    int64_t headcount;
    double person_days;
    uint64_t voluntary;         //  Voluntary exits, reductions in force excluded
    uint64_t regretted;         //  ... of which regretted
    uint64_t rif;               //  Exits in a reduction in force
} s_point_t;

typedef struct {
    uint8_t critical;                   //  Counted as critical
    uint8_t covered;                    //  Had a ready-now successor
    char unit[HRW_ID_MAX + 1];          //  Counted in this unit's subtree
    char sole[HRW_ID_MAX + 1];          //  Its only ready-now successor, or ""
} s_cover_t;

typedef struct {
    uint32_t critical;          //  Critical positions in the subtree
    uint32_t covered;           //  ... with a ready-now successor
} s_bench_t;

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
    if (hrw_store_db (store, "det_nominee", &self->db_nominee)
        || hrw_store_db (store, "det_series", &self->db_series)
        || hrw_store_db (store, "det_covered", &self->db_covered)
        || hrw_store_db (store, "det_bench", &self->db_bench)
        || hrw_store_db (store, "det_sole", &self->db_sole)
        || hrw_store_db (store, "det_decided", &self->db_decided)
        || hrw_store_db (store, "det_holds", &self->db_holds)
        || hrw_store_db (store, "det_rise", &self->db_rise)
        || hrw_store_db (store, "det_spike", &self->db_spike)) {
        free (self);
        return NULL;
    }
    return self;
}

void
hrw_detect_destroy (hrw_detect_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

void
hrw_detect_set_opts (hrw_detect_t *self, const hrw_detect_opts_t *opts)
{
    self->opts = *opts;
}

//  The write transaction, or the read one a report runs in.
static MDB_txn *
s_txn (hrw_detect_t *self)
{
    MDB_txn *txn = hrw_store_txn (self->store);
    return txn? txn: self->rtxn;
}

static size_t
s_chain (hrw_detect_t *self, const char *unit, char chain[][HRW_ID_MAX + 1])
{
    return hrw_store_unit_chain (self->store, unit, chain);
}

static void
s_detail (hrw_alert_eval_t *e, const char *name, double value)
{
    if (e->n_details < HRW_ALERT_DETAILS_MAX) {
        e->details[e->n_details].name = name;
        e->details[e->n_details].value = value;
        e->n_details++;
    }
}

static void
s_eval_init (hrw_alert_eval_t *e, Hrwatch__V1__AlertKind kind, const char *subject,
             const char *unit, const char *trigger)
{
    memset (e, 0, sizeof (*e));
    e->kind = kind;
    e->subject = subject;
    e->unit_id = unit? unit: "";
    e->trigger_event_id = trigger? trigger: "";
    e->severity = SEV (WARNING);
    //  The turnover tests' expectations follow the window as the clock moves.
    e->drifts = kind == K (TURNOVER_SPIKE) || kind == K (TURNOVER_RISE);
}

//  Most evaluations find nothing firing that was not firing before: they
//  are told apart before any summary is written, which is the costly part.
static int
s_quiet (hrw_detect_t *self, const hrw_alert_eval_t *e)
{
    return !e->firing && !hrw_alerts_is_firing (self->alerts, e->kind, e->subject, e->cycle);
}

static int
s_update (hrw_detect_t *self, const hrw_alert_eval_t *e, int64_t clock)
{
    int changed;
    return hrw_alerts_update (self->alerts, e, clock, &changed);
}

// ---------------------------------------------------------------------------
// Bench strength and successor overlap: counters kept as positions change

static int
s_bench_eval (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    s_bench_t b = { 0, 0 };
    MDB_val k = { strlen (unit), (void *) unit }, v;
    int rc = mdb_get (s_txn (self), self->db_bench, &k, &v);
    if (rc == 0 && v.mv_size == sizeof (b))
        memcpy (&b, v.mv_data, sizeof (b));
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    hrw_alert_eval_t e;
    s_eval_init (&e, K (BENCH_STRENGTH), unit, unit, trigger);
    double share = b.critical? (double) b.covered / b.critical: 1.0;
    e.firing = b.critical >= self->opts.bench_min_positions
            && share < self->opts.bench_strength_min;
    if (s_quiet (self, &e))
        return 0;
    e.observed = share;
    e.expected = self->opts.bench_strength_min;
    s_detail (&e, "critical_positions", b.critical);
    s_detail (&e, "covered_positions", b.covered);
    snprintf (e.summary, sizeof (e.summary),
              "%s and below: %u of %u critical positions (%.0f%%) have a ready-now successor; "
              "the minimum is %.0f%%", unit, b.covered, b.critical, share * 100,
              self->opts.bench_strength_min * 100);
    return s_update (self, &e, clock);
}

static int
s_bench_add (hrw_detect_t *self, const char *unit, int critical, int covered)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = s_chain (self, unit, chain);
    for (size_t i = 0; i < n; i++) {
        s_bench_t b = { 0, 0 };
        MDB_val k = { strlen (chain[i]), chain[i] }, v;
        int rc = mdb_get (s_txn (self), self->db_bench, &k, &v);
        if (rc == 0 && v.mv_size == sizeof (b))
            memcpy (&b, v.mv_data, sizeof (b));
        else if (rc && rc != MDB_NOTFOUND)
            return rc;
        b.critical += (uint32_t) critical;
        b.covered += (uint32_t) covered;
        v.mv_data = &b;
        v.mv_size = sizeof (b);
        if ((rc = mdb_put (s_txn (self), self->db_bench, &k, &v, 0)))
            return rc;
    }
    return 0;
}

//  Evaluates bench strength for both chains once both deltas are in, so a
//  position moving between counts never shows a half-moved state.
static int
s_bench_eval_chains (hrw_detect_t *self, const char *a, const char *b, int64_t clock,
                     const char *trigger)
{
    char ca[HRW_CHAIN_MAX][HRW_ID_MAX + 1], cb[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t na = s_chain (self, a, ca), nb = s_chain (self, b, cb);
    int rc = 0;
    for (size_t i = 0; !rc && i < na; i++)
        rc = s_bench_eval (self, ca[i], clock, trigger);
    for (size_t i = 0; !rc && i < nb; i++) {
        int dup = 0;
        for (size_t j = 0; j < na; j++)
            dup |= !strcmp (cb[i], ca[j]);
        if (!dup)
            rc = s_bench_eval (self, cb[i], clock, trigger);
    }
    return rc;
}

//  A unit's subtree counts, added to (sign 1) or taken from (-1) each of
//  the ancestors given, which are then re-evaluated: a unit defined or
//  re-parented takes its critical positions to its new ancestors.
static int
s_bench_move (hrw_detect_t *self, const char *unit, char ancestors[][HRW_ID_MAX + 1],
              size_t n, int sign, int64_t clock, const char *trigger)
{
    s_bench_t u = { 0, 0 };
    MDB_val k = { strlen (unit), (void *) unit }, v;
    int rc = mdb_get (s_txn (self), self->db_bench, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND? 0: rc;
    if (v.mv_size != sizeof (u))
        return HRW_E_CORRUPT;
    memcpy (&u, v.mv_data, sizeof (u));
    for (size_t i = 0; !rc && i < n && u.critical; i++) {
        s_bench_t b = { 0, 0 };
        k.mv_size = strlen (ancestors[i]);
        k.mv_data = ancestors[i];
        rc = mdb_get (s_txn (self), self->db_bench, &k, &v);
        if (rc == 0 && v.mv_size == sizeof (b))
            memcpy (&b, v.mv_data, sizeof (b));
        else if (rc && rc != MDB_NOTFOUND)
            return rc;
        b.critical = (uint32_t) ((int64_t) b.critical + sign * (int64_t) u.critical);
        b.covered = (uint32_t) ((int64_t) b.covered + sign * (int64_t) u.covered);
        v.mv_data = &b;
        v.mv_size = sizeof (b);
        if (!(rc = mdb_put (s_txn (self), self->db_bench, &k, &v, 0)))
            rc = s_bench_eval (self, ancestors[i], clock, trigger);
    }
    return rc;
}

static int
s_overlap (hrw_detect_t *self, const char *employee, int delta, int64_t clock,
           const char *trigger)
{
    uint32_t count = 0;
    MDB_val k = { strlen (employee), (void *) employee }, v;
    int rc = mdb_get (s_txn (self), self->db_sole, &k, &v);
    if (rc == 0 && v.mv_size == sizeof (count))
        memcpy (&count, v.mv_data, sizeof (count));
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    count = (uint32_t) ((int64_t) count + delta);
    v.mv_data = &count;
    v.mv_size = sizeof (count);
    if ((rc = mdb_put (s_txn (self), self->db_sole, &k, &v, 0)))
        return rc;
    hrw_employee_info_t info;
    int known = hrw_store_employee (self->store, employee, &info) == 0;
    hrw_alert_eval_t e;
    s_eval_init (&e, K (SUCCESSOR_OVERLAP), employee, known? info.unit: "", trigger);
    e.firing = count > self->opts.max_sole_successor;
    if (s_quiet (self, &e))
        return 0;
    e.observed = count;
    e.expected = self->opts.max_sole_successor;
    snprintf (e.summary, sizeof (e.summary),
              "%s is the only ready-now successor for %u critical positions (at most %u "
              "advised)", employee, count, self->opts.max_sole_successor);
    return s_update (self, &e, clock);
}

//  Moves the position's contribution to bench and overlap counters from
//  what was counted last to what holds now.
static int
s_recount (hrw_detect_t *self, const char *position, const s_cover_t *now, int64_t clock,
           const char *trigger)
{
    s_cover_t was;
    memset (&was, 0, sizeof (was));
    MDB_val k = { strlen (position), (void *) position }, v;
    int rc = mdb_get (s_txn (self), self->db_covered, &k, &v);
    if (rc == 0 && v.mv_size == sizeof (was))
        memcpy (&was, v.mv_data, sizeof (was));
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (!memcmp (&was, now, sizeof (was)))
        return 0;
    v.mv_data = (void *) now;
    v.mv_size = sizeof (*now);
    if ((rc = mdb_put (s_txn (self), self->db_covered, &k, &v, 0)))
        return rc;
    if (was.critical != now->critical || was.covered != now->covered
        || strcmp (was.unit, now->unit)) {
        if (was.critical && (rc = s_bench_add (self, was.unit, -1, -was.covered)))
            return rc;
        if (now->critical && (rc = s_bench_add (self, now->unit, 1, now->covered)))
            return rc;
        if ((rc = s_bench_eval_chains (self, was.unit, now->unit, clock, trigger)))
            return rc;
    }
    if (strcmp (was.sole, now->sole)) {
        if (*was.sole && (rc = s_overlap (self, was.sole, -1, clock, trigger)))
            return rc;
        if (*now->sole && (rc = s_overlap (self, now->sole, 1, clock, trigger)))
            return rc;
    }
    return 0;
}

// ---------------------------------------------------------------------------
// Succession gap

//  Whether the position's named incumbent holds it now. The latest of the
//  facts that speak about it wins, by event time: the incumbent as of the
//  definition (or a hire or promotion into the position), then that
//  person's exit, move into another position (promotion, hire) or transfer
//  to another unit. An incumbent whose own record has not come (positions
//  and people sent in separate feeds) holds it: nothing says otherwise.
//  Returns 1 when held; else 0 and why, in words, when why is given.
static int
s_holds (hrw_detect_t *self, const char *position, const hrw_position_info_t *p, char *why,
         size_t cap)
{
    char none[1];
    if (!why) {
        why = none;
        cap = sizeof (none);
    }
    *why = '\0';
    if (!p->defined) {
        snprintf (why, cap, "not defined");
        return 0;
    }
    if (!*p->incumbent) {
        snprintf (why, cap, "no incumbent");
        return 0;
    }
    hrw_employee_info_t e;
    if (hrw_store_employee (self->store, p->incumbent, &e))
        return 1;
    int64_t since = p->incumbent_at_us;
    //  An exit at the instant the incumbent was named wins, as it does
    //  over a hire at the same instant.
    if (e.status == HRW_EMP_EXITED || (e.exited_us != HRW_TIME_NONE && e.exited_us >= since)) {
        snprintf (why, cap, "incumbent %s exited", p->incumbent);
        return 0;
    }
    if (*e.position && strcmp (e.position, position) && e.position_at_us >= since) {
        snprintf (why, cap, "incumbent %s moved to %s", p->incumbent, e.position);
        return 0;
    }
    //  A hire sets the unit too: only a later change of unit is a transfer.
    if (*e.unit && strcmp (e.unit, p->unit) && e.unit_at_us >= since
        && e.unit_at_us != e.hired_us) {
        snprintf (why, cap, "incumbent %s transferred to %s", p->incumbent, e.unit);
        return 0;
    }
    return 1;
}

typedef struct {
    char (*positions)[HRW_ID_MAX + 1];
    size_t n, cap;
} s_list_t;

//  The second halves of the employee\0position keys of dbi for employee:
//  the positions they are (or were) nominated for (db_nominee), or named
//  incumbent of (db_holds).
static int
s_positions_of (hrw_detect_t *self, unsigned int dbi, const char *employee, s_list_t *out)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (s_txn (self), dbi, &cur);
    if (rc)
        return rc;
    char prefix[HRW_ID_MAX + 2];
    size_t plen = strnlen (employee, HRW_ID_MAX);
    memcpy (prefix, employee, plen);
    prefix[plen++] = '\0';
    MDB_val k = { plen, prefix }, v;
    MDB_cursor_op op = MDB_SET_RANGE;
    while ((rc = mdb_cursor_get (cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size <= plen || memcmp (k.mv_data, prefix, plen))
            break;
        if (out->n == out->cap) {
            size_t cap = out->cap? out->cap * 2: 8;
            void *p = realloc (out->positions, cap * sizeof (*out->positions));
            if (!p) {
                rc = ENOMEM;
                break;
            }
            out->positions = p;
            out->cap = cap;
        }
        size_t n = k.mv_size - plen < HRW_ID_MAX? k.mv_size - plen: HRW_ID_MAX;
        memcpy (out->positions[out->n], (const char *) k.mv_data + plen, n);
        out->positions[out->n++][n] = '\0';
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND? 0: rc;
}

static int
s_pair_put (hrw_detect_t *self, unsigned int dbi, const char *employee, const char *position)
{
    char key[2 * HRW_ID_MAX + 2];
    size_t klen = (size_t) snprintf (key, sizeof (key), "%.64s%c%.64s", employee, '\0', position);
    MDB_val k = { klen, key }, v = { 0, "" };
    return mdb_put (s_txn (self), dbi, &k, &v, 0);
}

//  The critical position other than position that employee became the
//  incumbent of after since, into out; 0 when none (or an error).
static int
s_holds_other (hrw_detect_t *self, const char *employee, const hrw_employee_info_t *e,
               const char *position, int64_t since, char out[HRW_ID_MAX + 1])
{
    s_list_t list = { NULL, 0, 0 };
    int found = 0;
    //  Those definitions named them for, and their own record's position.
    int rc = s_positions_of (self, self->db_holds, employee, &list);
    for (size_t i = 0; !rc && !found && i <= list.n; i++) {
        const char *q = i < list.n? list.positions[i]: e->position;
        hrw_position_info_t p;
        if (!*q || !strcmp (q, position) || hrw_store_position (self->store, q, &p))
            continue;
        found = p.defined && p.critical && !strcmp (p.incumbent, employee)
             && p.incumbent_at_us > since && s_holds (self, q, &p, NULL, 0);
        if (found)
            snprintf (out, HRW_ID_MAX + 1, "%s", q);
    }
    free (list.positions);
    return found;
}

typedef struct {
    hrw_detect_t *self;
    const char *position;
    const char *incumbent;          //  Who holds it now, or ""
    uint32_t by_readiness[4];       //  Eligible successors by readiness
    char sole[HRW_ID_MAX + 1];      //  The ready-now one, when only one
    hrw_position_report_t *report;  //  Every nominee, when asked for
} s_gap_ctx_t;

//  Why a nominee does not count, or NULL when they do; what they did since
//  the nomination goes to note either way.
static const char *
s_ineligible (s_gap_ctx_t *c, const hrw_nomination_view_t *n, char *note, size_t cap)
{
    hrw_employee_info_t e;
    char other[HRW_ID_MAX + 1];
    *note = '\0';
    if (hrw_store_employee (c->self->store, n->employee, &e) || e.status == HRW_EMP_UNKNOWN)
        return "not known as an employee";
    if (e.status != HRW_EMP_ACTIVE)
        return "exited";
    if (!strcmp (n->employee, c->incumbent))
        return "holds the position";
    //  Holding another critical role since the nomination: counting them
    //  would only move the gap there.
    if (s_holds_other (c->self, n->employee, &e, c->position, n->at_us, other)) {
        snprintf (note, cap, "incumbent of %s since nominated", other);
        return "became the incumbent of another critical position";
    }
    //  Any other move keeps them counted: the plan still names them.
    if (*e.position && strcmp (e.position, c->position) && e.position_at_us > n->at_us)
        snprintf (note, cap, "moved to %s since nominated", e.position);
    else if (*e.unit && e.unit_at_us > n->at_us && e.unit_at_us != e.hired_us)
        snprintf (note, cap, "moved to %s since nominated", e.unit);
    return NULL;
}

static void
s_gap_nominee (const hrw_nomination_view_t *n, void *arg)
{
    s_gap_ctx_t *c = arg;
    if (!n->active || n->readiness < 1 || n->readiness > 3)
        return;
    char note[HRW_ID_MAX + 32];
    const char *why = s_ineligible (c, n, note, sizeof (note));
    hrw_position_report_t *r = c->report;
    if (r && r->n_successors < HRW_SUCCESSORS_MAX) {
        hrw_successor_t *s = &r->successors[r->n_successors++];
        snprintf (s->employee, sizeof (s->employee), "%s", n->employee);
        snprintf (s->note, sizeof (s->note), "%s", note);
        s->readiness = n->readiness;
        s->why_not = why;
    }
    if (why)
        return;
    c->by_readiness[n->readiness]++;
    if (n->readiness == HRWATCH__V1__READINESS__READINESS_READY_NOW)
        snprintf (c->sole, sizeof (c->sole), "%s", n->employee);
}

static int
s_gap_eval (hrw_detect_t *self, const char *position, int64_t clock, const char *trigger,
            const char *cause)
{
    hrw_position_info_t p;
    int defined = hrw_store_position (self->store, position, &p) == 0 && p.defined;
    int critical = defined && p.critical;
    char vacancy[HRW_ID_MAX * 2 + 40];
    int vacant = !defined || !s_holds (self, position, &p, vacancy, sizeof (vacancy));
    s_gap_ctx_t c = { self, position, defined && !vacant? p.incumbent: "", { 0 }, "", NULL };
    int rc = critical? hrw_store_nominations_each (self->store, position, s_gap_nominee, &c): 0;
    if (rc)
        return rc;
    uint32_t ready = c.by_readiness[HRWATCH__V1__READINESS__READINESS_READY_NOW];

    hrw_alert_eval_t e;
    s_eval_init (&e, K (SUCCESSION_GAP), position, defined? p.unit: "", trigger);
    e.firing = critical && ready < self->opts.min_ready_now;
    int quiet = s_quiet (self, &e);
    //  Critical only when the gap is real today: no one in the role and no
    //  one ready to step in.
    e.severity = vacant && ready == 0? SEV (CRITICAL): SEV (WARNING);
    e.observed = ready;
    e.expected = self->opts.min_ready_now;
    s_detail (&e, "ready_now", ready);
    s_detail (&e, "ready_1_2_years", c.by_readiness[2]);
    s_detail (&e, "ready_3_plus_years", c.by_readiness[3]);
    s_detail (&e, "vacant", vacant);
    if (quiet)
        e.summary[0] = '\0';
    else if (!critical)
        snprintf (e.summary, sizeof (e.summary), "%s is not a critical position%s%.100s", position,
                  cause? ": ": "", cause? cause: "");
    else {
        //  Why it is vacant, unless the cause says it already.
        int why = vacant && *vacancy && (!cause || !strstr (cause, vacancy));
        snprintf (e.summary, sizeof (e.summary),
                  "%s (%.40s in %s) has %u ready-now successor%s (needs %u)%s%s%.60s%s%s%.100s",
                  position, *p.title? p.title: "critical position", p.unit, ready,
                  ready == 1? "": "s", self->opts.min_ready_now, vacant? " and is vacant": "",
                  why? " (": "", why? vacancy: "", why? ")": "", cause? ": ": "",
                  cause? cause: "");
    }
    if (!quiet && (rc = s_update (self, &e, clock)))
        return rc;
    s_cover_t now;
    memset (&now, 0, sizeof (now));
    now.critical = (uint8_t) critical;
    now.covered = critical && ready >= 1;
    snprintf (now.unit, sizeof (now.unit), "%s", critical? p.unit: "");
    if (critical && ready == 1)
        snprintf (now.sole, sizeof (now.sole), "%s", c.sole);
    return s_recount (self, position, &now, clock, trigger);
}

//  Re-evaluates the positions employee is nominated for, but skip, saying
//  "successor " and cause.
static int
s_gap_nominations (hrw_detect_t *self, const char *employee, const char *skip1,
                   const char *skip2, int64_t clock, const char *trigger, const char *cause)
{
    s_list_t list = { NULL, 0, 0 };
    char text[200];
    snprintf (text, sizeof (text), "successor %s", cause);
    int rc = s_positions_of (self, self->db_nominee, employee, &list);
    for (size_t i = 0; !rc && i < list.n; i++) {
        if (!strcmp (list.positions[i], skip1) || !strcmp (list.positions[i], skip2))
            continue;
        rc = s_gap_eval (self, list.positions[i], clock, trigger, *cause? text: NULL);
    }
    free (list.positions);
    return rc;
}

//  A person event: re-evaluate the roles they hold or held (by their own
//  record, or as named by a definition) and those they are nominated for,
//  naming the cause.
static int
s_gap_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev, const char *employee,
              const hrw_detect_before_t *b, int64_t clock)
{
    hrw_employee_info_t now;
    if (hrw_store_employee (self->store, employee, &now))
        return 0;
    const char *was_pos = b->had_employee? b->employee.position: "";
    int exited = b->had_employee && b->employee.status == HRW_EMP_ACTIVE
              && now.status != HRW_EMP_ACTIVE;
    int moved = strcmp (was_pos, now.position) != 0;
    char cause[160] = "";
    if (exited)
        snprintf (cause, sizeof (cause), "%s exited", employee);
    else if (moved && ev->body_case == HRWATCH__V1__EVENT__BODY_PROMOTION)
        snprintf (cause, sizeof (cause), "%s promoted to %s", employee, now.position);
    else if (ev->body_case == HRWATCH__V1__EVENT__BODY_HIRE)
        snprintf (cause, sizeof (cause), "%s hired", employee);
    else if (moved)
        snprintf (cause, sizeof (cause), "%s moved to %s", employee, now.position);
    else if (ev->body_case == HRWATCH__V1__EVENT__BODY_TRANSFER)
        snprintf (cause, sizeof (cause), "%s transferred to %s", employee, now.unit);
    char text[200];
    int rc = 0;
    if (*now.position)
        rc = s_pair_put (self, self->db_holds, employee, now.position);
    if (!rc && *was_pos) {
        snprintf (text, sizeof (text), "incumbent %s", cause);
        rc = s_gap_eval (self, was_pos, clock, ev->event_id, *cause? text: NULL);
    }
    if (!rc && *now.position && moved) {
        snprintf (text, sizeof (text), "%s", cause);
        rc = s_gap_eval (self, now.position, clock, ev->event_id, *cause? text: NULL);
    }
    //  Roles a definition named them incumbent of, their record aside.
    s_list_t held = { NULL, 0, 0 };
    if (!rc)
        rc = s_positions_of (self, self->db_holds, employee, &held);
    for (size_t i = 0; !rc && i < held.n; i++) {
        if (!strcmp (held.positions[i], was_pos) || !strcmp (held.positions[i], now.position))
            continue;
        snprintf (text, sizeof (text), "incumbent %s", cause);
        rc = s_gap_eval (self, held.positions[i], clock, ev->event_id, *cause? text: NULL);
    }
    free (held.positions);
    if (!rc)
        rc = s_gap_nominations (self, employee, was_pos, now.position, clock, ev->event_id,
                                cause);
    return rc;
}

//  A definition: the position itself, and the roles its incumbent (new and
//  former) is nominated for, which holding a critical role changes.
static int
s_gap_defined (hrw_detect_t *self, const Hrwatch__V1__Event *ev, const hrw_detect_before_t *b,
               int64_t clock)
{
    const Hrwatch__V1__PositionDefined *m = ev->position_defined;
    int rc = 0;
    if (*m->incumbent_id)
        rc = s_pair_put (self, self->db_holds, m->incumbent_id, m->position_id);
    if (!rc)
        rc = s_gap_eval (self, m->position_id, clock, ev->event_id,
                         m->critical? "position defined as critical": "position defined");
    hrw_position_info_t p;
    if (rc || hrw_store_position (self->store, m->position_id, &p))
        return rc;
    char cause[HRW_ID_MAX * 2 + 40];
    snprintf (cause, sizeof (cause), "%s named incumbent of %s", p.incumbent, m->position_id);
    if (*p.incumbent)
        rc = s_gap_nominations (self, p.incumbent, m->position_id, "", clock, ev->event_id,
                                cause);
    const char *was = b->had_position? b->position.incumbent: "";
    snprintf (cause, sizeof (cause), "%s no longer named incumbent of %s", was, m->position_id);
    if (!rc && *was && strcmp (was, p.incumbent))
        rc = s_gap_nominations (self, was, m->position_id, "", clock, ev->event_id, cause);
    return rc;
}

static int
s_gap_nomination (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int64_t clock)
{
    const char *pos, *emp;
    char cause[160];
    if (ev->body_case == HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED) {
        static const char *r[] = { "", "ready now", "ready in 1-2 years", "ready in 3+ years" };
        pos = ev->successor_nominated->position_id;
        emp = ev->successor_nominated->employee_id;
        snprintf (cause, sizeof (cause), "%s nominated, %s", emp,
                  r[ev->successor_nominated->readiness]);
    }
    else {
        pos = ev->successor_withdrawn->position_id;
        emp = ev->successor_withdrawn->employee_id;
        snprintf (cause, sizeof (cause), "nomination of %s withdrawn", emp);
    }
    int rc = s_pair_put (self, self->db_nominee, emp, pos);
    return rc? rc: s_gap_eval (self, pos, clock, ev->event_id, cause);
}

// ---------------------------------------------------------------------------
// Turnover: per-unit cumulative series

static MDB_val
s_series_key (const char *unit, int64_t t, uint8_t buf[HRW_ID_MAX + 9])
{
    //  Ids are validated where they enter; the bound keeps a missed one
    //  from writing past buf.
    size_t n = strnlen (unit, HRW_ID_MAX);
    memcpy (buf, unit, n);
    buf[n] = '\0';
    uint64_t u = (uint64_t) t ^ (1ULL << 63);
    for (int i = 7; i >= 0; i--, u >>= 8)
        buf[n + 1 + (size_t) i] = (uint8_t) u;
    MDB_val k = { n + 9, buf };
    return k;
}

//  The unit's series at time t: its last point at or before t, carried
//  forward to t. Zero when it has none.
static int
s_point_at (hrw_detect_t *self, const char *unit, int64_t t, s_point_t *out, int64_t *at)
{
    memset (out, 0, sizeof (*out));
    *at = HRW_TIME_NONE;
    uint8_t kb[HRW_ID_MAX + 9], want[HRW_ID_MAX + 9];
    MDB_val k = s_series_key (unit, t == INT64_MAX? t: t + 1, kb), v;
    MDB_val w = s_series_key (unit, t, want);
    size_t plen = strnlen (unit, HRW_ID_MAX) + 1;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (s_txn (self), self->db_series, &cur);
    if (rc)
        return rc;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get (cur, &k, &v, rc == 0? MDB_PREV: MDB_LAST);
    if (rc == 0 && k.mv_size == w.mv_size && !memcmp (k.mv_data, w.mv_data, plen)
        && v.mv_size == sizeof (*out)) {
        memcpy (out, v.mv_data, sizeof (*out));
        uint64_t u = 0;
        for (int i = 0; i < 8; i++)
            u = u << 8 | ((const uint8_t *) k.mv_data)[plen + (size_t) i];
        *at = (int64_t) (u ^ (1ULL << 63));
        out->person_days += (double) out->headcount * (double) (t - *at) / (double) S_DAY_US;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND? 0: rc;
}

static int
s_series_add (hrw_detect_t *self, const char *unit, int64_t clock, const s_point_t *delta)
{
    s_point_t p;
    int64_t at;
    int rc = s_point_at (self, unit, clock, &p, &at);
    if (rc)
        return rc;
    p.headcount += delta->headcount;
    p.voluntary += delta->voluntary;
    p.regretted += delta->regretted;
    p.rif += delta->rif;
    uint8_t kb[HRW_ID_MAX + 9];
    MDB_val k = s_series_key (unit, clock, kb), v = { sizeof (p), &p };
    return mdb_put (s_txn (self), self->db_series, &k, &v, 0);
}

//  Adds delta to the unit, its ancestors and the company.
static int
s_series_chain (hrw_detect_t *self, const char *unit, int64_t clock, const s_point_t *delta)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = s_chain (self, unit, chain);
    int rc = s_series_add (self, S_COMPANY, clock, delta);
    for (size_t i = 0; !rc && i < n; i++)
        rc = s_series_add (self, chain[i], clock, delta);
    return rc;
}

typedef struct {
    int64_t at;                 //  Event time of the point
    s_point_t p;                //  The series there
} s_stamped_t;

//  Every point of a unit's series, oldest first; *pts is the caller's to
//  free.
static int
s_series_all (hrw_detect_t *self, const char *unit, s_stamped_t **pts, size_t *n)
{
    size_t cap = 0;
    *pts = NULL;
    *n = 0;
    uint8_t kb[HRW_ID_MAX + 9];
    MDB_val k = s_series_key (unit, INT64_MIN, kb), v;
    size_t plen = strnlen (unit, HRW_ID_MAX) + 1;
    uint8_t prefix[HRW_ID_MAX + 1];
    memcpy (prefix, kb, plen);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (s_txn (self), self->db_series, &cur);
    if (rc)
        return rc;
    MDB_cursor_op op = MDB_SET_RANGE;
    while ((rc = mdb_cursor_get (cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size != plen + 8 || memcmp (k.mv_data, prefix, plen))
            break;
        if (v.mv_size != sizeof (s_point_t))
            continue;
        if (*n == cap) {
            cap = cap? cap * 2: 64;
            void *p = realloc (*pts, cap * sizeof (**pts));
            if (!p) {
                rc = ENOMEM;
                break;
            }
            *pts = p;
        }
        uint64_t u = 0;
        for (size_t i = 0; i < 8; i++)
            u = u << 8 | ((const uint8_t *) k.mv_data)[plen + i];
        (*pts)[*n].at = (int64_t) (u ^ (1ULL << 63));
        memcpy (&(*pts)[*n].p, v.mv_data, sizeof (s_point_t));
        (*n)++;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND? 0: rc;
}

//  The series at t from its points, *i the cursor into them (times asked
//  in order), carried forward as s_point_at does.
static s_point_t
s_carry (const s_stamped_t *pts, size_t n, size_t *i, int64_t t)
{
    s_point_t p;
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
        s_point_t pa = s_carry (a, na, &ia, t), pu = s_carry (u, nu, &iu, t);
        pa.headcount += sign * pu.headcount;
        pa.person_days += sign * pu.person_days;
        pa.voluntary = (uint64_t) ((int64_t) pa.voluntary + sign * (int64_t) pu.voluntary);
        pa.regretted = (uint64_t) ((int64_t) pa.regretted + sign * (int64_t) pu.regretted);
        pa.rif = (uint64_t) ((int64_t) pa.rif + sign * (int64_t) pu.rif);
        uint8_t kb[HRW_ID_MAX + 9];
        MDB_val k = s_series_key (ancestor, t, kb), v = { sizeof (pa), &pa };
        rc = mdb_put (s_txn (self), self->db_series, &k, &v, 0);
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
    size_t n = s_chain (self, parent, chain);
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
static int
s_unit_moved (hrw_detect_t *self, const char *unit, const hrw_detect_before_t *b,
              int64_t clock, const char *trigger)
{
    hrw_unit_info_t now;
    if (hrw_store_unit (self->store, unit, &now) || !now.defined)
        return 0;
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
        rc = s_bench_move (self, unit, leave, n_leave, -1, clock, trigger);
    if (!rc)
        rc = s_bench_move (self, unit, join, n_join, 1, clock, trigger);
    return rc;
}

//  When the first voluntary exit was seen (the start of exit history).
static int64_t
s_first_exit (hrw_detect_t *self)
{
    MDB_val k = { 10, "first_exit" }, v;
    int64_t t = HRW_TIME_NONE;
    if (mdb_get (s_txn (self), self->db_series, &k, &v) == 0 && v.mv_size == sizeof (t))
        memcpy (&t, v.mv_data, sizeof (t));
    return t;
}

static int
s_note_exit (hrw_detect_t *self, int64_t clock)
{
    if (s_first_exit (self) != HRW_TIME_NONE)
        return 0;
    MDB_val k = { 10, "first_exit" }, v = { sizeof (clock), &clock };
    return mdb_put (s_txn (self), self->db_series, &k, &v, 0);
}

//  A unit's sustained-rise CUSUM as last brought up to date.
typedef struct {
    double s;                   //  The statistic, in log-likelihood units
    int64_t at;                 //  Event time it was brought up to
    int64_t fired_at;           //  When its alert last fired, or HRW_TIME_NONE
    int64_t resolved_at;        //  When its alert last resolved, or HRW_TIME_NONE
} s_rise_t;

static int
s_rise_get (hrw_detect_t *self, const char *unit, s_rise_t *r)
{
    MDB_val k = { strlen (unit), (void *) unit }, v;
    int rc = mdb_get (s_txn (self), self->db_rise, &k, &v);
    if (rc == 0 && v.mv_size != sizeof (*r))
        return HRW_E_CORRUPT;
    if (rc == 0)
        memcpy (r, v.mv_data, sizeof (*r));
    return rc;
}

static int
s_rise_put (hrw_detect_t *self, const char *unit, const s_rise_t *r)
{
    MDB_val k = { strlen (unit), (void *) unit }, v = { sizeof (*r), (void *) r };
    return mdb_put (s_txn (self), self->db_rise, &k, &v, 0);
}

int
hrw_detect_unit_turnover (hrw_detect_t *self, const char *unit, int64_t clock,
                          hrw_unit_turnover_t *t)
{
    const hrw_detect_opts_t *o = &self->opts;
    int64_t w0 = clock - (int64_t) o->window_days * S_DAY_US;
    int64_t b0 = w0 - (int64_t) o->baseline_days * S_DAY_US;
    s_point_t now, start, base, cstart, cbase;
    int64_t at;
    int rc = s_point_at (self, unit, clock, &now, &at);
    if (!rc) rc = s_point_at (self, unit, w0, &start, &at);
    if (!rc) rc = s_point_at (self, unit, b0, &base, &at);
    if (!rc) rc = s_point_at (self, S_COMPANY, w0, &cstart, &at);
    if (!rc) rc = s_point_at (self, S_COMPANY, b0, &cbase, &at);
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
    s_rise_t r;
    if (s_rise_get (self, unit, &r) == 0)
        t->rise_cusum = r.s;
    return 0;
}

#define S_RISE_REF 10.0     //  Exits a year above which thresholds tighten
#define S_SPIKE_RATIO 4.0   //  The rate the spike CUSUM looks for, times the baseline

//  A unit's sharp-spike CUSUM as last brought up to date.
typedef struct {
    double s;                   //  The statistic, in log-likelihood units
    int64_t at;                 //  Event time it was brought up to
    int64_t fired_at;           //  When its alert last fired, or HRW_TIME_NONE
    int64_t resolved_at;        //  When its alert last resolved, or HRW_TIME_NONE
} s_spike_t;

static int
s_spike_get (hrw_detect_t *self, const char *unit, s_spike_t *r)
{
    MDB_val k = { strlen (unit), (void *) unit }, v;
    int rc = mdb_get (s_txn (self), self->db_spike, &k, &v);
    if (rc == 0 && v.mv_size != sizeof (*r))
        return HRW_E_CORRUPT;
    if (rc == 0)
        memcpy (r, v.mv_data, sizeof (*r));
    return rc;
}

static int
s_spike_put (hrw_detect_t *self, const char *unit, const s_spike_t *r)
{
    MDB_val k = { strlen (unit), (void *) unit }, v = { sizeof (*r), (void *) r };
    return mdb_put (s_txn (self), self->db_spike, &k, &v, 0);
}

//  Brings the unit's spike CUSUM up to clock: a Poisson CUSUM of "the rate
//  is S_SPIKE_RATIO times the (shrunk) baseline". Each exit earns
//  ln S_SPIKE_RATIO, each person-day costs lambda0 (S_SPIKE_RATIO - 1);
//  it never goes below zero, and since marks when it last left zero (the
//  moment it reached zero, between two updates), so the run of exits it
//  scores can be shown. The exit that triggers an update comes last.
static int
s_spike_step (hrw_detect_t *self, const char *unit, const hrw_unit_turnover_t *t,
              int64_t clock, s_spike_t *r)
{
    s_point_t now, then;
    int64_t at;
    int rc = s_spike_get (self, unit, r);
    if (rc == MDB_NOTFOUND) {
        memset (r, 0, sizeof (*r));
        r->at = clock;
        r->fired_at = r->resolved_at = HRW_TIME_NONE;
        return 0;
    }
    if (rc || clock <= r->at)
        return rc;
    if ((rc = s_point_at (self, unit, clock, &now, &at))
        || (rc = s_point_at (self, unit, r->at, &then, &at)))
        return rc;
    double pd = now.person_days - then.person_days;
    double exits = (double) now.voluntary - (double) then.voluntary;
    double cost = t->baseline_annualised / 365 * (S_SPIKE_RATIO - 1) * (pd > 0? pd: 0);
    if (!t->judged)
        r->s = 0;
    else {
        r->s = r->s > cost? r->s - cost: 0;
        r->s += (exits > 0? exits: 0) * log (S_SPIKE_RATIO);
    }
    r->at = clock;
    return 0;
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
    s_spike_t r;
    int rc = s_spike_step (self, unit, t, clock, &r);
    if (rc)
        return rc;
    int was = hrw_alerts_is_firing (self->alerts, K (TURNOVER_SPIKE), unit, NULL);
    hrw_alert_eval_t e;
    s_eval_init (&e, K (TURNOVER_SPIKE), unit, unit, trigger);
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
    if ((rc = s_spike_put (self, unit, &r)))
        return rc;
    if (!e.firing && !was)
        return 0;
    //  What is shown is always the window: one measure a reader can follow
    //  from one update to the next. The sharp-rise score says why it fired
    //  when the window alone would not have.
    e.observed = (double) t->observed;
    e.expected = t->expected;
    e.p_value = t->p_value;
    s_detail (&e, "regretted_exits", (double) t->regretted);
    s_detail (&e, "headcount", (double) t->headcount_at_start);
    s_detail (&e, "headcount_now", (double) t->headcount);
    s_detail (&e, "annualised_rate", t->annualised);
    s_detail (&e, "baseline_annualised_rate", t->baseline_annualised);
    s_detail (&e, "window_days", (double) o->window_days);
    s_detail (&e, "cusum", r.s);
    s_detail (&e, "threshold", h);
    char why[96] = "";
    if (r.s >= h)
        snprintf (why, sizeof (why), ", a sharp rise (score %.1f, fires at %.1f)", r.s, h);
    snprintf (e.summary, sizeof (e.summary),
              "%s: %llu voluntary exit%s in %u days (%llu regretted) against %.1f expected, "
              "p=%.2g%s; headcount %lld at the window's start, %lld now", unit,
              (unsigned long long) t->observed, t->observed == 1? "": "s", o->window_days,
              (unsigned long long) t->regretted, t->expected, t->p_value, why,
              (long long) t->headcount_at_start, (long long) t->headcount);
    return s_update (self, &e, clock);
}

//  Brings the unit's CUSUM up to clock: a Poisson CUSUM of "the rate has
//  doubled" against the (shrunk) baseline. Between two updates the unit's
//  person-days pull it down by the baseline exits they would bring (the
//  reference value k of a doubling is lambda0 (2 - 1) / ln 2 exits, so in
//  log-likelihood units each person-day costs lambda0 and each exit earns
//  ln 2); it never goes below zero. The exit that triggers an update comes
//  last in its interval.
static int
s_rise_step (hrw_detect_t *self, const char *unit, const hrw_unit_turnover_t *t,
             int64_t clock, s_rise_t *r)
{
    s_point_t now, then;
    int64_t at;
    int rc = s_rise_get (self, unit, r);
    if (rc == MDB_NOTFOUND) {
        memset (r, 0, sizeof (*r));
        r->at = clock;
        r->fired_at = r->resolved_at = HRW_TIME_NONE;
        return 0;
    }
    if (rc || clock <= r->at)
        return rc;
    if ((rc = s_point_at (self, unit, clock, &now, &at))
        || (rc = s_point_at (self, unit, r->at, &then, &at)))
        return rc;
    double pd = now.person_days - then.person_days;
    double exits = (double) now.voluntary - (double) then.voluntary;
    double lambda0 = t->baseline_annualised / 365;
    if (!t->judged)
        r->s = 0;
    else {
        r->s -= lambda0 * (pd > 0? pd: 0);
        if (r->s < 0)
            r->s = 0;
        r->s += (exits > 0? exits: 0) * M_LN2;
    }
    r->at = clock;
    return 0;
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
    s_rise_t r;
    int rc = s_rise_step (self, unit, t, clock, &r);
    if (rc)
        return rc;
    int64_t window = (int64_t) o->window_days * S_DAY_US;
    int was = hrw_alerts_is_firing (self->alerts, K (TURNOVER_RISE), unit, NULL);
    s_point_t now, back;
    int64_t at;
    if ((rc = s_point_at (self, unit, clock, &now, &at))
        || (rc = s_point_at (self, unit, clock - 3 * window, &back, &at)))
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
    s_eval_init (&e, K (TURNOVER_RISE), unit, unit, trigger);
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
    if ((rc = s_rise_put (self, unit, &r)))
        return rc;
    if (!e.firing && !was)
        return 0;
    e.observed = exits3;
    e.expected = expected3;
    s_detail (&e, "cusum", r.s);
    s_detail (&e, "threshold", h);
    s_detail (&e, "headcount", (double) t->headcount_at_start);
    s_detail (&e, "headcount_now", (double) t->headcount);
    s_detail (&e, "baseline_annualised_rate", t->baseline_annualised);
    snprintf (e.summary, sizeof (e.summary),
              "%s: voluntary exits running above the baseline of %.1f%% a year: %.0f in the "
              "last %u days against %.1f expected; headcount %lld at the window's start, "
              "%lld now", unit, t->baseline_annualised * 100, exits3, 3 * o->window_days,
              expected3, (long long) t->headcount_at_start, (long long) t->headcount);
    return s_update (self, &e, clock);
}

static int
s_turnover_eval (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    hrw_unit_turnover_t t;
    int rc = hrw_detect_unit_turnover (self, unit, clock, &t);
    if (!rc)
        rc = s_spike_eval (self, unit, &t, clock, trigger);
    if (!rc)
        rc = s_rise_eval (self, unit, &t, clock, trigger);
    return rc;
}

static int
s_rif_eval (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    s_point_t now, start;
    int64_t at;
    int64_t w0 = clock - (int64_t) self->opts.window_days * S_DAY_US;
    int rc = s_point_at (self, unit, clock, &now, &at);
    if (!rc)
        rc = s_point_at (self, unit, w0, &start, &at);
    if (rc)
        return rc;
    uint64_t n = now.rif - start.rif;
    hrw_alert_eval_t e;
    s_eval_init (&e, K (REDUCTION_IN_FORCE), unit, unit, trigger);
    e.severity = SEV (INFO);
    e.firing = n > 0;
    if (s_quiet (self, &e))
        return 0;
    e.observed = (double) n;
    snprintf (e.summary, sizeof (e.summary),
              "%s: %llu exits in a reduction in force in the last %u days; they are not "
              "counted as voluntary turnover", unit, (unsigned long long) n,
              self->opts.window_days);
    return s_update (self, &e, clock);
}

//  Headcount and exits as a person event changes them.
static int
s_turnover_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev, const char *employee,
                   const hrw_detect_before_t *b, int64_t clock)
{
    hrw_employee_info_t now;
    if (hrw_store_employee (self->store, employee, &now))
        return 0;
    int was_active = b->had_employee && b->employee.status == HRW_EMP_ACTIVE;
    int is_active = now.status == HRW_EMP_ACTIVE;
    const char *was_unit = was_active? b->employee.unit: "";
    if (was_active && is_active && !strcmp (was_unit, now.unit))
        return 0;
    s_point_t d;
    int rc = 0;
    if (was_active) {
        memset (&d, 0, sizeof (d));
        d.headcount = -1;
        if (!is_active && ev->body_case == HRWATCH__V1__EVENT__BODY_EXIT) {
            const Hrwatch__V1__Exit *x = ev->exit;
            int voluntary = x->type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY;
            d.rif = x->reduction_in_force? 1: 0;
            d.voluntary = voluntary && !x->reduction_in_force;
            d.regretted = d.voluntary && x->regretted;
        }
        if ((rc = s_series_chain (self, was_unit, clock, &d)))
            return rc;
        if (d.voluntary && (rc = s_note_exit (self, clock)))
            return rc;
        char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
        size_t n = s_chain (self, was_unit, chain);
        for (size_t i = 0; !rc && d.voluntary && i < n; i++)
            rc = s_turnover_eval (self, chain[i], clock, ev->event_id);
        if (!rc && d.rif && *was_unit)
            rc = s_rif_eval (self, was_unit, clock, ev->event_id);
    }
    if (!rc && is_active) {
        memset (&d, 0, sizeof (d));
        d.headcount = 1;
        rc = s_series_chain (self, now.unit, clock, &d);
    }
    return rc;
}

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
    MDB_val k = { strlen (cycle), (void *) cycle }, v;
    int rc = mdb_get (s_txn (self), self->db_decided, &k, &v);
    if (rc == 0 && v.mv_size == sizeof (*at))
        memcpy (at, v.mv_data, sizeof (*at));
    return rc == 0 && v.mv_size != sizeof (*at)? HRW_E_CORRUPT: rc;
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
        if (rc != MDB_NOTFOUND && !f->rc)
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

static void
s_nps_counts (const hrw_survey_info_t *s, double *promoters, double *detractors)
{
    *promoters = s->enps[9] + s->enps[10];
    *detractors = 0;
    for (int i = 0; i <= 6; i++)
        *detractors += s->enps[i];
}

static double
s_enps (const hrw_survey_info_t *s)
{
    double promoters, detractors;
    s_nps_counts (s, &promoters, &detractors);
    return s->enps_responses? 100.0 * (promoters - detractors) / s->enps_responses: 0;
}

static double
s_mean (const hrw_survey_info_t *s)
{
    return hrw_stats_from_histogram (s->engagement, 5, 1).mean;
}

//  Tests one unit's drops from its baseline. Nothing is tested for a group
//  below the anonymity threshold.
static int
s_member_test (hrw_detect_t *self, s_family_t *f, s_member_t *m)
{
    uint32_t min = self->opts.min_respondents;
    s_test_t *t = f->t;
    int rc = hrw_store_survey (self->store, m->unit, f->cycle, &t->now);
    if (rc == MDB_NOTFOUND)
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
        s_nps_counts (&t->base, &ap, &ad);
        s_nps_counts (&t->now, &bp, &bd);
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
    s_eval_init (&e, K (ENGAGEMENT_DROP), m->unit, m->unit, trigger);
    e.cycle = t->prev[0].id;
    e.firing = 0;
    snprintf (e.summary, sizeof (e.summary), "%s, cycle %s: superseded by cycle %s, closed %s",
              m->unit, t->prev[0].id, cycle, dropped? "with a further drop"
              : m->compared? "without a drop": "with too few responses to compare");
    return s_update (self, &e, clock);
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
    s_eval_init (&e, K (ENGAGEMENT_DROP), m->unit, m->unit, trigger);
    e.cycle = cycle;
    e.firing = 1;
    e.observed = b;
    e.expected = a;
    e.p_value = mean_drop? m->mean_p: m->enps_p;    //  What the alert stands on
    s_detail (&e, "respondents", t->now.responses);
    s_detail (&e, "baseline_respondents", t->base.responses);
    s_detail (&e, "baseline_cycles", t->base_cycles);
    s_detail (&e, "fdr_threshold_p", threshold);
    s_detail (&e, "unit_p_value", s_unit_p (m));
    s_detail (&e, "family_units", (double) tests);
    if (m->enps_compared) {
        s_detail (&e, "enps", s_enps (&t->now));
        s_detail (&e, "baseline_enps", s_enps (&t->base));
        s_detail (&e, "enps_p_value", m->enps_p);
    }
    s_detail (&e, "mean_p_value", m->mean_p);
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
    return s_update (self, &e, clock);
}

//  Decides a cycle once, for every unit that answered it: a first pass
//  finds each unit's p-values, the family's threshold follows, and a second
//  pass works each unit's test out again to write its verdict.
static int
s_engagement_decide (hrw_detect_t *self, const char *cycle, int64_t clock, const char *trigger)
{
    int64_t at;
    int rc = s_decided_at (self, cycle, &at);
    if (rc != MDB_NOTFOUND)
        return rc;      //  Decided already (0), or a failure
    MDB_val k = { strlen (cycle), (void *) cycle }, v = { sizeof (clock), &clock };
    if ((rc = mdb_put (s_txn (self), self->db_decided, &k, &v, 0)))
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
static int
s_engagement_close_due (hrw_detect_t *self, int64_t clock)
{
    s_due_t d;
    memset (&d, 0, sizeof (d));
    d.due = clock - (int64_t) self->opts.survey_close_days * S_DAY_US;
    int rc = hrw_store_cycles_each (self->store, s_cycle_due, &d);
    for (size_t i = 0; !rc && !d.rc && i < d.n; i++) {
        rc = hrw_store_survey_close (self->store, d.ids[i], "", clock);
        if (!rc)
            rc = s_engagement_decide (self, d.ids[i], clock, "");
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

// ---------------------------------------------------------------------------
// Entry points

int
hrw_detect_before (hrw_detect_t *self, const Hrwatch__V1__Event *ev, hrw_detect_before_t *b)
{
    const char *employee = NULL, *position = NULL;
    memset (b, 0, sizeof (*b));
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE: employee = ev->hire->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_EXIT: employee = ev->exit->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_PROMOTION: employee = ev->promotion->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_TRANSFER: employee = ev->transfer->employee_id; break;
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
    const char *employee = NULL;
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE: employee = ev->hire->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_EXIT: employee = ev->exit->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_PROMOTION: employee = ev->promotion->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_TRANSFER: employee = ev->transfer->employee_id; break;
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED:
            rc = s_gap_defined (self, ev, b, clock);
            break;
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED:
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN:
            rc = s_gap_nomination (self, ev, clock);
            break;
        case HRWATCH__V1__EVENT__BODY_SURVEY_CYCLE_CLOSED:
            //  Closed for one unit only: its aggregate is final, but the
            //  family is decided when the cycle closes for every unit.
            if (!*ev->survey_cycle_closed->unit_id)
                rc = s_engagement_decide (self, ev->survey_cycle_closed->survey_cycle_id, clock,
                                          ev->event_id);
            break;
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED:
            rc = s_unit_moved (self, ev->org_unit_defined->unit_id, b, clock, ev->event_id);
            break;
        default:
            break;
    }
    if (!rc && employee)
        rc = s_turnover_person (self, ev, employee, b, clock);
    if (!rc && employee)
        rc = s_gap_person (self, ev, employee, b, clock);
    return rc;
}

typedef struct {
    hrw_detect_t *self;
    int64_t clock;
    int rc;
    int rif;            //  Which kind is being swept
} s_sweep_t;

static void
s_sweep_one (const char *subject, const char *cycle, void *arg)
{
    s_sweep_t *s = arg;
    (void) cycle;
    if (s->rc)
        return;
    s->rc = s->rif? s_rif_eval (s->self, subject, s->clock, "")
                  : s_turnover_eval (s->self, subject, s->clock, "");
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
    if (!rc && !s.rc)
        rc = s_engagement_close_due (self, clock);
    return rc? rc: s.rc;
}

// ---------------------------------------------------------------------------
// Reports for queries, outside write transactions

int
hrw_detect_unit_report (hrw_detect_t *self, const char *unit, int64_t clock,
                        hrw_unit_turnover_t *t, uint32_t *critical, uint32_t *covered)
{
    void *txn;
    int rc = hrw_store_read_begin (self->store, &txn);
    if (rc)
        return rc;
    self->rtxn = hrw_store_txn (self->store)? NULL: txn;
    rc = hrw_detect_unit_turnover (self, unit, clock, t);
    s_bench_t b = { 0, 0 };
    MDB_val k = { strlen (unit), (void *) unit }, v;
    if (!rc && mdb_get (s_txn (self), self->db_bench, &k, &v) == 0 && v.mv_size == sizeof (b))
        memcpy (&b, v.mv_data, sizeof (b));
    *critical = b.critical;
    *covered = b.covered;
    self->rtxn = NULL;
    hrw_store_read_end (self->store, txn);
    return rc;
}

int
hrw_detect_position_report (hrw_detect_t *self, const char *position, hrw_position_report_t *r)
{
    hrw_position_info_t p;
    memset (r, 0, sizeof (*r));
    void *txn;
    int rc = hrw_store_read_begin (self->store, &txn);
    if (rc)
        return rc;
    self->rtxn = hrw_store_txn (self->store)? NULL: txn;
    rc = hrw_store_position (self->store, position, &p);
    if (rc)
        goto done;
    r->defined = p.defined;
    r->critical = p.defined && p.critical;
    snprintf (r->unit, sizeof (r->unit), "%s", p.unit);
    snprintf (r->title, sizeof (r->title), "%s", p.title);
    snprintf (r->incumbent, sizeof (r->incumbent), "%s", p.incumbent);
    r->vacant = !s_holds (self, position, &p, r->vacant_because, sizeof (r->vacant_because));
    s_gap_ctx_t c = { self, position, r->vacant? "": p.incumbent, { 0 }, "", r };
    if ((rc = hrw_store_nominations_each (self->store, position, s_gap_nominee, &c)))
        goto done;
    r->ready_now = c.by_readiness[HRWATCH__V1__READINESS__READINESS_READY_NOW];
    r->gap = r->critical && r->ready_now < self->opts.min_ready_now;
done:
    self->rtxn = NULL;
    hrw_store_read_end (self->store, txn);
    return rc;
}

// ---------------------------------------------------------------------------
// Re-evaluation after a change of thresholds

//  Calls fn with each key of dbi (a position, unit or employee id).
static int
s_keys_each (hrw_detect_t *self, unsigned int dbi, int (*fn) (hrw_detect_t *, const char *,
                                                             int64_t), int64_t clock)
{
    //  Collected first: fn writes to these databases.
    hrw_buf_t keys = { 0 };
    MDB_cursor *cur;
    int rc = mdb_cursor_open (s_txn (self), dbi, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    MDB_cursor_op op = MDB_FIRST;
    while ((rc = mdb_cursor_get (cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size > HRW_ID_MAX)
            continue;
        hrw_buf_append (&keys, k.mv_data, k.mv_size);
        hrw_buf_append (&keys, "", 1);
    }
    mdb_cursor_close (cur);
    rc = keys.oom? ENOMEM: rc == MDB_NOTFOUND? 0: rc;
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
    return s_gap_eval (self, position, clock, "", "thresholds reloaded");
}

static int
s_rebench (hrw_detect_t *self, const char *unit, int64_t clock)
{
    return s_bench_eval (self, unit, clock, "");
}

static int
s_reoverlap (hrw_detect_t *self, const char *employee, int64_t clock)
{
    return s_overlap (self, employee, 0, clock, "");
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
                || was->rise_h != o->rise_h || was->spike_h != o->spike_h))
        rc = hrw_detect_sweep (self, clock);
    //  Engagement is decided once, when a cycle closes: new thresholds
    //  apply to the next cycle to close, never to one decided already.
    if (!rc)
        self->judged = self->opts;
    return rc;
}
