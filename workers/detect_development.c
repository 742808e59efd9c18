/*  detect_development: successor development (a successor without a
    mentor, development stalled), from per-person and per-nomination
    records kept as nominations and mentorships change, with a due-date
    table so the day-boundary sweep reaches an alert that time alone
    brings due; and succession at risk, a critical position whose only
    ready-now successor sits where turnover spikes or engagement drops. */
#include "workers/detect_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/keys.h"

#define S_READY_NOW HRWATCH__V1__READINESS__READINESS_READY_NOW
#define S_READY_1_2 HRWATCH__V1__READINESS__READINESS_READY_1_2_YEARS
#define S_READY_3 HRWATCH__V1__READINESS__READINESS_READY_3_PLUS_YEARS

//  Due-table kinds: the byte after the time in a due key.
#define S_DUE_UNMENTORED 'u'
#define S_DUE_STALLED 's'

//  Nominations of one person looked at (more are not read: a person is
//  nobody's successor for more roles than this in any real plan).
#define S_NOMS_MAX HRW_SUCCESSORS_MAX

typedef struct {
    int64_t succ_since;         //  Successor (ready now or in 1-2 years, critical
                                //  role) without a break since, or HRW_TIME_NONE
    int64_t mentor_end;         //  When their last active mentor ended, or NONE
    int64_t due_unmentored;     //  Key in db_dev_due for "unmentored", or NONE
    int64_t due_stalled;        //  Key in db_dev_due for "stalled", or NONE
    uint32_t mentors;           //  Active mentors (mentor\0mentee pairs)
    uint32_t sig_unmentored;    //  What the firing alert lists (a hash), or 0
    uint32_t sig_stalled;       //  The same for "stalled"
    uint32_t spare;             //  Zero
} s_person_t;

typedef struct {
    int64_t since;              //  Nominated, or readiness last improved
    int32_t active;             //  As last seen in the store
    int32_t readiness;          //  ... and at this readiness
} s_nom_t;

typedef struct {
    char sole[HRW_ID_MAX + 1];  //  The position's only ready-now successor, or ""
    char unit[HRW_ID_MAX + 1];  //  Their unit when indexed (db_dev_risk_idx), or ""
} s_risk_t;

static const s_person_t s_person_none = { HRW_TIME_NONE, HRW_TIME_NONE, HRW_TIME_NONE,
                                          HRW_TIME_NONE, 0, 0, 0, 0 };

//  FNV-1a of what a firing alert lists (positions and readiness, never the
//  days, which move with the clock alone), never 0.
static uint32_t
s_sig (uint32_t h, const char *text)
{
    if (!h)
        h = 2166136261u;
    for (; *text; text++)
        h = (h ^ (uint8_t) *text) * 16777619u;
    return h? h: 1;
}

static const char *
s_readiness_words (int r)
{
    return r == S_READY_NOW? "ready now": r == S_READY_1_2? "ready in 1-2 years"
         : r == S_READY_3? "ready in 3+ years": "readiness not given";
}

//  The first day boundary at or after t: alerts that time brings due are
//  said by the day-boundary sweep, so they are due at a boundary.
static int64_t
s_day_ceil (int64_t t)
{
    int64_t d = t / S_DAY_US * S_DAY_US;
    return d < t? d + S_DAY_US: d;
}

static int
s_person_get (hrw_detect_t *self, const char *employee, s_person_t *p)
{
    int rc = hrw_table_get_fixed (self->store, self->db_dev_person, employee, strlen (employee),
                                  p, sizeof (*p));
    if (rc == HRW_E_NOTFOUND || rc == HRW_E_CORRUPT) {
        *p = s_person_none;
        return 0;
    }
    return rc;
}

// ---------------------------------------------------------------------------
// The due-date table: time (sorted) + kind + employee -> ""

static size_t
s_due_key (uint8_t *key, size_t cap, int64_t due, char kind, const char *employee)
{
    size_t n = strlen (employee);
    if (n > cap - 9)
        n = cap - 9;
    hrw_key_put_time (key, due);
    key[8] = (uint8_t) kind;
    memcpy (key + 9, employee, n);
    return 9 + n;
}

