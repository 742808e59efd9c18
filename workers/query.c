/*  query: control requests. */
#include "workers/query.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrwatch/v1/control.pb-c.h"
#include "proto/pbcheck.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/stats.h"
#include "workers/validate.h"

#define S_CODE(name) HRWATCH__V1__CONTROL_ERROR__CONTROL_ERROR_##name
#define S_FINGERPRINT_MAX 255   //  Longest silence fingerprint (a kind and ids)

//  Sets the response's error: a code for programs, words for people.
static int
s_error (Hrwatch__V1__ControlResponse *resp, Hrwatch__V1__ControlError code, const char *msg)
{
    resp->code = code;
    resp->error = (char *) msg;
    return 0;
}

//  The same, with words made up of parts.
static int s_errorf (Hrwatch__V1__ControlResponse *resp, hrw_arena_t *arena,
                     Hrwatch__V1__ControlError code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_errorf (Hrwatch__V1__ControlResponse *resp, hrw_arena_t *arena, Hrwatch__V1__ControlError code,
          const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof (msg), fmt, ap);
    va_end (ap);
    char *copy = hrw_arena_strdup (arena, msg);
    return s_error (resp, code, copy? copy: "invalid request");
}

static int
s_store_error (Hrwatch__V1__ControlResponse *resp, int rc)
{
    return s_error (resp, S_CODE (INTERNAL), hrw_store_strerror (rc));
}

//  1 when s is at most max bytes of printable ASCII.
static int
s_printable (const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= max || s[n] < 0x20 || s[n] > 0x7e)
            return 0;
    return 1;
}

