/*  Scenario tests for the engagement detectors (survey cycles, engagement
    and eNPS drops), through the engine on a real LMDB store: a cycle
    decides once, when it closes; noise stays quiet across many units. */
#include "detect_fixture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/stats.h"

static void
s_responses (d_fixture_t *f, const char *unit, const char *cycle, const char *when,
             const int *scores, int n, int enps_base)
{
    for (int i = 0; i < n; i++) {
        char id[64], body[300];
        snprintf (id, sizeof (id), "s-%s-%s-%d", unit, when, i);
        snprintf (body, sizeof (body), "\"surveyResponse\":{\"surveyCycleId\":\"%s\",\"unitId\":"
                  "\"%s\",\"engagement\":%d,\"enps\":%d}", cycle, unit, scores[i],
                  enps_base + (i % 3));
        d_event (f, id, when, body);
    }
}

static void
s_close_cycle (d_fixture_t *f, const char *id, const char *when, const char *cycle,
               const char *unit)
{
    char body[200];
    snprintf (body, sizeof (body), "\"surveyCycleClosed\":{\"surveyCycleId\":\"%s\","
              "\"unitId\":\"%s\"}", cycle, unit);
    d_event (f, id, when, body);
}

//  Answers arriving one by one say nothing while the cycle is open; the
//  close decides once, against the previous closed cycle.
static void
test_engagement_open_cycle_is_silent_and_a_close_decides_once (void **state)
{
    d_fixture_t *f = *state;
    static const int high[] = { 4, 5, 4, 4, 5, 4, 4, 5, 4, 4 };
    static const int low[] = { 3, 2, 3, 3, 2, 3, 3, 2, 3, 3 };
    size_t at = 0;
    s_responses (f, "ops", "2024-Q1", "2024-02-15T00:00:00Z", high, 10, 8);
    s_responses (f, "tiny", "2024-Q1", "2024-02-15T00:00:00Z", high, 3, 8);
    s_close_cycle (f, "close-q1", "2024-03-01T00:00:00Z", "2024-Q1", "");
    d_expect_nothing_more (f, at);
    //  A 3-person team's drop is never reported; ops's is not while open.
    s_responses (f, "tiny", "2024-Q2", "2024-05-15T00:00:00Z", low, 3, 2);
    s_responses (f, "ops", "2024-Q2", "2024-05-15T00:00:00Z", low, 10, 2);
    d_expect_nothing_more (f, at);
    s_close_cycle (f, "close-q2", "2024-05-20T00:00:00Z", "2024-Q2", "");
    d_expect (f, &at, "engagement_drop/ops/2024-Q2", "firing", "close-q2",
              "engagement 2.70 against 4.30");
    //  Each of the unit's tests is judged at the family's level, not
    //  against the unit's own (far smaller) combined p-value.
    assert_non_null (strstr (f->seen[at - 1].summary, "both drops hold"));
    d_expect_nothing_more (f, at);
    //  Closing again, or for one unit, decides nothing more.
    s_close_cycle (f, "close-q2-again", "2024-05-21T00:00:00Z", "2024-Q2", "");
    s_close_cycle (f, "close-q2-ops", "2024-05-22T00:00:00Z", "2024-Q2", "ops");
    d_expect_nothing_more (f, at);
    //  The next cycle's answers do not resolve it; its close does.
    s_responses (f, "ops", "2024-Q3", "2024-08-15T00:00:00Z", high, 10, 8);
    d_expect_nothing_more (f, at);
    s_close_cycle (f, "close-q3", "2024-08-20T00:00:00Z", "2024-Q3", "");
    d_expect (f, &at, "engagement_drop/ops/2024-Q2", "resolved", "close-q3",
              "superseded by cycle 2024-Q3, closed without a drop");
    d_expect_nothing_more (f, at);
}

