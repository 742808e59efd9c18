/*  Scenario tests for successor development (a successor without a mentor,
    development stalled) and succession at risk, through the engine on a
    real LMDB store: each alert fires on the day or event it should, with no
    event at all when time alone brings it due, and resolves on the event
    that ends it; replayed in another order, the alerts are the same. */
#include "detect_fixture.h"

#include "lib/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The kind the next expectations are about: changes of other kinds (the
//  succession gaps the same events open) are passed over.
static const char *s_only = "";

static void
s_skip (d_fixture_t *f, size_t *at)
{
    while (*at < f->n_seen && (f->seen[*at].update
                               || strncmp (f->seen[*at].fingerprint, s_only, strlen (s_only))))
        (*at)++;
}

static void
s_expect (d_fixture_t *f, size_t *at, const char *fingerprint, const char *what,
          const char *trigger, const char *summary_has)
{
    s_skip (f, at);
    d_expect (f, at, fingerprint, what, trigger, summary_has);
}

static void
s_nothing_more (d_fixture_t *f, size_t at)
{
    s_skip (f, &at);
    if (at < f->n_seen)
        fail_msg ("unexpected: %s (%s)", f->seen[at].fingerprint, f->seen[at].summary);
}

#define ORG "\"orgUnitDefined\":{\"unitId\":\"ops\"}"
#define HIRE(e) "\"hire\":{\"employeeId\":\"" e "\",\"unitId\":\"ops\"}"
#define CRIT(p) "\"positionDefined\":{\"positionId\":\"" p "\",\"unitId\":\"ops\"," \
                "\"title\":\"Head\",\"critical\":true,\"incumbentId\":\"E-1\"}"
#define NOM(p, e, r) "\"successorNominated\":{\"positionId\":\"" p "\",\"employeeId\":\"" e \
                     "\",\"readiness\":\"READINESS_" r "\"}"
#define WITHDRAW(p, e) "\"successorWithdrawn\":{\"positionId\":\"" p "\",\"employeeId\":\"" e "\"}"
#define MENTOR(m, e) "\"mentorAssigned\":{\"mentorId\":\"" m "\",\"menteeId\":\"" e "\"}"
#define MENTOR_END(m, e) "\"mentorEnded\":{\"mentorId\":\"" m "\",\"menteeId\":\"" e "\"}"

//  ops with E-1 (incumbent of the critical P-1) and E-2 .. E-9.
static void
s_company (d_fixture_t *f)
{
    d_event (f, "u", "2023-12-01T00:00:00Z", ORG);
    d_hire_many (f, "ops", 1, 9, "2023-12-01T01:00:00Z");
    d_event (f, "p1", "2023-12-02T00:00:00Z", CRIT ("P-1"));
}

static void
s_last_changed (d_fixture_t *f, size_t at, const char *when)
{
    assert_true (at > 0);
    assert_string_equal (f->seen[at - 1].changed, when);
}

//  Nominated ready now at midnight on 1 January 2024: the 90 days are up at
//  midnight on 31 March, and the sweep says so with no event that day.
static void
test_unmentored_fires_on_day_90_by_the_sweep_alone (void **state)
{
    d_fixture_t *f = *state;
    s_only = "successor_unmentored";
    s_company (f);
    size_t at = f->n_seen;
    d_event (f, "n2", "2024-01-01T00:00:00Z", NOM ("P-1", "E-2", "READY_NOW"));
    d_advance (f, "2024-03-30T23:59:59Z");
    s_nothing_more (f, at);
    d_advance (f, "2024-03-31T00:00:00Z");
    s_expect (f, &at, "successor_unmentored/E-2", "firing", "", "P-1 (ready now)");
    s_last_changed (f, at, "2024-03-31T00:00:00Z");
    assert_true (strstr (f->seen[at - 1].summary, "90 days"));
    assert_int_equal (f->seen[at - 1].severity, HRWATCH__V1__SEVERITY__SEVERITY_INFO);
    s_nothing_more (f, at);
    //  Touched again with nothing new (the days alone moved): no update.
    size_t before = f->n_seen;
    d_event (f, "n2b", "2024-04-01T10:00:00Z", NOM ("P-1", "E-2", "READY_NOW"));
    assert_int_equal (f->n_seen, before);
    //  A second role is news: one update, naming both.
    d_event (f, "p2", "2024-04-01T11:00:00Z", CRIT ("P-2"));
    d_event (f, "n2c", "2024-04-01T12:00:00Z", NOM ("P-2", "E-2", "READY_1_2_YEARS"));
    assert_true (f->n_seen > before);
    assert_true (f->seen[f->n_seen - 1].update);
    assert_string_equal (f->seen[f->n_seen - 1].fingerprint, "successor_unmentored/E-2");
    assert_non_null (strstr (f->seen[f->n_seen - 1].summary,
                             "P-1 (ready now), P-2 (ready in 1-2 years)"));
    //  A mentor resolves it; the mentor is never named.
    d_event (f, "m1", "2024-04-02T10:00:00Z", MENTOR ("E-7", "E-2"));
    s_expect (f, &at, "successor_unmentored/E-2", "resolved", "m1", NULL);
    assert_null (strstr (f->seen[at - 1].summary, "E-7"));
    s_nothing_more (f, at);
}

