/*  alerts: the alert lifecycle. Detectors say, for a subject, whether its
    condition holds now; this module turns that into changes (fired,
    severity changed, resolved), numbers them, keeps the current state and
    a bounded log in the store's transaction, and queues the changes to be
    published once that transaction commits. */
#ifndef HRW_ALERTS_H
#define HRW_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "hrwatch/v1/alerts.pb-c.h"
#include "hrwatch/v1/control.pb-c.h"
#include "workers/store.h"

#define HRW_ALERT_DETAILS_MAX 12
#define HRW_ALERT_KINDS 14      //  Room for Hrwatch__V1__AlertKind values

typedef struct hrw_alerts hrw_alerts_t;

typedef struct {
    const char *name;   //  e.g. "regretted_exits"
    double value;
} hrw_alert_detail_t;

/*  A detector's verdict on one subject. */
typedef struct {
    Hrwatch__V1__AlertKind kind;
    const char *subject;            //  Position, unit or employee id
    const char *unit_id;            //  The unit it concerns ("" if none)
    const char *cycle;              //  Survey cycle, or NULL
    int firing;                     //  The condition holds now
    Hrwatch__V1__Severity severity; //  When firing
    double observed, expected, p_value;
    int drifts;                     //  expected and p_value move with the clock
                                    //  alone: only observed or severity is news
    hrw_alert_detail_t details[HRW_ALERT_DETAILS_MAX];
    size_t n_details;
    const char *trigger_event_id;   //  What caused this evaluation, or ""
    int64_t scheduled_for_us;       //  Foreseen from then by a scheduled change;
                                    //  HRW_TIME_NONE when it holds in fact
    char summary[320];              //  One line for people
} hrw_alert_eval_t;

/*  A change waiting for the commit, then for the PUB socket. */
typedef struct {
    const char *topic;              //  NUL-terminated
    const uint8_t *data;            //  Packed Alert
    size_t len;
} hrw_alert_pub_t;

/*  Opens the alert databases in store. log_keep bounds the log. Returns
    NULL on failure. */
hrw_alerts_t *hrw_alerts_new (hrw_store_t *store, uint32_t log_keep);

/*  Destroys it; sets *self_p to NULL. */
void hrw_alerts_destroy (hrw_alerts_t **self_p);

/*  Call at the start of each write transaction: forgets queued changes of
    an earlier, abandoned transaction and reloads the sequence number.
    now_us is the wall clock, against which silences expire. */
int hrw_alerts_begin (hrw_alerts_t *self, int64_t now_us);

/*  Adds a silence (inside a write transaction); sets *id. Its matchers
    (kind, severity, unit_id, subject, fingerprint) must all match an alert
    for the silence to mute it; the caller has checked each. Returns 0, an
    LMDB error, or EINVAL when it has no matcher or no expiry. */
int hrw_alerts_silence_add (hrw_alerts_t *self, const Hrwatch__V1__Silence *silence,
                            uint64_t *id);

/*  Removes one (inside a write transaction). 0, or HRW_E_NOTFOUND. */
int hrw_alerts_silence_remove (hrw_alerts_t *self, uint64_t id);

/*  Calls fn with each silence in force at now_us (a packed Silence). */
int hrw_alerts_silences_each (hrw_alerts_t *self, int64_t now_us,
                              void (*fn) (const uint8_t *, size_t, void *), void *arg);

/*  Until the next step, resolutions say why: "retracted: ID voided" (the
    step that takes a voided event back), or nothing (NULL). */
void hrw_alerts_set_resolution (hrw_alerts_t *self, const char *why);

/*  Starts an evaluation step: one event applied, one day swept, one
    re-evaluation. An alert says at most one thing per step (a change and
    updates after it in the same step are one record); each step's changes
    are numbered apart, so the log depends on the events and their order,
    never on how many of them one transaction held. hrw_alerts_begin
    starts one too. */
void hrw_alerts_step (hrw_alerts_t *self);

/*  Records the verdict at event time clock_us. Sets *changed when it made
    a change (which is logged and queued). Returns 0 or an LMDB error. */
int hrw_alerts_update (hrw_alerts_t *self, const hrw_alert_eval_t *eval, int64_t clock_us,
                       int *changed);

/*  1 when the alert with this kind and subject is firing now. */
int hrw_alerts_is_firing (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind, const char *subject,
                          const char *cycle);

/*  1 when an alert with this identity has ever fired (it may have resolved
    since). */
int hrw_alerts_has_fired (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind, const char *subject,
                          const char *cycle);

/*  After a commit of the write transaction: more when it was an
    intermediate commit and the transaction goes on. Changes made before an
    intermediate commit are final (a later change in the same step is
    numbered apart), and stay queued, even past an abort, until cleared. */
void hrw_alerts_committed (hrw_alerts_t *self, int more);

/*  Forgets the queued changes (once published). */
void hrw_alerts_clear_queue (hrw_alerts_t *self);

/*  Changes queued in the current (just committed) transaction. */
size_t hrw_alerts_queued (hrw_alerts_t *self);
hrw_alert_pub_t hrw_alerts_queued_at (hrw_alerts_t *self, size_t i);

/*  Calls fn with each packed Alert: the firing ones (active), or the log
    after after_seq, oldest first (changes muted by a silence left out);
    only topics starting with prefix; at most limit. A firing alert's
    silenced says whether a silence in force at the wall clock now_us
    matches it now, whenever it fired; in the log, silenced is what it was
    when the change was made. Returns 0, ENOMEM or an LMDB error. */
int hrw_alerts_each_at (hrw_alerts_t *self, int64_t now_us, int active, uint64_t after_seq,
                        uint32_t limit, const char *prefix,
                        void (*fn) (const uint8_t *, size_t, void *), void *arg);

/*  The same at the wall clock now. */
int hrw_alerts_each (hrw_alerts_t *self, int active, uint64_t after_seq, uint32_t limit,
                     const char *prefix, void (*fn) (const uint8_t *, size_t, void *), void *arg);

/*  Calls fn with the subject (and cycle) of each firing alert of a kind, so
    a detector can re-evaluate them as the clock moves. */
int hrw_alerts_each_firing (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind,
                            void (*fn) (const char *subject, const char *cycle, void *),
                            void *arg);

/*  The last sequence number and the number of firing alerts. */
void hrw_alerts_totals (hrw_alerts_t *self, uint64_t *seq, uint64_t *firing);

/*  Firing alerts by kind (indexed by Hrwatch__V1__AlertKind). */
void hrw_alerts_firing_by_kind (hrw_alerts_t *self, uint64_t out[HRW_ALERT_KINDS]);

/*  The short name of a kind, as in topics and fingerprints. */
const char *hrw_alerts_kind_name (Hrwatch__V1__AlertKind kind);

#endif
