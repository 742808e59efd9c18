/*  alerts: listing, following and the clock, from the command line.

    subscribe follows the zguide's Clone pattern: subscribe first, then ask
    the control socket for the log after the last sequence number seen;
    live messages at or below it are duplicates and dropped, and a jump in
    sequence numbers (or a quiet spell) sends it back to the log, so each
    change is printed exactly once, in order. */
#include "tools/alerts.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "tools/cli.h"
#include "tools/client.h"
#include "lib/clock.h"

#define S_PAGE 1000
#define S_IDLE_CATCHUP_MS 2000

typedef struct {
    const char *control;        //  --endpoint
    const char *alerts;         //  --alerts-endpoint
    const char *prefix;         //  Topic prefix
    int json;                   //  --json
    uint64_t after;             //  --after
    long count;                 //  --count: stop after this many (0: never)
    double seconds;             //  --for: stop after this long (0: never)
    int timeout_ms;             //  Control requests
    uint64_t printed;           //  Alerts printed
    uint64_t last;              //  Highest sequence number printed
} s_opts_t;

//  The options the alert subcommands share, those of them named in names;
//  positional: whether one argument (the prefix, or advance's time) may
//  follow. Returns 0, or what hrw_cli_parse returns.
static int
s_parse (int argc, char **argv, s_opts_t *o, const char *usage, int positional,
         const char *names)
{
    double timeout = 5;
    uint64_t count = 0;
    const hrw_cli_opt_t opts[] = {
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &o->control, 0, 0, 0 },
        { "alerts-endpoint", 'A', HRW_CLI_ENDPOINT, &o->alerts, 0, 0, 0 },
        { "json", 'j', HRW_CLI_FLAG, &o->json, 0, 0, 1 },
        { "text", 'T', HRW_CLI_FLAG, &o->json, 0, 0, 0 },
        { "after", 'a', HRW_CLI_UINT, &o->after, 0, (double) UINT64_MAX, 0 },
        { "count", 'n', HRW_CLI_UINT, &count, 0, 1e15, 0 },
        { "for", 'f', HRW_CLI_REAL, &o->seconds, 0, 1e9, 0 },
        { "prefix", 'p', HRW_CLI_STRING, &o->prefix, 0, 0, 0 },
        { "timeout", 't', HRW_CLI_REAL, &timeout, 0.001, 86400, 0 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    hrw_cli_opt_t mine[HRW_CLI_OPTS_MAX + 1];
    hrw_cli_select (opts, names, mine);
    o->control = hrw_client_control_endpoint ();
    const char *env = getenv ("HRWATCH_ALERTS");
    o->alerts = env && *env? env: HRW_DEFAULT_ALERTS;
    o->prefix = "";
    char *args[1];
    int n_args = 0;
    int rc = hrw_cli_parse (argc, argv, mine, usage, args, positional? 1: 0, &n_args);
    if (n_args)
        o->prefix = args[0];
    o->count = (long) count;
    o->timeout_ms = (int) (timeout * 1000);
    return rc;
}

static void
s_print (s_opts_t *o, const Hrwatch__V1__Alert *a)
{
    if (o->json) {
        hrw_client_print_message (&a->base);
    }
    else {
        static const char *sev[] = { "-", "info", "warning", "critical" };
        const char *muted = a->silenced? " (silenced)": "";
        char when[48] = "-";
        const Google__Protobuf__Timestamp *t = a->changed_at;
        if (t)
            hrw_clock_format (hrw_clock_from_parts (t->seconds, t->nanos), when, sizeof (when));
        const char *update = a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_UPDATED
                           ? " (updated)": "";
        printf ("#%-6" PRIu64 " %s %-8s %-8s %s%s%s\n        %s\n", a->seq, when,
                a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING? "FIRING": "resolved",
                sev[a->severity >= 0 && a->severity <= 3? a->severity: 0], a->topic, update,
                muted, a->summary);
    }
    fflush (stdout);
    o->printed++;
    if (a->seq > o->last)
        o->last = a->seq;
}

static Hrwatch__V1__ControlResponse *
s_request (s_opts_t *o, int active, uint64_t after)
{
    Hrwatch__V1__AlertsRequest ar = HRWATCH__V1__ALERTS_REQUEST__INIT;
    ar.active = active;
    ar.after_seq = after;
    ar.limit = S_PAGE;
    ar.prefix = (char *) o->prefix;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS;
    req.alerts = &ar;
    return hrw_client_ask (o->control, &req, o->timeout_ms,
                           HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_ALERTS);
}

int
hrw_cli_alerts_main (int argc, char **argv)
{
    s_opts_t o;
    memset (&o, 0, sizeof (o));
    int rc = s_parse (argc, argv, &o, "usage: hrwatch alerts [PREFIX] [--json | --text] "
                      "[--endpoint E] [--timeout S]\n"
                      "  The firing alerts, optionally only those whose topic starts with PREFIX.\n",
                      1, "endpoint json text timeout");
    if (rc)
        return hrw_cli_exit (rc);
    Hrwatch__V1__ControlResponse *resp = s_request (&o, 1, 0);
    if (!resp)
        return 2;
    for (size_t i = 0; i < resp->alerts->n_alerts; i++)
        s_print (&o, resp->alerts->alerts[i]);
    if (!o.json && resp->alerts->n_alerts == 0)
        printf ("no alerts firing\n");
    //  The firing list comes in one page: say when there may be more.
    if (resp->alerts->n_alerts >= S_PAGE)
        fprintf (stderr, "hrwatch: the first %d firing alerts are shown; a PREFIX narrows "
                 "them\n", S_PAGE);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}

//  Prints the log after o->last. Returns 0, or -1 when the daemon does not
//  answer.
static int
s_catch_up (s_opts_t *o)
{
    for (;;) {
        Hrwatch__V1__ControlResponse *resp = s_request (o, 0, o->last);
        if (!resp)
            return -1;
        size_t n = resp->alerts->n_alerts;
        for (size_t i = 0; i < n && (!o->count || (long) o->printed < o->count); i++)
            s_print (o, resp->alerts->alerts[i]);
        //  Entries for other prefixes still move us past their numbers.
        if (resp->alerts->last_seq > o->last && n < S_PAGE)
            o->last = resp->alerts->last_seq;
        hrwatch__v1__control_response__free_unpacked (resp, NULL);
        if (n < S_PAGE || (o->count && (long) o->printed >= o->count))
            return 0;
    }
}

int
hrw_cli_subscribe_main (int argc, char **argv)
{
    s_opts_t o;
    memset (&o, 0, sizeof (o));
    o.json = 1;
    int rc = s_parse (argc, argv, &o,
                      "usage: hrwatch subscribe [PREFIX] [--after SEQ] [--count N] [--for S] [--json | --text]\n"
                      "                         [--alerts-endpoint E] [--endpoint E] [--timeout S]\n"
                      "  Alert changes as JSON lines (--json, the default; --text: for people):\n"
                      "  first those logged after SEQ, then live, each once. --count N stops\n"
                      "  after N changes printed (whatever the form), --for S after S seconds.\n",
                      1, "endpoint alerts-endpoint json text after count for prefix timeout");
    if (rc)
        return hrw_cli_exit (rc);
    o.last = o.after;
    void *ctx = zmq_ctx_new ();
    hrw_client_conn_t conn;
    //  Subscribed before the catch-up, so nothing published in between is
    //  missed; and known to be connected, so a daemon that is not there is
    //  said at once, not after a silent --for.
    if (hrw_client_open (ctx, ZMQ_SUB, o.alerts, &conn)) {
        rc = 2;
        goto done;
    }
    void *sub = conn.sock;
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, o.prefix, strlen (o.prefix));
    if (hrw_client_wait (&conn, HRW_CLIENT_CONNECT_MS, o.timeout_ms < HRW_CLIENT_HANDSHAKE_MS
                                                       ? o.timeout_ms: HRW_CLIENT_HANDSHAKE_MS)) {
        rc = 2;
        goto done;
    }
    int64_t deadline = o.seconds > 0? hrw_clock_now_us () + (int64_t) (o.seconds * 1e6): 0;
    int need_catch_up = 1;
    while (!o.count || (long) o.printed < o.count) {
        if (need_catch_up && s_catch_up (&o)) {
            fprintf (stderr, "hrwatch: subscribe reads the alert log through the control socket "
                     "(--endpoint, HRWATCH_CONTROL) of the daemon at %s: %s did not answer\n",
                     o.alerts, o.control);
            rc = 2;
            break;
        }
        need_catch_up = 0;
        if (o.count && (long) o.printed >= o.count)
            break;
        int64_t now = hrw_clock_now_us ();
        if (deadline && now >= deadline)
            break;
        long wait = S_IDLE_CATCHUP_MS;
        if (deadline && (deadline - now) / 1000 < wait)
            wait = (long) ((deadline - now) / 1000) + 1;
        zmq_pollitem_t item = { sub, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, wait) <= 0) {
            need_catch_up = 1;   //  Quiet: make sure nothing slipped past
            continue;
        }
        zmq_msg_t topic, body;
        zmq_msg_init (&topic);
        zmq_msg_init (&body);
        if (zmq_msg_recv (&topic, sub, 0) >= 0 && zmq_msg_more (&topic)
            && zmq_msg_recv (&body, sub, 0) >= 0) {
            Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, zmq_msg_size (&body),
                                                                 zmq_msg_data (&body));
            if (a && a->seq == o.last + 1)
                s_print (&o, a);
            else if (a && a->seq > o.last)
                need_catch_up = 1;   //  Something between; the log has it
            if (a)
                hrwatch__v1__alert__free_unpacked (a, NULL);
        }
        zmq_msg_close (&topic);
        zmq_msg_close (&body);
    }
