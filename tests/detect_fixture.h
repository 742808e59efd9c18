/*  detect_fixture: the detector tests' shared fixture: a real LMDB store in
    a temp dir with the event-time engine on it, events fed one per
    transaction, and every alert change it publishes kept in order for the
    tests to check. */
#ifndef HRW_TEST_DETECT_FIXTURE_H
#define HRW_TEST_DETECT_FIXTURE_H

#include "harness.h"

#include "workers/engine.h"

#define D_MAX_SEEN 256

typedef struct {
    char fingerprint[128];
    int state;          //  Hrwatch__V1__AlertState
    int severity;
    int update;         //  An update of a firing alert, not a state change
    double observed;
    char trigger[64];
    char summary[320];
    char changed[40];   //  Event time of the change
} d_seen_t;

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_engine_t *engine;
    d_seen_t seen[D_MAX_SEEN];  //  Every change published, in order
    size_t n_seen;
    int64_t wall_us;            //  The wall clock the engine is shown (live tests)
} d_fixture_t;

/*  Opens the store in f->dir and an engine on it, replaying (event time
    only) or live, with the lateness given. */
void d_open_mode (d_fixture_t *f, int64_t lateness_us, int replay);

/*  d_open_mode, replaying. */
void d_open (d_fixture_t *f, int64_t lateness_us);

/*  cmocka setup and teardown: a fixture in a fresh temp dir, replaying with
    no lateness; teardown closes it and removes the dir. */
int d_setup (void **state);
int d_teardown (void **state);

/*  One event (its body the JSON fields after eventId, occurredAt and
    source) in its own transaction; collects the changes it publishes. */
void d_event (d_fixture_t *f, const char *id, const char *when, const char *body);

/*  Moves the event-time clock to an RFC 3339 time. */
void d_advance (d_fixture_t *f, const char *to);

/*  Asserts the next state change since *cursor (updates of firing alerts
    passed over) is fingerprint in state what ("firing", "resolved",
    "critical"), triggered by trigger and with summary_has in its summary
    when they are not NULL; moves *cursor past it. */
void d_expect (d_fixture_t *f, size_t *cursor, const char *fingerprint, const char *what,
               const char *trigger, const char *summary_has);

/*  Asserts no state change was published since cursor. */
void d_expect_nothing_more (d_fixture_t *f, size_t cursor);

/*  The org tree the detector tests share, defined on 2022-01-01 (events
    u1 to u4): acme; ops and eng under it; wh, a team, under ops. */
void d_org (d_fixture_t *f);

/*  Hires E-first .. E-(first+n-1) into unit at when, events "h-<n>". */
void d_hire_many (d_fixture_t *f, const char *unit, int first, int n, const char *when);

/*  Live tests: shows the engine the wall clock (RFC 3339) and lets it
    settle. */
void d_tick (d_fixture_t *f, const char *wall);

/*  A reload: new detector thresholds, re-evaluated at the clock in a
    transaction of their own; collects what that changes. */
void d_reload (d_fixture_t *f, const hrw_detect_opts_t *opts);

#endif
