/*  engine: clock, held events, and the apply-then-detect step. */
#include "workers/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/clock.h"

#define S_DAY_US (86400LL * HRW_US_PER_SEC)

struct hrw_engine {
    hrw_store_t *store;         //  State
    hrw_alerts_t *alerts;       //  Alert lifecycle
    hrw_detect_t *detect;       //  Detectors
    hrw_engine_opts_t opts;     //  Clock settings
    hrw_buf_t held;             //  A held event's encoding, being applied
    hrw_arena_t *arena;         //  Its decoded form
    hrw_buf_t undo;             //  The encoding of an event being voided
    hrw_arena_t *undo_arena;    //  Its decoded form
    int64_t now_us;             //  Wall clock of the transaction
    //  Intermediate commits (see engine.h)
    int may_commit;             //  Nothing up the stack forbids one now
    uint64_t seq_at_commit;     //  Last alert seq when the last commit began
    uint64_t work;              //  Work since then, besides alert changes
    const void *hand;           //  An event recorded, not applied yet, or NULL
    size_t hand_len;
    int64_t hand_t;             //  Its stamp, for the queue
    uint64_t hand_tb;
    hrw_buf_t park;             //  It, taken back from the queue
    void (*on_commit) (void *); //  Publishes what an intermediate commit made
    void *on_commit_arg;        //  durable
    uint64_t parts;             //  Intermediate commits made
};

static int s_checkpoint (void *arg);

void
hrw_engine_defaults (hrw_engine_opts_t *o)
{
    hrw_detect_defaults (&o->detect);
    o->replay = 0;
    o->lateness_us = 0;
    o->alert_log_keep = 100000;
}

hrw_engine_t *
hrw_engine_new (hrw_store_t *store, const hrw_engine_opts_t *opts)
{
    hrw_engine_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->store = store;
    self->opts = *opts;
    self->arena = hrw_arena_new (64 * 1024);
    self->undo_arena = hrw_arena_new (64 * 1024);
    self->alerts = hrw_alerts_new (store, opts->alert_log_keep);
    self->detect = self->alerts? hrw_detect_new (store, self->alerts, &opts->detect): NULL;
    if (!self->arena || !self->undo_arena || !self->detect) {
        hrw_engine_destroy (&self);
        return NULL;
    }
    hrw_detect_set_checkpoint (self->detect, s_checkpoint, self);
    return self;
}

void
hrw_engine_destroy (hrw_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_engine_t *self = *self_p;
    hrw_detect_destroy (&self->detect);
    hrw_alerts_destroy (&self->alerts);
    hrw_arena_destroy (&self->arena);
    hrw_arena_destroy (&self->undo_arena);
    hrw_buf_free (&self->held);
    hrw_buf_free (&self->undo);
    hrw_buf_free (&self->park);
    free (self);
    *self_p = NULL;
}

void
hrw_engine_set_opts (hrw_engine_t *self, const hrw_engine_opts_t *opts)
{
    self->opts = *opts;
    hrw_detect_set_opts (self->detect, &opts->detect);
}

hrw_alerts_t *
hrw_engine_alerts (hrw_engine_t *self)
{
    return self->alerts;
}

hrw_detect_t *
hrw_engine_detect (hrw_engine_t *self)
{
    return self->detect;
}

const hrw_engine_opts_t *
hrw_engine_opts (hrw_engine_t *self)
{
    return &self->opts;
}

void
hrw_engine_on_commit (hrw_engine_t *self, void (*fn) (void *), void *arg)
{
    self->on_commit = fn;
    self->on_commit_arg = arg;
}

uint64_t
hrw_engine_parts (hrw_engine_t *self)
{
    return self->parts;
}

static void
s_mark (hrw_engine_t *self)
{
    uint64_t firing;
    hrw_alerts_totals (self->alerts, &self->seq_at_commit, &firing);
    self->work = 0;
}