done:
    hrw_client_close (&conn);
    if (ctx)
        zmq_ctx_term (ctx);
    return rc;
}

int
hrw_cli_advance_main (int argc, char **argv)
{
    s_opts_t o;
    memset (&o, 0, sizeof (o));
    int rc = s_parse (argc, argv, &o, "usage: hrwatch advance [TIME] [--endpoint E] [--json]\n"
                      "  Moves the event-time clock to TIME (RFC 3339), or to the newest event,\n"
                      "  applying the events held until then (after a replay with a large\n"
                      "  allowed lateness).\n", 1, "endpoint json");
    if (rc)
        return hrw_cli_exit (rc);
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Hrwatch__V1__AdvanceRequest ar = HRWATCH__V1__ADVANCE_REQUEST__INIT;
    if (*o.prefix) {
        int32_t nanos;
        if (hrw_clock_parse (o.prefix, &ts.seconds, &nanos)) {
            fprintf (stderr, "hrwatch: '%s' is not an RFC 3339 time\n", o.prefix);
            return HRW_CLI_USAGE;
        }
        ts.nanos = nanos;
        ar.to = &ts;
    }
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_ADVANCE;
    req.advance = &ar;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        o.control, &req, 60000, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_STATUS);
    if (!resp)
        return 2;
    char when[48] = "-";
    const Google__Protobuf__Timestamp *t = resp->status->clock;
    if (t)
        hrw_clock_format (hrw_clock_from_parts (t->seconds, t->nanos), when, sizeof (when));
    if (o.json)
        hrw_client_print_message (&resp->status->base);
    else
        printf ("clock at %s; %" PRIu64 " events still held; %" PRIu64 " alerts firing\n", when,
                resp->status->events_pending, resp->status->alerts_firing);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}
