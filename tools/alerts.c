/*  alerts: listing, following and the clock, from the command line.
    subscribe prints what a libhrwatch subscriber delivers: the log after
    --after, then live changes, each exactly once, in order. */
#include "tools/alerts.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients/c/hrwatch.h"
#include "tools/cli.h"
#include "tools/client.h"
#include "lib/clock.h"

#define S_PAGE 1000

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
    hrwatch_client_t *client = hrw_client_new (HRWATCH_ALERTS, o.alerts, o.timeout_ms);
    if (!client)
        return 2;
    hrwatch_subscriber_t *sub = NULL;
    if (hrwatch_client_set_endpoint (client, HRWATCH_CONTROL, o.control)) {
        fprintf (stderr, "hrwatch: '%s' is not an endpoint (tcp://HOST:PORT or ipc://PATH); "
                 "see HRWATCH_CONTROL\n", o.control);
        rc = 2;
        goto done;
    }
    sub = hrwatch_subscriber_new (client, o.prefix, o.after);
    if (!sub) {
        fprintf (stderr, "hrwatch: %s\n", hrwatch_client_error (client));
        rc = 2;
        goto done;
    }
    int64_t deadline = o.seconds > 0? hrw_clock_now_us () + (int64_t) (o.seconds * 1e6): 0;
    while (!o.count || (long) o.printed < o.count) {
        int64_t left = deadline? (deadline - hrw_clock_now_us ()) / 1000: -1;
        char *data;
        size_t len;
        int got = hrwatch_subscriber_next (sub, HRWATCH_PACKED, deadline? (left > 0? (int) left: 0)
                                                                        : -1, &data, &len, NULL);
        if (got == HRWATCH_E_AGAIN)
            break;
        if (got) {
            fprintf (stderr, "hrwatch: %s\n", hrwatch_subscriber_error (sub));
            fprintf (stderr, "hrwatch: subscribe reads the alert log through the control socket "
                     "(--endpoint, HRWATCH_CONTROL) of the daemon at %s: %s did not answer\n",
                     o.alerts, o.control);
            rc = 2;
            break;
        }
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, len, (uint8_t *) data);
        if (a)
            s_print (&o, a);
        if (a)
            hrwatch__v1__alert__free_unpacked (a, NULL);
        hrwatch_free (data);
    }
done:
    hrwatch_subscriber_destroy (&sub);
    hrwatch_client_destroy (&client);
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
