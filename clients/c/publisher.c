/*  publisher: packs events into EventBatch frames, keeps a window of
    batches in flight on a DEALER socket and re-sends each, with a backoff,
    until its Ack arrives or the timeout passes. Re-sending is safe: the
    daemon recognises events it has already committed by their ids. Batches
    go in the order they were made, re-sends too (s_sends). An Ack
    of BATCH_STATUS_UNAVAILABLE (REASON_UNAVAILABLE, REASON_BUSY) leaves
    the batch to be re-sent (docs/protocol.md). While the connection holds
    nothing is re-sent on a timer: ZeroMQ over one connection loses
    nothing, and a daemon slow to answer a deep window would only be handed
    each batch again (a bench with 64 batches of 1000 in flight had 40% of
    its events sent twice). What a lost connection held goes again once a
    new one is up. */
#include "clients/c/hrwatch.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "clients/c/conn.h"
#include "hrwatch/v1/events.pb-c.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "proto/pbjson.h"

#define S_WINDOW_MAX 64
//  The most events a batch: hrwatchd's [ingest] max_batch_events takes no
//  more than this (daemon/config.c), and refuses a larger batch whole.
#define S_BATCH_EVENTS_MAX 1000000
#define S_RETRY_MAX_US (4 * HRW_US_PER_SEC)
#define S_RETRY_BUSY_US (HRW_US_PER_SEC / 10)
#define S_EVENT_BYTES_MAX (4u * 1024 * 1024 - 8192)    //  Fits a frame with its batch_id
//  A frame stays under hrwatchd's default max_frame_bytes (4 MiB): a
//  larger one is refused whole, with no batch_id to answer it by.
#define S_BATCH_BYTES_MAX (4u * 1024 * 1024 - 4096)

typedef enum { S_FREE, S_FILLING, S_IN_FLIGHT } s_state_t;

typedef struct {
    s_state_t state;        //  Free, being built, or sent and unacknowledged
    char id[40];            //  batch_id, echoed in its Ack
    hrw_buf_t frame;        //  The packed EventBatch
    size_t n_events;        //  Events in it
    uint64_t *tags;         //  The caller's tag of each event
    size_t tags_cap;
    int64_t first_sent;     //  When first sent
    unsigned sent_ups;      //  The connection's handshakes when last sent
    int64_t next_send;      //  When to re-send, once answered BUSY
    int64_t backoff;        //  Current re-send interval, once answered BUSY
    int busy;               //  Answered BUSY or UNAVAILABLE and not sent since:
                            //  goes after the next acknowledgement, or its backoff
    int held;               //  ... and not sent since: the batches after it wait
    int unsent;             //  Not yet handed to a connection that is up
    uint64_t seq;           //  Its place in the order events were added
} s_batch_t;

struct hrwatch_publisher {
    hrw_conn_t conn;            //  DEALER to the ingest socket
    int connect_ms;             //  The client's connection timeout
    size_t batch_size;          //  Events a batch
    int window;                 //  Batches in flight at once
    int64_t timeout_us;         //  Most a batch waits for its Ack
    hrwatch_result_fn *on_result;
    void *result_arg;
    hrwatch_retry_fn *on_retry;
    void *retry_arg;
    int64_t started;            //  When it was made
    int was_up;                 //  The handshake succeeded once
    int failed;                 //  The error that ended it, or 0
    uint64_t next_batch;        //  Counter for batch ids
    s_batch_t *filling;         //  The batch being built, or NULL
    hrwatch_counts_t counts;
    hrw_buf_t scratch;          //  One event's encoding
    s_batch_t slots[S_WINDOW_MAX];
    char error[HRW_CONN_ERROR_MAX];
};

static const char *
s_reason_name (int reason)
{
    const ProtobufCEnumValue *v
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__reason__descriptor, reason);
    return v? v->name: "REASON_UNKNOWN";
}

