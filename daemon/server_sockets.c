/*  server_sockets: the bound sockets (queue sizes, CURVE, binding, their
    monitors) and the messages on them (envelopes taken in, replies sent
    back along them). */
#include "daemon/server_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

//  On tcp:// with a server key, CURVE with the allowlist of the domain.
//  Any option that does not take (a libzmq built without CURVE, say) is
//  fatal: the socket would otherwise serve in the clear.
static int
s_secure (hrw_server_t *self, void *sock, const char *endpoint, const char *domain)
{
    if (!self->zap || strncmp (endpoint, "tcp://", 6))
        return 0;
    int server = 1;
    if (zmq_setsockopt (sock, ZMQ_CURVE_SERVER, &server, sizeof (server))
        || zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, self->keys.secret_key, 41)
        || zmq_setsockopt (sock, ZMQ_ZAP_DOMAIN, domain, strlen (domain))) {
        hrw_log (self->log, HRW_LOG_ERR, "cannot secure %s with CURVE: %s", endpoint,
                 zmq_strerror (errno));
        return -1;
    }
    return 0;
}

//  What libzmq may buffer is (ZMQ_RCVHWM + 1) frames of up to MAXMSGSIZE
//  per connection (the queue, and one decoded frame waiting for room), and
//  the daemon cannot see or free it. So the frames admitted are just over
//  the limit (those get a TOO_LARGE answer; far larger ones are cut off by
//  libzmq at their length header, unbuffered), and a connection queues no
//  more than one group may take from it (client_batches_max) nor than the
//  budget holds. The queue is what fills a group while the last one is
//  being flushed to disk: a shorter one costs group commit most of its
//  throughput (a queue of 2 took batches of 1000 from 81% of the limit to
//  45% in make bench), so the budget is not divided among connections:
//  past it, a warning says so (s_check_budget, server_monitor.c).
void
hrw_server__size_queues (hrw_server_t *self)
{
    uint64_t frame = self->cfg.limits.max_frame_bytes;
    uint64_t slack = frame / 8 > S_FRAME_SLACK? frame / 8: S_FRAME_SLACK;
    self->maxmsg = (int64_t) (frame + slack);
    uint64_t fit = self->cfg.inflight_max / (uint64_t) self->maxmsg;
    uint64_t frames = fit < self->cfg.client_batches_max? fit: self->cfg.client_batches_max;
    self->rcvhwm = frames > 1? (int) frames - 1: 1;
}

