/*  client: the CLI's side of the control socket, one request and its
    response at a time, with a deadline. */
#ifndef HRW_CLIENT_H
#define HRW_CLIENT_H

#include "hrwatch/v1/control.pb-c.h"

#define HRW_DEFAULT_INGEST "tcp://127.0.0.1:7410"
#define HRW_DEFAULT_CONTROL "tcp://127.0.0.1:7413"
#define HRW_PACKAGED_CONTROL "/run/hrwatch/control.sock"

/*  The control endpoint to use: $HRWATCH_CONTROL; else the packaged
    service's ipc:// socket when this user may connect to it (administration
    needs it); else HRW_DEFAULT_CONTROL. */
const char *hrw_client_control_endpoint (void);

/*  Sends req to endpoint and waits up to timeout_ms for the answer. Returns
    the decoded response (free with hrwatch__v1__control_response__free_unpacked),
    or NULL after printing why to stderr. */
Hrwatch__V1__ControlResponse *hrw_client_request (const char *endpoint,
                                                  const Hrwatch__V1__ControlRequest *req,
                                                  int timeout_ms);

/*  A socket of the given type connected to endpoint. On tcp://, with
    CURVE when HRWATCH_SERVER_KEY names the server's public key file and
    HRWATCH_KEY this client's key pair file (hrwatch --server-key/--key).
    Returns NULL after printing why. */
void *hrw_client_socket (void *ctx, int type, const char *endpoint);

/*  Prints one JSON value as a line on stdout and releases it. */
void hrw_client_print_json (void *json);

#endif
