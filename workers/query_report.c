/*  query_report: the answer to a ReportRequest, the leaders' report. A
    unit's subtree (or the whole company) at the event-time clock: its
    monthly history, its units, engagement by closed survey cycle, its
    critical positions with their successors and mentors, and the alerts
    firing in it. Everything is read in one read scope, so the figures are
    of one snapshot; every list is capped and the answer says which were. */
#include "workers/query.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrwatch/v1/control.pb-c.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/keys.h"
#include "lib/stats.h"
#include "workers/detect.h"

#define S_CODE(name) HRWATCH__V1__CONTROL_ERROR__CONTROL_ERROR_##name
#define S_KIND(name) HRWATCH__V1__ALERT_KIND__ALERT_KIND_##name
#define S_DAY_US (86400LL * HRW_US_PER_SEC)

//  A unit of the org tree, as the report walks it.
typedef struct {
    char id[HRW_ID_MAX + 1];        //  Its id
    char parent[HRW_ID_MAX + 1];    //  Its parent's, or ""
    int seen;                       //  Already placed in the walk (a loop in the tree)
} s_unit_t;

//  What one report is built from; freed at the end of the request.
typedef struct {
    const hrw_query_env_t *env;
    hrw_arena_t *arena;             //  Everything the response points to
    const char *scope;              //  The unit asked for, "" for the company
    int64_t clock;                  //  The event-time clock
    s_unit_t *units;                //  Every unit, in id order
    size_t n_units, cap_units;
    s_unit_t **by_parent;           //  The same, by parent then id
    const char **subtree;           //  Ids of the scope's subtree, sorted (not for "")
    size_t n_subtree;
    const char **top;               //  Ids of the units at depth 0 and 1, sorted:
    size_t n_top;                   //  whose turnover alerts mark the months
    int rc;                         //  First store error in a callback
    int oom;                        //  An allocation failed in a callback
} s_report_t;

static int
s_error (Hrwatch__V1__ControlResponse *resp, Hrwatch__V1__ControlError code, const char *msg)
{
    resp->code = code;
    resp->error = (char *) msg;
    return 0;
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  Natural order: runs of digits compare as numbers ("eng-t2" before
//  "eng-t10"), everything else byte by byte; ids equal that way (leading
//  zeros) fall back to byte order, so the order is total.
static int
s_cmp_natural (const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *) a, *y = (const unsigned char *) b;
    while (*x && *y) {
        if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
            while (*x == '0' && x[1] >= '0' && x[1] <= '9')
                x++;
            while (*y == '0' && y[1] >= '0' && y[1] <= '9')
                y++;
            size_t nx = 0, ny = 0;
            while (x[nx] >= '0' && x[nx] <= '9')
                nx++;
            while (y[ny] >= '0' && y[ny] <= '9')
                ny++;
            if (nx != ny)
                return nx < ny? -1: 1;
            int c = memcmp (x, y, nx);
            if (c)
                return c;
            x += nx;
            y += ny;
            continue;
        }
        if (*x != *y)
            return *x < *y? -1: 1;
        x++;
        y++;
    }
    if (*x || *y)
        return *x? 1: -1;
    return strcmp (a, b);
}

//  By parent (byte order: s_first_child searches it), then children in
//  natural order.
static int
s_cmp_parent (const void *a, const void *b)
{
    const s_unit_t *x = *(const s_unit_t *const *) a, *y = *(const s_unit_t *const *) b;
    int c = strcmp (x->parent, y->parent);
    return c? c: s_cmp_natural (x->id, y->id);
}



//  1 when unit is the scope or below it (always, for the company).
static int
s_in_scope (const s_report_t *r, const char *unit)
{
    if (!*r->scope)
        return 1;
    return r->n_subtree
        && bsearch (&unit, r->subtree, r->n_subtree, sizeof (char *), s_cmp_str) != NULL;
}

static void
s_collect_unit (const char *id, const hrw_unit_info_t *info, void *arg)
{
    s_report_t *r = arg;
    if (r->n_units == r->cap_units) {
        size_t cap = r->cap_units? r->cap_units * 2: 64;
        void *p = realloc (r->units, cap * sizeof (*r->units));
        if (!p) {
            r->oom = 1;
            return;
        }
        r->units = p;
        r->cap_units = cap;
    }
    s_unit_t *u = &r->units[r->n_units++];
    snprintf (u->id, sizeof (u->id), "%s", id);
    snprintf (u->parent, sizeof (u->parent), "%s", info->defined? info->parent: "");
    u->seen = 0;
}

