/*  Scenario tests for the early-tenure exits and manager hotspot detectors,
    through the engine on a real LMDB store: each fires at the event that
    makes it, stays silent below its minimum count and when the company is
    no different, resolves by the day sweep once its window has moved on,
    follows a report who moves to another manager, and a shuffled replay
    gives the same alerts. */
#include "detect_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"

#define VOL "\"type\":\"EXIT_TYPE_VOLUNTARY\""
#define INVOL "\"type\":\"EXIT_TYPE_INVOLUNTARY\""

static void
s_exit (d_fixture_t *f, int who, const char *when, const char *flags)
{
    char id[32], body[300];
    snprintf (id, sizeof (id), "x-%d", who);
    snprintf (body, sizeof (body), "\"exit\":{\"employeeId\":\"E-%d\",%s}", who, flags);
    d_event (f, id, when, body);
}

//  Hires E-first .. E-(first+n-1) into unit at when, reporting to manager
//  (none when it is NULL).
static void
s_hire (d_fixture_t *f, const char *unit, int first, int n, const char *when,
        const char *manager)
{
    for (int i = first; i < first + n; i++) {
        char id[32], body[300];
        snprintf (id, sizeof (id), "h-%d", i);
        snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"%s\"%s%s%s}",
                  i, unit, manager? ",\"managerId\":\"": "", manager? manager: "",
                  manager? "\"": "");
        d_event (f, id, when, body);
    }
}

//  A steady trickle of tenured voluntary exits in eng, two a month from
//  March 2022, emitted in event-time order up to (not including) the month
//  given as months since January 2022.
typedef struct {
    int next;           //  Next month of the trickle, since January 2022
} s_trickle_t;

static void
s_trickle (d_fixture_t *f, s_trickle_t *t, int until)
{
    for (; t->next < until; t->next++) {
        if (t->next < 2)
            continue;
        for (int k = 0; k < 2; k++) {
            char when[40];
            snprintf (when, sizeof (when), "%d-%02d-%02dT00:00:00Z", 2022 + t->next / 12,
                      t->next % 12 + 1, k? 25: 12);
            s_exit (f, 100 + 2 * (t->next - 2) + k, when, VOL);
        }
    }
}

#define S_MONTH(y, m) (((y) - 2022) * 12 + (m) - 1)

//  acme has ops, with wh under it, and eng (200 people, a tenth of them
//  leaving a year); E-900 and E-901 manage in wh, E-902 in eng.
static void
s_company (d_fixture_t *f)
{
    d_org (f);
    s_hire (f, "wh", 900, 2, "2022-01-01T12:00:00Z", NULL);
    s_hire (f, "eng", 902, 1, "2022-01-01T12:00:00Z", NULL);
    s_hire (f, "eng", 100, 200, "2022-01-02T00:00:00Z", "E-902");
}

//  Counts the state changes (updates aside) of a fingerprint since cursor
//  to state what ("firing" or "resolved"), the first of them into *first.
static int
s_changes (d_fixture_t *f, size_t cursor, const char *fingerprint, const char *what,
           const d_seen_t **first)
{
    int want = strcmp (what, "resolved")? HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING
                                         : HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
    int n = 0;
    for (size_t i = cursor; i < f->n_seen; i++)
        if (!f->seen[i].update && !strcmp (f->seen[i].fingerprint, fingerprint)
            && f->seen[i].state == want) {
            if (!n && first)
                *first = &f->seen[i];
            n++;
        }
    return n;
}

//  Changes of the new kinds since cursor.
static int
s_new_kinds (d_fixture_t *f, size_t cursor)
{
    int n = 0;
    for (size_t i = cursor; i < f->n_seen; i++)
        n += !f->seen[i].update && (!strncmp (f->seen[i].fingerprint, "early_tenure_exits/", 19)
                                    || !strncmp (f->seen[i].fingerprint, "manager_hotspot/", 16));
    return n;
}

// ---------------------------------------------------------------------------
// Early-tenure exits

