/*  client: connections watched through a socket monitor, and control
    requests over a DEALER socket. */
#include "tools/client.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "lib/buf.h"
#include "tools/cli.h"
#include "lib/clock.h"
#include "daemon/curve.h"
#include "proto/pbjson.h"

#define S_EVENTS (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED \
                  | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                  | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

//  Sets CURVE on sock when the environment asks for it and endpoint is
//  tcp:// (ipc:// is guarded by the file's mode). Returns 1 when set, 0 when
//  not asked, -1 after saying what is missing.
static int
s_curve (void *sock, const char *endpoint)
{
    const char *server = getenv ("HRWATCH_SERVER_KEY"), *mine = getenv ("HRWATCH_KEY");
    if (!server || !*server || strncmp (endpoint, "tcp://", 6))
        return 0;
    hrw_curve_keys_t s, c;
    int rc = hrw_curve_load (server, &s);
    if (!rc && (!mine || !*mine))
        rc = -1;
    else if (!rc)
        rc = hrw_curve_load (mine, &c);
    if (rc || !*c.secret_key) {
        fprintf (stderr, "hrwatch: CURVE needs the server's public key (--server-key) and "
                 "this client's key pair (--key): %s\n",
                 rc > 0? strerror (rc): "key file missing or without a secret key");
        return -1;
    }
    zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, s.public_key, 41);
    zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, c.public_key, 41);
    zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, c.secret_key, 41);
    explicit_bzero (c.secret_key, sizeof (c.secret_key));
    return 1;
}

//  Starts watching sock's connection events on a PAIR of our own, before
//  it connects, so none is missed. Returns 0, or -1 after saying why.
static int
s_monitor (void *ctx, hrw_client_conn_t *conn)
{
    char name[64];
    snprintf (name, sizeof (name), "inproc://hrw-client-monitor-%p", conn->sock);
    if (zmq_socket_monitor (conn->sock, name, S_EVENTS)) {
        fprintf (stderr, "hrwatch: cannot watch the connection: %s\n", zmq_strerror (errno));
        return -1;
    }
    conn->monitor = zmq_socket (ctx, ZMQ_PAIR);
    int linger = 0;
    if (conn->monitor)
        zmq_setsockopt (conn->monitor, ZMQ_LINGER, &linger, sizeof (linger));
    if (!conn->monitor || zmq_connect (conn->monitor, name)) {
        fprintf (stderr, "hrwatch: cannot watch the connection: %s\n", zmq_strerror (errno));
        return -1;
    }
    return 0;
}

int
hrw_client_open (void *ctx, int type, const char *endpoint, hrw_client_conn_t *conn)
{
    memset (conn, 0, sizeof (*conn));
    conn->endpoint = endpoint;
    //  The options were checked; this is for one from the environment.
    if (!hrw_cli_endpoint_ok (endpoint)) {
        fprintf (stderr, "hrwatch: '%s' is not an endpoint (tcp://HOST:PORT or ipc://PATH); "
                 "see HRWATCH_CONTROL, HRWATCH_ALERTS and HRWATCH_INGEST\n", endpoint);
        return -1;
    }
    conn->sock = ctx? zmq_socket (ctx, type): NULL;
    if (!conn->sock) {
        fprintf (stderr, "hrwatch: cannot create a socket: %s\n", zmq_strerror (errno));
        return -1;
    }
    int linger = 0;
    zmq_setsockopt (conn->sock, ZMQ_LINGER, &linger, sizeof (linger));
    int curve = s_curve (conn->sock, endpoint);
    conn->curve = curve > 0;
    if (curve < 0 || s_monitor (ctx, conn))
        goto fail;
    if (zmq_connect (conn->sock, endpoint)) {
        fprintf (stderr, "hrwatch: cannot connect to %s: %s\n", endpoint, zmq_strerror (errno));
        goto fail;
    }
    return 0;
fail:
    hrw_client_close (conn);
    return -1;
}

