/*  Scenario tests for the turnover detectors (spike, sustained rise,
    reduction in force) and the org tree they count over, through the
    engine on a real LMDB store: each alert fires at the right event and
    resolves at the right event; decoys stay silent; a shuffled replay and
    units defined after their people give the same alerts. */
#include "detect_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"

static void
s_exit (d_fixture_t *f, int who, const char *when, const char *flags)
{
    char id[32], body[300];
    snprintf (id, sizeof (id), "x-%d", who);
    snprintf (body, sizeof (body), "\"exit\":{\"employeeId\":\"E-%d\",%s}", who, flags);
    d_event (f, id, when, body);
}

#define VOL "\"type\":\"EXIT_TYPE_VOLUNTARY\""

//  acme has ops (a 40-person warehouse team under it) and eng (200
//  people, with a normal trickle of exits over the year before).
static void
s_company (d_fixture_t *f)
{
    d_org (f);
    d_event (f, "u5", "2022-01-01T00:00:04Z",
             "\"orgUnitDefined\":{\"unitId\":\"small\",\"parentId\":\"acme\"}");
    d_hire_many (f, "wh", 1, 40, "2022-01-02T00:00:00Z");
    d_hire_many (f, "eng", 100, 200, "2022-01-02T00:00:00Z");
    d_hire_many (f, "small", 400, 8, "2022-01-02T00:00:00Z");
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
    d_fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-10-01T00:00:00Z", VOL ",\"regretted\":true");
    s_exit (f, 2, "2024-10-03T00:00:00Z", VOL);
    d_expect_nothing_more (f, at);
    s_exit (f, 3, "2024-10-05T00:00:00Z", VOL ",\"regretted\":true");
    d_expect (f, &at, "turnover_spike/wh", "firing", "x-3", "3 voluntary exits in 30 days (2 regretted)");
    d_expect (f, &at, "turnover_spike/ops", "firing", "x-3", NULL);
    d_expect_nothing_more (f, at);   //  Not the whole company: acme is big enough
    s_exit (f, 4, "2024-10-06T00:00:00Z", VOL);
    d_expect_nothing_more (f, at);   //  Still firing, nothing new to say
    //  Quiet weeks later the exits leave the window and the alerts resolve:
    //  on 4 November one exit is left in the window, and the three before
    //  it have moved into the baseline, so one is no longer surprising.
    d_advance (f, "2024-12-01T00:00:00Z");
    d_expect (f, &at, "turnover_spike/ops", "resolved", "", NULL);
    d_expect (f, &at, "turnover_spike/wh", "resolved", "", NULL);
    assert_string_equal (f->seen[at - 1].changed, "2024-11-04T00:00:00Z");
    d_expect_nothing_more (f, at);
}

//  Updates of a firing alert published since cursor, for one fingerprint.
static int
s_updates (d_fixture_t *f, size_t cursor, const char *fingerprint)
{
    int n = 0;
    for (size_t i = cursor; i < f->n_seen; i++)
        n += f->seen[i].update && !strcmp (f->seen[i].fingerprint, fingerprint);
    return n;
}

//  A firing spike says something new when its count of exits moves, not
//  when the window slides a day and its expectation and p-value drift.
static void
test_turnover_spike_updates_on_a_new_count_only (void **state)
{
    d_fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-10-01T00:00:00Z", VOL);
    s_exit (f, 2, "2024-10-02T00:00:00Z", VOL);
    s_exit (f, 3, "2024-10-03T00:00:00Z", VOL);
    s_exit (f, 4, "2024-10-04T00:00:00Z", VOL);
    d_expect (f, &at, "turnover_spike/wh", "firing", NULL, NULL);
    size_t before = f->n_seen;
    s_exit (f, 5, "2024-10-05T00:00:00Z", VOL);
    assert_int_equal (s_updates (f, before, "turnover_spike/wh"), 1);
    assert_true (f->seen[f->n_seen - 1].observed == 5);
    before = f->n_seen;
    char day[40];
    for (int d = 6; d <= 12; d++) {
        snprintf (day, sizeof (day), "2024-10-%02dT00:00:00Z", d);
        d_advance (f, day);
    }
    assert_int_equal (s_updates (f, before, "turnover_spike/wh"), 0);
}

