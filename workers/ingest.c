/*  ingest: frame scanning, per-event outcome, group commit. */
#include "workers/ingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pbcheck.h"
#include "lib/arena.h"
#include "lib/buf.h"

#define S_BATCH_ID_MAX 64

struct hrw_ingest {
    hrw_engine_t *engine;       //  Where events go
    hrw_store_t *store;         //  Where rejections go
    hrw_limits_t limits;        //  Frame, batch and event limits
    hrw_arena_t *arena;         //  Decoded events and acks of one group
    hrw_buf_t acks;             //  Packed acks of one group
    hrw_ingest_stats_t stats;   //  Totals
    uint64_t group_reasons[HRW_REASONS];    //  Rejections in the group in hand
};

typedef struct {
    const uint8_t *p;   //  Bytes of one field value
    size_t n;           //  Their length
} s_slice_t;

typedef struct {
    s_slice_t batch_id;     //  Field 1, or empty
    s_slice_t *events;      //  Field 2 values, in order
    size_t n_events;
} s_batch_t;

#define S_REASON(name) HRWATCH__V1__REASON__REASON_##name

hrw_ingest_t *
hrw_ingest_new (hrw_engine_t *engine, hrw_store_t *store, const hrw_limits_t *limits)
{
    hrw_ingest_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->engine = engine;
    self->store = store;
    self->limits = *limits;
    self->arena = hrw_arena_new (1024 * 1024);
    if (!self->arena) {
        free (self);
        return NULL;
    }
    return self;
}

void
hrw_ingest_destroy (hrw_ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_ingest_t *self = *self_p;
    hrw_arena_destroy (&self->arena);
    hrw_buf_free (&self->acks);
    free (self);
    *self_p = NULL;
}

void
hrw_ingest_set_limits (hrw_ingest_t *self, const hrw_limits_t *limits)
{
    self->limits = *limits;
}

void
hrw_ingest_stats (hrw_ingest_t *self, hrw_ingest_stats_t *out)
{
    *out = self->stats;
}

// ---------------------------------------------------------------------------
// Wire scanning: EventBatch is read field by field so each event keeps its
// own bytes (for its own MALFORMED result and for the rejected store).

//  Walks the frame; when events is not NULL, stores each event slice.
//  Returns the number of events, or -1 when the frame is not well formed.
static long
s_scan (const uint8_t *p, size_t len, s_slice_t *batch_id, s_slice_t *events)
{
    const uint8_t *end = p + len;
    long count = 0;
    while (p < end) {
        uint64_t tag, n;
        if (hrw_pb_varint (&p, end, &tag))
            return -1;
        uint32_t field = (uint32_t) (tag >> 3), wire = tag & 7;
        if (field == 0)
            return -1;
        switch (wire) {
            case 0:
                if (hrw_pb_varint (&p, end, &n))
                    return -1;
                break;
            case 1:
            case 5:
                n = wire == 1? 8: 4;
                if ((size_t) (end - p) < n)
                    return -1;
                p += n;
                break;
            case 2:
                if (hrw_pb_varint (&p, end, &n) || n > (uint64_t) (end - p))
                    return -1;
                if (field == 1) {
                    batch_id->p = p;
                    batch_id->n = n;
                }
                else if (field == 2) {
                    if (events) {
                        events[count].p = p;
                        events[count].n = n;
                    }
                    count++;
                }
                p += n;
                break;
            default:
                return -1;
        }
    }
    return count;
}

// ---------------------------------------------------------------------------
// Per event

//  Echoing bytes a client sent must never make the Ack undecodable, so
//  anything not printable ASCII is shown as '?'.
static char *
s_printable (hrw_arena_t *arena, const char *s, size_t max)
{
    size_t n = strlen (s);
    if (n > max)
        n = max;
    char *out = hrw_arena_alloc (arena, n + 1);
    if (!out)
        return (char *) "";
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f? s[i]: '?';
    out[n] = '\0';
    return out;
}

static char *
s_strdup (hrw_arena_t *arena, const char *s)
{
    size_t n = strlen (s);
    char *out = hrw_arena_alloc (arena, n + 1);
    if (!out)
        return (char *) "";
    memcpy (out, s, n + 1);
    return out;
}

