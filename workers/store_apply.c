/*  store_apply: how each event type changes the state (last-writer-wins
    registers stamped with event time, see store.c), the idempotency check,
    events held for the clock, and rejected events kept for inspection. */
#include "workers/store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/keys.h"

static const hrw_stamp_t s_no_stamp = { HRW_TIME_NONE, 0 };

static int
s_newer (hrw_stamp_t a, hrw_stamp_t b)
{
    return a.ts > b.ts || (a.ts == b.ts && a.tb > b.tb);
}

static void
s_put_stamp (hrw_wrec_t *w, hrw_stamp_t s)
{
    hrw_rec_put_i64 (w, s.ts);
    hrw_rec_put_u64 (w, s.tb);
}

// ---------------------------------------------------------------------------
// Employees

hrw_emp_status_t
hrw_store__emp_status (const hrw_emp_rec_t *e)
{
    if (e->hired.ts == HRW_TIME_NONE)
        return e->exited.ts == HRW_TIME_NONE? HRW_EMP_UNKNOWN: HRW_EMP_EXITED;
    //  A hire and an exit at the same instant: the exit wins, whatever order
    //  they arrived in.
    if (e->exited.ts == HRW_TIME_NONE || e->hired.ts > e->exited.ts)
        return HRW_EMP_ACTIVE;
    return HRW_EMP_EXITED;
}

static int
s_emp_decode (const MDB_val *v, hrw_emp_rec_t *e)
{
    hrw_rrec_t r = { v->mv_data, v->mv_size, 0, 0 };
    if (hrw_rec_get_u8 (&r) != S_REC_VERSION)
        return HRW_E_CORRUPT;
    e->hired = hrw_stamp_get (&r);
    e->exited = hrw_stamp_get (&r);
    e->exit_type = hrw_rec_get_u8 (&r);
    e->regretted = hrw_rec_get_u8 (&r);
    e->rif = hrw_rec_get_u8 (&r);
    e->unit_at = hrw_stamp_get (&r);
    e->unit = hrw_rec_get_str (&r);
    e->pos_at = hrw_stamp_get (&r);
    e->pos = hrw_rec_get_str (&r);
    e->mgr_at = hrw_stamp_get (&r);
    e->mgr = hrw_rec_get_str (&r);
    e->level_at = hrw_stamp_get (&r);
    e->level = (int32_t) hrw_rec_get_u32 (&r);
    return r.err? HRW_E_CORRUPT: 0;
}

int
hrw_store__emp_load (MDB_txn *txn, MDB_dbi dbi, const char *id, hrw_emp_rec_t *e)
{
    MDB_val key = hrw_store__val (id, strlen (id)), val;
    int rc = mdb_get (txn, dbi, &key, &val);
    if (rc == HRW_E_NOTFOUND) {
        memset (e, 0, sizeof (*e));
        e->hired = e->exited = e->unit_at = e->pos_at = e->mgr_at = e->level_at = s_no_stamp;
        e->unit = e->pos = e->mgr = hrw_str ("");
        return HRW_E_NOTFOUND;
    }
    return rc? rc: s_emp_decode (&val, e);
}

static int
s_emp_save (hrw_store_t *self, const char *id, const hrw_emp_rec_t *e)
{
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, e->hired);
    s_put_stamp (&w, e->exited);
    hrw_rec_put_u8 (&w, e->exit_type);
    hrw_rec_put_u8 (&w, e->regretted);
    hrw_rec_put_u8 (&w, e->rif);
    s_put_stamp (&w, e->unit_at);
    hrw_rec_put_str (&w, e->unit);
    s_put_stamp (&w, e->pos_at);
    hrw_rec_put_str (&w, e->pos);
    s_put_stamp (&w, e->mgr_at);
    hrw_rec_put_str (&w, e->mgr);
    s_put_stamp (&w, e->level_at);
    hrw_rec_put_u32 (&w, (uint32_t) e->level);
    if (w.err)
        return HRW_E_OVERFLOW;
    MDB_val key = hrw_store__val (id, strlen (id)), val = hrw_store__val (w.data, w.len);
    hrw_store__wrote (self, self->dbi[S_DB_EMPLOYEES]);
    return mdb_put (self->wtxn, self->dbi[S_DB_EMPLOYEES], &key, &val, 0);
}

static void
s_count_status (hrw_counters_t *c, hrw_emp_status_t st, int delta)
{
    if (st == HRW_EMP_ACTIVE)
        c->employees_active += delta;
    else if (st == HRW_EMP_EXITED)
        c->employees_exited += delta;
}

//  Sets a string register when the stamp is newer; an empty value leaves
//  the register alone (the field was not given).
static void
s_set_str (hrw_stamp_t at, const char *value, hrw_stamp_t *reg_at, hrw_str_t *reg)
{
    if (value && *value && s_newer (at, *reg_at)) {
        *reg_at = at;
        *reg = hrw_str (value);
    }
}

static void
s_set_level (hrw_stamp_t at, int32_t level, hrw_emp_rec_t *e)
{
    if (level > 0 && s_newer (at, e->level_at)) {
        e->level_at = at;
        e->level = level;
    }
}

// ---------------------------------------------------------------------------
// Positions and units

