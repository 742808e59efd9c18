/*  hrwatch.h: libhrwatch, a client of hrwatchd's sockets (docs/protocol.md)
    for C programs. A client holds the endpoints, the CURVE key files and
    the timeouts; a publisher sends events in acknowledged batches, with
    re-sends and the daemon's BUSY and UNAVAILABLE handled; a subscriber
    follows the alert log from a sequence number, each change once; the
    read-only queries answer in JSON text (the proto3 JSON mapping).

    Every object belongs to one thread at a time; objects share nothing but
    the client's ZeroMQ context, which is safe to share. There is no global
    state. Functions returning int return HRWATCH_OK (0) or a negative
    HRWATCH_E_* code; hrwatch_strerror turns a code into words, and each
    object's _error function says what went wrong in detail.

    A NULL object, or a NULL where a result is to be written, is
    HRWATCH_E_ARG from every function returning int, and harmless
    elsewhere: _new functions return NULL, _error functions "", and the
    others do nothing (or return 0, or HRWATCH_LINK_NONE).

    Waits (wait_ms) follow zmq_poll: 0 returns at once, -1 waits for ever,
    and any other negative value is HRWATCH_E_ARG.

    The header is C89 as well as C99 and C++: it needs only <stddef.h> and
    <stdint.h>. */
#ifndef HRWATCH_H
#define HRWATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HRWATCH_OK 0
#define HRWATCH_E_NOMEM -1          /*  Out of memory */
#define HRWATCH_E_ARG -2            /*  A bad argument: not an endpoint, a value out of range */
#define HRWATCH_E_CURVE -3          /*  A CURVE key file missing or unreadable */
#define HRWATCH_E_UNREACHABLE -4    /*  Nothing answers at the endpoint: no connection, or one
                                        closed before any ZeroMQ handshake (without CURVE) */
#define HRWATCH_E_HANDSHAKE -5      /*  The handshake failed or did not finish */
#define HRWATCH_E_TIMEOUT -6        /*  No answer or acknowledgement in time */
#define HRWATCH_E_REFUSED -7        /*  The daemon answered with an error */
#define HRWATCH_E_PROTOCOL -8       /*  An answer that does not decode */
#define HRWATCH_E_INVALID -9        /*  An event that is not an Event: not sent */
#define HRWATCH_E_AGAIN -10         /*  Nothing arrived within the wait */
#define HRWATCH_E_SOCKET -11        /*  A ZeroMQ call failed */

/*  Words for an HRWATCH_E_* code (a static string). */
const char *hrwatch_strerror (int code);

/*  Releases memory the library handed over (JSON text, packed bytes). */
void hrwatch_free (void *data);

/* ------------------------------------------------------------------------ */
/*  The client: where the daemon is and how to reach it */

typedef struct hrwatch_client hrwatch_client_t;

typedef enum {
    HRWATCH_INGEST = 0,     /*  Events in (default tcp://127.0.0.1:7410) */
    HRWATCH_CONTROL = 1,    /*  Queries and the alert log (default tcp://127.0.0.1:7413) */
    HRWATCH_ALERTS = 2      /*  Alert changes, published (default tcp://127.0.0.1:7412) */
} hrwatch_socket_t;

/*  A new client with the default endpoints and timeouts, no CURVE. Returns
    NULL when out of memory. Its publishers and subscribers must be
    destroyed before it. */
hrwatch_client_t *hrwatch_client_new (void);

/*  Destroys *self_p and sets it to NULL (harmless when already NULL). */
void hrwatch_client_destroy (hrwatch_client_t **self_p);

/*  Sets the endpoint of one socket: tcp://HOST:PORT or ipc://PATH.
    Returns HRWATCH_OK or HRWATCH_E_ARG. */
int hrwatch_client_set_endpoint (hrwatch_client_t *self, hrwatch_socket_t which,
                                 const char *endpoint);

/*  Uses CURVE on tcp:// endpoints: server_key names the daemon's public key
    file, client_key this client's key pair file (`hrwatch keygen` makes
    both). NULL or "" for server_key turns CURVE off. The files are read at
    each connection. Returns HRWATCH_OK or HRWATCH_E_ARG. */
int hrwatch_client_set_curve (hrwatch_client_t *self, const char *server_key,
                              const char *client_key);

/*  How the program's user names the two key settings, for error messages
    (default "server_key" and "client_key"). The strings are copied. */
int hrwatch_client_set_key_names (hrwatch_client_t *self, const char *server_key_name,
                                  const char *client_key_name);

