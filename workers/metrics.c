/*  metrics: Prometheus text exposition over libmicrohttpd. */
#include "workers/metrics.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "workers/validate.h"

#define S_BATCH_BUCKETS 6
#define S_COMMIT_BUCKETS 12
#define S_SLOTS 64u             //  Connections served at once
#define S_PER_IP 8u             //  Of those, from one address
#define S_IDLE_SECONDS 3u       //  A connection silent this long is closed

static const double s_batch_le[S_BATCH_BUCKETS] = { 1, 10, 100, 1000, 10000, 100000 };
static const double s_commit_le[S_COMMIT_BUCKETS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05, 0.1, 0.25, 0.5, 1, 2.5 };

typedef struct {
    uint64_t buckets[S_COMMIT_BUCKETS];     //  Cumulative counts, by upper bound
    uint64_t count;
    double sum;
} s_histogram_t;

struct hrw_metrics {
    struct MHD_Daemon *httpd;           //  The server and its thread
    hrw_log_t *log;
    pthread_mutex_t lock;               //  Guards everything below
    hrw_metrics_snapshot_t snap;        //  Last snapshot from the main loop
    s_histogram_t batches;              //  Events per batch
    s_histogram_t commits;              //  Seconds per group commit
};

static void
s_observe (s_histogram_t *h, const double *le, int n, double v)
{
    for (int i = 0; i < n; i++)
        if (v <= le[i])
            h->buckets[i]++;
    h->count++;
    h->sum += v;
}