int
hrw_store__pos_load (MDB_txn *txn, MDB_dbi dbi, const char *id, hrw_pos_rec_t *p)
{
    MDB_val key = hrw_store__val (id, strlen (id)), val;
    int rc = mdb_get (txn, dbi, &key, &val);
    if (rc == HRW_E_NOTFOUND) {
        memset (p, 0, sizeof (*p));
        p->def_at = p->inc_at = s_no_stamp;
        p->unit = p->title = p->incumbent = hrw_str ("");
        return rc;
    }
    if (rc)
        return rc;
    hrw_rrec_t r = { val.mv_data, val.mv_size, 0, 0 };
    if (hrw_rec_get_u8 (&r) != S_REC_VERSION)
        return HRW_E_CORRUPT;
    p->def_at = hrw_stamp_get (&r);
    p->unit = hrw_rec_get_str (&r);
    p->title = hrw_rec_get_str (&r);
    p->critical = hrw_rec_get_u8 (&r);
    p->inc_at = hrw_stamp_get (&r);
    p->incumbent = hrw_rec_get_str (&r);
    return r.err? HRW_E_CORRUPT: 0;
}

static int
s_pos_save (hrw_store_t *self, const char *id, const hrw_pos_rec_t *p)
{
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, p->def_at);
    hrw_rec_put_str (&w, p->unit);
    hrw_rec_put_str (&w, p->title);
    hrw_rec_put_u8 (&w, p->critical);
    s_put_stamp (&w, p->inc_at);
    hrw_rec_put_str (&w, p->incumbent);
    if (w.err)
        return HRW_E_OVERFLOW;
    MDB_val key = hrw_store__val (id, strlen (id)), val = hrw_store__val (w.data, w.len);
    return mdb_put (self->wtxn, self->dbi[S_DB_POSITIONS], &key, &val, 0);
}

static void
s_count_position (hrw_counters_t *c, const hrw_pos_rec_t *p, int delta)
{
    if (p->def_at.ts == HRW_TIME_NONE)
        return;
    c->positions += delta;
    if (p->critical)
        c->critical_positions += delta;
}

//  Hires and promotions name the position a person now holds: that makes
//  them its incumbent, unless a later event said otherwise.
static int
s_set_incumbent (hrw_store_t *self, const char *position, const char *employee, hrw_stamp_t at)
{
    if (!position || !*position)
        return 0;
    hrw_pos_rec_t p;
    int rc = hrw_store__pos_load (self->wtxn, self->dbi[S_DB_POSITIONS], position, &p);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    if (!s_newer (at, p.inc_at))
        return 0;
    p.inc_at = at;
    p.incumbent = hrw_str (employee);
    return s_pos_save (self, position, &p);
}

static int
s_apply_position (hrw_store_t *self, const Hrwatch__V1__PositionDefined *m, hrw_stamp_t at)
{
    hrw_pos_rec_t p;
    int rc = hrw_store__pos_load (self->wtxn, self->dbi[S_DB_POSITIONS], m->position_id, &p);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    if (s_newer (at, p.def_at)) {
        s_count_position (&self->counters, &p, -1);
        p.def_at = at;
        p.unit = hrw_str (m->unit_id);
        p.title = hrw_str (m->title);
        p.critical = m->critical? 1: 0;
        s_count_position (&self->counters, &p, +1);
    }
    //  The definition states the incumbent (empty: vacant) as of its time.
    if (s_newer (at, p.inc_at)) {
        p.inc_at = at;
        p.incumbent = hrw_str (m->incumbent_id);
    }
    return s_pos_save (self, m->position_id, &p);
}

static int
s_apply_unit (hrw_store_t *self, const Hrwatch__V1__OrgUnitDefined *m, hrw_stamp_t at)
{
    MDB_val key = hrw_store__val (m->unit_id, strlen (m->unit_id)), val;
    int rc = mdb_get (self->wtxn, self->dbi[S_DB_UNITS], &key, &val);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        if (!s_newer (at, hrw_stamp_get (&r)))
            return r.err? HRW_E_CORRUPT: 0;
    }
    else
        self->counters.units++;
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, at);
    hrw_rec_put_str (&w, hrw_str (m->parent_id));
    hrw_rec_put_str (&w, hrw_str (m->name));
    if (w.err)
        return HRW_E_OVERFLOW;
    val = hrw_store__val (w.data, w.len);
    hrw_store__wrote (self, self->dbi[S_DB_UNITS]);
    return mdb_put (self->wtxn, self->dbi[S_DB_UNITS], &key, &val, 0);
}

// ---------------------------------------------------------------------------
// Person events

typedef struct {
    hrw_store_t *store;
    hrw_emp_rec_t emp;
    hrw_emp_status_t before;
} s_emp_change_t;

static int
s_emp_begin (hrw_store_t *self, const char *id, s_emp_change_t *c)
{
    c->store = self;
    int rc = hrw_store__emp_load (self->wtxn, self->dbi[S_DB_EMPLOYEES], id, &c->emp);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    c->before = hrw_store__emp_status (&c->emp);
    return 0;
}

static int
s_emp_end (s_emp_change_t *c, const char *id)
{
    s_count_status (&c->store->counters, c->before, -1);
    s_count_status (&c->store->counters, hrw_store__emp_status (&c->emp), +1);
    return s_emp_save (c->store, id, &c->emp);
}

static int
s_apply_hire (hrw_store_t *self, const Hrwatch__V1__Hire *m, hrw_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    if (s_newer (at, c.emp.hired))
        c.emp.hired = at;
    s_set_str (at, m->unit_id, &c.emp.unit_at, &c.emp.unit);
    s_set_str (at, m->position_id, &c.emp.pos_at, &c.emp.pos);
    s_set_str (at, m->manager_id, &c.emp.mgr_at, &c.emp.mgr);
    s_set_level (at, m->level, &c.emp);
    if ((rc = s_emp_end (&c, m->employee_id)))
        return rc;
    return s_set_incumbent (self, m->position_id, m->employee_id, at);
}