//  Moves employee's due entry of a kind from *was to now (either may be
//  HRW_TIME_NONE), so the table holds one entry per person and kind.
static int
s_due_move (hrw_detect_t *self, char kind, const char *employee, int64_t *was, int64_t now)
{
    uint8_t key[9 + HRW_ID_MAX];
    int rc = 0;
    if (*was == now)
        return 0;
    if (*was != HRW_TIME_NONE) {
        size_t klen = s_due_key (key, sizeof (key), *was, kind, employee);
        rc = hrw_table_del (self->store, self->db_dev_due, key, klen);
        if (rc == HRW_E_NOTFOUND)
            rc = 0;
    }
    if (!rc && now != HRW_TIME_NONE) {
        size_t klen = s_due_key (key, sizeof (key), now, kind, employee);
        rc = hrw_table_put (self->store, self->db_dev_due, key, klen, "", 0, 0);
    }
    if (!rc)
        *was = now;
    return rc;
}

// ---------------------------------------------------------------------------
// A person's nominations, without a heap allocation

typedef struct {
    char positions[S_NOMS_MAX][HRW_ID_MAX + 1];
    size_t n;
    size_t plen;                //  Length of the "employee\0" prefix
} s_noms_t;

static int
s_nom_add (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_noms_t *out = arg;
    (void) v;
    if (k.len <= out->plen || out->n == S_NOMS_MAX)
        return 0;
    size_t n = k.len - out->plen < HRW_ID_MAX? k.len - out->plen: HRW_ID_MAX;
    memcpy (out->positions[out->n], (const char *) k.data + out->plen, n);
    out->positions[out->n++][n] = '\0';
    return 0;
}

//  The positions employee is or was nominated for (db_nominee, kept by the
//  succession family for every nomination event).
static int
s_noms_of (hrw_detect_t *self, const char *employee, s_noms_t *out)
{
    char prefix[HRW_ID_MAX + 2];
    out->n = 0;
    out->plen = hrw_key_pair (prefix, sizeof (prefix), employee, "");
    return hrw_table_prefix_each (self->store, self->db_nominee, prefix, out->plen, s_nom_add,
                                  out);
}

static int
s_nom_get (hrw_detect_t *self, const char *employee, const char *position, s_nom_t *out)
{
    char key[2 * HRW_ID_MAX + 2];
    size_t klen = hrw_key_pair (key, sizeof (key), employee, position);
    int rc = hrw_table_get_fixed (self->store, self->db_dev_nom, key, klen, out, sizeof (*out));
    if (rc == HRW_E_NOTFOUND || rc == HRW_E_CORRUPT) {
        memset (out, 0, sizeof (*out));
        out->since = HRW_TIME_NONE;
        return 0;
    }
    return rc;
}

//  Appends ", text" (or text, first) to a summary list, cut to fit.
static void
s_list_add (char *buf, size_t cap, const char *text)
{
    size_t len = strlen (buf);
    if (len + 1 < cap)
        snprintf (buf + len, cap - len, "%s%s", len? ", ": "", text);
}

// ---------------------------------------------------------------------------
// Successor without a mentor, development stalled: one evaluation per person

