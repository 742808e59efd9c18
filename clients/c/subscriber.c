/*  subscriber: alert changes from a sequence number on, each once, in
    order. It follows the zguide's Clone pattern: subscribe first, then ask
    the control socket for the log after the last sequence number seen;
    live messages at or below it are duplicates and dropped, and a jump in
    sequence numbers (or a quiet spell) sends it back to the log.
    It subscribes to every topic and drops other prefixes' changes itself:
    with the prefix as the subscription, each change delivered would follow
    a gap (the others' numbers), and cost a round trip to the log. Alert
    changes are few beside events: receiving all of them is the cheaper. */
#include "clients/c/hrwatch.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clients/c/conn.h"
#include "hrwatch/v1/alerts.pb-c.h"
#include "lib/clock.h"
#include "proto/pbjson.h"

#define S_PAGE 1000     //  Asked for; the daemon may give fewer
#define S_IDLE_CATCHUP_MS 2000

struct hrwatch_subscriber {
    const hrwatch_client_t *client;     //  Whose control socket reads the log
    hrw_conn_t conn;            //  SUB to the alert socket
    char *prefix;               //  Topic prefix
    uint64_t last;              //  Highest sequence number delivered or passed
    int need_catch_up;          //  Read the log before waiting for live changes
    Hrwatch__V1__ControlResponse *page;     //  A page of the log being delivered
    size_t page_at;             //  Next alert of it to deliver
    char error[HRW_CONN_ERROR_MAX];
};

hrwatch_subscriber_t *
hrwatch_subscriber_new (hrwatch_client_t *client, const char *prefix, uint64_t after_seq)
{
    if (!client)
        return NULL;
    client->error[0] = '\0';
    hrwatch_subscriber_t *self = calloc (1, sizeof (*self));
    if (self)
        self->prefix = strdup (prefix? prefix: "");
    if (!self || !self->prefix) {
        hrw_conn_say (client->error, HRWATCH_E_NOMEM, "out of memory");
        goto fail;
    }
    self->client = client;
    self->last = after_seq;
    self->need_catch_up = 1;
    //  Subscribed before the catch-up, so nothing published in between is
    //  missed; and known to be connected, so a daemon that is not there is
    //  said at once, not after a silent wait.
    if (hrw_conn_open (client, ZMQ_SUB, client->endpoint[HRWATCH_ALERTS], 0, &self->conn,
                       self->error))
        goto fail_said;
    zmq_setsockopt (self->conn.sock, ZMQ_SUBSCRIBE, "", 0);
    if (hrw_conn_wait (&self->conn, client->connect_ms, client->handshake_ms))
        goto fail_said;
    return self;
fail_said:
    snprintf (client->error, sizeof (client->error), "%s", self->error);
fail:
    hrwatch_subscriber_destroy (&self);
    return NULL;
}

void
hrwatch_subscriber_destroy (hrwatch_subscriber_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrwatch_subscriber_t *self = *self_p;
    hrw_conn_close (&self->conn);
    if (self->page)
        hrwatch__v1__control_response__free_unpacked (self->page, NULL);
    free (self->prefix);
    free (self);
    *self_p = NULL;
}