//  A burst leaves the sharp-rise score high for months (it drains at the
//  baseline's pace); once the alert has stood for a window, the window
//  alone holds it, so it resolves when the burst leaves the window.
static void
test_turnover_spike_resolves_when_the_burst_leaves_the_window (void **state)
{
    d_fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    char when[40];
    for (int i = 0; i < 30; i++) {
        snprintf (when, sizeof (when), "2024-10-%02dT00:00:00Z", 1 + i / 5);
        s_exit (f, 130 + i, when, VOL);
    }
    d_expect (f, &at, "turnover_spike/eng", "firing", NULL, NULL);
    d_expect (f, &at, "turnover_spike/acme", "firing", NULL, NULL);
    //  Then exits at a little over the baseline: every eight days.
    for (int d = 7; d <= 31 + 30 + 10; d++) {
        int month = d <= 31? 10: d <= 61? 11: 12, day = d <= 31? d: d <= 61? d - 31: d - 61;
        snprintf (when, sizeof (when), "2024-%02d-%02dT00:00:00Z", month, day);
        if (d % 8 == 0)
            s_exit (f, 170 + d, when, VOL);
        else
            d_advance (f, when);
    }
    d_expect (f, &at, "turnover_spike/acme", "resolved", "", NULL);
    d_expect (f, &at, "turnover_spike/eng", "resolved", "", NULL);
    d_expect_nothing_more (f, at);
}