//  Re-evaluates both alerts about employee at clock, keeps their record and
//  due entries, and says what changed.
//  While an alert fires, an evaluation that finds the same positions says
//  nothing (its days move with the clock alone: publishing them at every
//  touch would teach people to ignore the updates); force says it anyway
//  (new thresholds).
static int
s_person_eval_as (hrw_detect_t *self, const char *employee, int64_t clock, const char *trigger,
                  int force)
{
    s_person_t p, was;
    int rc = s_person_get (self, employee, &p);
    if (rc)
        return rc;
    was = p;
    hrw_employee_info_t info;
    int known = hrw_store_employee (self->store, employee, &info) == 0;
    int active = known && info.status == HRW_EMP_ACTIVE;
    s_noms_t noms;
    if ((rc = s_noms_of (self, employee, &noms)))
        return rc;
    char succ_list[200] = "", stall_list[200] = "", item[HRW_ID_MAX + 40];
    int successor = 0, stalled = 0;
    uint32_t sig_u = 0, sig_s = 0;
    int64_t next_stall = HRW_TIME_NONE, stall_days = 0;
    int64_t stale_us = (int64_t) self->opts.stale_readiness_days * S_DAY_US;
    for (size_t i = 0; active && i < noms.n; i++) {
        const char *pos = noms.positions[i];
        int on = 0, readiness = 0;
        if (hrw_store_nomination (self->store, pos, employee, &on, &readiness) || !on)
            continue;
        hrw_position_info_t pi;
        int critical = hrw_store_position (self->store, pos, &pi) == 0 && pi.defined
                    && pi.critical;
        if (critical && (readiness == S_READY_NOW || readiness == S_READY_1_2)) {
            successor = 1;
            snprintf (item, sizeof (item), "%s (%s)", pos, s_readiness_words (readiness));
            s_list_add (succ_list, sizeof (succ_list), item);
            sig_u = s_sig (sig_u, item);
        }
        if (readiness == S_READY_NOW)
            continue;
        s_nom_t n;
        if ((rc = s_nom_get (self, employee, pos, &n)))
            return rc;
        if (n.since == HRW_TIME_NONE)
            continue;       //  Not seen by this detector: nothing to count from
        int64_t due = s_day_ceil (n.since + stale_us);
        if (clock >= due) {
            stalled++;
            snprintf (item, sizeof (item), "%s (%d)", pos, readiness);
            sig_s = s_sig (sig_s, item);
            int64_t days = (clock - n.since) / S_DAY_US;
            if (days > stall_days)
                stall_days = days;
            snprintf (item, sizeof (item), "%s (%s, %lld days)", pos,
                      s_readiness_words (readiness), (long long) days);
            s_list_add (stall_list, sizeof (stall_list), item);
        }
        else if (next_stall == HRW_TIME_NONE || due < next_stall)
            next_stall = due;
    }
    //  A successor since the first evaluation that found them one, without
    //  a break: every change that makes or unmakes one is evaluated.
    if (!successor)
        p.succ_since = HRW_TIME_NONE;
    else if (p.succ_since == HRW_TIME_NONE)
        p.succ_since = clock;
    int64_t due_u = HRW_TIME_NONE, start = HRW_TIME_NONE;
    if (successor && p.mentors == 0) {
        start = p.mentor_end != HRW_TIME_NONE && p.mentor_end > p.succ_since? p.mentor_end
                                                                             : p.succ_since;
        due_u = s_day_ceil (start + (int64_t) self->opts.unmentored_days * S_DAY_US);
    }
    int unmentored = due_u != HRW_TIME_NONE && clock >= due_u;
    p.sig_unmentored = unmentored? sig_u: 0;
    p.sig_stalled = stalled? sig_s: 0;
    if ((rc = s_due_move (self, S_DUE_UNMENTORED, employee, &p.due_unmentored,
                          unmentored? HRW_TIME_NONE: due_u)))
        return rc;
    if ((rc = s_due_move (self, S_DUE_STALLED, employee, &p.due_stalled, next_stall)))
        return rc;
    if (memcmp (&p, &was, sizeof (p))) {
        //  A person with nothing to remember keeps no record.
        if (!memcmp (&p, &s_person_none, sizeof (p)))
            rc = hrw_table_del (self->store, self->db_dev_person, employee, strlen (employee));
        else
            rc = hrw_detect__put (self, self->db_dev_person, employee, &p, sizeof (p));
        if (rc && rc != HRW_E_NOTFOUND)
            return rc;
    }

    const char *unit = known? info.unit: "";
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (SUCCESSOR_UNMENTORED), employee, unit, trigger);
    e.severity = SEV (INFO);
    e.firing = unmentored;
    int same = !force && unmentored && p.sig_unmentored == was.sig_unmentored;
    if (!hrw_detect__quiet (self, &e)
        && !(same && hrw_alerts_is_firing (self->alerts, e.kind, employee, NULL))) {
        int64_t days = start != HRW_TIME_NONE? (clock - start) / S_DAY_US: 0;
        e.observed = (double) days;
        e.expected = self->opts.unmentored_days;
        //  The mentor is never named: who mentors whom is not an alert's news.
        if (e.firing)
            snprintf (e.summary, sizeof (e.summary),
                      "%s, successor for %.200s, has had no mentor for %lld days (at most %u "
                      "advised)", employee, succ_list, (long long) days,
                      self->opts.unmentored_days);
        else
            snprintf (e.summary, sizeof (e.summary), "%s %s", employee,
                      !active? "is no longer an employee"
                      : !successor? "is no longer a successor (ready now or in 1-2 years) for "
                                    "a critical position"
                      : "has a mentor");
        if ((rc = hrw_detect__update (self, &e, clock)))
            return rc;
    }
    hrw_detect__eval_init (&e, K (DEVELOPMENT_STALLED), employee, unit, trigger);
    e.firing = stalled > 0;
    same = !force && stalled && p.sig_stalled == was.sig_stalled;
    if (!hrw_detect__quiet (self, &e)
        && !(same && hrw_alerts_is_firing (self->alerts, e.kind, employee, NULL))) {
        e.observed = (double) stall_days;
        e.expected = self->opts.stale_readiness_days;
        hrw_detect__detail (&e, "stalled_nominations", stalled);
        if (e.firing)
            snprintf (e.summary, sizeof (e.summary),
                      "%s's readiness has not improved for %.220s; at most %u days advised",
                      employee, stall_list, self->opts.stale_readiness_days);
        else
            snprintf (e.summary, sizeof (e.summary), "%s %s", employee,
                      !active? "is no longer an employee"
                             : "has no nomination whose readiness has stalled");
        rc = hrw_detect__update (self, &e, clock);
    }
    return rc;
}

