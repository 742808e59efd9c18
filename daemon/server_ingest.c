/*  server_ingest: a group: the frames waiting on both ingest sockets taken
    at once, handed to ingest as one transaction, answered after the commit;
    and the throughput line. */
#include "daemon/server_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"

//  Whether slots a and b came from the same client (routing identity).
static int
s_same_client (hrw_server_slot_t *a, hrw_server_slot_t *b)
{
    if (!a->reply_to || !b->reply_to || !a->n_envelope || !b->n_envelope)
        return 0;
    size_t len = zmq_msg_size (&a->envelope[0]);
    return zmq_msg_size (&b->envelope[0]) == len
        && !memcmp (zmq_msg_data (&a->envelope[0]), zmq_msg_data (&b->envelope[0]), len);
}

//  How many frames of the group so far (slots 0..n-1) came from slot's client.
static uint32_t
s_in_group (hrw_server_t *self, size_t n, hrw_server_slot_t *slot)
{
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += (uint32_t) s_same_client (&self->slots[i], slot);
    return count;
}

//  Whether frames of slot's client wait for a later group.
static int
s_waiting (hrw_server_t *self, hrw_server_slot_t *slot)
{
    for (size_t i = 0; i < self->n_later; i++)
        if (s_same_client (&self->later[i], slot))
            return 1;
    return 0;
}

static void
s_move (hrw_server_slot_t *to, hrw_server_slot_t *from)
{
    for (int i = 0; i < from->n_envelope; i++) {
        zmq_msg_init (&to->envelope[i]);
        zmq_msg_move (&to->envelope[i], &from->envelope[i]);
        zmq_msg_close (&from->envelope[i]);
    }
    to->n_envelope = from->n_envelope;
    from->n_envelope = 0;
    zmq_msg_init (&to->body);
    zmq_msg_move (&to->body, &from->body);
    zmq_msg_close (&from->body);
    to->reply_to = from->reply_to;
}

//  Turns a frame away before the group: too much waits already.
static void
s_busy (hrw_server_t *self, hrw_server_slot_t *slot)
{
    char msg[160];
    size_t len = 0;
    snprintf (msg, sizeof (msg), "more than %u batches from this client at once, and no room "
              "to hold them; re-send after the earlier ones are acknowledged",
              self->cfg.client_batches_max);
    const uint8_t *ack = hrw_ingest_refuse (self->ingest, zmq_msg_data (&slot->body),
                                            zmq_msg_size (&slot->body),
                                            HRWATCH__V1__REASON__REASON_BUSY, msg, &len);
    if (ack)
        hrw_server__reply (slot, ack, len);
    hrw_server__release (slot);
}

//  A frame over its client's share of the group waits for the next one,
//  behind that client's others: a client sends its batches in the order
//  their events happened, and one turned away while later ones are on the
//  way would be overtaken by them (protocol.md, retry rule 6). What waits
//  is bounded by the in-flight budget beside the group's own share and by
//  a group's frames; past that, the frame is turned away BUSY.
static void
s_defer (hrw_server_t *self, hrw_server_slot_t *slot, size_t most)
{
    size_t len = zmq_msg_size (&slot->body);
    size_t room = self->cfg.inflight_max > most? (size_t) self->cfg.inflight_max - most: 0;
    if (self->n_later == self->cfg.group_max_frames || self->later_bytes + len > room) {
        s_busy (self, slot);
        return;
    }
    s_move (&self->later[self->n_later++], slot);
    self->later_bytes += len;
}

//  Makes slot n a frame of the group.
static void
s_take (hrw_server_t *self, size_t n, size_t *bytes)
{
    hrw_frame_t *f = &self->frames[n];
    memset (f, 0, sizeof (*f));
    f->data = zmq_msg_data (&self->slots[n].body);
    f->len = zmq_msg_size (&self->slots[n].body);
    f->want_ack = self->slots[n].reply_to != NULL;
    *bytes += f->len;
}

//  The frames that waited come first, in the order they came; those still
//  over their client's share, or past the group's limits, wait again.
static size_t
s_collect_later (hrw_server_t *self, size_t most, size_t *bytes)
{
    size_t n = 0, kept = 0;
    for (size_t i = 0; i < self->n_later; i++) {
        hrw_server_slot_t *l = &self->later[i];
        size_t len = zmq_msg_size (&l->body);
        if (n < self->cfg.group_max_frames && *bytes < most
            && s_in_group (self, n, l) < self->cfg.client_batches_max) {
            self->later_bytes -= len;
            s_move (&self->slots[n], l);
            s_take (self, n++, bytes);
        }
        else if (kept++ != i)
            s_move (&self->later[kept - 1], l);
    }
    self->n_later = kept;
    return n;
}

