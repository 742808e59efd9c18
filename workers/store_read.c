/*  store_read: point reads and walks of the state, the order-independent
    digest, and the rejected events kept. */
#include "workers/store_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/keys.h"

static void
s_copy_str (char *dst, size_t cap, hrw_str_t s)
{
    size_t n = s.n < cap - 1? s.n: cap - 1;
    memcpy (dst, s.p, n);
    dst[n] = '\0';
}


static int
s_read_pair (hrw_store_t *self, hrw_store_db_t db, const char *a, const char *b, int *active,
             int *detail)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val key = hrw_store__pair_key (kbuf, sizeof (kbuf), a, b), val;
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    rc = mdb_get (txn, self->dbi[db], &key, &val);
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        hrw_stamp_get (&r);
        *active = hrw_rec_get_u8 (&r);
        int d = hrw_rec_get_u8 (&r);
        if (detail)
            *detail = d;
        rc = r.err? HRW_E_CORRUPT: 0;
    }
    hrw_store__read_end (self, txn);
    return rc;
}

//  One stored rejection into view (its strings copied to the buffers).
static int
s_rejected_view (const MDB_val *k, const MDB_val *v, hrw_rejected_view_t *view,
                 char id[HRW_EVENT_ID_MAX + 1], char type[64], char field[64], char msg[256])
{
    hrw_rrec_t r = { v->mv_data, v->mv_size, 0, 0 };
    view->seq = hrw_key_get_u64 (k->mv_data);
    uint8_t version = hrw_rec_get_u8 (&r);
    view->received_us = hrw_rec_get_i64 (&r);
    view->reason = hrw_rec_get_u8 (&r);
    s_copy_str (id, HRW_EVENT_ID_MAX + 1, hrw_rec_get_str (&r));
    type[0] = field[0] = '\0';
    if (version == S_REJECTED_VERSION) {
        s_copy_str (type, 64, hrw_rec_get_str (&r));
        s_copy_str (field, 64, hrw_rec_get_str (&r));
    }
    s_copy_str (msg, 256, hrw_rec_get_str (&r));
    if (r.err || (version != 1 && version != S_REJECTED_VERSION))
        return HRW_E_CORRUPT;
    view->event_id = id;
    view->event_type = type;
    view->field = field;
    view->message = msg;
    return 0;
}

int
hrw_store_rejected_each (hrw_store_t *self, uint64_t after_seq, uint32_t limit,
                         void (*fn) (const hrw_rejected_view_t *, void *), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open (txn, self->dbi[S_DB_REJECTED], &cur)))
        goto done;
    uint8_t kbuf[HRW_KEY_U64_LEN];
    hrw_key_put_u64 (kbuf, after_seq + 1);
    MDB_val k = hrw_store__val (kbuf, sizeof (kbuf)), v;
    MDB_cursor_op op = MDB_SET_RANGE;
    for (uint32_t n = 0; n < limit && (rc = mdb_cursor_get (cur, &k, &v, op)) == 0; n++) {
        op = MDB_NEXT;
        hrw_rejected_view_t view;
        char id[HRW_EVENT_ID_MAX + 1], type[64], field[64], msg[256];
        if ((rc = s_rejected_view (&k, &v, &view, id, type, field, msg)))
            goto done;
        fn (&view, arg);
    }
    if (rc == HRW_E_NOTFOUND)
        rc = 0;
done:
    if (cur)
        mdb_cursor_close (cur);
    hrw_store__read_end (self, txn);
    return rc;
}

// ---------------------------------------------------------------------------
// Digest and point reads

int
hrw_store_digest (hrw_store_t *self, char hex[17])
{
    //  The workforce as the events that stand describe it: not the ids
    //  seen, so a history with a voided event equals one that never had it.
    static const hrw_store_db_t dbs[] = { S_DB_EMPLOYEES, S_DB_UNITS,
                                          S_DB_POSITIONS, S_DB_NOMINATIONS, S_DB_MENTORSHIPS,
                                          S_DB_SURVEYS, S_DB_CYCLES, S_DB_CYCLE_UNITS };
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    uint64_t h = HRW_FNV_OFFSET;
    for (size_t i = 0; i < sizeof (dbs) / sizeof (dbs[0]) && !rc; i++) {
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open (txn, self->dbi[dbs[i]], &cur)))
            break;
        MDB_val k, v;
        h = hrw_fnv1a (h, &i, sizeof (i));
        while ((rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) == 0) {
            uint64_t lens[2] = { k.mv_size, v.mv_size };
            h = hrw_fnv1a (h, lens, sizeof (lens));
            h = hrw_fnv1a (h, k.mv_data, k.mv_size);
            h = hrw_fnv1a (h, v.mv_data, v.mv_size);
        }
        mdb_cursor_close (cur);
        if (rc == HRW_E_NOTFOUND)
            rc = 0;
    }
    hrw_store__read_end (self, txn);
    snprintf (hex, 17, "%016llx", (unsigned long long) h);
    return rc;
}