//  1 when s is at most max bytes of UTF-8 with no control characters.
static int
s_text (const char *s, size_t max)
{
    if (strlen (s) > max || !hrw_validate_utf8 (s))
        return 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

//  A timestamp a client sent, in microseconds; HRW_TIME_NONE when it is
//  outside 1900..9999 or its nanos are not.
static int64_t
s_time (const Google__Protobuf__Timestamp *t)
{
    if (!t || t->nanos < 0 || t->nanos > 999999999 || t->seconds < -2208988800LL
        || t->seconds > 253402300799LL)
        return HRW_TIME_NONE;
    return hrw_clock_from_parts (t->seconds, t->nanos);
}

typedef struct {
    hrw_arena_t *arena;                 //  Everything the response points to
    Hrwatch__V1__RejectedEvent **items; //  Collected entries
    size_t n;                           //  How many
    int oom;                            //  Set when an allocation failed
} s_rejected_ctx_t;

static void
s_collect_rejected (const hrw_rejected_view_t *v, void *arg)
{
    s_rejected_ctx_t *c = arg;
    Hrwatch__V1__RejectedEvent *e = hrw_arena_alloc (c->arena, sizeof (*e));
    if (!e) {
        c->oom = 1;
        return;
    }
    hrwatch__v1__rejected_event__init (e);
    e->seq = v->seq;
    e->received_at = hrw_arena_timestamp (c->arena, v->received_us);
    e->event_id = hrw_arena_strdup (c->arena, v->event_id);
    e->event_type = hrw_arena_strdup (c->arena, v->event_type);
    e->reason = v->reason;
    e->field = hrw_arena_strdup (c->arena, v->field);
    e->message = hrw_arena_strdup (c->arena, v->message);
    if (!e->received_at || !e->event_id || !e->event_type || !e->field || !e->message) {
        c->oom = 1;
        return;
    }
    c->items[c->n++] = e;
}

static int
s_status (hrw_store_t *store, hrw_engine_t *engine, const Hrwatch__V1__StatusRequest *req,
          hrw_arena_t *arena, Hrwatch__V1__ControlResponse *resp)
{
    char *digest = hrw_arena_alloc (arena, 17);
    Hrwatch__V1__Status *st = hrw_arena_alloc (arena, sizeof (*st));
    if (!st || !digest)
        return -1;
    hrwatch__v1__status__init (st);
    hrw_counters_t c;
    hrw_store_counters (store, &c);
    st->version = (char *) HRW_VERSION;
    st->schema_version = HRW_SCHEMA_VERSION;
    st->employees_active = c.employees_active;
    st->employees_exited = c.employees_exited;
    st->units = c.units;
    st->positions = c.positions;
    st->critical_positions = c.critical_positions;
    st->nominations = c.nominations;
    st->mentorships = c.mentorships;
    st->survey_responses = c.survey_responses;
    st->events_accepted = c.events_accepted;
    st->events_duplicate = c.events_duplicate;
    st->events_rejected = c.events_rejected;
    st->rejected_kept = c.rejected_kept;
    if (c.latest_event_us != HRW_TIME_NONE)
        st->latest_event_at = hrw_arena_timestamp (arena, c.latest_event_us);
    hrw_store_usage (store, &st->map_size_bytes, &st->map_used_bytes);
    if (c.clock_us != HRW_TIME_NONE)
        st->clock = hrw_arena_timestamp (arena, c.clock_us);
    st->events_pending = c.events_pending;
    hrw_alerts_totals (hrw_engine_alerts (engine), &st->alert_seq, &st->alerts_firing);
    if (req->digest) {
        int rc = hrw_store_digest (store, digest);
        if (rc)
            return s_store_error (resp, rc);
        st->state_digest = digest;
    }
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_STATUS;
    resp->status = st;
    return 0;
}

static int
s_rejected (hrw_store_t *store, const Hrwatch__V1__RejectedRequest *req, hrw_arena_t *arena,
            Hrwatch__V1__ControlResponse *resp)
{
    uint32_t limit = req->limit? req->limit: 100;
    if (limit > HRW_QUERY_REJECTED_MAX)
        limit = HRW_QUERY_REJECTED_MAX;
    s_rejected_ctx_t c = { arena, hrw_arena_alloc (arena, limit * sizeof (void *)), 0, 0 };
    Hrwatch__V1__RejectedList *list = hrw_arena_alloc (arena, sizeof (*list));
    if (!c.items || !list)
        return -1;
    int rc = hrw_store_rejected_each (store, req->after_seq, limit, s_collect_rejected, &c);
    if (c.oom)
        return -1;
    if (rc)
        return s_store_error (resp, rc);
    hrwatch__v1__rejected_list__init (list);
    list->events = c.items;
    list->n_events = c.n;
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_REJECTED;
    resp->rejected = list;
    return 0;
}

typedef struct {
    hrw_arena_t *arena;
    Hrwatch__V1__Alert **items;     //  Collected alerts
    size_t n;
    int oom;
} s_alerts_ctx_t;

static void
s_collect_alert (const uint8_t *data, size_t len, void *arg)
{
    s_alerts_ctx_t *c = arg;
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (hrw_arena_allocator (c->arena), len, data);
    if (!a)
        c->oom = 1;
    else
        c->items[c->n++] = a;
}

static int
s_alerts (hrw_engine_t *engine, const Hrwatch__V1__AlertsRequest *req, hrw_arena_t *arena,
          Hrwatch__V1__ControlResponse *resp)
{
    uint32_t limit = req->limit? req->limit: 1000;
    if (limit > HRW_QUERY_ALERTS_MAX)
        limit = HRW_QUERY_ALERTS_MAX;
    s_alerts_ctx_t c = { arena, hrw_arena_alloc (arena, limit * sizeof (void *)), 0, 0 };
    Hrwatch__V1__AlertList *list = hrw_arena_alloc (arena, sizeof (*list));
    if (!c.items || !list)
        return -1;
    hrw_alerts_t *alerts = hrw_engine_alerts (engine);
    int rc = hrw_alerts_each (alerts, req->active, req->after_seq, limit, req->prefix,
                              s_collect_alert, &c);
    if (c.oom)
        return -1;
    if (rc)
        return s_store_error (resp, rc);
    hrwatch__v1__alert_list__init (list);
    list->alerts = c.items;
    list->n_alerts = c.n;
    uint64_t firing;
    hrw_alerts_totals (alerts, &list->last_seq, &firing);
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_ALERTS;
    resp->alerts = list;
    return 0;
}

//  One-way, and bounded: a clock moved far ahead would hold every later
//  event back and cannot be moved back.
static int
s_advance (const hrw_query_env_t *env, const Hrwatch__V1__AdvanceRequest *req,
           hrw_arena_t *arena, Hrwatch__V1__ControlResponse *resp)
{
    int64_t now = hrw_clock_now_us ();
    int64_t to = req->to? s_time (req->to): HRW_TIME_NONE;
    if (req->to && to == HRW_TIME_NONE)
        return s_error (resp, S_CODE (INVALID_ARGUMENT),
                        "advance.to is not a time between 1900 and 9999");
    if (req->to && to > now + env->max_future_us) {
        char limit[40];
        hrw_clock_format (now + env->max_future_us, limit, sizeof (limit));
        return s_errorf (resp, arena, S_CODE (INVALID_ARGUMENT), "advance.to is past %s, the "
                         "wall clock plus [ingest] max_future_seconds", limit);
    }
    int rc = hrw_engine_begin (env->engine, now);
    if (!rc && (rc = hrw_engine_advance (env->engine, to)))
        hrw_engine_abort (env->engine);
    else if (!rc)
        rc = hrw_engine_commit (env->engine);
    return rc? s_store_error (resp, rc): 0;
}

typedef struct {
    hrw_arena_t *arena;
    void **items;
    size_t n, cap;
    int oom;
} s_silences_ctx_t;

static void
s_collect_silence (const uint8_t *data, size_t len, void *arg)
{
    s_silences_ctx_t *c = arg;
    Hrwatch__V1__Silence *s = hrwatch__v1__silence__unpack (hrw_arena_allocator (c->arena), len,
                                                             data);
    if (!s || hrw_arena_push (c->arena, &c->items, &c->n, &c->cap, s))
        c->oom = 1;
}

//  Why a matcher's string is not good, written into msg; NULL when good
//  (empty too: a matcher not given). It is too long, or it holds a byte
//  that an id (id set) or printable ASCII does not: the first one is named.
static const char *
s_matcher_text_why (const char *field, const char *v, size_t max, int id, char *msg,
                    size_t cap)
{
    size_t n = strlen (v);
    if (n > max) {
        snprintf (msg, cap, "silence.add.%s is %zu bytes, over %zu", field, n, max);
        return msg;
    }
    for (size_t i = 0; i < n; i++) {
        char one[2] = { v[i], '\0' };
        unsigned char ch = (unsigned char) v[i];
        if (id? hrw_validate_id (one): ch >= 0x20 && ch <= 0x7e)
            continue;
        snprintf (msg, cap, "silence.add.%s holds byte 0x%02x at offset %zu, not %s", field, ch,
                  i, id? "one of [A-Za-z0-9._:@-]": "printable ASCII");
        return msg;
    }
    return NULL;
}

//  Why an enum matcher is not good, written into msg; NULL when good (0,
//  UNSPECIFIED, is a matcher not given). protobuf-c keeps a number the
//  enum does not define as it came.
static const char *
s_matcher_enum_why (const char *field, const ProtobufCEnumDescriptor *d, int value, char *msg,
                    size_t cap)
{
    if (value == 0 || protobuf_c_enum_descriptor_get_value (d, value))
        return NULL;
    snprintf (msg, cap, "silence.add.%s is %d: not a value of %s (1 to %u)", field, value,
              d->name, d->n_values - 1);
    return msg;
}

//  Why a fingerprint matcher cannot match any alert (into msg), or NULL. A
//  fingerprint is KIND/SUBJECT, and KIND/UNIT/CYCLE for an engagement drop;
//  a topic pasted in its place names the unit path too, and would mute
//  nothing without a word.
static const char *
s_fingerprint_why (const char *fp, char *msg, size_t cap)
{
    char copy[S_FINGERPRINT_MAX + 1];
    snprintf (copy, sizeof (copy), "%s", fp);
    char *parts[4] = { NULL };
    int n = 0;
    for (char *p = copy, *slash; p && n < 4; p = slash? slash + 1: NULL) {
        slash = strchr (p, '/');
        if (slash)
            *slash = '\0';
        parts[n++] = p;
    }
    int kind = 0;
    for (int k = 1; k < (int) hrwatch__v1__alert_kind__descriptor.n_values && !kind; k++)
        if (!strcmp (parts[0], hrw_alerts_kind_name ((Hrwatch__V1__AlertKind) k)))
            kind = k;
    int want = kind == HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP? 3: 2;
    int ids_ok = 1;
    for (int i = 1; i < n; i++)
        ids_ok &= hrw_validate_id (parts[i]);
    if (!kind || n != want || !ids_ok || strlen (fp) > S_FINGERPRINT_MAX) {
        snprintf (msg, cap, "silence.add.fingerprint '%.60s' is not KIND/SUBJECT (e.g. "
                  "succession_gap/P-113; engagement_drop/UNIT/CYCLE), so it matches no alert",
                  fp);
        return msg;
    }
    return NULL;
}

//  What is wrong with the matchers of a silence to add (into msg), or NULL.
static const char *
s_silence_matchers_why (const Hrwatch__V1__Silence *in, char *msg, size_t cap)
{
    const char *why;
    if (in->kind == 0 && in->severity == 0 && !*in->unit_id && !*in->subject
        && !*in->fingerprint)
        return "silence.add needs at least one matcher: kind, severity, unit_id, subject or "
               "fingerprint";
    if ((why = s_matcher_enum_why ("kind", &hrwatch__v1__alert_kind__descriptor, in->kind, msg,
                                   cap))
        || (why = s_matcher_enum_why ("severity", &hrwatch__v1__severity__descriptor,
                                      in->severity, msg, cap))
        || (why = s_matcher_text_why ("unit_id", in->unit_id, HRW_ID_MAX, 1, msg, cap))
        || (why = s_matcher_text_why ("subject", in->subject, HRW_ID_MAX, 1, msg, cap))
        || (why = s_matcher_text_why ("fingerprint", in->fingerprint,
                                      S_FINGERPRINT_MAX, 0, msg, cap))
        || (*in->fingerprint && (why = s_fingerprint_why (in->fingerprint, msg, cap))))
        return why;
    return NULL;
}

//  What is wrong with a silence to add (into msg), or NULL.
static const char *
s_silence_check (const Hrwatch__V1__Silence *in, int64_t now, char *msg, size_t cap)
{
    const char *why = s_silence_matchers_why (in, msg, cap);
    if (why)
        return why;
    if (!s_text (in->comment, HRW_QUERY_COMMENT_MAX))
        return "silence.add.comment is not at most 256 bytes of UTF-8 without control "
               "characters";
    int64_t until = s_time (in->until);
    if (until == HRW_TIME_NONE || until <= now)
        return "silence.add.until is missing or not in the future";
    if (until > now + (int64_t) HRW_QUERY_SILENCE_MAX_DAYS * 86400 * HRW_US_PER_SEC)
        return "silence.add.until is more than 366 days ahead";
    return NULL;
}

//  Adds or removes a silence in its own transaction.
static int
s_silence_change (hrw_engine_t *engine, const Hrwatch__V1__SilenceRequest *req, int64_t now)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (engine);
    uint64_t id;
    int rc = hrw_engine_begin (engine, now);
    if (rc)
        return rc;
    if (req->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD)
        rc = hrw_alerts_silence_add (alerts, req->add, &id);
    else
        rc = hrw_alerts_silence_remove (alerts, req->remove_id);
    if (rc)
        hrw_engine_abort (engine);
    else
        rc = hrw_engine_commit (engine);
    return rc;
}