static int
s_person_eval (hrw_detect_t *self, const char *employee, int64_t clock, const char *trigger)
{
    return s_person_eval_as (self, employee, clock, trigger, 0);
}

//  A nomination changed in the store (or was re-sent): its record follows,
//  counting from a new nomination or an improvement of readiness.
static int
s_nomination (hrw_detect_t *self, const char *position, const char *employee, int64_t clock,
              const char *trigger)
{
    int active = 0, readiness = 0;
    int rc = hrw_store_nomination (self->store, position, employee, &active, &readiness);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    s_nom_t n;
    if ((rc = s_nom_get (self, employee, position, &n)))
        return rc;
    s_nom_t now = n;
    now.active = active;
    now.readiness = active? readiness: 0;
    if (active && (!n.active || n.since == HRW_TIME_NONE
                   || (readiness >= S_READY_NOW && readiness < n.readiness)))
        now.since = clock;
    if (!active)
        now.since = HRW_TIME_NONE;
    if (memcmp (&now, &n, sizeof (now))) {
        char key[2 * HRW_ID_MAX + 2];
        size_t klen = hrw_key_pair (key, sizeof (key), employee, position);
        rc = hrw_table_put (self->store, self->db_dev_nom, key, klen, &now, sizeof (now), 0);
        if (rc)
            return rc;
    }
    return s_person_eval (self, employee, clock, trigger);
}

//  A mentorship changed: the mentee's count of active mentors follows the
//  store's pair, so an assignment re-sent, or one of a pair already active,
//  counts once.
static int
s_mentorship (hrw_detect_t *self, const char *mentor, const char *mentee, int64_t clock,
              const char *trigger)
{
    int active = 0;
    int rc = hrw_store_mentorship (self->store, mentor, mentee, &active);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    char key[2 * HRW_ID_MAX + 2];
    size_t klen = hrw_key_pair (key, sizeof (key), mentor, mentee);
    uint8_t was = 0;
    rc = hrw_table_get_fixed (self->store, self->db_dev_mentor, key, klen, &was, sizeof (was));
    if (rc && rc != HRW_E_NOTFOUND && rc != HRW_E_CORRUPT)
        return rc;
    if (!!was == !!active)
        return 0;
    uint8_t now = (uint8_t) !!active;
    if ((rc = hrw_table_put (self->store, self->db_dev_mentor, key, klen, &now, 1, 0)))
        return rc;
    s_person_t p;
    if ((rc = s_person_get (self, mentee, &p)))
        return rc;
    if (active)
        p.mentors++;
    else if (p.mentors > 0 && --p.mentors == 0)
        p.mentor_end = clock;
    if ((rc = hrw_detect__put (self, self->db_dev_person, mentee, &p, sizeof (p))))
        return rc;
    return s_person_eval (self, mentee, clock, trigger);
}

