/*  conn: connections watched through a socket monitor, and control
    requests over a DEALER socket. */
#include "clients/c/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "daemon/curve.h"
#include "lib/buf.h"
#include "lib/clock.h"

#define S_EVENTS (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED \
                  | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                  | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

int
hrw_conn_say (char *error, int code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (error, HRW_CONN_ERROR_MAX, fmt, ap);
    va_end (ap);
    return code;
}

int
hrw_conn_endpoint_ok (const char *text)
{
    if (!strncmp (text, "ipc://", 6))
        return text[6] != '\0';
    if (strncmp (text, "tcp://", 6))
        return 0;
    const char *colon = strrchr (text + 6, ':');
    if (!colon || colon == text + 6 || text[6] == '*' || colon[1] < '0' || colon[1] > '9')
        return 0;   //  "*" binds; it names nothing to connect to
    char *end;
    errno = 0;
    unsigned long port = strtoul (colon + 1, &end, 10);
    return !errno && !*end && port >= 1 && port <= 65535;
}

//  Sets CURVE on sock when the client has keys and endpoint is tcp://
//  (ipc:// is guarded by the file's mode). Returns 1 when set, 0 when not
//  asked, or a code after saying what is missing.
static int
s_curve (const hrwatch_client_t *client, void *sock, const char *endpoint, char *error)
{
    if (!*client->server_key || strncmp (endpoint, "tcp://", 6))
        return 0;
    hrw_curve_keys_t s, c;
    int rc = hrw_curve_load (client->server_key, &s);
    if (!rc && !*client->client_key)
        rc = -1;
    else if (!rc)
        rc = hrw_curve_load (client->client_key, &c);
    if (rc || !*c.secret_key)
        return hrw_conn_say (error, HRWATCH_E_CURVE, "CURVE needs the server's public key (%s) "
                             "and this client's key pair (%s): %s", client->server_key_name,
                             client->client_key_name, rc > 0? strerror (rc)
                             : "key file missing or without a secret key");
    zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, s.public_key, 41);
    zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, c.public_key, 41);
    zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, c.secret_key, 41);
    explicit_bzero (c.secret_key, sizeof (c.secret_key));
    return 1;
}

//  Starts watching sock's connection events on a PAIR of our own, before
//  it connects, so none is missed. Returns HRWATCH_OK or a code.
static int
s_monitor (void *ctx, hrw_conn_t *conn)
{
    char name[64];
    snprintf (name, sizeof (name), "inproc://hrw-client-monitor-%p", conn->sock);
    if (zmq_socket_monitor (conn->sock, name, S_EVENTS))
        goto fail;
    conn->monitor = zmq_socket (ctx, ZMQ_PAIR);
    int linger = 0;
    if (conn->monitor)
        zmq_setsockopt (conn->monitor, ZMQ_LINGER, &linger, sizeof (linger));
    if (!conn->monitor || zmq_connect (conn->monitor, name))
        goto fail;
    return HRWATCH_OK;
fail:
    return hrw_conn_say (conn->error, HRWATCH_E_SOCKET, "cannot watch the connection: %s",
                         zmq_strerror (errno));
}

int
hrw_conn_open (const hrwatch_client_t *client, int type, const char *endpoint, unsigned flags,
               hrw_conn_t *conn, char *error)
{
    memset (conn, 0, sizeof (*conn));
    conn->client = client;
    conn->error = error;
    snprintf (conn->endpoint, sizeof (conn->endpoint), "%s", endpoint);
    int rc;
    conn->sock = zmq_socket (client->ctx, type);
    if (!conn->sock) {
        rc = hrw_conn_say (error, HRWATCH_E_SOCKET, "cannot create a socket: %s",
                           zmq_strerror (errno));
        goto fail;
    }
    int linger = 0;
    zmq_setsockopt (conn->sock, ZMQ_LINGER, &linger, sizeof (linger));
    int immediate = 1;
    if (flags & HRW_CONN_IMMEDIATE)
        zmq_setsockopt (conn->sock, ZMQ_IMMEDIATE, &immediate, sizeof (immediate));
    rc = s_curve (client, conn->sock, endpoint, error);
    if (rc < 0)
        goto fail;
    conn->curve = rc > 0;
    rc = s_monitor (client->ctx, conn);
    if (rc)
        goto fail;
    if (zmq_connect (conn->sock, endpoint)) {
        rc = hrw_conn_say (error, HRWATCH_E_SOCKET, "cannot connect to %s: %s", endpoint,
                           zmq_strerror (errno));
        goto fail;
    }
    return HRWATCH_OK;
fail:
    hrw_conn_close (conn);
    return rc;
}