//  Adds or removes a silence (when asked), then lists those in force.
static int
s_silence (hrw_engine_t *engine, const Hrwatch__V1__SilenceRequest *req, hrw_arena_t *arena,
           Hrwatch__V1__ControlResponse *resp)
{
    int64_t now = hrw_clock_now_us ();
    char msg[200];
    const char *bad;
    if (req->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD
        && (bad = s_silence_check (req->add, now, msg, sizeof (msg))))
        return s_errorf (resp, arena, S_CODE (INVALID_ARGUMENT), "%s", bad);
    int rc = 0;
    if (req->action_case != HRWATCH__V1__SILENCE_REQUEST__ACTION_LIST
        && (rc = s_silence_change (engine, req, now)))
        return rc == HRW_E_NOTFOUND? s_error (resp, S_CODE (NOT_FOUND), "no such silence")
                                 : s_store_error (resp, rc);
    s_silences_ctx_t c = { arena, NULL, 0, 0, 0 };
    rc = hrw_alerts_silences_each (hrw_engine_alerts (engine), now, s_collect_silence, &c);
    if (c.oom)
        return -1;
    if (rc)
        return s_store_error (resp, rc);
    Hrwatch__V1__SilenceList *list = hrw_arena_alloc (arena, sizeof (*list));
    if (!list)
        return -1;
    hrwatch__v1__silence_list__init (list);
    list->silences = (Hrwatch__V1__Silence **) c.items;
    list->n_silences = c.n;
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_SILENCES;
    resp->silences = list;
    return 0;
}