static int
s_apply_exit (hrw_store_t *self, const Hrwatch__V1__Exit *m, hrw_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    if (s_newer (at, c.emp.exited)) {
        c.emp.exited = at;
        c.emp.exit_type = (uint8_t) m->type;
        c.emp.regretted = m->regretted? 1: 0;
        c.emp.rif = m->reduction_in_force? 1: 0;
    }
    return s_emp_end (&c, m->employee_id);
}

static int
s_apply_promotion (hrw_store_t *self, const Hrwatch__V1__Promotion *m, hrw_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    s_set_str (at, m->new_position_id, &c.emp.pos_at, &c.emp.pos);
    s_set_level (at, m->new_level, &c.emp);
    if ((rc = s_emp_end (&c, m->employee_id)))
        return rc;
    return s_set_incumbent (self, m->new_position_id, m->employee_id, at);
}

static int
s_apply_transfer (hrw_store_t *self, const Hrwatch__V1__Transfer *m, hrw_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    s_set_str (at, m->new_unit_id, &c.emp.unit_at, &c.emp.unit);
    s_set_str (at, m->new_manager_id, &c.emp.mgr_at, &c.emp.mgr);
    return s_emp_end (&c, m->employee_id);
}

// ---------------------------------------------------------------------------
// Relationships: nominations and mentorships share one shape, a pair key
// with a stamped (active, detail) register.

static int
s_apply_pair (hrw_store_t *self, hrw_store_db_t db, const char *a, const char *b, hrw_stamp_t at,
              int active, int detail, uint64_t *counter)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val key = hrw_store__pair_key (kbuf, sizeof (kbuf), a, b), val;
    int was_active = 0;
    int rc = mdb_get (self->wtxn, self->dbi[db], &key, &val);
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        hrw_stamp_t old = hrw_stamp_get (&r);
        was_active = hrw_rec_get_u8 (&r);
        if (r.err)
            return HRW_E_CORRUPT;
        if (!s_newer (at, old))
            return 0;
    }
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, at);
    hrw_rec_put_u8 (&w, (uint8_t) active);
    hrw_rec_put_u8 (&w, (uint8_t) detail);
    *counter += active - was_active;
    val = hrw_store__val (w.data, w.len);
    return mdb_put (self->wtxn, self->dbi[db], &key, &val, 0);
}

// ---------------------------------------------------------------------------
// Survey aggregates: histograms per (unit, cycle); nothing per respondent.

//  Reads a fixed-size record; a missing one reads as *dflt.
int
hrw_store__get_fixed (hrw_store_t *self, MDB_txn *txn, hrw_store_db_t db, MDB_val key, void *out,
                      size_t size, const void *dflt)
{
    MDB_val val;
    int rc = mdb_get (txn, self->dbi[db], &key, &val);
    if (rc == HRW_E_NOTFOUND) {
        memcpy (out, dflt, size);
        return 0;
    }
    if (rc)
        return rc;
    if (val.mv_size != size)
        return HRW_E_CORRUPT;
    memcpy (out, val.mv_data, size);
    return 0;
}

const hrw_cycle_info_t hrw_store__no_cycle = { HRW_TIME_NONE, HRW_TIME_NONE };
const hrw_cycle_unit_t hrw_store__no_cycle_unit = { HRW_TIME_NONE, 0, 0 };

static int
s_put_fixed (hrw_store_t *self, hrw_store_db_t db, MDB_val key, const void *rec, size_t size)
{
    MDB_val val = hrw_store__val (rec, size);
    return mdb_put (self->wtxn, self->dbi[db], &key, &val, 0);
}

//  A cycle is closed for a unit when it was closed for every unit or for
//  that unit alone.
static int
s_cycle_closed (const hrw_cycle_info_t *c, const hrw_cycle_unit_t *u)
{
    return c->closed_us != HRW_TIME_NONE || u->closed_us != HRW_TIME_NONE;
}

//  Notes the cycle and the unit in it; says whether the answer is late.
static int
s_survey_note (hrw_store_t *self, const Hrwatch__V1__SurveyResponse *m, int64_t t, int *late)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val ckey = hrw_store__val (m->survey_cycle_id, strlen (m->survey_cycle_id));
    MDB_val ukey = hrw_store__pair_key (kbuf, sizeof (kbuf), m->survey_cycle_id, m->unit_id);
    hrw_cycle_info_t c;
    hrw_cycle_unit_t u;
    int rc = hrw_store__get_fixed (self, self->wtxn, S_DB_CYCLES, ckey, &c, sizeof (c),
                                   &hrw_store__no_cycle);
    MDB_val val;
    int known = 0;
    if (!rc && (rc = mdb_get (self->wtxn, self->dbi[S_DB_CYCLE_UNITS], &ukey, &val)) == 0) {
        if (val.mv_size != sizeof (u))
            return HRW_E_CORRUPT;
        memcpy (&u, val.mv_data, sizeof (u));
        known = 1;
    }
    else if (rc == HRW_E_NOTFOUND) {
        u = hrw_store__no_cycle_unit;
        rc = 0;
    }
    if (rc)
        return rc;
    *late = s_cycle_closed (&c, &u);
    if (*late)
        u.late++;
    else if (c.first_us == HRW_TIME_NONE || t < c.first_us) {
        c.first_us = t;
        rc = s_put_fixed (self, S_DB_CYCLES, ckey, &c, sizeof (c));
    }
    //  Most answers change neither: the unit is noted in the cycle once.
    if (!rc && (*late || !known))
        rc = s_put_fixed (self, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u));
    return rc;
}

