/*  server_monitor: connection events of the bound sockets (accepts,
    refusals, handshakes, disconnects): peer counts, the in-flight budget
    warning, and warnings held to one line a minute. */
#include "daemon/server_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"

//  Logs a line now unless one went out in the last minute; then counts
//  it, for the next line or hrw_server__ratelog_flush to report.
static void
s_ratelog (hrw_server_t *self, hrw_server_ratelog_t *r, int64_t now, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_ratelog (hrw_server_t *self, hrw_server_ratelog_t *r, int64_t now, const char *fmt, ...)
{
    if (r->logged_at && now - r->logged_at < S_RATELOG_US) {
        r->held++;
        return;
    }
    char line[400];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof (line), fmt, ap);
    va_end (ap);
    if (r->held)
        hrw_log (self->log, HRW_LOG_WARNING, "%s (%" PRIu64 " more %s not logged in the last "
                 "minute)", line, r->held, r->what);
    else
        hrw_log (self->log, HRW_LOG_WARNING, "%s", line);
    r->logged_at = now;
    r->held = 0;
}

//  A flood that stopped still gets its count said.
void
hrw_server__ratelog_flush (hrw_server_t *self, hrw_server_ratelog_t *r, int64_t now)
{
    if (!r->held || now - r->logged_at < S_RATELOG_US)
        return;
    hrw_log (self->log, HRW_LOG_WARNING, "%" PRIu64 " more %s in the last minute", r->held,
             r->what);
    r->logged_at = now;
    r->held = 0;
}

//  Past the budget, libzmq may hold more than inflight_max_mb for the
//  publishers connected; it cannot be told to refuse them, so say so.
static void
s_check_budget (hrw_server_t *self, int64_t now)
{
    int64_t peers = 0;
    for (int i = 0; i < self->n_watch; i++)
        if (self->watch[i].sock == self->router || self->watch[i].sock == self->pull)
            peers += self->watch[i].peers;
    uint64_t worst = (uint64_t) peers * (uint64_t) (self->rcvhwm + 1) * (uint64_t) self->maxmsg;
    if (worst > self->cfg.inflight_max)
        s_ratelog (self, &self->over_budget, now, "%" PRId64 " publisher connections may queue "
                   "up to %" PRIu64 " MiB, over [ingest] inflight_max_mb = %" PRIu64, peers,
                   worst >> 20, self->cfg.inflight_max >> 20);
}

static void
s_event (hrw_server_t *self, hrw_server_watch_t *w, uint16_t event, uint32_t value, int64_t now)
{
    switch (event) {
        case ZMQ_EVENT_ACCEPTED:
            w->peers++;
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            //  Only a connection that can send frames can use the budget.
            s_check_budget (self, now);
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (w->peers > 0)
                w->peers--;
            break;
        case ZMQ_EVENT_ACCEPT_FAILED:
            s_ratelog (self, &self->refused, now, "%s socket cannot accept a connection: %s",
                       w->what, strerror ((int) value));
            break;
        default:
            s_ratelog (self, &self->handshakes, now, "%s socket: a handshake %s", w->what,
                       event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH? "was refused by authentication"
                       : event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL? "broke the protocol"
                       : "failed or timed out");
            break;
    }
    if (w->sock == self->alerts)
        self->subscribers = w->peers;
}

//  Connection events of one bound socket: two frames each, the event (16
//  bits, then a 32-bit value: the fd or errno) and the endpoint. A bounded
//  number per turn: a listener out of descriptors reports as fast as it
//  can and must not starve the loop.
void
hrw_server__monitor (hrw_server_t *self, hrw_server_watch_t *w)
{
    zmq_msg_t ev, addr;
    int64_t now = hrw_clock_now_us ();
    zmq_msg_init (&ev);
    zmq_msg_init (&addr);
    for (int i = 0; i < S_MONITOR_TURN && zmq_msg_recv (&ev, w->pair, ZMQ_DONTWAIT) >= 0; i++) {
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size (&ev) >= 6) {
            memcpy (&event, zmq_msg_data (&ev), 2);
            memcpy (&value, (uint8_t *) zmq_msg_data (&ev) + 2, 4);
        }
        if (zmq_msg_more (&ev))
            zmq_msg_recv (&addr, w->pair, 0);
        s_event (self, w, event, value, now);
    }
    zmq_msg_close (&ev);
    zmq_msg_close (&addr);
    hrw_server__metrics (self);
}