typedef struct {
    char employees[S_NOMS_MAX * 2][HRW_ID_MAX + 1];
    size_t n;
} s_nominees_t;

static void
s_nominee_add (const hrw_nomination_view_t *n, void *arg)
{
    s_nominees_t *out = arg;
    if (out->n < sizeof (out->employees) / sizeof (out->employees[0]))
        snprintf (out->employees[out->n++], HRW_ID_MAX + 1, "%s", n->employee);
}

static int s_unit_moved (hrw_detect_t *self, const char *unit, int64_t clock,
                         const char *trigger);

int
hrw_detect__dev_after (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                       const hrw_detect_before_t *b, const char *employee, int64_t clock)
{
    const char *trigger = ev->event_id;
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED:
            return s_nomination (self, ev->successor_nominated->position_id,
                                 ev->successor_nominated->employee_id, clock, trigger);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN:
            return s_nomination (self, ev->successor_withdrawn->position_id,
                                 ev->successor_withdrawn->employee_id, clock, trigger);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ASSIGNED:
            return s_mentorship (self, ev->mentor_assigned->mentor_id,
                                 ev->mentor_assigned->mentee_id, clock, trigger);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ENDED:
            return s_mentorship (self, ev->mentor_ended->mentor_id, ev->mentor_ended->mentee_id,
                                 clock, trigger);
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED: {
            //  Whether the role is critical decides who is its successor.
            const char *pos = ev->position_defined->position_id;
            hrw_position_info_t now;
            int critical = hrw_store_position (self->store, pos, &now) == 0 && now.defined
                        && now.critical;
            int was = b->had_position && b->position.defined && b->position.critical;
            if (critical == was)
                return 0;
            s_nominees_t list;
            list.n = 0;
            int rc = hrw_store_nominations_each (self->store, pos, s_nominee_add, &list);
            for (size_t i = 0; !rc && i < list.n; i++)
                rc = s_person_eval (self, list.employees[i], clock, trigger);
            return rc;
        }
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED: {
            //  A new parent: the sole successors below it sit under new
            //  ancestors, whose spikes now reach them.
            const char *unit = ev->org_unit_defined->unit_id;
            hrw_unit_info_t now;
            if (hrw_store_unit (self->store, unit, &now))
                return 0;
            if (b->had_unit && !strcmp (b->unit.parent, now.parent))
                return 0;
            return s_unit_moved (self, unit, clock, trigger);
        }
        default:
            break;
    }
    //  A hire or an exit makes or ends everything about a person; a
    //  transfer moves the alerts' unit.
    if (employee && ev->body_case != HRWATCH__V1__EVENT__BODY_PROMOTION)
        return s_person_eval (self, employee, clock, trigger);
    return 0;
}

// ---------------------------------------------------------------------------
// The sweep, and what it needs to know

static int
s_due_first (hrw_detect_t *self, int64_t *due)
{
    hrw_cursor_t *cur;
    hrw_bytes_t k, v;
    int rc = hrw_cursor_open (self->store, self->db_dev_due, &cur);
    if (rc)
        return rc;
    rc = hrw_cursor_get (cur, HRW_CURSOR_FIRST, &k, &v);
    if (!rc && k.len >= 9)
        *due = hrw_key_get_time (k.data);
    else if (!rc)
        rc = HRW_E_CORRUPT;
    hrw_cursor_close (&cur);
    return rc;
}