static int
s_apply_close (hrw_store_t *self, const Hrwatch__V1__SurveyCycleClosed *m, int64_t t)
{
    return hrw_store_survey_close (self, m->survey_cycle_id, m->unit_id, t);
}

int
hrw_store_survey_close (hrw_store_t *self, const char *cycle, const char *unit, int64_t at_us)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val ckey = hrw_store__val (cycle, strlen (cycle));
    hrw_cycle_info_t c;
    int rc = hrw_store__get_fixed (self, self->wtxn, S_DB_CYCLES, ckey, &c, sizeof (c),
                                   &hrw_store__no_cycle);
    if (rc || c.closed_us != HRW_TIME_NONE)
        return rc;      //  Closed for all already: a second close changes nothing
    if (!*unit) {
        c.closed_us = at_us;
        return s_put_fixed (self, S_DB_CYCLES, ckey, &c, sizeof (c));
    }
    MDB_val ukey = hrw_store__pair_key (kbuf, sizeof (kbuf), cycle, unit);
    hrw_cycle_unit_t u;
    rc = hrw_store__get_fixed (self, self->wtxn, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u),
                               &hrw_store__no_cycle_unit);
    if (rc || u.closed_us != HRW_TIME_NONE)
        return rc;
    u.closed_us = at_us;
    return s_put_fixed (self, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u));
}

static int
s_apply_survey (hrw_store_t *self, const Hrwatch__V1__SurveyResponse *m, int64_t t)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    int late;
    int rc = s_survey_note (self, m, t, &late);
    if (rc || late)
        return rc;      //  A closed aggregate is final
    MDB_val key = hrw_store__pair_key (kbuf, sizeof (kbuf), m->unit_id, m->survey_cycle_id), val;
    hrw_survey_info_t agg;
    rc = mdb_get (self->wtxn, self->dbi[S_DB_SURVEYS], &key, &val);
    if (rc == HRW_E_NOTFOUND) {
        memset (&agg, 0, sizeof (agg));
        agg.first_us = agg.last_us = t;
    }
    else if (rc)
        return rc;
    else if (val.mv_size != sizeof (agg))
        return HRW_E_CORRUPT;
    else
        memcpy (&agg, val.mv_data, sizeof (agg));
    agg.responses++;
    agg.engagement[m->engagement - 1]++;
    if (m->enps_answer_case == HRWATCH__V1__SURVEY_RESPONSE__ENPS_ANSWER_ENPS) {
        agg.enps_responses++;
        agg.enps[m->enps]++;
    }
    if (t < agg.first_us)
        agg.first_us = t;
    if (t > agg.last_us)
        agg.last_us = t;
    self->counters.survey_responses++;
    val = hrw_store__val (&agg, sizeof (agg));
    return mdb_put (self->wtxn, self->dbi[S_DB_SURVEYS], &key, &val, 0);
}

// ---------------------------------------------------------------------------
// Applying an event

static int
s_apply_body (hrw_store_t *self, const Hrwatch__V1__Event *ev, hrw_stamp_t at)
{
    uint64_t *noms = &self->counters.nominations;
    uint64_t *ments = &self->counters.mentorships;
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE:
            return s_apply_hire (self, ev->hire, at);
        case HRWATCH__V1__EVENT__BODY_EXIT:
            return s_apply_exit (self, ev->exit, at);
        case HRWATCH__V1__EVENT__BODY_PROMOTION:
            return s_apply_promotion (self, ev->promotion, at);
        case HRWATCH__V1__EVENT__BODY_TRANSFER:
            return s_apply_transfer (self, ev->transfer, at);
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED:
            return s_apply_unit (self, ev->org_unit_defined, at);
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED:
            return s_apply_position (self, ev->position_defined, at);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED:
            return s_apply_pair (self, S_DB_NOMINATIONS, ev->successor_nominated->position_id,
                                 ev->successor_nominated->employee_id, at, 1,
                                 ev->successor_nominated->readiness, noms);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN:
            return s_apply_pair (self, S_DB_NOMINATIONS, ev->successor_withdrawn->position_id,
                                 ev->successor_withdrawn->employee_id, at, 0, 0, noms);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ASSIGNED:
            return s_apply_pair (self, S_DB_MENTORSHIPS, ev->mentor_assigned->mentor_id,
                                 ev->mentor_assigned->mentee_id, at, 1, 0, ments);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ENDED:
            return s_apply_pair (self, S_DB_MENTORSHIPS, ev->mentor_ended->mentor_id,
                                 ev->mentor_ended->mentee_id, at, 0, 0, ments);
        case HRWATCH__V1__EVENT__BODY_SURVEY_RESPONSE:
            return s_apply_survey (self, ev->survey_response, at.ts);
        case HRWATCH__V1__EVENT__BODY_SURVEY_CYCLE_CLOSED:
            return s_apply_close (self, ev->survey_cycle_closed, at.ts);
        default:
            return HRW_E_CORRUPT;  //  Validation lets no other case through
    }
}

void
hrw_store_event_stamp (const Hrwatch__V1__Event *ev, int64_t *time_us, uint64_t *tb)
{
    *time_us = hrw_clock_from_parts (ev->occurred_at->seconds, ev->occurred_at->nanos);
    *tb = hrw_fnv1a (HRW_FNV_OFFSET, ev->event_id, strlen (ev->event_id));
}