typedef struct {
    hrw_arena_t *arena;
    hrw_store_t *store;
    const hrw_detect_opts_t *opts;
    const char *unit;
    void **items;
    size_t n, cap;
    int oom;
    int rc;                 //  First store failure
} s_cycles_ctx_t;

//  Scores of a closed cycle only: an open cycle's scores move with each
//  answer, and two reports around one answer would give it away.
static void
s_cycle_scores (Hrwatch__V1__CycleEngagement *e, const hrw_survey_info_t *info,
                uint32_t min_respondents)
{
    e->mean_engagement = hrw_stats_from_histogram (info->engagement, 5, 1).mean;
    e->enps_reported = info->enps_responses >= min_respondents && info->enps_responses > 0;
    if (e->enps_reported)
        e->enps = hrw_stats_nps (info->enps, info->enps_responses);
}

static void
s_collect_cycle (const char *cycle, const hrw_survey_info_t *info, void *arg)
{
    s_cycles_ctx_t *c = arg;
    Hrwatch__V1__CycleEngagement *e = hrw_arena_alloc (c->arena, sizeof (*e));
    char *id = hrw_arena_strdup (c->arena, cycle);
    if (!e || !id) {
        c->oom = 1;
        return;
    }
    hrw_cycle_unit_t state;
    int rc = hrw_store_survey_state (c->store, c->unit, cycle, &state);
    if (rc) {
        c->rc = c->rc? c->rc: rc;
        return;
    }
    hrwatch__v1__cycle_engagement__init (e);
    e->survey_cycle_id = id;
    e->first_response_at = hrw_arena_timestamp (c->arena, info->first_us);
    e->closed = state.closed_us != HRW_TIME_NONE;
    //  Nothing about a group below the anonymity threshold, not its size.
    e->reported = info->responses >= c->opts->min_respondents;
    if (e->reported)
        e->respondents = info->responses;
    if (e->reported && e->closed) {
        s_cycle_scores (e, info, c->opts->min_respondents);
        e->late_responses = state.late;
    }
    if (hrw_arena_push (c->arena, &c->items, &c->n, &c->cap, e))
        c->oom = 1;
}