int
hrw_engine_begin (hrw_engine_t *self, int64_t now_us)
{
    self->now_us = now_us;
    self->may_commit = 0;
    self->hand = NULL;
    int rc = hrw_store_begin (self->store);
    if (!rc && (rc = hrw_alerts_begin (self->alerts, now_us)))
        hrw_store_abort (self->store);
    if (!rc)
        s_mark (self);
    return rc;
}

int
hrw_engine_commit (hrw_engine_t *self)
{
    int rc = hrw_store_commit (self->store);
    if (!rc)
        hrw_alerts_committed (self->alerts, 0);
    return rc;
}

//  Takes the event in hand back from the queue it was parked in over an
//  intermediate commit: it is the earliest held at its time (it was due
//  first, or nothing was held by its time), so it is the one taken.
static int
s_unpark (hrw_engine_t *self)
{
    int rc = hrw_store_take_due (self->store, self->hand_t, &self->park);
    if (rc)
        return rc == HRW_E_NOTFOUND? HRW_E_CORRUPT: rc;
    if (self->park.len != self->hand_len || memcmp (self->park.data, self->hand, self->hand_len))
        return HRW_E_CORRUPT;
    return 0;
}

//  Commits the transaction so far and begins the next. The event in hand
//  is held for the clock over the commit: committed recorded but neither
//  applied nor held, a crash would lose it (its retry is a duplicate).
static int
s_commit_part (hrw_engine_t *self)
{
    int rc = 0;
    if (self->hand)
        rc = hrw_store_defer (self->store, self->hand_t, self->hand_tb, self->hand,
                              self->hand_len);
    if (!rc)
        rc = hrw_store_commit_part (self->store);
    if (rc == EBUSY) {
        //  Something still reads the transaction: go on without committing.
        s_mark (self);
        return self->hand? s_unpark (self): 0;
    }
    if (rc)
        return rc;
    self->parts++;
    hrw_alerts_committed (self->alerts, 1);
    s_mark (self);
    if (self->on_commit)
        self->on_commit (self->on_commit_arg);
    if ((rc = hrw_store_begin (self->store)))
        return rc;
    return self->hand? s_unpark (self): 0;
}

//  Between two subjects of a sweep, two days, or two events (work: what
//  was done since the last call, besides alert changes): commits when the
//  transaction has done enough, where the callers up the stack allow it.
static int
s_checkpoint_after (hrw_engine_t *self, uint64_t work)
{
    self->work += work;
    if (!self->may_commit)
        return 0;
    uint64_t every = self->opts.commit_every? self->opts.commit_every
                                            : HRW_ENGINE_COMMIT_EVERY;
    uint64_t seq, firing;
    hrw_alerts_totals (self->alerts, &seq, &firing);
    if (seq - self->seq_at_commit + self->work < every)
        return 0;
    return s_commit_part (self);
}

//  The detectors' call, between two subjects of a sweep.
static int
s_checkpoint (void *arg)
{
    return s_checkpoint_after (arg, 1);
}

//  Holds ev (raw) in hand while a step runs that may commit.
static void
s_take_in_hand (hrw_engine_t *self, const void *raw, size_t len, int64_t t, uint64_t tb)
{
    self->hand = raw;
    self->hand_len = len;
    self->hand_t = t;
    self->hand_tb = tb;
}

void
hrw_engine_abort (hrw_engine_t *self)
{
    hrw_store_abort (self->store);
}

static int64_t
s_clock (hrw_engine_t *self)
{
    hrw_counters_t c;
    hrw_store_counters (self->store, &c);
    return c.clock_us;
}

int
hrw_engine_reevaluate (hrw_engine_t *self)
{
    hrw_alerts_step (self->alerts);
    return hrw_detect_reevaluate (self->detect, s_clock (self));
}