static int s_employee (hrw_store_t *self, const char *id, hrw_employee_info_t *out);

int
hrw_store_employee (hrw_store_t *self, const char *id, hrw_employee_info_t *out)
{
    size_t len = strlen (id);
    uint64_t version = hrw_table_version (self, (hrw_table_t) { self->dbi[S_DB_EMPLOYEES] });
    hrw_emp_slot_t *m = &self->emps[hrw_fnv1a (HRW_FNV_OFFSET, id, len) % HRW_EMP_SLOTS];
    if (version && m->version == version && !strcmp (m->id, id)) {
        if (!m->rc)
            *out = m->info;
        return m->rc;
    }
    int rc = s_employee (self, id, out);
    if ((rc == 0 || rc == HRW_E_NOTFOUND) && len <= HRW_ID_MAX) {
        m->version = version;
        m->rc = rc;
        memcpy (m->id, id, len + 1);
        if (!rc)
            m->info = *out;
    }
    return rc;
}

static int
s_employee (hrw_store_t *self, const char *id, hrw_employee_info_t *out)
{
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    hrw_emp_rec_t e;
    rc = hrw_store__emp_load (txn, self->dbi[S_DB_EMPLOYEES], id, &e);
    if (rc == 0) {
        out->status = hrw_store__emp_status (&e);
        s_copy_str (out->unit, sizeof (out->unit), e.unit);
        out->unit_at_us = e.unit_at.ts;
        s_copy_str (out->position, sizeof (out->position), e.pos);
        out->position_at_us = e.pos_at.ts;
        s_copy_str (out->manager, sizeof (out->manager), e.mgr);
        out->level = e.level;
        out->hired_us = e.hired.ts;
        out->exited_us = e.exited.ts;
        out->exit_type = e.exit_type;
        out->regretted = e.regretted;
        out->reduction_in_force = e.rif;
    }
    hrw_store__read_end (self, txn);
    return rc;
}

int
hrw_store_unit (hrw_store_t *self, const char *id, hrw_unit_info_t *out)
{
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    MDB_val key = hrw_store__val (id, strlen (id)), val;
    rc = mdb_get (txn, self->dbi[S_DB_UNITS], &key, &val);
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        out->defined = hrw_stamp_get (&r).ts != HRW_TIME_NONE;
        s_copy_str (out->parent, sizeof (out->parent), hrw_rec_get_str (&r));
        s_copy_str (out->name, sizeof (out->name), hrw_rec_get_str (&r));
        rc = r.err? HRW_E_CORRUPT: 0;
    }
    hrw_store__read_end (self, txn);
    return rc;
}

int
hrw_store_position (hrw_store_t *self, const char *id, hrw_position_info_t *out)
{
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    hrw_pos_rec_t p;
    rc = hrw_store__pos_load (txn, self->dbi[S_DB_POSITIONS], id, &p);
    if (rc == 0) {
        out->defined = p.def_at.ts != HRW_TIME_NONE;
        s_copy_str (out->unit, sizeof (out->unit), p.unit);
        s_copy_str (out->title, sizeof (out->title), p.title);
        out->critical = p.critical;
        s_copy_str (out->incumbent, sizeof (out->incumbent), p.incumbent);
        out->incumbent_at_us = p.inc_at.ts;
    }
    hrw_store__read_end (self, txn);
    return rc;
}

int
hrw_store_nomination (hrw_store_t *self, const char *position, const char *employee,
                      int *active, int *readiness)
{
    return s_read_pair (self, S_DB_NOMINATIONS, position, employee, active, readiness);
}

int
hrw_store_mentorship (hrw_store_t *self, const char *mentor, const char *mentee, int *active)
{
    return s_read_pair (self, S_DB_MENTORSHIPS, mentor, mentee, active, NULL);
}