hrwatch_publisher_t *
hrwatch_publisher_new (hrwatch_client_t *client)
{
    if (!client)
        return NULL;
    client->error[0] = '\0';
    hrwatch_publisher_t *self = calloc (1, sizeof (*self));
    if (!self) {
        hrw_conn_say (client->error, HRWATCH_E_NOMEM, "out of memory");
        return NULL;
    }
    self->batch_size = 500;
    self->window = 4;
    self->timeout_us = 30 * HRW_US_PER_SEC;
    self->connect_ms = client->connect_ms;
    self->started = hrw_clock_now_us ();
    if (hrw_conn_open (client, ZMQ_DEALER, client->endpoint[HRWATCH_INGEST],
                       HRW_CONN_IMMEDIATE, &self->conn, self->error)) {
        snprintf (client->error, sizeof (client->error), "%s", self->error);
        free (self);
        return NULL;
    }
    return self;
}

void
hrwatch_publisher_destroy (hrwatch_publisher_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrwatch_publisher_t *self = *self_p;
    hrw_conn_close (&self->conn);
    for (int i = 0; i < S_WINDOW_MAX; i++) {
        hrw_buf_free (&self->slots[i].frame);
        free (self->slots[i].tags);
    }
    hrw_buf_free (&self->scratch);
    free (self);
    *self_p = NULL;
}

int
hrwatch_publisher_set_batch (hrwatch_publisher_t *self, size_t events)
{
    if (!self)
        return HRWATCH_E_ARG;
    if (events < 1 || events > S_BATCH_EVENTS_MAX)
        return hrw_conn_say (self->error, HRWATCH_E_ARG, "a batch of %zu events: from 1 to %d "
                             "(hrwatchd's [ingest] max_batch_events, 10000 unless configured, "
                             "is the real bound)", events, S_BATCH_EVENTS_MAX);
    self->batch_size = events;
    return HRWATCH_OK;
}

int
hrwatch_publisher_set_window (hrwatch_publisher_t *self, int batches)
{
    if (!self || batches < 1 || batches > S_WINDOW_MAX || self->filling || self->counts.sent)
        return HRWATCH_E_ARG;
    self->window = batches;
    return HRWATCH_OK;
}

int
hrwatch_publisher_set_timeout (hrwatch_publisher_t *self, int timeout_ms)
{
    if (!self || timeout_ms < 1)
        return HRWATCH_E_ARG;
    self->timeout_us = (int64_t) timeout_ms * 1000;
    return HRWATCH_OK;
}

void
hrwatch_publisher_on_result (hrwatch_publisher_t *self, hrwatch_result_fn *fn, void *arg)
{
    if (!self)
        return;
    self->on_result = fn;
    self->result_arg = arg;
}

void
hrwatch_publisher_on_retry (hrwatch_publisher_t *self, hrwatch_retry_fn *fn, void *arg)
{
    if (!self)
        return;
    self->on_retry = fn;
    self->retry_arg = arg;
}

static void
s_result (hrwatch_publisher_t *self, const hrwatch_result_t *r)
{
    if (self->on_result)
        self->on_result (r, self->result_arg);
}

// ---------------------------------------------------------------------------
// Sending and acknowledgements

