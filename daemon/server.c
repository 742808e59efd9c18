/*  server: sockets, envelopes and the main loop. */
#include "daemon/server.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <zmq.h>

#include "workers/alertmanager.h"
#include "workers/metrics.h"
#include "daemon/zap.h"
#include "daemon/curve.h"
#include "lib/clock.h"
#include "workers/engine.h"
#include "workers/ingest.h"
#include "workers/query.h"

#define S_ENVELOPE_MAX 8                        //  Routing parts kept per message
#define S_LINGER_MS 2000                        //  For acks still queued at exit
#define S_REPORT_US (60 * HRW_US_PER_SEC)       //  Throughput log interval
#define S_RATELOG_US (60 * HRW_US_PER_SEC)      //  One line a minute per kind of refusal
#define S_WATCHES 4                             //  Bound sockets: ingest, push, control, alerts
#define S_MONITOR_TURN 256                      //  Connection events taken per turn
#define S_FRAME_SLACK (64 * 1024)               //  Least oversize still answered TOO_LARGE

//  The connection events of one bound socket.
typedef struct {
    void *pair;                         //  PAIR: its monitor's events
    void *sock;                         //  The socket watched
    const char *what;                   //  Its name in the log
    int64_t peers;                      //  Connections open now
} s_watch_t;

//  A log line that goes out at most once a minute; the rest are counted.
typedef struct {
    const char *what;                   //  What is counted, for the catch-up line
    int64_t logged_at;                  //  When the last line went out (0: never)
    uint64_t held;                      //  Events since then, not logged
} s_ratelog_t;

typedef struct {
    zmq_msg_t envelope[S_ENVELOPE_MAX]; //  Routing parts, replayed on reply
    int n_envelope;                     //  How many
    zmq_msg_t body;                     //  The frame itself
    void *reply_to;                     //  Socket to answer on, or NULL
} s_slot_t;

struct hrw_server {
    hrw_config_t cfg;               //  Settings in force
    char config_path[HRW_CONFIG_PATH_MAX];  //  Where they came from ("" = defaults)
    hrw_log_t *log;                 //  Where records go
    hrw_store_t *store;             //  The state
    hrw_engine_t *engine;           //  Event-time clock, detectors, alerts
    hrw_ingest_t *ingest;           //  Validation and group commit
    void *ctx;                      //  ZeroMQ context
    void *router;                   //  Acknowledged ingest
    void *pull;                     //  Fire-and-forget ingest, or NULL
    void *control;                  //  Queries
    void *alerts;                   //  PUB: alert changes
    s_watch_t watch[S_WATCHES];     //  Connection events of each bound socket
    int n_watch;                    //  How many
    int64_t subscribers;            //  Connections to the PUB socket
    int rcvhwm;                     //  Frames libzmq queues per publisher connection
    int64_t maxmsg;                 //  Largest frame libzmq takes in (ZMQ_MAXMSGSIZE)
    s_ratelog_t refused;            //  Connections the listener could not accept
    s_ratelog_t handshakes;         //  Handshakes failed or timed out
    s_ratelog_t over_budget;        //  Publisher connections past the in-flight budget
    hrw_metrics_t *metrics;         //  /metrics, or NULL
    hrw_am_t *am;                   //  Alertmanager forwarding, or NULL
    hrw_zap_t *zap;                 //  CURVE authentication, or NULL
    hrw_curve_keys_t keys;          //  The server's key pair, when CURVE is on
    int64_t next_tick;              //  When the clock next follows the wall clock
    s_slot_t *slots;                //  One per frame of a group
    hrw_frame_t *frames;            //  Ingest's view of the same frames
    hrw_buf_t reply;                //  Control responses
    hrw_ingest_stats_t reported;    //  Totals at the last throughput report
    int64_t reported_at;            //  When that was
    uint64_t watchdog_us;           //  systemd's WatchdogSec, or 0
    int64_t next_watchdog;          //  When to ping it next
    hrw_ingest_stats_t status_seen; //  Totals at the last STATUS= line
    int64_t status_at;              //  When that was
};

static void s_am_firing (const uint8_t *data, size_t len, void *arg);

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
//  past it, a warning says so (s_check_budget).
static void
s_size_queues (hrw_server_t *self)
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
    s_watch_t *w = &self->watch[self->n_watch];
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

static void *
s_bind (hrw_server_t *self, int type, const char *endpoint, const char *what)
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

