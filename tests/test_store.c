/*  Applying each event type to a real LMDB store in a temp dir, and the
    semantics of out-of-order events, duplicates and conflicts. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include <lmdb.h>

#include "lib/clock.h"
#include "workers/store.h"

typedef struct {
    char dir[256];
    hrw_store_t *store;
} fixture_t;

static int
setup (void **state)
{
    fixture_t *f = calloc (1, sizeof (*f));
    h_tempdir (f->dir, sizeof (f->dir));
    hrw_store_opts_t o = { .path = f->dir, .map_size = 1 << 20,
                           .max_map_size = 0, .rejected_keep = 5 };
    assert_int_equal (hrw_store_open (&o, &f->store), 0);
    *state = f;
    return 0;
}

static int
teardown (void **state)
{
    fixture_t *f = *state;
    hrw_store_destroy (&f->store);
    h_rmtree (f->dir);
    free (f);
    return 0;
}

//  Accepts an event (known when it occurred) and applies it if new.
static int
accept_apply (hrw_store_t *s, const Hrwatch__V1__Event *ev, uint64_t hash, hrw_apply_t *result)
{
    uint8_t raw[1024];
    size_t n = hrwatch__v1__event__pack (ev, raw);
    int64_t t = hrw_clock_from_parts (ev->occurred_at->seconds, ev->occurred_at->nanos);
    int rc = hrw_store_accept (s, ev, hash, t, result);
    if (!rc && *result == HRW_APPLIED)
        rc = hrw_store_apply (s, ev, raw, n, t);
    return rc;
}

//  Applies one event (JSON with id, time and body) in its own transaction.
static hrw_apply_t
apply (hrw_store_t *s, const char *id, const char *when, const char *body)
{
    char json[1024];
    snprintf (json, sizeof (json), "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":\"t\",%s}",
              id, when, body);
    Hrwatch__V1__Event *ev = h_event (json);
    hrw_apply_t result = 0;
    assert_int_equal (hrw_store_begin (s), 0);
    assert_int_equal (accept_apply (s, ev, hrw_hash_message (&ev->base), &result), 0);
    assert_int_equal (hrw_store_commit (s), 0);
    hrwatch__v1__event__free_unpacked (ev, NULL);
    return result;
}

static hrw_counters_t
counters (hrw_store_t *s)
{
    hrw_counters_t c;
    hrw_store_counters (s, &c);
    return c;
}

static void
test_hire_exit_promotion_transfer (void **state)
{
    fixture_t *f = *state;
    hrw_employee_info_t e;
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), HRW_E_NOTFOUND);
    apply (f->store, "1", "2024-01-10T09:00:00Z",
           "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\","
           "\"managerId\":\"E-9\",\"level\":2}");
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), 0);
    assert_int_equal (e.status, HRW_EMP_ACTIVE);
    assert_string_equal (e.unit, "ops");
    assert_string_equal (e.position, "P-1");
    assert_string_equal (e.manager, "E-9");
    assert_int_equal (e.level, 2);
    hrw_position_info_t p;
    assert_int_equal (hrw_store_position (f->store, "P-1", &p), 0);
    assert_string_equal (p.incumbent, "E-1");
    assert_false (p.defined);  //  Named by a hire, not yet defined
    assert_int_equal (counters (f->store).employees_active, 1);

    apply (f->store, "2", "2024-03-01T09:00:00Z",
           "\"promotion\":{\"employeeId\":\"E-1\",\"newPositionId\":\"P-2\",\"newLevel\":3}");
    apply (f->store, "3", "2024-04-01T09:00:00Z",
           "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\",\"newManagerId\":\"E-8\"}");
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), 0);
    assert_string_equal (e.position, "P-2");
    assert_int_equal (e.level, 3);
    assert_string_equal (e.unit, "eng");
    assert_string_equal (e.manager, "E-8");
    assert_int_equal (hrw_store_position (f->store, "P-2", &p), 0);
    assert_string_equal (p.incumbent, "E-1");

    apply (f->store, "4", "2024-06-01T09:00:00Z",
           "\"exit\":{\"employeeId\":\"E-1\",\"type\":\"EXIT_TYPE_VOLUNTARY\",\"regretted\":true}");
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), 0);
    assert_int_equal (e.status, HRW_EMP_EXITED);
    assert_int_equal (e.exit_type, HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY);
    assert_true (e.regretted);
    assert_false (e.reduction_in_force);
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.employees_active, 0);
    assert_int_equal (c.employees_exited, 1);
    assert_int_equal (c.events_accepted, 4);

    //  Re-hired later: active again.
    apply (f->store, "5", "2025-01-01T09:00:00Z",
           "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}");
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), 0);
    assert_int_equal (e.status, HRW_EMP_ACTIVE);
    assert_string_equal (e.unit, "ops");
    c = counters (f->store);
    assert_int_equal (c.employees_active, 1);
    assert_int_equal (c.employees_exited, 0);
}

static void
test_units_positions_nominations_mentors (void **state)
{
    fixture_t *f = *state;
    apply (f->store, "1", "2024-01-01T00:00:00Z",
           "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\",\"name\":\"Ops\"}");
    apply (f->store, "2", "2024-02-01T00:00:00Z",
           "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"corp\",\"name\":\"Operations\"}");
    hrw_unit_info_t u;
    assert_int_equal (hrw_store_unit (f->store, "ops", &u), 0);
    assert_string_equal (u.parent, "corp");
    assert_string_equal (u.name, "Operations");
    assert_int_equal (counters (f->store).units, 1);

    apply (f->store, "3", "2024-01-01T00:00:00Z",
           "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"title\":\"Head\","
           "\"critical\":true,\"incumbentId\":\"E-1\"}");
    hrw_position_info_t p;
    assert_int_equal (hrw_store_position (f->store, "P-1", &p), 0);
    assert_true (p.defined);
    assert_true (p.critical);
    assert_string_equal (p.title, "Head");
    assert_string_equal (p.incumbent, "E-1");
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.positions, 1);
    assert_int_equal (c.critical_positions, 1);
    apply (f->store, "4", "2024-05-01T00:00:00Z",
           "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"critical\":false}");
    assert_int_equal (hrw_store_position (f->store, "P-1", &p), 0);
    assert_false (p.critical);
    assert_string_equal (p.incumbent, "");  //  Redefined as vacant
    assert_int_equal (counters (f->store).critical_positions, 0);

    int active = -1, readiness = -1;
    apply (f->store, "5", "2024-01-01T00:00:00Z",
           "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\","
           "\"readiness\":\"READINESS_READY_1_2_YEARS\"}");
    apply (f->store, "6", "2024-02-01T00:00:00Z",
           "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\","
           "\"readiness\":\"READINESS_READY_NOW\"}");
    assert_int_equal (hrw_store_nomination (f->store, "P-1", "E-3", &active, &readiness), 0);
    assert_true (active);
    assert_int_equal (readiness, HRWATCH__V1__READINESS__READINESS_READY_NOW);
    assert_int_equal (counters (f->store).nominations, 1);
    apply (f->store, "7", "2024-03-01T00:00:00Z",
           "\"successorWithdrawn\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\"}");
    assert_int_equal (hrw_store_nomination (f->store, "P-1", "E-3", &active, &readiness), 0);
    assert_false (active);
    assert_int_equal (counters (f->store).nominations, 0);

    apply (f->store, "8", "2024-01-01T00:00:00Z",
           "\"mentorAssigned\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-3\"}");
    assert_int_equal (hrw_store_mentorship (f->store, "E-1", "E-3", &active), 0);
    assert_true (active);
    assert_int_equal (counters (f->store).mentorships, 1);
    apply (f->store, "9", "2024-07-01T00:00:00Z",
           "\"mentorEnded\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-3\"}");
    assert_int_equal (hrw_store_mentorship (f->store, "E-1", "E-3", &active), 0);
    assert_false (active);
    assert_int_equal (counters (f->store).mentorships, 0);
}

static void
test_survey_is_aggregated_without_respondents (void **state)
{
    fixture_t *f = *state;
    apply (f->store, "1", "2024-05-02T00:00:00Z", "\"surveyResponse\":{\"surveyCycleId\":\"Q2\","
           "\"unitId\":\"ops\",\"engagement\":4,\"enps\":9}");
    apply (f->store, "2", "2024-05-01T00:00:00Z", "\"surveyResponse\":{\"surveyCycleId\":\"Q2\","
           "\"unitId\":\"ops\",\"engagement\":2,\"enps\":0}");
    apply (f->store, "3", "2024-05-03T00:00:00Z", "\"surveyResponse\":{\"surveyCycleId\":\"Q2\","
           "\"unitId\":\"ops\",\"engagement\":4}");
    hrw_survey_info_t s;
    assert_int_equal (hrw_store_survey (f->store, "ops", "Q2", &s), 0);
    assert_int_equal (s.responses, 3);
    assert_int_equal (s.engagement[3], 2);
    assert_int_equal (s.engagement[1], 1);
    assert_int_equal (s.enps_responses, 2);
    assert_int_equal (s.enps[0], 1);
    assert_int_equal (s.enps[9], 1);
    char t[40];
    assert_string_equal (hrw_clock_format (s.first_us, t, sizeof (t)), "2024-05-01T00:00:00Z");
    assert_string_equal (hrw_clock_format (s.last_us, t, sizeof (t)), "2024-05-03T00:00:00Z");
    assert_int_equal (counters (f->store).survey_responses, 3);
    assert_int_equal (hrw_store_survey (f->store, "ops", "Q1", &s), HRW_E_NOTFOUND);
}

static void
test_exit_before_hire_arrives (void **state)
{
    fixture_t *f = *state;
    hrw_employee_info_t e;
    apply (f->store, "x", "2024-06-01T00:00:00Z",
           "\"exit\":{\"employeeId\":\"E-5\",\"type\":\"EXIT_TYPE_INVOLUNTARY\"}");
    assert_int_equal (hrw_store_employee (f->store, "E-5", &e), 0);
    assert_int_equal (e.status, HRW_EMP_EXITED);
    apply (f->store, "h", "2023-01-01T00:00:00Z",
           "\"hire\":{\"employeeId\":\"E-5\",\"unitId\":\"ops\"}");
    assert_int_equal (hrw_store_employee (f->store, "E-5", &e), 0);
    assert_int_equal (e.status, HRW_EMP_EXITED);
    assert_string_equal (e.unit, "ops");
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.employees_active, 0);
    assert_int_equal (c.employees_exited, 1);
    //  A backfilled transfer older than the current unit changes nothing.
    apply (f->store, "t", "2022-01-01T00:00:00Z",
           "\"transfer\":{\"employeeId\":\"E-5\",\"newUnitId\":\"eng\"}");
    assert_int_equal (hrw_store_employee (f->store, "E-5", &e), 0);
    assert_string_equal (e.unit, "ops");
}

static void
test_duplicate_and_conflict (void **state)
{
    fixture_t *f = *state;
    const char *body = "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}";
    assert_int_equal (apply (f->store, "a", "2024-01-01T00:00:00Z", body), HRW_APPLIED);
    char d1[17], d2[17];
    assert_int_equal (hrw_store_digest (f->store, d1), 0);
    assert_int_equal (apply (f->store, "a", "2024-01-01T00:00:00Z", body), HRW_DUPLICATE);
    assert_int_equal (apply (f->store, "a", "2024-01-01T00:00:00Z",
                             "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"eng\"}"), HRW_CONFLICT);
    assert_int_equal (hrw_store_digest (f->store, d2), 0);
    assert_string_equal (d1, d2);
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.events_accepted, 1);
    assert_int_equal (c.events_duplicate, 1);
}

//  The same events in many orders give the same state, byte for byte.
static void
test_any_order_gives_the_same_state (void **state)
{
    fixture_t *f = *state;
    static const char *evs[][3] = {
        { "1", "2024-01-01T00:00:00Z", "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"a\",\"positionId\":\"P-1\"}" },
        { "2", "2024-02-01T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"b\"}" },
        { "3", "2024-02-01T00:00:00Z", "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"c\"}" },
        { "4", "2024-03-01T00:00:00Z", "\"exit\":{\"employeeId\":\"E-1\",\"type\":\"EXIT_TYPE_VOLUNTARY\"}" },
        { "5", "2024-04-01T00:00:00Z", "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"d\"}" },
        { "6", "2024-01-01T00:00:00Z", "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-2\",\"readiness\":\"READINESS_READY_NOW\"}" },
        { "7", "2024-01-05T00:00:00Z", "\"successorWithdrawn\":{\"positionId\":\"P-1\",\"employeeId\":\"E-2\"}" },
        { "8", "2024-01-02T00:00:00Z", "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"a\",\"critical\":true}" },
        { "9", "2024-05-01T00:00:00Z", "\"surveyResponse\":{\"surveyCycleId\":\"q\",\"unitId\":\"a\",\"engagement\":3}" },
        { "10", "2024-04-01T00:00:00Z", "\"surveyResponse\":{\"surveyCycleId\":\"q\",\"unitId\":\"a\",\"engagement\":5,\"enps\":10}" },
        { "11", "2024-06-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"a\",\"name\":\"A\"}" },
        { "12", "2024-06-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"a\",\"name\":\"B\"}" },
    };
    const size_t n = sizeof (evs) / sizeof (evs[0]);
    char first[17] = "";
    hrw_counters_t first_c = { 0 };
    uint64_t rng = 42;
    for (int round = 0; round < 20; round++) {
        fixture_t *g = NULL;
        setup ((void **) &g);
        size_t order[16];
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        for (size_t i = n - 1; round > 0 && i > 0; i--) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t j = (rng >> 33) % (i + 1);
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < n; i++)
            apply (g->store, evs[order[i]][0], evs[order[i]][1], evs[order[i]][2]);
        char d[17];
        assert_int_equal (hrw_store_digest (g->store, d), 0);
        hrw_counters_t c = counters (g->store);
        if (round == 0) {
            memcpy (first, d, sizeof (d));
            first_c = c;
            hrw_employee_info_t e;
            assert_int_equal (hrw_store_employee (g->store, "E-1", &e), 0);
            assert_int_equal (e.status, HRW_EMP_ACTIVE);
            assert_string_equal (e.unit, "d");
        }
        else {
            assert_string_equal (d, first);
            assert_int_equal (c.employees_active, first_c.employees_active);
            assert_int_equal (c.nominations, first_c.nominations);
            assert_int_equal (c.critical_positions, first_c.critical_positions);
        }
        teardown ((void **) &g);
    }
    (void) f;
}

typedef struct {
    int n;              //  Entries seen
    uint64_t first;     //  Sequence number of the first
    char field[64];     //  Last one's field
    char type[64];      //  Last one's event type
} seen_t;

static void
s_seen (const hrw_rejected_view_t *v, void *arg)
{
    seen_t *seen = arg;
    if (seen->n++ == 0)
        seen->first = v->seq;
    snprintf (seen->field, sizeof (seen->field), "%s", v->field);
    snprintf (seen->type, sizeof (seen->type), "%s", v->event_type);
    assert_string_equal (v->message, "bad");
    assert_int_equal (v->reason, 3);
}

static void
test_rejected_are_kept_bounded (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (hrw_store_begin (f->store), 0);
    for (int i = 0; i < 8; i++) {
        char id[16], field[32];
        snprintf (id, sizeof (id), "r-%d", i);
        snprintf (field, sizeof (field), "hire.unit_id.%d", i);
        hrw_rejection_t rej = { id, "hire", 3, field, "bad" };
        assert_int_equal (hrw_store_reject (f->store, 1000, &rej), 0);
    }
    assert_int_equal (hrw_store_commit (f->store), 0);
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.events_rejected, 8);
    assert_int_equal (c.rejected_kept, 5);   //  rejected_keep in setup

    seen_t seen = { 0, 0, "", "" };
    assert_int_equal (hrw_store_rejected_each (f->store, 0, 100, s_seen, &seen), 0);
    assert_int_equal (seen.n, 5);
    assert_int_equal (seen.first, 4);        //  The oldest three dropped
    assert_string_equal (seen.field, "hire.unit_id.7");
    assert_string_equal (seen.type, "hire");
}


static void
test_counters_survive_reopen (void **state)
{
    fixture_t *f = *state;
    apply (f->store, "1", "2024-01-01T00:00:00Z", "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"a\"}");
    hrw_store_destroy (&f->store);
    hrw_store_opts_t o = { .path = f->dir, .map_size = 1 << 20,
                           .max_map_size = 0, .rejected_keep = 5 };
    assert_int_equal (hrw_store_open (&o, &f->store), 0);
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.events_accepted, 1);
    assert_int_equal (c.employees_active, 1);
    char t[40];
    assert_string_equal (hrw_clock_format (c.latest_event_us, t, sizeof (t)), "2024-01-01T00:00:00Z");
}

//  Accepts a void of target (not applied: the engine takes it back).
static hrw_apply_t
void_of (hrw_store_t *s, const char *id, const char *target)
{
    char json[256];
    snprintf (json, sizeof (json), "{\"eventId\":\"%s\",\"occurredAt\":\"2024-02-01T00:00:00Z\","
              "\"source\":\"t\",\"eventVoided\":{\"voidedEventId\":\"%s\"}}", id, target);
    Hrwatch__V1__Event *ev = h_event (json);
    hrw_apply_t result = 0;
    assert_int_equal (hrw_store_begin (s), 0);
    assert_int_equal (hrw_store_accept (s, ev, hrw_hash_message (&ev->base), 0, &result), 0);
    assert_int_equal (hrw_store_commit (s), 0);
    hrwatch__v1__event__free_unpacked (ev, NULL);
    return result;
}

static void
test_a_store_without_its_events_takes_none_back (void **state)
{
    fixture_t *f = *state;
    apply (f->store, "1", "2024-01-01T00:00:00Z", "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"a\"}");
    apply (f->store, "2", "2024-01-01T00:00:00Z", "\"hire\":{\"employeeId\":\"E-2\",\"unitId\":\"a\"}");
    assert_int_equal (void_of (f->store, "v-1", "1"), HRW_APPLIED);
    assert_int_equal (void_of (f->store, "v-1b", "1"), HRW_DUPLICATE);
    assert_int_equal (void_of (f->store, "v-1c", "v-1"), HRW_NOT_VOIDABLE);
    hrw_store_destroy (&f->store);
    //  As a store made before events were kept: no mark in its meta.
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val key = { 7, (void *) "journal" };
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 64), 0);
    assert_int_equal (mdb_env_open (env, f->dir, 0, 0600), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, 0, &txn), 0);
    assert_int_equal (mdb_dbi_open (txn, "meta", 0, &dbi), 0);
    assert_int_equal (mdb_del (txn, dbi, &key, NULL), 0);
    assert_int_equal (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    hrw_store_opts_t o = { .path = f->dir, .map_size = 1 << 20,
                           .max_map_size = 0, .rejected_keep = 5 };
    assert_int_equal (hrw_store_open (&o, &f->store), 0);
    assert_false (hrw_store_journaled (f->store));
    assert_int_equal (void_of (f->store, "v-2", "2"), HRW_NOT_VOIDABLE);
    assert_int_equal (counters (f->store).employees_active, 2);
}

static void
test_abort_forgets_counters (void **state)
{
    fixture_t *f = *state;
    Hrwatch__V1__Event *ev = h_event ("{\"eventId\":\"1\",\"occurredAt\":\"2024-01-01T00:00:00Z\","
                                      "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"a\"}}");
    hrw_apply_t r;
    assert_int_equal (hrw_store_begin (f->store), 0);
    assert_int_equal (accept_apply (f->store, ev, 1, &r), 0);
    hrw_store_abort (f->store);
    hrw_counters_t c = counters (f->store);
    assert_int_equal (c.events_accepted, 0);
    assert_int_equal (c.employees_active, 0);
    hrw_employee_info_t e;
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), HRW_E_NOTFOUND);
    hrwatch__v1__event__free_unpacked (ev, NULL);
}

static int
s_count_key (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    (void) k;
    (void) v;
    (*(int *) arg)++;
    return 0;
}

//  A table of another module: writes only in the write transaction, views
//  only in it or a read scope, fixed-size reads anywhere, prefix walks.
static void
test_tables_for_other_modules (void **state)
{
    fixture_t *f = *state;
    hrw_table_t t;
    uint64_t v = 42, got = 0;
    hrw_bytes_t view;
    assert_int_equal (hrw_table_open (f->store, "test_table", &t), 0);
    assert_int_equal (hrw_table_put (f->store, t, "a", 1, &v, sizeof (v), 0), EINVAL);
    assert_int_equal (hrw_store_begin (f->store), 0);
    assert_int_equal (hrw_table_put (f->store, t, "u\0x", 3, &v, sizeof (v), 0), 0);
    assert_int_equal (hrw_table_put (f->store, t, "u\0y", 3, &v, sizeof (v), 0), 0);
    assert_int_equal (hrw_table_put (f->store, t, "v\0x", 3, "", 0, 0), 0);
    assert_int_equal (hrw_store_commit (f->store), 0);
    assert_int_equal (hrw_table_get (f->store, t, "u\0x", 3, &view), EINVAL);
    assert_int_equal (hrw_table_get_fixed (f->store, t, "u\0x", 3, &got, sizeof (got)), 0);
    assert_true (got == 42);
    assert_int_equal (hrw_table_get_fixed (f->store, t, "v\0x", 3, &got, sizeof (got)),
                      HRW_E_CORRUPT);
    assert_int_equal (hrw_table_get_fixed (f->store, t, "w", 1, &got, sizeof (got)),
                      HRW_E_NOTFOUND);
    hrw_store_read_t *scope;
    assert_int_equal (hrw_store_read_begin (f->store, &scope), 0);
    assert_int_equal (hrw_table_get (f->store, t, "u\0y", 3, &view), 0);
    assert_int_equal (view.len, sizeof (v));
    int n = 0;
    assert_int_equal (hrw_table_prefix_each (f->store, t, "u\0", 2, s_count_key, &n), 0);
    assert_int_equal (n, 2);
    n = 0;
    assert_int_equal (hrw_table_prefix_each (f->store, t, "", 0, s_count_key, &n), 0);
    assert_int_equal (n, 3);
    hrw_store_read_end (&scope);
    assert_null (scope);
    hrw_cursor_t *cur;
    hrw_bytes_t k = { "u\0z", 3 };
    assert_int_equal (hrw_cursor_open (f->store, t, &cur), 0);
    assert_int_equal (hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &view), 0);
    assert_memory_equal (k.data, "v\0x", 3);
    assert_int_equal (hrw_cursor_get (cur, HRW_CURSOR_NEXT, &k, &view), HRW_E_NOTFOUND);
    hrw_cursor_close (&cur);
    assert_null (cur);
}

//  Every store code has its own words, and LMDB's two that callers test
//  keep LMDB's.
static void
test_error_words (void **state)
{
    (void) state;
    assert_string_equal (hrw_store_strerror (HRW_E_OVERFLOW), "store record is too large to write");
    assert_string_not_equal (hrw_store_strerror (HRW_E_OVERFLOW),
                             hrw_store_strerror (HRW_E_CORRUPT));
    assert_non_null (strstr (hrw_store_strerror (HRW_E_NOTFOUND), "MDB_NOTFOUND"));
    assert_non_null (strstr (hrw_store_strerror (HRW_E_MAP_FULL), "MDB_MAP_FULL"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_hire_exit_promotion_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown (test_units_positions_nominations_mentors, setup, teardown),
        cmocka_unit_test_setup_teardown (test_survey_is_aggregated_without_respondents, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_exit_before_hire_arrives, setup, teardown),
        cmocka_unit_test_setup_teardown (test_duplicate_and_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown (test_any_order_gives_the_same_state, setup, teardown),
        cmocka_unit_test_setup_teardown (test_rejected_are_kept_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown (test_counters_survive_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown (test_abort_forgets_counters, setup, teardown),
        cmocka_unit_test_setup_teardown (test_a_store_without_its_events_takes_none_back, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_tables_for_other_modules, setup, teardown),
        cmocka_unit_test (test_error_words),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
