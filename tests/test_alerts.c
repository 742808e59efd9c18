/*  test_alerts: the alert lifecycle and silences (each matcher, together,
    old stored silences, alerts firing when one starts), on a real LMDB store in
    a temp dir. Verdicts are given to the alerts directly, inside the
    engine's transactions; what each commit queued for publication, and
    what the store kept, is then read back through the alerts' own calls. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/keys.h"
#include "workers/engine.h"

#define A_MAX_GOT 64
#define A_HOUR_US (3600 * HRW_US_PER_SEC)
#define A_NOW (1709251200LL * HRW_US_PER_SEC)     //  2024-03-01, the wall clock
#define WARNING HRWATCH__V1__SEVERITY__SEVERITY_WARNING
#define CRITICAL HRWATCH__V1__SEVERITY__SEVERITY_CRITICAL
#define FIRED HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_FIRED
#define UPDATED HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED
#define SEVERITY_CHANGED HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_SEVERITY_CHANGED
#define RESOLVED HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_RESOLVED
#define SPIKE HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE
#define RISE HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE
#define GAP HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP

//  One alert as published or stored.
typedef struct {
    uint64_t seq;
    int change;                 //  Hrwatch__V1__AlertChange
    int state;                  //  Hrwatch__V1__AlertState
    int severity;
    double observed;
    int silenced;
    char topic[128];
} got_t;

typedef struct {
    got_t got[A_MAX_GOT];
    size_t n;
} got_list_t;

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_engine_t *engine;
    hrw_alerts_t *alerts;
    uint32_t log_keep;          //  The engine's alert_log_keep
    got_list_t queued;          //  What the last commit queued
    int64_t clock_us;           //  Event time given with each verdict
} fixture_t;

static void
s_open (fixture_t *f)
{
    h_engine_open (f->dir, 0, 1, f->log_keep, &f->store, &f->engine);
    f->alerts = hrw_engine_alerts (f->engine);
}

static void
s_close (fixture_t *f)
{
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
}

static void
s_got (got_list_t *list, const uint8_t *data, size_t len)
{
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, len, data);
    assert_non_null (a);
    assert_true (list->n < A_MAX_GOT);
    got_t *g = &list->got[list->n++];
    g->seq = a->seq;
    g->change = a->change;
    g->state = a->state;
    g->severity = a->severity;
    g->observed = a->observed;
    g->silenced = a->silenced;
    snprintf (g->topic, sizeof (g->topic), "%s", a->topic);
    hrwatch__v1__alert__free_unpacked (a, NULL);
}

static void
s_each_fn (const uint8_t *data, size_t len, void *arg)
{
    s_got (arg, data, len);
}

//  The firing alerts (active) or the log, as listed at the wall clock
//  now_us.
static void
s_listed_at (fixture_t *f, int64_t now_us, int active, got_list_t *out)
{
    out->n = 0;
    assert_int_equal (hrw_alerts_each_at (f->alerts, now_us, active, 0, 1000, NULL, s_each_fn,
                                          out), 0);
}

//  The same at the wall clock A_NOW.
static void
s_stored (fixture_t *f, int active, got_list_t *out)
{
    s_listed_at (f, A_NOW, active, out);
}

static void
s_begin (fixture_t *f, int64_t now_us)
{
    assert_int_equal (hrw_engine_begin (f->engine, now_us), 0);
}

//  Commits and keeps what the commit queued in f->queued.
static void
s_commit (fixture_t *f)
{
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    f->queued.n = 0;
    for (size_t i = 0; i < hrw_alerts_queued (f->alerts); i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (f->alerts, i);
        s_got (&f->queued, p.data, p.len);
    }
    hrw_alerts_clear_queue (f->alerts);
}

//  A verdict of a kind on a subject in a unit, inside the open transaction;
//  returns whether it made a change.
static int
s_verdict_on (fixture_t *f, int kind, const char *subject, const char *unit, int firing,
              int severity, double observed)
{
    hrw_alert_eval_t e;
    memset (&e, 0, sizeof (e));
    e.kind = kind;
    e.subject = subject;
    e.unit_id = unit;
    e.firing = firing;
    e.severity = severity;
    e.observed = observed;
    e.expected = 1.0;
    e.p_value = 0.01;
    e.scheduled_for_us = HRW_TIME_NONE;
    e.trigger_event_id = "";
    snprintf (e.summary, sizeof (e.summary), "%g exits in %s", observed, unit);
    f->clock_us += A_HOUR_US;
    int changed = -1;
    assert_int_equal (hrw_alerts_update (f->alerts, &e, f->clock_us, &changed), 0);
    return changed;
}

//  A turnover verdict on a unit, inside the open transaction.
static int
s_verdict (fixture_t *f, const char *unit, int firing, int severity, double observed)
{
    return s_verdict_on (f, SPIKE, unit, unit, firing, severity, observed);
}

//  The same verdict in a transaction of its own, at the wall clock A_NOW.
static int
s_verdict_commit (fixture_t *f, const char *unit, int firing, int severity, double observed)
{
    s_begin (f, A_NOW);
    int changed = s_verdict (f, unit, firing, severity, observed);
    s_commit (f);
    return changed;
}

static void
s_expect_queued (fixture_t *f, size_t i, uint64_t seq, int change, int severity, double observed)
{
    assert_true (i < f->queued.n);
    got_t *g = &f->queued.got[i];
    assert_int_equal (g->seq, seq);
    assert_int_equal (g->change, change);
    assert_int_equal (g->severity, severity);
    assert_true (g->observed == observed);
}

//  acme, ops under it, wh under ops; eng under acme.
static void
s_units (fixture_t *f)
{
    static const char *lines[] = {
        "{\"eventId\":\"u1\",\"occurredAt\":\"2024-01-01T00:00:00Z\",\"source\":\"t\","
        "\"orgUnitDefined\":{\"unitId\":\"acme\"}}",
        "{\"eventId\":\"u2\",\"occurredAt\":\"2024-01-01T00:00:01Z\",\"source\":\"t\","
        "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\"}}",
        "{\"eventId\":\"u3\",\"occurredAt\":\"2024-01-01T00:00:02Z\",\"source\":\"t\","
        "\"orgUnitDefined\":{\"unitId\":\"wh\",\"parentId\":\"ops\"}}",
        "{\"eventId\":\"u4\",\"occurredAt\":\"2024-01-01T00:00:03Z\",\"source\":\"t\","
        "\"orgUnitDefined\":{\"unitId\":\"eng\",\"parentId\":\"acme\"}}",
    };
    s_begin (f, A_NOW);
    for (size_t i = 0; i < sizeof (lines) / sizeof (lines[0]); i++)
        h_engine_accept (f->engine, lines[i]);
    assert_int_equal (hrw_engine_settle (f->engine, A_NOW), 0);
    s_commit (f);
}

static int
s_setup_keep (void **state, uint32_t log_keep)
{
    fixture_t *f = calloc (1, sizeof (*f));
    assert_non_null (f);
    h_tempdir (f->dir, sizeof (f->dir));
    f->log_keep = log_keep;
    f->clock_us = 1704067200LL * HRW_US_PER_SEC;      //  2024-01-01
    s_open (f);
    s_units (f);
    *state = f;
    return 0;
}

static int
setup (void **state)
{
    return s_setup_keep (state, 100);
}

static int
setup_keep_3 (void **state)
{
    return s_setup_keep (state, 3);
}

static int
teardown (void **state)
{
    fixture_t *f = *state;
    s_close (f);
    h_rmtree (f->dir);
    free (f);
    return 0;
}

//  A silence on a unit (or a fingerprint) until wall-clock time until_us,
//  added in a transaction of its own; returns its id.
static uint64_t
s_silence (fixture_t *f, const char *unit, const char *fingerprint, int64_t until_us)
{
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    until.seconds = until_us / HRW_US_PER_SEC;
    Hrwatch__V1__Silence s = HRWATCH__V1__SILENCE__INIT;
    s.unit_id = (char *) (unit? unit: "");
    s.fingerprint = (char *) (fingerprint? fingerprint: "");
    s.until = &until;
    s.comment = "maintenance";
    uint64_t id = 0;
    s_begin (f, A_NOW);
    assert_int_equal (hrw_alerts_silence_add (f->alerts, &s, &id), 0);
    s_commit (f);
    assert_true (id > 0);
    return id;
}

static void
s_count_fn (const uint8_t *data, size_t len, void *arg)
{
    (void) data;
    (void) len;
    (*(int *) arg)++;
}

static int
s_silences_at (fixture_t *f, int64_t now_us)
{
    int n = 0;
    assert_int_equal (hrw_alerts_silences_each (f->alerts, now_us, s_count_fn, &n), 0);
    return n;
}

//  A silence made of matchers (0 or NULL: not given) until A_NOW plus an
//  hour, added in a transaction of its own; returns its id.
static uint64_t
s_silence_m (fixture_t *f, int kind, int severity, const char *unit, const char *subject,
             const char *fingerprint)
{
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    until.seconds = (A_NOW + A_HOUR_US) / HRW_US_PER_SEC;
    Hrwatch__V1__Silence s = HRWATCH__V1__SILENCE__INIT;
    s.kind = kind;
    s.severity = severity;
    s.unit_id = (char *) (unit? unit: "");
    s.subject = (char *) (subject? subject: "");
    s.fingerprint = (char *) (fingerprint? fingerprint: "");
    s.until = &until;
    uint64_t id = 0;
    s_begin (f, A_NOW);
    assert_int_equal (hrw_alerts_silence_add (f->alerts, &s, &id), 0);
    s_commit (f);
    assert_true (id > 0);
    return id;
}

static void
s_silence_remove (fixture_t *f, uint64_t id)
{
    s_begin (f, A_NOW);
    assert_int_equal (hrw_alerts_silence_remove (f->alerts, id), 0);
    s_commit (f);
}

//  Fires an alert and resolves it, each in a commit of its own at A_NOW;
//  returns 1 when the firing was muted (not queued). The resolution keeps
//  the severity, so it must be muted alike.
static int
s_muted (fixture_t *f, int kind, const char *subject, const char *unit, int severity)
{
    s_begin (f, A_NOW);
    assert_int_equal (s_verdict_on (f, kind, subject, unit, 1, severity, 3), 1);
    s_commit (f);
    int muted = f->queued.n == 0;
    s_begin (f, A_NOW);
    assert_int_equal (s_verdict_on (f, kind, subject, unit, 0, 0, 0), 1);
    s_commit (f);
    assert_int_equal (f->queued.n == 0, muted);
    return muted;
}

//  A unit under parent, defined by an event applied at once.
static void
s_unit_define (fixture_t *f, const char *unit, const char *parent)
{
    char line[300];
    snprintf (line, sizeof (line), "{\"eventId\":\"def-%s\",\"occurredAt\":"
              "\"2024-01-01T00:00:04Z\",\"source\":\"t\",\"orgUnitDefined\":"
              "{\"unitId\":\"%s\",\"parentId\":\"%s\"}}", unit, unit, parent);
    s_begin (f, A_NOW);
    h_engine_accept (f->engine, line);
    assert_int_equal (hrw_engine_settle (f->engine, A_NOW), 0);
    s_commit (f);
}

//  How many of the firing alerts are listed as silenced at now_us.
static int
s_silenced_at (fixture_t *f, int64_t now_us)
{
    got_list_t active;
    s_listed_at (f, now_us, 1, &active);
    int n = 0;
    for (size_t i = 0; i < active.n; i++)
        n += active.got[i].silenced;
    return n;
}

//  Appends a protobuf varint.
static size_t
s_varint (uint8_t *out, uint64_t v)
{
    size_t n = 0;
    for (; v >= 0x80; v >>= 7)
        out[n++] = (uint8_t) (v | 0x80);
    out[n++] = (uint8_t) v;
    return n;
}

//  A Silence as the first schema wrote it: id (1), fingerprint (2) or
//  unit_id (3), until (4) and comment (5), nothing else. Written by hand,
//  so the test does not depend on how today's code would pack it.
static size_t
s_old_silence (uint8_t *out, uint64_t id, int field, const char *text, int64_t until_us)
{
    uint8_t ts[16];
    size_t n = 0, t = 0;
    ts[t++] = 0x08;                                     //  seconds
    t += s_varint (ts + t, (uint64_t) (until_us / HRW_US_PER_SEC));
    out[n++] = 0x08;
    n += s_varint (out + n, id);
    out[n++] = (uint8_t) (field << 3 | 2);
    out[n++] = (uint8_t) strlen (text);
    memcpy (out + n, text, strlen (text));
    n += strlen (text);
    out[n++] = 0x22;
    out[n++] = (uint8_t) t;
    memcpy (out + n, ts, t);
    n += t;
    out[n++] = 0x2a;
    out[n++] = 3;
    memcpy (out + n, "old", 3);
    return n + 3;
}

// ---------------------------------------------------------------------------

//  Fired, updated, severity changed, resolved: one change each, numbered
//  in order; a verdict that says nothing new makes no change.
static void
test_lifecycle_fired_updated_severity_changed_resolved (void **state)
{
    fixture_t *f = *state;
    uint64_t seq, firing;
    assert_int_equal (s_verdict_commit (f, "wh", 0, 0, 0), 0);      //  Never fired
    assert_int_equal (f->queued.n, 0);

    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 1);
    assert_int_equal (f->queued.n, 1);
    s_expect_queued (f, 0, 1, FIRED, WARNING, 3);
    assert_string_equal (f->queued.got[0].topic, "turnover_spike/acme/ops/wh");
    assert_int_equal (f->queued.got[0].state, HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING);
    assert_true (hrw_alerts_is_firing (f->alerts, SPIKE, "wh", NULL));
    hrw_alerts_totals (f->alerts, &seq, &firing);
    assert_int_equal (seq, 1);
    assert_int_equal (firing, 1);

    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 0);  //  Nothing new
    assert_int_equal (f->queued.n, 0);

    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 4), 1);
    s_expect_queued (f, 0, 2, UPDATED, WARNING, 4);

    assert_int_equal (s_verdict_commit (f, "wh", 1, CRITICAL, 4), 1);
    s_expect_queued (f, 0, 3, SEVERITY_CHANGED, CRITICAL, 4);

    //  A resolution keeps the severity the alert had.
    assert_int_equal (s_verdict_commit (f, "wh", 0, 0, 1), 1);
    s_expect_queued (f, 0, 4, RESOLVED, CRITICAL, 1);
    assert_int_equal (f->queued.got[0].state, HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED);
    assert_false (hrw_alerts_is_firing (f->alerts, SPIKE, "wh", NULL));
    assert_true (hrw_alerts_has_fired (f->alerts, SPIKE, "wh", NULL));
    hrw_alerts_totals (f->alerts, &seq, &firing);
    assert_int_equal (seq, 4);
    assert_int_equal (firing, 0);

    assert_int_equal (s_verdict_commit (f, "wh", 0, 0, 0), 0);      //  Resolved already
    assert_int_equal (f->queued.n, 0);
}

//  Within one step (an event, a sweep; here a commit, which starts one) an
//  alert says one thing: updates fold into the change before them (keeping
//  what it said happened), and a severity change replaces an update; each
//  step then takes one sequence number.
static void
test_updates_fold_into_one_change_per_step (void **state)
{
    fixture_t *f = *state;
    s_begin (f, A_NOW);
    assert_int_equal (s_verdict (f, "wh", 1, WARNING, 3), 1);
    assert_int_equal (s_verdict (f, "wh", 1, WARNING, 4), 1);
    assert_int_equal (s_verdict (f, "wh", 1, WARNING, 5), 1);
    s_commit (f);
    assert_int_equal (f->queued.n, 1);
    s_expect_queued (f, 0, 1, FIRED, WARNING, 5);

    s_begin (f, A_NOW);
    s_verdict (f, "wh", 1, WARNING, 6);
    s_verdict (f, "wh", 1, WARNING, 7);
    s_commit (f);
    assert_int_equal (f->queued.n, 1);
    s_expect_queued (f, 0, 2, UPDATED, WARNING, 7);

    s_begin (f, A_NOW);
    s_verdict (f, "wh", 1, WARNING, 8);
    s_verdict (f, "wh", 1, CRITICAL, 8);
    s_commit (f);
    assert_int_equal (f->queued.n, 1);
    s_expect_queued (f, 0, 3, SEVERITY_CHANGED, CRITICAL, 8);

    //  The log holds the same three changes, nothing folded away twice.
    got_list_t log;
    s_stored (f, 0, &log);
    assert_int_equal (log.n, 3);
    for (size_t i = 0; i < log.n; i++)
        assert_int_equal (log.got[i].seq, i + 1);
    assert_int_equal (log.got[0].change, FIRED);
    assert_true (log.got[0].observed == 5);
}

//  Sequence numbers go on where they were after the store is reopened, and
//  each alert is numbered apart.
static void
test_sequence_numbers_go_on_after_a_reopen (void **state)
{
    fixture_t *f = *state;
    s_verdict_commit (f, "wh", 1, WARNING, 3);
    s_expect_queued (f, 0, 1, FIRED, WARNING, 3);
    s_verdict_commit (f, "eng", 1, WARNING, 3);
    s_expect_queued (f, 0, 2, FIRED, WARNING, 3);
    s_close (f);
    s_open (f);
    uint64_t seq, firing;
    hrw_alerts_totals (f->alerts, &seq, &firing);
    assert_int_equal (seq, 2);
    assert_int_equal (firing, 2);
    s_verdict_commit (f, "ops", 1, WARNING, 3);
    s_expect_queued (f, 0, 3, FIRED, WARNING, 3);
    s_verdict_commit (f, "wh", 0, 0, 0);
    s_expect_queued (f, 0, 4, RESOLVED, WARNING, 0);
}

//  A store written when there were eight alert kinds keeps a shorter
//  counter record: its sequence number and firing count carry on.
static void
test_counters_of_fewer_alert_kinds_carry_on (void **state)
{
    fixture_t *f = *state;
    s_verdict_commit (f, "wh", 1, WARNING, 3);
    s_verdict_commit (f, "eng", 1, WARNING, 3);
    hrw_table_t meta;
    assert_int_equal (hrw_table_open (f->store, "alert_meta", &meta), 0);
    uint8_t old[(5 + 8) * sizeof (uint64_t)];
    assert_int_equal (hrw_store_begin (f->store), 0);
    hrw_bytes_t v;
    assert_int_equal (hrw_table_get (f->store, meta, "meta", 4, &v), 0);
    assert_true (v.len > sizeof (old));
    memcpy (old, v.data, sizeof (old));
    assert_int_equal (hrw_table_put (f->store, meta, "meta", 4, old, sizeof (old), 0), 0);
    assert_int_equal (hrw_store_commit (f->store), 0);
    s_close (f);
    s_open (f);
    uint64_t seq, firing;
    hrw_alerts_totals (f->alerts, &seq, &firing);
    assert_int_equal (seq, 2);
    assert_int_equal (firing, 2);
    s_verdict_commit (f, "ops", 1, WARNING, 3);
    s_expect_queued (f, 0, 3, FIRED, WARNING, 3);
}

//  The log keeps the last log_keep changes (3 here); the current state of
//  every alert stays.
static void
test_log_is_trimmed_to_log_keep (void **state)
{
    fixture_t *f = *state;
    const char *units[] = { "u1", "u2", "u3", "u4", "u5" };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal (s_verdict_commit (f, units[i], 1, WARNING, 3), 1);
    got_list_t log, active;
    s_stored (f, 0, &log);
    assert_int_equal (log.n, 3);
    assert_int_equal (log.got[0].seq, 3);
    assert_int_equal (log.got[1].seq, 4);
    assert_int_equal (log.got[2].seq, 5);
    s_stored (f, 1, &active);
    assert_int_equal (active.n, 5);
}

//  A silence on ops covers ops and the units below it, not its parent nor
//  its siblings. A silenced alert is still recorded (and firing), but not
//  queued for publication, nor replayed from the log.
static void
test_silence_on_a_unit_covers_the_units_below (void **state)
{
    fixture_t *f = *state;
    s_silence (f, "ops", NULL, A_NOW + A_HOUR_US);
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 1);
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_verdict_commit (f, "ops", 1, WARNING, 3), 1);
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_verdict_commit (f, "acme", 1, WARNING, 3), 1);
    s_expect_queued (f, 0, 3, FIRED, WARNING, 3);
    assert_int_equal (s_verdict_commit (f, "eng", 1, WARNING, 3), 1);
    s_expect_queued (f, 0, 4, FIRED, WARNING, 3);

    assert_true (hrw_alerts_is_firing (f->alerts, SPIKE, "wh", NULL));
    got_list_t active, log;
    s_stored (f, 1, &active);
    assert_int_equal (active.n, 4);
    int silenced = 0;
    for (size_t i = 0; i < active.n; i++)
        silenced += active.got[i].silenced;
    assert_int_equal (silenced, 2);
    s_stored (f, 0, &log);
    assert_int_equal (log.n, 2);
    assert_string_equal (log.got[0].topic, "turnover_spike/acme");
    assert_string_equal (log.got[1].topic, "turnover_spike/acme/eng");
}

//  A silence by fingerprint matches that alert alone, not one whose
//  fingerprint merely starts the same.
static void
test_silence_by_fingerprint_is_exact (void **state)
{
    fixture_t *f = *state;
    s_silence (f, NULL, "turnover_spike/wh", A_NOW + A_HOUR_US);
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 1);
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_verdict_commit (f, "wh2", 1, WARNING, 3), 1);
    s_expect_queued (f, 0, 2, FIRED, WARNING, 3);
    assert_int_equal (s_verdict_commit (f, "ops", 1, WARNING, 3), 1);
    s_expect_queued (f, 0, 3, FIRED, WARNING, 3);
}

//  A silence holds until its expiry on the wall clock, then the alert's
//  next change is published again; expired, it is no longer listed.
static void
test_silences_expire (void **state)
{
    fixture_t *f = *state;
    uint64_t id = s_silence (f, "wh", NULL, A_NOW + A_HOUR_US);
    assert_int_equal (s_silences_at (f, A_NOW), 1);
    assert_int_equal (s_silences_at (f, A_NOW + 2 * A_HOUR_US), 0);

    s_begin (f, A_NOW + A_HOUR_US / 2);
    assert_int_equal (s_verdict (f, "wh", 1, WARNING, 3), 1);
    s_commit (f);
    assert_int_equal (f->queued.n, 0);

    s_begin (f, A_NOW + 2 * A_HOUR_US);
    assert_int_equal (s_verdict (f, "wh", 1, WARNING, 4), 1);
    s_commit (f);
    assert_int_equal (f->queued.n, 1);
    s_expect_queued (f, 0, 2, UPDATED, WARNING, 4);
    assert_int_equal (f->queued.got[0].silenced, 0);

    //  Removed, it is gone at once; a second removal finds nothing.
    s_begin (f, A_NOW);
    assert_int_equal (hrw_alerts_silence_remove (f->alerts, id), 0);
    s_commit (f);
    assert_int_equal (s_silences_at (f, A_NOW), 0);
    s_begin (f, A_NOW);
    assert_int_not_equal (hrw_alerts_silence_remove (f->alerts, id), 0);
    hrw_engine_abort (f->engine);
}

//  A silence must say what it matches and when it ends.
static void
test_silence_without_a_match_or_an_expiry_is_refused (void **state)
{
    fixture_t *f = *state;
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    until.seconds = (A_NOW + A_HOUR_US) / HRW_US_PER_SEC;
    Hrwatch__V1__Silence s = HRWATCH__V1__SILENCE__INIT;
    uint64_t id = 0;
    s_begin (f, A_NOW);
    s.until = &until;
    assert_int_equal (hrw_alerts_silence_add (f->alerts, &s, &id), EINVAL);
    s.until = NULL;
    s.unit_id = "ops";
    assert_int_equal (hrw_alerts_silence_add (f->alerts, &s, &id), EINVAL);
    s_commit (f);
    assert_int_equal (s_silences_at (f, A_NOW), 0);
}

//  A kind matcher alone mutes that kind, in any unit, at any severity.
static void
test_silence_by_kind_alone (void **state)
{
    fixture_t *f = *state;
    s_silence_m (f, RISE, 0, NULL, NULL, NULL);
    assert_true (s_muted (f, RISE, "wh", "wh", WARNING));
    assert_true (s_muted (f, RISE, "eng", "eng", CRITICAL));
    assert_false (s_muted (f, SPIKE, "wh", "wh", WARNING));
    assert_false (s_muted (f, GAP, "P-1", "wh", WARNING));
}

//  A severity matcher alone mutes that severity exactly, of any kind.
static void
test_silence_by_severity_alone (void **state)
{
    fixture_t *f = *state;
    s_silence_m (f, 0, WARNING, NULL, NULL, NULL);
    assert_true (s_muted (f, SPIKE, "wh", "wh", WARNING));
    assert_true (s_muted (f, GAP, "P-1", "eng", WARNING));
    assert_false (s_muted (f, SPIKE, "wh", "wh", CRITICAL));
}

//  A subject matcher alone is exact: not a subject that starts the same,
//  not the unit a position is in.
static void
test_silence_by_subject_alone (void **state)
{
    fixture_t *f = *state;
    s_silence_m (f, 0, 0, NULL, "P-1", NULL);
    assert_true (s_muted (f, GAP, "P-1", "ops", WARNING));
    assert_false (s_muted (f, GAP, "P-10", "ops", WARNING));
    s_silence_m (f, 0, 0, NULL, "ops", NULL);
    assert_true (s_muted (f, SPIKE, "ops", "ops", WARNING));
    assert_false (s_muted (f, GAP, "P-2", "ops", WARNING));
}

//  A unit matcher takes in the unit and the units below it, whatever the
//  subject, but whole ids only: a silence on ops leaves ops2, a sibling
//  whose id starts the same, alone (and acme above it).
static void
test_silence_by_unit_is_a_subtree_not_a_prefix (void **state)
{
    fixture_t *f = *state;
    s_unit_define (f, "ops2", "acme");
    s_silence_m (f, 0, 0, "ops", NULL, NULL);
    assert_true (s_muted (f, SPIKE, "ops", "ops", WARNING));
    assert_true (s_muted (f, SPIKE, "wh", "wh", WARNING));
    assert_true (s_muted (f, GAP, "P-1", "wh", CRITICAL));
    assert_false (s_muted (f, SPIKE, "ops2", "ops2", WARNING));
    assert_false (s_muted (f, GAP, "P-2", "ops2", WARNING));
    assert_false (s_muted (f, SPIKE, "acme", "acme", WARNING));
}

//  Matchers together must all match: a kind in a subtree; a kind, a
//  severity and a subtree; a subject and a fingerprint that never agree
//  mute nothing.
static void
test_silence_matchers_must_all_match (void **state)
{
    fixture_t *f = *state;
    uint64_t id = s_silence_m (f, GAP, 0, "ops", NULL, NULL);
    assert_true (s_muted (f, GAP, "P-1", "wh", WARNING));
    assert_false (s_muted (f, GAP, "P-2", "eng", WARNING));
    assert_false (s_muted (f, SPIKE, "wh", "wh", WARNING));
    s_silence_remove (f, id);

    id = s_silence_m (f, SPIKE, CRITICAL, "ops", NULL, NULL);
    assert_true (s_muted (f, SPIKE, "wh", "wh", CRITICAL));
    assert_false (s_muted (f, SPIKE, "wh", "wh", WARNING));
    assert_false (s_muted (f, SPIKE, "eng", "eng", CRITICAL));
    assert_false (s_muted (f, RISE, "wh", "wh", CRITICAL));
    s_silence_remove (f, id);

    s_silence_m (f, 0, 0, NULL, "wh", "turnover_spike/eng");
    assert_false (s_muted (f, SPIKE, "wh", "wh", WARNING));
    assert_false (s_muted (f, SPIKE, "eng", "eng", WARNING));
    s_silence_m (f, SPIKE, 0, NULL, "wh", "turnover_spike/wh");
    assert_true (s_muted (f, SPIKE, "wh", "wh", WARNING));
}

//  Silences stored before kind, severity and subject existed (a unit, or a
//  fingerprint) match after an upgrade as they did: the daemon reads them
//  from the store when it starts.
static void
test_old_format_silences_still_match (void **state)
{
    fixture_t *f = *state;
    hrw_table_t t;
    uint8_t kb[HRW_KEY_U64_LEN], v[128];
    assert_int_equal (hrw_table_open (f->store, "silences", &t), 0);
    s_begin (f, A_NOW);
    hrw_key_put_u64 (kb, 1);
    size_t n = s_old_silence (v, 1, 3, "ops", A_NOW + A_HOUR_US);
    assert_int_equal (hrw_table_put (f->store, t, kb, sizeof (kb), v, n, 0), 0);
    hrw_key_put_u64 (kb, 2);
    n = s_old_silence (v, 2, 2, "turnover_spike/eng", A_NOW + A_HOUR_US);
    assert_int_equal (hrw_table_put (f->store, t, kb, sizeof (kb), v, n, 0), 0);
    s_commit (f);
    s_close (f);
    s_open (f);
    assert_int_equal (s_silences_at (f, A_NOW), 2);
    assert_true (s_muted (f, SPIKE, "wh", "wh", WARNING));
    assert_true (s_muted (f, GAP, "P-1", "ops", CRITICAL));
    assert_true (s_muted (f, SPIKE, "eng", "eng", WARNING));
    assert_false (s_muted (f, RISE, "eng", "eng", WARNING));
    assert_false (s_muted (f, SPIKE, "acme", "acme", WARNING));
}

//  An alert firing (and published) before a silence starts is listed as
//  silenced while the silence is in force, and its changes are then muted;
//  once the silence is removed or has expired it is listed as not
//  silenced and its changes are published again. Starting or ending a
//  silence publishes nothing by itself.
static void
test_alert_firing_before_a_silence_is_shown_silenced_until_it_ends (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 1);
    s_expect_queued (f, 0, 1, FIRED, WARNING, 3);
    assert_int_equal (s_silenced_at (f, A_NOW), 0);

    uint64_t id = s_silence_m (f, SPIKE, 0, "ops", NULL, NULL);
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_silenced_at (f, A_NOW), 1);
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 4), 1);   //  Muted update
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_silenced_at (f, A_NOW), 1);
    got_list_t log;
    s_stored (f, 0, &log);
    assert_int_equal (log.n, 1);                //  The firing, as published
    assert_int_equal (log.got[0].silenced, 0);

    s_silence_remove (f, id);
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_silenced_at (f, A_NOW), 0);
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 5), 1);
    s_expect_queued (f, 0, 3, UPDATED, WARNING, 5);
    assert_int_equal (f->queued.got[0].silenced, 0);

    //  Expiry ends it too, without anyone removing it.
    s_silence_m (f, 0, 0, "wh", NULL, NULL);
    assert_int_equal (s_silenced_at (f, A_NOW), 1);
    assert_int_equal (s_silenced_at (f, A_NOW + 2 * A_HOUR_US), 0);
}

//  A silence mutes news, but never leaves subscribers and Alertmanager
//  holding a firing alert that has gone: the resolution of an alert they
//  heard fire is published even under a silence. One whose firing they
//  never heard resolves muted, unless a change of it was published since.
static void
test_a_silence_never_hides_the_end_of_an_alert_that_was_heard (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 1);    //  #1, heard
    uint64_t id = s_silence_m (f, 0, 0, "ops", NULL, NULL);
    assert_int_equal (s_verdict_commit (f, "wh", 1, CRITICAL, 3), 1);   //  #2, muted
    assert_int_equal (f->queued.n, 0);
    assert_int_equal (s_verdict_commit (f, "wh", 0, 0, 0), 1);          //  #3, heard
    s_expect_queued (f, 0, 3, RESOLVED, CRITICAL, 0);
    assert_int_equal (f->queued.got[0].silenced, 0);

    assert_true (s_muted (f, SPIKE, "ops", "ops", WARNING));            //  #4, #5

    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 3), 1);    //  #6, muted
    assert_int_equal (f->queued.n, 0);
    s_silence_remove (f, id);
    assert_int_equal (s_verdict_commit (f, "wh", 1, WARNING, 4), 1);    //  #7, heard
    s_expect_queued (f, 0, 7, UPDATED, WARNING, 4);
    s_silence_m (f, 0, 0, "ops", NULL, NULL);
    assert_int_equal (s_verdict_commit (f, "wh", 0, 0, 0), 1);          //  #8, heard
    s_expect_queued (f, 0, 8, RESOLVED, WARNING, 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_lifecycle_fired_updated_severity_changed_resolved,
                                         setup, teardown),
        cmocka_unit_test_setup_teardown (test_updates_fold_into_one_change_per_step, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_counters_of_fewer_alert_kinds_carry_on, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_sequence_numbers_go_on_after_a_reopen, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_log_is_trimmed_to_log_keep, setup_keep_3, teardown),
        cmocka_unit_test_setup_teardown (test_silence_on_a_unit_covers_the_units_below, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_silence_by_fingerprint_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown (test_silences_expire, setup, teardown),
        cmocka_unit_test_setup_teardown (test_silence_without_a_match_or_an_expiry_is_refused,
                                         setup, teardown),
        cmocka_unit_test_setup_teardown (test_silence_by_kind_alone, setup, teardown),
        cmocka_unit_test_setup_teardown (test_silence_by_severity_alone, setup, teardown),
        cmocka_unit_test_setup_teardown (test_silence_by_subject_alone, setup, teardown),
        cmocka_unit_test_setup_teardown (test_silence_by_unit_is_a_subtree_not_a_prefix, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_silence_matchers_must_all_match, setup, teardown),
        cmocka_unit_test_setup_teardown (test_old_format_silences_still_match, setup, teardown),
        cmocka_unit_test_setup_teardown (
            test_alert_firing_before_a_silence_is_shown_silenced_until_it_ends, setup, teardown),
        cmocka_unit_test_setup_teardown (
            test_a_silence_never_hides_the_end_of_an_alert_that_was_heard, setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
