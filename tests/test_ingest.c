/*  Group commit over frames: per-event outcomes, frame-level rejections,
    duplicates within a group, and a map that fills up. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "workers/ingest.h"

#define NOW_US (1767225600LL * HRW_US_PER_SEC)  //  2026-01-01

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_engine_t *engine;
    hrw_ingest_t *ingest;
    hrw_limits_t limits;
} fixture_t;

static int
s_open (fixture_t *f, size_t map_size, size_t max_map_size)
{
    hrw_store_opts_t o = { .path = f->dir, .map_size = map_size,
                           .max_map_size = max_map_size, .rejected_keep = 100 };
    int rc = hrw_store_open (&o, &f->store);
    if (rc == 0) {
        hrw_engine_opts_t eo;
        hrw_engine_defaults (&eo);
        eo.replay = 1;
        f->engine = hrw_engine_new (f->store, &eo);
        assert_non_null (f->engine);
        f->ingest = hrw_ingest_new (f->engine, f->store, &f->limits);
    }
    return rc;
}

//  Throws the store away, for a test that opens its own.
static void
s_reopen (fixture_t *f)
{
    hrw_ingest_destroy (&f->ingest);
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    h_rmtree (f->dir);
    h_tempdir (f->dir, sizeof (f->dir));
}

static int
setup (void **state)
{
    fixture_t *f = calloc (1, sizeof (*f));
    h_tempdir (f->dir, sizeof (f->dir));
    hrw_limits_default (&f->limits);
    assert_int_equal (s_open (f, 1 << 20, 0), 0);
    *state = f;
    return 0;
}

static int
teardown (void **state)
{
    fixture_t *f = *state;
    hrw_ingest_destroy (&f->ingest);
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    h_rmtree (f->dir);
    free (f);
    return 0;
}

static void
s_hire (hrw_buf_t *out, int n, const char *unit)
{
    char json[300];
    snprintf (json, sizeof (json), "{\"eventId\":\"h-%d\",\"occurredAt\":\"2025-01-01T00:00:00Z\","
              "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"%s\"}}", n, n, unit);
    hrw_buf_clear (out);
    h_event_json (out, json);
}

static Hrwatch__V1__Ack *
s_ack (const hrw_frame_t *f)
{
    assert_non_null (f->ack);
    Hrwatch__V1__Ack *ack = hrwatch__v1__ack__unpack (NULL, f->ack_len, f->ack);
    assert_non_null (ack);
    return ack;
}

static void
test_mixed_batch_gets_a_result_per_event (void **state)
{
    fixture_t *f = *state;
    hrw_buf_t evs[4] = { { 0 } }, frame = { 0 };
    s_hire (&evs[0], 1, "ops");
    h_event_json (&evs[1], "{\"eventId\":\"bad\",\"occurredAt\":\"2025-01-01T00:00:00Z\","
                           "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-2\"}}");
    s_hire (&evs[2], 3, "ops");
    s_hire (&evs[3], 1, "ops");  //  Same event again in the same batch
    h_batch (&frame, "b-1", evs, 4);
    hrw_frame_t fr = { frame.data, frame.len, 1, NULL, 0, 0, 0, 0 };
    assert_int_equal (hrw_ingest_run (f->ingest, &fr, 1, NOW_US), 0);
    Hrwatch__V1__Ack *ack = s_ack (&fr);
    assert_string_equal (ack->batch_id, "b-1");
    assert_int_equal (ack->status, HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_OK);
    assert_int_equal (ack->n_results, 4);
    assert_int_equal (ack->results[0]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED);
    assert_int_equal (ack->results[1]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_REJECTED);
    assert_int_equal (ack->results[1]->reason, HRWATCH__V1__REASON__REASON_MISSING_FIELD);
    assert_string_equal (ack->results[1]->event_id, "bad");
    assert_non_null (strstr (ack->results[1]->message, "hire.unit_id"));
    assert_int_equal (ack->results[2]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED);
    assert_int_equal (ack->results[3]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_DUPLICATE);
    assert_int_equal (ack->accepted, 2);
    assert_int_equal (ack->duplicate, 1);
    assert_int_equal (ack->rejected, 1);
    hrwatch__v1__ack__free_unpacked (ack, NULL);
    hrw_counters_t c;
    hrw_store_counters (f->store, &c);
    assert_int_equal (c.employees_active, 2);
    assert_int_equal (c.events_rejected, 1);
    assert_int_equal (c.rejected_kept, 1);
    for (int i = 0; i < 4; i++)
        hrw_buf_free (&evs[i]);
    hrw_buf_free (&frame);
}

static void
s_expect_frame_rejected (fixture_t *f, const void *data, size_t len, int reason)
{
    hrw_frame_t fr = { data, len, 1, NULL, 0, 0, 0, 0 };
    assert_int_equal (hrw_ingest_run (f->ingest, &fr, 1, NOW_US), 0);
    Hrwatch__V1__Ack *ack = s_ack (&fr);
    assert_int_equal (ack->status, HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_REJECTED);
    assert_int_equal (ack->reason, reason);
    assert_int_equal (ack->n_results, 0);
    hrwatch__v1__ack__free_unpacked (ack, NULL);
}

static void
test_frames_refused_whole (void **state)
{
    fixture_t *f = *state;
    s_expect_frame_rejected (f, "\xff\xff\xff", 3, HRWATCH__V1__REASON__REASON_MALFORMED);
    //  Field 2 claims 100 bytes but 1 follows.
    s_expect_frame_rejected (f, "\x12\x64\x00", 3, HRWATCH__V1__REASON__REASON_MALFORMED);
    hrw_buf_t evs[3] = { { 0 } }, frame = { 0 };
    for (int i = 0; i < 3; i++)
        s_hire (&evs[i], i, "ops");
    h_batch (&frame, "b", evs, 3);
    f->limits.max_batch_events = 2;
    hrw_ingest_set_limits (f->ingest, &f->limits);
    s_expect_frame_rejected (f, frame.data, frame.len, HRWATCH__V1__REASON__REASON_TOO_LARGE);
    hrw_limits_default (&f->limits);
    f->limits.max_frame_bytes = (uint32_t) frame.len - 1;
    hrw_ingest_set_limits (f->ingest, &f->limits);
    s_expect_frame_rejected (f, frame.data, frame.len, HRWATCH__V1__REASON__REASON_TOO_LARGE);
    h_batch (&frame, "not\x01printable", evs, 3);
    hrw_limits_default (&f->limits);
    hrw_ingest_set_limits (f->ingest, &f->limits);
    s_expect_frame_rejected (f, frame.data, frame.len, HRWATCH__V1__REASON__REASON_INVALID_ID);
    hrw_counters_t c;
    hrw_store_counters (f->store, &c);
    assert_int_equal (c.events_accepted, 0);
    assert_int_equal (c.events_rejected, 5);
    for (int i = 0; i < 3; i++)
        hrw_buf_free (&evs[i]);
    hrw_buf_free (&frame);
}

static void
test_undecodable_event_in_a_good_frame (void **state)
{
    fixture_t *f = *state;
    hrw_buf_t ev = { 0 }, frame = { 0 };
    s_hire (&ev, 1, "ops");
    h_batch (&frame, "", &ev, 1);
    //  Append an event field whose bytes are not an Event (a bad tag).
    hrw_buf_append (&frame, "\x12\x02\xff\xff", 4);
    hrw_frame_t fr = { frame.data, frame.len, 1, NULL, 0, 0, 0, 0 };
    assert_int_equal (hrw_ingest_run (f->ingest, &fr, 1, NOW_US), 0);
    Hrwatch__V1__Ack *ack = s_ack (&fr);
    assert_int_equal (ack->n_results, 2);
    assert_int_equal (ack->results[0]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED);
    assert_int_equal (ack->results[1]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_REJECTED);
    assert_int_equal (ack->results[1]->reason, HRWATCH__V1__REASON__REASON_MALFORMED);
    hrwatch__v1__ack__free_unpacked (ack, NULL);
    hrw_buf_free (&ev);
    hrw_buf_free (&frame);
}

static void
test_group_of_frames_and_fire_and_forget (void **state)
{
    fixture_t *f = *state;
    hrw_buf_t ev = { 0 }, frames[3] = { { 0 } };
    hrw_frame_t fr[3];
    for (int i = 0; i < 3; i++) {
        s_hire (&ev, i % 2, "ops");   //  Frames 0 and 2 carry the same event
        h_batch (&frames[i], "", &ev, 1);
        hrw_frame_t x = { frames[i].data, frames[i].len, i != 1, NULL, 0, 0, 0, 0 };
        fr[i] = x;
    }
    assert_int_equal (hrw_ingest_run (f->ingest, fr, 3, NOW_US), 0);
    assert_int_equal (fr[0].accepted, 1);
    assert_int_equal (fr[1].accepted, 1);
    assert_null (fr[1].ack);          //  Pushed: no acknowledgement
    assert_int_equal (fr[2].duplicate, 1);
    Hrwatch__V1__Ack *ack = s_ack (&fr[2]);
    assert_int_equal (ack->results[0]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_DUPLICATE);
    hrwatch__v1__ack__free_unpacked (ack, NULL);
    hrw_ingest_stats_t st;
    hrw_ingest_stats (f->ingest, &st);
    assert_int_equal (st.commits, 1);
    assert_int_equal (st.frames, 3);
    hrw_buf_free (&ev);
    for (int i = 0; i < 3; i++)
        hrw_buf_free (&frames[i]);
}

//  Builds one frame of n hires with long unit ids, so they fill a map.
static void
s_big_frame (hrw_buf_t *frame, int n)
{
    hrw_buf_t *evs = calloc ((size_t) n, sizeof (*evs));
    for (int i = 0; i < n; i++)
        s_hire (&evs[i], i, "a-unit-id-long-enough-to-take-space-in-each-record-0123456789");
    h_batch (frame, "big", evs, (size_t) n);
    for (int i = 0; i < n; i++)
        hrw_buf_free (&evs[i]);
    free (evs);
}

static void
test_full_map_grows_and_the_group_is_redone (void **state)
{
    fixture_t *f = *state;
    s_reopen (f);
    assert_int_equal (s_open (f, 64 * 1024, 0), 0);
    hrw_buf_t frame = { 0 };
    s_big_frame (&frame, 5000);
    hrw_frame_t fr = { frame.data, frame.len, 1, NULL, 0, 0, 0, 0 };
    assert_int_equal (hrw_ingest_run (f->ingest, &fr, 1, NOW_US), 0);
    //  The group is committed in parts (some 1000 events each): what a part
    //  committed before the map filled is a duplicate when it is redone.
    assert_int_equal (fr.accepted + fr.duplicate, 5000);
    assert_int_equal (fr.rejected, 0);
    hrw_ingest_stats_t st;
    hrw_ingest_stats (f->ingest, &st);
    assert_true (st.map_grows > 0);
    hrw_counters_t c;
    hrw_store_counters (f->store, &c);
    assert_int_equal (c.events_accepted, 5000);
    assert_int_equal (c.employees_active, 5000);
    hrw_buf_free (&frame);
}

static void
test_map_at_its_limit_answers_unavailable_and_applies_nothing (void **state)
{
    fixture_t *f = *state;
    s_reopen (f);
    assert_int_equal (s_open (f, 64 * 1024, 128 * 1024), 0);
    hrw_buf_t frame = { 0 };
    s_big_frame (&frame, 5000);
    hrw_frame_t fr = { frame.data, frame.len, 1, NULL, 0, 0, 0, 0 };
    assert_int_equal (hrw_ingest_run (f->ingest, &fr, 1, NOW_US), HRW_E_MAP_FULL);
    Hrwatch__V1__Ack *ack = s_ack (&fr);
    assert_int_equal (ack->status, HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_UNAVAILABLE);
    assert_int_equal (ack->reason, HRWATCH__V1__REASON__REASON_UNAVAILABLE);
    assert_string_equal (ack->batch_id, "big");     //  So the client knows what to re-send
    hrwatch__v1__ack__free_unpacked (ack, NULL);
    hrw_counters_t c;
    hrw_store_counters (f->store, &c);
    assert_int_equal (c.events_accepted, 0);
    assert_int_equal (c.employees_active, 0);
    hrw_employee_info_t e;
    assert_int_equal (hrw_store_employee (f->store, "E-1", &e), HRW_E_NOTFOUND);
    //  Smaller batches still fit.
    hrw_buf_t small = { 0 };
    s_big_frame (&small, 10);
    hrw_frame_t fr2 = { small.data, small.len, 1, NULL, 0, 0, 0, 0 };
    assert_int_equal (hrw_ingest_run (f->ingest, &fr2, 1, NOW_US), 0);
    assert_int_equal (fr2.accepted, 10);
    hrw_buf_free (&frame);
    hrw_buf_free (&small);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_mixed_batch_gets_a_result_per_event, setup, teardown),
        cmocka_unit_test_setup_teardown (test_frames_refused_whole, setup, teardown),
        cmocka_unit_test_setup_teardown (test_undecodable_event_in_a_good_frame, setup, teardown),
        cmocka_unit_test_setup_teardown (test_group_of_frames_and_fire_and_forget, setup, teardown),
        cmocka_unit_test_setup_teardown (test_full_map_grows_and_the_group_is_redone, setup,
                                         teardown),
        cmocka_unit_test_setup_teardown (test_map_at_its_limit_answers_unavailable_and_applies_nothing,
                                         setup, teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