// ---------------------------------------------------------------------------
// The journal: each applied event kept under the records it wrote
// ("subject\0" time tie-break -> clock it was applied at, encoding), so a
// void can derive those records anew from the events that remain. Voids:
// voided id -> the void's id.

#define S_SUBJECT_MAX (2 * HRW_ID_MAX + 2)
#define S_JKEY_MAX (S_SUBJECT_MAX + 1 + 16)

static size_t
s_subject_of (char kind, const char *a, const char *b, char *out)
{
    if (!a || !*a)
        return 0;
    size_t na = strnlen (a, HRW_ID_MAX), nb = b? strnlen (b, HRW_ID_MAX): 0, n = 0;
    out[n++] = kind;
    memcpy (out + n, a, na);
    n += na;
    if (b) {
        out[n++] = '/';         //  No id holds it
        memcpy (out + n, b, nb);
        n += nb;
    }
    return n;
}

//  The record an event writes (which 0) or the second one (which 1: the
//  position a hire or promotion makes its holder incumbent of), as a kind
//  letter and the id or pair; 0 when none (surveys, voids).
static size_t
s_subject (const Hrwatch__V1__Event *ev, int which, char out[S_SUBJECT_MAX])
{
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE:
            return which? s_subject_of ('p', ev->hire->position_id, NULL, out)
                        : s_subject_of ('e', ev->hire->employee_id, NULL, out);
        case HRWATCH__V1__EVENT__BODY_PROMOTION:
            return which? s_subject_of ('p', ev->promotion->new_position_id, NULL, out)
                        : s_subject_of ('e', ev->promotion->employee_id, NULL, out);
        default:
            break;
    }
    if (which)
        return 0;
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_EXIT:
            return s_subject_of ('e', ev->exit->employee_id, NULL, out);
        case HRWATCH__V1__EVENT__BODY_TRANSFER:
            return s_subject_of ('e', ev->transfer->employee_id, NULL, out);
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED:
            return s_subject_of ('u', ev->org_unit_defined->unit_id, NULL, out);
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED:
            return s_subject_of ('p', ev->position_defined->position_id, NULL, out);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED:
            return s_subject_of ('n', ev->successor_nominated->position_id,
                                 ev->successor_nominated->employee_id, out);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN:
            return s_subject_of ('n', ev->successor_withdrawn->position_id,
                                 ev->successor_withdrawn->employee_id, out);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ASSIGNED:
            return s_subject_of ('m', ev->mentor_assigned->mentor_id,
                                 ev->mentor_assigned->mentee_id, out);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ENDED:
            return s_subject_of ('m', ev->mentor_ended->mentor_id, ev->mentor_ended->mentee_id,
                                 out);
        default:
            return 0;
    }
}

static MDB_val
s_journal_key (const char *subject, size_t n, int64_t t, uint64_t tb, uint8_t buf[S_JKEY_MAX])
{
    memcpy (buf, subject, n);
    buf[n] = '\0';
    hrw_key_put_time (buf + n + 1, t);
    hrw_key_put_u64 (buf + n + 9, tb);
    return hrw_store__val (buf, n + 17);
}

const char *
hrw_store_event_employee (const Hrwatch__V1__Event *ev)
{
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE: return ev->hire->employee_id;
        case HRWATCH__V1__EVENT__BODY_EXIT: return ev->exit->employee_id;
        case HRWATCH__V1__EVENT__BODY_PROMOTION: return ev->promotion->employee_id;
        case HRWATCH__V1__EVENT__BODY_TRANSFER: return ev->transfer->employee_id;
        default: return NULL;
    }
}

const char *
hrw_store_event_target (const Hrwatch__V1__Event *ev)
{
    if (ev->body_case == HRWATCH__V1__EVENT__BODY_EVENT_VOIDED)
        return ev->event_voided->voided_event_id;
    return *ev->corrects_event_id? ev->corrects_event_id: NULL;
}

int
hrw_store_voidable (const Hrwatch__V1__Event *ev)
{
    char subject[S_SUBJECT_MAX];
    return s_subject (ev, 0, subject) > 0;
}

int
hrw_store_void_forget (hrw_store_t *self, const char *target, const char *by)
{
    MDB_val key = hrw_store__val (target, strlen (target)), val;
    int rc = mdb_get (self->wtxn, self->dbi[S_DB_VOIDS], &key, &val);
    if (rc)
        return rc == HRW_E_NOTFOUND? 0: rc;
    if (by && (val.mv_size != strlen (by) || memcmp (val.mv_data, by, val.mv_size)))
        return 0;       //  Voided by another
    if ((rc = mdb_del (self->wtxn, self->dbi[S_DB_VOIDS], &key, NULL)))
        return rc;
    self->counters.voids--;
    return 0;
}

int
hrw_store_journaled (hrw_store_t *self)
{
    return self->journaled;
}

int
hrw_store_is_voided (hrw_store_t *self, const char *event_id)
{
    if (self->counters.voids == 0)
        return 0;       //  The common case, without a lookup
    MDB_val key = hrw_store__val (event_id, strlen (event_id)), val;
    return mdb_get (self->wtxn, self->dbi[S_DB_VOIDS], &key, &val) == 0;
}

//  The id record: content hash, event time, and the record the event
//  writes (empty: it cannot be voided).
typedef struct {
    uint64_t hash;
    int64_t occurred;
} s_id_head_t;