//  Starts the step in which target is taken back: what it resolves, it
//  resolves as retracted.
static void
s_retraction_step (hrw_engine_t *self, const char *target)
{
    char why[HRW_EVENT_ID_MAX + 32];
    snprintf (why, sizeof (why), "retracted: %s voided", target);
    hrw_alerts_step (self->alerts);
    hrw_alerts_set_resolution (self->alerts, why);
}

//  A held event that will not be applied (voided before its time): its
//  early warnings go (trigger: what voided it; NULL: itself).
static int
s_drop_held (hrw_engine_t *self, const Hrwatch__V1__Event *ev, int64_t clock, const char *by)
{
    //  A void or correction that will not apply voids nothing.
    const char *target = hrw_store_event_target (ev);
    int rc = target? hrw_store_void_forget (self->store, target, ev->event_id): 0;
    return rc? rc: hrw_detect_schedule (self->detect, ev, 0, clock, by);
}

//  Takes back the event a void or correction names, in a step of its own
//  (which a correction's event shares): what only it raised resolves as
//  retracted.
static int
s_take_back (hrw_engine_t *self, const char *target, const char *by, int64_t clock)
{
    s_retraction_step (self, target);
    hrw_target_t where;
    int64_t counted;
    int rc = hrw_store_target (self->store, target, &self->undo, &counted, &where);
    if (rc || where == HRW_TARGET_NONE)
        return rc;
    hrw_arena_reset (self->undo_arena);
    Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (hrw_arena_allocator (self->undo_arena),
                                                          self->undo.len, self->undo.data);
    if (!ev)
        return HRW_E_CORRUPT;
    if (where == HRW_TARGET_HELD)
        return s_drop_held (self, ev, clock, by);
    hrw_detect_before_t before;
    rc = hrw_detect_before (self->detect, ev, &before);
    before.voiding = 1;
    before.counted_us = counted;
    if (!rc)
        rc = hrw_store_unapply (self->store, ev);
    //  What changes now, the void (or correction) made happen.
    ev->event_id = (char *) by;
    if (!rc)
        rc = hrw_detect_after (self->detect, ev, &before, clock);
    return rc;
}

//  Applies an event and shows it to the detectors at clock: one step, so
//  what it changes is said apart from what other events of the same
//  commit change. A void takes its event back; a correction takes its
//  event back, then is applied.
static int
s_apply (hrw_engine_t *self, const Hrwatch__V1__Event *ev, const void *raw, size_t raw_len,
         int64_t clock)
{
    if (hrw_store_is_voided (self->store, ev->event_id)) {
        s_retraction_step (self, ev->event_id);
        return s_drop_held (self, ev, clock, NULL);
    }
    const char *target = hrw_store_event_target (ev);
    int rc = target? s_take_back (self, target, ev->event_id, clock): 0;
    if (rc || ev->body_case == HRWATCH__V1__EVENT__BODY_EVENT_VOIDED)
        return rc;
    //  A correction is one step with the take-back: an alert both
    //  versions raise is updated, not resolved and fired again.
    hrw_detect_before_t before;
    if (!target)
        hrw_alerts_step (self->alerts);
    rc = hrw_detect_before (self->detect, ev, &before);
    if (!rc)
        rc = hrw_store_apply (self->store, ev, raw, raw_len, clock);
    if (!rc)
        rc = hrw_detect_after (self->detect, ev, &before, clock);
    return rc;
}

//  When what the event says was known: when it was recorded, where the
//  HRIS says; else when it takes effect, but live never later than now (a
//  replay has event time alone).
static int64_t
s_known (hrw_engine_t *self, const Hrwatch__V1__Event *ev, int64_t t)
{
    if (ev->recorded_at)
        return hrw_clock_from_parts (ev->recorded_at->seconds, ev->recorded_at->nanos);
    return self->opts.replay || t < self->now_us? t: self->now_us;
}