//  Says why a handshake failed, from the event and its value, and returns
//  the code for it. libzmq reports a server key that is not the daemon's,
//  and CURVE on one side only, without detail: the likely cause is named
//  from whether this side uses CURVE. Without CURVE, a failure without
//  detail is a peer that closed the connection before any greeting (a
//  firewall or proxy taking every connection, or not a ZeroMQ peer at
//  all): nothing that answers, as for no connection.
static int
s_say_failure (const hrw_conn_t *conn, uint16_t event, uint32_t value)
{
    const char *ep = conn->endpoint;
    const char *skey = conn->client->server_key_name, *ckey = conn->client->client_key_name;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        hrw_conn_say (conn->error, 0, "%s refused this client's key (status %u): is its public "
                      "key on the daemon's allowlist for this socket?", ep, value);
    else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && conn->curve)
        hrw_conn_say (conn->error, 0, "the handshake with %s failed (protocol error 0x%x): is %s "
                      "the daemon's public key, and does it use CURVE on this socket?", ep,
                      value, skey);
    else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        hrw_conn_say (conn->error, 0, "the handshake with %s failed (protocol error 0x%x): does "
                      "it want CURVE (%s FILE %s FILE)?", ep, value, skey, ckey);
    else if (conn->curve)
        hrw_conn_say (conn->error, 0, "the handshake with %s failed, without detail: is it "
                      "hrwatchd, is %s the daemon's public key, and does it use CURVE on this "
                      "socket?", ep, skey);
    else
        return hrw_conn_say (conn->error, HRWATCH_E_UNREACHABLE, "%s closed the connection "
                             "before the handshake (%s): is hrwatchd listening there, and does "
                             "it want CURVE (%s FILE %s FILE)?", ep, strerror ((int) value),
                             skey, ckey);
    return HRWATCH_E_HANDSHAKE;
}

//  Takes one event off the monitor. Returns 1 when one was read, else 0.
static int
s_event (hrw_conn_t *conn)
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
        else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            conn->up = 1;
            conn->ups++;
        }
        else if (event == ZMQ_EVENT_DISCONNECTED)
            conn->up = 0;   //  libzmq reconnects by itself
        else if (!conn->up && !conn->failed) {
            conn->failed = 1;
            conn->fail_code = s_say_failure (conn, event, value);
        }
    }
    zmq_msg_close (&head);
    zmq_msg_close (&addr);
    return got;
}

int
hrw_conn_poll (hrw_conn_t *conn, int wait_ms)
{
    zmq_pollitem_t item = { conn->monitor, 0, ZMQ_POLLIN, 0 };
    //  Once up, still read: a disconnection and a new handshake tell a
    //  publisher to send again what the lost connection held.
    if (!conn->failed && zmq_poll (&item, 1, conn->up? 0: wait_ms) > 0)
        while (s_event (conn))
            ;
    return conn->failed? -1: conn->up;
}

int
hrw_conn_not_up (const hrw_conn_t *conn)
{
    if (conn->connected && conn->curve)
        return hrw_conn_say (conn->error, HRWATCH_E_HANDSHAKE, "%s took the connection but did "
                             "not finish the handshake in time (CURVE: is %s the daemon's "
                             "public key?)", conn->endpoint, conn->client->server_key_name);
    if (conn->connected)
        return hrw_conn_say (conn->error, HRWATCH_E_HANDSHAKE, "%s took the connection but did "
                             "not finish the handshake in time (is hrwatchd listening there, "
                             "and not overloaded?)", conn->endpoint);
    return hrw_conn_say (conn->error, HRWATCH_E_UNREACHABLE,
                         "nothing answers at %s (is hrwatchd running?)", conn->endpoint);
}

