/*  detect_succession: succession gaps, bench strength and successor
    overlap, from counters kept as positions and nominations change. */
#include "workers/detect_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/keys.h"
#include "lib/stats.h"

#define S_LEAVING_MAX 16        //  Scheduled exits of ready-now successors weighed

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

// ---------------------------------------------------------------------------
// Bench strength and successor overlap: counters kept as positions change

int
hrw_detect__bench_eval (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    s_bench_t b;
    int rc = hrw_detect__get_or_zero (self, self->db_bench, unit, &b, sizeof (b));
    if (rc)
        return rc;
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (BENCH_STRENGTH), unit, unit, trigger);
    double share = b.critical? (double) b.covered / b.critical: 1.0;
    e.firing = b.critical >= self->opts.bench_min_positions
            && share < self->opts.bench_strength_min;
    if (hrw_detect__quiet (self, &e))
        return 0;
    e.observed = share;
    e.expected = self->opts.bench_strength_min;
    hrw_detect__detail (&e, "critical_positions", b.critical);
    hrw_detect__detail (&e, "covered_positions", b.covered);
    snprintf (e.summary, sizeof (e.summary),
              "%s and below: %u of %u critical positions (%.0f%%) have a ready-now successor; "
              "the minimum is %.0f%%", unit, b.covered, b.critical, share * 100,
              self->opts.bench_strength_min * 100);
    return hrw_detect__update (self, &e, clock);
}

static int
s_bench_add (hrw_detect_t *self, const char *unit, int critical, int covered)
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, unit, chain);
    for (size_t i = 0; i < n; i++) {
        s_bench_t b;
        int rc = hrw_detect__get_or_zero (self, self->db_bench, chain[i], &b, sizeof (b));
        if (rc)
            return rc;
        b.critical += (uint32_t) critical;
        b.covered += (uint32_t) covered;
        if ((rc = hrw_detect__put (self, self->db_bench, chain[i], &b, sizeof (b))))
            return rc;
    }
    return 0;
}

int
hrw_detect__bench_counts (hrw_detect_t *self, const char *unit, uint32_t *critical,
                          uint32_t *covered)
{
    s_bench_t b;
    int rc = hrw_detect__get_or_zero (self, self->db_bench, unit, &b, sizeof (b));
    *critical = b.critical;
    *covered = b.covered;
    return rc;
}

//  Evaluates bench strength for both chains once both deltas are in, so a
//  position moving between counts never shows a half-moved state.
static int
s_bench_eval_chains (hrw_detect_t *self, const char *a, const char *b, int64_t clock,
                     const char *trigger)
{
    char ca[HRW_CHAIN_MAX][HRW_ID_MAX + 1], cb[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t na = hrw_detect__chain (self, a, ca), nb = hrw_detect__chain (self, b, cb);
    int rc = 0;
    for (size_t i = 0; !rc && i < na; i++)
        rc = hrw_detect__bench_eval (self, ca[i], clock, trigger);
    for (size_t i = 0; !rc && i < nb; i++) {
        int dup = 0;
        for (size_t j = 0; j < na; j++)
            dup |= !strcmp (cb[i], ca[j]);
        if (!dup)
            rc = hrw_detect__bench_eval (self, cb[i], clock, trigger);
    }
    return rc;
}

//  A unit's subtree counts, added to (sign 1) or taken from (-1) each of
//  the ancestors given, which are then re-evaluated: a unit defined or
//  re-parented takes its critical positions to its new ancestors.
int
hrw_detect__bench_move (hrw_detect_t *self, const char *unit, char ancestors[][HRW_ID_MAX + 1],
                        size_t n, int sign, int64_t clock, const char *trigger)
{
    s_bench_t u;
    int rc = hrw_table_get_fixed (self->store, self->db_bench, unit, strlen (unit), &u,
                                  sizeof (u));
    if (rc)
        return rc == HRW_E_NOTFOUND? 0: rc;
    for (size_t i = 0; !rc && i < n && u.critical; i++) {
        s_bench_t b;
        if ((rc = hrw_detect__get_or_zero (self, self->db_bench, ancestors[i], &b, sizeof (b))))
            return rc;
        b.critical = (uint32_t) ((int64_t) b.critical + sign * (int64_t) u.critical);
        b.covered = (uint32_t) ((int64_t) b.covered + sign * (int64_t) u.covered);
        if (!(rc = hrw_detect__put (self, self->db_bench, ancestors[i], &b, sizeof (b))))
            rc = hrw_detect__bench_eval (self, ancestors[i], clock, trigger);
    }
    return rc;
}

int
hrw_detect__overlap (hrw_detect_t *self, const char *employee, int delta, int64_t clock,
                     const char *trigger)
{
    uint32_t count;
    int rc = hrw_detect__get_or_zero (self, self->db_sole, employee, &count, sizeof (count));
    if (rc)
        return rc;
    count = (uint32_t) ((int64_t) count + delta);
    if ((rc = hrw_detect__put (self, self->db_sole, employee, &count, sizeof (count))))
        return rc;
    hrw_employee_info_t info;
    int known = hrw_store_employee (self->store, employee, &info) == 0;
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (SUCCESSOR_OVERLAP), employee, known? info.unit: "", trigger);
    e.firing = count > self->opts.max_sole_successor;
    if (hrw_detect__quiet (self, &e))
        return 0;
    e.observed = count;
    e.expected = self->opts.max_sole_successor;
    snprintf (e.summary, sizeof (e.summary),
              "%s is the only ready-now successor for %u critical positions (at most %u "
              "advised)", employee, count, self->opts.max_sole_successor);
    return hrw_detect__update (self, &e, clock);
}