//  Three people hired in wh leave within six weeks; the rest of the company
//  lost only people of long standing.
static void
test_early_tenure_fires_at_the_minimum_count (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_trickle (f, &t, S_MONTH (2024, 6));
    s_hire (f, "wh", 1, 3, "2024-06-01T00:00:00Z", NULL);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-07-01T00:00:00Z", VOL);
    s_exit (f, 2, "2024-07-05T00:00:00Z", VOL);
    assert_int_equal (s_new_kinds (f, at), 0);
    s_exit (f, 3, "2024-07-10T00:00:00Z", VOL);
    d_expect (f, &at, "early_tenure_exits/wh", "firing", "x-3",
              "3 of 3 voluntary exits in wh in the last 180 days came within 90 days of hire "
              "(100%, company 2%)");
    d_expect (f, &at, "early_tenure_exits/ops", "firing", "x-3", NULL);
    //  Not acme: it is the whole company, with nothing to compare it to.
    d_expect_nothing_more (f, at);
    //  Never who left.
    assert_null (strstr (f->seen[at - 1].summary, "E-"));
}

//  With a threshold any two early exits would pass, the minimum count
//  still holds it back until the third.
static void
test_early_tenure_silent_below_the_minimum_count (void **state)
{
    d_fixture_t *f = *state;
    hrw_detect_opts_t o;
    hrw_detect_defaults (&o);
    o.early_tenure_alpha = 0.4;
    hrw_detect_set_opts (hrw_engine_detect (f->engine), &o);
    s_trickle_t t = { 0 };
    s_company (f);
    s_trickle (f, &t, S_MONTH (2024, 6));
    s_hire (f, "wh", 1, 3, "2024-06-01T00:00:00Z", NULL);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-07-01T00:00:00Z", VOL);
    s_exit (f, 2, "2024-07-05T00:00:00Z", VOL);
    assert_int_equal (s_new_kinds (f, at), 0);
    s_exit (f, 3, "2024-07-10T00:00:00Z", VOL);
    assert_int_equal (s_changes (f, at, "early_tenure_exits/wh", "firing", NULL), 1);
}

//  When people leave early all over the company, a unit where they do too
//  is not singled out.
static void
test_early_tenure_silent_when_the_company_is_the_same (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_trickle (f, &t, S_MONTH (2024, 1));
    //  Thirty people hired in eng in January 2024 all leave within two months.
    s_hire (f, "eng", 500, 30, "2024-01-03T00:00:00Z", "E-902");
    for (int i = 0; i < 30; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-02-%02dT00:00:00Z", 1 + i % 28);
        s_exit (f, 500 + i, when, VOL);
    }
    s_trickle (f, &t, S_MONTH (2024, 6));
    s_hire (f, "wh", 1, 3, "2024-06-01T00:00:00Z", NULL);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-07-01T00:00:00Z", VOL);
    s_exit (f, 2, "2024-07-05T00:00:00Z", VOL);
    s_exit (f, 3, "2024-07-10T00:00:00Z", VOL);
    assert_int_equal (s_new_kinds (f, at), 0);
}

//  People let go in their first weeks are not early leavers; the voluntary
//  exits after them are counted on their own.
static void
test_early_tenure_involuntary_exits_are_not_counted (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_trickle (f, &t, S_MONTH (2024, 6));
    s_hire (f, "wh", 1, 6, "2024-06-01T00:00:00Z", NULL);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-06-20T00:00:00Z", INVOL);
    s_exit (f, 2, "2024-06-21T00:00:00Z", INVOL);
    s_exit (f, 3, "2024-06-22T00:00:00Z", INVOL);
    s_exit (f, 4, "2024-06-23T00:00:00Z", VOL ",\"reductionInForce\":true");
    assert_int_equal (s_new_kinds (f, at), 0);
    s_exit (f, 5, "2024-07-01T00:00:00Z", VOL);
    s_exit (f, 6, "2024-07-02T00:00:00Z", VOL);
    assert_int_equal (s_new_kinds (f, at), 0);
}