hrw_server_t *
hrw_server_new (const hrw_config_t *cfg, const char *config_path, hrw_store_t *store,
                hrw_log_t *log)
{
    hrw_server_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->cfg = *cfg;
    snprintf (self->config_path, sizeof (self->config_path), "%s", config_path? config_path: "");
    cfg = &self->cfg;
    self->log = log;
    self->store = store;
    self->refused.what = "connections refused";
    self->handshakes.what = "handshakes failed or timed out";
    self->over_budget.what = "publisher connections past the in-flight budget";
    s_size_queues (self);
    self->engine = hrw_engine_new (store, &cfg->engine);
    self->ingest = self->engine? hrw_ingest_new (self->engine, store, &cfg->limits): NULL;
    self->slots = calloc (cfg->group_max_frames, sizeof (*self->slots));
    self->frames = calloc (cfg->group_max_frames, sizeof (*self->frames));
    self->ctx = zmq_ctx_new ();
    if (!self->ingest || !self->slots || !self->frames || !self->ctx) {
        hrw_log (log, HRW_LOG_ERR, "out of memory starting the server");
        goto fail;
    }
    if (*cfg->server_key) {
        unsigned mode = 0;
        int krc = hrw_curve_load_secret (cfg->server_key, &self->keys, &mode);
        if (krc == EPERM && !S_ISREG (mode)) {
            hrw_log (log, HRW_LOG_ERR, "server key %s is not a regular file", cfg->server_key);
            goto fail;
        }
        if (krc == EPERM) {
            hrw_log (log, HRW_LOG_ERR, "server key %s is %s by group or others (mode 0%03o); "
                     "chmod 600 it", cfg->server_key, mode & 0044? "readable": "writable",
                     mode & 0777);
            goto fail;
        }
        if (krc || !*self->keys.secret_key) {
            hrw_log (log, HRW_LOG_ERR, "server key %s: %s", cfg->server_key,
                     krc? strerror (krc): "holds no secret key");
            goto fail;
        }
        self->zap = hrw_zap_new (self->ctx, cfg->publishers, cfg->subscribers, cfg->admins, log);
        if (!self->zap)
            goto fail;
        hrw_log (log, HRW_LOG_INFO, "CURVE on tcp:// sockets, server key %s",
                 self->keys.public_key);
    }
    if (!(self->router = s_bind (self, ZMQ_ROUTER, cfg->ingest_endpoint, "ingest")))
        goto fail;
    if (*cfg->push_endpoint && !(self->pull = s_bind (self, ZMQ_PULL, cfg->push_endpoint, "push")))
        goto fail;
    if (!(self->control = s_bind (self, ZMQ_ROUTER, cfg->control_endpoint, "control")))
        goto fail;
    if (!(self->alerts = s_bind (self, ZMQ_PUB, cfg->alerts_endpoint, "alerts")))
        goto fail;
    hrw_log (log, HRW_LOG_INFO, "in flight: at most %d frames of %" PRId64 " bytes queued per "
             "publisher connection, budget %" PRIu64 " MiB", self->rcvhwm, self->maxmsg,
             cfg->inflight_max >> 20);
    if (*cfg->metrics_listen && !(self->metrics = hrw_metrics_new (cfg->metrics_listen, log)))
        goto fail;
    if (*cfg->alertmanager_url) {
        if (!(self->am = hrw_am_new (cfg->alertmanager_url, cfg->alertmanager_resend, log)))
            goto fail;
        //  What is firing now is Alertmanager's to know from the start.
        hrw_alerts_each (hrw_engine_alerts (self->engine), 1, 0, UINT32_MAX, NULL,
                         s_am_firing, self->am);
    }
    self->reported_at = hrw_clock_now_us ();
    return self;
fail:
    hrw_server_destroy (&self);
    return NULL;
}

void
hrw_server_destroy (hrw_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_server_t *self = *self_p;
    for (int i = 0; i < self->n_watch; i++) {
        zmq_socket_monitor (self->watch[i].sock, NULL, 0);
        zmq_close (self->watch[i].pair);
    }
    if (self->router)
        zmq_close (self->router);
    if (self->pull)
        zmq_close (self->pull);
    if (self->control)
        zmq_close (self->control);
    if (self->alerts)
        zmq_close (self->alerts);
    hrw_metrics_destroy (&self->metrics);
    hrw_am_destroy (&self->am);
    hrw_zap_destroy (&self->zap);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    hrw_ingest_destroy (&self->ingest);
    hrw_engine_destroy (&self->engine);
    hrw_buf_free (&self->reply);
    free (self->slots);
    free (self->frames);
    free (self);
    *self_p = NULL;
}