//  The baseline pools the unit's earlier closed cycles (each with enough
//  answers to be shown), and a reported drop becomes the new level: the
//  next cycle at the same low level is no new drop, and ends the alert.
static void
test_engagement_baseline_pools_cycles_and_a_drop_is_the_new_level (void **state)
{
    d_fixture_t *f = *state;
    static const int high[] = { 4, 5, 4, 4, 5, 4, 4, 5, 4, 4 };
    static const int low[] = { 3, 2, 3, 3, 2, 3, 3, 2, 3, 3 };
    size_t at = 0;
    s_responses (f, "ops", "2024-Q1", "2024-02-15T00:00:00Z", high, 10, 8);
    s_close_cycle (f, "close-q1", "2024-03-01T00:00:00Z", "2024-Q1", "");
    s_responses (f, "ops", "2024-Q2", "2024-05-15T00:00:00Z", low, 3, 2);  //  Too few
    s_close_cycle (f, "close-q2", "2024-06-01T00:00:00Z", "2024-Q2", "");
    s_responses (f, "ops", "2024-Q3", "2024-08-15T00:00:00Z", high, 10, 8);
    s_close_cycle (f, "close-q3", "2024-09-01T00:00:00Z", "2024-Q3", "");
    d_expect_nothing_more (f, at);
    s_responses (f, "ops", "2024-Q4", "2024-11-15T00:00:00Z", low, 10, 2);
    s_close_cycle (f, "close-q4", "2024-12-01T00:00:00Z", "2024-Q4", "");
    d_expect (f, &at, "engagement_drop/ops/2024-Q4", "firing", "close-q4",
              "engagement 2.70 against 4.30 in 2 cycles to 2024-Q3");
    d_expect_nothing_more (f, at);
    //  Against Q1, Q3 and Q4 pooled (3.77) this would be a drop again.
    s_responses (f, "ops", "2025-Q1", "2025-02-15T00:00:00Z", low, 10, 2);
    s_close_cycle (f, "close-q5", "2025-03-01T00:00:00Z", "2025-Q1", "");
    d_expect (f, &at, "engagement_drop/ops/2024-Q4", "resolved", "close-q5",
              "superseded by cycle 2025-Q1, closed without a drop");
    d_expect_nothing_more (f, at);
}

//  A cycle nobody closes closes by itself at the first midnight at least
//  survey_close_days (21) after its first answer; an answer after that is
//  counted as late and changes nothing.
static void
test_engagement_auto_close_and_late_responses (void **state)
{
    d_fixture_t *f = *state;
    static const int high[] = { 4, 5, 4, 4, 5, 4, 4, 5, 4, 4 };
    static const int low[] = { 3, 2, 3, 3, 2, 3, 3, 2, 3, 3 };
    size_t at = 0;
    s_responses (f, "ops", "2024-Q1", "2024-02-15T10:00:00Z", high, 10, 8);
    s_responses (f, "ops", "2024-Q2", "2024-05-15T10:00:00Z", low, 10, 2);
    d_advance (f, "2024-06-05T00:00:00Z");
    d_expect_nothing_more (f, at);     //  21 days after 15 May 10:00 is not yet
    d_advance (f, "2024-06-06T00:00:00Z");
    d_expect (f, &at, "engagement_drop/ops/2024-Q2", "firing", "", "engagement 2.70 against 4.30");
    assert_string_equal (f->seen[at - 1].changed, "2024-06-06T00:00:00Z");
    hrw_cycle_unit_t st;
    hrw_survey_info_t before, after;
    assert_int_equal (hrw_store_survey (f->store, "ops", "2024-Q2", &before), 0);
    s_responses (f, "ops", "2024-Q2", "2024-06-07T00:00:00Z", high, 2, 10);
    d_expect_nothing_more (f, at);
    assert_int_equal (hrw_store_survey (f->store, "ops", "2024-Q2", &after), 0);
    assert_memory_equal (&before, &after, sizeof (before));
    assert_int_equal (hrw_store_survey_state (f->store, "ops", "2024-Q2", &st), 0);
    assert_int_equal (st.late, 2);
}

//  A deterministic generator for survey answers.
static uint32_t
s_rand (uint64_t *rng, uint32_t n)
{
    *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t) ((*rng >> 33) % n);
}

//  One unit's answers for a cycle: engagement from the weights given
//  (per mille, for 1..5), eNPS 0-10 near the engagement.
static void
s_noisy (d_fixture_t *f, const char *unit, const char *cycle, const char *when, int n,
         const int *weights, uint64_t *rng)
{
    for (int i = 0; i < n; i++) {
        int r = (int) s_rand (rng, 1000), score = 1;
        for (int acc = weights[0]; score < 5 && r >= acc; acc += weights[score++])
            ;
        int enps = score * 2 - 1 + (int) s_rand (rng, 3);
        char id[96], body[300];
        snprintf (id, sizeof (id), "n-%s-%s-%d", unit, cycle, i);
        snprintf (body, sizeof (body), "\"surveyResponse\":{\"surveyCycleId\":\"%s\",\"unitId\":"
                  "\"%s\",\"engagement\":%d,\"enps\":%d}", cycle, unit, score,
                  enps > 10? 10: enps);
        d_event (f, id, when, body);
    }
}