int
hrw_detect_due_by (hrw_detect_t *self, int64_t upto)
{
    int64_t due = HRW_TIME_NONE;
    int rc = s_due_first (self, &due);
    if (rc == HRW_E_NOTFOUND)
        return 0;
    return rc? 1: due <= upto;      //  On doubt, sweep: it finds out
}

int
hrw_detect__dev_sweep (hrw_detect_t *self, int64_t clock)
{
    //  Collected first: each evaluation moves its own entries.
    hrw_buf_t people = { 0 };
    hrw_cursor_t *cur;
    hrw_bytes_t k, v;
    int rc = hrw_cursor_open (self->store, self->db_dev_due, &cur);
    if (rc)
        return rc;
    hrw_cursor_op_t op = HRW_CURSOR_FIRST;
    while ((rc = hrw_cursor_get (cur, op, &k, &v)) == 0) {
        op = HRW_CURSOR_NEXT;
        if (k.len < 9 || hrw_key_get_time (k.data) > clock)
            break;
        hrw_buf_append (&people, (const char *) k.data + 9, k.len - 9);
        hrw_buf_append (&people, "", 1);
    }
    hrw_cursor_close (&cur);
    if (rc == HRW_E_NOTFOUND)
        rc = 0;
    if (!rc && people.oom)
        rc = ENOMEM;
    //  The people are in memory, not in the store, so the transaction may
    //  be committed between two of them: a midnight that brings tens of
    //  thousands due is not one transaction. Each one done has its due
    //  entry moved on, so a sweep cut short (a crash after such a commit)
    //  and run again finds only the rest.
    for (size_t off = 0; !rc && off < people.len;) {
        const char *employee = (const char *) people.data + off;
        off += strlen (employee) + 1;
        rc = s_person_eval (self, employee, clock, "");
        if (!rc)
            rc = hrw_detect__checkpoint (self);
    }
    hrw_buf_free (&people);
    return rc;
}

static void
s_collect_subject (const char *subject, const char *cycle, void *arg)
{
    (void) cycle;
    hrw_buf_append (arg, subject, strlen (subject) + 1);
}

int
hrw_detect__dev_reevaluate (hrw_detect_t *self, int64_t clock)
{
    const hrw_detect_opts_t *was = &self->judged, *o = &self->opts;
    if (was->unmentored_days == o->unmentored_days
        && was->stale_readiness_days == o->stale_readiness_days)
        return 0;
    //  Everyone with a record (successors, nominees not yet stalled) and
    //  everyone stalled now, whose record may be gone (a reload is rare;
    //  the events never scan).
    hrw_buf_t keys = { 0 };
    int rc = hrw_table_prefix_each (self->store, self->db_dev_person, "", 0, hrw_detect__key_collect, &keys);
    if (!rc)
        rc = hrw_alerts_each_firing (self->alerts, K (DEVELOPMENT_STALLED), s_collect_subject,
                                     &keys);
    if (!rc && keys.oom)
        rc = ENOMEM;
    for (size_t off = 0; !rc && off < keys.len;) {
        const char *employee = (const char *) keys.data + off;
        off += strlen (employee) + 1;
        rc = s_person_eval_as (self, employee, clock, "", 1);
    }
    hrw_buf_free (&keys);
    return rc;
}

// ---------------------------------------------------------------------------
// Succession at risk

//  Why the unit (where a sole successor sits) is a risk now, in words, or
//  "" when it is not: a turnover spike on it or above it, an engagement
//  drop on it.
static int
s_risk_cause (hrw_detect_t *self, const char *unit, char *why, size_t cap)
{
    *why = '\0';
    if (!*unit)
        return 0;
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_detect__chain (self, unit, chain);
    for (size_t i = 0; i < n && !*why; i++)
        if (hrw_alerts_is_firing (self->alerts, K (TURNOVER_SPIKE), chain[i], NULL)) {
            if (i == 0)
                snprintf (why, cap, "a turnover spike is firing");
            else
                snprintf (why, cap, "a turnover spike is firing (on %.64s)", chain[i]);
        }
    uint32_t drops = 0;
    int rc = hrw_detect__get_or_zero (self, self->db_dev_drops, unit, &drops, sizeof (drops));
    if (rc)
        return rc;
    if (drops) {
        size_t len = strlen (why);
        snprintf (why + len, cap - len, "%san engagement drop is firing", len? " and ": "");
    }
    return 0;
}