//  A void (or correction) of target, checked and noted.
static int
s_void_note (hrw_store_t *self, const Hrwatch__V1__Event *ev, const char *target,
             hrw_apply_t *result)
{
    MDB_val key = hrw_store__val (target, strlen (target)), val;
    if (!self->journaled) {
        *result = HRW_NOT_VOIDABLE;     //  Its records may hold events not kept
        return 0;
    }
    int rc = mdb_get (self->wtxn, self->dbi[S_DB_VOIDS], &key, &val);
    if (rc == 0) {
        *result = HRW_DUPLICATE;
        return 0;
    }
    if (rc != HRW_E_NOTFOUND)
        return rc;
    rc = mdb_get (self->wtxn, self->dbi[S_DB_EVENT_IDS], &key, &val);
    if (rc == 0 && val.mv_size <= sizeof (s_id_head_t)) {
        *result = HRW_NOT_VOIDABLE;
        return 0;
    }
    if (rc && rc != HRW_E_NOTFOUND)
        return rc;
    val = hrw_store__val (ev->event_id, strlen (ev->event_id));
    if ((rc = mdb_put (self->wtxn, self->dbi[S_DB_VOIDS], &key, &val, 0)))
        return rc;
    self->counters.voids++;
    *result = HRW_APPLIED;
    return 0;
}

//  A retry: the same content is a duplicate, other content a conflict.
static int
s_seen (hrw_store_t *self, MDB_val val, uint64_t content_hash, hrw_apply_t *result)
{
    uint64_t seen;
    if (val.mv_size < sizeof (seen))
        return HRW_E_CORRUPT;
    memcpy (&seen, val.mv_data, sizeof (seen));
    *result = seen == content_hash? HRW_DUPLICATE: HRW_CONFLICT;
    if (*result == HRW_DUPLICATE)
        self->counters.events_duplicate++;
    return 0;
}

int
hrw_store_accept (hrw_store_t *self, const Hrwatch__V1__Event *ev, uint64_t content_hash,
                  int64_t known_us, hrw_apply_t *result)
{
    MDB_val key = hrw_store__val (ev->event_id, strlen (ev->event_id)), val;
    //  Voids and corrections are looked up first: what they name decides
    //  whether they are recorded at all. Every other event is recorded by
    //  one put that finds a retry itself (one descent of the id index, not
    //  two).
    const char *target = hrw_store_event_target (ev);
    int rc = 0;
    if (target) {
        rc = mdb_get (self->wtxn, self->dbi[S_DB_EVENT_IDS], &key, &val);
        if (rc == 0)
            return s_seen (self, val, content_hash, result);
        if (rc != HRW_E_NOTFOUND)
            return rc;
    }
    //  A correction voided before it came will never apply: what it names
    //  is not voided by it. (A void cannot be voided: one voided before it
    //  came applies all the same.)
    if (target && !(hrw_store_voidable (ev) && hrw_store_is_voided (self, ev->event_id))) {
        if ((rc = s_void_note (self, ev, target, result)))
            return rc;
        //  Voiding twice changes nothing; a correction still brings its event.
        int again = *result == HRW_DUPLICATE;
        if (*result == HRW_NOT_VOIDABLE
            || (again && ev->body_case == HRWATCH__V1__EVENT__BODY_EVENT_VOIDED)) {
            self->counters.events_duplicate += again;
            return 0;
        }
    }
    struct {
        s_id_head_t head;
        char subject[S_SUBJECT_MAX];
    } rec;
    hrw_stamp_t at;
    hrw_store_event_stamp (ev, &at.ts, &at.tb);
    rec.head.hash = content_hash;
    rec.head.occurred = at.ts;
    size_t n = s_subject (ev, 0, rec.subject);
    val = hrw_store__val (&rec, sizeof (rec.head) + n);
    rc = mdb_put (self->wtxn, self->dbi[S_DB_EVENT_IDS], &key, &val, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST && !target)
        return s_seen (self, val, content_hash, result);    //  val: the one kept
    if (rc)
        return rc;
    self->counters.events_accepted++;
    if (known_us > self->counters.latest_event_us)
        self->counters.latest_event_us = known_us;
    *result = HRW_APPLIED;
    return 0;
}

int
hrw_store_apply (hrw_store_t *self, const Hrwatch__V1__Event *ev, const void *raw,
                 size_t raw_len, int64_t clock_us)
{
    hrw_stamp_t at;
    hrw_store_event_stamp (ev, &at.ts, &at.tb);
    int rc = s_apply_body (self, ev, at);
    char subject[S_SUBJECT_MAX];
    uint8_t kbuf[S_JKEY_MAX];
    for (int which = 0; !rc && which < 2; which++) {
        size_t n = s_subject (ev, which, subject);
        if (n == 0)
            continue;
        MDB_val key = s_journal_key (subject, n, at.ts, at.tb, kbuf), val;
        val.mv_size = sizeof (clock_us) + raw_len;
        if ((rc = mdb_put (self->wtxn, self->dbi[S_DB_JOURNAL], &key, &val, MDB_RESERVE)))
            break;
        memcpy (val.mv_data, &clock_us, sizeof (clock_us));
        memcpy ((uint8_t *) val.mv_data + sizeof (clock_us), raw, raw_len);
    }
    return rc;
}

static MDB_val s_time_key (int64_t t, uint64_t tb, uint8_t buf[16]);

