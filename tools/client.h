/*  client: the CLI's side of hrwatchd's sockets: connecting (with CURVE
    when asked), knowing within moments whether anything answers, and one
    control request and its response at a time, with a deadline. */
#ifndef HRW_CLIENT_H
#define HRW_CLIENT_H

#include <protobuf-c/protobuf-c.h>

#include "hrwatch/v1/control.pb-c.h"

#define HRW_DEFAULT_INGEST "tcp://127.0.0.1:7410"
#define HRW_DEFAULT_CONTROL "tcp://127.0.0.1:7413"
#define HRW_PACKAGED_CONTROL "/run/hrwatch/control.sock"

/*  How long a command waits for a connection before saying nothing
    answers: a running daemon takes it in milliseconds; the handshake and
    the answer then get the command's full --timeout. */
#define HRW_CLIENT_CONNECT_MS 1500
#define HRW_CLIENT_HANDSHAKE_MS 5000   //  Most a request waits, once connected, for the handshake

/*  The control endpoint to use: $HRWATCH_CONTROL; else the packaged
    service's ipc:// socket when this user may connect to it (administration
    needs it); else HRW_DEFAULT_CONTROL. */
const char *hrw_client_control_endpoint (void);

/*  A socket, and what its connection events said so far. */
typedef struct {
    void *sock;             //  Connected (or connecting) to endpoint
    void *monitor;          //  PAIR receiving sock's connection events
    const char *endpoint;   //  Where sock connects (the caller's string)
    int curve;              //  CURVE keys were set on it
    int connected;          //  A transport connection was made at least once
    int up;                 //  Its handshake succeeded: messages flow
    int failed;             //  Its handshake failed (said on stderr)
} hrw_client_conn_t;

/*  Opens conn: a socket of the given type connecting to endpoint (on
    tcp://, with CURVE when HRWATCH_SERVER_KEY names the server's public
    key file and HRWATCH_KEY this client's key pair file: hrwatch
    --server-key/--key), watched from before it connects. Returns 0, or -1
    after printing why (conn is then closed). */
int hrw_client_open (void *ctx, int type, const char *endpoint, hrw_client_conn_t *conn);

/*  Reads conn's connection events, waiting up to wait_ms for one when
    there is none. Returns 1 once the handshake has succeeded, 0 while not
    yet, -1 when it failed (after saying why: a refused key, a server key
    that is not the daemon's, CURVE on one side only). */
int hrw_client_poll (hrw_client_conn_t *conn, int wait_ms);

/*  Prints why conn is not up after waiting: nothing answers at the
    endpoint, or it answered but the handshake did not finish. */
void hrw_client_not_up (const hrw_client_conn_t *conn);

/*  Waits for conn: up to connect_ms for a transport connection, and up to
    up_ms in all for its handshake to succeed (a daemon with a backlog of
    connections takes them in turn: once connected, a slow handshake is
    waited for). Returns 0 when it is up, or -1 after saying why not
    (hrw_client_not_up, or the failure). */
int hrw_client_wait (hrw_client_conn_t *conn, int connect_ms, int up_ms);

/*  Closes conn's sockets (safe on a closed or zeroed conn). */
void hrw_client_close (hrw_client_conn_t *conn);

/*  Sends req to endpoint and waits up to timeout_ms for the answer, once
    connected: a daemon that is not there is said within
    HRW_CLIENT_CONNECT_MS (or timeout_ms, if shorter), a failed handshake
    at once. Returns the decoded
    response (free with hrwatch__v1__control_response__free_unpacked), or
    NULL after printing why to stderr. */
Hrwatch__V1__ControlResponse *hrw_client_request (const char *endpoint,
                                                  const Hrwatch__V1__ControlRequest *req,
                                                  int timeout_ms);

/*  hrw_client_request, for an answer of one kind (want, a response case):
    any other (an error, already said) is freed and gives NULL. */
Hrwatch__V1__ControlResponse *hrw_client_ask (const char *endpoint,
                                              const Hrwatch__V1__ControlRequest *req,
                                              int timeout_ms,
                                              Hrwatch__V1__ControlResponse__ResponseCase want);

/*  Prints one JSON value as a line on stdout and releases it. */
void hrw_client_print_json (void *json);

/*  Prints msg as one line of JSON with every field, those at their zero
    value too (so a reader finds each key), on stdout. */
void hrw_client_print_message (const ProtobufCMessage *msg);

#endif