//  The first unit whose parent is parent, in by_parent; n_units if none.
static size_t
s_first_child (const s_report_t *r, const char *parent)
{
    size_t lo = 0, hi = r->n_units;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp (r->by_parent[mid]->parent, parent) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
s_is_unit (const s_report_t *r, const char *id)
{
    size_t lo = 0, hi = r->n_units;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp (r->units[mid].id, id);
        if (!c)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

typedef struct {
    const char *id;
    const char *parent;
    uint32_t depth;
} s_place_t;

//  A unit waiting in the walk, with its depth.
typedef struct {
    s_unit_t *u;
    uint32_t depth;
} s_pending_t;

//  Natural order reversed, for the stack: the first comes off first.
static int
s_cmp_pending_desc (const void *a, const void *b)
{
    const s_unit_t *x = ((const s_pending_t *) a)->u, *y = ((const s_pending_t *) b)->u;
    return s_cmp_natural (y->id, x->id);
}

//  The walk's order: the scope, then its subtree depth first, children in
//  natural order (digits as numbers: eng-t2 before eng-t10); for the company, each root (a unit with no parent, or a parent
//  never defined) and its subtree. Fills order (ids and depths, room for
//  n_units + 1) and returns how many.
static size_t
s_walk (s_report_t *r, s_place_t *order, s_pending_t *stack)
{
    size_t n = 0, top = 0;
    uint32_t base = 0;
    if (*r->scope) {
        order[n++] = (s_place_t) { r->scope, "", 0 };
        base = 1;
        for (size_t i = 0; i < r->n_units; i++)
            if (!strcmp (r->units[i].id, r->scope))
                r->units[i].seen = 1;
    }
    for (size_t i = 0; i < r->n_units; i++) {
        s_unit_t *u = &r->units[i];
        int root = *r->scope? !strcmp (u->parent, r->scope)
                            : !*u->parent || !s_is_unit (r, u->parent);
        if (root && !u->seen)
            stack[top++] = (s_pending_t) { u, base };
    }
    //  In reverse natural order, so they come off in natural order.
    if (top)
        qsort (stack, top, sizeof (*stack), s_cmp_pending_desc);
    //  Each unit is pushed at most once per parent and placed once (seen),
    //  so a loop in the tree ends the walk; the stack never holds more
    //  than every unit.
    while (top) {
        s_pending_t p = stack[--top];
        if (p.u->seen)
            continue;
        p.u->seen = 1;
        order[n++] = (s_place_t) { p.u->id, p.u->parent, p.depth };
        size_t first = s_first_child (r, p.u->id), end = first;
        while (end < r->n_units && !strcmp (r->by_parent[end]->parent, p.u->id))
            end++;
        for (size_t j = end; j-- > first;)
            if (!r->by_parent[j]->seen && top < r->n_units)
                stack[top++] = (s_pending_t) { r->by_parent[j], p.depth + 1 };
    }
    return n;
}

//  Whether the unit asked for is one: defined, or anyone ever counted in
//  it, or a critical position in it, or a survey answer from it (as
//  `hrwatch unit` decides).
static int
s_unit_known (s_report_t *r, const hrw_unit_turnover_t *t, uint32_t critical, int *known)
{
    hrw_unit_info_t info;
    hrw_store_t *store = r->env->store;
    *known = hrw_store_unit (store, r->scope, &info) == 0 || t->headcount || t->person_days > 0
          || critical;
    if (*known)
        return 0;
    hrw_table_t series;
    int rc = hrw_table_open (store, "det_series", &series);
    hrw_cursor_t *cur = NULL;
    if (!rc)
        rc = hrw_cursor_open (store, series, &cur);
    if (!rc) {
        hrw_bytes_t k = { r->scope, strlen (r->scope) + 1 }, v;
        rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v);
        if (!rc && k.len > strlen (r->scope) + 1 && !memcmp (k.data, r->scope, strlen (r->scope) + 1))
            *known = 1;
        rc = rc == HRW_E_NOTFOUND? 0: rc;
    }
    hrw_cursor_close (&cur);
    return rc;
}

static void
s_any_survey (const char *cycle, const hrw_survey_info_t *info, void *arg)
{
    (void) cycle;
    (void) info;
    *(int *) arg = 1;
}

// ---------------------------------------------------------------------------
// Months

//  Days from 1970-01-01 of a civil date (proleptic Gregorian), and back
//  (H. Hinnant's algorithms): month starts without time zones or libc.
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0? y: y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2? -3: 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_civil_from_days (int64_t z, int64_t *y, int *m)
{
    z += 719468;
    int64_t era = (z >= 0? z: z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *m = (int) (mp < 10? mp + 3: mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

typedef struct {
    hrw_history_month_t *months;
    size_t n;
    uint64_t *involuntary;          //  Per month
    int *alert;                     //  Per month: a turnover alert was firing
    const s_report_t *r;
    int active;                     //  Marking the firing alerts, not the log
} s_months_ctx_t;

//  The month t falls in, or -1.
static long
s_month_of (const s_months_ctx_t *c, int64_t t)
{
    if (!c->n || t < c->months[0].start_us || t >= c->months[c->n - 1].end_us)
        return -1;
    size_t lo = 0, hi = c->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->months[mid].start_us <= t)
            lo = mid;
        else
            hi = mid;
    }
    return (long) lo;
}

//  Involuntary exits: the person's latest exit, when it was not voluntary
//  or was part of a reduction in force (the series counts voluntary exits
//  only), in the unit they left.
static void
s_count_exit (const char *id, const hrw_employee_info_t *e, void *arg)
{
    s_months_ctx_t *c = arg;
    (void) id;
    if (e->status != HRW_EMP_EXITED || e->exited_us == HRW_TIME_NONE)
        return;
    if (e->exit_type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY && !e->reduction_in_force)
        return;
    long i = s_month_of (c, e->exited_us);
    if (i >= 0 && s_in_scope (c->r, e->unit))
        c->involuntary[i]++;
}

static int
s_alert_in_scope (const s_report_t *r, const Hrwatch__V1__Alert *a)
{
    if (!*r->scope)
        return 1;
    if (!strcmp (a->unit_id, r->scope))
        return 1;
    for (size_t i = 0; i < a->n_unit_path; i++)
        if (!strcmp (a->unit_path[i], r->scope))
            return 1;
    return 0;
}

static int64_t
s_ts (const Google__Protobuf__Timestamp *t)
{
    return t? hrw_clock_from_parts (t->seconds, t->nanos): HRW_TIME_NONE;
}

//  Marks the months an alert's firing spans: from started_at to its
//  resolution (a RESOLVED change in the log) or the clock (firing now).
static void
s_mark_alert (const uint8_t *data, size_t len, void *arg)
{
    s_months_ctx_t *c = arg;
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, len, data);
    if (!a)
        return;
    int turnover = a->kind == S_KIND (TURNOVER_SPIKE) || a->kind == S_KIND (TURNOVER_RISE);
    int64_t from = s_ts (a->started_at), to = HRW_TIME_NONE;
    //  In the log a firing change says nothing of how long it fired: its
    //  resolution does, and what still fires is in the active list.
    if (!c->active && a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED)
        to = s_ts (a->resolved_at);
    else if (c->active && a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING)
        to = c->r->clock;
    //  The scope and the units just below it: at the company's scope every
    //  month has a spike in some team, which would say nothing.
    const char *subject = a->subject;
    int top = c->r->n_top && bsearch (&subject, c->r->top, c->r->n_top, sizeof (char *),
                                      s_cmp_str) != NULL;
    if (turnover && top && from != HRW_TIME_NONE && to != HRW_TIME_NONE)
        for (size_t i = 0; i < c->n; i++)
            if (c->months[i].start_us <= to && from < c->months[i].end_us)
                c->alert[i] = 1;
    hrwatch__v1__alert__free_unpacked (a, NULL);
}

//  The time of the scope's first point in the turnover series (det_series:
//  the id, a NUL, then the time), or HRW_TIME_NONE when it has none: a
//  month ending before it has no data, only zeros.
static int
s_first_point (s_report_t *r, int64_t *first)
{
    hrw_store_t *store = r->env->store;
    size_t plen = strlen (r->scope) + 1;
    *first = HRW_TIME_NONE;
    hrw_table_t series;
    hrw_cursor_t *cur = NULL;
    int rc = hrw_table_open (store, "det_series", &series);
    if (!rc)
        rc = hrw_cursor_open (store, series, &cur);
    if (!rc) {
        hrw_bytes_t k = { r->scope, plen }, v;
        rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v);
        if (!rc && k.len == plen + 8 && !memcmp (k.data, r->scope, plen))
            *first = hrw_key_get_time ((const uint8_t *) k.data + plen);
        rc = rc == HRW_E_NOTFOUND? 0: rc;
    }
    hrw_cursor_close (&cur);
    return rc;
}

