/*  client: the CLI's libhrwatch clients, and its control requests with
    their failures said. */
#include "tools/client.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clients/c/conn.h"
#include "lib/buf.h"
#include "proto/pbjson.h"

hrwatch_client_t *
hrw_client_new (hrwatch_socket_t which, const char *endpoint, int timeout_ms)
{
    const char *server = getenv ("HRWATCH_SERVER_KEY"), *mine = getenv ("HRWATCH_KEY");
    hrwatch_client_t *client = hrwatch_client_new ();
    if (!client) {
        fprintf (stderr, "hrwatch: out of memory\n");
        return NULL;
    }
    //  The options were checked; this is for one from the environment.
    if (hrwatch_client_set_endpoint (client, which, endpoint)) {
        fprintf (stderr, "hrwatch: '%s' is not an endpoint (tcp://HOST:PORT or ipc://PATH); "
                 "see HRWATCH_CONTROL, HRWATCH_ALERTS and HRWATCH_INGEST\n", endpoint);
        goto fail;
    }
    int up = timeout_ms < HRW_CLIENT_HANDSHAKE_MS? timeout_ms: HRW_CLIENT_HANDSHAKE_MS;
    int connect = timeout_ms < HRW_CLIENT_CONNECT_MS? timeout_ms: HRW_CLIENT_CONNECT_MS;
    if (hrwatch_client_set_timeouts (client, connect > 0? connect: 1, up > 0? up: 1,
                                     timeout_ms > 0? timeout_ms: 1)
        || hrwatch_client_set_curve (client, server, mine)
        || hrwatch_client_set_key_names (client, "--server-key", "--key")) {
        fprintf (stderr, "hrwatch: %s\n", hrwatch_client_error (client));
        goto fail;
    }
    return client;
fail:
    hrwatch_client_destroy (&client);
    return NULL;
}

Hrwatch__V1__ControlResponse *
hrw_client_request (const char *endpoint, const Hrwatch__V1__ControlRequest *req, int timeout_ms)
{
    Hrwatch__V1__ControlResponse *resp = NULL;
    char error[HRW_CONN_ERROR_MAX];
    hrwatch_client_t *client = hrw_client_new (HRWATCH_CONTROL, endpoint, timeout_ms);
    if (client && hrw_conn_request (client, req, timeout_ms, &resp, error))
        fprintf (stderr, "hrwatch: %s\n", error);
    hrwatch_client_destroy (&client);
    return resp;
}

char *
hrw_client_query (const char *endpoint, hrw_query_t what, const char *id, int timeout_ms)
{
    char *json = NULL;
    hrwatch_client_t *client = hrw_client_new (HRWATCH_CONTROL, endpoint, timeout_ms);
    if (!client)
        return NULL;
    int rc = what == HRW_QUERY_UNIT? hrwatch_query_unit (client, id, &json)
           : what == HRW_QUERY_POSITION? hrwatch_query_position (client, id, &json)
           : hrwatch_query_status (client, &json);
    if (rc)
        fprintf (stderr, "hrwatch: %s\n", hrwatch_client_error (client));
    hrwatch_client_destroy (&client);
    return json;
}

ProtobufCMessage *
hrw_client_message (const ProtobufCMessageDescriptor *desc, const char *json)
{
    ProtobufCMessage *msg = NULL;
    hrw_buf_t packed = { 0 };
    char err[256] = "out of memory";
    json_t *obj = json_loads (json, 0, NULL);
    //  Back through the same mapping that wrote it: the printout reads
    //  the fields, and the JSON is what the library hands out.
    if (obj && !hrw_pbjson_encode (desc, obj, &packed, err, sizeof (err)) && !packed.oom)
        msg = protobuf_c_message_unpack (desc, NULL, packed.len, packed.data);
    if (!msg)
        fprintf (stderr, "hrwatch: the answer does not decode: %s\n", obj? err: "not JSON");
    json_decref (obj);
    hrw_buf_free (&packed);
    return msg;
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