//  Hands b to the connection. Returns 0, or -1 when no connection is up
//  to take it (ZMQ_IMMEDIATE: nothing waits in the socket for the next
//  one, where it could overtake a batch sent before it).
static int
s_send (hrwatch_publisher_t *self, s_batch_t *b, int64_t now)
{
    //  An empty delimiter first: the same envelope a REQ socket would send.
    if (zmq_send (self->conn.sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        b->unsent = 1;
        return -1;
    }
    zmq_send (self->conn.sock, b->frame.data, b->frame.len, 0);
    //  Sent again, it waits for its answer like any other (re-sent on a
    //  timer, a batch turned away once would go on and on as duplicates).
    b->unsent = 0;
    b->busy = 0;
    b->held = 0;
    b->sent_ups = self->conn.ups;
    b->next_send = now + b->backoff;
    b->backoff = b->backoff * 2 > S_RETRY_MAX_US? S_RETRY_MAX_US: b->backoff * 2;
    return 0;
}

//  What must go now goes, in the order the batches were made: a batch
//  never sent, or sent on a connection since replaced (what it held is
//  lost), or answered BUSY and due again. The daemon then applies events
//  in the order they were added, across a restart too: an event arriving
//  after later ones can be counted otherwise (a survey answer after its
//  cycle closed is late). A batch turned away and not yet sent again
//  holds the ones after it.
static void
s_sends (hrwatch_publisher_t *self, int64_t now)
{
    if (!self->conn.up)
        return;
    uint64_t after = 0;
    for (;;) {
        s_batch_t *b = NULL;
        for (int i = 0; i < self->window; i++) {
            s_batch_t *c = &self->slots[i];
            if (c->state == S_IN_FLIGHT && c->seq > after && (!b || c->seq < b->seq))
                b = c;
        }
        if (!b || (b->held && now < b->next_send))
            return;
        after = b->seq;
        int due = b->unsent || b->sent_ups != self->conn.ups
               || (b->busy && now >= b->next_send);
        if (due && s_send (self, b, now))
            return;
    }
}

static void
s_tally (hrwatch_publisher_t *self, s_batch_t *b, const Hrwatch__V1__Ack *ack)
{
    hrwatch_result_t r = { 0 };
    if (ack->status == HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_REJECTED) {
        self->counts.rejected += b->n_events;
        for (size_t i = 0; i < b->n_events; i++) {
            r = (hrwatch_result_t) { b->tags[i], "", HRWATCH_REJECTED, ack->reason,
                                     s_reason_name (ack->reason), ack->message, 1, i };
            s_result (self, &r);
        }
        return;
    }
    for (size_t i = 0; i < ack->n_results && i < b->n_events; i++) {
        const Hrwatch__V1__EventResult *e = ack->results[i];
        hrwatch_outcome_t outcome = HRWATCH_REJECTED;
        if (e->outcome == HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED)
            outcome = HRWATCH_ACCEPTED, self->counts.accepted++;
        else if (e->outcome == HRWATCH__V1__OUTCOME__OUTCOME_DUPLICATE)
            outcome = HRWATCH_DUPLICATE, self->counts.duplicate++;
        else
            self->counts.rejected++;
        int reason = outcome == HRWATCH_REJECTED? e->reason: 0;
        r = (hrwatch_result_t) { b->tags[i], e->event_id, outcome, reason,
                                 s_reason_name (reason), e->message, 0, i };
        s_result (self, &r);
    }
}

static s_batch_t *
s_find (hrwatch_publisher_t *self, const char *id)
{
    for (int i = 0; i < self->window; i++)
        if (self->slots[i].state == S_IN_FLIGHT && !strcmp (self->slots[i].id, id))
            return &self->slots[i];
    return NULL;
}

//  Takes the replies waiting, after waiting up to wait_ms for the first.
//  Returns the number of batches settled.
static int
s_receive (hrwatch_publisher_t *self, int wait_ms)
{
    int settled = 0;
    zmq_pollitem_t item = { self->conn.sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, wait_ms) <= 0)
        return 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (zmq_msg_recv (&msg, self->conn.sock, ZMQ_DONTWAIT) >= 0) {
        if (zmq_msg_more (&msg))
            continue;   //  The delimiter
        Hrwatch__V1__Ack *ack
            = hrwatch__v1__ack__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
        s_batch_t *b = ack? s_find (self, ack->batch_id): NULL;
        int64_t now = hrw_clock_now_us ();
        //  An Ack for a batch already settled is the answer to a re-send.
        if (b && ack->status != HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_UNAVAILABLE) {
            self->counts.in_flight -= b->n_events;
            b->state = S_FREE;
            settled++;
            s_tally (self, b, ack);
            //  Room at the daemon: what it turned away goes again now.
            for (int i = 0; i < self->window; i++)
                if (self->slots[i].state == S_IN_FLIGHT && self->slots[i].busy)
                    self->slots[i].next_send = now;
        }
        else if (b) {
            //  The daemon answers: the timeout is for silence, and the
            //  batch goes again soon (after the acks, protocol.md).
            b->busy = 1;
            b->held = 1;
            b->first_sent = now;
            b->next_send = now + b->backoff;
            if (self->on_retry)
                self->on_retry (ack->batch_id, ack->reason, ack->message, self->retry_arg);
        }
        if (ack)
            hrwatch__v1__ack__free_unpacked (ack, NULL);
    }
    zmq_msg_close (&msg);
    return settled;
}

