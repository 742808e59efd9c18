/*  client: libhrwatch's client object (endpoints, CURVE key files,
    timeouts), its error words, and the read-only queries, answered as JSON
    text through the daemon's own proto3 JSON mapping (proto/pbjson.c). */
#include "clients/c/hrwatch.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clients/c/conn.h"
#include "proto/pbjson.h"

static const char *s_default_endpoint[3] = {
    "tcp://127.0.0.1:7410", "tcp://127.0.0.1:7413", "tcp://127.0.0.1:7412"
};

const char *
hrwatch_strerror (int code)
{
    switch (code) {
        case HRWATCH_OK: return "success";
        case HRWATCH_E_NOMEM: return "out of memory";
        case HRWATCH_E_ARG: return "invalid argument";
        case HRWATCH_E_CURVE: return "CURVE key file missing or unreadable";
        case HRWATCH_E_UNREACHABLE: return "nothing answers at the endpoint";
        case HRWATCH_E_HANDSHAKE: return "the handshake failed or did not finish";
        case HRWATCH_E_TIMEOUT: return "no answer in time";
        case HRWATCH_E_REFUSED: return "the daemon answered with an error";
        case HRWATCH_E_PROTOCOL: return "an answer that does not decode";
        case HRWATCH_E_INVALID: return "not an hrwatch.v1.Event";
        case HRWATCH_E_AGAIN: return "nothing arrived within the wait";
        case HRWATCH_E_SOCKET: return "a socket call failed";
        default: return "unknown error";
    }
}

void
hrwatch_free (void *data)
{
    free (data);
}

hrwatch_client_t *
hrwatch_client_new (void)
{
    hrwatch_client_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->ctx = zmq_ctx_new ();
    if (!self->ctx) {
        free (self);
        return NULL;
    }
    for (int i = 0; i < 3; i++)
        snprintf (self->endpoint[i], sizeof (self->endpoint[i]), "%s", s_default_endpoint[i]);
    snprintf (self->server_key_name, sizeof (self->server_key_name), "server_key");
    snprintf (self->client_key_name, sizeof (self->client_key_name), "client_key");
    self->connect_ms = 1500;
    self->handshake_ms = 5000;
    self->request_ms = 5000;
    return self;
}

void
hrwatch_client_destroy (hrwatch_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrwatch_client_t *self = *self_p;
    zmq_ctx_term (self->ctx);
    explicit_bzero (self, sizeof (*self));
    free (self);
    *self_p = NULL;
}

int
hrwatch_client_set_endpoint (hrwatch_client_t *self, hrwatch_socket_t which,
                             const char *endpoint)
{
    if (!self)
        return HRWATCH_E_ARG;
    if ((int) which < 0 || which > HRWATCH_ALERTS || !endpoint || !hrw_conn_endpoint_ok (endpoint)
        || strlen (endpoint) >= HRW_CONN_ENDPOINT_MAX)
        return hrw_conn_say (self->error, HRWATCH_E_ARG, "'%s' is not an endpoint "
                             "(tcp://HOST:PORT or ipc://PATH)", endpoint? endpoint: "");
    snprintf (self->endpoint[which], sizeof (self->endpoint[which]), "%s", endpoint);
    return HRWATCH_OK;
}

int
hrwatch_client_set_curve (hrwatch_client_t *self, const char *server_key, const char *client_key)
{
    if (!self)
        return HRWATCH_E_ARG;
    server_key = server_key? server_key: "";
    client_key = client_key? client_key: "";
    if (strlen (server_key) >= HRW_CONN_PATH_MAX || strlen (client_key) >= HRW_CONN_PATH_MAX)
        return hrw_conn_say (self->error, HRWATCH_E_ARG, "a key file name too long");
    snprintf (self->server_key, sizeof (self->server_key), "%s", server_key);
    snprintf (self->client_key, sizeof (self->client_key), "%s", client_key);
    return HRWATCH_OK;
}

