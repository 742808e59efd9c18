/*  server_sinks: what leaves the daemon besides replies: alert changes
    (published on the PUB socket, logged, forwarded to Alertmanager) and
    the snapshot the metrics server renders. */
#include "daemon/server_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

//  At start-up. silenced here says whether a silence in force now matches
//  the alert, whenever it fired (hrw_alerts_each computes it as it lists):
//  an alert muted now is not handed over, one whose silence ended is.
void
hrw_server__am_firing (const uint8_t *data, size_t len, void *arg)
{
    Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, len, data);
    if (a && !a->silenced)
        hrw_am_push (arg, a);
    if (a)
        hrwatch__v1__alert__free_unpacked (a, NULL);
}

//  Logs an alert change, and hands it to Alertmanager forwarding. One log
//  record per alert change, with its fingerprint as a journal field. The
//  summary holds ids and counts only, never names. Changes muted by a
//  silence were never queued, so neither reach this nor the PUB socket.
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
void
hrw_server__publish (hrw_server_t *self)
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

// ---------------------------------------------------------------------------
// Metrics

void
hrw_server__metrics (hrw_server_t *self)
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