int
hrw_store_target (hrw_store_t *self, const char *event_id, hrw_buf_t *raw, int64_t *counted_us,
                  hrw_target_t *where)
{
    *where = HRW_TARGET_NONE;
    *counted_us = HRW_TIME_NONE;
    MDB_val key = hrw_store__val (event_id, strlen (event_id)), val;
    int rc = mdb_get (self->wtxn, self->dbi[S_DB_EVENT_IDS], &key, &val);
    if (rc || val.mv_size <= sizeof (s_id_head_t))
        return rc == HRW_E_NOTFOUND? 0: rc;
    s_id_head_t head;
    memcpy (&head, val.mv_data, sizeof (head));
    uint64_t tb = hrw_fnv1a (HRW_FNV_OFFSET, event_id, strlen (event_id));
    char subject[S_SUBJECT_MAX];
    size_t n = val.mv_size - sizeof (head);
    if (n > sizeof (subject))
        return HRW_E_CORRUPT;
    memcpy (subject, (const uint8_t *) val.mv_data + sizeof (head), n);
    uint8_t tkey[16], jkey[S_JKEY_MAX];
    MDB_val pkey = s_time_key (head.occurred, tb, tkey);
    if ((rc = mdb_get (self->wtxn, self->dbi[S_DB_PENDING], &pkey, &val)) == 0) {
        hrw_buf_clear (raw);
        if (hrw_buf_append (raw, val.mv_data, val.mv_size))
            return ENOMEM;
        if ((rc = mdb_del (self->wtxn, self->dbi[S_DB_PENDING], &pkey, NULL)))
            return rc;
        self->counters.events_pending--;
        *where = HRW_TARGET_HELD;
        return 0;
    }
    if (rc != HRW_E_NOTFOUND)
        return rc;
    MDB_val jk = s_journal_key (subject, n, head.occurred, tb, jkey);
    if ((rc = mdb_get (self->wtxn, self->dbi[S_DB_JOURNAL], &jk, &val)))
        return rc == HRW_E_NOTFOUND? 0: rc;
    if (val.mv_size < sizeof (*counted_us))
        return HRW_E_CORRUPT;
    memcpy (counted_us, val.mv_data, sizeof (*counted_us));
    hrw_buf_clear (raw);
    if (hrw_buf_append (raw, (const uint8_t *) val.mv_data + sizeof (*counted_us),
                        val.mv_size - sizeof (*counted_us)))
        return ENOMEM;
    *where = HRW_TARGET_APPLIED;
    return 0;
}

//  Forgets the record a subject names, with what it counted.
static int
s_forget (hrw_store_t *self, const char *subject, size_t n)
{
    char id[S_SUBJECT_MAX + 1], kbuf[2 * HRW_ID_MAX + 2];
    memcpy (id, subject + 1, n - 1);
    id[n - 1] = '\0';
    char *slash = strchr (id, '/');
    MDB_val key = hrw_store__val (id, n - 1), val;
    hrw_store_db_t db;
    int rc;
    switch (subject[0]) {
        case 'e': {
            hrw_emp_rec_t e;
            if ((rc = hrw_store__emp_load (self->wtxn, self->dbi[S_DB_EMPLOYEES], id, &e)))
                return rc == HRW_E_NOTFOUND? 0: rc;
            s_count_status (&self->counters, hrw_store__emp_status (&e), -1);
            db = S_DB_EMPLOYEES;
            break;
        }
        case 'p': {
            hrw_pos_rec_t p;
            if ((rc = hrw_store__pos_load (self->wtxn, self->dbi[S_DB_POSITIONS], id, &p)))
                return rc == HRW_E_NOTFOUND? 0: rc;
            s_count_position (&self->counters, &p, -1);
            db = S_DB_POSITIONS;
            break;
        }
        case 'u':
            if ((rc = mdb_get (self->wtxn, self->dbi[S_DB_UNITS], &key, &val)))
                return rc == HRW_E_NOTFOUND? 0: rc;
            self->counters.units--;
            db = S_DB_UNITS;
            break;
        default: {
            if (!slash)
                return HRW_E_CORRUPT;
            *slash = '\0';
            db = subject[0] == 'n'? S_DB_NOMINATIONS: S_DB_MENTORSHIPS;
            key = hrw_store__pair_key (kbuf, sizeof (kbuf), id, slash + 1);
            if ((rc = mdb_get (self->wtxn, self->dbi[db], &key, &val)))
                return rc == HRW_E_NOTFOUND? 0: rc;
            hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
            hrw_stamp_get (&r);
            uint8_t active = hrw_rec_get_u8 (&r);
            if (r.err)
                return HRW_E_CORRUPT;
            uint64_t *counter = db == S_DB_NOMINATIONS? &self->counters.nominations
                                                      : &self->counters.mentorships;
            *counter -= active;
            break;
        }
    }
    hrw_store__wrote (self, self->dbi[db]);
    return mdb_del (self->wtxn, self->dbi[db], &key, NULL);
}

//  Derives a subject's record anew from the events kept under it. The
//  registers are order-free and re-applying an event elsewhere changes
//  nothing there, so each is simply applied again.
static int
s_refold (hrw_store_t *self, const char *subject, size_t n)
{
    int rc = s_forget (self, subject, n);
    MDB_cursor *cur;
    if (rc || (rc = mdb_cursor_open (self->wtxn, self->dbi[S_DB_JOURNAL], &cur)))
        return rc;
    uint8_t kbuf[S_JKEY_MAX];
    MDB_val k = s_journal_key (subject, n, INT64_MIN, 0, kbuf), v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != n + 17 || memcmp (k.mv_data, subject, n) || ((char *) k.mv_data)[n])
            break;
        if (v.mv_size < sizeof (int64_t))
            continue;
        Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (
            NULL, v.mv_size - sizeof (int64_t), (const uint8_t *) v.mv_data + sizeof (int64_t));
        if (!ev) {
            rc = HRW_E_CORRUPT;
            break;
        }
        hrw_stamp_t at;
        hrw_store_event_stamp (ev, &at.ts, &at.tb);
        rc = s_apply_body (self, ev, at);
        hrwatch__v1__event__free_unpacked (ev, NULL);
        if (rc)
            break;
    }
    mdb_cursor_close (cur);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