int
hrwatch_client_set_key_names (hrwatch_client_t *self, const char *server_key_name,
                              const char *client_key_name)
{
    if (!self || !server_key_name || !client_key_name)
        return HRWATCH_E_ARG;
    snprintf (self->server_key_name, sizeof (self->server_key_name), "%s", server_key_name);
    snprintf (self->client_key_name, sizeof (self->client_key_name), "%s", client_key_name);
    return HRWATCH_OK;
}

int
hrwatch_client_set_timeouts (hrwatch_client_t *self, int connect_ms, int handshake_ms,
                             int request_ms)
{
    if (!self)
        return HRWATCH_E_ARG;
    if (connect_ms < 1 || handshake_ms < 1 || request_ms < 1)
        return hrw_conn_say (self->error, HRWATCH_E_ARG, "a timeout below 1 ms");
    self->connect_ms = connect_ms;
    self->handshake_ms = handshake_ms;
    self->request_ms = request_ms;
    return HRWATCH_OK;
}

const char *
hrwatch_client_error (const hrwatch_client_t *self)
{
    return self? self->error: "";
}

//  Asks req and hands back the answer's want member as JSON text.
static int
s_query (hrwatch_client_t *self, const Hrwatch__V1__ControlRequest *req,
         Hrwatch__V1__ControlResponse__ResponseCase want, char **json)
{
    if (!self || !json)
        return HRWATCH_E_ARG;
    *json = NULL;
    Hrwatch__V1__ControlResponse *resp;
    int rc = hrw_conn_request (self, req, self->request_ms, &resp, self->error);
    if (rc)
        return rc;
    const ProtobufCMessage *m = NULL;
    switch (want) {
        case HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_STATUS: m = &resp->status->base; break;
        case HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_UNIT: m = &resp->unit->base; break;
        case HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_POSITION: m = &resp->position->base; break;
        case HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_ALERTS: m = &resp->alerts->base; break;
        default: break;
    }
    if (resp->response_case != want || !m)
        rc = hrw_conn_say (self->error, HRWATCH_E_PROTOCOL, "%s answered with another kind of "
                           "response", self->endpoint[HRWATCH_CONTROL]);
    else {
        json_t *o = hrw_pbjson_decode_flags (m, HRW_PBJSON_ALL_FIELDS);
        *json = o? json_dumps (o, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
        json_decref (o);
        if (!*json)
            rc = hrw_conn_say (self->error, HRWATCH_E_NOMEM, "out of memory");
    }
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return rc;
}

int
hrwatch_query_status (hrwatch_client_t *self, char **json)
{
    Hrwatch__V1__StatusRequest sr = HRWATCH__V1__STATUS_REQUEST__INIT;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_STATUS;
    req.status = &sr;
    return s_query (self, &req, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_STATUS, json);
}

int
hrwatch_query_unit (hrwatch_client_t *self, const char *unit_id, char **json)
{
    Hrwatch__V1__UnitRequest ur = HRWATCH__V1__UNIT_REQUEST__INIT;
    ur.unit_id = (char *) (unit_id? unit_id: "");
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_UNIT;
    req.unit = &ur;
    return s_query (self, &req, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_UNIT, json);
}

int
hrwatch_query_position (hrwatch_client_t *self, const char *position_id, char **json)
{
    Hrwatch__V1__PositionRequest pr = HRWATCH__V1__POSITION_REQUEST__INIT;
    pr.position_id = (char *) (position_id? position_id: "");
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_POSITION;
    req.position = &pr;
    return s_query (self, &req, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_POSITION, json);
}

int
hrwatch_query_alerts (hrwatch_client_t *self, const char *prefix, int active, uint64_t after_seq,
                      char **json)
{
    Hrwatch__V1__AlertsRequest ar = HRWATCH__V1__ALERTS_REQUEST__INIT;
    ar.active = active;
    ar.after_seq = after_seq;
    ar.limit = 1000;
    ar.prefix = (char *) (prefix? prefix: "");
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS;
    req.alerts = &ar;
    return s_query (self, &req, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_ALERTS, json);
}