static int
s_cmp_cycles (const void *a, const void *b)
{
    const Hrwatch__V1__CycleEngagement *x = *(Hrwatch__V1__CycleEngagement *const *) a;
    const Hrwatch__V1__CycleEngagement *y = *(Hrwatch__V1__CycleEngagement *const *) b;
    int64_t tx = x->first_response_at? x->first_response_at->seconds: 0;
    int64_t ty = y->first_response_at? y->first_response_at->seconds: 0;
    return tx < ty? -1: tx > ty? 1: strcmp (x->survey_cycle_id, y->survey_cycle_id);
}

static int
s_any (hrw_bytes_t key, hrw_bytes_t val, void *arg)
{
    (void) key;
    (void) val;
    *(int *) arg = 1;
    return 1;   //  One is enough
}

//  Whether anyone was ever counted in unit (or below it): a unit named
//  only by hires, never defined, is still a unit. The turnover detector
//  keeps a series per unit with keys "unit\0" + time (detect_turnover.c).
//  Returns 0 and sets *counted, or an error code.
static int
s_unit_counted (hrw_store_t *store, const char *unit, int *counted)
{
    hrw_table_t series;
    *counted = 0;
    int rc = hrw_table_open (store, "det_series", &series);
    if (!rc)
        rc = hrw_table_prefix_each (store, series, unit, strlen (unit) + 1, s_any, counted);
    return rc == 1? 0: rc;
}