//  An assignment of a pair already active counts once: when that mentor
//  ends, the successor has none, and 90 days later the alert fires again.
static void
test_unmentored_reassigned_pair_counts_once (void **state)
{
    d_fixture_t *f = *state;
    s_only = "successor_unmentored";
    s_company (f);
    size_t at = f->n_seen;
    d_event (f, "m1", "2023-12-20T00:00:00Z", MENTOR ("E-7", "E-2"));
    d_event (f, "n2", "2024-01-01T00:00:00Z", NOM ("P-1", "E-2", "READY_1_2_YEARS"));
    d_event (f, "m1b", "2024-02-01T00:00:00Z", MENTOR ("E-7", "E-2"));
    d_advance (f, "2024-06-01T00:00:00Z");
    s_nothing_more (f, at);
    d_event (f, "e1", "2024-06-10T00:00:00Z", MENTOR_END ("E-7", "E-2"));
    d_advance (f, "2024-09-07T23:00:00Z");
    s_nothing_more (f, at);
    d_advance (f, "2024-09-08T00:00:00Z");
    s_expect (f, &at, "successor_unmentored/E-2", "firing", "", "ready in 1-2 years");
    s_last_changed (f, at, "2024-09-08T00:00:00Z");
    s_nothing_more (f, at);
}

