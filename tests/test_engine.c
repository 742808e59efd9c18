/*  test_engine: the event-time clock, on a real LMDB store in a temp dir.
    What the clock did is read from the alerts it caused: which event
    triggered each change, and at what event time it was made. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "workers/engine.h"

#define E_MAX_SEEN 64
#define E_HOUR_US (3600 * HRW_US_PER_SEC)

typedef struct {
    char fingerprint[128];
    int resolved;               //  A resolution, not a firing
    char trigger[64];           //  The event that caused it ("" for the clock)
    char changed[40];           //  Event time of the change
} seen_t;

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_engine_t *engine;
    seen_t seen[E_MAX_SEEN];    //  Every change published, in order
    size_t n_seen;
} fixture_t;

static int64_t
s_time (const char *when)
{
    int64_t sec;
    int32_t ns;
    assert_int_equal (hrw_clock_parse (when, &sec, &ns), 0);
    return hrw_clock_from_parts (sec, ns);
}

static fixture_t *
s_open (int64_t lateness_us, int replay)
{
    fixture_t *f = calloc (1, sizeof (*f));
    assert_non_null (f);
    h_tempdir (f->dir, sizeof (f->dir));
    h_engine_open (f->dir, lateness_us, replay, 0, &f->store, &f->engine);
    return f;
}

static void
s_close (fixture_t *f)
{
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    h_rmtree (f->dir);
    free (f);
}

//  Moves what the last commit queued into f->seen.
static void
s_collect (fixture_t *f)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (f->engine);
    for (size_t i = 0; i < hrw_alerts_queued (alerts); i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, p.len, p.data);
        assert_non_null (a);
        assert_true (f->n_seen < E_MAX_SEEN);
        seen_t *s = &f->seen[f->n_seen++];
        snprintf (s->fingerprint, sizeof (s->fingerprint), "%s", a->fingerprint);
        s->resolved = a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
        snprintf (s->trigger, sizeof (s->trigger), "%s", a->trigger_event_id);
        hrw_clock_format (hrw_clock_from_parts (a->changed_at->seconds, a->changed_at->nanos),
                          s->changed, sizeof (s->changed));
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
    hrw_alerts_clear_queue (alerts);
}

//  Accepts one event inside the open transaction; it must be new.
static void
s_accept (fixture_t *f, const char *id, const char *when, const char *body)
{
    char json[1024];
    snprintf (json, sizeof (json), "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":\"t\",%s}",
              id, when, body);
    h_engine_accept (f->engine, json);
}

static void
s_begin (fixture_t *f, const char *wall)
{
    assert_int_equal (hrw_engine_begin (f->engine, wall? s_time (wall): 0), 0);
}

//  Lets the clock move as far as the wall clock (or event time alone)
//  allows, commits, and collects what was published.
static void
s_settle_commit (fixture_t *f, const char *wall)
{
    assert_int_equal (hrw_engine_settle (f->engine, wall? s_time (wall): 0), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}

//  One event in its own transaction.
static void
s_event (fixture_t *f, const char *id, const char *when, const char *body)
{
    s_begin (f, NULL);
    s_accept (f, id, when, body);
    s_settle_commit (f, NULL);
}

static void
s_advance (fixture_t *f, const char *to)
{
    s_begin (f, NULL);
    assert_int_equal (hrw_engine_advance (f->engine, s_time (to)), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}

//  The change at *at must be this one; moves past it.
static void
s_expect (fixture_t *f, size_t *at, const char *fingerprint, int resolved, const char *trigger,
          const char *changed)
{
    if (*at >= f->n_seen)
        fail_msg ("expected %s, but nothing more was published", fingerprint);
    seen_t *s = &f->seen[(*at)++];
    assert_string_equal (s->fingerprint, fingerprint);
    assert_int_equal (s->resolved, resolved);
    assert_string_equal (s->trigger, trigger);
    assert_string_equal (s->changed, changed);
}

#define UNIT "\"orgUnitDefined\":{\"unitId\":\"ops\"}"
#define HIRE(e) "\"hire\":{\"employeeId\":\"" e "\",\"unitId\":\"ops\"}"
#define DEF_P1 "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\"," \
               "\"critical\":true,\"incumbentId\":\"E-1\"}"
#define READY_E2 "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-2\"," \
                 "\"readiness\":\"READINESS_READY_NOW\"}"
#define WITHDRAW_E2 "\"successorWithdrawn\":{\"positionId\":\"P-1\",\"employeeId\":\"E-2\"}"
#define RIF "\"type\":\"EXIT_TYPE_INVOLUNTARY\",\"reductionInForce\":true"

//  ops, E-1 and E-2 hired, in event time before 01:00 on 1 March.
static void
s_people (fixture_t *f)
{
    s_accept (f, "u", "2024-03-01T00:00:00Z", UNIT);
    s_accept (f, "h1", "2024-03-01T00:10:00Z", HIRE ("E-1"));
    s_accept (f, "h2", "2024-03-01T00:20:00Z", HIRE ("E-2"));
}

// ---------------------------------------------------------------------------

//  Within the hour of lateness events are held, and applied in event-time
//  order once the clock reaches them, whatever order they came in. The
//  nomination arrives before the position it is for: applied as it came,
//  the position would be defined with a ready successor and never fire.
static void
test_held_events_are_applied_in_event_time_order (void **state)
{
    (void) state;
    fixture_t *f = s_open (E_HOUR_US, 1);
    size_t at = 0;
    s_begin (f, NULL);
    s_accept (f, "n2", "2024-03-01T01:30:00Z", READY_E2);
    s_people (f);
    s_accept (f, "p", "2024-03-01T01:00:00Z", DEF_P1);
    //  The clock is an hour behind the newest event, 00:30: nothing of
    //  the position or the nomination is applied yet.
    s_settle_commit (f, NULL);
    assert_int_equal (f->n_seen, 0);
    assert_false (hrw_alerts_is_firing (hrw_engine_alerts (f->engine),
                                        HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP,
                                        "P-1", NULL));
    //  An event at 02:15 moves the clock to 01:15: the position, not yet
    //  the nomination.
    s_begin (f, NULL);
    s_accept (f, "h3", "2024-03-01T02:15:00Z", HIRE ("E-3"));
    s_settle_commit (f, NULL);
    s_expect (f, &at, "succession_gap/P-1", 0, "p", "2024-03-01T01:00:00Z");
    assert_int_equal (f->n_seen, at);
    //  Then to 01:45: the nomination, at its own event time.
    s_begin (f, NULL);
    s_accept (f, "h4", "2024-03-01T02:45:00Z", HIRE ("E-4"));
    s_settle_commit (f, NULL);
    s_expect (f, &at, "succession_gap/P-1", 1, "n2", "2024-03-01T01:30:00Z");
    assert_int_equal (f->n_seen, at);
    s_close (f);
}

//  An event older than the clock is late: applied at once, in the same
//  transaction and without the clock moving, and evaluated at the clock's
//  time, not its own.
static void
test_late_event_is_applied_at_once_at_the_clock (void **state)
{
    (void) state;
    fixture_t *f = s_open (E_HOUR_US, 1);
    size_t at = 0;
    s_begin (f, NULL);
    s_people (f);
    s_accept (f, "p", "2024-03-01T01:00:00Z", DEF_P1);
    s_accept (f, "n2", "2024-03-01T01:30:00Z", READY_E2);
    s_accept (f, "h3", "2024-03-01T04:00:00Z", HIRE ("E-3"));
    s_settle_commit (f, NULL);     //  The clock at 03:00
    s_expect (f, &at, "succession_gap/P-1", 0, "p", "2024-03-01T01:00:00Z");
    s_expect (f, &at, "succession_gap/P-1", 1, "n2", "2024-03-01T01:30:00Z");
    //  A withdrawal that happened at 02:00 arrives now: no settle needed.
    s_begin (f, NULL);
    s_accept (f, "w2", "2024-03-01T02:00:00Z", WITHDRAW_E2);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
    s_expect (f, &at, "succession_gap/P-1", 0, "w2", "2024-03-01T03:00:00Z");
    assert_int_equal (f->n_seen, at);
    s_close (f);
}

//  With no lateness allowed, an event in order is applied as it is
//  accepted; with an hour allowed, the same event waits for the clock.
static void
test_lateness_decides_what_waits (void **state)
{
    (void) state;
    fixture_t *f = s_open (0, 1);
    s_begin (f, NULL);
    s_people (f);
    s_accept (f, "p", "2024-03-01T01:00:00Z", DEF_P1);
    assert_int_equal (hrw_engine_commit (f->engine), 0);   //  No settle
    s_collect (f);
    assert_int_equal (f->n_seen, 1);
    s_close (f);

    f = s_open (E_HOUR_US, 1);
    s_begin (f, NULL);
    s_people (f);
    s_accept (f, "p", "2024-03-01T01:00:00Z", DEF_P1);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
    assert_int_equal (f->n_seen, 0);
    //  Advancing to the newest event applies what waited, lateness or not.
    s_begin (f, NULL);
    assert_int_equal (hrw_engine_advance (f->engine, HRW_TIME_NONE), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
    size_t at = 0;
    s_expect (f, &at, "succession_gap/P-1", 0, "p", "2024-03-01T01:00:00Z");
    s_close (f);
}

//  Two reductions in force, in units of three, ten days apart, each
//  firing for 30 days: one jump of the clock over two months resolves
//  each on its own day, in order, as if the clock had moved a day at a
//  time.
static void
test_day_boundaries_are_passed_one_by_one (void **state)
{
    (void) state;
    fixture_t *f = s_open (0, 1);
    size_t at = 0;
    for (int i = 1; i <= 6; i++) {
        char id[16], body[128];
        snprintf (id, sizeof (id), "h-%d", i);
        snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"%s\"}", i,
                  i <= 3? "wh": "dc");
        s_event (f, id, "2024-09-01T00:00:00Z", body);
    }
    s_event (f, "x-1", "2024-10-01T09:00:00Z", "\"exit\":{\"employeeId\":\"E-1\"," RIF "}");
    s_event (f, "x-4", "2024-10-11T09:00:00Z", "\"exit\":{\"employeeId\":\"E-4\"," RIF "}");
    s_expect (f, &at, "reduction_in_force/wh", 0, "x-1", "2024-10-01T09:00:00Z");
    s_expect (f, &at, "reduction_in_force/dc", 0, "x-4", "2024-10-11T09:00:00Z");
    s_advance (f, "2024-12-01T00:00:00Z");
    s_expect (f, &at, "reduction_in_force/wh", 1, "", "2024-11-01T00:00:00Z");
    s_expect (f, &at, "reduction_in_force/dc", 1, "", "2024-11-11T00:00:00Z");
    assert_int_equal (f->n_seen, at);
    s_close (f);
}

//  Replaying history, the clock follows event time alone: however far the
//  wall clock goes, a time-window alert stays firing. Live, the clock also
//  follows the wall clock less the lateness, and the alert resolves with
//  no event at all.
static void
test_replay_ignores_the_wall_clock_and_live_follows_it (void **state)
{
    (void) state;
    for (int replay = 1; replay >= 0; replay--) {
        fixture_t *f = s_open (E_HOUR_US, replay);
        size_t at = 0;
        s_begin (f, "2024-09-01T12:00:00Z");
        for (int i = 1; i <= 3; i++) {
            char id[16], body[128];
            snprintf (id, sizeof (id), "h-%d", i);
            snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"wh\"}",
                      i);
            s_accept (f, id, "2024-09-01T00:00:00Z", body);
        }
        s_accept (f, "x-1", "2024-10-01T09:00:00Z", "\"exit\":{\"employeeId\":\"E-1\"," RIF "}");
        s_accept (f, "h-9", "2024-10-01T11:00:00Z", HIRE ("E-9"));
        s_settle_commit (f, "2024-10-01T12:00:00Z");
        s_expect (f, &at, "reduction_in_force/wh", 0, "x-1", "2024-10-01T09:00:00Z");
        //  Six weeks on the wall clock, no events.
        s_begin (f, "2024-11-15T00:00:00Z");
        s_settle_commit (f, "2024-11-15T00:00:00Z");
        int firing = hrw_alerts_is_firing (hrw_engine_alerts (f->engine),
                                           HRWATCH__V1__ALERT_KIND__ALERT_KIND_REDUCTION_IN_FORCE,
                                           "wh", NULL);
        if (replay) {
            assert_true (firing);
            assert_int_equal (f->n_seen, at);
        }
        else {
            assert_false (firing);
            s_expect (f, &at, "reduction_in_force/wh", 1, "", "2024-11-01T00:00:00Z");
        }
        s_close (f);
    }
}

// ---------------------------------------------------------------------------
// The same history, however it is cut into commits

#define E_HISTORY_MAX 40000

//  A generated company's history (hrwatch-gen --inject: a turnover spike
//  whose alert fires and then updates as exits come, survey cycles closed
//  by the midnight sweep, succession gaps; exits rescinded, and exits
//  entered ahead with their early warnings), each event packed, and the
//  order it is sent in: as written, but every 37th event sent some
//  hundreds of events (days) later, so that some arrive older than the
//  newest before them (late, or held within a lateness).
typedef struct {
    hrw_buf_t packed;           //  Every event, one after the other
    size_t *end;                //  Where event i ends in packed
    size_t *order;              //  The events in the order they are sent
    size_t n;                   //  Events
} history_t;

static void
s_history_load (history_t *h)
{
    memset (h, 0, sizeof (*h));
    h->end = calloc (E_HISTORY_MAX, sizeof (*h->end));
    assert_non_null (h->end);
    FILE *in = popen (HRW_BIN_DIR "/hrwatch-gen --inject --employees 1500 --units 16 "
                      "--years 3 --seed 7 --rescinds --scheduled", "r");
    assert_non_null (in);
    static char line[8192];
    while (fgets (line, sizeof (line), in)) {
        assert_true (h->n < E_HISTORY_MAX);
        line[strcspn (line, "\n")] = '\0';
        h_event_json (&h->packed, line);
        h->end[h->n++] = h->packed.len;
    }
    assert_int_equal (pclose (in), 0);
    assert_true (h->n > 10000);
    h->order = calloc (h->n, sizeof (*h->order));
    assert_non_null (h->order);
    for (size_t i = 0; i < h->n; i++)
        h->order[i] = i;
    uint64_t rng = 7;
    for (size_t i = 0; i < h->n; i += 37) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t to = i + 1 + (size_t) ((rng >> 33) % 400);
        if (to >= h->n)
            break;
        size_t moved = h->order[i];
        memmove (&h->order[i], &h->order[i + 1], (to - i) * sizeof (*h->order));
        h->order[to] = moved;
    }
}

static void
s_history_free (history_t *h)
{
    hrw_buf_free (&h->packed);
    free (h->end);
    free (h->order);
}

//  hrw_alerts_each callback: appends one logged Alert, length first.
static void
s_log_one (const uint8_t *data, size_t len, void *arg)
{
    hrw_buf_t *log = arg;
    uint32_t n = (uint32_t) len;
    assert_int_equal (hrw_buf_append (log, &n, sizeof (n)), 0);
    assert_int_equal (hrw_buf_append (log, data, len), 0);
}

//  Replays the history into a fresh store, each commit taking the next
//  cut[i % n_cut] events (0: all that are left), and appends the whole
//  alert log, as packed, to log.
static void
s_replay_cut (const history_t *h, int64_t lateness_us, const size_t *cut, size_t n_cut,
              hrw_buf_t *log)
{
    char dir[256];
    h_tempdir (dir, sizeof (dir));
    //  No fsync: a commit per event would otherwise take minutes, and
    //  durability is not what is tested here.
    hrw_store_opts_t so = { .path = dir, .map_size = (size_t) 1 << 30, .max_map_size = 0,
                            .rejected_keep = 100, .no_sync = 1 };
    hrw_store_t *store;
    assert_int_equal (hrw_store_open (&so, &store), 0);
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = 1;
    eo.lateness_us = lateness_us;
    hrw_engine_t *engine = hrw_engine_new (store, &eo);
    assert_non_null (engine);
    for (size_t i = 0, c = 0; i < h->n; c++) {
        size_t take = cut[c % n_cut]? cut[c % n_cut]: h->n - i;
        assert_int_equal (hrw_engine_begin (engine, 0), 0);
        for (size_t stop = i + take < h->n? i + take: h->n; i < stop; i++) {
            size_t e = h->order[i], from = e? h->end[e - 1]: 0;
            Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (NULL, h->end[e] - from,
                                                                 h->packed.data + from);
            assert_non_null (ev);
            hrw_apply_t result;
            assert_int_equal (hrw_engine_accept (engine, ev, h->packed.data + from,
                                                 h->end[e] - from, hrw_hash_message (&ev->base),
                                                 &result), 0);
            assert_int_equal (result, HRW_APPLIED);
            hrwatch__v1__event__free_unpacked (ev, NULL);
        }
        assert_int_equal (hrw_engine_settle (engine, 0), 0);
        assert_int_equal (hrw_engine_commit (engine), 0);
        hrw_alerts_clear_queue (hrw_engine_alerts (engine));
    }
    assert_int_equal (hrw_alerts_each_at (hrw_engine_alerts (engine), 0, 0, 0, UINT32_MAX, NULL,
                                          s_log_one, log), 0);
    hrw_engine_destroy (&engine);
    hrw_store_destroy (&store);
    h_rmtree (dir);
}

//  The logged Alert at *off in log (NULL at the end); moves *off past it.
static Hrwatch__V1__Alert *
s_log_next (const hrw_buf_t *log, size_t *off)
{
    if (*off >= log->len)
        return NULL;
    uint32_t n;
    memcpy (&n, log->data + *off, sizeof (n));
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, n, log->data + *off + sizeof (n));
    assert_non_null (a);
    *off += sizeof (n) + n;
    return a;
}

static void
s_alert_text (const Hrwatch__V1__Alert *a, char *out, size_t cap)
{
    char at[40] = "";
    if (a)
        hrw_clock_format (hrw_clock_from_parts (a->changed_at->seconds, a->changed_at->nanos),
                          at, sizeof (at));
    snprintf (out, cap, a? "seq %llu %s change %d at %s: %s": "(none)",
              a? (unsigned long long) a->seq: 0ULL, a? a->fingerprint: "", a? (int) a->change: 0,
              at, a? a->summary: "");
}

//  The two logs must be the same bytes; if not, says where they part.
static void
s_logs_same (const hrw_buf_t *want, const hrw_buf_t *got, const char *how)
{
    if (want->len == got->len && !memcmp (want->data, got->data, want->len))
        return;
    size_t ow = 0, og = 0;
    for (;;) {
        size_t at_w = ow, at_g = og;
        Hrwatch__V1__Alert *a = s_log_next (want, &ow), *b = s_log_next (got, &og);
        int same = ow - at_w == og - at_g
                   && !memcmp (want->data + at_w, got->data + at_g, ow - at_w);
        char ta[600], tb[600];
        s_alert_text (a, ta, sizeof (ta));
        s_alert_text (b, tb, sizeof (tb));
        if (a)
            hrwatch__v1__alert__free_unpacked (a, NULL);
        if (b)
            hrwatch__v1__alert__free_unpacked (b, NULL);
        if (!same)
            fail_msg ("%s: the alert logs part at\n  one per commit: %s\n  %s: %s", how, ta,
                      how, tb);
    }
}

//  A replay must give the same alert log, byte for byte (sequence numbers,
//  fingerprints, states, changes and their event times, summaries,
//  figures), whether each event is its own commit or the history comes in
//  one commit or in commits cut anywhere: how a publisher batches, and how
//  the daemon groups what arrives, are accidents of the network. Folding
//  an alert's changes per commit broke that: a turnover spike that fired
//  with 9 exits in 30 days and grew to 17 over the next days read, in one
//  commit, as fired at the first instant saying 17. The log checked holds
//  firings updated at later event times (what a fold per commit would
//  merge), so sameness here is not for want of anything to fold.
static void
test_the_alert_log_does_not_depend_on_how_events_are_committed (void **state)
{
    (void) state;
    history_t h;
    s_history_load (&h);
    static const size_t one[] = { 1 }, all[] = { 0 };
    static const size_t uneven[] = { 500, 3, 1, 2000, 17, 250, 1, 1, 64, 999 };
    static const size_t primes[] = { 7919, 13, 1021 };
    hrw_buf_t want = { 0 }, got = { 0 };
    s_replay_cut (&h, 0, one, 1, &want);

    //  Enough to fold: a firing updated later, at another event time.
    size_t off = 0, fired_then_updated = 0, changes = 0;
    char fired[64][128];
    size_t n_fired = 0;
    Hrwatch__V1__Alert *a;
    while ((a = s_log_next (&want, &off))) {
        changes++;
        if (a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_FIRED && n_fired < 64)
            snprintf (fired[n_fired++], sizeof (fired[0]), "%s", a->fingerprint);
        else if (a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED)
            for (size_t i = 0; i < n_fired; i++)
                fired_then_updated += !strcmp (fired[i], a->fingerprint);
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
    assert_true (changes > 50);
    assert_true (fired_then_updated > 10);

    s_replay_cut (&h, 0, all, 1, &got);
    s_logs_same (&want, &got, "one commit");
    hrw_buf_clear (&got);
    s_replay_cut (&h, 0, uneven, sizeof (uneven) / sizeof (uneven[0]), &got);
    s_logs_same (&want, &got, "uneven commits");

    //  With lateness allowed, which events are late (applied at the clock)
    //  and which are held (applied at their own time) must not depend on
    //  the commits either.
    hrw_buf_clear (&want);
    hrw_buf_clear (&got);
    s_replay_cut (&h, 3 * 86400 * HRW_US_PER_SEC, one, 1, &want);
    s_replay_cut (&h, 3 * 86400 * HRW_US_PER_SEC, primes, sizeof (primes) / sizeof (primes[0]),
                  &got);
    s_logs_same (&want, &got, "commits of 7919, 13, 1021 with lateness");
    hrw_buf_free (&want);
    hrw_buf_free (&got);
    s_history_free (&h);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_held_events_are_applied_in_event_time_order),
        cmocka_unit_test (test_late_event_is_applied_at_once_at_the_clock),
        cmocka_unit_test (test_lateness_decides_what_waits),
        cmocka_unit_test (test_day_boundaries_are_passed_one_by_one),
        cmocka_unit_test (test_replay_ignores_the_wall_clock_and_live_follows_it),
        cmocka_unit_test (test_the_alert_log_does_not_depend_on_how_events_are_committed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
