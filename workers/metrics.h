/*  metrics: a Prometheus /metrics endpoint (libmicrohttpd, its own thread).
    The main loop hands it a snapshot of its counters after each group; the
    HTTP thread renders the last snapshot, so a scrape never touches the
    store or blocks ingest. */
#ifndef HRW_METRICS_H
#define HRW_METRICS_H

#include <stdint.h>

#include "daemon/log.h"
#include "workers/alerts.h"
#include "workers/ingest.h"

typedef struct hrw_metrics hrw_metrics_t;

typedef struct {
    hrw_ingest_stats_t ingest;              //  Events, commits, rejections by reason
    uint64_t alert_seq;                     //  Alert changes so far
    uint64_t firing_by_kind[HRW_ALERT_KINDS];
    uint64_t map_size, map_used;            //  LMDB map, bytes
    int64_t subscribers;                    //  Connections to the alert socket
    int64_t latest_event_us, clock_us;      //  Newest event time, alert clock
    uint64_t events_pending;
    uint64_t employees_active, employees_exited;
    uint64_t units, positions, critical_positions;
    int alertmanager;                       //  Forwarding is on
    uint64_t am_sent, am_failures;          //  Alerts delivered, failed attempts
} hrw_metrics_snapshot_t;

/*  Serves /metrics on address:port ("127.0.0.1:9464"). Returns the
    server, or NULL: after logging why when the address is bad or cannot
    be listened on; silently when memory runs out. */
hrw_metrics_t *hrw_metrics_new (const char *listen, hrw_log_t *log);

/*  Stops the server; sets *self_p to NULL. */
void hrw_metrics_destroy (hrw_metrics_t **self_p);

/*  Replaces the snapshot scrapes read. */
void hrw_metrics_update (hrw_metrics_t *self, const hrw_metrics_snapshot_t *snapshot);

/*  Observes one batch's size and one group's time to commit. */
void hrw_metrics_observe_batch (hrw_metrics_t *self, uint32_t events);
void hrw_metrics_observe_commit (hrw_metrics_t *self, double seconds);

#endif
