/*  engine: the event-time clock. Accepted events are applied to the store
    and shown to the detectors in event-time order as the clock reaches
    them; the clock follows the newest event, less the allowed lateness,
    and (live, not in a replay) also the wall clock less the lateness, so
    windows slide when nothing arrives. An event older than the clock is
    late: it is applied at once and evaluated at the clock's time. The
    clock moves with each event accepted, not with each commit, and each
    event applied (and each midnight swept) is a step of its own for the
    alerts, so how events are cut into commits changes no alert. */
#ifndef HRW_ENGINE_H
#define HRW_ENGINE_H

#include <stdint.h>

#include "workers/alerts.h"
#include "workers/detect.h"
#include "workers/store.h"

typedef struct {
    hrw_detect_opts_t detect;   //  Thresholds
    int replay;                 //  Event time alone: no wall-clock ticks
    int64_t lateness_us;        //  How far the clock trails the newest event
    uint32_t alert_log_keep;    //  Alert changes kept for catching up
    uint32_t commit_every;      //  Work after which the transaction is
                                //  committed so far and goes on (see
                                //  hrw_engine_on_commit); 0: the default
} hrw_engine_opts_t;

/*  LMDB holds every page a write transaction dirties in memory (malloc'd)
    until the commit, and keeps the freed pages for ever, so the largest
    transaction sets the daemon's resident memory. Work is counted as an
    alert change or a subject swept 1, an event applied HRW_ENGINE_EVENT_WORK:
    measured on the bench history (250k employees), an event dirties some
    3.5 pages (its records, the id index, the journal, series, counters:
    random places in large tables), an alert change a quarter of one (its
    current record, its log entry and the trimmed log's oldest, near their
    neighbours, as a sweep goes in key order). 16384 is some 1000 events
    or 16000 alert changes, 4000 pages at most: about 16 MiB. */
#define HRW_ENGINE_COMMIT_EVERY 16384
#define HRW_ENGINE_EVENT_WORK 16

typedef struct hrw_engine hrw_engine_t;

/*  Fills opts with the defaults. */
void hrw_engine_defaults (hrw_engine_opts_t *opts);

/*  Returns an engine over store, or NULL. */
hrw_engine_t *hrw_engine_new (hrw_store_t *store, const hrw_engine_opts_t *opts);

void hrw_engine_destroy (hrw_engine_t **self_p);

/*  Replaces the thresholds and clock settings (between transactions). */
void hrw_engine_set_opts (hrw_engine_t *self, const hrw_engine_opts_t *opts);

/*  Inside a write transaction, after hrw_engine_set_opts: re-evaluates at
    the clock the alerts the changed thresholds decide. 0 or an error. */
int hrw_engine_reevaluate (hrw_engine_t *self);

/*  Starts a write transaction; now_us is the wall clock (for silences). */
int hrw_engine_begin (hrw_engine_t *self, int64_t now_us);

/*  Accepts one validated event (raw is its encoding): records its id and
    applies it now if it is late, or holds it for the clock; then moves the
    clock by event time (the newest event less the lateness) as far as
    this event allows, applying what it reaches. */
int hrw_engine_accept (hrw_engine_t *self, const Hrwatch__V1__Event *ev, const void *raw,
                       size_t raw_len, uint64_t content_hash, hrw_apply_t *result);

/*  Moves the clock as far as the rules allow at wall-clock time now_us,
    applying what it reaches. Call before committing. */
int hrw_engine_settle (hrw_engine_t *self, int64_t now_us);

/*  Moves the clock to to_us (HRW_TIME_NONE: the newest event) whatever the
    lateness, applying what it reaches. */
int hrw_engine_advance (hrw_engine_t *self, int64_t to_us);

int hrw_engine_commit (hrw_engine_t *self);
void hrw_engine_abort (hrw_engine_t *self);

/*  A transaction that has done commit_every work (a group of events, a
    midnight sweep that brings thousands of alerts due; in accept, settle
    or advance) commits what it has so far, between two events or two
    subjects, and goes on in a fresh one; fn (arg) is then called, outside any
    LMDB read, to publish the changes queued so far (hrw_alerts_queued),
    which are durable. Without fn they stay queued until published after
    the final commit, even if the rest of the group aborts. An event taken
    in hand (recorded, not yet applied) is held for the clock across such a
    commit, so a crash before the final commit leaves it to be applied when
    the clock next moves, its retry a duplicate; a sweep cut short is run
    again for its day and finds only what it had not done. */
void hrw_engine_on_commit (hrw_engine_t *self, void (*fn) (void *), void *arg);

/*  Intermediate commits made since the engine was created. */
uint64_t hrw_engine_parts (hrw_engine_t *self);

/*  The alerts, for publishing and queries. */
hrw_alerts_t *hrw_engine_alerts (hrw_engine_t *self);

/*  The detectors, for queries. */
hrw_detect_t *hrw_engine_detect (hrw_engine_t *self);

/*  Thresholds in force. */
const hrw_engine_opts_t *hrw_engine_opts (hrw_engine_t *self);

#endif