static int
s_months (s_report_t *r, uint32_t n_months, Hrwatch__V1__WorkforceReport *w)
{
    hrw_history_month_t *months = calloc (n_months, sizeof (*months));
    uint64_t *invol = calloc (n_months, sizeof (*invol));
    int *alert = calloc (n_months, sizeof (*alert));
    int rc = ENOMEM;
    if (!months || !invol || !alert)
        goto cleanup;
    int64_t day = r->clock >= 0? r->clock / S_DAY_US: -((-(r->clock + 1)) / S_DAY_US) - 1;
    int64_t y;
    int m;
    s_civil_from_days (day, &y, &m);
    //  The current month last; back from it one calendar month at a time.
    for (uint32_t i = n_months; i-- > 0;) {
        months[i].start_us = s_days_from_civil (y, m, 1) * S_DAY_US;
        if (--m == 0) {
            m = 12;
            y--;
        }
    }
    //  The last month ends at the clock, the clock's own instant in it (as
    //  a unit's headcount at the clock counts an event at that instant).
    for (uint32_t i = 0; i < n_months; i++)
        months[i].end_us = i + 1 < n_months? months[i + 1].start_us: r->clock + 1;
    hrw_detect_t *detect = hrw_engine_detect (r->env->engine);
    int64_t first;
    if ((rc = hrw_detect_history_months (detect, r->scope, months, n_months))
        || (rc = s_first_point (r, &first)))
        goto cleanup;
    s_months_ctx_t c = { months, n_months, invol, alert, r, 0 };
    if ((rc = hrw_store_employees_each (r->env->store, s_count_exit, &c)))
        goto cleanup;
    hrw_alerts_t *alerts = hrw_engine_alerts (r->env->engine);
    const char *kinds[] = { "turnover_spike/", "turnover_rise/" };
    for (int k = 0; k < 4; k++) {
        c.active = k >= 2;
        if ((rc = hrw_alerts_each (alerts, c.active, 0, UINT32_MAX, kinds[k % 2], s_mark_alert,
                                   &c)))
            goto cleanup;
    }
    rc = ENOMEM;
    w->months = hrw_arena_alloc (r->arena, n_months * sizeof (void *));
    Hrwatch__V1__ReportMonth *out = hrw_arena_alloc (r->arena, n_months * sizeof (*out));
    if (!w->months || !out)
        goto cleanup;
    for (uint32_t i = 0; i < n_months; i++) {
        Hrwatch__V1__ReportMonth *o = &out[i];
        hrwatch__v1__report_month__init (o);
        o->month_start = hrw_arena_timestamp (r->arena, months[i].start_us);
        if (!o->month_start)
            goto cleanup;
        o->headcount = months[i].headcount;
        o->voluntary_exits = months[i].voluntary;
        o->involuntary_exits = invol[i];
        o->expected_voluntary = months[i].expected;
        o->expected_low = months[i].expected_low;
        o->expected_high = months[i].expected_high;
        o->baseline_judged = months[i].judged;
        o->turnover_alert = alert[i];
        o->person_days = months[i].person_days;
        //  As the history reads it: the point at or before end_us - 1.
        o->known = first != HRW_TIME_NONE && first <= months[i].end_us - 1;
        w->months[i] = o;
    }
    w->n_months = n_months;
    rc = 0;
cleanup:
    free (months);
    free (invol);
    free (alert);
    return rc;
}