static int
s_in_flight (const hrwatch_publisher_t *self)
{
    int n = 0;
    for (int i = 0; i < self->window; i++)
        n += self->slots[i].state == S_IN_FLIGHT;
    return n;
}

//  Whether the connection still gives hope: a handshake that failed, or
//  no connection made within the client's connect timeout of the start,
//  ends the publisher. A connection made (a daemon taking a backlog in
//  turn) or once up (a daemon gone quiet) gets the full timeout.
static int
s_check (hrwatch_publisher_t *self, int64_t now)
{
    int rc = hrw_conn_poll (&self->conn, 0);
    self->was_up |= rc > 0;
    if (rc < 0)
        return self->failed = self->conn.fail_code;
    if (!self->was_up && !self->conn.connected
        && now - self->started > (int64_t) self->connect_ms * 1000)
        return self->failed = hrw_conn_not_up (&self->conn);
    for (int i = 0; i < self->window; i++) {
        s_batch_t *b = &self->slots[i];
        if (b->state != S_IN_FLIGHT)
            continue;
        if (now - b->first_sent > self->timeout_us)
            return self->failed = hrw_conn_say (self->error, HRWATCH_E_TIMEOUT,
                "no acknowledgement from %s after %g s; is hrwatchd running there?",
                self->conn.endpoint, (double) self->timeout_us / HRW_US_PER_SEC);
    }
    s_sends (self, now);
    return HRWATCH_OK;
}

int
hrwatch_publisher_poll (hrwatch_publisher_t *self, int wait_ms)
{
    if (!self || wait_ms < -1)
        return HRWATCH_E_ARG;
    if (self->failed)
        return self->failed;
    if (wait_ms >= 0) {
        s_receive (self, wait_ms);
        int rc = s_check (self, hrw_clock_now_us ());
        return rc? rc: s_in_flight (self);
    }
    //  For ever: in slices, so that re-sends and the timeout still run.
    while (s_in_flight (self) > 0) {
        int settled = s_receive (self, 100);
        int rc = s_check (self, hrw_clock_now_us ());
        if (rc)
            return rc;
        if (settled)
            break;
    }
    return s_in_flight (self);
}

// ---------------------------------------------------------------------------
// Building batches

//  A free slot, waiting for one while the window is full. Returns it, or
//  NULL once the publisher has failed.
static s_batch_t *
s_free_slot (hrwatch_publisher_t *self)
{
    for (;;) {
        for (int i = 0; i < self->window; i++)
            if (self->slots[i].state == S_FREE)
                return &self->slots[i];
        if (hrwatch_publisher_poll (self, 50) < 0)
            return NULL;
    }
}

int
hrwatch_publisher_send (hrwatch_publisher_t *self)
{
    if (!self)
        return HRWATCH_E_ARG;
    if (self->failed)
        return self->failed;
    s_batch_t *b = self->filling;
    if (!b)
        return HRWATCH_OK;
    self->filling = NULL;
    int64_t now = hrw_clock_now_us ();
    b->state = S_IN_FLIGHT;
    b->first_sent = now;
    b->backoff = S_RETRY_BUSY_US;
    b->busy = b->held = 0;
    b->unsent = 1;
    b->sent_ups = 0;
    self->counts.sent += b->n_events;
    self->counts.in_flight += b->n_events;
    //  The connection as it is now: one lost since the last look must not
    //  take this batch ahead of those it held.
    if (hrw_conn_poll (&self->conn, 0) < 0)
        return self->failed = self->conn.fail_code;
    s_sends (self, now);
    return HRWATCH_OK;
}