//  Sweeps at every day boundary from the clock up to and including upto,
//  so time-window alerts resolve and survey cycles close on the day they
//  should. The clock follows each day swept: should the transaction be
//  committed between days and the rest lost, the days done are not swept
//  again (later days' changes would be judged anew at an earlier time); a
//  day committed half swept is, and finds the rest.
static int
s_days (hrw_engine_t *self, int64_t from, int64_t upto)
{
    if (from == HRW_TIME_NONE)
        return 0;
    int64_t day = (from / S_DAY_US + 1) * S_DAY_US;
    if (day > upto)
        return 0;       //  No boundary crossed: the common case, kept cheap
    uint64_t seq, firing;
    hrw_alerts_totals (self->alerts, &seq, &firing);
    if (firing == 0 && !hrw_detect_cycles_open (self->detect)
        && !hrw_detect_due_by (self->detect, upto))
        return 0;
    for (; day <= upto; day += S_DAY_US) {
        hrw_alerts_step (self->alerts);
        int rc = hrw_detect_sweep (self->detect, day);
        if (rc)
            return rc;
        hrw_store_set_clock (self->store, day);
        if ((rc = s_checkpoint_after (self, 1)))
            return rc;
    }
    return 0;
}

static int s_run_to (hrw_engine_t *self, int64_t target);

//  The sweeps before an event applied in order, with the event in hand.
static int
s_days_before (hrw_engine_t *self, int64_t clock, int64_t t, const void *raw, size_t raw_len,
               uint64_t tb)
{
    s_take_in_hand (self, raw, raw_len, t, tb);
    int rc = s_days (self, clock, t);
    self->hand = NULL;
    return rc;
}

//  After an accepted event was applied (rc: how that went), it is done
//  with: the transaction may be committed there.
static int
s_applied (hrw_engine_t *self, int rc)
{
    if (rc)
        return rc;
    self->may_commit = 1;
    return s_checkpoint_after (self, HRW_ENGINE_EVENT_WORK);
}

static int s_accept (hrw_engine_t *self, const Hrwatch__V1__Event *ev, const void *raw,
                     size_t raw_len, uint64_t content_hash, hrw_apply_t *result);

int
hrw_engine_accept (hrw_engine_t *self, const Hrwatch__V1__Event *ev, const void *raw,
                   size_t raw_len, uint64_t content_hash, hrw_apply_t *result)
{
    int rc = s_accept (self, ev, raw, raw_len, content_hash, result);
    self->may_commit = 0;
    self->hand = NULL;
    return rc;
}