static int
s_unit (hrw_store_t *store, hrw_engine_t *engine, const Hrwatch__V1__UnitRequest *req,
        hrw_arena_t *arena, Hrwatch__V1__ControlResponse *resp)
{
    Hrwatch__V1__UnitReport *u = hrw_arena_alloc (arena, sizeof (*u));
    char (*chain)[HRW_ID_MAX + 1] = hrw_arena_alloc (arena, HRW_CHAIN_MAX * (HRW_ID_MAX + 1));
    if (!u || !chain)
        return -1;
    hrwatch__v1__unit_report__init (u);
    hrw_unit_info_t info;
    int defined = hrw_store_unit (store, req->unit_id, &info) == 0, counted;
    int rc = s_unit_counted (store, req->unit_id, &counted);
    if (rc)
        return s_store_error (resp, rc);
    hrw_counters_t c;
    hrw_store_counters (store, &c);
    if (c.clock_us == HRW_TIME_NONE)
        return s_error (resp, S_CODE (FAILED_PRECONDITION),
                        "the event-time clock has not started: no events yet");
    hrw_unit_turnover_t t;
    uint32_t critical, covered;
    const hrw_engine_opts_t *o = hrw_engine_opts (engine);
    rc = hrw_detect_unit_report (hrw_engine_detect (engine), req->unit_id, c.clock_us, &t,
                                 &critical, &covered);
    if (rc)
        return s_store_error (resp, rc);
    u->unit_id = req->unit_id;
    u->name = defined? hrw_arena_strdup (arena, info.name): (char *) "";
    size_t n = hrw_store_unit_chain (store, req->unit_id, chain);
    u->unit_path = hrw_arena_alloc (arena, (n + 1) * sizeof (char *));
    if (!u->unit_path || !u->name)
        return -1;
    for (size_t i = 0; i < n; i++)
        u->unit_path[i] = chain[n - 1 - i];
    u->n_unit_path = n;
    u->clock = hrw_arena_timestamp (arena, c.clock_us);
    u->headcount = t.headcount;
    u->window_days = o->detect.window_days;
    u->voluntary_exits = t.observed;
    u->expected_exits = t.expected;
    u->p_value = t.p_value;
    u->regretted_exits = t.regretted;
    u->rif_exits = t.rif;
    u->turnover_annualised = t.annualised;
    u->baseline_annualised = t.baseline_annualised;
    u->turnover_judged = t.judged;
    u->turnover_rate_known = t.rate_known;
    u->window_person_days = t.person_days;
    u->rise_cusum = t.rise_cusum;
    hrw_unit_scheduled_t sc;
    if ((rc = hrw_detect_unit_scheduled (hrw_engine_detect (engine), req->unit_id, c.clock_us,
                                         &sc)))
        return s_store_error (resp, rc);
    u->scheduled_exits = sc.total;
    u->scheduled_voluntary = sc.voluntary;
    u->scheduled_in_window = sc.in_window;
    u->expected_in_window = t.baseline_annualised / 365 * o->detect.window_days
                          * (double) (t.headcount > 0? t.headcount: 0);
    if (sc.next_us != HRW_TIME_NONE)
        u->next_scheduled_exit = hrw_arena_timestamp (arena, sc.next_us);
    u->critical_positions = critical;
    u->covered_positions = covered;
    u->bench_strength = critical? (double) covered / critical: 0;
    s_cycles_ctx_t cc = { arena, store, &o->detect, req->unit_id, NULL, 0, 0, 0, 0 };
    if ((rc = hrw_store_surveys_each (store, req->unit_id, s_collect_cycle, &cc))
        || (rc = cc.rc)) {
        resp->error = (char *) hrw_store_strerror (rc);
        return 0;
    }
    if (cc.oom)
        return -1;
    //  Never defined, no one ever in it, no critical position, no survey
    //  answer: a typo, not an empty unit (as for a position).
    if (!defined && !counted && !critical && !cc.n)
        return s_error (resp, S_CODE (NOT_FOUND), "no such unit");
    if (cc.n)
        qsort (cc.items, cc.n, sizeof (*cc.items), s_cmp_cycles);
    //  Ordered by first answer, then told nothing of a small group: when
    //  its first answer came would say that someone in it answered.
    for (size_t i = 0; i < cc.n; i++)
        if (!((Hrwatch__V1__CycleEngagement *) cc.items[i])->reported)
            ((Hrwatch__V1__CycleEngagement *) cc.items[i])->first_response_at = NULL;
    u->engagement = (Hrwatch__V1__CycleEngagement **) cc.items;
    u->n_engagement = cc.n;
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_UNIT;
    resp->unit = u;
    return 0;
}

static int
s_position (hrw_engine_t *engine, const Hrwatch__V1__PositionRequest *req, hrw_arena_t *arena,
            Hrwatch__V1__ControlResponse *resp)
{
    hrw_position_report_t *r = hrw_arena_alloc (arena, sizeof (*r));
    Hrwatch__V1__PositionReport *p = hrw_arena_alloc (arena, sizeof (*p));
    if (!r || !p)
        return -1;
    int rc = hrw_detect_position_report (hrw_engine_detect (engine), req->position_id, r);
    if (rc)
        return rc == HRW_E_NOTFOUND? s_error (resp, S_CODE (NOT_FOUND), "no such position")
                                 : s_store_error (resp, rc);
    hrwatch__v1__position_report__init (p);
    p->position_id = req->position_id;
    p->defined = r->defined;
    p->unit_id = r->unit;
    p->title = r->title;
    p->critical = r->critical;
    p->incumbent_id = r->incumbent;
    p->vacant = r->vacant;
    p->vacant_because = r->vacant_because;
    p->ready_now = r->ready_now;
    p->gap = r->gap;
    p->successors = hrw_arena_alloc (arena, (r->n_successors + 1) * sizeof (void *));
    Hrwatch__V1__SuccessorEntry *e = hrw_arena_alloc (arena, (r->n_successors + 1) * sizeof (*e));
    if (!p->successors || !e)
        return -1;
    for (size_t i = 0; i < r->n_successors; i++) {
        hrwatch__v1__successor_entry__init (&e[i]);
        e[i].employee_id = r->successors[i].employee;
        e[i].readiness = r->successors[i].readiness;
        e[i].counted = r->successors[i].why_not == NULL;
        e[i].not_counted_because = (char *) (r->successors[i].why_not? r->successors[i].why_not
                                                                     : "");
        e[i].note = r->successors[i].note;
        p->successors[i] = &e[i];
    }
    p->n_successors = r->n_successors;
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_POSITION;
    resp->position = p;
    return 0;
}