// ---------------------------------------------------------------------------
// Units

static int
s_units (s_report_t *r, const s_place_t *order, size_t n, Hrwatch__V1__WorkforceReport *w)
{
    size_t keep = n < HRW_QUERY_REPORT_UNITS_MAX? n: HRW_QUERY_REPORT_UNITS_MAX;
    hrw_detect_t *detect = hrw_engine_detect (r->env->engine);
    w->units = hrw_arena_alloc (r->arena, (keep + 1) * sizeof (void *));
    Hrwatch__V1__ReportUnit *out = hrw_arena_alloc (r->arena, (keep + 1) * sizeof (*out));
    if (!w->units || !out)
        return ENOMEM;
    for (size_t i = 0; i < keep; i++) {
        Hrwatch__V1__ReportUnit *u = &out[i];
        hrwatch__v1__report_unit__init (u);
        hrw_unit_turnover_t t;
        uint32_t critical, covered;
        int rc = hrw_detect_unit_report (detect, order[i].id, r->clock, &t, &critical, &covered);
        if (rc)
            return rc;
        hrw_unit_info_t info;
        int defined = hrw_store_unit (r->env->store, order[i].id, &info) == 0 && info.defined;
        u->unit_id = hrw_arena_strdup (r->arena, order[i].id);
        u->name = hrw_arena_strdup (r->arena, defined? info.name: "");
        u->parent_id = hrw_arena_strdup (r->arena, order[i].depth? order[i].parent: "");
        if (!u->unit_id || !u->name || !u->parent_id)
            return ENOMEM;
        u->depth = order[i].depth;
        u->headcount = t.headcount;
        u->turnover_annualised = t.annualised;
        u->baseline_annualised = t.baseline_annualised;
        u->turnover_judged = t.judged;
        u->turnover_rate_known = t.rate_known;
        u->voluntary_exits = t.observed;
        u->expected_exits = t.expected;
        u->critical_positions = critical;
        u->covered_positions = covered;
        u->bench_strength = critical? (double) covered / critical: 0;
        w->units[i] = u;
    }
    w->n_units = keep;
    return 0;
}

static int
s_truncated (hrw_arena_t *arena, Hrwatch__V1__WorkforceReport *w, const char *what)
{
    char **list = hrw_arena_alloc (arena, (w->n_truncated + 1) * sizeof (char *));
    if (!list)
        return ENOMEM;
    for (size_t i = 0; i < w->n_truncated; i++)
        list[i] = w->truncated[i];
    list[w->n_truncated++] = (char *) what;
    w->truncated = list;
    return 0;
}

// ---------------------------------------------------------------------------
// Engagement

typedef struct {
    char id[HRW_ID_MAX + 1];
    int64_t closed_us;
} s_cycle_t;

typedef struct {
    s_cycle_t *items;
    size_t n, cap;
    int oom;
} s_cycles_t;

static void
s_collect_cycle (const char *cycle, const hrw_cycle_info_t *info, void *arg)
{
    s_cycles_t *c = arg;
    if (info->closed_us == HRW_TIME_NONE)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap? c->cap * 2: 32;
        void *p = realloc (c->items, cap * sizeof (*c->items));
        if (!p) {
            c->oom = 1;
            return;
        }
        c->items = p;
        c->cap = cap;
    }
    snprintf (c->items[c->n].id, sizeof (c->items[c->n].id), "%s", cycle);
    c->items[c->n++].closed_us = info->closed_us;
}