//  The body's field name ("exit"), for the rejected store; "" without one.
static const char *
s_event_type (const Hrwatch__V1__Event *ev)
{
    const ProtobufCFieldDescriptor *f = ev? protobuf_c_message_descriptor_get_field (
        &hrwatch__v1__event__descriptor, (unsigned) ev->body_case): NULL;
    return f? f->name: "";
}

static int
s_reject (hrw_ingest_t *self, Hrwatch__V1__EventResult *res, const Hrwatch__V1__Event *ev,
          int reason, const char *field, const char *msg, int64_t now_us)
{
    res->outcome = HRWATCH__V1__OUTCOME__OUTCOME_REJECTED;
    res->reason = reason;
    self->group_reasons[reason % HRW_REASONS]++;
    res->message = s_strdup (self->arena, msg);
    hrw_rejection_t rej = { res->event_id, s_event_type (ev), reason, field, msg };
    return hrw_store_reject (self->store, now_us, &rej);
}

static int
s_event (hrw_ingest_t *self, s_slice_t raw, size_t index, Hrwatch__V1__EventResult *res,
         int64_t now_us)
{
    char msg[256], field[64];
    Hrwatch__V1__Event *ev
        = hrwatch__v1__event__unpack (hrw_arena_allocator (self->arena), raw.n, raw.p);
    if (!ev) {
        snprintf (msg, sizeof (msg), "event %zu of the batch does not decode as hrwatch.v1.Event",
                  index);
        return s_reject (self, res, NULL, S_REASON (MALFORMED), "event", msg, now_us);
    }
    //  The decoder cut "E-5\0zzz" to "E-5": the bytes tell.
    if (hrw_pbcheck_nul (&hrwatch__v1__event__descriptor, raw.p, raw.n, field,
                         sizeof (field))) {
        size_t n = strlen (field);
        int id = n >= 3 && !strcmp (field + n - 3, "_id");
        if (strcmp (field, "event_id"))
            res->event_id = s_printable (self->arena, ev->event_id, HRW_EVENT_ID_MAX);
        snprintf (msg, sizeof (msg), "%s holds a NUL byte", field);
        return s_reject (self, res, ev, id? S_REASON (INVALID_ID): S_REASON (INVALID_VALUE),
                         field, msg, now_us);
    }
    res->event_id = s_printable (self->arena, ev->event_id, HRW_EVENT_ID_MAX);
    int reason = hrw_validate_event (ev, raw.n, &self->limits, now_us, msg, sizeof (msg), field,
                                     sizeof (field));
    if (reason != S_REASON (NONE))
        return s_reject (self, res, ev, reason, field, msg, now_us);
    hrw_apply_t result;
    int rc = hrw_engine_accept (self->engine, ev, raw.p, raw.n, hrw_hash_message (&ev->base),
                                &result);
    if (rc)
        return rc;
    switch (result) {
        case HRW_APPLIED:
            res->outcome = HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED;
            return 0;
        case HRW_DUPLICATE:
            res->outcome = HRWATCH__V1__OUTCOME__OUTCOME_DUPLICATE;
            return 0;
        case HRW_NOT_VOIDABLE:
            snprintf (msg, sizeof (msg), "%s names an event that cannot be taken back (%s)",
                      ev->body_case == HRWATCH__V1__EVENT__BODY_EVENT_VOIDED
                      ? "event_voided.voided_event_id": "corrects_event_id",
                      hrw_store_journaled (self->store)
                      ? "a survey answer or close, or a void"
                      : "this store was made before events were kept to be taken back");
            return s_reject (self, res, ev, S_REASON (INVALID_VALUE),
                             ev->body_case == HRWATCH__V1__EVENT__BODY_EVENT_VOIDED
                             ? "event_voided.voided_event_id": "corrects_event_id", msg, now_us);
        default:
            return s_reject (self, res, ev, S_REASON (CONFLICT), "event_id",
                             "event_id was accepted before with different content", now_us);
    }
}

// ---------------------------------------------------------------------------
// Per frame

