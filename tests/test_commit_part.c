/*  test_commit_part: a long step committed in parts. Thousands of
    successors nominated on one day with no mentor fall due together at
    one midnight; the engine, allowed only a little work per transaction,
    commits that sweep (and the events around it) in many parts. The alert
    log, the firing alerts and the state digest must be what one
    transaction per group gives; what is published must be every change in
    sequence, none twice, the queue never holding much; and a crash after
    a part (the store as that commit left it), the group then retried,
    must end where the run without the crash ended. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "workers/engine.h"

#define S_SUCCESSORS 3000       //  Nominated on 1 January 2024
#define S_GROUP 400             //  Events per transaction (the client's group)
#define S_TINY 64               //  commit_every: four events, or 64 alerts
#define S_EVENTS_MAX 8000

//  The history, packed, one event after another.
typedef struct {
    hrw_buf_t packed;
    size_t end[S_EVENTS_MAX];   //  Where event i ends in packed
    size_t n;
    size_t last_group;          //  The first event of the last group
} s_history_t;

static void
s_add (s_history_t *h, const char *fmt, ...)
{
    char json[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (json, sizeof (json), fmt, ap);
    va_end (ap);
    assert_true (h->n < S_EVENTS_MAX);
    h_event_json (&h->packed, json);
    h->end[h->n++] = h->packed.len;
}

#define S_EV "{\"eventId\":\"%s%d\",\"occurredAt\":\"%s\",\"source\":\"t\","
#define S_HIRE S_EV "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"ops\"}}"

//  ops with a critical position, S_SUCCESSORS people nominated ready now
//  on 1 January (no mentor: due at midnight on 31 March), and a last
//  group that crosses that midnight with events before and after it.
static void
s_history (s_history_t *h)
{
    memset (h, 0, sizeof (*h));
    s_add (h, S_EV "\"orgUnitDefined\":{\"unitId\":\"ops\"}}", "u", 1, "2023-12-01T00:00:00Z");
    for (int i = 1; i <= S_SUCCESSORS; i++)
        s_add (h, S_HIRE, "h", i, "2023-12-01T01:00:00Z", i);
    s_add (h, S_EV "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"title\":"
           "\"Head\",\"critical\":true,\"incumbentId\":\"E-1\"}}", "p", 1,
           "2023-12-02T00:00:00Z");
    for (int i = 2; i <= S_SUCCESSORS; i++)
        s_add (h, S_EV "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":"
               "\"E-%d\",\"readiness\":\"READINESS_READY_NOW\"}}", "n", i,
               "2024-01-01T00:00:00Z", i);
    h->last_group = h->n;
    for (int i = 0; i < 40; i++)
        s_add (h, S_HIRE, "late", i, "2024-03-30T12:00:00Z", 10000 + i);
    s_add (h, S_HIRE, "cross", 0, "2024-04-01T09:00:00Z", 20000);
    for (int i = 0; i < 40; i++)
        s_add (h, S_HIRE, "after", i, "2024-04-02T12:00:00Z", 30000 + i);
}

// ---------------------------------------------------------------------------
// A run

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_engine_t *engine;
    hrw_buf_t published;        //  Packed alerts as published, each after its
    size_t pub_end[20000];      //  length
    size_t n_pub;
    size_t most_queued;         //  The most the queue held when published
    //  The crash: once this many successor_unmentored alerts were published
    //  by intermediate commits of the last group (0: at its first one), the
    //  store is copied as that commit left it (SIZE_MAX: never).
    size_t crash_after;
    int in_last_group;
    size_t unmentored;
    char crashed[256];          //  The copy, or ""
    size_t n_pub_at_crash;
    uint64_t parts;             //  Intermediate commits made
} s_run_t;

static void
s_publish (s_run_t *r)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (r->engine);
    size_t n = hrw_alerts_queued (alerts);
    if (n > r->most_queued)
        r->most_queued = n;
    for (size_t i = 0; i < n; i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        assert_true (r->n_pub < sizeof (r->pub_end) / sizeof (r->pub_end[0]));
        hrw_buf_append (&r->published, p.data, p.len);
        r->pub_end[r->n_pub++] = r->published.len;
        r->unmentored += strncmp (p.topic, "successor_unmentored/", 21) == 0;
    }
    hrw_alerts_clear_queue (alerts);
}

//  After an intermediate commit: publish, then maybe take the copy a
//  kill -9 right now would leave (the commit is on disk; the transaction
//  begun after it has written nothing to the file yet).
static void
s_on_commit (void *arg)
{
    s_run_t *r = arg;
    s_publish (r);
    if (r->in_last_group && !*r->crashed && r->unmentored >= r->crash_after) {
        snprintf (r->crashed, sizeof (r->crashed), "%.200s-crashed", r->dir);
        char out[64];
        assert_int_equal (h_run (out, sizeof (out), 0, "mkdir '%s' && cp '%s/data.mdb' '%s/"
                                 HRW_STORE_MARKER "' '%s/'", r->crashed, r->dir, r->dir,
                                 r->crashed), 0);
        r->n_pub_at_crash = r->n_pub;
    }
}

static void
s_open (s_run_t *r, const char *dir, uint32_t commit_every)
{
    hrw_store_opts_t so = { .path = dir, .map_size = (size_t) 256 << 20, .max_map_size = 0,
                            .rejected_keep = 100, .no_sync = 1 };
    assert_int_equal (hrw_store_open (&so, &r->store), 0);
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = 1;
    eo.commit_every = commit_every;
    r->engine = hrw_engine_new (r->store, &eo);
    assert_non_null (r->engine);
    hrw_engine_on_commit (r->engine, s_on_commit, r);
}

static void
s_close (s_run_t *r)
{
    hrw_engine_destroy (&r->engine);
    hrw_store_destroy (&r->store);
}

//  Events [from, to) in one transaction, as a group of the daemon's; each
//  must be new, or (retried) new or a duplicate.
static void
s_group (s_run_t *r, const s_history_t *h, size_t from, size_t to, int retried)
{
    assert_int_equal (hrw_engine_begin (r->engine, 0), 0);
    for (size_t i = from; i < to; i++) {
        size_t start = i? h->end[i - 1]: 0;
        Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (NULL, h->end[i] - start,
                                                             h->packed.data + start);
        assert_non_null (ev);
        hrw_apply_t result;
        assert_int_equal (hrw_engine_accept (r->engine, ev, h->packed.data + start,
                                             h->end[i] - start, hrw_hash_message (&ev->base),
                                             &result), 0);
        if (!retried || result != HRW_DUPLICATE)
            assert_int_equal (result, HRW_APPLIED);
        hrwatch__v1__event__free_unpacked (ev, NULL);
    }
    assert_int_equal (hrw_engine_settle (r->engine, 0), 0);
    assert_int_equal (hrw_engine_commit (r->engine), 0);
    s_publish (r);
}

static void
s_feed (s_run_t *r, const s_history_t *h, size_t from)
{
    for (size_t i = from; i < h->n;) {
        size_t to = i < h->last_group && i + S_GROUP > h->last_group? h->last_group
                  : i >= h->last_group? h->n: i + S_GROUP;
        r->in_last_group = i >= h->last_group;
        s_group (r, h, i, to, 0);
        i = to;
    }
}

static void
s_log_one (const uint8_t *data, size_t len, void *arg)
{
    hrw_buf_append (arg, data, len);
    hrw_buf_append (arg, "\n--\n", 4);
}

//  What the run ended with: the alert log, the firing alerts, the digest.
static void
s_result (s_run_t *r, hrw_buf_t *out)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (r->engine);
    assert_int_equal (hrw_alerts_each_at (alerts, 0, 0, 0, UINT32_MAX, NULL, s_log_one, out), 0);
    assert_int_equal (hrw_alerts_each_at (alerts, 0, 1, 0, UINT32_MAX, NULL, s_log_one, out), 0);
    char digest[17];
    assert_int_equal (hrw_store_digest (r->store, digest), 0);
    hrw_buf_append (out, digest, sizeof (digest));
    assert_false (out->oom);
}

//  Every change published once, in sequence from 1 (or from first).
static void
s_expect_in_sequence (const s_run_t *r, size_t from, size_t to, uint64_t first)
{
    for (size_t i = from; i < to; i++) {
        size_t start = i? r->pub_end[i - 1]: 0;
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, r->pub_end[i] - start,
                                                            r->published.data + start);
        assert_non_null (a);
        assert_int_equal (a->seq, first + (i - from));
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
}

static void
s_run_free (s_run_t *r)
{
    hrw_buf_free (&r->published);
    h_rmtree (r->dir);
    if (*r->crashed)
        h_rmtree (r->crashed);
    free (r);
}

static s_run_t *
s_run (const s_history_t *h, uint32_t commit_every, size_t crash_after, hrw_buf_t *result)
{
    s_run_t *r = calloc (1, sizeof (*r));
    assert_non_null (r);
    r->crash_after = crash_after;
    h_tempdir (r->dir, sizeof (r->dir));
    s_open (r, r->dir, commit_every);
    s_feed (r, h, 0);
    s_result (r, result);
    r->parts = hrw_engine_parts (r->engine);
    s_close (r);
    return r;
}

// ---------------------------------------------------------------------------
// Tests

static s_history_t s_h;
static hrw_buf_t s_whole;       //  One transaction per group
static s_run_t *s_whole_run;

static int
s_setup (void **state)
{
    (void) state;
    s_history (&s_h);
    s_whole_run = s_run (&s_h, UINT32_MAX, SIZE_MAX, &s_whole);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    s_run_free (s_whole_run);
    hrw_buf_free (&s_whole);
    hrw_buf_free (&s_h.packed);
    return 0;
}

//  Unbounded, the midnight is one transaction whose changes all wait in
//  the queue for its commit.
static void
test_one_midnight_fires_thousands_in_one_transaction_unbounded (void **state)
{
    (void) state;
    assert_int_equal (s_whole_run->parts, 0);
    assert_true (s_whole_run->unmentored >= S_SUCCESSORS - 1);
    assert_true (s_whole_run->most_queued >= S_SUCCESSORS - 1);
    s_expect_in_sequence (s_whole_run, 0, s_whole_run->n_pub, 1);
}

static void
test_committed_in_parts_the_same_alerts_and_state (void **state)
{
    (void) state;
    hrw_buf_t parts = { 0 };
    s_run_t *r = s_run (&s_h, S_TINY, SIZE_MAX, &parts);
    //  The sweep fired them all, and published them as it committed.
    assert_true (r->parts > S_SUCCESSORS / S_TINY);
    assert_true (r->unmentored >= S_SUCCESSORS - 1);
    assert_true (r->most_queued <= 4 * S_TINY);
    assert_int_equal (parts.len, s_whole.len);
    assert_memory_equal (parts.data, s_whole.data, s_whole.len);
    //  Published: the log, in order, each change once.
    assert_int_equal (r->n_pub, s_whole_run->n_pub);
    assert_int_equal (r->published.len, s_whole_run->published.len);
    assert_memory_equal (r->published.data, s_whole_run->published.data, r->published.len);
    s_expect_in_sequence (r, 0, r->n_pub, 1);
    hrw_buf_free (&parts);
    s_run_free (r);
}

//  Killed after an intermediate commit of the last group (crash_after
//  unmentored alerts published by then), restarted on what that commit
//  left, the whole group retried: the end is the same, and what was
//  published before and after the crash is the log in sequence.
static void
s_crash_and_retry (size_t crash_after)
{
    hrw_buf_t ignored = { 0 };
    s_run_t *r = s_run (&s_h, S_TINY, crash_after, &ignored);
    hrw_buf_free (&ignored);
    assert_true (*r->crashed);
    s_run_t *again = calloc (1, sizeof (*again));
    assert_non_null (again);
    snprintf (again->dir, sizeof (again->dir), "%.240s", r->crashed);
    again->crash_after = SIZE_MAX;
    s_open (again, again->dir, S_TINY);
    //  What the crashed run published before the crash, then what the
    //  restarted one publishes: every change once, in sequence.
    hrw_buf_append (&again->published, r->published.data, r->pub_end[r->n_pub_at_crash - 1]);
    memcpy (again->pub_end, r->pub_end, r->n_pub_at_crash * sizeof (r->pub_end[0]));
    again->n_pub = r->n_pub_at_crash;
    again->in_last_group = 1;
    s_group (again, &s_h, s_h.last_group, s_h.n, 1);
    s_expect_in_sequence (again, 0, again->n_pub, 1);
    assert_int_equal (again->n_pub, s_whole_run->n_pub);
    assert_memory_equal (again->published.data, s_whole_run->published.data,
                         s_whole_run->published.len);
    hrw_buf_t end = { 0 };
    s_result (again, &end);
    assert_int_equal (end.len, s_whole.len);
    assert_memory_equal (end.data, s_whole.data, s_whole.len);
    hrw_buf_free (&end);
    s_close (again);
    again->crashed[0] = '\0';
    s_run_free (again);
    r->crashed[0] = '\0';
    s_run_free (r);
}

static void
test_crash_between_events_of_a_group_then_retry (void **state)
{
    (void) state;
    s_crash_and_retry (0);
}

static void
test_crash_in_the_middle_of_a_midnight_sweep_then_retry (void **state)
{
    (void) state;
    s_crash_and_retry (S_SUCCESSORS / 3);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_one_midnight_fires_thousands_in_one_transaction_unbounded),
        cmocka_unit_test (test_committed_in_parts_the_same_alerts_and_state),
        cmocka_unit_test (test_crash_between_events_of_a_group_then_retry),
        cmocka_unit_test (test_crash_in_the_middle_of_a_midnight_sweep_then_retry),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