static int
s_cmp_cycle (const void *a, const void *b)
{
    const s_cycle_t *x = a, *y = b;
    if (x->closed_us != y->closed_us)
        return x->closed_us < y->closed_us? -1: 1;
    return strcmp (x->id, y->id);
}

//  One cycle pooled over the units in scope that reach the threshold.
typedef struct {
    s_report_t *r;
    const char *cycle;
    uint32_t min;                   //  The anonymity threshold
    uint32_t responses, engagement[5], enps_responses, enps[11];
} s_pool_t;

static void
s_pool_unit (const char *unit, void *arg)
{
    s_pool_t *p = arg;
    hrw_survey_info_t info;
    hrw_cycle_unit_t state;
    if (!s_in_scope (p->r, unit))
        return;
    int rc = hrw_store_survey (p->r->env->store, unit, p->cycle, &info);
    if (!rc)
        rc = hrw_store_survey_state (p->r->env->store, unit, p->cycle, &state);
    if (rc) {
        p->r->rc = p->r->rc? p->r->rc: rc == HRW_E_NOTFOUND? 0: rc;
        return;
    }
    //  A unit below the threshold is left out whole: pooled in, it could
    //  be recovered by setting this figure against the others'.
    if (info.responses < p->min || state.closed_us == HRW_TIME_NONE)
        return;
    p->responses += info.responses;
    for (int i = 0; i < 5; i++)
        p->engagement[i] += info.engagement[i];
    if (info.enps_responses >= p->min) {
        p->enps_responses += info.enps_responses;
        for (int i = 0; i < 11; i++)
            p->enps[i] += info.enps[i];
    }
}

static int
s_engagement (s_report_t *r, uint32_t min, Hrwatch__V1__WorkforceReport *w)
{
    s_cycles_t c = { NULL, 0, 0, 0 };
    int rc = hrw_store_cycles_each (r->env->store, s_collect_cycle, &c);
    if (!rc && c.oom)
        rc = ENOMEM;
    if (rc)
        goto cleanup;
    if (c.n)
        qsort (c.items, c.n, sizeof (*c.items), s_cmp_cycle);
    size_t first = c.n > HRW_QUERY_REPORT_CYCLES_MAX? c.n - HRW_QUERY_REPORT_CYCLES_MAX: 0;
    size_t keep = c.n - first;
    w->engagement = hrw_arena_alloc (r->arena, (keep + 1) * sizeof (void *));
    Hrwatch__V1__ReportCycle *out = hrw_arena_alloc (r->arena, (keep + 1) * sizeof (*out));
    rc = ENOMEM;
    if (!w->engagement || !out)
        goto cleanup;
    for (size_t i = 0; i < keep; i++) {
        s_pool_t p;
        memset (&p, 0, sizeof (p));
        p.r = r;
        p.cycle = c.items[first + i].id;
        p.min = min;
        if ((rc = hrw_store_cycle_units_each (r->env->store, p.cycle, s_pool_unit, &p))
            || (rc = r->rc))
            goto cleanup;
        Hrwatch__V1__ReportCycle *o = &out[i];
        hrwatch__v1__report_cycle__init (o);
        o->survey_cycle_id = hrw_arena_strdup (r->arena, p.cycle);
        o->closed_at = hrw_arena_timestamp (r->arena, c.items[first + i].closed_us);
        rc = ENOMEM;
        if (!o->survey_cycle_id || !o->closed_at)
            goto cleanup;
        o->reported = p.responses >= min && p.responses > 0;
        if (o->reported) {
            o->respondents = p.responses;
            o->mean_engagement = hrw_stats_from_histogram (p.engagement, 5, 1).mean;
            o->enps_reported = p.enps_responses >= min && p.enps_responses > 0;
            if (o->enps_reported)
                o->enps = hrw_stats_nps (p.enps, p.enps_responses);
        }
        w->engagement[i] = o;
    }
    w->n_engagement = keep;
    rc = 0;
    if (first)
        rc = s_truncated (r->arena, w, "engagement");
cleanup:
    free (c.items);
    return rc;
}

// ---------------------------------------------------------------------------
// Critical positions, their successors and mentors

typedef struct {
    s_report_t *r;
    char (*ids)[HRW_ID_MAX + 1];    //  Critical positions in scope, by id, every one
    size_t n, cap;
    int oom;
} s_positions_t;

static void
s_collect_position (const char *id, const hrw_position_info_t *info, void *arg)
{
    s_positions_t *c = arg;
    if (!info->defined || !info->critical || !s_in_scope (c->r, info->unit))
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap? c->cap * 2: 64;
        void *p = realloc (c->ids, cap * sizeof (*c->ids));
        if (!p) {
            c->oom = 1;
            return;
        }
        c->ids = p;
        c->cap = cap;
    }
    snprintf (c->ids[c->n++], HRW_ID_MAX + 1, "%s", id);
}

