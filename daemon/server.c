/*  server: new, destroy, and the main loop that turns signals, handshakes,
    ingest, connection events and queries into work, between clock ticks
    and systemd notifications. The rooms it calls on are listed in
    daemon/server_int.h. */
#include "daemon/server_int.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "lib/clock.h"

//  A long step committed part of the group: what that made durable is
//  published now, in order, rather than held in memory to the end.
static void
s_publish_part (void *arg)
{
    hrw_server__publish (arg);
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
    hrw_server__size_queues (self);
    self->engine = hrw_engine_new (store, &cfg->engine);
    if (self->engine)
        hrw_engine_on_commit (self->engine, s_publish_part, self);
    self->ingest = self->engine? hrw_ingest_new (self->engine, store, &cfg->limits): NULL;
    self->slots = calloc (cfg->group_max_frames, sizeof (*self->slots));
    self->frames = calloc (cfg->group_max_frames, sizeof (*self->frames));
    self->later = calloc (cfg->group_max_frames, sizeof (*self->later));
    self->ctx = zmq_ctx_new ();
    if (!self->ingest || !self->slots || !self->frames || !self->later || !self->ctx) {
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
    if (!(self->router = hrw_server__bind (self, ZMQ_ROUTER, cfg->ingest_endpoint, "ingest")))
        goto fail;
    if (*cfg->push_endpoint
        && !(self->pull = hrw_server__bind (self, ZMQ_PULL, cfg->push_endpoint, "push")))
        goto fail;
    if (!(self->control = hrw_server__bind (self, ZMQ_ROUTER, cfg->control_endpoint, "control")))
        goto fail;
    if (!(self->alerts = hrw_server__bind (self, ZMQ_PUB, cfg->alerts_endpoint, "alerts")))
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
                         hrw_server__am_firing, self->am);
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
    if (self->later)
        hrw_server__release_later (self);   //  Their clients send them again
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
    free (self->later);
    free (self);
    *self_p = NULL;
}

// ---------------------------------------------------------------------------
// Loop

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
        hrw_server__publish (self);
    hrw_server__metrics (self);
}

//  Returns 1 to keep running, 0 to stop.
static int
s_signal (hrw_server_t *self, int fd)
{
    struct signalfd_siginfo si;
    if (read (fd, &si, sizeof (si)) != sizeof (si))
        return 1;
    if (si.ssi_signo == SIGHUP) {
        hrw_server__reload (self);
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
    hrw_server__metrics (self);
    sd_notify (0, "READY=1\nSTATUS=serving");
    while (running) {
        int64_t now = hrw_clock_now_us ();
        s_tick (self, now);
        s_notify (self, now);
        hrw_server__ratelog_flush (self, &self->refused, now);
        hrw_server__ratelog_flush (self, &self->handshakes, now);
        hrw_server__ratelog_flush (self, &self->over_budget, now);
        long wait = (long) ((self->next_tick - now) / 1000);
        if (self->cfg.engine.replay || wait > 1000)
            wait = 1000;
        //  Frames waiting for a group are taken without waiting for more.
        int rc = zmq_poll (items, n_items, self->n_later? 0: wait < 1? 1: wait);
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
        if ((items[ROUTER].revents | items[PULL].revents) & ZMQ_POLLIN || self->n_later)
            hrw_server__ingest_group (self);
        for (int i = 0; i < self->n_watch; i++)
            if (items[WATCH + i].revents & ZMQ_POLLIN)
                hrw_server__monitor (self, &self->watch[i]);
        if (items[CONTROL].revents & ZMQ_POLLIN)
            hrw_server__control (self);
        if (rc == 0)
            hrw_server__report (self, hrw_clock_now_us ());
    }
    sd_notify (0, "STOPPING=1");
    return 0;
}
