/*  Scenario tests for each detector, through the engine on a real LMDB
    store: each alert fires at the right event and resolves at the right
    event; decoys stay silent; a shuffled replay gives the same alerts. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/clock.h"
#include "workers/engine.h"

#define MAX_SEEN 256

typedef struct {
    char fingerprint[128];
    int state;          //  Hrwatch__V1__AlertState
    int severity;
    char trigger[64];
    char summary[320];
    char changed[40];   //  Event time of the change
} seen_t;

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_engine_t *engine;
    seen_t seen[MAX_SEEN];      //  Every change published, in order
    size_t n_seen;
    int64_t wall_us;            //  The wall clock the engine is shown (live tests)
} fixture_t;

static void
s_open_mode (fixture_t *f, int64_t lateness_us, int replay)
{
    hrw_store_opts_t o = { .path = f->dir, .map_size = 1 << 20,
                           .max_map_size = 0, .rejected_keep = 100 };
    assert_int_equal (hrw_store_open (&o, &f->store), 0);
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = replay;
    eo.lateness_us = lateness_us;
    f->engine = hrw_engine_new (f->store, &eo);
    assert_non_null (f->engine);
}

static void
s_open (fixture_t *f, int64_t lateness_us)
{
    s_open_mode (f, lateness_us, 1);
}

static int
setup (void **state)
{
    fixture_t *f = calloc (1, sizeof (*f));
    h_tempdir (f->dir, sizeof (f->dir));
    s_open (f, 0);
    *state = f;
    return 0;
}

static int
teardown (void **state)
{
    fixture_t *f = *state;
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    h_rmtree (f->dir);
    free (f);
    return 0;
}

static void
s_collect (fixture_t *f)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (f->engine);
    for (size_t i = 0; i < hrw_alerts_queued (alerts); i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, p.len, p.data);
        assert_non_null (a);
        assert_string_equal (p.topic, a->topic);
        assert_true (f->n_seen < MAX_SEEN);
        seen_t *s = &f->seen[f->n_seen++];
        snprintf (s->fingerprint, sizeof (s->fingerprint), "%s", a->fingerprint);
        s->state = a->state;
        s->severity = a->severity;
        snprintf (s->trigger, sizeof (s->trigger), "%s", a->trigger_event_id);
        snprintf (s->summary, sizeof (s->summary), "%s", a->summary);
        hrw_clock_format (hrw_clock_from_parts (a->changed_at->seconds, a->changed_at->nanos),
                          s->changed, sizeof (s->changed));
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
    hrw_alerts_clear_queue (alerts);
}

//  One event in its own transaction: accept, let the clock move, commit.
static void
s_event (fixture_t *f, const char *id, const char *when, const char *body)
{
    char json[1024];
    snprintf (json, sizeof (json), "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":\"t\",%s}",
              id, when, body);
    hrw_buf_t raw = { 0 };
    h_event_json (&raw, json);
    Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (NULL, raw.len, raw.data);
    assert_non_null (ev);
    hrw_apply_t result;
    assert_int_equal (hrw_engine_begin (f->engine, 0), 0);
    assert_int_equal (hrw_engine_accept (f->engine, ev, raw.data, raw.len,
                                         hrw_hash_message (&ev->base), &result), 0);
    assert_int_equal (result, HRW_APPLIED);
    assert_int_equal (hrw_engine_settle (f->engine, f->wall_us), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
    hrwatch__v1__event__free_unpacked (ev, NULL);
    hrw_buf_free (&raw);
}

static void
s_advance (fixture_t *f, const char *to)
{
    int64_t s;
    int32_t ns;
    assert_int_equal (hrw_clock_parse (to, &s, &ns), 0);
    assert_int_equal (hrw_engine_begin (f->engine, 0), 0);
    assert_int_equal (hrw_engine_advance (f->engine, hrw_clock_from_parts (s, ns)), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}

//  Asserts the next changes, in order, since *cursor: "fingerprint state"
//  pairs, state one of "firing", "resolved", "critical" (firing, critical).
static void
s_expect (fixture_t *f, size_t *cursor, const char *fingerprint, const char *what,
          const char *trigger, const char *summary_has)
{
    if (*cursor >= f->n_seen)
        fail_msg ("expected %s %s, but nothing more was published", fingerprint, what);
    seen_t *s = &f->seen[(*cursor)++];
    if (strcmp (s->fingerprint, fingerprint))
        fail_msg ("expected %s %s, got %s (%s)", fingerprint, what, s->fingerprint, s->summary);
    int want_state = strcmp (what, "resolved")? HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING
                                               : HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
    assert_int_equal (s->state, want_state);
    if (!strcmp (what, "critical"))
        assert_int_equal (s->severity, HRWATCH__V1__SEVERITY__SEVERITY_CRITICAL);
    if (!strcmp (what, "firing"))
        assert_int_not_equal (s->severity, HRWATCH__V1__SEVERITY__SEVERITY_CRITICAL);
    if (trigger && strcmp (s->trigger, trigger))
        fail_msg ("%s %s: triggered by %s, expected %s", fingerprint, what, s->trigger, trigger);
    if (summary_has && !strstr (s->summary, summary_has))
        fail_msg ("%s: summary '%s' lacks '%s'", fingerprint, s->summary, summary_has);
}

static void
s_expect_nothing_more (fixture_t *f, size_t cursor)
{
    if (cursor < f->n_seen)
        fail_msg ("unexpected: %s (%s)", f->seen[cursor].fingerprint, f->seen[cursor].summary);
}

// ---------------------------------------------------------------------------

static void
test_succession_gap_lifecycle (void **state)
{
    fixture_t *f = *state;
    size_t at = 0;
    s_event (f, "u", "2024-01-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"ops\"}");
    s_event (f, "h1", "2024-01-02T00:00:00Z",
             "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\"}");
    s_event (f, "h2", "2024-01-03T00:00:00Z", "\"hire\":{\"employeeId\":\"E-2\",\"unitId\":\"ops\"}");
    s_event (f, "h3", "2024-01-04T00:00:00Z", "\"hire\":{\"employeeId\":\"E-3\",\"unitId\":\"ops\"}");
    s_expect_nothing_more (f, at);
    s_event (f, "p", "2024-02-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"ops\",\"title\":\"Head\",\"critical\":true,\"incumbentId\":\"E-1\"}");
    s_expect (f, &at, "succession_gap/P-1", "firing", "p", "0 ready-now successors");
    s_event (f, "n2", "2024-02-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-2\",\"readiness\":\"READINESS_READY_NOW\"}");
    s_expect (f, &at, "succession_gap/P-1", "resolved", "n2", "E-2 nominated, ready now");
    s_event (f, "x2", "2024-03-01T00:00:00Z", "\"exit\":{\"employeeId\":\"E-2\","
             "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    s_expect (f, &at, "succession_gap/P-1", "firing", "x2", "successor E-2 exited");
    //  A nominee who is not ready now changes nothing anyone needs to hear.
    s_event (f, "n3", "2024-03-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-3\",\"readiness\":\"READINESS_READY_1_2_YEARS\"}");
    s_expect_nothing_more (f, at);
    s_event (f, "x1", "2024-04-01T00:00:00Z", "\"exit\":{\"employeeId\":\"E-1\","
             "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    s_expect (f, &at, "succession_gap/P-1", "critical", "x1", "incumbent E-1 exited");
    s_event (f, "n3b", "2024-04-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-3\",\"readiness\":\"READINESS_READY_NOW\"}");
    s_expect (f, &at, "succession_gap/P-1", "resolved", "n3b", NULL);
    s_event (f, "pr3", "2024-05-01T00:00:00Z", "\"promotion\":{\"employeeId\":\"E-3\","
             "\"newPositionId\":\"P-9\"}");
    s_expect (f, &at, "succession_gap/P-1", "critical", "pr3", "successor E-3 promoted to P-9");
    s_event (f, "h4", "2024-05-02T00:00:00Z", "\"hire\":{\"employeeId\":\"E-4\",\"unitId\":\"ops\"}");
    s_event (f, "n4", "2024-05-03T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-4\",\"readiness\":\"READINESS_READY_NOW\"}");
    s_expect (f, &at, "succession_gap/P-1", "resolved", "n4", NULL);
    s_event (f, "w4", "2024-05-04T00:00:00Z", "\"successorWithdrawn\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-4\"}");
    s_expect (f, &at, "succession_gap/P-1", "critical", "w4", "nomination of E-4 withdrawn");
    s_expect_nothing_more (f, at);
}

static void
s_hire_many (fixture_t *f, const char *unit, int first, int n, const char *when)
{
    for (int i = first; i < first + n; i++) {
        char id[32], body[200];
        snprintf (id, sizeof (id), "h-%d", i);
        snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"%s\"}", i,
                  unit);
        s_event (f, id, when, body);
    }
}

static void
s_exit (fixture_t *f, int who, const char *when, const char *flags)
{
    char id[32], body[300];
    snprintf (id, sizeof (id), "x-%d", who);
    snprintf (body, sizeof (body), "\"exit\":{\"employeeId\":\"E-%d\",%s}", who, flags);
    s_event (f, id, when, body);
}

#define VOL "\"type\":\"EXIT_TYPE_VOLUNTARY\""

//  acme has ops (a 40-person warehouse team under it) and eng (200
//  people, with a normal trickle of exits over the year before).
static void
s_company (fixture_t *f)
{
    s_event (f, "u1", "2022-01-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"acme\"}");
    s_event (f, "u2", "2022-01-01T00:00:01Z",
             "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\"}");
    s_event (f, "u3", "2022-01-01T00:00:02Z",
             "\"orgUnitDefined\":{\"unitId\":\"wh\",\"parentId\":\"ops\"}");
    s_event (f, "u4", "2022-01-01T00:00:03Z",
             "\"orgUnitDefined\":{\"unitId\":\"eng\",\"parentId\":\"acme\"}");
    s_event (f, "u5", "2022-01-01T00:00:04Z",
             "\"orgUnitDefined\":{\"unitId\":\"small\",\"parentId\":\"acme\"}");
    s_hire_many (f, "wh", 1, 40, "2022-01-02T00:00:00Z");
    s_hire_many (f, "eng", 100, 200, "2022-01-02T00:00:00Z");
    s_hire_many (f, "small", 400, 8, "2022-01-02T00:00:00Z");
    //  About 10% a year leave eng, one every month or so.
    char when[40];
    for (int m = 0; m < 20; m++) {
        snprintf (when, sizeof (when), "2023-%02d-15T00:00:00Z", m % 12 + 1);
        if (m >= 12)
            snprintf (when, sizeof (when), "2024-%02d-15T00:00:00Z", m - 11);
        s_exit (f, 100 + m, when, VOL);
    }
}

static void
test_turnover_spike_fires_for_the_unit_and_its_division_then_resolves (void **state)
{
    fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-10-01T00:00:00Z", VOL ",\"regretted\":true");
    s_exit (f, 2, "2024-10-03T00:00:00Z", VOL);
    s_expect_nothing_more (f, at);
    s_exit (f, 3, "2024-10-05T00:00:00Z", VOL ",\"regretted\":true");
    s_expect (f, &at, "turnover_spike/wh", "firing", "x-3", "3 voluntary exits in 30 days (2 regretted)");
    s_expect (f, &at, "turnover_spike/ops", "firing", "x-3", NULL);
    s_expect_nothing_more (f, at);   //  Not the whole company: acme is big enough
    s_exit (f, 4, "2024-10-06T00:00:00Z", VOL);
    s_expect_nothing_more (f, at);   //  Still firing, nothing new to say
    //  Quiet weeks later the exits leave the window and the alerts resolve:
    //  on 4 November one exit is left in the window, and the three before
    //  it have moved into the baseline, so one is no longer surprising.
    s_advance (f, "2024-12-01T00:00:00Z");
    s_expect (f, &at, "turnover_spike/ops", "resolved", "", NULL);
    s_expect (f, &at, "turnover_spike/wh", "resolved", "", NULL);
    assert_string_equal (f->seen[at - 1].changed, "2024-11-04T00:00:00Z");
    s_expect_nothing_more (f, at);
}

static void
test_turnover_decoys_stay_silent (void **state)
{
    fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    //  Two exits in a month in an 8-person team.
    s_exit (f, 400, "2024-10-01T00:00:00Z", VOL);
    s_exit (f, 401, "2024-10-02T00:00:00Z", VOL);
    s_expect_nothing_more (f, at);
    //  A reduction in force is not voluntary turnover; it has its own alert.
    for (int i = 1; i <= 6; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-10-%02dT00:00:00Z", 10 + i);
        s_exit (f, i, when, "\"type\":\"EXIT_TYPE_INVOLUNTARY\",\"reductionInForce\":true");
    }
    s_expect (f, &at, "reduction_in_force/wh", "firing", "x-1", "not counted");
    s_expect_nothing_more (f, at);
    s_advance (f, "2024-12-01T00:00:00Z");
    s_expect (f, &at, "reduction_in_force/wh", "resolved", "", NULL);
    s_expect_nothing_more (f, at);
}

static void
s_responses (fixture_t *f, const char *unit, const char *cycle, const char *when,
             const int *scores, int n, int enps_base)
{
    for (int i = 0; i < n; i++) {
        char id[64], body[300];
        snprintf (id, sizeof (id), "s-%s-%s-%d", unit, when, i);
        snprintf (body, sizeof (body), "\"surveyResponse\":{\"surveyCycleId\":\"%s\",\"unitId\":"
                  "\"%s\",\"engagement\":%d,\"enps\":%d}", cycle, unit, scores[i],
                  enps_base + (i % 3));
        s_event (f, id, when, body);
    }
}

static void
test_engagement_drop_and_its_decoys (void **state)
{
    fixture_t *f = *state;
    static const int high[] = { 4, 5, 4, 4, 5, 4, 4, 5, 4, 4 };
    static const int low[] = { 3, 2, 3, 3, 2, 3, 3, 2, 3, 3 };
    size_t at = 0;
    s_responses (f, "ops", "2024-Q1", "2024-02-15T00:00:00Z", high, 10, 8);
    s_responses (f, "tiny", "2024-Q1", "2024-02-15T00:00:00Z", high, 3, 8);
    s_expect_nothing_more (f, at);
    //  A 3-person team's drop is never reported.
    s_responses (f, "tiny", "2024-Q2", "2024-05-15T00:00:00Z", low, 3, 2);
    s_expect_nothing_more (f, at);
    //  Four low answers are not yet five respondents: nothing is said.
    s_responses (f, "ops", "2024-Q2", "2024-05-15T00:00:00Z", low, 4, 2);
    s_expect_nothing_more (f, at);
    s_responses (f, "ops", "2024-Q2", "2024-05-15T00:00:01Z", low + 4, 1, 2);
    s_expect (f, &at, "engagement_drop/ops/2024-Q2", "firing", "s-ops-2024-05-15T00:00:01Z-0",
              "engagement 2.60 against 4.30");
    s_expect_nothing_more (f, at);
    s_responses (f, "ops", "2024-Q3", "2024-08-15T00:00:00Z", high, 5, 8);
    s_expect (f, &at, "engagement_drop/ops/2024-Q2", "resolved", NULL, "superseded by cycle 2024-Q3");
    s_expect_nothing_more (f, at);
}

static void
test_bench_strength_and_successor_overlap (void **state)
{
    fixture_t *f = *state;
    s_event (f, "u1", "2024-01-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"div\"}");
    s_event (f, "u2", "2024-01-01T00:00:01Z",
             "\"orgUnitDefined\":{\"unitId\":\"team\",\"parentId\":\"div\"}");
    s_hire_many (f, "team", 1, 5, "2024-01-02T00:00:00Z");
    size_t at = f->n_seen;
    for (int p = 1; p <= 3; p++) {
        char id[16], body[300];
        snprintf (id, sizeof (id), "p%d", p);
        snprintf (body, sizeof (body), "\"positionDefined\":{\"positionId\":\"P-%d\",\"unitId\":"
                  "\"team\",\"critical\":true}", p);
        s_event (f, id, "2024-02-01T00:00:00Z", body);
        snprintf (body, sizeof (body), "succession_gap/P-%d", p);
        s_expect (f, &at, body, "critical", id, "is vacant");
    }
    s_expect (f, &at, "bench_strength/team", "firing", "p3", "0 of 3 critical positions");
    s_expect (f, &at, "bench_strength/div", "firing", "p3", NULL);
    s_expect_nothing_more (f, at);
    //  E-5 becomes the only ready-now successor of all three.
    for (int p = 1; p <= 3; p++) {
        char id[16], body[300];
        snprintf (id, sizeof (id), "n%d", p);
        snprintf (body, sizeof (body), "\"successorNominated\":{\"positionId\":\"P-%d\","
                  "\"employeeId\":\"E-5\",\"readiness\":\"READINESS_READY_NOW\"}", p);
        s_event (f, id, "2024-03-01T00:00:00Z", body);
        snprintf (body, sizeof (body), "succession_gap/P-%d", p);
        s_expect (f, &at, body, "resolved", id, NULL);
        if (p == 3) {
            s_expect (f, &at, "bench_strength/team", "resolved", "n3", NULL);
            s_expect (f, &at, "bench_strength/div", "resolved", "n3", NULL);
            s_expect (f, &at, "successor_overlap/E-5", "firing", "n3", "3 critical positions");
        }
    }
    s_expect_nothing_more (f, at);
    s_event (f, "n4", "2024-04-01T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-4\",\"readiness\":\"READINESS_READY_NOW\"}");
    s_expect (f, &at, "successor_overlap/E-5", "resolved", "n4", NULL);
    s_expect_nothing_more (f, at);
}

//  The company and turnover scenario, as one list of events.
static int
s_history (char lines[][400], int max)
{
    int n = 0;
    const char *units[][2] = { { "acme", "" }, { "ops", "acme" }, { "wh", "ops" }, { "eng", "acme" } };
    for (int u = 0; u < 4; u++)
        snprintf (lines[n++], 400, "u%d|2022-01-01T00:00:0%dZ|\"orgUnitDefined\":{\"unitId\":\"%s\","
                  "\"parentId\":\"%s\"}", u, u, units[u][0], units[u][1]);
    for (int i = 1; i <= 30; i++)
        snprintf (lines[n++], 400, "h%d|2022-01-02T00:%02d:00Z|\"hire\":{\"employeeId\":\"E-%d\","
                  "\"unitId\":\"%s\"%s}", i, i, i, i <= 15? "wh": "eng",
                  i == 1? ",\"positionId\":\"P-1\"": "");
    snprintf (lines[n++], 400, "p1|2022-02-01T00:00:00Z|\"positionDefined\":{\"positionId\":\"P-1\","
              "\"unitId\":\"wh\",\"critical\":true,\"incumbentId\":\"E-1\"}");
    snprintf (lines[n++], 400, "n1|2022-03-01T00:00:00Z|\"successorNominated\":{\"positionId\":"
              "\"P-1\",\"employeeId\":\"E-2\",\"readiness\":\"READINESS_READY_NOW\"}");
    //  A trickle of exits in eng for a year, then six in wh in a week.
    for (int i = 0; i < 14; i++)
        snprintf (lines[n++], 400, "b%d|%d-%02d-10T00:00:00Z|\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", i, 2022 + (i + 2) / 12, (i + 2) % 12 + 1,
                  16 + i);
    for (int i = 0; i < 6; i++)
        snprintf (lines[n++], 400, "x%d|2023-06-%02dT00:00:00Z|\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", i, 1 + i, 2 + i);
    snprintf (lines[n++], 400, "x9|2023-09-01T00:00:00Z|\"exit\":{\"employeeId\":\"E-30\","
              "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    assert_true (n <= max);
    return n;
}

static void
s_run_history (fixture_t *f, char lines[][400], int n, const int *order)
{
    for (int i = 0; i < n; i++) {
        char copy[400];
        snprintf (copy, sizeof (copy), "%s", lines[order[i]]);
        char *id = strtok (copy, "|"), *when = strtok (NULL, "|"), *body = strtok (NULL, "");
        s_event (f, id, when, body);
    }
}

static void
test_shuffled_replay_gives_the_same_alerts (void **state)
{
    fixture_t *f = *state;
    char lines[80][400];
    int n = s_history (lines, 80), order[80];
    for (int i = 0; i < n; i++)
        order[i] = i;
    s_run_history (f, lines, n, order);
    s_advance (f, "2024-01-01T00:00:00Z");
    int turnover = 0;
    for (size_t i = 0; i < f->n_seen; i++)
        turnover += !strncmp (f->seen[i].fingerprint, "turnover_spike/wh", 17);
    assert_int_equal (turnover, 2);     //  Fired and resolved

    //  The same history in a shuffled order, with the clock held back until
    //  all of it is in.
    fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    s_open (g, 100LL * 365 * 86400 * HRW_US_PER_SEC);
    uint64_t rng = 7;
    for (int i = n - 1; i > 0; i--) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int j = (int) ((rng >> 33) % (uint64_t) (i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    s_run_history (g, lines, n, order);
    assert_int_equal (g->n_seen, 0);     //  Nothing decided before the clock moves
    s_advance (g, "2024-01-01T00:00:00Z");
    assert_int_equal (g->n_seen, f->n_seen);
    for (size_t i = 0; i < f->n_seen; i++) {
        assert_string_equal (g->seen[i].fingerprint, f->seen[i].fingerprint);
        assert_int_equal (g->seen[i].state, f->seen[i].state);
        assert_int_equal (g->seen[i].severity, f->seen[i].severity);
        assert_string_equal (g->seen[i].changed, f->seen[i].changed);
        assert_string_equal (g->seen[i].trigger, f->seen[i].trigger);
        assert_string_equal (g->seen[i].summary, f->seen[i].summary);
    }
    teardown ((void **) &g);
}

static void
s_tick (fixture_t *f, const char *wall)
{
    int64_t sec;
    int32_t ns;
    assert_int_equal (hrw_clock_parse (wall, &sec, &ns), 0);
    f->wall_us = hrw_clock_from_parts (sec, ns);
    assert_int_equal (hrw_engine_begin (f->engine, f->wall_us), 0);
    assert_int_equal (hrw_engine_settle (f->engine, f->wall_us), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}

//  Live, the clock follows the wall clock: a time-window alert resolves
//  when nothing more happens, on the day its window empties.
static void
test_live_clock_resolves_without_events (void **state)
{
    fixture_t *f = *state;
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    s_open_mode (f, 3600 * HRW_US_PER_SEC, 0);
    size_t at = 0;
    s_hire_many (f, "wh", 1, 3, "2024-09-01T00:00:00Z");
    s_tick (f, "2024-10-01T12:00:00Z");
    s_exit (f, 1, "2024-10-01T09:00:00Z", "\"type\":\"EXIT_TYPE_INVOLUNTARY\",\"reductionInForce\":true");
    s_expect (f, &at, "reduction_in_force/wh", "firing", "x-1", NULL);
    s_tick (f, "2024-10-20T00:00:00Z");
    s_expect_nothing_more (f, at);
    s_tick (f, "2024-11-15T00:00:00Z");
    s_expect (f, &at, "reduction_in_force/wh", "resolved", "", NULL);
    //  The exit at 09:00 arrived after the clock had reached 11:00 (the
    //  wall clock less an hour's lateness): a late event counts from the
    //  clock, so it leaves the 30-day window at the first midnight after
    //  31 October 11:00.
    assert_string_equal (f->seen[at - 1].changed, "2024-11-01T00:00:00Z");
}


//  Exits at about four times eng's rate for four months: never enough in
//  one 30-day window for a spike, but a sustained rise. It fires once,
//  holds while the exits go on, and resolves once they are back to normal,
//  without flickering.
static void
test_turnover_sustained_rise_fires_once_then_resolves (void **state)
{
    fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    int64_t sept = hrw_clock_from_parts (1725148800, 0);      //  2024-09-01
    for (int i = 0; i < 18; i++) {
        char when[40];
        hrw_clock_format (sept + i * 7 * 86400LL * HRW_US_PER_SEC, when, sizeof (when));
        s_exit (f, 120 + i, when, VOL);
    }
    s_advance (f, "2025-09-01T00:00:00Z");
    int fired = 0, resolved = 0, spikes = 0;
    for (size_t i = at; i < f->n_seen; i++) {
        if (!strcmp (f->seen[i].fingerprint, "turnover_rise/eng")) {
            fired += f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING;
            resolved += f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
            if (fired == 1 && f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING)
                assert_true (strcmp (f->seen[i].changed, "2025-01-01T00:00:00Z") < 0);
        }
        spikes += !strcmp (f->seen[i].fingerprint, "turnover_spike/eng");
    }
    assert_int_equal (fired, 1);
    assert_int_equal (resolved, 1);
    assert_int_equal (spikes, 0);
}

//  min_headcount is tested on the number the alert shows: the people there
//  when the window opened, not what is left after the exits.
static void
test_turnover_spike_shows_the_headcount_it_tested (void **state)
{
    fixture_t *f = *state;
    s_company (f);
    s_event (f, "u-ten", "2022-01-01T00:00:05Z",
             "\"orgUnitDefined\":{\"unitId\":\"ten\",\"parentId\":\"ops\"}");
    s_hire_many (f, "ten", 500, 10, "2022-01-02T00:00:00Z");
    size_t at = f->n_seen;
    for (int i = 0; i < 4; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-10-%02dT00:00:00Z", 1 + i);
        s_exit (f, 500 + i, when, VOL);
    }
    int found = 0;
    for (size_t i = at; i < f->n_seen; i++)
        if (!strcmp (f->seen[i].fingerprint, "turnover_spike/ten")) {
            found = 1;
            if (!strstr (f->seen[i].summary, "headcount 10 at the window's start, 7 now"))
                fail_msg ("summary '%s' does not show the headcount tested", f->seen[i].summary);
        }
    assert_true (found);
}

//  Hires sent late to a live daemon count from the clock: a day later the
//  window holds a handful of person-days, and a rate over them is not given.
static void
test_turnover_rate_not_given_over_a_few_person_days (void **state)
{
    fixture_t *f = *state;
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    s_open_mode (f, 3600 * HRW_US_PER_SEC, 0);
    s_tick (f, "2024-10-01T12:00:00Z");
    s_hire_many (f, "ops", 1, 7, "2023-01-01T00:00:00Z");
    s_tick (f, "2024-10-01T18:00:00Z");
    s_exit (f, 1, "2023-06-01T00:00:00Z", VOL);
    s_tick (f, "2024-10-02T12:00:00Z");
    hrw_unit_turnover_t t;
    uint32_t critical, covered;
    hrw_counters_t c;
    hrw_store_counters (f->store, &c);
    assert_int_equal (hrw_detect_unit_report (hrw_engine_detect (f->engine), "ops", c.clock_us,
                                              &t, &critical, &covered), 0);
    assert_int_equal (t.observed, 1);
    assert_true (t.annualised < 10);
    assert_false (t.rate_known);
}

//  The same people and exits, with the org tree defined first (f) or after
//  them, with "small" first put under ops and then moved to hq (g).
static void
s_tree (fixture_t *f, int tree_first)
{
    const char *units[][2] = { { "acme", "" }, { "ops", "acme" }, { "wh", "ops" },
                               { "eng", "acme" }, { "hq", "acme" }, { "small", "hq" } };
    char id[32], body[200], when[40];
    for (int u = 0; tree_first && u < 6; u++) {
        snprintf (id, sizeof (id), "u%d", u);
        snprintf (body, sizeof (body), "\"orgUnitDefined\":{\"unitId\":\"%s\",\"parentId\":"
                  "\"%s\"}", units[u][0], units[u][1]);
        s_event (f, id, "2022-01-01T00:00:00Z", body);
    }
    s_hire_many (f, "wh", 1, 40, "2022-01-02T00:00:00Z");
    s_hire_many (f, "eng", 100, 60, "2022-01-03T00:00:00Z");
    s_hire_many (f, "small", 200, 12, "2022-01-04T00:00:00Z");
    s_event (f, "p1", "2022-02-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"small\",\"critical\":true,\"incumbentId\":\"E-200\"}");
    s_event (f, "n1", "2022-02-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-201\",\"readiness\":\"READINESS_READY_NOW\"}");
    s_event (f, "p2", "2022-02-03T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-2\","
             "\"unitId\":\"wh\",\"critical\":true,\"incumbentId\":\"E-1\"}");
    //  Exits every month in one unit or another, up to the end.
    const char *in[] = { "wh", "eng", "small" };
    int next[] = { 2, 101, 202 };
    for (int m = 0; m < 24; m++) {
        snprintf (when, sizeof (when), "%d-%02d-20T00:00:00Z", 2022 + (m + 3) / 12,
                  (m + 3) % 12 + 1);
        int u = m % 3;
        (void) in;
        s_exit (f, next[u]++, when, m % 7 == 6? "\"type\":\"EXIT_TYPE_INVOLUNTARY\","
                "\"reductionInForce\":true": VOL);
    }
    for (int u = 0; !tree_first && u < 6; u++) {
        snprintf (id, sizeof (id), "u%d", u);
        snprintf (body, sizeof (body), "\"orgUnitDefined\":{\"unitId\":\"%s\",\"parentId\":"
                  "\"%s\"}", units[u][0], u == 5? "ops": units[u][1]);
        s_event (f, id, "2024-01-02T00:00:00Z", body);
    }
    if (!tree_first)
        s_event (f, "u5b", "2024-01-03T00:00:00Z",
                 "\"orgUnitDefined\":{\"unitId\":\"small\",\"parentId\":\"hq\"}");
    s_exit (f, 150, "2024-01-10T00:00:00Z", VOL);
    s_exit (f, 210, "2024-01-12T00:00:00Z", VOL);
    s_advance (f, "2024-02-01T00:00:00Z");
}

static void
test_units_defined_after_their_people_carry_their_history (void **state)
{
    fixture_t *f = *state;
    s_tree (f, 1);
    fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    s_open (g, 0);
    s_tree (g, 0);
    const char *units[] = { "acme", "ops", "wh", "eng", "hq", "small" };
    int64_t clock = hrw_clock_from_parts (1706745600, 0);     //  2024-02-01
    for (int u = 0; u < 6; u++) {
        hrw_unit_turnover_t a, b;
        uint32_t ca, va, cb, vb;
        assert_int_equal (hrw_detect_unit_report (hrw_engine_detect (f->engine), units[u], clock,
                                                  &a, &ca, &va), 0);
        assert_int_equal (hrw_detect_unit_report (hrw_engine_detect (g->engine), units[u], clock,
                                                  &b, &cb, &vb), 0);
        if (a.headcount != b.headcount || a.observed != b.observed || a.rif != b.rif
            || fabs (a.person_days - b.person_days) > 1e-6
            || fabs (a.expected - b.expected) > 1e-9
            || fabs (a.annualised - b.annualised) > 1e-9
            || fabs (a.baseline_annualised - b.baseline_annualised) > 1e-9
            || ca != cb || va != vb)
            fail_msg ("%s: tree first: headcount %lld, %llu exits, %.6f expected, %.4f a year "
                      "(baseline %.4f), bench %u/%u; defined late: %lld, %llu, %.6f, %.4f "
                      "(%.4f), %u/%u", units[u], (long long) a.headcount,
                      (unsigned long long) a.observed, a.expected, a.annualised,
                      a.baseline_annualised, va, ca, (long long) b.headcount,
                      (unsigned long long) b.observed, b.expected, b.annualised,
                      b.baseline_annualised, vb, cb);
    }
    //  ops lost small with the move; acme has everyone.
    hrw_unit_turnover_t t;
    uint32_t c, v;
    assert_int_equal (hrw_detect_unit_report (hrw_engine_detect (g->engine), "acme", clock,
                                              &t, &c, &v), 0);
    assert_int_equal (c, 2);
    assert_int_equal (v, 1);
    teardown ((void **) &g);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_succession_gap_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown (
            test_turnover_spike_fires_for_the_unit_and_its_division_then_resolves, setup, teardown),
        cmocka_unit_test_setup_teardown (test_turnover_decoys_stay_silent, setup, teardown),
        cmocka_unit_test_setup_teardown (test_engagement_drop_and_its_decoys, setup, teardown),
        cmocka_unit_test_setup_teardown (test_bench_strength_and_successor_overlap, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_shuffled_replay_gives_the_same_alerts, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_live_clock_resolves_without_events, setup, teardown),
        cmocka_unit_test_setup_teardown (test_turnover_sustained_rise_fires_once_then_resolves,
                                         setup, teardown),
        cmocka_unit_test_setup_teardown (test_turnover_spike_shows_the_headcount_it_tested, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_turnover_rate_not_given_over_a_few_person_days,
                                         setup, teardown),
        cmocka_unit_test_setup_teardown (test_units_defined_after_their_people_carry_their_history,
                                         setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
