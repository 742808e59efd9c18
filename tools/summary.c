/*  summary: `hrwatch summary`. What is firing, said in a few sentences: how
    many alerts of each kind and severity, the most pressing few (highest
    severity first, then those firing longest), and where to look next. It
    reads what any running hrwatchd answers on its control socket (the
    firing alerts, and the status for the event-time clock), so it works
    the same after a replay, on a live daemon or on a reopened store. */
#include "tools/summary.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "tools/cli.h"
#include "tools/client.h"
#include "workers/alerts.h"
#include "workers/query.h"

#define S_TOP_DEFAULT 3
#define S_TOP_MAX 100
#define S_SEVERITIES 4          //  Hrwatch__V1__Severity: unspecified .. critical
#define S_DAY_US (86400LL * HRW_US_PER_SEC)

//  Kinds in the order a reader meets them: people first, then numbers.
static const Hrwatch__V1__AlertKind s_kinds[] = {
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_BENCH_STRENGTH,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_REDUCTION_IN_FORCE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP,
};
#define S_N_KINDS (sizeof (s_kinds) / sizeof (s_kinds[0]))

//  Each kind in words, one and many (indexed by Hrwatch__V1__AlertKind).
static const char *s_kind_one[HRW_ALERT_KINDS] = {
    "alert of an unknown kind", "succession gap", "thin bench", "successor overlap",
    "turnover spike", "reduction in force", "engagement drop", "sustained turnover rise"
};
static const char *s_kind_many[HRW_ALERT_KINDS] = {
    "alerts of an unknown kind", "succession gaps", "thin benches", "successor overlaps",
    "turnover spikes", "reductions in force", "engagement drops", "sustained turnover rises"
};

//  Severities, as the JSON names them and as words (critical first).
static const char *s_severity[S_SEVERITIES] = { "unspecified", "info", "warning", "critical" };

typedef struct {
    const char *endpoint;       //  --endpoint
    int json;                   //  --json
    uint64_t top;               //  --top
    int timeout_ms;             //  --timeout
} s_opts_t;

typedef struct {
    uint64_t firing;                                //  Alerts read
    uint64_t silenced;                              //  ... of which silenced
    uint64_t by_severity[S_SEVERITIES];             //  By severity
    uint64_t by_kind[HRW_ALERT_KINDS][S_SEVERITIES];    //  By kind, then severity
    int truncated;                                  //  More firing than one answer holds
    int64_t as_of;                                  //  Event-time clock, or HRW_TIME_NONE
} s_counts_t;

static const char *s_usage =
    "usage: hrwatch summary [--top N] [--json] [--endpoint E] [--timeout S]\n"
    "  The firing alerts in a few sentences: how many of each kind and severity,\n"
    "  the N most pressing (default 3; highest severity, then firing longest;\n"
    "  ages in event time) and the commands that show more. --json prints one\n"
    "  object with every count, zeros included.\n";

static int
s_severity_of (const Hrwatch__V1__Alert *a)
{
    return a->severity >= 0 && a->severity < S_SEVERITIES? (int) a->severity: 0;
}

static int
s_kind_of (const Hrwatch__V1__Alert *a)
{
    return a->kind >= 0 && a->kind < HRW_ALERT_KINDS? (int) a->kind: 0;
}

static int64_t
s_started (const Hrwatch__V1__Alert *a)
{
    return a->started_at? hrw_clock_from_parts (a->started_at->seconds, a->started_at->nanos)
                        : HRW_TIME_NONE;
}

//  Most pressing first: higher severity, then firing since longer, then by
//  fingerprint so that the order does not depend on the daemon's.
static int
s_compare (const void *pa, const void *pb)
{
    const Hrwatch__V1__Alert *a = *(Hrwatch__V1__Alert *const *) pa;
    const Hrwatch__V1__Alert *b = *(Hrwatch__V1__Alert *const *) pb;
    int sa = s_severity_of (a), sb = s_severity_of (b);
    if (sa != sb)
        return sb - sa;
    int64_t ta = s_started (a), tb = s_started (b);
    if (ta != tb)
        return ta < tb? -1: 1;
    return strcmp (a->fingerprint, b->fingerprint);
}

