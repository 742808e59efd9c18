/*  detect_fixture: a real LMDB store and the engine on it, for the
    detector tests (detect_fixture.h). */
#include "detect_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"

void
d_open_mode (d_fixture_t *f, int64_t lateness_us, int replay)
{
    h_engine_open (f->dir, lateness_us, replay, 0, &f->store, &f->engine);
}

void
d_open (d_fixture_t *f, int64_t lateness_us)
{
    d_open_mode (f, lateness_us, 1);
}

int
d_setup (void **state)
{
    d_fixture_t *f = calloc (1, sizeof (*f));
    h_tempdir (f->dir, sizeof (f->dir));
    d_open (f, 0);
    *state = f;
    return 0;
}

int
d_teardown (void **state)
{
    d_fixture_t *f = *state;
    hrw_engine_destroy (&f->engine);
    hrw_store_destroy (&f->store);
    h_rmtree (f->dir);
    free (f);
    return 0;
}

static void
s_collect (d_fixture_t *f)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (f->engine);
    for (size_t i = 0; i < hrw_alerts_queued (alerts); i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, p.len, p.data);
        assert_non_null (a);
        assert_string_equal (p.topic, a->topic);
        assert_true (f->n_seen < D_MAX_SEEN);
        d_seen_t *s = &f->seen[f->n_seen++];
        snprintf (s->fingerprint, sizeof (s->fingerprint), "%s", a->fingerprint);
        s->state = a->state;
        s->severity = a->severity;
        s->update = a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED;
        s->observed = a->observed;
        snprintf (s->trigger, sizeof (s->trigger), "%s", a->trigger_event_id);
        snprintf (s->summary, sizeof (s->summary), "%s", a->summary);
        hrw_clock_format (hrw_clock_from_parts (a->changed_at->seconds, a->changed_at->nanos),
                          s->changed, sizeof (s->changed));
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
    hrw_alerts_clear_queue (alerts);
}

//  One event in its own transaction: accept, let the clock move, commit.
void
d_event (d_fixture_t *f, const char *id, const char *when, const char *body)
{
    char json[1024];
    snprintf (json, sizeof (json), "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":\"t\",%s}",
              id, when, body);
    assert_int_equal (hrw_engine_begin (f->engine, 0), 0);
    h_engine_accept (f->engine, json);
    assert_int_equal (hrw_engine_settle (f->engine, f->wall_us), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}

void
d_advance (d_fixture_t *f, const char *to)
{
    int64_t s;
    int32_t ns;
    assert_int_equal (hrw_clock_parse (to, &s, &ns), 0);
    assert_int_equal (hrw_engine_begin (f->engine, 0), 0);
    assert_int_equal (hrw_engine_advance (f->engine, hrw_clock_from_parts (s, ns)), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}

//  Asserts the next state changes, in order, since *cursor (updates of
//  firing alerts are passed over): "fingerprint state" pairs, state one of
//  "firing", "resolved", "critical" (firing, critical).
void
d_expect (d_fixture_t *f, size_t *cursor, const char *fingerprint, const char *what,
          const char *trigger, const char *summary_has)
{
    while (*cursor < f->n_seen && f->seen[*cursor].update)
        (*cursor)++;
    if (*cursor >= f->n_seen)
        fail_msg ("expected %s %s, but nothing more was published", fingerprint, what);
    d_seen_t *s = &f->seen[(*cursor)++];
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

void
d_expect_nothing_more (d_fixture_t *f, size_t cursor)
{
    while (cursor < f->n_seen && f->seen[cursor].update)
        cursor++;
    if (cursor < f->n_seen)
        fail_msg ("unexpected: %s (%s)", f->seen[cursor].fingerprint, f->seen[cursor].summary);
}

void
d_org (d_fixture_t *f)
{
    d_event (f, "u1", "2022-01-01T00:00:00Z", "\"orgUnitDefined\":{\"unitId\":\"acme\"}");
    d_event (f, "u2", "2022-01-01T00:00:01Z",
             "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\"}");
    d_event (f, "u3", "2022-01-01T00:00:02Z",
             "\"orgUnitDefined\":{\"unitId\":\"wh\",\"parentId\":\"ops\"}");
    d_event (f, "u4", "2022-01-01T00:00:03Z",
             "\"orgUnitDefined\":{\"unitId\":\"eng\",\"parentId\":\"acme\"}");
}

void
d_hire_many (d_fixture_t *f, const char *unit, int first, int n, const char *when)
{
    for (int i = first; i < first + n; i++) {
        char id[32], body[200];
        snprintf (id, sizeof (id), "h-%d", i);
        snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"%s\"}", i,
                  unit);
        d_event (f, id, when, body);
    }
}

void
d_tick (d_fixture_t *f, const char *wall)
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


void
d_reload (d_fixture_t *f, const hrw_detect_opts_t *opts)
{
    hrw_engine_opts_t eo = *hrw_engine_opts (f->engine);
    eo.detect = *opts;
    hrw_engine_set_opts (f->engine, &eo);
    assert_int_equal (hrw_engine_begin (f->engine, f->wall_us), 0);
    assert_int_equal (hrw_engine_reevaluate (f->engine), 0);
    assert_int_equal (hrw_engine_commit (f->engine), 0);
    s_collect (f);
}
