/*  server_ingest: a group: the frames waiting on both ingest sockets taken
    at once, handed to ingest as one transaction, answered after the commit;
    and the throughput line. */
#include "daemon/server_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"

//  How many frames of the group so far came from the same client (the same
//  routing identity) as slot n.
static uint32_t
s_same_client (hrw_server_t *self, size_t n)
{
    hrw_server_slot_t *a = &self->slots[n];
    uint32_t count = 0;
    if (!a->reply_to || a->n_envelope == 0)
        return 0;
    size_t len = zmq_msg_size (&a->envelope[0]);
    for (size_t i = 0; i < n; i++) {
        hrw_server_slot_t *b = &self->slots[i];
        count += b->reply_to && b->n_envelope && zmq_msg_size (&b->envelope[0]) == len
              && !memcmp (zmq_msg_data (&b->envelope[0]), zmq_msg_data (&a->envelope[0]), len);
    }
    return count;
}

//  Turns a frame away before the group: one client has enough in it.
static void
s_busy (hrw_server_t *self, hrw_server_slot_t *slot)
{
    char msg[160];
    size_t len = 0;
    snprintf (msg, sizeof (msg), "more than %u batches from this client at once; re-send after "
              "the earlier ones are acknowledged", self->cfg.client_batches_max);
    const uint8_t *ack = hrw_ingest_refuse (self->ingest, zmq_msg_data (&slot->body),
                                            zmq_msg_size (&slot->body),
                                            HRWATCH__V1__REASON__REASON_BUSY, msg, &len);
    if (ack)
        hrw_server__reply (slot, ack, len);
    hrw_server__release (slot);
}

//  Takes everything waiting on both ingest sockets, alternating so neither
//  starves, up to the group limits and the in-flight budget: what is taken
//  stays in memory until the group is answered.
static size_t
s_collect (hrw_server_t *self)
{
    size_t n = 0, bytes = 0;
    size_t most = self->cfg.group_max_bytes;
    void *socks[2] = { self->router, self->pull };
    int idle = 0;
    if (most > self->cfg.inflight_max)
        most = (size_t) self->cfg.inflight_max;
    for (int turn = 0; n < self->cfg.group_max_frames && bytes < most && idle < 2; turn ^= 1) {
        if (!socks[turn]) {
            idle++;
            continue;
        }
        int rc = hrw_server__recv (socks[turn], &self->slots[n], socks[turn] == self->router);
        if (rc == 0) {
            idle++;
            continue;
        }
        idle = 0;
        if (rc < 0) {
            hrw_log (self->log, HRW_LOG_WARNING, "dropped a message with a malformed envelope");
            continue;
        }
        if (s_same_client (self, n) >= self->cfg.client_batches_max) {
            s_busy (self, &self->slots[n]);
            continue;
        }
        hrw_frame_t *f = &self->frames[n];
        memset (f, 0, sizeof (*f));
        f->data = zmq_msg_data (&self->slots[n].body);
        f->len = zmq_msg_size (&self->slots[n].body);
        f->want_ack = self->slots[n].reply_to != NULL;
        bytes += f->len;
        n++;
    }
    return n;
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
                 "UNAVAILABLE: %s", n, hrw_store_strerror (rc));
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
    hrw_server__report (self, now);
    hrw_server__metrics (self);
}