//  Nothing happens in wh after the alert: the day sweep resolves it when
//  the first of the early exits leaves the 180-day window.
static void
test_early_tenure_resolves_by_the_sweep (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_trickle (f, &t, S_MONTH (2024, 6));
    s_hire (f, "wh", 1, 3, "2024-06-01T00:00:00Z", NULL);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-07-01T00:00:00Z", VOL);
    s_exit (f, 2, "2024-07-05T00:00:00Z", VOL);
    s_exit (f, 3, "2024-07-10T00:00:00Z", VOL);
    assert_int_equal (s_changes (f, at, "early_tenure_exits/wh", "firing", NULL), 1);
    s_trickle (f, &t, S_MONTH (2024, 12));
    assert_int_equal (s_changes (f, at, "early_tenure_exits/wh", "resolved", NULL), 0);
    d_advance (f, "2025-01-15T00:00:00Z");
    const d_seen_t *r = NULL;
    assert_int_equal (s_changes (f, at, "early_tenure_exits/wh", "resolved", &r), 1);
    assert_string_equal (r->trigger, "");
    assert_string_equal (r->changed, "2024-12-28T00:00:00Z");
    assert_int_equal (s_changes (f, at, "early_tenure_exits/ops", "resolved", NULL), 1);
}

//  A reload that raises the minimum count above what the window holds
//  resolves the firing alerts at once, at the clock's time.
static void
test_early_tenure_reload_rejudges_the_firing_alerts (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_trickle (f, &t, S_MONTH (2024, 6));
    s_hire (f, "wh", 1, 3, "2024-06-01T00:00:00Z", NULL);
    s_exit (f, 1, "2024-07-01T00:00:00Z", VOL);
    s_exit (f, 2, "2024-07-05T00:00:00Z", VOL);
    s_exit (f, 3, "2024-07-10T00:00:00Z", VOL);
    assert_int_equal (s_changes (f, 0, "early_tenure_exits/wh", "firing", NULL), 1);
    hrw_engine_opts_t eo = *hrw_engine_opts (f->engine);
    eo.detect.early_tenure_min_exits = 4;
    hrw_engine_set_opts (f->engine, &eo);
    assert_int_equal (hrw_engine_begin (f->engine, 0), 0);
    assert_int_equal (hrw_engine_reevaluate (f->engine), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    hrw_alerts_t *alerts = hrw_engine_alerts (f->engine);
    int resolved = 0;
    for (size_t i = 0; i < hrw_alerts_queued (alerts); i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, p.len, p.data);
        assert_non_null (a);
        resolved += a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED
                 && (!strcmp (a->fingerprint, "early_tenure_exits/wh")
                     || !strcmp (a->fingerprint, "early_tenure_exits/ops"));
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
    hrw_alerts_clear_queue (alerts);
    assert_int_equal (resolved, 2);
}

// ---------------------------------------------------------------------------
// Manager hotspot

//  E-900 manages E-1..E-10 in wh, E-901 E-11..E-30; in May 2024 E-11..E-20
//  move to E-900 (same unit) and then eight of them leave: the exits are
//  E-900's, not E-901's, who managed them for two years.
static void
test_manager_hotspot_follows_the_report_to_the_new_manager (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_hire (f, "wh", 1, 10, "2022-01-03T00:00:00Z", "E-900");
    s_hire (f, "wh", 11, 20, "2022-01-03T00:00:00Z", "E-901");
    s_trickle (f, &t, S_MONTH (2024, 5));
    for (int i = 11; i <= 20; i++) {
        char id[32], body[200];
        snprintf (id, sizeof (id), "tr-%d", i);
        snprintf (body, sizeof (body), "\"transfer\":{\"employeeId\":\"E-%d\",\"newUnitId\":"
                  "\"wh\",\"newManagerId\":\"E-900\"}", i);
        d_event (f, id, "2024-05-02T00:00:00Z", body);
    }
    s_trickle (f, &t, S_MONTH (2024, 6));
    size_t at = f->n_seen;
    for (int i = 0; i < 8; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-06-%02dT00:00:00Z", 1 + 3 * i);
        s_exit (f, 11 + i, when, VOL);
    }
    const d_seen_t *fired = NULL;
    assert_int_equal (s_changes (f, at, "manager_hotspot/E-900", "firing", &fired), 1);
    if (!strstr (fired->summary, "of E-900's direct reports left voluntarily in 180 days"))
        fail_msg ("summary '%s'", fired->summary);
    //  The ten moved count among E-900's reports from the transfer on: 20
    //  at the last exit, less the eight who left.
    const d_seen_t *last = NULL;
    for (size_t i = at; i < f->n_seen; i++)
        if (!strcmp (f->seen[i].fingerprint, "manager_hotspot/E-900"))
            last = &f->seen[i];
    if (!strstr (last->summary, "; 12 reports now"))
        fail_msg ("summary '%s'", last->summary);
    for (int i = 11; i <= 18; i++) {
        char who[16];
        snprintf (who, sizeof (who), "E-%d", i);
        assert_null (strstr (fired->summary, who));
    }
    //  The peer in the same unit says nothing.
    assert_int_equal (s_changes (f, at, "manager_hotspot/E-901", "firing", NULL), 0);
    //  Nothing more in wh for half a year: it resolves by the sweep.
    s_trickle (f, &t, S_MONTH (2025, 1));
    d_advance (f, "2025-01-15T00:00:00Z");
    const d_seen_t *r = NULL;
    assert_int_equal (s_changes (f, at, "manager_hotspot/E-900", "resolved", &r), 1);
    assert_string_equal (r->trigger, "");
    assert_int_equal (s_changes (f, at, "manager_hotspot/E-901", "firing", NULL), 0);
}

//  The same exits with no transfer: they are E-901's.
static void
test_manager_hotspot_stays_with_the_manager_without_a_transfer (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_hire (f, "wh", 1, 10, "2022-01-03T00:00:00Z", "E-900");
    s_hire (f, "wh", 11, 20, "2022-01-03T00:00:00Z", "E-901");
    s_trickle (f, &t, S_MONTH (2024, 5));
    //  A transfer that names no manager keeps the one they had.
    d_event (f, "tr-11", "2024-05-02T00:00:00Z",
             "\"transfer\":{\"employeeId\":\"E-11\",\"newUnitId\":\"wh\"}");
    s_trickle (f, &t, S_MONTH (2024, 6));
    size_t at = f->n_seen;
    for (int i = 0; i < 8; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-06-%02dT00:00:00Z", 1 + 3 * i);
        s_exit (f, 11 + i, when, VOL);
    }
    assert_int_equal (s_changes (f, at, "manager_hotspot/E-901", "firing", NULL), 1);
    assert_int_equal (s_changes (f, at, "manager_hotspot/E-900", "firing", NULL), 0);
}

//  Three of a manager's people let go or laid off are not a hotspot.
static void
test_manager_hotspot_counts_voluntary_exits_only (void **state)
{
    d_fixture_t *f = *state;
    s_trickle_t t = { 0 };
    s_company (f);
    s_hire (f, "wh", 1, 10, "2022-01-03T00:00:00Z", "E-900");
    s_trickle (f, &t, S_MONTH (2024, 6));
    size_t at = f->n_seen;
    for (int i = 0; i < 6; i++) {
        char when[40];
        snprintf (when, sizeof (when), "2024-06-%02dT00:00:00Z", 1 + 3 * i);
        s_exit (f, 1 + i, when, i % 2? INVOL: VOL ",\"reductionInForce\":true");
    }
    assert_int_equal (s_new_kinds (f, at), 0);
}

// ---------------------------------------------------------------------------
// Replay order

//  Both families' history as one list of events.
static int
s_history (char lines[][300], int max)
{
    int n = 0;
    const char *units[][2] = { { "acme", "" }, { "ops", "acme" }, { "wh", "ops" },
                               { "eng", "acme" } };
    for (int u = 0; u < 4; u++)
        snprintf (lines[n++], 300, "u%d|2022-01-01T00:00:0%dZ|\"orgUnitDefined\":{\"unitId\":"
                  "\"%s\",\"parentId\":\"%s\"}", u, u, units[u][0], units[u][1]);
    for (int i = 900; i <= 902; i++)
        snprintf (lines[n++], 300, "h%d|2022-01-01T12:00:00Z|\"hire\":{\"employeeId\":\"E-%d\","
                  "\"unitId\":\"%s\"}", i, i, i < 902? "wh": "eng");
    for (int i = 1; i <= 30; i++)
        snprintf (lines[n++], 300, "h%d|2022-01-02T00:%02d:00Z|\"hire\":{\"employeeId\":\"E-%d\","
                  "\"unitId\":\"wh\",\"managerId\":\"%s\"}", i, i, i, i <= 10? "E-900": "E-901");
    for (int i = 100; i < 160; i++)
        snprintf (lines[n++], 300, "h%d|2022-01-03T00:00:%02dZ|\"hire\":{\"employeeId\":\"E-%d\","
                  "\"unitId\":\"eng\",\"managerId\":\"E-902\"}", i, i - 100, i);
    //  A trickle in eng for two and a half years.
    for (int i = 0; i < 60; i++)
        snprintf (lines[n++], 300, "b%d|%d-%02d-%02dT00:00:00Z|\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", i, 2022 + (i / 2 + 2) / 12,
                  (i / 2 + 2) % 12 + 1, i % 2? 25: 12, 100 + i);
    //  Ten of E-901's people move to E-900; eight of them leave.
    for (int i = 11; i <= 20; i++)
        snprintf (lines[n++], 300, "t%d|2024-05-02T00:00:%02dZ|\"transfer\":{\"employeeId\":"
                  "\"E-%d\",\"newUnitId\":\"wh\",\"newManagerId\":\"E-900\"}", i, i, i);
    for (int i = 0; i < 8; i++)
        snprintf (lines[n++], 300, "x%d|2024-06-%02dT00:00:00Z|\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", 11 + i, 1 + 3 * i, 11 + i);
    //  Four hires in ops leave within weeks.
    for (int i = 40; i < 44; i++) {
        snprintf (lines[n++], 300, "h%d|2024-06-02T00:00:00Z|\"hire\":{\"employeeId\":\"E-%d\","
                  "\"unitId\":\"ops\"}", i, i);
        snprintf (lines[n++], 300, "x%d|2024-07-%02dT00:00:00Z|\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", i, i - 26, i);
    }
    assert_true (n <= max);
    return n;
}

static void
s_run_history (d_fixture_t *f, char lines[][300], int n, const int *order)
{
    for (int i = 0; i < n; i++) {
        char copy[300];
        snprintf (copy, sizeof (copy), "%s", lines[order[i]]);
        char *id = strtok (copy, "|"), *when = strtok (NULL, "|"), *body = strtok (NULL, "");
        d_event (f, id, when, body);
    }
}

static void
test_shuffled_replay_gives_the_same_alerts (void **state)
{
    d_fixture_t *f = *state;
    static char lines[220][300];
    int n = s_history (lines, 220), order[220];
    for (int i = 0; i < n; i++)
        order[i] = i;
    //  In event-time order first (an insertion sort on the time field).
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp (strchr (lines[order[j - 1]], '|'),
                                         strchr (lines[order[j]], '|')) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    s_run_history (f, lines, n, order);
    d_advance (f, "2025-06-01T00:00:00Z");
    assert_int_equal (s_changes (f, 0, "manager_hotspot/E-900", "firing", NULL), 1);
    assert_int_equal (s_changes (f, 0, "manager_hotspot/E-900", "resolved", NULL), 1);
    assert_int_equal (s_changes (f, 0, "early_tenure_exits/ops", "firing", NULL), 1);
    assert_int_equal (s_changes (f, 0, "early_tenure_exits/ops", "resolved", NULL), 1);

    d_fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    d_open (g, 100LL * 365 * 86400 * HRW_US_PER_SEC);
    uint64_t rng = 11;
    for (int i = n - 1; i > 0; i--) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int j = (int) ((rng >> 33) % (uint64_t) (i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    s_run_history (g, lines, n, order);
    assert_int_equal (g->n_seen, 0);
    d_advance (g, "2025-06-01T00:00:00Z");
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
        assert_string_equal (g->seen[j].changed, f->seen[i].changed);
        assert_string_equal (g->seen[j].trigger, f->seen[i].trigger);
        assert_string_equal (g->seen[j].summary, f->seen[i].summary);
    }
    assert_int_equal (i, f->n_seen);
    assert_int_equal (j, g->n_seen);
    d_teardown ((void **) &g);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_early_tenure_fires_at_the_minimum_count, d_setup,
                                         d_teardown),
        cmocka_unit_test_setup_teardown (test_early_tenure_silent_below_the_minimum_count,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_early_tenure_silent_when_the_company_is_the_same,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_early_tenure_involuntary_exits_are_not_counted,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_early_tenure_resolves_by_the_sweep, d_setup,
                                         d_teardown),
        cmocka_unit_test_setup_teardown (test_early_tenure_reload_rejudges_the_firing_alerts,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (
            test_manager_hotspot_follows_the_report_to_the_new_manager, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (
            test_manager_hotspot_stays_with_the_manager_without_a_transfer, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_manager_hotspot_counts_voluntary_exits_only,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_shuffled_replay_gives_the_same_alerts, d_setup,
                                         d_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