//  Connection events (accepts, refusals, handshakes, disconnects) of a
//  bound socket, for the log and the subscriber count.
static void
s_watch (hrw_server_t *self, void *sock, const char *what)
{
    char endpoint[64];
    int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_ACCEPT_FAILED
               | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
               | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    hrw_server_watch_t *w = &self->watch[self->n_watch];
    snprintf (endpoint, sizeof (endpoint), "inproc://hrwatch-monitor-%s", what);
    if (self->n_watch == S_WATCHES || zmq_socket_monitor (sock, endpoint, events)
        || !(w->pair = zmq_socket (self->ctx, ZMQ_PAIR))) {
        hrw_log (self->log, HRW_LOG_WARNING, "%s socket: no connection events: %s", what,
                 zmq_strerror (errno));
        return;
    }
    int linger = 0;
    zmq_setsockopt (w->pair, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_connect (w->pair, endpoint);
    w->sock = sock;
    w->what = what;
    self->n_watch++;
}

void *
hrw_server__bind (hrw_server_t *self, int type, const char *endpoint, const char *what)
{
    void *sock = zmq_socket (self->ctx, type);
    int linger = S_LINGER_MS;
    //  A connection that has not finished its handshake in this time is
    //  closed: idle ones would otherwise hold file descriptors for 30 s.
    int handshake_ms = (int) self->cfg.handshake_seconds * 1000;
    if (!sock) {
        hrw_log (self->log, HRW_LOG_ERR, "%s socket: %s", what, zmq_strerror (errno));
        return NULL;
    }
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_setsockopt (sock, ZMQ_MAXMSGSIZE, &self->maxmsg, sizeof (self->maxmsg));
    zmq_setsockopt (sock, ZMQ_HANDSHAKE_IVL, &handshake_ms, sizeof (handshake_ms));
    int publishing = !strcmp (what, "ingest") || !strcmp (what, "push");
    if (publishing)
        zmq_setsockopt (sock, ZMQ_RCVHWM, &self->rcvhwm, sizeof (self->rcvhwm));
    const char *domain = publishing? HRW_ZAP_PUBLISHERS
                       : !strcmp (what, "control")? HRW_ZAP_CONTROL: HRW_ZAP_SUBSCRIBERS;
    if (s_secure (self, sock, endpoint, domain)) {
        zmq_close (sock);
        return NULL;
    }
    if (zmq_bind (sock, endpoint)) {
        hrw_log (self->log, HRW_LOG_ERR, "cannot bind %s socket to %s: %s", what, endpoint,
                 zmq_strerror (errno));
        zmq_close (sock);
        return NULL;
    }
    s_watch (self, sock, what);
    //  An ipc:// socket admits the service's group (connecting needs write
    //  permission); its directory (/run/hrwatch, 0750) keeps others out.
    if (!strncmp (endpoint, "ipc://", 6) && endpoint[6] != '@'
        && chmod (endpoint + 6, 0660) != 0)
        hrw_log (self->log, HRW_LOG_WARNING, "cannot set the mode of %s: %s", endpoint + 6,
                 strerror (errno));
    hrw_log (self->log, HRW_LOG_INFO, "%s socket bound to %s", what, endpoint);
    return sock;
}

// ---------------------------------------------------------------------------
// Messages

//  Receives one whole message without blocking: routing parts into the
//  envelope, the last part into body. Returns 1 when a message was taken,
//  0 when none was waiting, -1 when it had too many parts (dropped).
int
hrw_server__recv (void *sock, hrw_server_slot_t *slot, int routed)
{
    int more = 0;
    size_t more_len = sizeof (more);
    slot->n_envelope = 0;
    zmq_msg_init (&slot->body);
    if (zmq_msg_recv (&slot->body, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&slot->body);
        return 0;
    }
    int overflow = 0;
    zmq_getsockopt (sock, ZMQ_RCVMORE, &more, &more_len);
    while (more) {
        //  The part just read was routing; the next may be the body.
        if (slot->n_envelope < S_ENVELOPE_MAX) {
            zmq_msg_init (&slot->envelope[slot->n_envelope]);
            zmq_msg_move (&slot->envelope[slot->n_envelope++], &slot->body);
        }
        else
            overflow = 1;
        zmq_msg_close (&slot->body);
        zmq_msg_init (&slot->body);
        zmq_msg_recv (&slot->body, sock, 0);
        zmq_getsockopt (sock, ZMQ_RCVMORE, &more, &more_len);
    }
    slot->reply_to = routed? sock: NULL;
    if (overflow || (routed && slot->n_envelope == 0)) {
        for (int i = 0; i < slot->n_envelope; i++)
            zmq_msg_close (&slot->envelope[i]);
        zmq_msg_close (&slot->body);
        return -1;
    }
    return 1;
}

void
hrw_server__reply (hrw_server_slot_t *slot, const void *data, size_t len)
{
    for (int i = 0; i < slot->n_envelope; i++)
        zmq_msg_send (&slot->envelope[i], slot->reply_to, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (slot->reply_to, data, len, ZMQ_DONTWAIT);
    slot->n_envelope = 0;
}

void
hrw_server__release (hrw_server_slot_t *slot)
{
    for (int i = 0; i < slot->n_envelope; i++)
        zmq_msg_close (&slot->envelope[i]);
    slot->n_envelope = 0;
    zmq_msg_close (&slot->body);
}