static int
s_frame_reject (hrw_ingest_t *self, Hrwatch__V1__Ack *ack, hrw_frame_t *f, int reason,
                const char *msg, int64_t now_us)
{
    ack->status = HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_REJECTED;
    ack->reason = reason;
    ack->message = s_strdup (self->arena, msg);
    f->rejected = 1;
    self->group_reasons[reason % HRW_REASONS]++;
    hrw_rejection_t rej = { "", "", reason, "batch", msg };
    return hrw_store_reject (self->store, now_us, &rej);
}

static int
s_frame_events (hrw_ingest_t *self, Hrwatch__V1__Ack *ack, hrw_frame_t *f,
                const s_batch_t *b, int64_t now_us)
{
    ack->status = HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_OK;
    ack->n_results = b->n_events;
    ack->results = hrw_arena_alloc (self->arena, b->n_events * sizeof (*ack->results));
    Hrwatch__V1__EventResult *res
        = hrw_arena_alloc (self->arena, b->n_events * sizeof (*res));
    if (!ack->results || !res)
        return ENOMEM;
    for (size_t i = 0; i < b->n_events; i++) {
        hrwatch__v1__event_result__init (&res[i]);
        ack->results[i] = &res[i];
        int rc = s_event (self, b->events[i], i, &res[i], now_us);
        if (rc)
            return rc;
        switch (res[i].outcome) {
            case HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED: f->accepted++; break;
            case HRWATCH__V1__OUTCOME__OUTCOME_DUPLICATE: f->duplicate++; break;
            default: f->rejected++; break;
        }
    }
    ack->accepted = f->accepted;
    ack->duplicate = f->duplicate;
    ack->rejected = f->rejected;
    return 0;
}

static int
s_batch_id_ok (s_slice_t id)
{
    if (id.n > S_BATCH_ID_MAX)
        return 0;
    for (size_t i = 0; i < id.n; i++)
        if (id.p[i] < 0x20 || id.p[i] >= 0x7f)
            return 0;
    return 1;
}

//  Fills ack for one frame. Returns 0, or a store error (group must abort).
static int
s_frame (hrw_ingest_t *self, hrw_frame_t *f, Hrwatch__V1__Ack *ack, int64_t now_us)
{
    char msg[160];
    s_batch_t b = { { NULL, 0 }, NULL, 0 };
    f->accepted = f->duplicate = f->rejected = 0;
    if (f->len > self->limits.max_frame_bytes) {
        snprintf (msg, sizeof (msg), "frame is %zu bytes, over %u", f->len,
                  self->limits.max_frame_bytes);
        return s_frame_reject (self, ack, f, S_REASON (TOO_LARGE), msg, now_us);
    }
    long count = s_scan (f->data, f->len, &b.batch_id, NULL);
    if (count < 0)
        return s_frame_reject (self, ack, f, S_REASON (MALFORMED),
                               "frame does not decode as hrwatch.v1.EventBatch", now_us);
    if (!s_batch_id_ok (b.batch_id))
        return s_frame_reject (self, ack, f, S_REASON (INVALID_ID),
                               "batch_id is not 0-64 bytes of printable ASCII", now_us);
    char *batch_id = hrw_arena_alloc (self->arena, b.batch_id.n + 1);
    if (!batch_id)
        return ENOMEM;
    if (b.batch_id.n)
        memcpy (batch_id, b.batch_id.p, b.batch_id.n);
    batch_id[b.batch_id.n] = '\0';
    ack->batch_id = batch_id;
    if ((unsigned long) count > self->limits.max_batch_events) {
        snprintf (msg, sizeof (msg), "batch has %ld events, over %u", count,
                  self->limits.max_batch_events);
        return s_frame_reject (self, ack, f, S_REASON (TOO_LARGE), msg, now_us);
    }
    b.n_events = (size_t) count;
    b.events = hrw_arena_alloc (self->arena, (b.n_events + 1) * sizeof (s_slice_t));
    if (!b.events)
        return ENOMEM;
    s_scan (f->data, f->len, &b.batch_id, b.events);
    return s_frame_events (self, ack, f, &b, now_us);
}

// ---------------------------------------------------------------------------
// Group