int
hrw_conn_wait (hrw_conn_t *conn, int connect_ms, int up_ms)
{
    int64_t start = hrw_clock_now_us ();
    for (;;) {
        int64_t spent = (hrw_clock_now_us () - start) / 1000;
        int64_t left = (conn->connected? up_ms: connect_ms) - spent;
        int rc = hrw_conn_poll (conn, left > 0? (int) left: 0);
        if (rc)
            return rc > 0? HRWATCH_OK: conn->fail_code;
        //  A connection made meanwhile moves the deadline: poll again.
        if (left <= 0 && (!conn->connected || spent >= up_ms))
            return hrw_conn_not_up (conn);
    }
}

void
hrw_conn_close (hrw_conn_t *conn)
{
    if (conn->sock) {
        zmq_socket_monitor (conn->sock, NULL, 0);
        zmq_close (conn->sock);
    }
    if (conn->monitor)
        zmq_close (conn->monitor);
    conn->sock = conn->monitor = NULL;
}

//  Receives the response to the request sent on sock. Returns HRWATCH_OK
//  with *out set, or a code after saying why.
static int
s_response (void *sock, const char *endpoint, int timeout_ms, char *error,
            Hrwatch__V1__ControlResponse **out)
{
    int rc = HRWATCH_OK;
    Hrwatch__V1__ControlResponse *resp = NULL;
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof (timeout_ms));
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    //  The reply is the empty delimiter we sent, then the response.
    do {
        if (zmq_msg_recv (&msg, sock, 0) < 0) {
            rc = hrw_conn_say (error, HRWATCH_E_TIMEOUT, "%s took the request but gave no "
                               "answer within %d ms", endpoint, timeout_ms);
            goto done;
        }
    } while (zmq_msg_more (&msg));
    resp = hrwatch__v1__control_response__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
    if (!resp)
        rc = hrw_conn_say (error, HRWATCH_E_PROTOCOL, "the answer from %s does not decode",
                           endpoint);
    else if (*resp->error) {
        const ProtobufCEnumValue *code = protobuf_c_enum_descriptor_get_value (
            &hrwatch__v1__control_error__descriptor, (int) resp->code);
        rc = hrw_conn_say (error, HRWATCH_E_REFUSED, "%s answered: %s (%s)", endpoint,
                           resp->error, code? code->name: "CONTROL_ERROR_UNKNOWN");
        hrwatch__v1__control_response__free_unpacked (resp, NULL);
        resp = NULL;
    }
done:
    zmq_msg_close (&msg);
    *out = resp;
    return rc;
}

int
hrw_conn_request (const hrwatch_client_t *client, const Hrwatch__V1__ControlRequest *req,
                  int timeout_ms, Hrwatch__V1__ControlResponse **resp, char *error)
{
    *resp = NULL;
    error[0] = '\0';
    const char *endpoint = client->endpoint[HRWATCH_CONTROL];
    hrw_buf_t frame = { 0 };
    hrw_conn_t conn = { 0 };
    int rc = hrw_conn_open (client, ZMQ_DEALER, endpoint, 0, &conn, error);
    if (rc)
        goto done;
    if (hrw_buf_pack (&frame, &req->base)) {
        rc = hrw_conn_say (error, HRWATCH_E_NOMEM, "out of memory");
        goto done;
    }
    //  A long timeout (a backup's) is for the answer: a peer that takes the
    //  connection and never finishes the handshake is said in seconds.
    int wait = timeout_ms < client->connect_ms? timeout_ms: client->connect_ms;
    int up = timeout_ms < client->handshake_ms? timeout_ms: client->handshake_ms;
    rc = hrw_conn_wait (&conn, wait, up);
    if (rc)
        goto done;
    zmq_send (conn.sock, "", 0, ZMQ_SNDMORE);
    zmq_send (conn.sock, frame.data, frame.len, 0);
    rc = s_response (conn.sock, endpoint, timeout_ms, error, resp);
done:
    hrw_conn_close (&conn);
    hrw_buf_free (&frame);
    return rc;
}