//  Says why a handshake failed, from the event and its value. libzmq
//  reports a server key that is not the daemon's, and CURVE on one side
//  only, without detail: the likely cause is named from whether this side
//  uses CURVE.
static void
s_say_failure (const hrw_client_conn_t *conn, uint16_t event, uint32_t value)
{
    const char *ep = conn->endpoint;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        fprintf (stderr, "hrwatch: %s refused this client's key (status %u): is its public key "
                 "on the daemon's allowlist for this socket?\n", ep, value);
    else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        fprintf (stderr, "hrwatch: the handshake with %s failed (protocol error 0x%x): %s\n", ep,
                 value, conn->curve? "is --server-key the daemon's public key, and does it use "
                 "CURVE on this socket?": "does it want CURVE (--server-key FILE --key FILE)?");
    else
        fprintf (stderr, "hrwatch: the handshake with %s failed, without detail: %s\n", ep,
                 conn->curve
                 ? "is it hrwatchd, is --server-key the daemon's public key, and does it use "
                   "CURVE on this socket?"
                 : "is it hrwatchd, and does it want CURVE (--server-key FILE --key FILE)?");
}

//  Takes one event off the monitor. Returns 1 when one was read, else 0.
static int
s_event (hrw_client_conn_t *conn)
{
    zmq_msg_t head, addr;
    zmq_msg_init (&head);
    zmq_msg_init (&addr);
    int got = zmq_msg_recv (&head, conn->monitor, ZMQ_DONTWAIT) >= 0;
    //  An event is two frames: event number and value, then the address.
    if (got && zmq_msg_more (&head))
        zmq_msg_recv (&addr, conn->monitor, 0);
    if (got && zmq_msg_size (&head) >= 6) {
        const uint8_t *d = zmq_msg_data (&head);
        uint16_t event;
        uint32_t value;
        memcpy (&event, d, 2);
        memcpy (&value, d + 2, 4);
        if (event == ZMQ_EVENT_CONNECTED)
            conn->connected = 1;
        else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            conn->up = 1;
        else if (event == ZMQ_EVENT_DISCONNECTED)
            conn->up = 0;   //  libzmq reconnects by itself
        else if (!conn->up && !conn->failed) {
            conn->failed = 1;
            s_say_failure (conn, event, value);
        }
    }
    zmq_msg_close (&head);
    zmq_msg_close (&addr);
    return got;
}

int
hrw_client_poll (hrw_client_conn_t *conn, int wait_ms)
{
    zmq_pollitem_t item = { conn->monitor, 0, ZMQ_POLLIN, 0 };
    if (!conn->up && !conn->failed && zmq_poll (&item, 1, wait_ms) > 0)
        while (s_event (conn))
            ;
    return conn->failed? -1: conn->up;
}

void
hrw_client_not_up (const hrw_client_conn_t *conn)
{
    if (conn->connected)
        fprintf (stderr, "hrwatch: %s took the connection but did not finish the handshake in "
                 "time%s\n", conn->endpoint, conn->curve
                 ? " (CURVE: is --server-key the daemon's public key?)"
                 : " (is hrwatchd listening there, and not overloaded?)");
    else
        fprintf (stderr, "hrwatch: nothing answers at %s (is hrwatchd running?)\n",
                 conn->endpoint);
}

int
hrw_client_wait (hrw_client_conn_t *conn, int connect_ms, int up_ms)
{
    int64_t start = hrw_clock_now_us ();
    for (;;) {
        int64_t spent = (hrw_clock_now_us () - start) / 1000;
        int64_t left = (conn->connected? up_ms: connect_ms) - spent;
        int rc = hrw_client_poll (conn, left > 0? (int) left: 0);
        if (rc)
            return rc > 0? 0: -1;
        //  A connection made meanwhile moves the deadline: poll again.
        if (left <= 0 && (!conn->connected || spent >= up_ms)) {
            hrw_client_not_up (conn);
            return -1;
        }
    }
}

void
hrw_client_close (hrw_client_conn_t *conn)
{
    if (conn->sock) {
        zmq_socket_monitor (conn->sock, NULL, 0);
        zmq_close (conn->sock);
    }
    if (conn->monitor)
        zmq_close (conn->monitor);
    conn->sock = conn->monitor = NULL;
}

