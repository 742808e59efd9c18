/*  client: control requests over a DEALER socket. */
#include "tools/client.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#include "workers/buf.h"

Hrwatch__V1__ControlResponse *
hrw_client_request (const char *endpoint, const Hrwatch__V1__ControlRequest *req, int timeout_ms)
{
    Hrwatch__V1__ControlResponse *resp = NULL;
    hrw_buf_t frame = { 0 };
    void *ctx = zmq_ctx_new ();
    void *sock = ctx? zmq_socket (ctx, ZMQ_DEALER): NULL;
    int linger = 0;
    if (!sock || hrw_buf_pack (&frame, &req->base)) {
        fprintf (stderr, "hrwatch: cannot create a socket: %s\n", zmq_strerror (errno));
        goto done;
    }
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof (timeout_ms));
    if (zmq_connect (sock, endpoint)) {
        fprintf (stderr, "hrwatch: cannot connect to %s: %s\n", endpoint, zmq_strerror (errno));
        goto done;
    }
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
            fprintf (stderr, "hrwatch: %s answered: %s\n", endpoint, resp->error);
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