//  Moves the position's contribution to bench and overlap counters from
//  what was counted last to what holds now.
static int
s_recount (hrw_detect_t *self, const char *position, const s_cover_t *now, int64_t clock,
           const char *trigger)
{
    s_cover_t was;
    int rc = hrw_detect__get_or_zero (self, self->db_covered, position, &was, sizeof (was));
    if (rc)
        return rc;
    if (!memcmp (&was, now, sizeof (was)))
        return 0;
    if ((rc = hrw_detect__put (self, self->db_covered, position, now, sizeof (*now))))
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
        if (*was.sole && (rc = hrw_detect__overlap (self, was.sole, -1, clock, trigger)))
            return rc;
        if (*now->sole && (rc = hrw_detect__overlap (self, now->sole, 1, clock, trigger)))
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
    size_t plen;                //  Length of the "employee\0" prefix walked
} s_list_t;

//  The second halves of the employee\0position keys of dbi for employee:
//  the positions they are (or were) nominated for (db_nominee), or named
//  incumbent of (db_holds).
//  Adds the part after "employee\0" of a key to the list.
static int
s_position_add (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_list_t *out = arg;
    size_t plen = out->plen;
    (void) v;
    if (k.len <= plen)
        return 0;
    if (out->n == out->cap) {
        size_t cap = out->cap? out->cap * 2: 8;
        void *p = realloc (out->positions, cap * sizeof (*out->positions));
        if (!p)
            return ENOMEM;
        out->positions = p;
        out->cap = cap;
    }
    size_t n = k.len - plen < HRW_ID_MAX? k.len - plen: HRW_ID_MAX;
    memcpy (out->positions[out->n], (const char *) k.data + plen, n);
    out->positions[out->n++][n] = '\0';
    return 0;
}

static int
s_positions_of (hrw_detect_t *self, hrw_table_t table, const char *employee, s_list_t *out)
{
    char prefix[HRW_ID_MAX + 1];
    out->plen = hrw_key_pair (prefix, sizeof (prefix), employee, "");
    return hrw_table_prefix_each (self->store, table, prefix, out->plen, s_position_add, out);
}

static int
s_pair_put (hrw_detect_t *self, hrw_table_t table, const char *employee, const char *position)
{
    char key[2 * HRW_ID_MAX + 2];
    size_t klen = hrw_key_pair (key, sizeof (key), employee, position);
    return hrw_table_put (self->store, table, key, klen, "", 0, 0);
}