//  Receives the response to the request sent on sock. Returns it, or NULL
//  after saying why.
static Hrwatch__V1__ControlResponse *
s_response (void *sock, const char *endpoint, int timeout_ms)
{
    Hrwatch__V1__ControlResponse *resp = NULL;
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof (timeout_ms));
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    //  The reply is the empty delimiter we sent, then the response.
    for (;;) {
        if (zmq_msg_recv (&msg, sock, 0) < 0) {
            fprintf (stderr, "hrwatch: %s took the request but gave no answer within %d ms\n",
                     endpoint, timeout_ms);
            break;
        }
        if (zmq_msg_more (&msg))
            continue;
        resp = hrwatch__v1__control_response__unpack (NULL, zmq_msg_size (&msg),
                                                      zmq_msg_data (&msg));
        if (!resp)
            fprintf (stderr, "hrwatch: the answer from %s does not decode\n", endpoint);
        else if (*resp->error) {
            const ProtobufCEnumValue *code = protobuf_c_enum_descriptor_get_value (
                &hrwatch__v1__control_error__descriptor, (int) resp->code);
            fprintf (stderr, "hrwatch: %s answered: %s (%s)\n", endpoint, resp->error,
                     code? code->name: "CONTROL_ERROR_UNKNOWN");
            hrwatch__v1__control_response__free_unpacked (resp, NULL);
            resp = NULL;
        }
        break;
    }
    zmq_msg_close (&msg);
    return resp;
}

Hrwatch__V1__ControlResponse *
hrw_client_request (const char *endpoint, const Hrwatch__V1__ControlRequest *req, int timeout_ms)
{
    Hrwatch__V1__ControlResponse *resp = NULL;
    hrw_buf_t frame = { 0 };
    hrw_client_conn_t conn = { 0 };
    void *ctx = zmq_ctx_new ();
    if (hrw_client_open (ctx, ZMQ_DEALER, endpoint, &conn) || hrw_buf_pack (&frame, &req->base))
        goto done;
    //  A long --timeout (a backup's) is for the answer: a peer that takes
    //  the connection and never finishes the handshake is said in seconds.
    int wait = timeout_ms < HRW_CLIENT_CONNECT_MS? timeout_ms: HRW_CLIENT_CONNECT_MS;
    int up = timeout_ms < HRW_CLIENT_HANDSHAKE_MS? timeout_ms: HRW_CLIENT_HANDSHAKE_MS;
    if (hrw_client_wait (&conn, wait, up))
        goto done;
    zmq_send (conn.sock, "", 0, ZMQ_SNDMORE);
    zmq_send (conn.sock, frame.data, frame.len, 0);
    resp = s_response (conn.sock, endpoint, timeout_ms);
done:
    hrw_client_close (&conn);
    if (ctx)
        zmq_ctx_term (ctx);
    hrw_buf_free (&frame);
    return resp;
}

void
hrw_client_print_json (void *json)
{
    char *s = json? json_dumps (json, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
    if (s)
        printf ("%s\n", s);
    free (s);
    json_decref (json);
}

void
hrw_client_print_message (const ProtobufCMessage *msg)
{
    hrw_client_print_json (hrw_pbjson_decode_flags (msg, HRW_PBJSON_ALL_FIELDS));
}

Hrwatch__V1__ControlResponse *
hrw_client_ask (const char *endpoint, const Hrwatch__V1__ControlRequest *req, int timeout_ms,
                Hrwatch__V1__ControlResponse__ResponseCase want)
{
    Hrwatch__V1__ControlResponse *resp = hrw_client_request (endpoint, req, timeout_ms);
    if (resp && resp->response_case != want) {
        hrwatch__v1__control_response__free_unpacked (resp, NULL);
        resp = NULL;
    }
    return resp;
}

const char *
hrw_client_control_endpoint (void)
{
    const char *env = getenv ("HRWATCH_CONTROL");
    if (env && *env)    //  Set but empty: as if unset, like the key variables
        return env;
    if (access (HRW_PACKAGED_CONTROL, W_OK) == 0)
        return "ipc://" HRW_PACKAGED_CONTROL;
    return HRW_DEFAULT_CONTROL;
}