static int
s_risk_eval (hrw_detect_t *self, const char *position, const s_risk_t *r, int64_t clock,
             const char *trigger)
{
    char why[200];
    int rc = s_risk_cause (self, r->unit, why, sizeof (why));
    if (rc)
        return rc;
    hrw_position_info_t p;
    int defined = hrw_store_position (self->store, position, &p) == 0 && p.defined;
    //  The successor as recorded may have left or moved with the very
    //  event that changes the spike (their exit is counted before the gap
    //  is judged again): judged on who they are now, so one event never
    //  both raises and clears it.
    hrw_employee_info_t who;
    int there = *r->sole && hrw_store_employee (self->store, r->sole, &who) == 0
             && who.status == HRW_EMP_ACTIVE && !strcmp (who.unit, r->unit);
    hrw_alert_eval_t e;
    hrw_detect__eval_init (&e, K (SUCCESSION_AT_RISK), position, defined? p.unit: "", trigger);
    e.firing = there && *why;
    if (hrw_detect__quiet (self, &e))
        return 0;
    //  One ready-now successor where two would leave the role covered.
    e.observed = 1;
    e.expected = 2;
    if (e.firing) {
        //  Ids of 64 bytes and both causes may not fit: cut, and say so.
        int n = snprintf (e.summary, sizeof (e.summary), "%s's only ready-now successor %s "
                          "is in %s, where %s", position, r->sole, r->unit, why);
        if (n >= (int) sizeof (e.summary))
            memcpy (e.summary + sizeof (e.summary) - 4, "...", 4);
    }
    else if (!*r->sole)
        snprintf (e.summary, sizeof (e.summary), "%s no longer has a single ready-now "
                  "successor", position);
    else if (!there)
        snprintf (e.summary, sizeof (e.summary), "%s's only ready-now successor %s is no "
                  "longer in %s", position, r->sole, r->unit);
    else
        snprintf (e.summary, sizeof (e.summary), "%s's only ready-now successor %s is in %s, "
                  "where nothing is firing now", position, r->sole, r->unit);
    return hrw_detect__update (self, &e, clock);
}

//  Adds (sign 1) or removes the index entries unit\0position for each unit
//  from r->unit up to the root: a spike on any of them reaches the position.
static int
s_risk_index (hrw_detect_t *self, const char *position, const s_risk_t *r, int sign)
{
    if (!*r->sole || !*r->unit)
        return 0;
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1], key[2 * HRW_ID_MAX + 2];
    size_t n = hrw_detect__chain (self, r->unit, chain);
    for (size_t i = 0; i < n; i++) {
        size_t klen = hrw_key_pair (key, sizeof (key), chain[i], position);
        int rc = sign > 0? hrw_table_put (self->store, self->db_dev_risk_idx, key, klen, "", 0, 0)
                         : hrw_table_del (self->store, self->db_dev_risk_idx, key, klen);
        if (rc && rc != HRW_E_NOTFOUND)
            return rc;
    }
    return 0;
}

int
hrw_detect__dev_risk (hrw_detect_t *self, const char *position, const char *sole, int64_t clock,
                      const char *trigger)
{
    s_risk_t was, now;
    int rc = hrw_detect__get_or_zero (self, self->db_dev_risk, position, &was, sizeof (was));
    if (rc)
        return rc;
    memset (&now, 0, sizeof (now));
    hrw_employee_info_t info;
    if (*sole && hrw_store_employee (self->store, sole, &info) == 0) {
        snprintf (now.sole, sizeof (now.sole), "%s", sole);
        snprintf (now.unit, sizeof (now.unit), "%s", info.unit);
    }
    if (memcmp (&was, &now, sizeof (now))) {
        if ((rc = s_risk_index (self, position, &was, -1))
            || (rc = s_risk_index (self, position, &now, 1)))
            return rc;
        if (!*now.sole)
            rc = hrw_table_del (self->store, self->db_dev_risk, position, strlen (position));
        else
            rc = hrw_detect__put (self, self->db_dev_risk, position, &now, sizeof (now));
        if (rc && rc != HRW_E_NOTFOUND)
            return rc;
    }
    return s_risk_eval (self, position, &now, clock, trigger);
}

