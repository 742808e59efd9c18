/*  server_int: what the server's files share. server.c: new, destroy and
    the loop; server_sockets.c: binding, envelopes and replies;
    server_monitor.c: connection events and the warnings they raise;
    server_ingest.c: groups and their acks; server_control.c: queries;
    server_sinks.c: alert changes out and the metrics snapshot;
    server_reload.c: SIGHUP. Private to daemon/server*.c; the rest of the
    daemon sees only daemon/server.h. */
#ifndef HRW_SERVER_INT_H
#define HRW_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "daemon/curve.h"
#include "daemon/server.h"
#include "daemon/zap.h"
#include "lib/buf.h"
#include "workers/alertmanager.h"
#include "workers/engine.h"
#include "workers/ingest.h"
#include "workers/metrics.h"

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
} hrw_server_watch_t;

//  A log line that goes out at most once a minute; the rest are counted.
typedef struct {
    const char *what;                   //  What is counted, for the catch-up line
    int64_t logged_at;                  //  When the last line went out (0: never)
    uint64_t held;                      //  Events since then, not logged
} hrw_server_ratelog_t;

//  One message taken in, kept until it is answered.
typedef struct {
    zmq_msg_t envelope[S_ENVELOPE_MAX]; //  Routing parts, replayed on reply
    int n_envelope;                     //  How many
    zmq_msg_t body;                     //  The frame itself
    void *reply_to;                     //  Socket to answer on, or NULL
} hrw_server_slot_t;

struct hrw_server {
    hrw_config_t cfg;                       //  Settings in force
    char config_path[HRW_CONFIG_PATH_MAX];  //  Where they came from ("" = defaults)
    hrw_log_t *log;                         //  Where records go
    hrw_store_t *store;                     //  The state
    hrw_engine_t *engine;                   //  Event-time clock, detectors, alerts
    hrw_ingest_t *ingest;                   //  Validation and group commit
    void *ctx;                              //  ZeroMQ context
    void *router;                           //  Acknowledged ingest
    void *pull;                             //  Fire-and-forget ingest, or NULL
    void *control;                          //  Queries
    void *alerts;                           //  PUB: alert changes
    hrw_server_watch_t watch[S_WATCHES];    //  Connection events of each bound socket
    int n_watch;                            //  How many
    int64_t subscribers;                    //  Connections to the PUB socket
    int rcvhwm;                             //  Frames libzmq queues per publisher connection
    int64_t maxmsg;                         //  Largest frame libzmq takes in (ZMQ_MAXMSGSIZE)
    hrw_server_ratelog_t refused;           //  Connections the listener could not accept
    hrw_server_ratelog_t handshakes;        //  Handshakes failed or timed out
    hrw_server_ratelog_t over_budget;       //  Publisher connections past the in-flight budget
    hrw_metrics_t *metrics;                 //  /metrics, or NULL
    hrw_am_t *am;                           //  Alertmanager forwarding, or NULL
    hrw_zap_t *zap;                         //  CURVE authentication, or NULL
    hrw_curve_keys_t keys;                  //  The server's key pair, when CURVE is on
    int64_t next_tick;                      //  When the clock next follows the wall clock
    hrw_server_slot_t *slots;               //  One per frame of a group
    hrw_server_slot_t *later;               //  Frames over their client's share, for
                                            //  the next group, in the order they came
    size_t n_later;                         //  How many
    size_t later_bytes;                     //  Their bytes
    hrw_frame_t *frames;                    //  Ingest's view of the same frames
    hrw_buf_t reply;                        //  Control responses
    hrw_ingest_stats_t reported;            //  Totals at the last throughput report
    int64_t reported_at;                    //  When that was
    uint64_t watchdog_us;                   //  systemd's WatchdogSec, or 0
    int64_t next_watchdog;                  //  When to ping it next
    hrw_ingest_stats_t status_seen;         //  Totals at the last STATUS= line
    int64_t status_at;                      //  When that was
};

// ---------------------------------------------------------------------------
// Sockets and messages (server_sockets.c)

/*  Sizes what libzmq may queue per publisher connection (maxmsg, rcvhwm)
    from the frame limit, client_batches_max and the in-flight budget. */
void hrw_server__size_queues (hrw_server_t *self);

/*  A socket of type bound to endpoint, with its options, CURVE when on,
    and a monitor of its connection events; what names it in the log
    ("ingest", "push", "control", "alerts"). Returns the socket, or NULL
    after logging why. */
void *hrw_server__bind (hrw_server_t *self, int type, const char *endpoint, const char *what);

/*  Receives one whole message without blocking: routing parts into the
    envelope, the last part into body. Returns 1 when a message was taken,
    0 when none was waiting, -1 when it had too many parts (dropped). */
int hrw_server__recv (void *sock, hrw_server_slot_t *slot, int routed);

/*  Sends data back along the slot's envelope, without blocking; the
    envelope is spent. */
void hrw_server__reply (hrw_server_slot_t *slot, const void *data, size_t len);

/*  Frees what the slot still holds. */
void hrw_server__release (hrw_server_slot_t *slot);

// ---------------------------------------------------------------------------
// Connection events (server_monitor.c)

/*  Takes the connection events waiting on w's monitor (a bounded number),
    then refreshes the metrics snapshot. */
void hrw_server__monitor (hrw_server_t *self, hrw_server_watch_t *w);

/*  Says how many lines r held back, once the minute since the last is up. */
void hrw_server__ratelog_flush (hrw_server_t *self, hrw_server_ratelog_t *r, int64_t now);

// ---------------------------------------------------------------------------
// Ingest (server_ingest.c)

/*  Takes a group from the ingest sockets, commits it, publishes the alert
    changes and answers each frame. */
void hrw_server__ingest_group (hrw_server_t *self);

/*  Releases the frames waiting for a later group, unanswered. */
void hrw_server__release_later (hrw_server_t *self);

/*  The throughput line, once a minute when anything arrived. */
void hrw_server__report (hrw_server_t *self, int64_t now);

// ---------------------------------------------------------------------------
// Control (server_control.c)

/*  Answers the requests waiting on the control socket (a bounded number). */
void hrw_server__control (hrw_server_t *self);

// ---------------------------------------------------------------------------
// Sinks (server_sinks.c)

/*  hrw_alerts_each callback: hands a firing alert, unless silenced, to the
    Alertmanager sink arg. */
void hrw_server__am_firing (const uint8_t *data, size_t len, void *arg);

/*  Publishes, logs and forwards the alert changes the engine queued. */
void hrw_server__publish (hrw_server_t *self);

/*  Hands the metrics server a fresh snapshot (when it runs). */
void hrw_server__metrics (hrw_server_t *self);

// ---------------------------------------------------------------------------
// Reload (server_reload.c)

/*  SIGHUP: reads the configuration file again and applies it, or refuses
    it whole. */
void hrw_server__reload (hrw_server_t *self);

#endif