// ---------------------------------------------------------------------------
// Messages

//  Receives one whole message without blocking: routing parts into the
//  envelope, the last part into body. Returns 1 when a message was taken,
//  0 when none was waiting, -1 when it had too many parts (dropped).
static int
s_recv (void *sock, s_slot_t *slot, int routed)
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

static void
s_reply (s_slot_t *slot, const void *data, size_t len)
{
    for (int i = 0; i < slot->n_envelope; i++)
        zmq_msg_send (&slot->envelope[i], slot->reply_to, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (slot->reply_to, data, len, ZMQ_DONTWAIT);
    slot->n_envelope = 0;
}

static void
s_release (s_slot_t *slot)
{
    for (int i = 0; i < slot->n_envelope; i++)
        zmq_msg_close (&slot->envelope[i]);
    slot->n_envelope = 0;
    zmq_msg_close (&slot->body);
}

static void s_metrics (hrw_server_t *self);

// ---------------------------------------------------------------------------
// Alerts

//  One log record per alert change, with its fingerprint as a journal
//  field. The summary holds ids and counts only, never names.
static void
s_am_firing (const uint8_t *data, size_t len, void *arg)
{
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, len, data);
    if (a && !a->silenced)
        hrw_am_push (arg, a);
    if (a)
        hrwatch__v1__alert__free_unpacked (a, NULL);
}

//  Logs an alert change, and hands it to Alertmanager forwarding.
static void
s_alert_out (hrw_server_t *self, const hrw_alert_pub_t *p)
{
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, p->len, p->data);
    if (!a)
        return;
    if (self->am)
        hrw_am_push (self->am, a);
    char fingerprint[300], seq[48], state[48], change[48];
    const char *fields[] = { fingerprint, seq, state, change, NULL };
    int firing = a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING;
    int update = a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED;
    snprintf (fingerprint, sizeof (fingerprint), "HRW_FINGERPRINT=%s", a->fingerprint);
    snprintf (seq, sizeof (seq), "HRW_ALERT_SEQ=%" PRIu64, a->seq);
    snprintf (state, sizeof (state), "HRW_ALERT_STATE=%s", firing? "firing": "resolved");
    snprintf (change, sizeof (change), "HRW_ALERT_CHANGE=%s", update? "updated": "state");
    hrw_log_fields (self->log, HRW_LOG_INFO, fields, "alert #%" PRIu64 " %s %s: %s", a->seq,
                    update? "updated": firing? "firing": "resolved", a->fingerprint, a->summary);
    hrwatch__v1__alert__free_unpacked (a, NULL);
}