int
hrw_store_survey (hrw_store_t *self, const char *unit, const char *cycle,
                  hrw_survey_info_t *out)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val key = hrw_store__pair_key (kbuf, sizeof (kbuf), unit, cycle), val;
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    rc = mdb_get (txn, self->dbi[S_DB_SURVEYS], &key, &val);
    if (rc == 0) {
        if (val.mv_size == sizeof (*out))
            memcpy (out, val.mv_data, sizeof (*out));
        else
            rc = HRW_E_CORRUPT;
    }
    hrw_store__read_end (self, txn);
    return rc;
}

typedef struct {
    size_t plen;                //  Length of "prefix\0"
    void (*fn) (const char *second, const MDB_val *v, void *);
    void *arg;
} s_pair_walk_t;

static int
s_pair_one (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_pair_walk_t *w = arg;
    //  A key is "prefix\0second" with second non-empty: ids are.
    if (k.len <= w->plen)
        return 0;
    char second[HRW_ID_MAX + 1];
    size_t n = k.len - w->plen < HRW_ID_MAX? k.len - w->plen: HRW_ID_MAX;
    memcpy (second, (const char *) k.data + w->plen, n);
    second[n] = '\0';
    MDB_val mv = hrw_store__val (v.data, v.len);
    w->fn (second, &mv, w->arg);
    return 0;
}

//  Walks the keys "prefix\0..." of a pair-keyed database, handing fn the
//  part after the NUL and the value.
static int
s_pair_each (hrw_store_t *self, hrw_store_db_t db, const char *prefix,
             void (*fn) (const char *second, const MDB_val *v, void *), void *arg)
{
    s_pair_walk_t w = { strlen (prefix) + 1, fn, arg };     //  With its NUL
    hrw_table_t t = { self->dbi[db] };
    return hrw_table_prefix_each (self, t, prefix, w.plen, s_pair_one, &w);
}

typedef struct {
    void (*fn) (const hrw_nomination_view_t *, void *);
    void *arg;
} s_nom_ctx_t;

static void
s_nom_each (const char *employee, const MDB_val *v, void *arg)
{
    s_nom_ctx_t *c = arg;
    hrw_rrec_t r = { v->mv_data, v->mv_size, 1, 0 };
    hrw_nomination_view_t view;
    view.employee = employee;
    view.at_us = hrw_stamp_get (&r).ts;
    view.active = hrw_rec_get_u8 (&r);
    view.readiness = hrw_rec_get_u8 (&r);
    if (!r.err)
        c->fn (&view, c->arg);
}

int
hrw_store_nominations_each (hrw_store_t *self, const char *position,
                            void (*fn) (const hrw_nomination_view_t *, void *), void *arg)
{
    s_nom_ctx_t c = { fn, arg };
    return s_pair_each (self, S_DB_NOMINATIONS, position, s_nom_each, &c);
}

typedef struct {
    void (*fn) (const char *, const hrw_survey_info_t *, void *);
    void *arg;
} s_survey_ctx_t;

static void
s_survey_each (const char *cycle, const MDB_val *v, void *arg)
{
    s_survey_ctx_t *c = arg;
    hrw_survey_info_t info;
    if (v->mv_size != sizeof (info))
        return;
    memcpy (&info, v->mv_data, sizeof (info));
    c->fn (cycle, &info, c->arg);
}

int
hrw_store_surveys_each (hrw_store_t *self, const char *unit,
                        void (*fn) (const char *, const hrw_survey_info_t *, void *), void *arg)
{
    s_survey_ctx_t c = { fn, arg };
    return s_pair_each (self, S_DB_SURVEYS, unit, s_survey_each, &c);
}

static size_t s_unit_chain (hrw_store_t *self, const char *unit, char chain[][HRW_ID_MAX + 1]);

size_t
hrw_store_unit_chain (hrw_store_t *self, const char *unit, char chain[][HRW_ID_MAX + 1])
{
    if (!unit || !*unit)
        return 0;
    //  One slot a unit (by its hash): a midnight's alerts are spread over
    //  many units, and a scan of every slot would cost what it saves.
    uint64_t version = hrw_table_version (self, (hrw_table_t) { self->dbi[S_DB_UNITS] });
    size_t len = strlen (unit);
    hrw_chain_slot_t *c = &self->chains[hrw_fnv1a (HRW_FNV_OFFSET, unit, len) % HRW_CHAIN_SLOTS];
    if (version && c->version == version && !strcmp (c->chain[0], unit)) {
        memcpy (chain, c->chain, c->n * sizeof (chain[0]));
        return c->n;
    }
    size_t n = s_unit_chain (self, unit, chain);
    if (version && n && len <= HRW_ID_MAX) {
        c->version = version;
        c->n = n;
        memcpy (c->chain, chain, n * sizeof (chain[0]));
    }
    return n;
}