//  A successor for 3+ years is not one the alert is about; a withdrawn
//  nomination, a role no longer critical and an exit each resolve it.
static void
test_unmentored_resolves_when_no_longer_a_successor (void **state)
{
    d_fixture_t *f = *state;
    s_only = "successor_unmentored";
    s_company (f);
    size_t at = f->n_seen;
    d_event (f, "n3", "2024-01-01T00:00:00Z", NOM ("P-1", "E-3", "READY_NOW"));
    d_event (f, "n4", "2024-01-01T00:00:01Z", NOM ("P-1", "E-4", "READY_NOW"));
    d_event (f, "n5", "2024-01-01T00:00:02Z", NOM ("P-1", "E-5", "READY_NOW"));
    d_event (f, "n6", "2024-01-01T00:00:03Z", NOM ("P-1", "E-6", "READY_3_PLUS_YEARS"));
    d_advance (f, "2024-04-01T00:00:00Z");
    s_expect (f, &at, "successor_unmentored/E-3", "firing", "", NULL);
    s_expect (f, &at, "successor_unmentored/E-4", "firing", "", NULL);
    s_expect (f, &at, "successor_unmentored/E-5", "firing", "", NULL);
    s_nothing_more (f, at);
    d_event (f, "w3", "2024-04-02T00:00:00Z", WITHDRAW ("P-1", "E-3"));
    s_expect (f, &at, "successor_unmentored/E-3", "resolved", "w3", "no longer a successor");
    d_event (f, "r4", "2024-04-03T00:00:00Z", NOM ("P-1", "E-4", "READY_3_PLUS_YEARS"));
    s_expect (f, &at, "successor_unmentored/E-4", "resolved", "r4", NULL);
    d_event (f, "x5", "2024-04-04T00:00:00Z", "\"exit\":{\"employeeId\":\"E-5\","
             "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    s_expect (f, &at, "successor_unmentored/E-5", "resolved", "x5", "no longer an employee");
    s_nothing_more (f, at);
    //  Back as a ready-now successor: the days count again from there.
    d_event (f, "n3b", "2024-05-01T12:00:00Z", NOM ("P-1", "E-3", "READY_NOW"));
    d_event (f, "p1n", "2024-06-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"ops\",\"critical\":false,\"incumbentId\":\"E-1\"}");
    d_event (f, "p1c", "2024-06-02T00:00:00Z", CRIT ("P-1"));
    d_advance (f, "2024-08-30T23:00:00Z");
    s_nothing_more (f, at);
    d_advance (f, "2024-08-31T00:00:00Z");
    s_expect (f, &at, "successor_unmentored/E-3", "firing", "", NULL);
    d_event (f, "p1n2", "2024-09-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"ops\",\"critical\":false,\"incumbentId\":\"E-1\"}");
    s_expect (f, &at, "successor_unmentored/E-3", "resolved", "p1n2", NULL);
    s_nothing_more (f, at);
}

//  Readiness unimproved for 365 days: stalled; an improvement starts the
//  count again, and ready now ends it.
static void
test_stalled_after_365_days_improvement_resets (void **state)
{
    d_fixture_t *f = *state;
    s_only = "development_stalled";
    s_company (f);
    size_t at = f->n_seen;
    d_event (f, "n4", "2024-01-01T00:00:00Z", NOM ("P-1", "E-4", "READY_3_PLUS_YEARS"));
    d_event (f, "n5", "2024-01-01T00:00:01Z", NOM ("P-1", "E-5", "READY_3_PLUS_YEARS"));
    //  A readiness that gets worse, or stays, does not reset the count.
    d_event (f, "n4b", "2024-03-01T00:00:00Z", NOM ("P-1", "E-4", "READY_3_PLUS_YEARS"));
    d_event (f, "i5", "2024-06-01T00:00:00Z", NOM ("P-1", "E-5", "READY_1_2_YEARS"));
    d_advance (f, "2024-12-30T23:00:00Z");
    s_nothing_more (f, at);
    d_advance (f, "2024-12-31T00:00:00Z");
    s_expect (f, &at, "development_stalled/E-4", "firing", "", "readiness has not improved for P-1 (ready in 3+ years, 365 days)");
    s_last_changed (f, at, "2024-12-31T00:00:00Z");
    s_nothing_more (f, at);
    d_advance (f, "2025-06-01T00:00:00Z");
    s_expect (f, &at, "development_stalled/E-5", "firing", "", "ready in 1-2 years");
    s_last_changed (f, at, "2025-06-01T00:00:00Z");
    d_event (f, "i4", "2025-06-02T00:00:00Z", NOM ("P-1", "E-4", "READY_1_2_YEARS"));
    s_expect (f, &at, "development_stalled/E-4", "resolved", "i4", NULL);
    d_event (f, "r5", "2025-06-03T00:00:00Z", NOM ("P-1", "E-5", "READY_NOW"));
    s_expect (f, &at, "development_stalled/E-5", "resolved", "r5", NULL);
    d_event (f, "w4", "2025-06-04T00:00:00Z", WITHDRAW ("P-1", "E-4"));
    s_nothing_more (f, at);
    //  Stalled again a year on; a reload with longer days resolves it.
    d_event (f, "n6", "2025-06-05T00:00:00Z", NOM ("P-1", "E-6", "READY_3_PLUS_YEARS"));
    d_advance (f, "2026-06-05T00:00:00Z");
    s_expect (f, &at, "development_stalled/E-6", "firing", "", NULL);
    hrw_detect_opts_t o = hrw_engine_opts (f->engine)->detect;
    o.stale_readiness_days = 400;
    d_reload (f, &o);
    s_expect (f, &at, "development_stalled/E-6", "resolved", "", NULL);
    s_nothing_more (f, at);
}

//  New days on a reload judge everyone with a record at once: shorter
//  fire what is past due, longer resolve what is not yet.
static void
test_unmentored_reload_rejudges_at_once (void **state)
{
    d_fixture_t *f = *state;
    s_only = "successor_unmentored";
    s_company (f);
    size_t at = f->n_seen;
    d_event (f, "n2", "2024-01-01T00:00:00Z", NOM ("P-1", "E-2", "READY_NOW"));
    d_advance (f, "2024-02-15T12:00:00Z");
    s_nothing_more (f, at);
    hrw_detect_opts_t o = hrw_engine_opts (f->engine)->detect;
    o.unmentored_days = 30;
    d_reload (f, &o);
    s_expect (f, &at, "successor_unmentored/E-2", "firing", "", "45 days (at most 30");
    s_last_changed (f, at, "2024-02-15T12:00:00Z");
    o.unmentored_days = 90;
    d_reload (f, &o);
    s_expect (f, &at, "successor_unmentored/E-2", "resolved", "", NULL);
    //  And the due date follows the new days: 31 March again.
    d_advance (f, "2024-03-31T00:00:00Z");
    s_expect (f, &at, "successor_unmentored/E-2", "firing", "", NULL);
    s_last_changed (f, at, "2024-03-31T00:00:00Z");
    s_nothing_more (f, at);
}

//  A spike (the successor's unit, or one above it) and a team of 40: the
//  exits of test_turnover.c's company.
static void
s_spike_company (d_fixture_t *f)
{
    d_org (f);
    d_hire_many (f, "wh", 1, 40, "2022-01-02T00:00:00Z");
    d_hire_many (f, "eng", 100, 200, "2022-01-02T00:00:00Z");
    char when[40], id[16], body[120];
    for (int m = 0; m < 20; m++) {
        snprintf (when, sizeof (when), "%d-%02d-15T00:00:00Z", m < 12? 2023: 2024, m % 12 + 1);
        snprintf (id, sizeof (id), "x-%d", 100 + m);
        snprintf (body, sizeof (body), "\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", 100 + m);
        d_event (f, id, when, body);
    }
    //  P-9 in eng: its only ready-now successor, E-5, is in wh.
    d_event (f, "p9", "2024-09-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-9\","
             "\"unitId\":\"eng\",\"critical\":true,\"incumbentId\":\"E-150\"}");
    d_event (f, "n5", "2024-09-02T00:00:00Z", NOM ("P-9", "E-5", "READY_NOW"));
}

static void
s_exit (d_fixture_t *f, int e, const char *when)
{
    char id[16], body[120];
    snprintf (id, sizeof (id), "x-%d", e);
    snprintf (body, sizeof (body), "\"exit\":{\"employeeId\":\"E-%d\","
              "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", e);
    d_event (f, id, when, body);
}

static void
test_at_risk_follows_the_spike_and_a_second_successor (void **state)
{
    d_fixture_t *f = *state;
    s_only = "succession_at_risk";
    s_spike_company (f);
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-10-01T00:00:00Z");
    s_exit (f, 2, "2024-10-03T00:00:00Z");
    s_nothing_more (f, at);
    s_exit (f, 3, "2024-10-05T00:00:00Z");
    s_expect (f, &at, "succession_at_risk/P-9", "firing", "x-3",
              "P-9's only ready-now successor E-5 is in wh, where a turnover spike is firing");
    s_nothing_more (f, at);
    //  A second ready-now successor (in eng) ends it; withdrawn, it is back.
    d_event (f, "n6", "2024-10-06T00:00:00Z", NOM ("P-9", "E-160", "READY_NOW"));
    s_expect (f, &at, "succession_at_risk/P-9", "resolved", "n6", NULL);
    d_event (f, "w6", "2024-10-07T00:00:00Z", WITHDRAW ("P-9", "E-160"));
    s_expect (f, &at, "succession_at_risk/P-9", "firing", "w6", NULL);
    s_nothing_more (f, at);
    //  The spikes (on wh and on ops above it) resolve as the exits leave
    //  the window: at risk until the last of them has.
    size_t from = f->n_seen;
    d_advance (f, "2024-12-01T00:00:00Z");
    s_expect (f, &at, "succession_at_risk/P-9", "resolved", "", NULL);
    const char *last = NULL;
    for (size_t i = from; i < f->n_seen; i++)
        if (!strncmp (f->seen[i].fingerprint, "turnover_spike/", 15)
            && f->seen[i].state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED)
            last = f->seen[i].changed;
    assert_non_null (last);
    s_last_changed (f, at, last);
    s_nothing_more (f, at);
}

//  Only the spike above the successor's unit: the successor moved to ops
//  (above wh), the spike is on ops too; moving to eng ends it.
static void
test_at_risk_spike_above_the_unit_and_a_transfer (void **state)
{
    d_fixture_t *f = *state;
    s_only = "succession_at_risk";
    s_spike_company (f);
    d_event (f, "t5", "2024-09-03T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-5\","
             "\"newUnitId\":\"ops\"}");
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-10-01T00:00:00Z");
    s_exit (f, 2, "2024-10-03T00:00:00Z");
    s_exit (f, 3, "2024-10-05T00:00:00Z");
    s_expect (f, &at, "succession_at_risk/P-9", "firing", "x-3", "E-5 is in ops");
    d_event (f, "t5b", "2024-10-06T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-5\","
             "\"newUnitId\":\"eng\"}");
    s_expect (f, &at, "succession_at_risk/P-9", "resolved", "t5b", NULL);
    s_nothing_more (f, at);
}

//  Ten answers from ops in a cycle, all score, then the cycle closed.
static void
s_cycle (d_fixture_t *f, const char *cycle, const char *when, const char *closed, int score)
{
    char id[64], body[300];
    for (int i = 0; i < 10; i++) {
        snprintf (id, sizeof (id), "s-%s-%d", cycle, i);
        snprintf (body, sizeof (body), "\"surveyResponse\":{\"surveyCycleId\":\"%s\","
                  "\"unitId\":\"ops\",\"engagement\":%d,\"enps\":%d}", cycle,
                  score - (i % 3 == 0), 2 * score - (i % 3));
        d_event (f, id, when, body);
    }
    snprintf (id, sizeof (id), "close-%s", cycle);
    snprintf (body, sizeof (body), "\"surveyCycleClosed\":{\"surveyCycleId\":\"%s\"}", cycle);
    d_event (f, id, closed, body);
}

//  An engagement drop on the successor's own unit puts the role at risk
//  until the next cycle closes without one.
static void
test_at_risk_follows_an_engagement_drop (void **state)
{
    d_fixture_t *f = *state;
    s_only = "succession_at_risk";
    s_company (f);
    d_event (f, "n2", "2024-01-01T00:00:00Z", NOM ("P-1", "E-2", "READY_NOW"));
    size_t at = f->n_seen;
    s_cycle (f, "2024-Q1", "2024-02-15T00:00:00Z", "2024-03-01T00:00:00Z", 5);
    s_nothing_more (f, at);
    s_cycle (f, "2024-Q2", "2024-05-15T00:00:00Z", "2024-05-20T00:00:00Z", 3);
    s_expect (f, &at, "succession_at_risk/P-1", "firing", "close-2024-Q2",
              "P-1's only ready-now successor E-2 is in ops, where an engagement drop is firing");
    s_cycle (f, "2024-Q3", "2024-08-15T00:00:00Z", "2024-08-20T00:00:00Z", 3);
    s_expect (f, &at, "succession_at_risk/P-1", "resolved", "close-2024-Q3", NULL);
    s_nothing_more (f, at);
}

//  A unit re-parented under a spiking one: its sole successors are at
//  risk from that event on.
static void
test_at_risk_follows_a_unit_moved_under_a_spike (void **state)
{
    d_fixture_t *f = *state;
    s_only = "succession_at_risk";
    s_spike_company (f);
    d_event (f, "u9", "2024-09-03T00:00:00Z",
             "\"orgUnitDefined\":{\"unitId\":\"lab\",\"parentId\":\"acme\"}");
    d_event (f, "t5", "2024-09-04T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-5\","
             "\"newUnitId\":\"lab\"}");
    size_t at = f->n_seen;
    s_exit (f, 1, "2024-10-01T00:00:00Z");
    s_exit (f, 2, "2024-10-03T00:00:00Z");
    s_exit (f, 3, "2024-10-05T00:00:00Z");
    s_nothing_more (f, at);
    d_event (f, "u9b", "2024-10-06T00:00:00Z",
             "\"orgUnitDefined\":{\"unitId\":\"lab\",\"parentId\":\"ops\"}");
    s_expect (f, &at, "succession_at_risk/P-9", "firing", "u9b", "E-5 is in lab, where a "
              "turnover spike is firing (on ops)");
    s_nothing_more (f, at);
}

//  One history: mentors, nominations, improvements, a withdrawal.
static const char *s_history[][3] = {
    { "u", "2023-12-01T00:00:00Z", ORG },
    { "h1", "2023-12-01T01:00:00Z", HIRE ("E-1") },
    { "h2", "2023-12-01T02:00:00Z", HIRE ("E-2") },
    { "h3", "2023-12-01T03:00:00Z", HIRE ("E-3") },
    { "h4", "2023-12-01T04:00:00Z", HIRE ("E-4") },
    { "p1", "2023-12-02T00:00:00Z", CRIT ("P-1") },
    { "n2", "2024-01-01T09:00:00Z", NOM ("P-1", "E-2", "READY_NOW") },
    { "n3", "2024-01-05T09:00:00Z", NOM ("P-1", "E-3", "READY_1_2_YEARS") },
    { "n4", "2024-01-09T09:00:00Z", NOM ("P-1", "E-4", "READY_3_PLUS_YEARS") },
    { "m3", "2024-02-01T09:00:00Z", MENTOR ("E-1", "E-3") },
    { "m3b", "2024-02-15T09:00:00Z", MENTOR ("E-1", "E-3") },
    { "e3", "2024-05-01T09:00:00Z", MENTOR_END ("E-1", "E-3") },
    { "m2", "2024-05-10T09:00:00Z", MENTOR ("E-4", "E-2") },
    { "i4", "2024-09-01T09:00:00Z", NOM ("P-1", "E-4", "READY_1_2_YEARS") },
    { "w3", "2024-10-01T09:00:00Z", WITHDRAW ("P-1", "E-3") },
    { "z", "2025-12-01T09:00:00Z", HIRE ("E-5") },
};

#define S_N_HISTORY (sizeof (s_history) / sizeof (s_history[0]))

//  The same history in event-time order, and shuffled within the allowed
//  lateness: the same alert changes, at the same event times.
static void
test_development_replay_in_another_order_gives_the_same_alerts (void **state)
{
    d_fixture_t *f = *state;
    for (size_t i = 0; i < S_N_HISTORY; i++)
        d_event (f, s_history[i][0], s_history[i][1], s_history[i][2]);
    d_advance (f, "2025-12-01T09:00:00Z");

    d_fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    d_open (g, 800 * 86400LL * HRW_US_PER_SEC);
    //  Newest first, then oldest first for half of them.
    for (size_t i = S_N_HISTORY; i-- > S_N_HISTORY / 2;)
        d_event (g, s_history[i][0], s_history[i][1], s_history[i][2]);
    for (size_t i = 0; i < S_N_HISTORY / 2; i++)
        d_event (g, s_history[i][0], s_history[i][1], s_history[i][2]);
    d_advance (g, "2025-12-01T09:00:00Z");

    size_t mine = 0;
    assert_int_equal (f->n_seen, g->n_seen);
    for (size_t i = 0; i < f->n_seen; i++) {
        assert_string_equal (f->seen[i].fingerprint, g->seen[i].fingerprint);
        assert_int_equal (f->seen[i].state, g->seen[i].state);
        assert_string_equal (f->seen[i].trigger, g->seen[i].trigger);
        assert_string_equal (f->seen[i].changed, g->seen[i].changed);
        assert_string_equal (f->seen[i].summary, g->seen[i].summary);
        mine += !strncmp (f->seen[i].fingerprint, "successor_unmentored", 20)
             || !strncmp (f->seen[i].fingerprint, "development_stalled", 19);
    }
    //  E-3 unmentored (from its mentor's end), E-2 unmentored, E-4 stalled
    //  and improved, E-3 withdrawn: the history says something.
    assert_true (mine >= 4);
    d_teardown ((void **) &g);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_unmentored_fires_on_day_90_by_the_sweep_alone,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_unmentored_reassigned_pair_counts_once, d_setup,
                                         d_teardown),
        cmocka_unit_test_setup_teardown (test_unmentored_resolves_when_no_longer_a_successor,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_unmentored_reload_rejudges_at_once, d_setup,
                                         d_teardown),
        cmocka_unit_test_setup_teardown (test_stalled_after_365_days_improvement_resets,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_at_risk_follows_the_spike_and_a_second_successor,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_at_risk_spike_above_the_unit_and_a_transfer,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_at_risk_follows_an_engagement_drop, d_setup,
                                         d_teardown),
        cmocka_unit_test_setup_teardown (test_at_risk_follows_a_unit_moved_under_a_spike,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (
            test_development_replay_in_another_order_gives_the_same_alerts, d_setup, d_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
