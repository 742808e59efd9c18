/*  alerts: lifecycle, log and publication queue. */
#include "workers/alerts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/keys.h"

#define S_KEY_MAX 256
#define S_STATE_SLOTS 4096  //  Alert states kept, by a hash of the fingerprint

typedef struct {
    uint64_t seq;               //  Last sequence number given
    uint64_t log_first;         //  Oldest sequence number still logged
    uint64_t firing;            //  Alerts firing now
    uint64_t silence_seq;       //  Last silence id given
    uint64_t firing_by_kind[HRW_ALERT_KINDS];   //  Firing now, by kind
} s_meta_t;

typedef struct {
    uint64_t seq;               //  The change's sequence number
    size_t topic;               //  Offset of the topic in pubs
    size_t data;                //  Offset of the packed Alert in pubs
    size_t len;                 //  Its length
} s_queued_t;

typedef struct {
    uint64_t epoch;             //  The store's epoch + 1 when kept; 0: empty
    int state;                  //  0 none, 1 ended, 2 firing
    char fingerprint[S_KEY_MAX];
} s_state_t;

struct hrw_alerts {
    hrw_store_t *store;         //  Environment and transaction
    hrw_table_t db_current;     //  fingerprint -> packed Alert (latest)
    hrw_table_t db_log;         //  seq (big-endian) -> packed Alert
    hrw_table_t db_meta;        //  "meta" -> s_meta_t
    hrw_table_t db_silences;    //  id (big-endian) -> packed Silence
    hrw_table_t db_unheard;     //  fingerprint -> "1": fired under a silence,
                                //  not published firing since
    int64_t now_us;             //  Wall clock of the current transaction
    uint32_t log_keep;          //  Log entries kept
    s_meta_t meta;              //  As of the current transaction
    uint64_t step_seq;          //  meta.seq when the evaluation step in hand
                                //  began (an event applied, a day swept, a
                                //  re-evaluation): a change numbered above
                                //  it is this step's, so not yet published
    hrw_buf_t pubs;             //  Topics and packed alerts queued
    s_queued_t *queued;         //  Index into pubs
    size_t n_queued, cap_queued;
    size_t n_durable;           //  The first n_durable queued changes were
                                //  committed by an intermediate commit and
                                //  not yet published: an abort keeps them
    hrw_arena_t *arena;         //  Scratch for one update
    hrw_arena_t *silence_arena; //  The silences in force, unpacked
    Hrwatch__V1__Silence **silences;    //  In force at silences_at
    size_t n_silences, cap_silences;
    int64_t silences_at;        //  Wall clock they were loaded for
    int64_t silences_end;       //  Earliest expiry among them
    int silences_stale;         //  One was added or removed since the last
                                //  begin (maybe in an abandoned transaction)
    char resolution[HRW_EVENT_ID_MAX + 32];     //  This step's resolutions: why
    //  States read or written lately: every exit asks whether each
    //  family's alert stands on every unit above the leaver. Written
    //  through (s_record is the only writer of db_current); an entry stands
    //  while the store's epoch does.
    s_state_t states[S_STATE_SLOTS];
};

//  Silences in force at one wall-clock time, unpacked into an arena.
typedef struct {
    hrw_arena_t *arena;         //  Where they are unpacked
    int64_t now_us;             //  In force: until after this
    void **items;               //  Hrwatch__V1__Silence *
    size_t n, cap;
    int64_t end;                //  Earliest expiry among them
} s_in_force_t;

static int s_in_force (hrw_alerts_t *self, s_in_force_t *c);

/*  The counters as stored. A record written when there were fewer alert
    kinds is shorter: what it has is kept and the newer kinds' counts start
    at zero (none of them can have fired then). One longer than this build
    knows is from a newer hrwatchd: its leading counters are read. */