//  Hands a over in the format asked for.
static int
s_deliver (hrwatch_subscriber_t *self, const Hrwatch__V1__Alert *a, hrwatch_format_t format,
           char **data, size_t *len, uint64_t *seq)
{
    if (format == HRWATCH_JSON) {
        json_t *o = hrw_pbjson_decode_flags (&a->base, HRW_PBJSON_ALL_FIELDS);
        *data = o? json_dumps (o, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
        json_decref (o);
        *len = *data? strlen (*data): 0;
    }
    else {
        *len = protobuf_c_message_get_packed_size (&a->base);
        *data = malloc (*len? *len: 1);
        if (*data)
            protobuf_c_message_pack (&a->base, (uint8_t *) *data);
    }
    if (!*data)
        return hrw_conn_say (self->error, HRWATCH_E_NOMEM, "out of memory");
    if (seq)
        *seq = a->seq;
    if (a->seq > self->last)
        self->last = a->seq;
    return HRWATCH_OK;
}

//  Asks for the page of the log after self->last.
static int
s_catch_up (hrwatch_subscriber_t *self)
{
    Hrwatch__V1__AlertsRequest ar = HRWATCH__V1__ALERTS_REQUEST__INIT;
    ar.after_seq = self->last;
    ar.limit = S_PAGE;
    ar.prefix = self->prefix;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS;
    req.alerts = &ar;
    Hrwatch__V1__ControlResponse *resp;
    int rc = hrw_conn_request (self->client, &req, self->client->request_ms, &resp,
                               self->error);
    if (rc)
        return rc;
    if (resp->response_case != HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_ALERTS) {
        hrwatch__v1__control_response__free_unpacked (resp, NULL);
        return hrw_conn_say (self->error, HRWATCH_E_PROTOCOL, "%s answered with another kind "
                             "of response", self->client->endpoint[HRWATCH_CONTROL]);
    }
    self->page = resp;
    self->page_at = 0;
    self->need_catch_up = 0;
    return HRWATCH_OK;
}

int
hrwatch_subscriber_next (hrwatch_subscriber_t *self, hrwatch_format_t format, int wait_ms,
                         char **data, size_t *len, uint64_t *seq)
{
    if (!self || !data || !len || wait_ms < -1
        || (format != HRWATCH_PACKED && format != HRWATCH_JSON))
        return HRWATCH_E_ARG;
    *data = NULL;
    *len = 0;
    int64_t deadline = wait_ms >= 0? hrw_clock_now_us () + (int64_t) wait_ms * 1000: 0;
    for (;;) {
        if (self->page) {
            const Hrwatch__V1__AlertList *list = self->page->alerts;
            if (self->page_at < list->n_alerts)
                return s_deliver (self, list->alerts[self->page_at++], format, data, len, seq);
            //  A page is whatever the daemon gives (it may cap the limit):
            //  the log is read on until a page is empty or reaches the
            //  newest entry. Then entries for other prefixes, up to the
            //  newest, are known to be passed.
            int more = list->n_alerts > 0 && self->last < list->last_seq;
            if (!list->n_alerts && list->last_seq > self->last)
                self->last = list->last_seq;
            hrwatch__v1__control_response__free_unpacked (self->page, NULL);
            self->page = NULL;
            self->need_catch_up = more;
            continue;
        }
        if (self->need_catch_up) {
            int rc = s_catch_up (self);
            if (rc)
                return rc;
            continue;
        }
        int64_t now = hrw_clock_now_us ();
        if (deadline && now >= deadline)
            return HRWATCH_E_AGAIN;
        long wait = S_IDLE_CATCHUP_MS;
        if (deadline && (deadline - now) / 1000 < wait)
            wait = (long) ((deadline - now) / 1000) + 1;
        zmq_pollitem_t item = { self->conn.sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, wait) <= 0) {
            self->need_catch_up = 1;     //  Quiet: make sure nothing slipped past
            continue;
        }
        zmq_msg_t topic, body;
        zmq_msg_init (&topic);
        zmq_msg_init (&body);
        int rc = HRWATCH_E_AGAIN;
        if (zmq_msg_recv (&topic, self->conn.sock, 0) >= 0 && zmq_msg_more (&topic)
            && zmq_msg_recv (&body, self->conn.sock, 0) >= 0) {
            Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, zmq_msg_size (&body),
                                                                 zmq_msg_data (&body));
            //  Another prefix's change: its number is passed, nothing more.
            int mine = a && !strncmp (a->topic, self->prefix, strlen (self->prefix));
            if (a && a->seq == self->last + 1 && !mine)
                self->last = a->seq;
            else if (a && a->seq == self->last + 1)
                rc = s_deliver (self, a, format, data, len, seq);
            else if (a && a->seq > self->last)
                self->need_catch_up = 1;     //  Something between; the log has it
            if (a)
                hrwatch__v1__alert__free_unpacked (a, NULL);
        }
        zmq_msg_close (&topic);
        zmq_msg_close (&body);
        if (rc != HRWATCH_E_AGAIN)
            return rc;
    }
}

uint64_t
hrwatch_subscriber_last (const hrwatch_subscriber_t *self)
{
    return self? self->last: 0;
}

const char *
hrwatch_subscriber_error (const hrwatch_subscriber_t *self)
{
    return self? self->error: "";
}