static int
s_cmp_successor (const void *a, const void *b)
{
    const Hrwatch__V1__ReportSuccessor *x = *(Hrwatch__V1__ReportSuccessor *const *) a;
    const Hrwatch__V1__ReportSuccessor *y = *(Hrwatch__V1__ReportSuccessor *const *) b;
    return strcmp (x->employee_id, y->employee_id);
}

typedef struct {
    hrw_arena_t *arena;
    Hrwatch__V1__ReportSuccessor **all;     //  Every successor listed, by employee id
    size_t n;
    int oom;
} s_mentors_t;

//  An active mentorship of someone listed as a successor: the first
//  mentor met (the table is in mentor order: the smallest id) is theirs.
static void
s_mentor (const hrw_mentorship_view_t *v, void *arg)
{
    s_mentors_t *c = arg;
    if (!v->active || !c->n)
        return;
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp (c->all[mid]->employee_id, v->mentee) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < c->n && !strcmp (c->all[i]->employee_id, v->mentee); i++)
        if (!*c->all[i]->mentor_id) {
            c->all[i]->mentor_id = hrw_arena_strdup (c->arena, v->mentor);
            if (!c->all[i]->mentor_id) {
                c->all[i]->mentor_id = (char *) "";
                c->oom = 1;
            }
        }
}

static int
s_positions (s_report_t *r, Hrwatch__V1__WorkforceReport *w, int *more)
{
    s_positions_t c = { r, NULL, 0, 0, 0 };
    hrw_position_report_t *pr = malloc (sizeof (*pr));
    Hrwatch__V1__ReportSuccessor **all = NULL;
    int rc = ENOMEM;
    if (!pr)
        goto cleanup;
    if ((rc = hrw_store_positions_each (r->env->store, s_collect_position, &c)))
        goto cleanup;
    rc = ENOMEM;
    if (c.oom)
        goto cleanup;
    //  Every critical position in scope is counted, and its gap; the
    //  first HRW_QUERY_REPORT_POSITIONS_MAX by id are listed.
    size_t keep = c.n < HRW_QUERY_REPORT_POSITIONS_MAX? c.n: HRW_QUERY_REPORT_POSITIONS_MAX;
    *more = c.n > keep;
    w->critical_positions_total = (uint32_t) c.n;
    w->positions = hrw_arena_alloc (r->arena, (keep + 1) * sizeof (void *));
    all = malloc ((keep * HRW_SUCCESSORS_MAX + 1) * sizeof (*all));
    if (!w->positions || !all)
        goto cleanup;
    size_t n_all = 0;
    hrw_detect_t *detect = hrw_engine_detect (r->env->engine);
    for (size_t i = keep; i < c.n; i++) {
        if ((rc = hrw_detect_position_report (detect, c.ids[i], pr)))
            goto cleanup;
        w->gaps_total += pr->gap? 1: 0;
    }
    for (size_t i = 0; i < keep; i++) {
        rc = hrw_detect_position_report (detect, c.ids[i], pr);
        if (rc)
            goto cleanup;
        w->gaps_total += pr->gap? 1: 0;
        rc = ENOMEM;
        Hrwatch__V1__ReportPosition *p = hrw_arena_alloc (r->arena, sizeof (*p));
        Hrwatch__V1__ReportSuccessor *s
            = hrw_arena_alloc (r->arena, (pr->n_successors + 1) * sizeof (*s));
        if (!p || !s)
            goto cleanup;
        hrwatch__v1__report_position__init (p);
        p->position_id = hrw_arena_strdup (r->arena, c.ids[i]);
        p->unit_id = hrw_arena_strdup (r->arena, pr->unit);
        p->title = hrw_arena_strdup (r->arena, pr->title);
        p->incumbent_id = hrw_arena_strdup (r->arena, pr->incumbent);
        p->successors = hrw_arena_alloc (r->arena, (pr->n_successors + 1) * sizeof (void *));
        if (!p->position_id || !p->unit_id || !p->title || !p->incumbent_id || !p->successors)
            goto cleanup;
        p->vacant = pr->vacant;
        p->ready_now = pr->ready_now;
        p->gap = pr->gap;
        for (size_t j = 0; j < pr->n_successors; j++) {
            hrwatch__v1__report_successor__init (&s[j]);
            s[j].employee_id = hrw_arena_strdup (r->arena, pr->successors[j].employee);
            s[j].readiness = pr->successors[j].readiness;
            s[j].counted = pr->successors[j].why_not == NULL;
            s[j].not_counted_because = hrw_arena_strdup (r->arena, pr->successors[j].why_not
                                                         ? pr->successors[j].why_not: "");
            s[j].mentor_id = (char *) "";
            if (!s[j].employee_id || !s[j].not_counted_because)
                goto cleanup;
            p->successors[j] = &s[j];
            all[n_all++] = &s[j];
        }
        p->n_successors = pr->n_successors;
        w->positions[i] = p;
    }
    w->n_positions = keep;
    //  One scan of the mentorships for every successor listed.
    if (n_all)
        qsort (all, n_all, sizeof (*all), s_cmp_successor);
    s_mentors_t m = { r->arena, all, n_all, 0 };
    if (n_all && (rc = hrw_store_mentorships_each (r->env->store, s_mentor, &m)))
        goto cleanup;
    rc = m.oom? ENOMEM: 0;
cleanup:
    free (all);
    free (pr);
    free (c.ids);
    return rc;
}