/*  Timeouts, in milliseconds: connect_ms for a transport connection (a
    daemon that is not there is said after it; default 1500), handshake_ms
    for the handshake once connected (default 5000), request_ms for a
    query's answer (default 5000). Each at least 1. */
int hrwatch_client_set_timeouts (hrwatch_client_t *self, int connect_ms, int handshake_ms,
                                 int request_ms);

/*  What went wrong in the client's last failed call (its queries, and the
    _new of its publishers and subscribers); "" when nothing did. */
const char *hrwatch_client_error (const hrwatch_client_t *self);

/* ------------------------------------------------------------------------ */
/*  Read-only queries: each answer as one JSON object (every field present) */
/*  in *json, the caller's to release with hrwatch_free. */

int hrwatch_query_status (hrwatch_client_t *self, char **json);
int hrwatch_query_unit (hrwatch_client_t *self, const char *unit_id, char **json);
int hrwatch_query_position (hrwatch_client_t *self, const char *position_id, char **json);

/*  The alerts, as an AlertList: firing ones only (active), or the log's
    changes after after_seq; prefix ("" or NULL: all) narrows by topic. */
int hrwatch_query_alerts (hrwatch_client_t *self, const char *prefix, int active,
                          uint64_t after_seq, char **json);

/* ------------------------------------------------------------------------ */
/*  The publisher: events in acknowledged batches */

typedef struct hrwatch_publisher hrwatch_publisher_t;

typedef enum {
    HRWATCH_ACCEPTED = 1,   /*  Committed */
    HRWATCH_DUPLICATE = 2,  /*  Committed before (a re-send, or an id used again) */
    HRWATCH_REJECTED = 3,   /*  Refused by the daemon: reason and message say why */
    HRWATCH_INVALID = 4     /*  Not an Event: never sent (reason as the daemon would give) */
} hrwatch_outcome_t;

/*  What became of one event. Valid during the callback only. */
typedef struct {
    uint64_t tag;               /*  The caller's tag, given when it was added */
    const char *event_id;       /*  Its event id ("" when unknown) */
    hrwatch_outcome_t outcome;
    int reason;                 /*  hrwatch.v1.Reason number (0 unless rejected or invalid) */
    const char *reason_name;    /*  Its name, "REASON_..." */
    const char *message;        /*  The daemon's (or the encoder's) words; "" when none */
    int whole_batch;            /*  Rejected with its whole batch (reason is the batch's) */
    size_t batch_index;         /*  Its place in its batch, from 0 */
} hrwatch_result_t;

typedef void (hrwatch_result_fn) (const hrwatch_result_t *result, void *arg);

/*  Called when the daemon answers a batch with BATCH_STATUS_UNAVAILABLE
    (REASON_UNAVAILABLE or REASON_BUSY): it will be re-sent. */
typedef void (hrwatch_retry_fn) (const char *batch_id, int reason, const char *message,
                                 void *arg);

/*  Counts of events so far. */
typedef struct {
    uint64_t sent;              /*  Sent at least once */
    uint64_t accepted;
    uint64_t duplicate;
    uint64_t rejected;
    uint64_t invalid;           /*  Not sent */
    uint64_t in_flight;         /*  Sent, not yet acknowledged */
} hrwatch_counts_t;

typedef enum {
    HRWATCH_LINK_NONE = 0,      /*  No connection made yet */
    HRWATCH_LINK_CONNECTED = 1, /*  A connection, handshake not (yet) done */
    HRWATCH_LINK_UP = 2         /*  The handshake succeeded at least once */
} hrwatch_link_t;

/*  A publisher on the client's ingest endpoint (connecting starts now).
    Defaults: 500 events a batch, 4 batches in flight, 30 s for a batch's
    acknowledgement. Returns NULL, with hrwatch_client_error saying why. */
hrwatch_publisher_t *hrwatch_publisher_new (hrwatch_client_t *client);

/*  Destroys *self_p (without flushing) and sets it to NULL. */
void hrwatch_publisher_destroy (hrwatch_publisher_t **self_p);

/*  Events a batch (1 to 1,000,000, the most any hrwatchd takes: its
    [ingest] max_batch_events, 10,000 unless configured, refuses a larger
    batch whole), batches in flight (1 to 64), and how long a batch may go
    without an answer before the publisher gives up (default 30 s). A batch
    is re-sent when the connection is made again (what was in flight on a
    lost connection is gone), and after BUSY or UNAVAILABLE with a backoff
    from 0.1 s; not on a timer while the connection holds, since then the
    daemon has it. Set before the first event. */