int
hrw_store_unapply (hrw_store_t *self, const Hrwatch__V1__Event *ev)
{
    hrw_stamp_t at;
    hrw_store_event_stamp (ev, &at.ts, &at.tb);
    char subject[2][S_SUBJECT_MAX];
    size_t n[2];
    uint8_t kbuf[S_JKEY_MAX];
    int rc = 0;
    for (int which = 0; !rc && which < 2; which++) {
        n[which] = s_subject (ev, which, subject[which]);
        MDB_val key = s_journal_key (subject[which], n[which], at.ts, at.tb, kbuf);
        if (n[which] && (rc = mdb_del (self->wtxn, self->dbi[S_DB_JOURNAL], &key, NULL)))
            rc = rc == HRW_E_NOTFOUND? 0: rc;
    }
    for (int which = 0; !rc && which < 2; which++)
        if (n[which])
            rc = s_refold (self, subject[which], n[which]);
    return rc;
}

// ---------------------------------------------------------------------------
// Events held for the clock, in event-time order

//  The pending key: event time, then tie-break, so that LMDB's order is
//  the order events are applied in.
static MDB_val
s_time_key (int64_t t, uint64_t tb, uint8_t buf[16])
{
    hrw_key_put_time (buf, t);
    hrw_key_put_u64 (buf + 8, tb);
    return hrw_store__val (buf, 16);
}

int
hrw_store_defer (hrw_store_t *self, int64_t time_us, uint64_t tb, const void *data, size_t len)
{
    uint8_t kbuf[16];
    MDB_val key = s_time_key (time_us, tb, kbuf), val = hrw_store__val (data, len);
    int rc = mdb_put (self->wtxn, self->dbi[S_DB_PENDING], &key, &val, 0);
    if (rc == 0)
        self->counters.events_pending++;
    return rc;
}

int
hrw_store_held_by (hrw_store_t *self, int64_t t)
{
    if (self->counters.events_pending == 0)
        return 0;       //  The common case, without a lookup
    MDB_cursor *cur;
    if (mdb_cursor_open (self->wtxn, self->dbi[S_DB_PENDING], &cur))
        return 1;       //  Held, to be safe: the queue will say
    MDB_val k, v;
    int held = mdb_cursor_get (cur, &k, &v, MDB_FIRST) != 0 || k.mv_size != 16
            || hrw_key_get_time (k.mv_data) <= t;
    mdb_cursor_close (cur);
    return held;
}

int
hrw_store_take_due (hrw_store_t *self, int64_t upto, hrw_buf_t *buf)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (self->wtxn, self->dbi[S_DB_PENDING], &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    if (rc == 0) {
        uint8_t limit[16];
        s_time_key (upto, UINT64_MAX, limit);
        if (k.mv_size != 16 || memcmp (k.mv_data, limit, 16) > 0)
            rc = HRW_E_NOTFOUND;
    }
    if (rc == 0) {
        hrw_buf_clear (buf);
        if (hrw_buf_append (buf, v.mv_data, v.mv_size))
            rc = ENOMEM;
        else if ((rc = mdb_cursor_del (cur, 0)) == 0)
            self->counters.events_pending--;
    }
    mdb_cursor_close (cur);
    return rc;
}

// ---------------------------------------------------------------------------
// Rejected events

static int
s_trim_rejected (hrw_store_t *self)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (self->wtxn, self->dbi[S_DB_REJECTED], &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    while (self->counters.rejected_kept > self->opts.rejected_keep
           && (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST)) == 0) {
        if ((rc = mdb_cursor_del (cur, 0)))
            break;
        self->counters.rejected_kept--;
    }
    mdb_cursor_close (cur);
    return rc == HRW_E_NOTFOUND? 0: rc;
}


int
hrw_store_reject (hrw_store_t *self, int64_t now_us, const hrw_rejection_t *rej)
{
    self->counters.events_rejected++;
    if (self->opts.rejected_keep == 0)
        return 0;
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REJECTED_VERSION);
    hrw_rec_put_i64 (&w, now_us);
    hrw_rec_put_u8 (&w, (uint8_t) rej->reason);
    hrw_str_t id = hrw_str (rej->event_id);
    if (id.n > HRW_EVENT_ID_MAX)
        id.n = HRW_EVENT_ID_MAX;
    hrw_rec_put_str (&w, id);
    hrw_rec_put_str (&w, hrw_str (rej->event_type));
    hrw_rec_put_str (&w, hrw_str (rej->field));
    hrw_rec_put_str (&w, hrw_str (rej->message));
    if (w.err)
        return HRW_E_OVERFLOW;
    uint8_t kbuf[HRW_KEY_U64_LEN];
    hrw_key_put_u64 (kbuf, self->counters.rejected_next_seq);
    MDB_val key = hrw_store__val (kbuf, sizeof (kbuf));
    MDB_val val = hrw_store__val (w.data, w.len);
    int rc = mdb_put (self->wtxn, self->dbi[S_DB_REJECTED], &key, &val, 0);
    if (rc)
        return rc;
    self->counters.rejected_next_seq++;
    self->counters.rejected_kept++;
    return s_trim_rejected (self);
}