//  The backup's directory name: the one asked for, or one from the time.
static const char *
s_backup_name (const char *asked, hrw_arena_t *arena)
{
    if (*asked)
        return hrw_validate_id (asked) && asked[0] != '.'? asked: NULL;
    char when[40], *name = hrw_arena_alloc (arena, 64);
    if (!name)
        return NULL;
    hrw_clock_format (hrw_clock_now_us () / HRW_US_PER_SEC * HRW_US_PER_SEC, when, sizeof (when));
    size_t n = 0;
    for (const char *p = "hrwatch-"; *p; p++)
        name[n++] = *p;
    for (const char *p = when; *p && n < 63; p++)
        if (*p != '-' && *p != ':')
            name[n++] = *p;
    name[n] = '\0';
    return name;
}

static int
s_backup (const hrw_query_env_t *env, const Hrwatch__V1__BackupRequest *req, hrw_arena_t *arena,
          Hrwatch__V1__ControlResponse *resp)
{
    if (!*env->backup_dir)
        return s_error (resp, S_CODE (FAILED_PRECONDITION),
                        "backups are off: [control] backup_dir is empty");
    const char *name = s_backup_name (req->directory, arena);
    if (!name)
        return s_error (resp, S_CODE (INVALID_ARGUMENT), "backup.directory is not a name of "
                        "1-64 bytes of [A-Za-z0-9._:@-] that does not start with '.'");
    Hrwatch__V1__BackupDone *done = hrw_arena_alloc (arena, sizeof (*done));
    char *path = hrw_arena_alloc (arena, strlen (env->backup_dir) + strlen (name) + 2);
    if (!done || !path)
        return -1;
    hrwatch__v1__backup_done__init (done);
    int rc = hrw_store_backup (env->store, env->backup_dir, name, &done->bytes);
    if (rc == EEXIST)
        return s_errorf (resp, arena, S_CODE (ALREADY_EXISTS), "%s/%s exists already",
                         env->backup_dir, name);
    if (rc)
        return s_errorf (resp, arena, S_CODE (INTERNAL), "backup into %s/%s: %s", env->backup_dir,
                         name, rc > 0? strerror (rc): hrw_store_strerror (rc));
    sprintf (path, "%s/%s", env->backup_dir, name);
    done->directory = path;
    resp->response_case = HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_BACKUP;
    resp->backup = done;
    return 0;
}

//  The ids a request names, checked as ingest checks them; NULL when good.
static const char *
s_check_ids (const Hrwatch__V1__ControlRequest *r)
{
    if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_UNIT
        && !hrw_validate_id (r->unit->unit_id))
        return "unit.unit_id is not 1-64 bytes of [A-Za-z0-9._:@-]";
    if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_POSITION
        && !hrw_validate_id (r->position->position_id))
        return "position.position_id is not 1-64 bytes of [A-Za-z0-9._:@-]";
    if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_REPORT && *r->report->unit_id
        && !hrw_validate_id (r->report->unit_id))
        return "report.unit_id is not empty or 1-64 bytes of [A-Za-z0-9._:@-]";
    if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS
        && !s_printable (r->alerts->prefix, HRW_QUERY_PREFIX_MAX))
        return "alerts.prefix is not at most 255 bytes of printable ASCII";
    return NULL;
}

static int
s_is_admin_request (const Hrwatch__V1__ControlRequest *r)
{
    switch (r->request_case) {
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_ADVANCE:
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_BACKUP:
            return 1;
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE:
            return r->silence->action_case != HRWATCH__V1__SILENCE_REQUEST__ACTION_LIST;
        default:
            return 0;
    }
}

