/*  Scenario tests for the succession detectors (succession gap, bench
    strength, successor overlap), through the engine on a real LMDB store:
    each alert fires at the right event and resolves at the right event. */
#include "detect_fixture.h"

#include <stdio.h>
#include <stdlib.h>

static void
test_succession_gap_lifecycle (void **state)
{
    d_fixture_t *f = *state;
    size_t at = 0;
    d_event (f, "u", "2024-01-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"ops\"}");
    d_event (f, "h1", "2024-01-02T00:00:00Z",
             "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\"}");
    d_event (f, "h2", "2024-01-03T00:00:00Z", "\"hire\":{\"employeeId\":\"E-2\",\"unitId\":\"ops\"}");
    d_event (f, "h3", "2024-01-04T00:00:00Z", "\"hire\":{\"employeeId\":\"E-3\",\"unitId\":\"ops\"}");
    d_expect_nothing_more (f, at);
    d_event (f, "p", "2024-02-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"ops\",\"title\":\"Head\",\"critical\":true,\"incumbentId\":\"E-1\"}");
    d_expect (f, &at, "succession_gap/P-1", "firing", "p", "0 ready-now successors");
    d_event (f, "n2", "2024-02-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-2\",\"readiness\":\"READINESS_READY_NOW\"}");
    d_expect (f, &at, "succession_gap/P-1", "resolved", "n2", "E-2 nominated, ready now");
    d_event (f, "x2", "2024-03-01T00:00:00Z", "\"exit\":{\"employeeId\":\"E-2\","
             "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    d_expect (f, &at, "succession_gap/P-1", "firing", "x2", "successor E-2 exited");
    //  A nominee who is not ready now changes nothing anyone needs to hear.
    d_event (f, "n3", "2024-03-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-3\",\"readiness\":\"READINESS_READY_1_2_YEARS\"}");
    d_expect_nothing_more (f, at);
    d_event (f, "x1", "2024-04-01T00:00:00Z", "\"exit\":{\"employeeId\":\"E-1\","
             "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    d_expect (f, &at, "succession_gap/P-1", "critical", "x1", "incumbent E-1 exited");
    d_event (f, "n3b", "2024-04-02T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-3\",\"readiness\":\"READINESS_READY_NOW\"}");
    d_expect (f, &at, "succession_gap/P-1", "resolved", "n3b", NULL);
    //  A successor promoted into a role that is not critical still counts.
    d_event (f, "pr3", "2024-05-01T00:00:00Z", "\"promotion\":{\"employeeId\":\"E-3\","
             "\"newPositionId\":\"P-9\"}");
    d_expect_nothing_more (f, at);
    //  Once that role is critical and theirs, they no longer cover this one.
    d_event (f, "p9", "2024-05-01T12:00:00Z", "\"positionDefined\":{\"positionId\":\"P-9\","
             "\"unitId\":\"ops\",\"critical\":true,\"incumbentId\":\"E-3\"}");
    d_expect (f, &at, "succession_gap/P-9", "firing", "p9", NULL);
    d_expect (f, &at, "succession_gap/P-1", "critical", "p9", "successor E-3 named incumbent of P-9");
    d_event (f, "h4", "2024-05-02T00:00:00Z", "\"hire\":{\"employeeId\":\"E-4\",\"unitId\":\"ops\"}");
    d_event (f, "n4", "2024-05-03T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-4\",\"readiness\":\"READINESS_READY_NOW\"}");
    d_expect (f, &at, "succession_gap/P-1", "resolved", "n4", NULL);
    d_event (f, "w4", "2024-05-04T00:00:00Z", "\"successorWithdrawn\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-4\"}");
    d_expect (f, &at, "succession_gap/P-1", "critical", "w4", "nomination of E-4 withdrawn");
    d_expect_nothing_more (f, at);
}


#define ORG "\"orgUnitDefined\":{\"unitId\":\"ops\"}"
#define DEF_P1 "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"title\":\"Head\"," \
               "\"critical\":true,\"incumbentId\":\"E-1\"}"
#define HIRE(e) "\"hire\":{\"employeeId\":\"" e "\",\"unitId\":\"ops\"}"

//  The position report of P-1.
static void
s_report (d_fixture_t *f, hrw_position_report_t *r)
{
    assert_int_equal (hrw_detect_position_report (hrw_engine_detect (f->engine), "P-1", r), 0);
}

//  Positions and people in separate feeds: the definition names the
//  incumbent, their own record says nothing of the position. Filled, so a
//  warning; the same whichever feed comes first.
static void
test_succession_incumbent_from_the_position_feed_in_either_order (void **state)
{
    d_fixture_t *f = *state;
    size_t at = 0;
    hrw_position_report_t r;
    d_event (f, "u", "2024-01-01T00:00:00Z", ORG);
    d_event (f, "p", "2024-01-02T00:00:00Z", DEF_P1);
    d_event (f, "h1", "2024-01-03T00:00:00Z", HIRE ("E-1"));
    d_expect (f, &at, "succession_gap/P-1", "firing", "p", "needs 1): position defined");
    d_expect_nothing_more (f, at);
    s_report (f, &r);
    assert_false (r.vacant);
    assert_string_equal (r.incumbent, "E-1");

    //  People first: the definition comes late, and says the same.
    d_fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    d_open (g, 0);
    at = 0;
    d_event (g, "u", "2024-01-01T00:00:00Z", ORG);
    d_event (g, "h1", "2024-01-03T00:00:00Z", HIRE ("E-1"));
    d_event (g, "p", "2024-01-02T00:00:00Z", DEF_P1);
    d_expect (g, &at, "succession_gap/P-1", "firing", "p", NULL);
    d_expect_nothing_more (g, at);
    s_report (g, &r);
    assert_false (r.vacant);
    //  Then the incumbent leaves: critical, and says why.
    d_event (g, "x1", "2024-02-01T00:00:00Z", "\"exit\":{\"employeeId\":\"E-1\","
             "\"type\":\"EXIT_TYPE_VOLUNTARY\"}");
    d_expect (g, &at, "succession_gap/P-1", "critical", "x1", "vacant: incumbent E-1 exited");
    s_report (g, &r);
    assert_true (r.vacant);
    assert_string_equal (r.vacant_because, "incumbent E-1 exited");
    d_teardown ((void **) &g);
}

//  An exit older than the definition that names them does not empty the
//  role; a later promotion or transfer of the incumbent does.
static void
test_succession_incumbent_moves_by_event_time (void **state)
{
    d_fixture_t *f = *state;
    size_t at = 0;
    hrw_position_report_t r;
    d_event (f, "u", "2024-01-01T00:00:00Z", ORG);
    d_event (f, "h1", "2024-01-02T00:00:00Z", HIRE ("E-1"));
    d_event (f, "h2", "2024-01-02T00:00:01Z", HIRE ("E-2"));
    d_event (f, "p", "2024-01-03T00:00:00Z", DEF_P1);
    d_expect (f, &at, "succession_gap/P-1", "firing", "p", NULL);
    //  Promoted away: vacant.
    d_event (f, "pr1", "2024-02-01T00:00:00Z", "\"promotion\":{\"employeeId\":\"E-1\","
             "\"newPositionId\":\"P-7\"}");
    d_expect (f, &at, "succession_gap/P-1", "critical", "pr1", "incumbent E-1 promoted to P-7");
    //  A new definition names E-2: filled again.
    d_event (f, "p2", "2024-03-01T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\","
             "\"unitId\":\"ops\",\"title\":\"Head\",\"critical\":true,\"incumbentId\":\"E-2\"}");
    d_expect (f, &at, "succession_gap/P-1", "firing", "p2", NULL);
    //  E-2 transferred to another unit: vacant.
    d_event (f, "t2", "2024-04-01T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-2\","
             "\"newUnitId\":\"eng\"}");
    d_expect (f, &at, "succession_gap/P-1", "critical", "t2", "incumbent E-2 transferred to eng");
    s_report (f, &r);
    assert_true (r.vacant);
    assert_string_equal (r.vacant_because, "incumbent E-2 transferred to eng");
    d_expect_nothing_more (f, at);
}

//  A ready-now successor who moves stays counted, with a note; one who
//  becomes the incumbent of another critical role does not.
static void
test_succession_successor_moves (void **state)
{
    d_fixture_t *f = *state;
    size_t at = 0;
    hrw_position_report_t r;
    d_event (f, "u", "2024-01-01T00:00:00Z", ORG);
    d_event (f, "h1", "2024-01-02T00:00:00Z", HIRE ("E-1"));
    d_event (f, "h2", "2024-01-02T00:00:01Z", HIRE ("E-2"));
    d_event (f, "p", "2024-01-03T00:00:00Z", DEF_P1);
    d_event (f, "n2", "2024-01-04T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-2\",\"readiness\":\"READINESS_READY_NOW\"}");
    d_expect (f, &at, "succession_gap/P-1", "firing", "p", NULL);
    d_expect (f, &at, "succession_gap/P-1", "resolved", "n2", NULL);
    d_event (f, "t2", "2024-02-01T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-2\","
             "\"newUnitId\":\"eng\"}");
    d_event (f, "pr2", "2024-02-02T00:00:00Z", "\"promotion\":{\"employeeId\":\"E-2\","
             "\"newPositionId\":\"P-5\"}");
    d_expect_nothing_more (f, at);
    s_report (f, &r);
    assert_int_equal (r.ready_now, 1);
    assert_int_equal (r.n_successors, 1);
    assert_null (r.successors[0].why_not);
    assert_string_equal (r.successors[0].note, "moved to P-5 since nominated");
    //  P-5 is defined critical with E-2 in it (from the position feed).
    d_event (f, "p5", "2024-02-03T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-5\","
             "\"unitId\":\"eng\",\"critical\":true,\"incumbentId\":\"E-2\"}");
    d_expect (f, &at, "succession_gap/P-5", "firing", "p5", NULL);
    d_expect (f, &at, "succession_gap/P-1", "firing", "p5", "successor E-2 named incumbent of P-5");
    s_report (f, &r);
    assert_int_equal (r.ready_now, 0);
    assert_non_null (r.successors[0].why_not);
    assert_string_equal (r.successors[0].note, "incumbent of P-5 since nominated");
    d_expect_nothing_more (f, at);
}

static void
test_bench_strength_and_successor_overlap (void **state)
{
    d_fixture_t *f = *state;
    d_event (f, "u1", "2024-01-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"div\"}");
    d_event (f, "u2", "2024-01-01T00:00:01Z",
             "\"orgUnitDefined\":{\"unitId\":\"team\",\"parentId\":\"div\"}");
    d_hire_many (f, "team", 1, 5, "2024-01-02T00:00:00Z");
    size_t at = f->n_seen;
    for (int p = 1; p <= 3; p++) {
        char id[16], body[300];
        snprintf (id, sizeof (id), "p%d", p);
        snprintf (body, sizeof (body), "\"positionDefined\":{\"positionId\":\"P-%d\",\"unitId\":"
                  "\"team\",\"critical\":true}", p);
        d_event (f, id, "2024-02-01T00:00:00Z", body);
        snprintf (body, sizeof (body), "succession_gap/P-%d", p);
        d_expect (f, &at, body, "critical", id, "is vacant");
    }
    d_expect (f, &at, "bench_strength/team", "firing", "p3", "0 of 3 critical positions");
    d_expect (f, &at, "bench_strength/div", "firing", "p3", NULL);
    d_expect_nothing_more (f, at);
    //  E-5 becomes the only ready-now successor of all three.
    for (int p = 1; p <= 3; p++) {
        char id[16], body[300];
        snprintf (id, sizeof (id), "n%d", p);
        snprintf (body, sizeof (body), "\"successorNominated\":{\"positionId\":\"P-%d\","
                  "\"employeeId\":\"E-5\",\"readiness\":\"READINESS_READY_NOW\"}", p);
        d_event (f, id, "2024-03-01T00:00:00Z", body);
        snprintf (body, sizeof (body), "succession_gap/P-%d", p);
        d_expect (f, &at, body, "resolved", id, NULL);
        if (p == 3) {
            d_expect (f, &at, "bench_strength/team", "resolved", "n3", NULL);
            d_expect (f, &at, "bench_strength/div", "resolved", "n3", NULL);
            d_expect (f, &at, "successor_overlap/E-5", "firing", "n3", "3 critical positions");
        }
    }
    d_expect_nothing_more (f, at);
    d_event (f, "n4", "2024-04-01T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\","
             "\"employeeId\":\"E-4\",\"readiness\":\"READINESS_READY_NOW\"}");
    d_expect (f, &at, "successor_overlap/E-5", "resolved", "n4", NULL);
    d_expect_nothing_more (f, at);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (
            test_succession_incumbent_from_the_position_feed_in_either_order, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_succession_incumbent_moves_by_event_time,
                                         d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_succession_successor_moves, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_succession_gap_lifecycle, d_setup, d_teardown),
        cmocka_unit_test_setup_teardown (test_bench_strength_and_successor_overlap,
                                         d_setup, d_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