//  The critical position other than position that employee became the
//  incumbent of after since, into out; 0 when none (or an error).
static int
s_holds_other (hrw_detect_t *self, const char *employee, const hrw_employee_info_t *e,
               const char *position, int64_t since, char out[HRW_ID_MAX + 1])
{
    s_list_t list = { NULL, 0, 0, 0 };
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
    int64_t leaving[S_LEAVING_MAX]; //  Scheduled exits of ready-now ones, by day
    size_t n_leaving;
    char leaver[HRW_ID_MAX + 1];    //  The one who leaves first
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
    if (n->readiness != HRWATCH__V1__READINESS__READINESS_READY_NOW)
        return;
    snprintf (c->sole, sizeof (c->sole), "%s", n->employee);
    //  Ready now, and already known to be leaving: in order of the day.
    int64_t t = hrw_detect_scheduled_exit (c->self, n->employee, 0, NULL);
    if (t == HRW_TIME_NONE || c->n_leaving == S_LEAVING_MAX)
        return;
    size_t i = c->n_leaving++;
    for (; i > 0 && c->leaving[i - 1] > t; i--)
        c->leaving[i] = c->leaving[i - 1];
    c->leaving[i] = t;
    if (i == 0)
        snprintf (c->leaver, sizeof (c->leaver), "%s", n->employee);
}

int
hrw_detect__gap_eval (hrw_detect_t *self, const char *position, int64_t clock, const char *trigger,
                      const char *cause)
{
    hrw_position_info_t p;
    int defined = hrw_store_position (self->store, position, &p) == 0 && p.defined;
    int critical = defined && p.critical;
    char vacancy[HRW_ID_MAX * 2 + 40];
    int vacant = !defined || !s_holds (self, position, &p, vacancy, sizeof (vacancy));
    s_gap_ctx_t c = { self, position, defined && !vacant? p.incumbent: "", { 0 }, "", NULL,
                      { 0 }, 0, "" };
    int rc = critical? hrw_store_nominations_each (self->store, position, s_gap_nominee, &c): 0;
    if (rc)
        return rc;
    uint32_t ready = c.by_readiness[HRWATCH__V1__READINESS__READINESS_READY_NOW];
    uint32_t need = self->opts.min_ready_now;

    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (SUCCESSION_GAP), position, defined? p.unit: "", trigger);
    e.firing = critical && ready < need;
    //  Enough ready now, but so many have resignations in that the gap
    //  opens on a known day: said now, with that day.
    if (critical && !e.firing && need > 0 && c.n_leaving > ready - need) {
        e.firing = 1;
        e.scheduled_for_us = c.leaving[ready - need];
    }
    int quiet = hrw_detect__quiet (self, &e);
    //  Critical only when the gap is real today: no one in the role and no
    //  one ready to step in. A foreseen one warns when it is near.
    e.severity = vacant && ready == 0? SEV (CRITICAL): SEV (WARNING);
    if (e.scheduled_for_us != HRW_TIME_NONE && e.scheduled_for_us - clock > S_SCHED_SOON_US)
        e.severity = SEV (INFO);
    e.observed = ready;
    e.expected = self->opts.min_ready_now;
    hrw_detect__detail (&e, "ready_now", ready);
    hrw_detect__detail (&e, "ready_1_2_years", c.by_readiness[2]);
    hrw_detect__detail (&e, "ready_3_plus_years", c.by_readiness[3]);
    hrw_detect__detail (&e, "vacant", vacant);
    char day[40];
    if (e.scheduled_for_us != HRW_TIME_NONE) {
        hrw_clock_format (e.scheduled_for_us, day, sizeof (day));
        day[10] = '\0';
        hrw_detect__detail (&e, "scheduled_losses", (double) c.n_leaving);
    }
    if (quiet)
        e.summary[0] = '\0';
    else if (e.scheduled_for_us != HRW_TIME_NONE && ready == 1)
        snprintf (e.summary, sizeof (e.summary),
                  "%.64s (%.40s in %.64s) loses its only ready-now successor %.64s on %.10s "
                  "(exit scheduled)", position, *p.title? p.title: "critical position", p.unit,
                  c.leaver, day);
    else if (e.scheduled_for_us != HRW_TIME_NONE)
        snprintf (e.summary, sizeof (e.summary),
                  "%.64s (%.40s in %.64s) has %u ready-now successors; by %.10s fewer than %u "
                  "remain (%zu exits scheduled)", position,
                  *p.title? p.title: "critical position", p.unit, ready, day, need, c.n_leaving);
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
    if (!quiet && (rc = hrw_detect__update (self, &e, clock)))
        return rc;
    s_cover_t now;
    memset (&now, 0, sizeof (now));
    now.critical = (uint8_t) critical;
    now.covered = critical && ready >= 1;
    snprintf (now.unit, sizeof (now.unit), "%s", critical? p.unit: "");
    if (critical && ready == 1)
        snprintf (now.sole, sizeof (now.sole), "%s", c.sole);
    rc = s_recount (self, position, &now, clock, trigger);
    //  Succession at risk: where its only ready-now successor sits.
    return rc? rc: hrw_detect__dev_risk (self, position, now.sole, clock, trigger);
}

