/*  alertmanager: forwards alert changes to Prometheus Alertmanager's v2 API
    from a thread of its own. It keeps the latest state of each alert, not a
    queue of changes, so it stays bounded while Alertmanager is down and
    catches up with the current truth when it is back; firing alerts are
    re-sent regularly, as Alertmanager expects of its clients. Ingest never
    waits for it. */
#ifndef HRW_ALERTMANAGER_H
#define HRW_ALERTMANAGER_H

#include <stdint.h>

#include "daemon/log.h"
#include "hrwatch/v1/alerts.pb-c.h"

typedef struct hrw_am hrw_am_t;

/*  Starts forwarding to url (e.g. "http://127.0.0.1:9093"), re-sending
    firing alerts every resend_seconds. Returns the sink, or NULL when
    memory or a thread cannot be had (nothing is logged). */
hrw_am_t *hrw_am_new (const char *url, uint32_t resend_seconds, hrw_log_t *log);

/*  Stops the thread (a last attempt is not made); sets *self_p to NULL. */
void hrw_am_destroy (hrw_am_t **self_p);

/*  Records an alert's new state; it is sent soon. */
void hrw_am_push (hrw_am_t *self, const Hrwatch__V1__Alert *alert);

/*  Alerts sent and failed attempts so far. */
void hrw_am_counts (hrw_am_t *self, uint64_t *sent, uint64_t *failures);

#endif