static int
s_dispatch (const hrw_query_env_t *env, const Hrwatch__V1__ControlRequest *r,
            hrw_arena_t *arena, Hrwatch__V1__ControlResponse *resp)
{
    Hrwatch__V1__StatusRequest plain = HRWATCH__V1__STATUS_REQUEST__INIT;
    switch (r->request_case) {
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_STATUS:
            return s_status (env->store, env->engine, r->status, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_REJECTED:
            return s_rejected (env->store, r->rejected, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS:
            return s_alerts (env->engine, r->alerts, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE:
            return s_silence (env->engine, r->silence, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_UNIT:
            return s_unit (env->store, env->engine, r->unit, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_POSITION:
            return s_position (env->engine, r->position, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_BACKUP:
            return s_backup (env, r->backup, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_REPORT:
            return hrw_query_report (env, r->report, arena, resp);
        case HRWATCH__V1__CONTROL_REQUEST__REQUEST_ADVANCE:
            if (s_advance (env, r->advance, arena, resp) || resp->code)
                return 0;
            return s_status (env->store, env->engine, &plain, arena, resp);
        default:
            return s_error (resp, S_CODE (MALFORMED), "unknown request");
    }
}

//  One line for the log on what an administration request that succeeded
//  changed: ids and times, never a comment (free text may name people).
static void
s_audit (const hrw_query_env_t *env, const Hrwatch__V1__ControlRequest *r,
         const Hrwatch__V1__ControlResponse *resp)
{
    char *out = env->audit;
    size_t cap = env->audit_cap;
    const Hrwatch__V1__SilenceRequest *sr = r->silence;
    if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE
        && sr->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD && resp->silences) {
        uint64_t id = 0;
        for (size_t i = 0; i < resp->silences->n_silences; i++)
            if (resp->silences->silences[i]->id > id)
                id = resp->silences->silences[i]->id;
        static const char *sev[] = { "any", "info", "warning", "critical" };
        int si = sr->add->severity;
        char until[48];
        hrw_clock_format (s_time (sr->add->until), until, sizeof (until));
        snprintf (out, cap, "silence %" PRIu64 " added until %s: kind %s, severity %s, unit "
                  "'%s', subject '%s', fingerprint '%s'", id, until,
                  sr->add->kind? hrw_alerts_kind_name (sr->add->kind): "any",
                  si >= 0 && si <= 3? sev[si]: "?", sr->add->unit_id, sr->add->subject,
                  sr->add->fingerprint);
    }
    else if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE
             && sr->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_REMOVE_ID)
        snprintf (out, cap, "silence %" PRIu64 " removed", sr->remove_id);
    else if (r->request_case == HRWATCH__V1__CONTROL_REQUEST__REQUEST_BACKUP && resp->backup)
        snprintf (out, cap, "backup written to %s", resp->backup->directory);
}

int
hrw_query_handle (const hrw_query_env_t *env, hrw_query_role_t role, const uint8_t *req,
                  size_t len, hrw_buf_t *out)
{
    hrw_arena_t *arena = hrw_arena_new (64 * 1024);
    if (!arena)
        return -1;
    Hrwatch__V1__ControlResponse resp;
    hrwatch__v1__control_response__init (&resp);
    int rc = 0;
    char field[64];
    const char *bad;
    Hrwatch__V1__ControlRequest *r
        = hrwatch__v1__control_request__unpack (hrw_arena_allocator (arena), len, req);
    if (!r)
        s_error (&resp, S_CODE (MALFORMED), "request does not decode as hrwatch.v1.ControlRequest");
    else if (hrw_pbcheck_nul (&hrwatch__v1__control_request__descriptor, req, len, field,
                              sizeof (field)))
        s_errorf (&resp, arena, S_CODE (INVALID_ARGUMENT), "%s holds a NUL byte", field);
    else if ((bad = s_check_ids (r)))
        s_error (&resp, S_CODE (INVALID_ARGUMENT), bad);
    else if (role != HRW_QUERY_ADMIN && s_is_admin_request (r))
        s_error (&resp, S_CODE (PERMISSION_DENIED), "administration (advance, silence add and "
                 "remove, backup) needs an ipc:// control socket or a key on the admins "
                 "allowlist");
    else
        rc = s_dispatch (env, r, arena, &resp);
    if (env->audit && env->audit_cap) {
        *env->audit = '\0';
        if (rc == 0 && !resp.code && r && s_is_admin_request (r))
            s_audit (env, r, &resp);
    }
    if (rc == 0)
        rc = hrw_buf_pack (out, &resp.base);
    hrw_arena_destroy (&arena);
    return rc;
}