//  Appends one packed Event as field 2 of the batch being built, starting
//  one when none is, and sends the batch once it is full.
static int
s_append (hrwatch_publisher_t *self, const void *event, size_t len, uint64_t tag)
{
    if (self->failed)
        return self->failed;
    s_batch_t *b = self->filling;
    //  One that would take the frame over the limit starts the next.
    if (b && b->frame.len + len + 11 > S_BATCH_BYTES_MAX) {
        int rc = hrwatch_publisher_send (self);
        if (rc)
            return rc;
        b = NULL;
    }
    if (!b) {
        b = s_free_slot (self);
        if (!b)
            return self->failed;
        hrw_buf_clear (&b->frame);
        b->n_events = 0;
        b->seq = ++self->next_batch;
        snprintf (b->id, sizeof (b->id), "%d-%" PRIu64, (int) getpid (), b->seq);
        size_t idlen = strlen (b->id);
        uint8_t head[2] = { 1 << 3 | 2, (uint8_t) idlen };
        hrw_buf_append (&b->frame, head, 2);
        hrw_buf_append (&b->frame, b->id, idlen);
        b->state = S_FILLING;
        self->filling = b;
    }
    if (b->n_events == b->tags_cap) {
        size_t cap = b->tags_cap? b->tags_cap * 2: 256;
        uint64_t *t = realloc (b->tags, cap * sizeof (*t));
        if (!t)
            goto oom;
        b->tags = t;
        b->tags_cap = cap;
    }
    uint8_t head[11];
    size_t n = 0;
    head[n++] = 2 << 3 | 2;
    for (uint64_t l = len; ; l >>= 7) {
        head[n++] = (uint8_t) (l & 0x7f) | (l >= 0x80? 0x80: 0);
        if (l < 0x80)
            break;
    }
    hrw_buf_append (&b->frame, head, n);
    hrw_buf_append (&b->frame, event, len);
    if (b->frame.oom)
        goto oom;
    b->tags[b->n_events++] = tag;
    if (b->n_events >= self->batch_size)
        return hrwatch_publisher_send (self);
    return HRWATCH_OK;
oom:
    return self->failed = hrw_conn_say (self->error, HRWATCH_E_NOMEM, "out of memory");
}

//  An event that is not sent, with the reason the daemon would give.
static int
s_invalid (hrwatch_publisher_t *self, uint64_t tag, const char *event_id, int reason,
           const char *message)
{
    self->counts.invalid++;
    hrwatch_result_t r = { tag, event_id, HRWATCH_INVALID, reason, s_reason_name (reason),
                           message, 0, 0 };
    s_result (self, &r);
    hrw_conn_say (self->error, HRWATCH_E_INVALID, "%s", message);
    return HRWATCH_E_INVALID;
}

int
hrwatch_publisher_add_json (hrwatch_publisher_t *self, const char *json, size_t len,
                            uint64_t tag)
{
    if (!self || !json)
        return HRWATCH_E_ARG;
    if (self->failed)
        return self->failed;
    json_error_t jerr;
    json_t *obj = json_loadb (json, len, 0, &jerr);
    if (!obj) {
        char msg[200];
        snprintf (msg, sizeof (msg), "not JSON: %s", jerr.text);
        return s_invalid (self, tag, "", HRWATCH__V1__REASON__REASON_MALFORMED, msg);
    }
    char err[1024];
    hrw_pbjson_error_t kind = HRW_PBJSON_E_SHAPE;
    hrw_buf_clear (&self->scratch);
    int rc;
    if (hrw_pbjson_encode_kind (&hrwatch__v1__event__descriptor, obj, &self->scratch, err,
                                sizeof (err), &kind)) {
        //  As the daemon says of a value out of range (an unknown enum
        //  name among them) and of an event that does not decode.
        json_t *id = json_object_get (obj, "eventId");
        rc = s_invalid (self, tag, json_is_string (id)? json_string_value (id): "",
                        kind == HRW_PBJSON_E_RANGE? HRWATCH__V1__REASON__REASON_OUT_OF_RANGE
                                                  : HRWATCH__V1__REASON__REASON_MALFORMED, err);
    }
    else if (self->scratch.oom)
        rc = self->failed = hrw_conn_say (self->error, HRWATCH_E_NOMEM, "out of memory");
    else if (self->scratch.len > S_EVENT_BYTES_MAX) {
        json_t *id = json_object_get (obj, "eventId");
        rc = s_invalid (self, tag, json_is_string (id)? json_string_value (id): "",
                        HRWATCH__V1__REASON__REASON_TOO_LARGE,
                        "event is over 4 MiB: no frame hrwatchd takes holds it");
    }
    else
        rc = s_append (self, self->scratch.data, self->scratch.len, tag);
    json_decref (obj);
    return rc;
}