static size_t
s_unit_chain (hrw_store_t *self, const char *unit, char chain[][HRW_ID_MAX + 1])
{
    size_t n = 0;
    s_copy_str (chain[n++], HRW_ID_MAX + 1, hrw_str (unit));
    while (n < HRW_CHAIN_MAX) {
        hrw_unit_info_t u;
        if (hrw_store_unit (self, chain[n - 1], &u) || !*u.parent)
            break;
        //  A parent loop (units redefined into a cycle) ends the walk.
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen |= !strcmp (chain[i], u.parent);
        if (seen)
            break;
        s_copy_str (chain[n++], HRW_ID_MAX + 1, hrw_str (u.parent));
    }
    return n;
}

int
hrw_store_survey_cycle (hrw_store_t *self, const char *cycle, hrw_cycle_info_t *out)
{
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    rc = hrw_store__get_fixed (self, txn, S_DB_CYCLES, hrw_store__val (cycle, strlen (cycle)), out,
                               sizeof (*out), &hrw_store__no_cycle);
    hrw_store__read_end (self, txn);
    return rc;
}

int
hrw_store_survey_state (hrw_store_t *self, const char *unit, const char *cycle,
                        hrw_cycle_unit_t *out)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_txn *txn;
    hrw_cycle_info_t c;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    rc = hrw_store__get_fixed (self, txn, S_DB_CYCLES, hrw_store__val (cycle, strlen (cycle)), &c,
                               sizeof (c), &hrw_store__no_cycle);
    if (!rc)
        rc = hrw_store__get_fixed (self, txn, S_DB_CYCLE_UNITS,
                                   hrw_store__pair_key (kbuf, sizeof (kbuf), cycle, unit), out,
                                   sizeof (*out), &hrw_store__no_cycle_unit);
    //  The earlier of the two closes is when the aggregate became final.
    if (!rc && c.closed_us != HRW_TIME_NONE
        && (out->closed_us == HRW_TIME_NONE || c.closed_us < out->closed_us))
        out->closed_us = c.closed_us;
    hrw_store__read_end (self, txn);
    return rc;
}

typedef struct {
    void (*fn) (const char *, void *);
    void *arg;
} s_unit_ctx_t;

static void
s_cycle_unit_each (const char *unit, const MDB_val *v, void *arg)
{
    s_unit_ctx_t *c = arg;
    (void) v;
    c->fn (unit, c->arg);
}

int
hrw_store_cycle_units_each (hrw_store_t *self, const char *cycle,
                            void (*fn) (const char *unit, void *), void *arg)
{
    s_unit_ctx_t c = { fn, arg };
    return s_pair_each (self, S_DB_CYCLE_UNITS, cycle, s_cycle_unit_each, &c);
}

int
hrw_store_cycles_each (hrw_store_t *self,
                       void (*fn) (const char *cycle, const hrw_cycle_info_t *, void *),
                       void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open (txn, self->dbi[S_DB_CYCLES], &cur))) {
        hrw_store__read_end (self, txn);
        return rc;
    }
    MDB_val k, v;
    while ((rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) == 0) {
        hrw_cycle_info_t info;
        char cycle[HRW_ID_MAX + 1];
        if (v.mv_size != sizeof (info) || k.mv_size > HRW_ID_MAX)
            continue;
        memcpy (&info, v.mv_data, sizeof (info));
        memcpy (cycle, k.mv_data, k.mv_size);
        cycle[k.mv_size] = '\0';
        fn (cycle, &info, arg);
    }
    mdb_cursor_close (cur);
    hrw_store__read_end (self, txn);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

//  Calls fn with the id of each record of a table keyed by an id, in id
//  order, inside a read scope of its own (or the caller's), so the point
//  reads fn makes see the same snapshot as the walk. A key longer than an
//  id is not one and is passed over.
static int
s_ids_each (hrw_store_t *self, hrw_store_db_t db, int (*fn) (const char *id, void *), void *arg)
{
    hrw_store_read_t *scope = NULL;
    hrw_cursor_t *cur = NULL;
    hrw_table_t t = { self->dbi[db] };
    int rc = hrw_store_read_begin (self, &scope);
    if (rc)
        return rc;
    if ((rc = hrw_cursor_open (self, t, &cur)))
        goto cleanup;
    hrw_bytes_t k, v;
    while ((rc = hrw_cursor_get (cur, HRW_CURSOR_NEXT, &k, &v)) == 0) {
        char id[HRW_ID_MAX + 1];
        if (!k.len || k.len > HRW_ID_MAX || memchr (k.data, '\0', k.len))
            continue;
        memcpy (id, k.data, k.len);
        id[k.len] = '\0';
        if ((rc = fn (id, arg)))
            break;
    }
    if (rc == HRW_E_NOTFOUND)
        rc = 0;
cleanup:
    hrw_cursor_close (&cur);
    hrw_store_read_end (&scope);
    return rc;
}

