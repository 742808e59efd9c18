/*  client: control requests over a DEALER socket. */
#include "tools/client.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "lib/buf.h"
#include "daemon/curve.h"

void *
hrw_client_socket (void *ctx, int type, const char *endpoint)
{
    void *sock = zmq_socket (ctx, type);
    if (!sock) {
        fprintf (stderr, "hrwatch: cannot create a socket: %s\n", zmq_strerror (errno));
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof (linger));
    const char *server = getenv ("HRWATCH_SERVER_KEY"), *mine = getenv ("HRWATCH_KEY");
    if (server && *server && !strncmp (endpoint, "tcp://", 6)) {
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
            zmq_close (sock);
            return NULL;
        }
        zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, s.public_key, 41);
        zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, c.public_key, 41);
        zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, c.secret_key, 41);
    }
    if (zmq_connect (sock, endpoint)) {
        fprintf (stderr, "hrwatch: cannot connect to %s: %s\n", endpoint, zmq_strerror (errno));
        zmq_close (sock);
        return NULL;
    }
    return sock;
}

Hrwatch__V1__ControlResponse *
hrw_client_request (const char *endpoint, const Hrwatch__V1__ControlRequest *req, int timeout_ms)
{
    Hrwatch__V1__ControlResponse *resp = NULL;
    hrw_buf_t frame = { 0 };
    void *ctx = zmq_ctx_new ();
    void *sock = ctx? hrw_client_socket (ctx, ZMQ_DEALER, endpoint): NULL;
    if (!sock || hrw_buf_pack (&frame, &req->base))
        goto done;
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof (timeout_ms));
    zmq_send (sock, "", 0, ZMQ_SNDMORE);
    zmq_send (sock, frame.data, frame.len, 0);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    //  The reply is the empty delimiter we sent, then the response.
    for (;;) {
        if (zmq_msg_recv (&msg, sock, 0) < 0) {
            fprintf (stderr, "hrwatch: no answer from %s within %d ms (is hrwatchd running?)\n",
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
done:
    if (sock)
        zmq_close (sock);
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

const char *
hrw_client_control_endpoint (void)
{
    if (getenv ("HRWATCH_CONTROL"))
        return getenv ("HRWATCH_CONTROL");
    if (access (HRW_PACKAGED_CONTROL, W_OK) == 0)
        return "ipc://" HRW_PACKAGED_CONTROL;
    return HRW_DEFAULT_CONTROL;
}