static int
s_accept (hrw_engine_t *self, const Hrwatch__V1__Event *ev, const void *raw,
          size_t raw_len, uint64_t content_hash, hrw_apply_t *result)
{
    int64_t t;
    uint64_t tb;
    hrw_store_event_stamp (ev, &t, &tb);
    int64_t known = s_known (self, ev, t);
    int rc = hrw_store_accept (self->store, ev, content_hash, known, result);
    if (rc || *result != HRW_APPLIED)
        return rc;
    hrw_counters_t c;
    hrw_store_counters (self->store, &c);
    int64_t target = c.latest_event_us - self->opts.lateness_us;
    //  Voided before it came: recorded (a retry is a duplicate), not applied
    //  (an event that cannot be taken back is applied, the void without
    //  effect).
    if (hrw_store_is_voided (self->store, ev->event_id)) {
        if (hrw_store_voidable (ev))
            return s_run_to (self, target);
        if ((rc = hrw_store_void_forget (self->store, ev->event_id, NULL)))
            return rc;
    }
    int64_t clock = c.clock_us;
    if (clock != HRW_TIME_NONE && t <= clock)
        return s_applied (self, s_apply (self, ev, raw, raw_len, clock));
    //  In order, with no lateness allowed and nothing held before it: the
    //  clock moves to the event at once, as holding and settling would,
    //  without the round trip through the queue.
    int scheduled = t > known;
    //  A change entered ahead is foreseen after the clock has run: the
    //  transaction may not be committed before that is done (its retry
    //  would be a duplicate, never foreseen).
    self->may_commit = !scheduled;
    if (!scheduled && self->opts.lateness_us == 0 && !hrw_store_held_by (self->store, t)) {
        if ((rc = s_days_before (self, clock, t, raw, raw_len, tb)))
            return rc;
        hrw_store_set_clock (self->store, t);
        return s_applied (self, s_apply (self, ev, raw, raw_len, t));
    }
    if ((rc = hrw_store_defer (self->store, t, tb, raw, raw_len)))
        return rc;
    //  The clock follows each event, not each commit: were it moved only at
    //  the settle, an event in the same commit as a newer one would be held
    //  and applied at its own time, and the same event in a commit of its
    //  own after it would be late, applied at the clock. The wall clock's
    //  part (live) is the settle's.
    if ((rc = s_run_to (self, target)) || !scheduled)
        return rc;
    //  A change entered ahead of its day (and not reached by the clock in
    //  the meantime): what it will do is foreseen from when it was known,
    //  and what it corrects (or voids) is taken back then, not on its day.
    int64_t now = s_clock (self);
    if (now != HRW_TIME_NONE && t <= now)
        return 0;
    const char *back = hrw_store_event_target (ev);
    if (back && (rc = s_take_back (self, back, ev->event_id, now)))
        return rc;
    return hrw_detect_schedule (self->detect, ev, 1, now, NULL);
}

static int
s_run_to (hrw_engine_t *self, int64_t target)
{
    int64_t clock = s_clock (self);
    if (target == HRW_TIME_NONE || (clock != HRW_TIME_NONE && target <= clock))
        return 0;
    int rc;
    while ((rc = hrw_store_take_due (self->store, target, &self->held)) == 0) {
        hrw_arena_reset (self->arena);
        Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (hrw_arena_allocator (self->arena),
                                                              self->held.len, self->held.data);
        if (!ev)
            return HRW_E_CORRUPT;
        int64_t t;
        uint64_t tb;
        hrw_store_event_stamp (ev, &t, &tb);
        if ((rc = s_days_before (self, clock, t, self->held.data, self->held.len, tb)))
            return rc;
        if (clock == HRW_TIME_NONE || t > clock)
            clock = t;
        hrw_store_set_clock (self->store, clock);
        if ((rc = s_apply (self, ev, self->held.data, self->held.len, clock))
            || (rc = s_checkpoint_after (self, HRW_ENGINE_EVENT_WORK)))
            return rc;
    }
    if (rc != HRW_E_NOTFOUND)
        return rc;
    if ((rc = s_days (self, clock, target)))
        return rc;
    hrw_store_set_clock (self->store, target);
    return 0;
}

static int s_settle (hrw_engine_t *self, int64_t now_us);

int
hrw_engine_settle (hrw_engine_t *self, int64_t now_us)
{
    self->may_commit = 1;
    int rc = s_settle (self, now_us);
    self->may_commit = 0;
    return rc;
}

static int
s_settle (hrw_engine_t *self, int64_t now_us)
{
    hrw_counters_t c;
    hrw_store_counters (self->store, &c);
    int64_t target = HRW_TIME_NONE;
    if (c.latest_event_us != HRW_TIME_NONE)
        target = c.latest_event_us - self->opts.lateness_us;
    if (!self->opts.replay && now_us - self->opts.lateness_us > target)
        target = now_us - self->opts.lateness_us;
    return s_run_to (self, target);
}

int
hrw_engine_advance (hrw_engine_t *self, int64_t to_us)
{
    hrw_counters_t c;
    hrw_store_counters (self->store, &c);
    self->may_commit = 1;
    int rc = s_run_to (self, to_us == HRW_TIME_NONE? c.latest_event_us: to_us);
    self->may_commit = 0;
    return rc;
}