int
hrwatch_publisher_add_packed (hrwatch_publisher_t *self, const void *event, size_t len,
                              uint64_t tag)
{
    if (!self || (!event && len))
        return HRWATCH_E_ARG;
    if (self->failed)
        return self->failed;
    if (len > S_EVENT_BYTES_MAX)
        return s_invalid (self, tag, "", HRWATCH__V1__REASON__REASON_TOO_LARGE,
                          "event is over 4 MiB: no frame hrwatchd takes holds it");
    //  Checked here, as the daemon would, so that one bad event does not
    //  cost its batch.
    Hrwatch__V1__Event *e = hrwatch__v1__event__unpack (NULL, len, event);
    if (!e)
        return s_invalid (self, tag, "", HRWATCH__V1__REASON__REASON_MALFORMED,
                          "not a packed hrwatch.v1.Event");
    hrwatch__v1__event__free_unpacked (e, NULL);
    return s_append (self, event, len, tag);
}

int
hrwatch_publisher_flush (hrwatch_publisher_t *self)
{
    if (!self)
        return HRWATCH_E_ARG;
    int rc = hrwatch_publisher_send (self);
    //  poll gives the batches still in flight, or the error that ended it.
    while (rc == HRWATCH_OK && s_in_flight (self) > 0) {
        int in_flight = hrwatch_publisher_poll (self, 50);
        if (in_flight < 0)
            rc = in_flight;
    }
    if (rc < 0)
        return rc;
    //  Nothing (more) to send: still, a daemon that was never there is
    //  said, not a success of nothing.
    if (!self->was_up) {
        int spent = (int) ((hrw_clock_now_us () - self->started) / 1000);
        int left = self->connect_ms - spent;
        int up = (int) (self->timeout_us / 1000) - spent;
        rc = hrw_conn_wait (&self->conn, left > 0? left: 0, up > 0? up: 0);
        if (rc)
            return self->failed = rc;
        self->was_up = 1;
    }
    return HRWATCH_OK;
}

void
hrwatch_publisher_counts (const hrwatch_publisher_t *self, hrwatch_counts_t *counts)
{
    if (!counts)
        return;
    if (!self)
        memset (counts, 0, sizeof (*counts));
    else
        *counts = self->counts;
}

int
hrwatch_publisher_first_unsettled (const hrwatch_publisher_t *self, uint64_t *tag)
{
    const s_batch_t *first = NULL;
    for (int i = 0; self && i < S_WINDOW_MAX; i++) {
        const s_batch_t *b = &self->slots[i];
        if (b->state != S_FREE && b->n_events && (!first || b->seq < first->seq))
            first = b;
    }
    if (first && tag)
        *tag = first->tags[0];
    return first != NULL;
}

hrwatch_link_t
hrwatch_publisher_link (const hrwatch_publisher_t *self)
{
    if (!self)
        return HRWATCH_LINK_NONE;
    return self->was_up? HRWATCH_LINK_UP
         : self->conn.connected? HRWATCH_LINK_CONNECTED: HRWATCH_LINK_NONE;
}

const char *
hrwatch_publisher_error (const hrwatch_publisher_t *self)
{
    return self? self->error: "";
}