static int
s_load_meta (hrw_alerts_t *self)
{
    hrw_store_read_t *scope;
    int rc = hrw_store_read_begin (self->store, &scope);
    if (rc)
        return rc;
    hrw_bytes_t v;
    memset (&self->meta, 0, sizeof (self->meta));
    rc = hrw_table_get (self->store, self->db_meta, "meta", 4, &v);
    if (rc == 0)
        memcpy (&self->meta, v.data, v.len < sizeof (self->meta)? v.len: sizeof (self->meta));
    hrw_store_read_end (&scope);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

static const char *s_kind_names[] = {
    "unspecified", "succession_gap", "bench_strength", "successor_overlap",
    "turnover_spike", "reduction_in_force", "engagement_drop", "turnover_rise",
    "early_tenure_exits", "manager_hotspot", "successor_unmentored", "development_stalled",
    "succession_at_risk", "scheduled_exits"
};

const char *
hrw_alerts_kind_name (Hrwatch__V1__AlertKind kind)
{
    if ((int) kind < 0 || (size_t) kind >= sizeof (s_kind_names) / sizeof (s_kind_names[0]))
        return "unknown";
    return s_kind_names[kind];
}

hrw_alerts_t *
hrw_alerts_new (hrw_store_t *store, uint32_t log_keep)
{
    hrw_alerts_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->store = store;
    self->log_keep = log_keep? log_keep: 1;
    self->arena = hrw_arena_new (64 * 1024);
    self->silence_arena = hrw_arena_new (16 * 1024);
    self->silences_stale = 1;
    if (!self->arena || !self->silence_arena || hrw_table_open (store, "alerts", &self->db_current)
        || hrw_table_open (store, "alert_log", &self->db_log)
        || hrw_table_open (store, "alert_meta", &self->db_meta)
        || hrw_table_open (store, "silences", &self->db_silences)
        || hrw_table_open (store, "alert_unheard", &self->db_unheard)) {
        hrw_alerts_destroy (&self);
        return NULL;
    }
    if (s_load_meta (self)) {
        hrw_alerts_destroy (&self);
        return NULL;
    }
    return self;
}

void
hrw_alerts_destroy (hrw_alerts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_alerts_t *self = *self_p;
    hrw_arena_destroy (&self->arena);
    hrw_arena_destroy (&self->silence_arena);
    hrw_buf_free (&self->pubs);
    free (self->queued);
    free (self);
    *self_p = NULL;
}

//  Loads the silences in force at now_us, which every change of a
//  transaction at that wall clock is matched against: one walk of the
//  table per reload, not one per change.
static int
s_silences_load (hrw_alerts_t *self, int64_t now_us)
{
    hrw_arena_reset (self->silence_arena);
    s_in_force_t c = { self->silence_arena, now_us, NULL, 0, 0, INT64_MAX };
    int rc = s_in_force (self, &c);
    self->silences = (Hrwatch__V1__Silence **) c.items;
    self->n_silences = rc? 0: c.n;
    self->cap_silences = c.cap;
    self->silences_at = now_us;
    self->silences_end = rc? now_us: c.end;    //  Failed: tried again next time
    return rc;
}

int
hrw_alerts_begin (hrw_alerts_t *self, int64_t now_us)
{
    //  What an intermediate commit made durable is published all the same
    //  (after the next commit), or sequence numbers would go missing.
    if (self->n_durable)
        self->n_queued = self->n_durable;
    else
        hrw_alerts_clear_queue (self);
    self->now_us = now_us;
    int rc = s_load_meta (self);
    self->step_seq = self->meta.seq;
    //  Reloaded only when one was added or removed, the earliest expired,
    //  or the wall clock went back (tests, a clock step).
    if (!rc && (self->silences_stale || now_us >= self->silences_end
                || now_us < self->silences_at)) {
        rc = s_silences_load (self, now_us);
        self->silences_stale = rc != 0;
    }
    return rc;
}

// ---------------------------------------------------------------------------
// Building an Alert

static void
s_fingerprint (const hrw_alert_eval_t *e, char *out, size_t cap)
{
    //  Built for every evaluation: plain copies, no printf.
    const char *parts[4] = { hrw_alerts_kind_name (e->kind), e->subject, e->cycle, NULL };
    size_t n = 0;
    for (int i = 0; i < 3 && parts[i]; i++) {
        size_t len = strlen (parts[i]);
        if (i && n + 1 < cap)
            out[n++] = '/';
        if (len > cap - 1 - n)
            len = cap - 1 - n;
        memcpy (out + n, parts[i], len);
        n += len;
    }
    out[n] = '\0';
}

//  The unit ids from the root down to unit_id.
static size_t
s_unit_path (hrw_alerts_t *self, const char *unit_id, char path[][HRW_ID_MAX + 1])
{
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n = hrw_store_unit_chain (self->store, unit_id, chain);
    for (size_t i = 0; i < n; i++)
        memcpy (path[i], chain[n - 1 - i], sizeof (chain[0]));
    return n;
}

static char *
s_topic (hrw_alerts_t *self, const hrw_alert_eval_t *e, char **path, size_t n_path)
{
    char topic[1024];
    size_t len = (size_t) snprintf (topic, sizeof (topic), "%s", hrw_alerts_kind_name (e->kind));
    for (size_t i = 0; i < n_path && len < sizeof (topic); i++)
        len += (size_t) snprintf (topic + len, sizeof (topic) - len, "/%s", path[i]);
    //  A subject that is not the unit itself goes last: a position, a
    //  person, a survey cycle.
    if (strcmp (e->subject, e->unit_id) && len < sizeof (topic))
        len += (size_t) snprintf (topic + len, sizeof (topic) - len, "/%s", e->subject);
    if (e->cycle && len < sizeof (topic))
        snprintf (topic + len, sizeof (topic) - len, "/%s", e->cycle);
    char *out = hrw_arena_alloc (self->arena, strlen (topic) + 1);
    if (out)
        strcpy (out, topic);
    return out;
}

static int
s_fill (hrw_alerts_t *self, Hrwatch__V1__Alert *a, const hrw_alert_eval_t *e,
        const char *fingerprint)
{
    hrw_arena_t *ar = self->arena;
    char path[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
    size_t n_path = s_unit_path (self, e->unit_id, path);
    a->unit_path = hrw_arena_alloc (ar, (n_path + 1) * sizeof (char *));
    a->details = hrw_arena_alloc (ar, (e->n_details + 1) * sizeof (*a->details));
    Hrwatch__V1__AlertDetail *d = hrw_arena_alloc (ar, (e->n_details + 1) * sizeof (*d));
    if (!a->unit_path || !a->details || !d)
        return ENOMEM;
    for (size_t i = 0; i < n_path; i++) {
        a->unit_path[i] = hrw_arena_alloc (ar, strlen (path[i]) + 1);
        if (!a->unit_path[i])
            return ENOMEM;
        strcpy (a->unit_path[i], path[i]);
    }
    a->n_unit_path = n_path;
    for (size_t i = 0; i < e->n_details; i++) {
        hrwatch__v1__alert_detail__init (&d[i]);
        d[i].name = (char *) e->details[i].name;
        d[i].value = e->details[i].value;
        a->details[i] = &d[i];
    }
    a->n_details = e->n_details;
    a->fingerprint = (char *) fingerprint;
    a->kind = e->kind;
    a->subject = (char *) e->subject;
    a->unit_id = (char *) e->unit_id;
    a->survey_cycle_id = (char *) (e->cycle? e->cycle: "");
    a->observed = e->observed;
    a->expected = e->expected;
    a->p_value = e->p_value;
    a->trigger_event_id = (char *) e->trigger_event_id;
    a->summary = (char *) e->summary;
    if (e->scheduled_for_us != HRW_TIME_NONE)
        a->scheduled_for = hrw_arena_timestamp (ar, e->scheduled_for_us);
    a->topic = s_topic (self, e, a->unit_path, n_path);
    return a->topic? 0: ENOMEM;
}

// ---------------------------------------------------------------------------
// Recording and queueing

//  The queued entry for seq, or where it would go to keep seq order.
static size_t
s_queue_find (hrw_alerts_t *self, uint64_t seq)
{
    size_t lo = 0, hi = self->n_queued;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->queued[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

//  Queues a change for publication, in sequence order; a change rewritten
//  within the transaction (same seq) replaces what was queued for it.
static int
s_queue (hrw_alerts_t *self, uint64_t seq, const char *topic, const hrw_buf_t *packed)
{
    size_t i = s_queue_find (self, seq);
    int replace = i < self->n_queued && self->queued[i].seq == seq;
    if (!replace && self->n_queued == self->cap_queued) {
        size_t cap = self->cap_queued? self->cap_queued * 2: 64;
        s_queued_t *q = realloc (self->queued, cap * sizeof (*q));
        if (!q)
            return ENOMEM;
        self->queued = q;
        self->cap_queued = cap;
    }
    s_queued_t q;
    q.seq = seq;
    q.topic = self->pubs.len;
    hrw_buf_append (&self->pubs, topic, strlen (topic) + 1);
    q.data = self->pubs.len;
    q.len = packed->len;
    hrw_buf_append (&self->pubs, packed->data, packed->len);
    if (self->pubs.oom)
        return ENOMEM;
    //  The bytes a replaced entry pointed at stay in pubs until the queue
    //  is cleared: at most one superseded copy per alert per transaction.
    if (!replace) {
        memmove (&self->queued[i + 1], &self->queued[i],
                 (self->n_queued - i) * sizeof (self->queued[0]));
        self->n_queued++;
    }
    self->queued[i] = q;
    return 0;
}

//  Drops what was queued for seq (a rewritten change now silenced).
static void
s_unqueue (hrw_alerts_t *self, uint64_t seq)
{
    size_t i = s_queue_find (self, seq);
    if (i < self->n_queued && self->queued[i].seq == seq) {
        memmove (&self->queued[i], &self->queued[i + 1],
                 (self->n_queued - i - 1) * sizeof (self->queued[0]));
        self->n_queued--;
    }
}

static int
s_save_meta (hrw_alerts_t *self)
{
    return hrw_table_put (self->store, self->db_meta, "meta", 4, &self->meta,
                          sizeof (self->meta), 0);
}

static int
s_trim_log (hrw_alerts_t *self)
{
    while (self->meta.seq - self->meta.log_first + 1 > self->log_keep) {
        uint8_t kb[HRW_KEY_U64_LEN];
        hrw_key_put_u64 (kb, self->meta.log_first);
        int rc = hrw_table_del (self->store, self->db_log, kb, sizeof (kb));
        if (rc && rc != HRW_E_NOTFOUND)
            return rc;
        self->meta.log_first++;
    }
    return 0;
}

static int64_t
s_us (const Google__Protobuf__Timestamp *t)
{
    return t? hrw_clock_from_parts (t->seconds, t->nanos): HRW_TIME_NONE;
}

//  1 when the silence has at least one matcher: one without any would
//  match every alert.
static int
s_silence_has_matcher (const Hrwatch__V1__Silence *s)
{
    return s->kind != HRWATCH__V1__ALERT_KIND__ALERT_KIND_UNSPECIFIED
        || s->severity != HRWATCH__V1__SEVERITY__SEVERITY_UNSPECIFIED || *s->unit_id
        || *s->subject || *s->fingerprint;
}

//  1 when unit is the alert's unit or one above it. Whole ids are compared,
//  so "ops" does not take in "ops2".
static int
s_in_subtree (const char *unit, const Hrwatch__V1__Alert *a)
{
    for (size_t i = 0; i < a->n_unit_path; i++)
        if (!strcmp (a->unit_path[i], unit))
            return 1;
    //  A unit the store does not know yet has no path, only itself.
    return a->n_unit_path == 0 && !strcmp (a->unit_id, unit);
}

//  1 when every matcher the silence has matches the alert (those left at
//  their default match anything). Silences stored before kind, severity
//  and subject existed have them at their default, and so match as before.
static int
s_silence_matches (const Hrwatch__V1__Silence *s, const Hrwatch__V1__Alert *a)
{
    if (!s_silence_has_matcher (s))
        return 0;
    if (s->kind != HRWATCH__V1__ALERT_KIND__ALERT_KIND_UNSPECIFIED && s->kind != a->kind)
        return 0;
    if (s->severity != HRWATCH__V1__SEVERITY__SEVERITY_UNSPECIFIED && s->severity != a->severity)
        return 0;
    if (*s->subject && strcmp (s->subject, a->subject))
        return 0;
    if (*s->fingerprint && strcmp (s->fingerprint, a->fingerprint))
        return 0;
    return !*s->unit_id || s_in_subtree (s->unit_id, a);
}

//  1 when one of n silences in force at now_us matches the alert.
static int
s_matched (Hrwatch__V1__Silence *const *silences, size_t n, int64_t now_us,
           const Hrwatch__V1__Alert *a)
{
    for (size_t i = 0; i < n; i++)
        if (s_us (silences[i]->until) > now_us && s_silence_matches (silences[i], a))
            return 1;
    return 0;
}

//  1 when a silence in force matches the alert: the silences loaded at
//  begin, or, after one was added or removed in this transaction, reloaded
//  (and reloaded again at the next begin, in case this one is abandoned).
static int
s_silenced (hrw_alerts_t *self, const Hrwatch__V1__Alert *a)
{
    if (self->silences_stale && s_silences_load (self, self->now_us))
        return 0;
    return s_matched (self->silences, self->n_silences, self->now_us, a);
}

//  Sets a->silenced: whether the change is muted. A silence in force that
//  matches it mutes it, except a resolution of an alert that subscribers
//  and Alertmanager last heard of as firing (it fired before the silence,
//  or was published since): muting that would leave them holding a firing
//  alert that is gone, re-sent to Alertmanager for ever. So the alerts
//  whose firing nobody heard are kept in db_unheard until they resolve or
//  a change of theirs is published.
static int
s_mute (hrw_alerts_t *self, Hrwatch__V1__Alert *a)
{
    int silenced = s_silenced (self, a);
    int resolved = a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
    const char *fp = a->fingerprint;
    size_t len = strlen (fp);
    hrw_bytes_t v;
    int rc = 0;
    if (silenced && !resolved && a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_FIRED)
        rc = hrw_table_put (self->store, self->db_unheard, fp, len, "1", 1, 0);
    else if (silenced && resolved)
        silenced = hrw_table_get (self->store, self->db_unheard, fp, len, &v) == 0;
    if (!rc && (!silenced || resolved))
        rc = hrw_table_del (self->store, self->db_unheard, fp, len);
    a->silenced = silenced;
    return rc == HRW_E_NOTFOUND? 0: rc;
}

//  Stores the change as current, logs and queues it. A new change takes the
//  next sequence number; with seq set, it rewrites the change of that
//  number made earlier in this transaction (nothing of it was published
//  or committed yet), so an alert says at most one thing per commit.
static s_state_t *
s_state_slot (hrw_alerts_t *self, const char *fingerprint)
{
    size_t len = strlen (fingerprint);
    return &self->states[hrw_fnv1a (HRW_FNV_OFFSET, fingerprint, len) % S_STATE_SLOTS];
}

static void
s_state_keep (hrw_alerts_t *self, const char *fingerprint, int state)
{
    size_t len = strlen (fingerprint);
    if (len >= S_KEY_MAX)
        return;
    s_state_t *m = s_state_slot (self, fingerprint);
    m->epoch = (uint64_t) hrw_store_epoch (self->store) + 1;
    m->state = state;
    memcpy (m->fingerprint, fingerprint, len + 1);
}

static int
s_record (hrw_alerts_t *self, Hrwatch__V1__Alert *a, uint64_t seq)
{
    int rc = s_mute (self, a);
    if (rc)
        return rc;
    a->seq = seq? seq: ++self->meta.seq;
    if (self->meta.log_first == 0)
        self->meta.log_first = a->seq;
    hrw_buf_t packed = { 0 };
    rc = hrw_buf_pack (&packed, &a->base)? ENOMEM: 0;
    uint8_t kb[HRW_KEY_U64_LEN];
    hrw_key_put_u64 (kb, a->seq);
    if (!rc)
        rc = hrw_table_put (self->store, self->db_current, a->fingerprint,
                            strlen (a->fingerprint), packed.data, packed.len, 0);
    if (!rc)
        s_state_keep (self, a->fingerprint,
                      a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING? 2: 1);
    if (!rc)
        rc = hrw_table_put (self->store, self->db_log, kb, sizeof (kb), packed.data, packed.len,
                            seq? 0: HRW_PUT_APPEND);
    if (!rc && !seq)
        rc = s_trim_log (self);
    if (!rc)
        rc = s_save_meta (self);
    if (!rc && !a->silenced)
        rc = s_queue (self, a->seq, a->topic, &packed);
    else if (!rc && seq)
        s_unqueue (self, seq);
    hrw_buf_free (&packed);
    return rc;
}

//  The stored state of an alert, or NULL (allocated from the arena); in
//  the write transaction or a read scope.
static Hrwatch__V1__Alert *
s_current (hrw_alerts_t *self, const char *fingerprint)
{
    hrw_bytes_t v;
    if (hrw_table_get (self->store, self->db_current, fingerprint, strlen (fingerprint), &v))
        return NULL;
    return hrwatch__v1__alert__unpack (hrw_arena_allocator (self->arena), v.len, v.data);
}

//  1 when a firing alert's stored (published) version says something other
//  than the new verdict: what subscribers and `hrwatch alerts` show must
//  then be brought up to date, together.
static int
s_moved (const Hrwatch__V1__Alert *old, const hrw_alert_eval_t *e)
{
    //  A window sliding a day changes what it expects and so its p-value;
    //  publishing that daily would teach people to ignore the updates.
    //  The alert keeps the figures it was last published with.
    if (s_us (old->scheduled_for) != e->scheduled_for_us)
        return 1;
    if (e->drifts)
        return old->observed != e->observed || old->severity != e->severity;
    return old->observed != e->observed || old->expected != e->expected
        || old->severity != e->severity || strcmp (old->summary, e->summary);
}

int
hrw_alerts_update (hrw_alerts_t *self, const hrw_alert_eval_t *e, int64_t clock_us, int *changed)
{
    char fingerprint[S_KEY_MAX];
    *changed = 0;
    hrw_arena_reset (self->arena);
    s_fingerprint (e, fingerprint, sizeof (fingerprint));
    Hrwatch__V1__Alert *old = s_current (self, fingerprint);
    int was_firing = old && old->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING;
    if (!e->firing && !was_firing)
        return 0;
    if (e->firing && was_firing && !s_moved (old, e))
        return 0;                               //  Nothing anyone needs to hear
    //  This alert changed already in this step: an update folds into that
    //  change, and a state change replaces an update. Only within a step,
    //  never across the steps of one commit: a commit holds as many events
    //  as the network happened to deliver together, and folding across
    //  them would make the log depend on that (a firing stamped at one
    //  event time saying the count of a later one).
    int here = old && old->seq > self->step_seq;
    Hrwatch__V1__AlertChange was_change = here? old->change: 0;
    //  Resolved earlier in this step and firing again (a correction takes
    //  its event back, then applies the corrected one): it never stopped,
    //  so the resolution becomes what changed since the step began.
    int reopened = here && e->firing
                && was_change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_RESOLVED;
    Hrwatch__V1__AlertChange change;
    if (!e->firing)
        change = HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_RESOLVED;
    else if (!was_firing && !reopened)
        change = HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_FIRED;
    else if (old->severity != e->severity)
        change = HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_SEVERITY_CHANGED;
    else
        change = HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED;
    uint64_t seq = 0;
    if (here && (change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED
                 || was_change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED || reopened))
        seq = old->seq;
    Hrwatch__V1__Alert a = HRWATCH__V1__ALERT__INIT;
    int rc = s_fill (self, &a, e, fingerprint);
    if (rc)
        return rc;
    a.changed_at = hrw_arena_timestamp (self->arena, clock_us);
    a.change = change;
    if (seq && !reopened && change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED) {
        //  Folded into the earlier change of this step: it keeps what it
        //  said happened, and the event that made it happen.
        a.change = was_change;
        if (was_change != HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED) {
            a.trigger_event_id = old->trigger_event_id;
            a.changed_at = old->changed_at;
        }
    }
    if (e->firing) {
        a.state = HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING;
        a.severity = e->severity;
        a.started_at = was_firing || reopened? old->started_at: a.changed_at;
        if (!was_firing) {
            self->meta.firing++;
            self->meta.firing_by_kind[e->kind % HRW_ALERT_KINDS]++;
        }
    }
    else {
        //  A resolution keeps the severity it had and says what cleared it.
        a.state = HRWATCH__V1__ALERT_STATE__ALERT_STATE_RESOLVED;
        a.severity = old->severity;
        a.started_at = old->started_at;
        a.resolved_at = a.changed_at;
        a.resolution = self->resolution;
        self->meta.firing--;
        self->meta.firing_by_kind[e->kind % HRW_ALERT_KINDS]--;
    }
    rc = s_record (self, &a, seq);
    *changed = rc == 0;
    return rc;
}

//  What is stored of the alert with this identity: 0 nothing, 1 a record
//  (it fired once), 2 a record that is firing now.
static int
s_stored_state (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind, const char *subject,
                const char *cycle)
{
    hrw_alert_eval_t e;
    char fingerprint[S_KEY_MAX];
    e.kind = kind;
    e.subject = subject;
    e.cycle = cycle;
    s_fingerprint (&e, fingerprint, sizeof (fingerprint));
    s_state_t *m = s_state_slot (self, fingerprint);
    if (m->epoch == (uint64_t) hrw_store_epoch (self->store) + 1
        && !strcmp (m->fingerprint, fingerprint))
        return m->state;
    hrw_store_read_t *scope;
    if (hrw_store_read_begin (self->store, &scope))
        return 0;
    hrw_arena_reset (self->arena);
    Hrwatch__V1__Alert *a = s_current (self, fingerprint);
    int state = !a? 0: a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING? 2: 1;
    hrw_store_read_end (&scope);
    s_state_keep (self, fingerprint, state);
    return state;
}

int
hrw_alerts_is_firing (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind, const char *subject,
                      const char *cycle)
{
    return s_stored_state (self, kind, subject, cycle) == 2;
}

int
hrw_alerts_has_fired (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind, const char *subject,
                      const char *cycle)
{
    return s_stored_state (self, kind, subject, cycle) > 0;
}

void
hrw_alerts_step (hrw_alerts_t *self)
{
    self->step_seq = self->meta.seq;
    self->resolution[0] = '\0';
}

void
hrw_alerts_set_resolution (hrw_alerts_t *self, const char *why)
{
    snprintf (self->resolution, sizeof (self->resolution), "%s", why? why: "");
}

void
hrw_alerts_committed (hrw_alerts_t *self, int more)
{
    //  Final: as before, begin forgets what nobody published.
    self->n_durable = more? self->n_queued: 0;
    //  A change committed (and maybe published) is never rewritten: what
    //  changes again after the commit is a change of its own.
    if (more)
        self->step_seq = self->meta.seq;
}

void
hrw_alerts_clear_queue (hrw_alerts_t *self)
{
    hrw_buf_clear (&self->pubs);
    self->n_queued = 0;
    self->n_durable = 0;
}

size_t
hrw_alerts_queued (hrw_alerts_t *self)
{
    return self->n_queued;
}

hrw_alert_pub_t
hrw_alerts_queued_at (hrw_alerts_t *self, size_t i)
{
    hrw_alert_pub_t p = { (const char *) self->pubs.data + self->queued[i].topic,
                          self->pubs.data + self->queued[i].data, self->queued[i].len };
    return p;
}

void
hrw_alerts_totals (hrw_alerts_t *self, uint64_t *seq, uint64_t *firing)
{
    *seq = self->meta.seq;
    *firing = self->meta.firing;
}

void
hrw_alerts_firing_by_kind (hrw_alerts_t *self, uint64_t out[HRW_ALERT_KINDS])
{
    memcpy (out, self->meta.firing_by_kind, sizeof (self->meta.firing_by_kind));
}

// ---------------------------------------------------------------------------
// Reading

//  The alert if the listing shows it (NULL otherwise), unpacked in the
//  scratch arena.
static Hrwatch__V1__Alert *
s_listed (hrw_alerts_t *self, hrw_bytes_t v, const char *prefix, int active)
{
    hrw_arena_reset (self->arena);
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (hrw_arena_allocator (self->arena),
                                                         v.len, v.data);
    if (!a)
        return NULL;
    if (active && a->state != HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING)
        return NULL;
    //  What was not published is not replayed to subscribers either.
    if (!active && a->silenced)
        return NULL;
    return !prefix || !strncmp (a->topic, prefix, strlen (prefix))? a: NULL;
}

//  Hands a firing alert to fn with silenced as the silences in force now
//  say: one that fired before a silence began is muted now, one that fired
//  under a silence since removed or expired is not. Only what is handed
//  out changes; the stored record keeps whether its change was published.
static int
s_hand_active (Hrwatch__V1__Alert *a, hrw_bytes_t v, const s_in_force_t *in_force,
               void (*fn) (const uint8_t *, size_t, void *), void *arg)
{
    int silenced = s_matched ((Hrwatch__V1__Silence *const *) in_force->items, in_force->n,
                              in_force->now_us, a);
    if (silenced == (a->silenced != 0)) {
        fn (v.data, v.len, arg);
        return 0;
    }
    a->silenced = silenced;
    hrw_buf_t packed = { 0 };
    if (hrw_buf_pack (&packed, &a->base)) {
        hrw_buf_free (&packed);
        return ENOMEM;
    }
    fn (packed.data, packed.len, arg);
    hrw_buf_free (&packed);
    return 0;
}

int
hrw_alerts_each_at (hrw_alerts_t *self, int64_t now_us, int active, uint64_t after_seq,
                    uint32_t limit, const char *prefix,
                    void (*fn) (const uint8_t *, size_t, void *), void *arg)
{
    hrw_store_read_t *scope;
    hrw_cursor_t *cur = NULL;
    s_in_force_t in_force = { hrw_arena_new (16 * 1024), now_us, NULL, 0, 0, INT64_MAX };
    if (!in_force.arena)
        return ENOMEM;
    int rc = hrw_store_read_begin (self->store, &scope);
    if (rc)
        goto arena;
    //  The silences of this snapshot, once for the whole listing.
    if (active && (rc = s_in_force (self, &in_force)))
        goto scope;
    if ((rc = hrw_cursor_open (self->store, active? self->db_current: self->db_log, &cur)))
        goto scope;
    uint8_t kb[HRW_KEY_U64_LEN];
    hrw_key_put_u64 (kb, after_seq + 1);
    hrw_bytes_t k = { kb, sizeof (kb) }, v;
    hrw_cursor_op_t op = active? HRW_CURSOR_FIRST: HRW_CURSOR_SEEK;
    uint32_t n = 0;
    while (n < limit && (rc = hrw_cursor_get (cur, op, &k, &v)) == 0) {
        op = HRW_CURSOR_NEXT;
        Hrwatch__V1__Alert *a = s_listed (self, v, prefix, active);
        if (!a)
            continue;
        if (!active)
            fn (v.data, v.len, arg);
        else if ((rc = s_hand_active (a, v, &in_force, fn, arg)))
            break;
        n++;
    }
    hrw_cursor_close (&cur);
scope:
    hrw_store_read_end (&scope);
arena:
    hrw_arena_destroy (&in_force.arena);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

int
hrw_alerts_each (hrw_alerts_t *self, int active, uint64_t after_seq, uint32_t limit,
                 const char *prefix, void (*fn) (const uint8_t *, size_t, void *), void *arg)
{
    return hrw_alerts_each_at (self, hrw_clock_now_us (), active, after_seq, limit, prefix, fn,
                               arg);
}

typedef struct {
    hrw_alerts_t *self;
    hrw_buf_t found;            //  subject\0cycle\0 of each firing alert
} s_firing_t;

static int
s_firing_one (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_firing_t *c = arg;
    (void) k;
    hrw_arena_reset (c->self->arena);
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (hrw_arena_allocator (c->self->arena),
                                                         v.len, v.data);
    if (a && a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING) {
        hrw_buf_append (&c->found, a->subject, strlen (a->subject) + 1);
        hrw_buf_append (&c->found, a->survey_cycle_id, strlen (a->survey_cycle_id) + 1);
    }
    return 0;
}

int
hrw_alerts_each_firing (hrw_alerts_t *self, Hrwatch__V1__AlertKind kind,
                        void (*fn) (const char *subject, const char *cycle, void *), void *arg)
{
    //  Collected first: fn may update alerts, and so this database.
    s_firing_t c = { self, { 0 } };
    hrw_buf_t found;
    char prefix[64];
    snprintf (prefix, sizeof (prefix), "%s/", hrw_alerts_kind_name (kind));
    int rc = hrw_table_prefix_each (self->store, self->db_current, prefix, strlen (prefix),
                                    s_firing_one, &c);
    found = c.found;
    if (!rc && found.oom)
        rc = ENOMEM;
    for (size_t off = 0; rc == 0 && off < found.len;) {
        const char *subject = (const char *) found.data + off;
        off += strlen (subject) + 1;
        const char *cycle = (const char *) found.data + off;
        off += strlen (cycle) + 1;
        fn (subject, *cycle? cycle: NULL, arg);
    }
    hrw_buf_free (&found);
    return rc;
}

// ---------------------------------------------------------------------------
// Silences

//  hrw_table_prefix_each callback: keeps a silence in force.
static int
s_in_force_one (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_in_force_t *c = arg;
    (void) k;
    Hrwatch__V1__Silence *s = hrwatch__v1__silence__unpack (hrw_arena_allocator (c->arena),
                                                             v.len, v.data);
    int64_t until = s? s_us (s->until): HRW_TIME_NONE;
    if (!s || until <= c->now_us)
        return 0;
    if (hrw_arena_push (c->arena, &c->items, &c->n, &c->cap, s))
        return ENOMEM;
    if (until < c->end)
        c->end = until;
    return 0;
}

//  Collects the silences in force at c->now_us. Returns 0, ENOMEM or an
//  LMDB error.
static int
s_in_force (hrw_alerts_t *self, s_in_force_t *c)
{
    return hrw_table_prefix_each (self->store, self->db_silences, "", 0, s_in_force_one, c);
}

int
hrw_alerts_silence_add (hrw_alerts_t *self, const Hrwatch__V1__Silence *in, uint64_t *id)
{
    if (!s_silence_has_matcher (in) || !in->until)
        return EINVAL;
    Hrwatch__V1__Silence s = *in;
    Google__Protobuf__Timestamp *created = hrw_arena_timestamp (self->arena, self->now_us);
    s.id = *id = ++self->meta.silence_seq;
    s.created_at = created;
    hrw_buf_t packed = { 0 };
    if (!created || hrw_buf_pack (&packed, &s.base))
        return ENOMEM;
    uint8_t kb[HRW_KEY_U64_LEN];
    hrw_key_put_u64 (kb, s.id);
    int rc = hrw_table_put (self->store, self->db_silences, kb, sizeof (kb), packed.data,
                            packed.len, 0);
    hrw_buf_free (&packed);
    self->silences_stale = 1;
    return rc? rc: s_save_meta (self);
}

int
hrw_alerts_silence_remove (hrw_alerts_t *self, uint64_t id)
{
    uint8_t kb[HRW_KEY_U64_LEN];
    hrw_key_put_u64 (kb, id);
    self->silences_stale = 1;
    return hrw_table_del (self->store, self->db_silences, kb, sizeof (kb));
}

typedef struct {
    hrw_alerts_t *self;
    int64_t now_us;
    void (*fn) (const uint8_t *, size_t, void *);
    void *arg;
} s_silences_t;

static int
s_silence_each (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_silences_t *c = arg;
    (void) k;
    hrw_arena_reset (c->self->arena);
    Hrwatch__V1__Silence *s = hrwatch__v1__silence__unpack (
        hrw_arena_allocator (c->self->arena), v.len, v.data);
    if (s && s_us (s->until) > c->now_us)
        c->fn (v.data, v.len, c->arg);
    return 0;
}

int
hrw_alerts_silences_each (hrw_alerts_t *self, int64_t now_us,
                          void (*fn) (const uint8_t *, size_t, void *), void *arg)
{
    s_silences_t c = { self, now_us, fn, arg };
    return hrw_table_prefix_each (self->store, self->db_silences, "", 0, s_silence_each, &c);
}
