/*  client: the CLI's side of hrwatchd's sockets, on libhrwatch: its
    clients made from the command's options and environment, and one
    control request and its response at a time, failures said on stderr. */
#ifndef HRW_CLIENT_H
#define HRW_CLIENT_H

#include <protobuf-c/protobuf-c.h>

#include "clients/c/hrwatch.h"
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

/*  A libhrwatch client for one command: endpoint for the socket which, the
    CLI's connection timeouts (the handshake's no longer than timeout_ms),
    and CURVE when HRWATCH_SERVER_KEY names the server's public key file
    and HRWATCH_KEY this client's key pair file (hrwatch --server-key/--key).
    Returns it, or NULL after printing why. */
hrwatch_client_t *hrw_client_new (hrwatch_socket_t which, const char *endpoint, int timeout_ms);

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

/*  The read-only queries libhrwatch makes (hrwatch_query_*). */
typedef enum { HRW_QUERY_STATUS, HRW_QUERY_UNIT, HRW_QUERY_POSITION } hrw_query_t;

/*  Asks through libhrwatch's query call for what (id names the unit or
    position), with the same timeouts and CURVE as hrw_client_request.
    Returns the answer as JSON text, every field present (free with
    hrwatch_free), or NULL after printing why to stderr. */
char *hrw_client_query (const char *endpoint, hrw_query_t what, const char *id, int timeout_ms);

/*  The message of type desc that json (a query's answer) is, for printing
    it field by field (free with protobuf_c_message_free_unpacked); NULL
    after printing why. */
ProtobufCMessage *hrw_client_message (const ProtobufCMessageDescriptor *desc, const char *json);

/*  Prints one JSON value as a line on stdout and releases it. */
void hrw_client_print_json (void *json);

/*  Prints msg as one line of JSON with every field, those at their zero
    value too (so a reader finds each key), on stdout. */
void hrw_client_print_message (const ProtobufCMessage *msg);

#endif