// ---------------------------------------------------------------------------
// Firing alerts

typedef struct {
    s_report_t *r;
    Hrwatch__V1__Alert **items;     //  Room for HRW_QUERY_REPORT_ALERTS_MAX
    size_t n;
    uint32_t total;                 //  Every one in scope, past the cap too
    int more;
    int oom;
} s_alerts_t;

static void
s_collect_alert (const uint8_t *data, size_t len, void *arg)
{
    s_alerts_t *c = arg;
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, len, data);
    if (!a)
        return;
    int in = s_alert_in_scope (c->r, a);
    hrwatch__v1__alert__free_unpacked (a, NULL);
    if (!in)
        return;
    c->total++;
    if (c->n == HRW_QUERY_REPORT_ALERTS_MAX) {
        c->more = 1;
        return;
    }
    a = hrwatch__v1__alert__unpack (hrw_arena_allocator (c->r->arena), len, data);
    if (!a)
        c->oom = 1;
    else
        c->items[c->n++] = a;
}

//  Highest severity first, then firing longest, then by fingerprint.
static int
s_cmp_alert (const void *pa, const void *pb)
{
    const Hrwatch__V1__Alert *a = *(Hrwatch__V1__Alert *const *) pa;
    const Hrwatch__V1__Alert *b = *(Hrwatch__V1__Alert *const *) pb;
    if (a->severity != b->severity)
        return a->severity > b->severity? -1: 1;
    int64_t ta = s_ts (a->started_at), tb = s_ts (b->started_at);
    if (ta != tb)
        return ta < tb? -1: 1;
    return strcmp (a->fingerprint, b->fingerprint);
}

static int
s_alerts (s_report_t *r, Hrwatch__V1__WorkforceReport *w, int *more)
{
    s_alerts_t c = { r, hrw_arena_alloc (r->arena, HRW_QUERY_REPORT_ALERTS_MAX * sizeof (void *)),
                     0, 0, 0, 0 };
    if (!c.items)
        return ENOMEM;
    int rc = hrw_alerts_each (hrw_engine_alerts (r->env->engine), 1, 0, UINT32_MAX, "",
                              s_collect_alert, &c);
    if (rc)
        return rc;
    if (c.oom)
        return ENOMEM;
    if (c.n)
        qsort (c.items, c.n, sizeof (*c.items), s_cmp_alert);
    w->alerts = c.items;
    w->n_alerts = c.n;
    w->alerts_firing_total = c.total;
    *more = c.more;
    return 0;
}

// ---------------------------------------------------------------------------

//  The subtree's ids, sorted, for s_in_scope.
static int
s_subtree (s_report_t *r, const s_place_t *order, size_t n)
{
    r->subtree = hrw_arena_alloc (r->arena, (n + 1) * sizeof (char *));
    if (!r->subtree)
        return ENOMEM;
    for (size_t i = 0; i < n; i++)
        r->subtree[i] = order[i].id;
    r->n_subtree = n;
    qsort (r->subtree, n, sizeof (char *), s_cmp_str);
    return 0;
}