//  Re-evaluates the positions employee is nominated for, but skip, saying
//  "successor " and cause.
static int
s_gap_nominations (hrw_detect_t *self, const char *employee, const char *skip1,
                   const char *skip2, int64_t clock, const char *trigger, const char *cause)
{
    s_list_t list = { NULL, 0, 0, 0 };
    char text[200];
    snprintf (text, sizeof (text), "successor %s", cause);
    int rc = s_positions_of (self, self->db_nominee, employee, &list);
    for (size_t i = 0; !rc && i < list.n; i++) {
        if (!strcmp (list.positions[i], skip1) || !strcmp (list.positions[i], skip2))
            continue;
        rc = hrw_detect__gap_eval (self, list.positions[i], clock, trigger, *cause? text: NULL);
    }
    free (list.positions);
    return rc;
}

//  A person event: re-evaluate the roles they hold or held (by their own
//  record, or as named by a definition) and those they are nominated for,
//  naming the cause.
int
hrw_detect__gap_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev, const char *employee,
                        const hrw_detect_before_t *b, int64_t clock)
{
    hrw_employee_info_t now;
    if (hrw_store_employee (self->store, employee, &now)) {
        memset (&now, 0, sizeof (now));
        now.status = HRW_EMP_UNKNOWN;   //  A voided hire was all there was
    }
    const char *was_pos = b->had_employee? b->employee.position: "";
    int exited = b->had_employee && b->employee.status == HRW_EMP_ACTIVE
              && now.status != HRW_EMP_ACTIVE;
    int moved = strcmp (was_pos, now.position) != 0;
    char cause[160] = "";
    if (b->voiding)
        snprintf (cause, sizeof (cause), "%s of %s voided",
                  protobuf_c_message_descriptor_get_field (&hrwatch__v1__event__descriptor,
                                                           ev->body_case)->name, employee);
    else if (exited)
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
        rc = hrw_detect__gap_eval (self, was_pos, clock, ev->event_id, *cause? text: NULL);
    }
    if (!rc && *now.position && moved) {
        snprintf (text, sizeof (text), "%s", cause);
        rc = hrw_detect__gap_eval (self, now.position, clock, ev->event_id, *cause? text: NULL);
    }
    //  Roles a definition named them incumbent of, their record aside.
    s_list_t held = { NULL, 0, 0, 0 };
    if (!rc)
        rc = s_positions_of (self, self->db_holds, employee, &held);
    for (size_t i = 0; !rc && i < held.n; i++) {
        if (!strcmp (held.positions[i], was_pos) || !strcmp (held.positions[i], now.position))
            continue;
        snprintf (text, sizeof (text), "incumbent %s", cause);
        rc = hrw_detect__gap_eval (self, held.positions[i], clock, ev->event_id,
                                   *cause? text: NULL);
    }
    free (held.positions);
    if (!rc)
        rc = s_gap_nominations (self, employee, was_pos, now.position, clock, ev->event_id,
                                cause);
    return rc;
}