//  The alert's unit as its path from the root ("acme/eng/eng-t1"), else its
//  id; "" when it has neither.
static void
s_unit_path (const Hrwatch__V1__Alert *a, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->n_unit_path && n + 1 < cap; i++) {
        int w = snprintf (out + n, cap - n, "%s%s", i? "/": "", a->unit_path[i]);
        if (w < 0)
            break;
        n += (size_t) w < cap - n? (size_t) w: cap - n - 1;
    }
    if (!n)
        snprintf (out, cap, "%s", a->unit_id);
}

//  What the alert is about, in words: "for position P-1 in acme/eng".
static void
s_subject (const Hrwatch__V1__Alert *a, char *out, size_t cap)
{
    char path[256];
    s_unit_path (a, path, sizeof (path));
    const char *in = *path? " in ": "";
    switch (a->kind) {
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP:
            snprintf (out, cap, "for position %s%s%s", a->subject, in, path);
            break;
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP:
            snprintf (out, cap, "for employee %s%s%s", a->subject, in, path);
            break;
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP:
            snprintf (out, cap, "in %s, survey cycle %s", *path? path: a->subject,
                      a->survey_cycle_id);
            break;
        default:
            //  The other kinds are about a unit and its subtree.
            snprintf (out, cap, "in %s", *path? path: a->subject);
            break;
    }
}

//  Whole days from t to as_of (event time); -1 when either is unknown.
static long long
s_age_days (int64_t t, int64_t as_of)
{
    if (t == HRW_TIME_NONE || as_of == HRW_TIME_NONE || as_of < t)
        return -1;
    return (long long) ((as_of - t) / S_DAY_US);
}

//  "2025-03-01" from a time; "-" when unknown.
static void
s_date (int64_t t, char *out, size_t cap)
{
    hrw_clock_format (t, out, cap);
    char *tee = strchr (out, 'T');
    if (tee)
        *tee = '\0';
}

static void
s_count (s_counts_t *c, Hrwatch__V1__Alert **alerts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int sev = s_severity_of (alerts[i]);
        c->firing++;
        c->silenced += alerts[i]->silenced? 1: 0;
        c->by_severity[sev]++;
        c->by_kind[s_kind_of (alerts[i])][sev]++;
    }
}

static uint64_t
s_kind_total (const s_counts_t *c, int kind)
{
    uint64_t total = 0;
    for (int s = 0; s < S_SEVERITIES; s++)
        total += c->by_kind[kind][s];
    return total;
}

//  The commands that show more, for the alerts shown (at most cap of them).
//  Each names the endpoint when it is not the one hrwatch finds by itself.
static size_t
s_next (const s_opts_t *o, Hrwatch__V1__Alert **top, size_t n_top, char out[][192], size_t cap)
{
    char ep[160] = "";
    if (strcmp (o->endpoint, hrw_client_control_endpoint ()))
        snprintf (ep, sizeof (ep), " --endpoint %s", o->endpoint);
    size_t n = 0;
    snprintf (out[n++], 192, "hrwatch alerts%s", ep);
    for (size_t i = 0; i < n_top && n + 2 < cap; i++) {
        const Hrwatch__V1__Alert *a = top[i];
        if (a->kind == HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP)
            snprintf (out[n], 192, "hrwatch position %s%s", a->subject, ep);
        else if (a->kind != HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP && *a->unit_id)
            snprintf (out[n], 192, "hrwatch unit %s%s", a->unit_id, ep);
        else
            continue;
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++)
            seen = !strcmp (out[j], out[n]);
        n += seen? 0: 1;
    }
    //  Changes as they come need the alerts socket too, which the control
    //  socket's endpoint does not tell: only on the defaults.
    if (!*ep)
        snprintf (out[n++], 192, "hrwatch subscribe --text");
    return n;
}