//  Everything after the checks, inside the read scope.
static int
s_build (s_report_t *r, uint32_t n_months, Hrwatch__V1__WorkforceReport *w,
         Hrwatch__V1__ControlResponse *resp, int *answered)
{
    hrw_store_t *store = r->env->store;
    hrw_detect_t *detect = hrw_engine_detect (r->env->engine);
    const hrw_engine_opts_t *o = hrw_engine_opts (r->env->engine);
    s_place_t *order = NULL;
    s_pending_t *stack = NULL;
    int rc = 0, more;
    *answered = 0;

    hrw_unit_turnover_t t;
    uint32_t critical = 0, covered = 0;
    if ((rc = hrw_detect_unit_turnover (detect, r->scope, r->clock, &t)))
        goto cleanup;
    if (*r->scope) {
        int known, surveyed = 0;
        if ((rc = hrw_detect_unit_report (detect, r->scope, r->clock, &t, &critical, &covered))
            || (rc = s_unit_known (r, &t, critical, &known))
            || (!known && (rc = hrw_store_surveys_each (store, r->scope, s_any_survey,
                                                        &surveyed))))
            goto cleanup;
        if (!known && !surveyed) {
            s_error (resp, S_CODE (NOT_FOUND), "no such unit");
            *answered = 1;
            goto cleanup;
        }
    }
    w->headcount = t.headcount;

    if ((rc = hrw_store_units_each (store, s_collect_unit, r)))
        goto cleanup;
    rc = ENOMEM;
    if (r->oom)
        goto cleanup;
    r->by_parent = malloc ((r->n_units + 1) * sizeof (*r->by_parent));
    order = malloc ((r->n_units + 1) * sizeof (*order));
    stack = malloc ((r->n_units + 1) * sizeof (*stack));
    if (!r->by_parent || !order || !stack)
        goto cleanup;
    for (size_t i = 0; i < r->n_units; i++)
        r->by_parent[i] = &r->units[i];
    if (r->n_units)
        qsort (r->by_parent, r->n_units, sizeof (*r->by_parent), s_cmp_parent);
    size_t n_order = s_walk (r, order, stack);
    if (*r->scope && (rc = s_subtree (r, order, n_order)))
        goto cleanup;
    rc = ENOMEM;
    if (!(r->top = hrw_arena_alloc (r->arena, (n_order + 1) * sizeof (char *))))
        goto cleanup;
    for (size_t i = 0; i < n_order; i++)
        if (order[i].depth <= 1)
            r->top[r->n_top++] = order[i].id;
    if (r->n_top)
        qsort (r->top, r->n_top, sizeof (char *), s_cmp_str);

    //  The scope's name and path.
    char (*chain)[HRW_ID_MAX + 1] = hrw_arena_alloc (r->arena, HRW_CHAIN_MAX * (HRW_ID_MAX + 1));
    rc = ENOMEM;
    if (!chain)
        goto cleanup;
    size_t n_chain = hrw_store_unit_chain (store, r->scope, chain);
    w->unit_path = hrw_arena_alloc (r->arena, (n_chain + 1) * sizeof (char *));
    if (!w->unit_path)
        goto cleanup;
    for (size_t i = 0; i < n_chain; i++)
        w->unit_path[i] = chain[n_chain - 1 - i];
    w->n_unit_path = n_chain;
    hrw_unit_info_t info;
    w->name = hrw_arena_strdup (r->arena, *r->scope && hrw_store_unit (store, r->scope, &info) == 0
                                          ? info.name: "");
    if (!w->name)
        goto cleanup;

    if ((rc = s_months (r, n_months, w))
        || (rc = s_units (r, order, n_order, w))
        || (n_order > HRW_QUERY_REPORT_UNITS_MAX && (rc = s_truncated (r->arena, w, "units")))
        || (rc = s_engagement (r, o->detect.min_respondents, w))
        || (rc = s_positions (r, w, &more))
        || (more && (rc = s_truncated (r->arena, w, "positions")))
        || (rc = s_alerts (r, w, &more))
        || (more && (rc = s_truncated (r->arena, w, "alerts"))))
        goto cleanup;
    w->units_total = (uint32_t) n_order;
    w->window_days = o->detect.window_days;
    w->min_respondents = o->detect.min_respondents;
    w->min_headcount = o->detect.min_headcount;
cleanup:
    free (order);
    free (stack);
    return rc;
}

int
hrw_query_report (const hrw_query_env_t *env, const Hrwatch__V1__ReportRequest *req,
                  hrw_arena_t *arena, Hrwatch__V1__ControlResponse *resp)
{
    uint32_t n_months = req->months? req->months: HRW_QUERY_REPORT_MONTHS_DEFAULT;
    if (n_months > HRW_QUERY_REPORT_MONTHS_MAX)
        return s_error (resp, S_CODE (INVALID_ARGUMENT), "report.months is more than 120");
    hrw_counters_t counters;
    hrw_store_read_t *scope = NULL;
    s_report_t r;
    memset (&r, 0, sizeof (r));
    r.env = env;
    r.arena = arena;
    r.scope = req->unit_id;
    Hrwatch__V1__WorkforceReport *w = hrw_arena_alloc (arena, sizeof (*w));
    if (!w)
        return -1;
    hrwatch__v1__workforce_report__init (w);
    //  One snapshot for every figure: the request is answered between
    //  ingest groups, but the walks below read many tables.
    int rc = hrw_store_read_begin (env->store, &scope), answered = 0;
    if (rc)
        goto cleanup;
    hrw_store_counters (env->store, &counters);
    if (counters.clock_us == HRW_TIME_NONE) {
        s_error (resp, S_CODE (FAILED_PRECONDITION),
                 "the event-time clock has not started: no events yet");
        answered = 1;
        goto cleanup;
    }
    r.clock = counters.clock_us;
    if ((rc = s_build (&r, n_months, w, resp, &answered)) || answered)
        goto cleanup;
    w->clock = hrw_arena_timestamp (arena, r.clock);
    w->unit_id = (char *) req->unit_id;
    if (!w->clock) {
        rc = ENOMEM;
        goto cleanup;
    }
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_REPORT;
    resp->report = w;
cleanup:
    hrw_store_read_end (&scope);
    free (r.units);
    free (r.by_parent);
    if (rc == ENOMEM)
        return -1;
    if (rc && !answered) {
        resp->code = S_CODE (INTERNAL);
        resp->error = (char *) hrw_store_strerror (rc);
    }
    return 0;
}