//  A definition: the position itself, and the roles its incumbent (new and
//  former) is nominated for, which holding a critical role changes.
int
hrw_detect__gap_defined (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                         const hrw_detect_before_t *b, int64_t clock)
{
    const Hrwatch__V1__PositionDefined *m = ev->position_defined;
    int rc = 0;
    if (*m->incumbent_id)
        rc = s_pair_put (self, self->db_holds, m->incumbent_id, m->position_id);
    if (!rc)
        rc = hrw_detect__gap_eval (self, m->position_id, clock, ev->event_id,
                                   b->voiding? "a definition of it voided"
                                   : m->critical? "position defined as critical"
                                                : "position defined");
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

int
hrw_detect__gap_nomination (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int voiding,
                            int64_t clock)
{
    const char *pos, *emp;
    char cause[160];
    if (voiding) {
        pos = ev->body_case == HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED
            ? ev->successor_nominated->position_id: ev->successor_withdrawn->position_id;
        emp = ev->body_case == HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED
            ? ev->successor_nominated->employee_id: ev->successor_withdrawn->employee_id;
        snprintf (cause, sizeof (cause), "%s of %s voided",
                  ev->body_case == HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED
                  ? "nomination": "withdrawal", emp);
    }
    else if (ev->body_case == HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED) {
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
    return rc? rc: hrw_detect__gap_eval (self, pos, clock, ev->event_id, cause);
}

int
hrw_detect__gap_scheduled (hrw_detect_t *self, const char *employee, int64_t clock,
                           const char *trigger, const char *cause)
{
    hrw_employee_info_t e;
    int known = hrw_store_employee (self->store, employee, &e) == 0;
    s_list_t held = { NULL, 0, 0, 0 };
    int rc = s_positions_of (self, self->db_holds, employee, &held);
    for (size_t i = 0; !rc && i <= held.n; i++) {
        const char *q = i < held.n? held.positions[i]: known? e.position: "";
        if (*q && (i == held.n || !known || strcmp (q, e.position)))
            rc = hrw_detect__gap_eval (self, q, clock, trigger, cause);
    }
    free (held.positions);
    if (!rc)
        rc = s_gap_nominations (self, employee, "", "", clock, trigger, cause);
    return rc;
}

// ---------------------------------------------------------------------------
// The position report for queries, outside write transactions

int
hrw_detect_position_report (hrw_detect_t *self, const char *position, hrw_position_report_t *r)
{
    hrw_position_info_t p;
    memset (r, 0, sizeof (*r));
    //  One snapshot for the position, its incumbent and its nominees.
    hrw_store_read_t *scope;
    int rc = hrw_store_read_begin (self->store, &scope);
    if (rc)
        return rc;
    rc = hrw_store_position (self->store, position, &p);
    if (rc)
        goto done;
    r->defined = p.defined;
    r->critical = p.defined && p.critical;
    snprintf (r->unit, sizeof (r->unit), "%s", p.unit);
    snprintf (r->title, sizeof (r->title), "%s", p.title);
    snprintf (r->incumbent, sizeof (r->incumbent), "%s", p.incumbent);
    r->vacant = !s_holds (self, position, &p, r->vacant_because, sizeof (r->vacant_because));
    s_gap_ctx_t c = { self, position, r->vacant? "": p.incumbent, { 0 }, "", r, { 0 }, 0, "" };
    if ((rc = hrw_store_nominations_each (self->store, position, s_gap_nominee, &c)))
        goto done;
    r->ready_now = c.by_readiness[HRWATCH__V1__READINESS__READINESS_READY_NOW];
    r->gap = r->critical && r->ready_now < self->opts.min_ready_now;
done:
    hrw_store_read_end (&scope);
    return rc;
}