static void
s_print_text (const s_opts_t *o, const s_counts_t *c, Hrwatch__V1__Alert **sorted, size_t n_top)
{
    char as_of[48];
    s_date (c->as_of, as_of, sizeof (as_of));
    if (!c->firing)
        printf ("No alerts firing as of %s (event time).\n", as_of);
    else {
        printf ("%" PRIu64 "%s alert%s firing as of %s (event time):", c->firing,
                c->truncated? " or more": "", c->firing == 1? "": "s", as_of);
        const char *sep = " ";
        for (size_t k = 0; k < S_N_KINDS; k++) {
            int kind = (int) s_kinds[k];
            uint64_t total = s_kind_total (c, kind);
            if (!total)
                continue;
            printf ("%s%" PRIu64 " %s (", sep, total, total == 1? s_kind_one[kind]
                                                                : s_kind_many[kind]);
            const char *inner = "";
            for (int s = S_SEVERITIES - 1; s >= 0; s--)
                if (c->by_kind[kind][s]) {
                    printf ("%s%" PRIu64 " %s", inner, c->by_kind[kind][s], s_severity[s]);
                    inner = ", ";
                }
            printf (")");
            sep = ", ";
        }
        printf (".\nBy severity: %" PRIu64 " critical, %" PRIu64 " warning, %" PRIu64 " info.",
                c->by_severity[3], c->by_severity[2], c->by_severity[1]);
        if (c->silenced)
            printf (" %" PRIu64 " of them silenced (recorded, not published).", c->silenced);
        printf ("\n%s\n", n_top == 1? "Most pressing:": "Most pressing, highest severity and "
                "longest firing first:");
    }
    for (size_t i = 0; i < n_top; i++) {
        const Hrwatch__V1__Alert *a = sorted[i];
        char subject[384], since[48];
        int64_t started = s_started (a);
        s_date (started, since, sizeof (since));
        s_subject (a, subject, sizeof (subject));
        long long days = s_age_days (started, c->as_of);
        printf ("  %zu. %s %s %s, firing since %s", i + 1, s_severity[s_severity_of (a)],
                s_kind_one[s_kind_of (a)], subject, since);
        if (days == 0)
            printf (" (less than a day)");
        else if (days > 0)
            printf (" (%lld day%s)", days, days == 1? "": "s");
        printf (".\n");
        if (*a->summary)
            printf ("     %s\n", a->summary);
    }
    char next[8][192];
    size_t n_next = s_next (o, sorted, n_top, next, 8);
    printf ("Where to look next:\n");
    for (size_t i = 0; i < n_next; i++)
        printf ("  %s\n", next[i]);
}

static json_t *
s_time_json (int64_t t)
{
    char text[48];
    return t == HRW_TIME_NONE? json_null (): json_string (hrw_clock_format (t, text, sizeof (text)));
}

static void
s_print_json (const s_opts_t *o, const s_counts_t *c, Hrwatch__V1__Alert **sorted, size_t n_top)
{
    json_t *root = json_object ();
    json_object_set_new (root, "asOf", s_time_json (c->as_of));
    json_object_set_new (root, "firing", json_integer ((json_int_t) c->firing));
    json_object_set_new (root, "truncated", json_boolean (c->truncated));
    json_object_set_new (root, "silenced", json_integer ((json_int_t) c->silenced));
    json_t *sev = json_object ();
    for (int s = S_SEVERITIES - 1; s >= 1; s--)
        json_object_set_new (sev, s_severity[s], json_integer ((json_int_t) c->by_severity[s]));
    json_object_set_new (root, "bySeverity", sev);
    json_t *kinds = json_object ();
    for (size_t k = 0; k < S_N_KINDS; k++) {
        int kind = (int) s_kinds[k];
        json_t *one = json_object ();
        json_object_set_new (one, "total", json_integer ((json_int_t) s_kind_total (c, kind)));
        for (int s = S_SEVERITIES - 1; s >= 1; s--)
            json_object_set_new (one, s_severity[s],
                                 json_integer ((json_int_t) c->by_kind[kind][s]));
        json_object_set_new (kinds, hrw_alerts_kind_name (s_kinds[k]), one);
    }
    json_object_set_new (root, "byKind", kinds);
    json_t *top = json_array ();
    for (size_t i = 0; i < n_top; i++) {
        const Hrwatch__V1__Alert *a = sorted[i];
        char subject[384], path[256];
        s_subject (a, subject, sizeof (subject));
        s_unit_path (a, path, sizeof (path));
        int64_t started = s_started (a);
        long long days = s_age_days (started, c->as_of);
        json_t *one = json_object ();
        json_object_set_new (one, "fingerprint", json_string (a->fingerprint));
        json_object_set_new (one, "kind", json_string (hrw_alerts_kind_name (a->kind)));
        json_object_set_new (one, "severity", json_string (s_severity[s_severity_of (a)]));
        json_object_set_new (one, "subject", json_string (a->subject));
        json_object_set_new (one, "unitId", json_string (a->unit_id));
        json_object_set_new (one, "unitPath", json_string (path));
        json_object_set_new (one, "surveyCycleId", json_string (a->survey_cycle_id));
        json_object_set_new (one, "startedAt", s_time_json (started));
        json_object_set_new (one, "ageDays", days >= 0? json_integer (days): json_null ());
        json_object_set_new (one, "silenced", json_boolean (a->silenced));
        json_object_set_new (one, "words", json_string (subject));
        json_object_set_new (one, "summary", json_string (a->summary));
        json_array_append_new (top, one);
    }
    json_object_set_new (root, "top", top);
    char next[8][192];
    size_t n_next = s_next (o, sorted, n_top, next, 8);
    json_t *where = json_array ();
    for (size_t i = 0; i < n_next; i++)
        json_array_append_new (where, json_string (next[i]));
    json_object_set_new (root, "next", where);
    hrw_client_print_json (root);
}