static int
s_group (hrw_ingest_t *self, hrw_frame_t *frames, size_t n, Hrwatch__V1__Ack *acks,
         int64_t now_us)
{
    memset (self->group_reasons, 0, sizeof (self->group_reasons));
    int rc = hrw_engine_begin (self->engine, now_us);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        hrwatch__v1__ack__init (&acks[i]);
        rc = s_frame (self, &frames[i], &acks[i], now_us);
    }
    if (!rc)
        rc = hrw_engine_settle (self->engine, now_us);
    if (rc) {
        hrw_engine_abort (self->engine);
        return rc;
    }
    return hrw_engine_commit (self->engine);
}

//  The answer for a frame of a group that could not commit; it carries the
//  batch id (read again from the frame) so the client knows what to re-send.
static void
s_unavailable (hrw_ingest_t *self, Hrwatch__V1__Ack *ack, hrw_frame_t *f, int rc)
{
    s_slice_t id = { NULL, 0 };
    hrwatch__v1__ack__init (ack);
    if (s_scan (f->data, f->len, &id, NULL) >= 0 && s_batch_id_ok (id)) {
        char *copy = hrw_arena_alloc (self->arena, id.n + 1);
        if (copy) {
            memcpy (copy, id.p, id.n);
            copy[id.n] = '\0';
            ack->batch_id = copy;
        }
    }
    ack->status = HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_UNAVAILABLE;
    ack->reason = S_REASON (UNAVAILABLE);
    ack->message = (char *) hrw_store_strerror (rc);
    f->accepted = f->duplicate = f->rejected = 0;
}

const uint8_t *
hrw_ingest_refuse (hrw_ingest_t *self, const uint8_t *data, size_t len, int reason,
                   const char *message, size_t *ack_len)
{
    Hrwatch__V1__Ack ack;
    hrw_frame_t f = { data, len, 1, NULL, 0, 0, 0, 0 };
    hrw_arena_reset (self->arena);
    s_unavailable (self, &ack, &f, 0);
    ack.reason = reason;
    ack.message = (char *) message;
    self->stats.by_reason[reason % HRW_REASONS]++;
    hrw_buf_clear (&self->acks);
    if (hrw_buf_pack (&self->acks, &ack.base))
        return NULL;
    *ack_len = self->acks.len;
    return self->acks.data;
}

int
hrw_ingest_run (hrw_ingest_t *self, hrw_frame_t *frames, size_t n, int64_t now_us)
{
    int rc;
    Hrwatch__V1__Ack *acks;
    for (;;) {
        hrw_arena_reset (self->arena);
        acks = hrw_arena_alloc (self->arena, (n + 1) * sizeof (*acks));
        if (!acks)
            return ENOMEM;
        rc = s_group (self, frames, n, acks, now_us);
        //  A full map is not an error a client should see: grow and redo the
        //  group, whose frames are all still here.
        if (rc != HRW_E_MAP_FULL || hrw_store_grow (self->store) != 0)
            break;
        self->stats.map_grows++;
    }
    if (rc)
        self->stats.failures++;
    else {
        self->stats.commits++;
        for (int r = 0; r < HRW_REASONS; r++)
            self->stats.by_reason[r] += self->group_reasons[r];
    }
    hrw_buf_clear (&self->acks);
    size_t *offsets = hrw_arena_alloc (self->arena, (n + 1) * sizeof (size_t));
    for (size_t i = 0; i < n; i++) {
        if (rc)
            s_unavailable (self, &acks[i], &frames[i], rc);
        self->stats.frames++;
        self->stats.accepted += frames[i].accepted;
        self->stats.duplicate += frames[i].duplicate;
        self->stats.rejected += frames[i].rejected;
        if (offsets)
            offsets[i] = self->acks.len;
        frames[i].ack_len = 0;
        if (frames[i].want_ack && offsets && hrw_buf_pack (&self->acks, &acks[i].base) == 0)
            frames[i].ack_len = self->acks.len - offsets[i];
    }
    for (size_t i = 0; i < n; i++)
        frames[i].ack = frames[i].ack_len && offsets? self->acks.data + offsets[i]: NULL;
    return rc;
}