//  Forty units answer two cycles from the same distribution; one 40-person
//  unit really drops by half a point. Tested one by one at p < 0.05 some
//  noise units would alert; with the false discovery rate controlled
//  across the cycle's units only the real drop does.
static void
test_engagement_fdr_keeps_noise_quiet_and_a_real_drop_fires (void **state)
{
    d_fixture_t *f = *state;
    static const int usual[] = { 30, 70, 200, 400, 300 };
    uint64_t rng = 42;
    //  Some 5,000 answers: more room than the other tests need.
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    hrw_store_opts_t o = { .path = f->dir, .map_size = 64 << 20, .max_map_size = 0,
                           .rejected_keep = 100 };
    assert_int_equal (hrw_store_open (&o, &f->store), 0);
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = 1;
    f->engine = hrw_engine_new (f->store, &eo);
    assert_non_null (f->engine);
    int would_fire_alone = 0;
    //  The real drop: 4.5 to 4.0 in 40 people.
    int before[40], after[40];
    for (int i = 0; i < 40; i++) {
        before[i] = i % 2? 5: 4;
        after[i] = i < 5? 3: i < 35? 4: 5;
    }
    for (int c = 0; c < 2; c++) {
        const char *cycle = c? "2024-Q2": "2024-Q1";
        const char *when = c? "2024-05-15T00:00:00Z": "2024-02-15T00:00:00Z";
        for (int u = 0; u < 40; u++) {
            char unit[16];
            snprintf (unit, sizeof (unit), "t%02d", u);
            s_noisy (f, unit, cycle, when, 20 + (u % 5) * 5, usual, &rng);
        }
        s_responses (f, "wh", cycle, when, c? after: before, 40, 8);
        if (!c)
            s_close_cycle (f, "close-q1", "2024-03-01T00:00:00Z", "2024-Q1", "");
    }
    for (int u = 0; u < 40; u++) {
        char unit[16];
        snprintf (unit, sizeof (unit), "t%02d", u);
        hrw_survey_info_t a, b;
        assert_int_equal (hrw_store_survey (f->store, unit, "2024-Q1", &a), 0);
        assert_int_equal (hrw_store_survey (f->store, unit, "2024-Q2", &b), 0);
        hrw_sample_t sa = hrw_stats_from_histogram (a.engagement, 5, 1);
        hrw_sample_t sb = hrw_stats_from_histogram (b.engagement, 5, 1);
        would_fire_alone += sa.mean - sb.mean >= 0.3 && hrw_stats_welch_drop (sa, sb, NULL, NULL)
                                                        < 0.05;
    }
    size_t at = f->n_seen;
    assert_int_equal (at, 0);
    s_close_cycle (f, "close-q2", "2024-06-01T00:00:00Z", "2024-Q2", "");
    assert_true (would_fire_alone >= 1);
    d_expect (f, &at, "engagement_drop/wh/2024-Q2", "firing", "close-q2",
              "engagement 4.00 against 4.50");
    d_expect_nothing_more (f, at);
}

//  eNPS is tested on promoter and detractor shares: 30 people going from
//  50% promoters / 10% detractors (+40) to 20% / 30% (-10) is a real drop
//  even though their engagement scores do not move.
static void
test_engagement_enps_drop_on_proportions (void **state)
{
    d_fixture_t *f = *state;
    size_t at = 0;
    static const int steady[] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
                                  4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 };
    for (int c = 0; c < 2; c++) {
        const char *cycle = c? "2024-Q2": "2024-Q1";
        const char *when = c? "2024-05-15T00:00:00Z": "2024-02-15T00:00:00Z";
        int promoters = c? 6: 15, detractors = c? 9: 3;
        for (int i = 0; i < 30; i++) {
            char id[64], body[300];
            int nps = i < promoters? 9: i < promoters + detractors? 5: 8;
            snprintf (id, sizeof (id), "e-%d-%d", c, i);
            snprintf (body, sizeof (body), "\"surveyResponse\":{\"surveyCycleId\":\"%s\","
                      "\"unitId\":\"ops\",\"engagement\":%d,\"enps\":%d}", cycle, steady[i], nps);
            d_event (f, id, when, body);
        }
    }
    s_close_cycle (f, "close-q1", "2024-03-01T00:00:00Z", "2024-Q1", "");
    s_close_cycle (f, "close-q2", "2024-06-01T00:00:00Z", "2024-Q2", "");
    d_expect (f, &at, "engagement_drop/ops/2024-Q2", "firing", "close-q2",
              "eNPS -10 against +40");
    d_expect_nothing_more (f, at);
    //  The z-test itself: NPS variance (p + d - (p - d)^2) / n per side.
    double z;
    double p = hrw_stats_nps_drop (15, 3, 30, 6, 9, 30, &z);
    double va = (0.5 + 0.1 - 0.16) / 30, vb = (0.2 + 0.3 - 0.01) / 30;
    assert_true (fabs (z - 0.5 / sqrt (va + vb)) < 1e-9);
    assert_true (fabs (p - 0.5 * erfc (z / sqrt (2.0))) < 1e-12);
    assert_true (p < 0.01);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (
            test_engagement_open_cycle_is_silent_and_a_close_decides_once, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (
            test_engagement_baseline_pools_cycles_and_a_drop_is_the_new_level, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_engagement_auto_close_and_late_responses,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (
            test_engagement_fdr_keeps_noise_quiet_and_a_real_drop_fires, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_engagement_enps_drop_on_proportions,
                                         d_setup, d_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