//  The event-time clock (else the newest event's time), from the status.
//  Returns 0, or -1 when the daemon does not answer.
static int
s_as_of (const s_opts_t *o, int64_t *as_of)
{
    Hrwatch__V1__StatusRequest sr = HRWATCH__V1__STATUS_REQUEST__INIT;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_STATUS;
    req.status = &sr;
    Hrwatch__V1__ControlResponse *resp = hrw_client_request (o->endpoint, &req, o->timeout_ms);
    if (!resp || !resp->status) {
        if (resp)
            hrwatch__v1__control_response__free_unpacked (resp, NULL);
        return -1;
    }
    const Google__Protobuf__Timestamp *t = resp->status->clock? resp->status->clock
                                                              : resp->status->latest_event_at;
    *as_of = t? hrw_clock_from_parts (t->seconds, t->nanos): HRW_TIME_NONE;
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}

int
hrw_cli_summary_main (int argc, char **argv)
{
    s_opts_t o = { hrw_client_control_endpoint (), 0, S_TOP_DEFAULT, 5000 };
    double timeout = 5;
    const hrw_cli_opt_t opts[] = {
        { "top", 'n', HRW_CLI_UINT, &o.top, 0, S_TOP_MAX, 0 },
        { "json", 'j', HRW_CLI_FLAG, &o.json, 0, 0, 1 },
        { "endpoint", 'e', HRW_CLI_STRING, &o.endpoint, 0, 0, 0 },
        { "timeout", 't', HRW_CLI_REAL, &timeout, 0.001, 86400, 0 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    int n_args = 0;
    int rc = hrw_cli_parse (argc, argv, opts, s_usage, NULL, 0, &n_args);
    if (rc)
        return hrw_cli_exit (rc);
    o.timeout_ms = (int) (timeout * 1000);

    s_counts_t c;
    memset (&c, 0, sizeof (c));
    Hrwatch__V1__ControlResponse *resp = NULL;
    Hrwatch__V1__Alert **sorted = NULL;
    rc = 2;
    if (s_as_of (&o, &c.as_of))
        goto cleanup;
    //  The firing alerts come in one answer (the daemon does not page
    //  them); past its limit the summary says "or more".
    Hrwatch__V1__AlertsRequest ar = HRWATCH__V1__ALERTS_REQUEST__INIT;
    ar.active = 1;
    ar.limit = HRW_QUERY_ALERTS_MAX;
    ar.prefix = (char *) "";
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS;
    req.alerts = &ar;
    resp = hrw_client_request (o.endpoint, &req, o.timeout_ms);
    if (!resp || !resp->alerts)
        goto cleanup;
    size_t n = resp->alerts->n_alerts;
    c.truncated = n >= HRW_QUERY_ALERTS_MAX;
    s_count (&c, resp->alerts->alerts, n);
    sorted = calloc (n? n: 1, sizeof (*sorted));
    if (!sorted) {
        fprintf (stderr, "hrwatch: summary: out of memory for %zu alerts\n", n);
        goto cleanup;
    }
    memcpy (sorted, resp->alerts->alerts, n * sizeof (*sorted));
    qsort (sorted, n, sizeof (*sorted), s_compare);
    size_t n_top = n < o.top? n: (size_t) o.top;
    if (o.json)
        s_print_json (&o, &c, sorted, n_top);
    else
        s_print_text (&o, &c, sorted, n_top);
    rc = 0;
cleanup:
    free (sorted);
    if (resp)
        hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return rc;
}