static void
s_printf (hrw_buf_t *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_printf (hrw_buf_t *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (line, sizeof (line), fmt, ap);
    va_end (ap);
    if (n > 0)
        hrw_buf_append (b, line, (size_t) n < sizeof (line)? (size_t) n: sizeof (line) - 1);
}

static void
s_family (hrw_buf_t *b, const char *name, const char *type, const char *help)
{
    s_printf (b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
s_histogram (hrw_buf_t *b, const char *name, const char *help, const s_histogram_t *h,
             const double *le, int n)
{
    s_family (b, name, "histogram", help);
    for (int i = 0; i < n; i++)
        s_printf (b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, le[i], h->buckets[i]);
    s_printf (b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %.6f\n%s_count %" PRIu64 "\n", name,
              h->count, name, h->sum, name, h->count);
}

static void
s_gauge (hrw_buf_t *b, const char *name, const char *help, double v)
{
    s_family (b, name, "gauge", help);
    s_printf (b, "%s %.17g\n", name, v);
}

static void
s_render (hrw_metrics_t *self, hrw_buf_t *b)
{
    const hrw_metrics_snapshot_t *s = &self->snap;
    const hrw_ingest_stats_t *in = &s->ingest;
    s_family (b, "hrwatch_build_info", "gauge", "The running version.");
    s_printf (b, "hrwatch_build_info{version=\"%s\"} 1\n", HRW_VERSION);
    s_family (b, "hrwatch_events_received_total", "counter", "Events received, any outcome.");
    s_printf (b, "hrwatch_events_received_total %" PRIu64 "\n",
              in->accepted + in->duplicate + in->rejected);
    s_family (b, "hrwatch_events_total", "counter", "Events by outcome.");
    s_printf (b, "hrwatch_events_total{outcome=\"accepted\"} %" PRIu64 "\n", in->accepted);
    s_printf (b, "hrwatch_events_total{outcome=\"duplicate\"} %" PRIu64 "\n", in->duplicate);
    s_printf (b, "hrwatch_events_total{outcome=\"rejected\"} %" PRIu64 "\n", in->rejected);
    s_family (b, "hrwatch_rejections_total", "counter", "Rejected events and frames by reason.");
    for (int r = 1; r < HRW_REASONS; r++) {
        const char *name = hrw_reason_name (r);
        if (strcmp (name, "REASON_UNKNOWN"))
            s_printf (b, "hrwatch_rejections_total{reason=\"%s\"} %" PRIu64 "\n", name,
                      in->by_reason[r]);
    }
    s_family (b, "hrwatch_batches_total", "counter", "Batches (frames) processed.");
    s_printf (b, "hrwatch_batches_total %" PRIu64 "\n", in->frames);
    s_family (b, "hrwatch_commits_total", "counter", "Write transactions committed (groups).");
    s_printf (b, "hrwatch_commits_total %" PRIu64 "\n", in->commits);
    s_family (b, "hrwatch_commit_failures_total", "counter",
              "Groups that could not commit and were answered UNAVAILABLE.");
    s_printf (b, "hrwatch_commit_failures_total %" PRIu64 "\n", in->failures);
    s_family (b, "hrwatch_map_grows_total", "counter", "Times the LMDB map filled and grew.");
    s_printf (b, "hrwatch_map_grows_total %" PRIu64 "\n", in->map_grows);
    s_histogram (b, "hrwatch_batch_events", "Events per batch.", &self->batches, s_batch_le,
                 S_BATCH_BUCKETS);
    s_histogram (b, "hrwatch_commit_seconds", "Time from taking a group to its commit.",
                 &self->commits, s_commit_le, S_COMMIT_BUCKETS);
    s_family (b, "hrwatch_alerts_firing", "gauge", "Alerts firing now, by kind.");
    for (int k = 1; k < HRW_ALERT_KINDS; k++)
        s_printf (b, "hrwatch_alerts_firing{kind=\"%s\"} %" PRIu64 "\n",
                  hrw_alerts_kind_name ((Hrwatch__V1__AlertKind) k), s->firing_by_kind[k]);
    s_family (b, "hrwatch_alert_changes_total", "counter", "Alert changes (the last sequence number).");
    s_printf (b, "hrwatch_alert_changes_total %" PRIu64 "\n", s->alert_seq);
    s_gauge (b, "hrwatch_alert_subscribers", "Connections to the alert socket.",
             (double) s->subscribers);
    s_gauge (b, "hrwatch_lmdb_map_size_bytes", "Size of the LMDB map.", (double) s->map_size);
    s_gauge (b, "hrwatch_lmdb_map_used_bytes", "Pages of the LMDB map in use, in bytes.",
             (double) s->map_used);
    s_gauge (b, "hrwatch_last_event_timestamp_seconds", "Newest event time accepted.",
             s->latest_event_us == HRW_TIME_NONE? 0: (double) s->latest_event_us / 1e6);
    s_gauge (b, "hrwatch_clock_timestamp_seconds", "The event-time clock alerts run on.",
             s->clock_us == HRW_TIME_NONE? 0: (double) s->clock_us / 1e6);
    s_gauge (b, "hrwatch_events_pending", "Accepted events waiting for the clock.",
             (double) s->events_pending);
    s_family (b, "hrwatch_employees", "gauge", "Employees by status.");
    s_printf (b, "hrwatch_employees{status=\"active\"} %" PRIu64 "\n", s->employees_active);
    s_printf (b, "hrwatch_employees{status=\"exited\"} %" PRIu64 "\n", s->employees_exited);
    s_gauge (b, "hrwatch_units", "Org units defined.", (double) s->units);
    s_gauge (b, "hrwatch_positions", "Positions defined.", (double) s->positions);
    s_gauge (b, "hrwatch_critical_positions", "Critical positions.", (double) s->critical_positions);
    if (s->alertmanager) {
        s_family (b, "hrwatch_alertmanager_sent_total", "counter",
                  "Alert states delivered to Alertmanager.");
        s_printf (b, "hrwatch_alertmanager_sent_total %" PRIu64 "\n", s->am_sent);
        s_family (b, "hrwatch_alertmanager_failures_total", "counter",
                  "Failed attempts to reach Alertmanager.");
        s_printf (b, "hrwatch_alertmanager_failures_total %" PRIu64 "\n", s->am_failures);
    }
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *data, size_t *data_size, void **state)
{
    hrw_metrics_t *self = cls;
    (void) version;
    (void) data;
    (void) data_size;
    (void) state;
    struct MHD_Response *resp;
    int status = MHD_HTTP_OK;
    if (strcmp (method, "GET") && strcmp (method, "HEAD")) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        resp = MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
    }
    else if (strcmp (url, "/metrics")) {
        static const char body[] = "hrwatchd serves /metrics\n";
        status = MHD_HTTP_NOT_FOUND;
        resp = MHD_create_response_from_buffer (sizeof (body) - 1, (void *) body,
                                                MHD_RESPMEM_PERSISTENT);
    }
    else {
        hrw_buf_t b = { 0 };
        pthread_mutex_lock (&self->lock);
        s_render (self, &b);
        pthread_mutex_unlock (&self->lock);
        resp = MHD_create_response_from_buffer (b.len, b.data, MHD_RESPMEM_MUST_COPY);
        hrw_buf_free (&b);
        if (resp)
            MHD_add_response_header (resp, "Content-Type", "text/plain; version=0.0.4");
    }
    if (!resp)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response (conn, (unsigned int) status, resp);
    MHD_destroy_response (resp);
    return rc;
}

hrw_metrics_t *
hrw_metrics_new (const char *listen, hrw_log_t *log)
{
    char host[64];
    unsigned port;
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof (addr));
    if (sscanf (listen, "%63[^:]:%u", host, &port) != 2 || port == 0 || port > 65535
        || inet_pton (AF_INET, host, &addr.sin_addr) != 1) {
        hrw_log (log, HRW_LOG_ERR, "metrics: '%s' is not an IPv4 address:port", listen);
        return NULL;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons ((uint16_t) port);
    hrw_metrics_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->log = log;
    self->snap.latest_event_us = self->snap.clock_us = HRW_TIME_NONE;
    pthread_mutex_init (&self->lock, NULL);
    //  A scrape is one short request: a client silent for S_IDLE_SECONDS
    //  is cut, and one address may hold only S_PER_IP of the S_SLOTS, so
    //  half-sent requests cannot keep Prometheus out for long. Poll or
    //  epoll, not select: with the open-file limit raised, a connection's
    //  descriptor may be past FD_SETSIZE.
    self->httpd = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO
                                    | MHD_USE_ERROR_LOG,
                                    (uint16_t) port, NULL, NULL, s_answer, self,
                                    MHD_OPTION_SOCK_ADDR, &addr,
                                    MHD_OPTION_CONNECTION_LIMIT, S_SLOTS,
                                    MHD_OPTION_PER_IP_CONNECTION_LIMIT, S_PER_IP,
                                    MHD_OPTION_CONNECTION_TIMEOUT, S_IDLE_SECONDS,
                                    MHD_OPTION_END);
    if (!self->httpd) {
        hrw_log (log, HRW_LOG_ERR, "metrics: cannot listen on %s", listen);
        hrw_metrics_destroy (&self);
        return NULL;
    }
    hrw_log (log, HRW_LOG_INFO, "metrics served on http://%s/metrics", listen);
    return self;
}

void
hrw_metrics_destroy (hrw_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_metrics_t *self = *self_p;
    if (self->httpd)
        MHD_stop_daemon (self->httpd);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

void
hrw_metrics_update (hrw_metrics_t *self, const hrw_metrics_snapshot_t *snapshot)
{
    pthread_mutex_lock (&self->lock);
    self->snap = *snapshot;
    pthread_mutex_unlock (&self->lock);
}

void
hrw_metrics_observe_batch (hrw_metrics_t *self, uint32_t events)
{
    pthread_mutex_lock (&self->lock);
    s_observe (&self->batches, s_batch_le, S_BATCH_BUCKETS, events);
    pthread_mutex_unlock (&self->lock);
}

void
hrw_metrics_observe_commit (hrw_metrics_t *self, double seconds)
{
    pthread_mutex_lock (&self->lock);
    s_observe (&self->commits, s_commit_le, S_COMMIT_BUCKETS, seconds);
    pthread_mutex_unlock (&self->lock);
}