//  Sends the alert changes of the transaction just committed: a topic frame
//  for prefix subscriptions, then the Alert. A slow subscriber loses
//  messages at the high-water mark (and catches up from the log) rather
//  than slowing ingest.
static void
s_publish (hrw_server_t *self)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (self->engine);
    size_t n = hrw_alerts_queued (alerts);
    for (size_t i = 0; i < n; i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        zmq_send (self->alerts, p.topic, strlen (p.topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (self->alerts, p.data, p.len, ZMQ_DONTWAIT);
        s_alert_out (self, &p);
    }
    hrw_alerts_clear_queue (alerts);
}

//  Live, the clock follows the wall clock between events.
static void
s_tick (hrw_server_t *self, int64_t now)
{
    if (self->cfg.engine.replay || now < self->next_tick)
        return;
    self->next_tick = now + (int64_t) self->cfg.tick_seconds * HRW_US_PER_SEC;
    int rc = hrw_engine_begin (self->engine, now);
    if (!rc && (rc = hrw_engine_settle (self->engine, now)))
        hrw_engine_abort (self->engine);
    else if (!rc)
        rc = hrw_engine_commit (self->engine);
    if (rc)
        hrw_log (self->log, HRW_LOG_ERR, "clock tick failed: %s", hrw_store_strerror (rc));
    else
        s_publish (self);
    s_metrics (self);
}

// ---------------------------------------------------------------------------
// Ingest

//  How many frames of the group so far came from the same client (the same
//  routing identity) as slot n.
static uint32_t
s_same_client (hrw_server_t *self, size_t n)
{
    s_slot_t *a = &self->slots[n];
    uint32_t count = 0;
    if (!a->reply_to || a->n_envelope == 0)
        return 0;
    size_t len = zmq_msg_size (&a->envelope[0]);
    for (size_t i = 0; i < n; i++) {
        s_slot_t *b = &self->slots[i];
        count += b->reply_to && b->n_envelope && zmq_msg_size (&b->envelope[0]) == len
              && !memcmp (zmq_msg_data (&b->envelope[0]), zmq_msg_data (&a->envelope[0]), len);
    }
    return count;
}

//  Turns a frame away before the group: one client has enough in it.
static void
s_busy (hrw_server_t *self, s_slot_t *slot)
{
    char msg[160];
    size_t len = 0;
    snprintf (msg, sizeof (msg), "more than %u batches from this client at once; re-send after "
              "the earlier ones are acknowledged", self->cfg.client_batches_max);
    const uint8_t *ack = hrw_ingest_refuse (self->ingest, zmq_msg_data (&slot->body),
                                            zmq_msg_size (&slot->body),
                                            HRWATCH__V1__REASON__REASON_BUSY, msg, &len);
    if (ack)
        s_reply (slot, ack, len);
    s_release (slot);
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
        int rc = s_recv (socks[turn], &self->slots[n], socks[turn] == self->router);
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

static void
s_report (hrw_server_t *self, int64_t now)
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

static void
s_ingest_group (hrw_server_t *self)
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
        s_publish (self);
    for (size_t i = 0; i < n; i++) {
        hrw_frame_t *f = &self->frames[i];
        if (f->rejected)
            hrw_log (self->log, HRW_LOG_DEBUG, "batch of %zu bytes: %u accepted, %u duplicate, "
                     "%u rejected", f->len, f->accepted, f->duplicate, f->rejected);
        if (f->want_ack && f->ack)
            s_reply (&self->slots[i], f->ack, f->ack_len);
        s_release (&self->slots[i]);
    }
    s_report (self, now);
    s_metrics (self);
}

// ---------------------------------------------------------------------------
// Control

//  Administration is for clients on an ipc:// control socket with a path
//  (its file mode admits the service group alone) and for admins keys over
//  CURVE; on tcp:// without CURVE anyone on the host could connect, so no
//  one may.
static hrw_query_role_t
s_role (hrw_server_t *self, zmq_msg_t *msg)
{
    //  An abstract socket (ipc://@name) has no file and so no mode: any
    //  local user may connect to it, so it only reads.
    const char *ep = self->cfg.control_endpoint;
    if (!strncmp (ep, "ipc://", 6) && ep[6] != '@')
        return HRW_QUERY_ADMIN;
    const char *user = self->zap? zmq_msg_gets (msg, "User-Id"): NULL;
    return user && !strcmp (user, HRW_ZAP_ADMIN)? HRW_QUERY_ADMIN: HRW_QUERY_READER;
}

static void
s_control (hrw_server_t *self)
{
    hrw_query_env_t env = { self->store, self->engine, self->cfg.backup_dir,
                            self->cfg.limits.max_future_us };
    //  A bounded number per turn, so queries cannot starve ingest.
    for (int i = 0; i < 64; i++) {
        s_slot_t slot;
        int rc = s_recv (self->control, &slot, 1);
        if (rc <= 0)
            return;
        hrw_buf_clear (&self->reply);
        if (hrw_query_handle (&env, s_role (self, &slot.body), zmq_msg_data (&slot.body),
                              zmq_msg_size (&slot.body), &self->reply) == 0)
            s_reply (&slot, self->reply.data, self->reply.len);
        else
            hrw_log (self->log, HRW_LOG_WARNING, "out of memory answering a control request");
        s_release (&slot);
        s_publish (self);   //  An advance of the clock may have changed alerts
    }
}

// ---------------------------------------------------------------------------
// Metrics

static void
s_metrics (hrw_server_t *self)
{
    if (!self->metrics)
        return;
    hrw_metrics_snapshot_t m;
    memset (&m, 0, sizeof (m));
    hrw_counters_t c;
    hrw_store_counters (self->store, &c);
    hrw_ingest_stats (self->ingest, &m.ingest);
    hrw_alerts_t *alerts = hrw_engine_alerts (self->engine);
    uint64_t firing;
    hrw_alerts_totals (alerts, &m.alert_seq, &firing);
    hrw_alerts_firing_by_kind (alerts, m.firing_by_kind);
    hrw_store_usage (self->store, &m.map_size, &m.map_used);
    m.subscribers = self->subscribers;
    m.latest_event_us = c.latest_event_us;
    m.clock_us = c.clock_us;
    m.events_pending = c.events_pending;
    m.employees_active = c.employees_active;
    m.employees_exited = c.employees_exited;
    m.units = c.units;
    m.positions = c.positions;
    m.critical_positions = c.critical_positions;
    m.alertmanager = self->am != NULL;
    if (self->am)
        hrw_am_counts (self->am, &m.am_sent, &m.am_failures);
    hrw_metrics_update (self->metrics, &m);
}

//  Logs a line now unless one went out in the last minute; then counts
//  it, for the next line or s_ratelog_flush to report.
static void
s_ratelog (hrw_server_t *self, s_ratelog_t *r, int64_t now, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_ratelog (hrw_server_t *self, s_ratelog_t *r, int64_t now, const char *fmt, ...)
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
static void
s_ratelog_flush (hrw_server_t *self, s_ratelog_t *r, int64_t now)
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
s_event (hrw_server_t *self, s_watch_t *w, uint16_t event, uint32_t value, int64_t now)
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
static void
s_monitor (hrw_server_t *self, s_watch_t *w)
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
    s_metrics (self);
}

// ---------------------------------------------------------------------------
// Reload

//  A setting the table marks restart-only, changed in the file: said once
//  per reload, and the running value kept (hrw_config_reload).
static void
s_kept (void *arg, const hrw_config_setting_t *setting, const char *running)
{
    hrw_server_t *self = arg;
    hrw_log (self->log, HRW_LOG_WARNING, "reload: [%s] %s changes only on restart; still %s",
             setting->section, setting->key, running);
}

//  New thresholds judge the alerts at once: what they change is published
//  like any other change.
static void
s_reevaluate (hrw_server_t *self)
{
    int rc = hrw_engine_begin (self->engine, hrw_clock_now_us ());
    if (!rc && (rc = hrw_engine_reevaluate (self->engine)))
        hrw_engine_abort (self->engine);
    else if (!rc)
        rc = hrw_engine_commit (self->engine);
    if (rc)
        hrw_log (self->log, HRW_LOG_ERR, "reload: re-evaluating alerts failed, they are judged "
                 "by the new thresholds as events touch them: %s", hrw_store_strerror (rc));
    else
        s_publish (self);
}

//  SIGHUP: read the file again; a file that does not load is refused whole
//  and the running settings stay. Connections and work in hand are kept:
//  this runs between groups.
static void
s_reload (hrw_server_t *self)
{
    sd_notify (0, "RELOADING=1");
    hrw_config_t next;
    char err[600];
    int errors = 0;                 //  Allowlist lines or files in error
    hrw_config_defaults (&next);
    next.engine.replay = self->cfg.engine.replay;
    if (!*self->config_path)
        hrw_log (self->log, HRW_LOG_NOTICE, "reload: running on built-in defaults, no file to read");
    else if (hrw_config_load (&next, self->config_path, err, sizeof (err))) {
        hrw_log (self->log, HRW_LOG_ERR, "reload refused, the running configuration stays: %s",
                 err);
        //  The allowlists' paths are the running ones: read them all the
        //  same, so a key deleted to revoke it is revoked now.
        if (self->zap)
            hrw_zap_reload (self->zap);
        sd_notify (0, "READY=1\nSTATUS=reload refused: see the log");
        return;
    }
    else {
        hrw_config_reload (&self->cfg, &next, s_kept, self);
        self->cfg = next;
        if (self->zap)
            errors = hrw_zap_reload (self->zap);
        hrw_log_set_level (self->log, next.log_level);
        hrw_ingest_set_limits (self->ingest, &next.limits);
        hrw_engine_set_opts (self->engine, &next.engine);
        s_reevaluate (self);
        hrw_store_set_rejected (self->store, next.rejected_keep);
        self->next_tick = 0;
        if (errors)
            hrw_log (self->log, HRW_LOG_WARNING, "configuration reloaded from %s with %d error%s",
                     self->config_path, errors, errors == 1? "": "s");
        else
            hrw_log (self->log, HRW_LOG_NOTICE, "configuration reloaded from %s",
                     self->config_path);
    }
    if (errors)
        sd_notifyf (0, "READY=1\nSTATUS=reloaded with %d error%s: see the log", errors,
                    errors == 1? "": "s");
    else
        sd_notify (0, "READY=1\nSTATUS=reloaded");
}

// ---------------------------------------------------------------------------
// Loop

//  Returns 1 to keep running, 0 to stop.
static int
s_signal (hrw_server_t *self, int fd)
{
    struct signalfd_siginfo si;
    if (read (fd, &si, sizeof (si)) != sizeof (si))
        return 1;
    if (si.ssi_signo == SIGHUP) {
        s_reload (self);
        return 1;
    }
    hrw_log (self->log, HRW_LOG_NOTICE, "signal %u: finishing work in hand and stopping",
             si.ssi_signo);
    return 0;
}

//  Tells systemd how it is going (STATUS=) and that the loop is alive
//  (WATCHDOG=1, when WatchdogSec= is set).
static void
s_notify (hrw_server_t *self, int64_t now)
{
    if (self->watchdog_us && now >= self->next_watchdog) {
        sd_notify (0, "WATCHDOG=1");
        self->next_watchdog = now + (int64_t) self->watchdog_us / 2;
    }
    if (now - self->status_at < 10 * HRW_US_PER_SEC)
        return;
    hrw_ingest_stats_t st;
    hrw_ingest_stats (self->ingest, &st);
    uint64_t seq, firing;
    hrw_alerts_totals (hrw_engine_alerts (self->engine), &seq, &firing);
    uint64_t events = st.accepted + st.duplicate + st.rejected;
    uint64_t before = self->status_seen.accepted + self->status_seen.duplicate
                    + self->status_seen.rejected;
    double secs = self->status_at? (double) (now - self->status_at) / HRW_US_PER_SEC: 1;
    sd_notifyf (0, "STATUS=%.0f events/s, %" PRIu64 " events accepted, %" PRIu64 " alerts firing",
                (double) (events - before) / secs, st.accepted, firing);
    self->status_seen = st;
    self->status_at = now;
}

int
hrw_server_run (hrw_server_t *self, int signal_fd)
{
    enum { ROUTER, CONTROL, SIGNALS, ZAP, PULL, WATCH };
    zmq_pollitem_t items[WATCH + S_WATCHES] = {
        { self->router, 0, ZMQ_POLLIN, 0 },
        { self->control, 0, ZMQ_POLLIN, 0 },
        { NULL, signal_fd, ZMQ_POLLIN, 0 },
        { self->zap? hrw_zap_socket (self->zap): NULL, 0, self->zap? ZMQ_POLLIN: 0, 0 },
        { self->pull, 0, self->pull? ZMQ_POLLIN: 0, 0 },
    };
    for (int i = 0; i < self->n_watch; i++)
        items[WATCH + i] = (zmq_pollitem_t) { self->watch[i].pair, 0, ZMQ_POLLIN, 0 };
    int n_items = WATCH + self->n_watch;
    int running = 1;
    if (sd_watchdog_enabled (0, &self->watchdog_us) <= 0)
        self->watchdog_us = 0;
    s_metrics (self);
    sd_notify (0, "READY=1\nSTATUS=serving");
    while (running) {
        int64_t now = hrw_clock_now_us ();
        s_tick (self, now);
        s_notify (self, now);
        s_ratelog_flush (self, &self->refused, now);
        s_ratelog_flush (self, &self->handshakes, now);
        s_ratelog_flush (self, &self->over_budget, now);
        long wait = (long) ((self->next_tick - now) / 1000);
        if (self->cfg.engine.replay || wait > 1000)
            wait = 1000;
        int rc = zmq_poll (items, n_items, wait < 1? 1: wait);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            hrw_log (self->log, HRW_LOG_ERR, "zmq_poll: %s", zmq_strerror (errno));
            return -1;
        }
        if (items[SIGNALS].revents & ZMQ_POLLIN)
            running = s_signal (self, signal_fd);
        //  Handshakes first: a client waiting on one cannot send.
        if (items[ZAP].revents & ZMQ_POLLIN)
            hrw_zap_handle (self->zap);
        if ((items[ROUTER].revents | items[PULL].revents) & ZMQ_POLLIN)
            s_ingest_group (self);
        for (int i = 0; i < self->n_watch; i++)
            if (items[WATCH + i].revents & ZMQ_POLLIN)
                s_monitor (self, &self->watch[i]);
        if (items[CONTROL].revents & ZMQ_POLLIN)
            s_control (self);
        if (rc == 0)
            s_report (self, hrw_clock_now_us ());
    }
    sd_notify (0, "STOPPING=1");
    return 0;
}