typedef struct {
    hrw_store_t *store;
    void (*unit) (const char *, const hrw_unit_info_t *, void *);        //  One of the
    void (*position) (const char *, const hrw_position_info_t *, void *);  //  three, by
    void (*employee) (const char *, const hrw_employee_info_t *, void *);  //  the walk
    void *arg;
} s_walk_t;

static int
s_unit_one (const char *id, void *arg)
{
    s_walk_t *w = arg;
    hrw_unit_info_t info;
    int rc = hrw_store_unit (w->store, id, &info);
    if (rc == 0)
        w->unit (id, &info, w->arg);
    return rc == HRW_E_CORRUPT? rc: 0;
}

int
hrw_store_units_each (hrw_store_t *self,
                      void (*fn) (const char *id, const hrw_unit_info_t *, void *), void *arg)
{
    s_walk_t w = { self, fn, NULL, NULL, arg };
    return s_ids_each (self, S_DB_UNITS, s_unit_one, &w);
}

static int
s_position_one (const char *id, void *arg)
{
    s_walk_t *w = arg;
    hrw_position_info_t info;
    int rc = hrw_store_position (w->store, id, &info);
    if (rc == 0)
        w->position (id, &info, w->arg);
    return rc == HRW_E_CORRUPT? rc: 0;
}

int
hrw_store_positions_each (hrw_store_t *self,
                          void (*fn) (const char *id, const hrw_position_info_t *, void *),
                          void *arg)
{
    s_walk_t w = { self, NULL, fn, NULL, arg };
    return s_ids_each (self, S_DB_POSITIONS, s_position_one, &w);
}

static int
s_employee_one (const char *id, void *arg)
{
    s_walk_t *w = arg;
    hrw_employee_info_t info;
    int rc = hrw_store_employee (w->store, id, &info);
    if (rc == 0)
        w->employee (id, &info, w->arg);
    return rc == HRW_E_CORRUPT? rc: 0;
}

int
hrw_store_employees_each (hrw_store_t *self,
                          void (*fn) (const char *id, const hrw_employee_info_t *, void *),
                          void *arg)
{
    s_walk_t w = { self, NULL, NULL, fn, arg };
    return s_ids_each (self, S_DB_EMPLOYEES, s_employee_one, &w);
}

typedef struct {
    void (*fn) (const hrw_mentorship_view_t *, void *);
    void *arg;
} s_ment_ctx_t;

static int
s_ment_one (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_ment_ctx_t *c = arg;
    //  The key is "mentor\0mentee", both ids.
    const char *key = k.data;
    const char *nul = memchr (key, '\0', k.len);
    if (!nul || nul == key || (size_t) (nul - key) > HRW_ID_MAX
        || k.len - (size_t) (nul - key) - 1 == 0 || k.len - (size_t) (nul - key) - 1 > HRW_ID_MAX)
        return 0;
    char mentor[HRW_ID_MAX + 1], mentee[HRW_ID_MAX + 1];
    size_t na = (size_t) (nul - key), nb = k.len - na - 1;
    memcpy (mentor, key, na);
    mentor[na] = '\0';
    memcpy (mentee, nul + 1, nb);
    mentee[nb] = '\0';
    hrw_rrec_t r = { v.data, v.len, 1, 0 };
    hrw_mentorship_view_t view = { mentor, mentee, 0, HRW_TIME_NONE };
    view.at_us = hrw_stamp_get (&r).ts;
    view.active = hrw_rec_get_u8 (&r);
    if (!r.err)
        c->fn (&view, c->arg);
    return 0;
}

int
hrw_store_mentorships_each (hrw_store_t *self,
                            void (*fn) (const hrw_mentorship_view_t *, void *), void *arg)
{
    s_ment_ctx_t c = { fn, arg };
    hrw_table_t t = { self->dbi[S_DB_MENTORSHIPS] };
    return hrw_table_prefix_each (self, t, "", 0, s_ment_one, &c);
}