int hrwatch_publisher_set_batch (hrwatch_publisher_t *self, size_t events);
int hrwatch_publisher_set_window (hrwatch_publisher_t *self, int batches);
int hrwatch_publisher_set_timeout (hrwatch_publisher_t *self, int timeout_ms);

/*  The callbacks (NULL: none). They are called from within the
    publisher's own calls, on the caller's thread. */
void hrwatch_publisher_on_result (hrwatch_publisher_t *self, hrwatch_result_fn *fn, void *arg);
void hrwatch_publisher_on_retry (hrwatch_publisher_t *self, hrwatch_retry_fn *fn, void *arg);

/*  Adds one event, as proto3 JSON text (one hrwatch.v1.Event object) or as
    a packed hrwatch.v1.Event; tag comes back in its result. A full batch is
    sent, waiting for room in the window when there is none. Returns
    HRWATCH_OK; HRWATCH_E_INVALID when it is not an Event (its result says
    why; nothing else changes); or the error that ended the publisher (a
    connection that failed, a batch unacknowledged past the timeout), which
    every later call returns too. */
int hrwatch_publisher_add_json (hrwatch_publisher_t *self, const char *json, size_t len,
                                uint64_t tag);
int hrwatch_publisher_add_packed (hrwatch_publisher_t *self, const void *event, size_t len,
                                  uint64_t tag);

/*  Sends the batch being built, if any, waiting for room in the window. */
int hrwatch_publisher_send (hrwatch_publisher_t *self);

/*  Waits up to wait_ms for acknowledgements, handling them, and re-sends
    what is due. With -1, waits until at least one batch is settled, or
    returns at once when none is in flight. Returns the number of batches
    in flight (0 or more), or the error that ended the publisher. */
int hrwatch_publisher_poll (hrwatch_publisher_t *self, int wait_ms);

/*  Sends what is built and waits for every acknowledgement; when nothing
    was ever sent, waits for the connection so that a daemon that is not
    there is said. Returns HRWATCH_OK or the error. */
int hrwatch_publisher_flush (hrwatch_publisher_t *self);

void hrwatch_publisher_counts (const hrwatch_publisher_t *self, hrwatch_counts_t *counts);

/*  Where to go on from after a failure: 1, with *tag the tag of the first
    event (in the order added) not yet acknowledged, in flight or still in
    the batch being built; 0 when every event added has its result. Every
    event added before that one was acknowledged or found invalid; some
    after it may have been applied too (sent again, they are answered
    DUPLICATE). */
int hrwatch_publisher_first_unsettled (const hrwatch_publisher_t *self, uint64_t *tag);

hrwatch_link_t hrwatch_publisher_link (const hrwatch_publisher_t *self);
const char *hrwatch_publisher_error (const hrwatch_publisher_t *self);

/* ------------------------------------------------------------------------ */
/*  The subscriber: alert changes from a sequence number on, each once */

typedef struct hrwatch_subscriber hrwatch_subscriber_t;

typedef enum {
    HRWATCH_PACKED = 0,     /*  A packed hrwatch.v1.Alert */
    HRWATCH_JSON = 1        /*  One JSON object, every field present */
} hrwatch_format_t;

/*  Subscribes to the changes of alerts whose topic starts with prefix (""
    or NULL: all) logged after after_seq (0: from the start), waiting for
    the alert socket's connection. Returns NULL, with hrwatch_client_error
    saying why. Every change is received and those of other topics are
    dropped here: their sequence numbers show that nothing was missed, so
    the log is read through the control socket only at the start, after a
    gap, and after a quiet spell (2 s), never for each change. */
hrwatch_subscriber_t *hrwatch_subscriber_new (hrwatch_client_t *client, const char *prefix,
                                              uint64_t after_seq);

void hrwatch_subscriber_destroy (hrwatch_subscriber_t **self_p);

/*  The next change, in order, from the log (read through the control
    socket) and then live, waiting up to wait_ms (-1: for ever). On
    HRWATCH_OK *data (the caller's to release with hrwatch_free) holds it,
    *len its length (without the NUL that ends JSON) and *seq (when not
    NULL) its sequence number. HRWATCH_E_AGAIN when none came in time; other
    errors are the control socket's. */
int hrwatch_subscriber_next (hrwatch_subscriber_t *self, hrwatch_format_t format, int wait_ms,
                             char **data, size_t *len, uint64_t *seq);

/*  The highest sequence number delivered or known to be passed. */
uint64_t hrwatch_subscriber_last (const hrwatch_subscriber_t *self);
const char *hrwatch_subscriber_error (const hrwatch_subscriber_t *self);

#ifdef __cplusplus
}
#endif

#endif