static void
test_turnover_decoys_stay_silent (void **state)
{
    d_fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    //  Two exits in a month in an 8-person team.
    s_exit (f, 400, "2024-10-01T00:00:00Z", VOL);
    s_exit (f, 401, "2024-10-02T00:00:00Z", VOL);
    d_expect_nothing_more (f, at);
    //  A reduction in force is not voluntary turnover; it has its own alert.
    for (int i = 1; i <= 6; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-10-%02dT00:00:00Z", 10 + i);
        s_exit (f, i, when, "\"type\":\"EXIT_TYPE_INVOLUNTARY\",\"reductionInForce\":true");
    }
    d_expect (f, &at, "reduction_in_force/wh", "firing", "x-1", "not counted");
    d_expect_nothing_more (f, at);
    d_advance (f, "2024-12-01T00:00:00Z");
    d_expect (f, &at, "reduction_in_force/wh", "resolved", "", NULL);
    d_expect_nothing_more (f, at);
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
s_run_history (d_fixture_t *f, char lines[][400], int n, const int *order)
{
    for (int i = 0; i < n; i++) {
        char copy[400];
        snprintf (copy, sizeof (copy), "%s", lines[order[i]]);
        char *id = strtok (copy, "|"), *when = strtok (NULL, "|"), *body = strtok (NULL, "");
        d_event (f, id, when, body);
    }
}

static void
test_shuffled_replay_gives_the_same_alerts (void **state)
{
    d_fixture_t *f = *state;
    char lines[80][400];
    int n = s_history (lines, 80), order[80];
    for (int i = 0; i < n; i++)
        order[i] = i;
    s_run_history (f, lines, n, order);
    d_advance (f, "2024-01-01T00:00:00Z");
    int turnover = 0;
    for (size_t i = 0; i < f->n_seen; i++)
        turnover += !f->seen[i].update && !strncmp (f->seen[i].fingerprint, "turnover_spike/wh", 17);
    assert_int_equal (turnover, 2);     //  Fired and resolved (updates aside)

    //  The same history in a shuffled order, with the clock held back until
    //  all of it is in.
    d_fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    d_open (g, 100LL * 365 * 86400 * HRW_US_PER_SEC);
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
    d_advance (g, "2024-01-01T00:00:00Z");
    //  The same state changes at the same event times, and the same last
    //  version of each alert (updates are compared in test_engine, against
    //  any way of committing the same history).
    size_t i = 0, j = 0;
    for (;; i++, j++) {
        while (i < f->n_seen && f->seen[i].update)
            i++;
        while (j < g->n_seen && g->seen[j].update)
            j++;
        if (i == f->n_seen || j == g->n_seen)
            break;
        assert_string_equal (g->seen[j].fingerprint, f->seen[i].fingerprint);
        assert_int_equal (g->seen[j].state, f->seen[i].state);
        assert_int_equal (g->seen[j].severity, f->seen[i].severity);
        assert_string_equal (g->seen[j].changed, f->seen[i].changed);
        assert_string_equal (g->seen[j].trigger, f->seen[i].trigger);
    }
    assert_int_equal (i, f->n_seen);
    assert_int_equal (j, g->n_seen);
    for (i = 0; i < f->n_seen; i++) {
        const d_seen_t *last_f = NULL, *last_g = NULL;
        for (size_t k = 0; k < f->n_seen; k++)
            if (!strcmp (f->seen[k].fingerprint, f->seen[i].fingerprint))
                last_f = &f->seen[k];
        for (size_t k = 0; k < g->n_seen; k++)
            if (!strcmp (g->seen[k].fingerprint, f->seen[i].fingerprint))
                last_g = &g->seen[k];
        assert_non_null (last_g);
        assert_string_equal (last_g->summary, last_f->summary);
    }
    d_teardown ((void **) &g);
}

//  Live, the clock follows the wall clock: a time-window alert resolves
//  when nothing more happens, on the day its window empties.
static void
test_live_clock_resolves_without_events (void **state)
{
    d_fixture_t *f = *state;
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    d_open_mode (f, 3600 * HRW_US_PER_SEC, 0);
    size_t at = 0;
    d_hire_many (f, "wh", 1, 3, "2024-09-01T00:00:00Z");
    d_tick (f, "2024-10-01T12:00:00Z");
    s_exit (f, 1, "2024-10-01T09:00:00Z", "\"type\":\"EXIT_TYPE_INVOLUNTARY\",\"reductionInForce\":true");
    d_expect (f, &at, "reduction_in_force/wh", "firing", "x-1", NULL);
    d_tick (f, "2024-10-20T00:00:00Z");
    d_expect_nothing_more (f, at);
    d_tick (f, "2024-11-15T00:00:00Z");
    d_expect (f, &at, "reduction_in_force/wh", "resolved", "", NULL);
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
    d_fixture_t *f = *state;
    s_company (f);
    size_t at = f->n_seen;
    int64_t sept = hrw_clock_from_parts (1725148800, 0);      //  2024-09-01
    for (int i = 0; i < 18; i++) {
        char when[40];
        hrw_clock_format (sept + i * 7 * 86400LL * HRW_US_PER_SEC, when, sizeof (when));
        s_exit (f, 120 + i, when, VOL);
    }
    d_advance (f, "2025-09-01T00:00:00Z");
    int fired = 0, resolved = 0, spikes = 0;
    for (size_t i = at; i < f->n_seen; i++) {
        if (!f->seen[i].update && !strcmp (f->seen[i].fingerprint, "turnover_rise/eng")) {
            fired += f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING;
            resolved += f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
            if (fired == 1 && f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING)
                assert_true (strcmp (f->seen[i].changed, "2025-01-01T00:00:00Z") < 0);
        }
        spikes += !f->seen[i].update && !strcmp (f->seen[i].fingerprint, "turnover_spike/eng");
    }
    assert_int_equal (fired, 1);
    assert_int_equal (resolved, 1);
    //  A weekly exit is about four times eng's baseline (a dozen exits in
    //  the year before), which is what the spike's CUSUM looks for: it may
    //  fire too, once, and resolve, but not flap.
    assert_true (spikes == 0 || spikes == 2);
}

//  min_headcount is tested on the number the alert shows: the people there
//  when the window opened, not what is left after the exits.
static void
test_turnover_spike_shows_the_headcount_it_tested (void **state)
{
    d_fixture_t *f = *state;
    s_company (f);
    d_event (f, "u-ten", "2022-01-01T00:00:05Z",
             "\"orgUnitDefined\":{\"unitId\":\"ten\",\"parentId\":\"ops\"}");
    d_hire_many (f, "ten", 500, 10, "2022-01-02T00:00:00Z");
    size_t at = f->n_seen;
    for (int i = 0; i < 4; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-10-%02dT00:00:00Z", 1 + i);
        s_exit (f, 500 + i, when, VOL);
    }
    int found = 0;
    for (size_t i = at; i < f->n_seen; i++)
        //  The change that fired it (later updates show the exits since).
        if (!f->seen[i].update && !strcmp (f->seen[i].fingerprint, "turnover_spike/ten")) {
            found = 1;
            //  Three exits in ten people are not yet below alpha; the fourth is.
            if (!strstr (f->seen[i].summary, "headcount 10 at the window's start, 6 now"))
                fail_msg ("summary '%s' does not show the headcount tested", f->seen[i].summary);
        }
    assert_true (found);
}

//  Hires sent late to a live daemon count from the clock: a day later the
//  window holds a handful of person-days, and a rate over them is not given.
static void
test_turnover_rate_not_given_over_a_few_person_days (void **state)
{
    d_fixture_t *f = *state;
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    d_open_mode (f, 3600 * HRW_US_PER_SEC, 0);
    d_tick (f, "2024-10-01T12:00:00Z");
    d_hire_many (f, "ops", 1, 7, "2023-01-01T00:00:00Z");
    d_tick (f, "2024-10-01T18:00:00Z");
    s_exit (f, 1, "2023-06-01T00:00:00Z", VOL);
    d_tick (f, "2024-10-02T12:00:00Z");
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
s_tree (d_fixture_t *f, int tree_first)
{
    const char *units[][2] = { { "acme", "" }, { "ops", "acme" }, { "wh", "ops" },
                               { "eng", "acme" }, { "hq", "acme" }, { "small", "hq" } };
    char id[32], body[200], when[40];
    for (int u = 0; tree_first && u < 6; u++) {
        snprintf (id, sizeof (id), "u%d", u);
        snprintf (body, sizeof (body), "\"orgUnitDefined\":{\"unitId\":\"%s\",\"parentId\":"
                  "\"%s\"}", units[u][0], units[u][1]);
        d_event (f, id, "2022-01-01T00:00:00Z", body);
    }
    d_hire_many (f, "wh", 1, 40, "2022-01-02T00:00:00Z");
    d_hire_many (f, "eng", 100, 60, "2022-01-03T00:00:00Z");
    d_hire_many (f, "small", 200, 12, "2022-01-04T00:00:00Z");
    d_event (f, "p1", "2022-02-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"small\",\"critical\":true,\"incumbentId\":\"E-200\"}");
    d_event (f, "n1", "2022-02-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-201\",\"readiness\":\"READINESS_READY_NOW\"}");
    d_event (f, "p2", "2022-02-03T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-2\","
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
        d_event (f, id, "2024-01-02T00:00:00Z", body);
    }
    if (!tree_first)
        d_event (f, "u5b", "2024-01-03T00:00:00Z",
                 "\"orgUnitDefined\":{\"unitId\":\"small\",\"parentId\":\"hq\"}");
    s_exit (f, 150, "2024-01-10T00:00:00Z", VOL);
    s_exit (f, 210, "2024-01-12T00:00:00Z", VOL);
    d_advance (f, "2024-02-01T00:00:00Z");
}

static void
test_units_defined_after_their_people_carry_their_history (void **state)
{
    d_fixture_t *f = *state;
    s_tree (f, 1);
    d_fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    d_open (g, 0);
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
    d_teardown ((void **) &g);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (
            test_turnover_spike_fires_for_the_unit_and_its_division_then_resolves, d_setup,
            d_teardown),
        cmocka_unit_test_setup_teardown (test_turnover_spike_updates_on_a_new_count_only,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (
            test_turnover_spike_resolves_when_the_burst_leaves_the_window, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_turnover_decoys_stay_silent, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_shuffled_replay_gives_the_same_alerts,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_live_clock_resolves_without_events,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_turnover_sustained_rise_fires_once_then_resolves,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_turnover_spike_shows_the_headcount_it_tested,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_turnover_rate_not_given_over_a_few_person_days,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_units_defined_after_their_people_carry_their_history,
                                         d_setup, d_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