typedef struct {
    hrw_buf_t positions;        //  Position ids, NUL-terminated
    size_t plen;                //  Length of the "unit\0" prefix
} s_risk_list_t;

static int
s_risk_add (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_risk_list_t *out = arg;
    (void) v;
    if (k.len > out->plen && k.len - out->plen <= HRW_ID_MAX) {
        hrw_buf_append (&out->positions, (const char *) k.data + out->plen, k.len - out->plen);
        hrw_buf_append (&out->positions, "", 1);
    }
    return 0;
}

int
hrw_detect__dev_cause (hrw_detect_t *self, const hrw_alert_eval_t *e, int was_firing,
                       int64_t clock)
{
    int rc = 0;
    if (!!was_firing == !!e->firing)
        return 0;
    if (e->kind == K (ENGAGEMENT_DROP)) {
        uint32_t drops;
        if ((rc = hrw_detect__get_or_zero (self, self->db_dev_drops, e->subject, &drops,
                                           sizeof (drops))))
            return rc;
        drops = e->firing? drops + 1: drops? drops - 1: 0;
        if ((rc = hrw_detect__put (self, self->db_dev_drops, e->subject, &drops,
                                   sizeof (drops))))
            return rc;
    }
    //  The positions whose sole successor sits in the unit or below it,
    //  collected first (each evaluation reads the index). A spike or a drop
    //  changes state rarely: this is not the per-event path.
    char prefix[HRW_ID_MAX + 2];
    s_risk_list_t list;
    memset (&list, 0, sizeof (list));
    list.plen = hrw_key_pair (prefix, sizeof (prefix), e->subject, "");
    rc = hrw_table_prefix_each (self->store, self->db_dev_risk_idx, prefix, list.plen,
                                s_risk_add, &list);
    if (!rc && list.positions.oom)
        rc = ENOMEM;
    for (size_t off = 0; !rc && off < list.positions.len;) {
        const char *position = (const char *) list.positions.data + off;
        off += strlen (position) + 1;
        s_risk_t r;
        if (!(rc = hrw_detect__get_or_zero (self, self->db_dev_risk, position, &r, sizeof (r))))
            rc = s_risk_eval (self, position, &r, clock, e->trigger_event_id);
    }
    hrw_buf_free (&list.positions);
    return rc;
}

//  A unit re-parented: the positions whose sole successor sits in it or
//  below are indexed under its new ancestors too and judged again. Entries
//  under the old ancestors stay until the position's sole successor
//  changes; a spike there re-judges the position on the tree as it is
//  now, which finds nothing.
static int
s_unit_moved (hrw_detect_t *self, const char *unit, int64_t clock, const char *trigger)
{
    char prefix[HRW_ID_MAX + 2];
    s_risk_list_t list;
    memset (&list, 0, sizeof (list));
    list.plen = hrw_key_pair (prefix, sizeof (prefix), unit, "");
    int rc = hrw_table_prefix_each (self->store, self->db_dev_risk_idx, prefix, list.plen,
                                    s_risk_add, &list);
    if (!rc && list.positions.oom)
        rc = ENOMEM;
    for (size_t off = 0; !rc && off < list.positions.len;) {
        const char *position = (const char *) list.positions.data + off;
        off += strlen (position) + 1;
        s_risk_t r;
        if ((rc = hrw_detect__get_or_zero (self, self->db_dev_risk, position, &r, sizeof (r))))
            break;
        if (!(rc = s_risk_index (self, position, &r, 1)))
            rc = s_risk_eval (self, position, &r, clock, trigger);
    }
    hrw_buf_free (&list.positions);
    return rc;
}