//  Takes what waited, then everything waiting on both ingest sockets,
//  alternating so neither starves, up to the group limits and the in-flight
//  budget: what is taken stays in memory until the group is answered.
static size_t
s_collect (hrw_server_t *self)
{
    size_t bytes = 0;
    size_t most = self->cfg.group_max_bytes;
    void *socks[2] = { self->router, self->pull };
    int idle = 0;
    if (most > self->cfg.inflight_max)
        most = (size_t) self->cfg.inflight_max;
    size_t n = s_collect_later (self, most, &bytes);
    for (int turn = 0; n < self->cfg.group_max_frames && bytes < most && idle < 2; turn ^= 1) {
        if (!socks[turn]) {
            idle++;
            continue;
        }
        hrw_server_slot_t *slot = &self->slots[n];
        int rc = hrw_server__recv (socks[turn], slot, socks[turn] == self->router);
        if (rc == 0) {
            idle++;
            continue;
        }
        idle = 0;
        if (rc < 0) {
            hrw_log (self->log, HRW_LOG_WARNING, "dropped a message with a malformed envelope");
            continue;
        }
        if (slot->reply_to && (s_waiting (self, slot)
                               || s_in_group (self, n, slot) >= self->cfg.client_batches_max)) {
            s_defer (self, slot, most);
            continue;
        }
        s_take (self, n++, &bytes);
    }
    return n;
}

//  After a group that could not commit, the frames waiting behind it are
//  answered UNAVAILABLE too: their clients send all again, in order.
static void
s_refuse_later (hrw_server_t *self, int rc)
{
    for (size_t i = 0; i < self->n_later; i++) {
        hrw_server_slot_t *l = &self->later[i];
        size_t len = 0;
        const uint8_t *ack = hrw_ingest_refuse (self->ingest, zmq_msg_data (&l->body),
                                                zmq_msg_size (&l->body),
                                                HRWATCH__V1__REASON__REASON_UNAVAILABLE,
                                                hrw_store_strerror (rc), &len);
        if (ack)
            hrw_server__reply (l, ack, len);
    }
    hrw_server__release_later (self);
}

void
hrw_server__release_later (hrw_server_t *self)
{
    for (size_t i = 0; i < self->n_later; i++)
        hrw_server__release (&self->later[i]);
    self->n_later = 0;
    self->later_bytes = 0;
}

void
hrw_server__report (hrw_server_t *self, int64_t now)
{
    if (now - self->reported_at < S_REPORT_US)
        return;
    hrw_ingest_stats_t s;
    hrw_ingest_stats (self->ingest, &s);
    uint64_t events = s.accepted + s.duplicate + s.rejected;
    uint64_t before = self->reported.accepted + self->reported.duplicate + self->reported.rejected;
    if (events != before) {
        char accepted[48], duplicate[48], rejected[48];
        const char *fields[] = { accepted, duplicate, rejected, NULL };
        snprintf (accepted, sizeof (accepted), "HRW_EVENTS_ACCEPTED=%" PRIu64,
                  s.accepted - self->reported.accepted);
        snprintf (duplicate, sizeof (duplicate), "HRW_EVENTS_DUPLICATE=%" PRIu64,
                  s.duplicate - self->reported.duplicate);
        snprintf (rejected, sizeof (rejected), "HRW_EVENTS_REJECTED=%" PRIu64,
                  s.rejected - self->reported.rejected);
        hrw_log_fields (self->log, HRW_LOG_INFO, fields,
                        "ingested %" PRIu64 " events in %" PRIu64 " commits: %" PRIu64
                        " accepted, %" PRIu64 " duplicate, %" PRIu64 " rejected",
                        events - before, s.commits - self->reported.commits,
                        s.accepted - self->reported.accepted,
                        s.duplicate - self->reported.duplicate,
                        s.rejected - self->reported.rejected);
    }
    self->reported = s;
    self->reported_at = now;
}

void
hrw_server__ingest_group (hrw_server_t *self)
{
    size_t n = s_collect (self);
    if (n == 0)
        return;
    int64_t now = hrw_clock_now_us ();
    int rc = hrw_ingest_run (self->ingest, self->frames, n, now);
    if (self->metrics) {
        hrw_metrics_observe_commit (self->metrics,
                                    (double) (hrw_clock_now_us () - now) / HRW_US_PER_SEC);
        for (size_t i = 0; i < n; i++)
            hrw_metrics_observe_batch (self->metrics, self->frames[i].accepted
                                       + self->frames[i].duplicate + self->frames[i].rejected);
    }
    if (rc)
        hrw_log (self->log, HRW_LOG_ERR, "store commit failed, %zu batches answered "
                 "UNAVAILABLE: %s", n + self->n_later, hrw_store_strerror (rc));
    else
        hrw_server__publish (self);
    for (size_t i = 0; i < n; i++) {
        hrw_frame_t *f = &self->frames[i];
        if (f->rejected)
            hrw_log (self->log, HRW_LOG_DEBUG, "batch of %zu bytes: %u accepted, %u duplicate, "
                     "%u rejected", f->len, f->accepted, f->duplicate, f->rejected);
        if (f->want_ack && f->ack)
            hrw_server__reply (&self->slots[i], f->ack, f->ack_len);
        hrw_server__release (&self->slots[i]);
    }
    //  After the group's own answers: those point into the buffer that
    //  refusing reuses, and a client's answers go in the order it sent.
    if (rc)
        s_refuse_later (self, rc);
    hrw_server__report (self, now);
    hrw_server__metrics (self);
}
