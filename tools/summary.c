/*  summary: `hrwatch summary`. What is firing, said in a few sentences: how
    many alerts of each kind and severity, the most pressing few (highest
    severity first, then those firing longest), and where to look next. It
    reads what any running hrwatchd answers on its control socket (the
    firing alerts, and the status for the total and the clock), so it works
    the same after a replay, on a live daemon or on a reopened store. */
#include "tools/summary.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "tools/alerts.h"
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
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_AT_RISK,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_DEVELOPMENT_STALLED,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_UNMENTORED,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SCHEDULED_EXITS,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_EARLY_TENURE_EXITS,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_MANAGER_HOTSPOT,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_REDUCTION_IN_FORCE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP,
};
#define S_N_KINDS (sizeof (s_kinds) / sizeof (s_kinds[0]))

//  Each kind in words, one and many (indexed by Hrwatch__V1__AlertKind).
static const char *s_kind_one[HRW_ALERT_KINDS] = {
    "alert of an unknown kind", "succession gap", "thin bench", "successor overlap",
    "turnover spike", "reduction in force", "engagement drop", "sustained turnover rise",
    "early-tenure exits", "manager hotspot", "successor without a mentor",
    "stalled development", "succession at risk", "cluster of scheduled exits"
};
static const char *s_kind_many[HRW_ALERT_KINDS] = {
    "alerts of an unknown kind", "succession gaps", "thin benches", "successor overlaps",
    "turnover spikes", "reductions in force", "engagement drops", "sustained turnover rises",
    "early-tenure exit clusters", "manager hotspots", "successors without a mentor",
    "stalled developments", "successions at risk", "clusters of scheduled exits"
};

//  Severities, as the JSON names them and as words (critical first).
static const char *s_severity[S_SEVERITIES] = { "unspecified", "info", "warning", "critical" };

typedef struct {
    const char *endpoint;       //  --endpoint
    const char *alerts;         //  --alerts-endpoint, or NULL when not given
    int json;                   //  --json
    uint64_t top;               //  --top
    int timeout_ms;             //  --timeout
} s_opts_t;

//  What the time the summary speaks of is.
typedef enum {
    S_BASIS_NONE,               //  No clock and no event yet
    S_BASIS_EVENT,              //  The clock, at or before the newest event: event time
    S_BASIS_CLOCK,              //  The clock, past the newest event or with none: the
                                //  daemon's clock (the wall clock on a live daemon)
    S_BASIS_NEWEST              //  No clock yet: the newest event's time
} s_basis_t;

typedef struct {
    uint64_t firing;                                //  Alerts firing, all of them
    uint64_t listed;                                //  Alerts read and counted below
    uint64_t silenced;                              //  ... of which silenced
    uint64_t by_severity[S_SEVERITIES];             //  By severity
    uint64_t by_kind[HRW_ALERT_KINDS][S_SEVERITIES];    //  By kind, then severity
    int complete;                                   //  The listed are all that fire
    int64_t as_of;                                  //  What ages count to, or HRW_TIME_NONE
    int64_t latest;                                 //  Newest event's time, or HRW_TIME_NONE
    s_basis_t basis;                                //  What as_of is
} s_counts_t;

static const char *s_usage =
    "usage: hrwatch summary [--top N] [--json] [--endpoint E] [--alerts-endpoint E]\n"
    "                       [--timeout S]\n"
    "  The firing alerts in a few sentences: how many of each kind and severity,\n"
    "  the N most pressing (N from 0 to 100, default 3; highest severity, then\n"
    "  succession before turnover, engagement and development, then firing\n"
    "  longest; silenced ones stay in, marked \"(silenced)\") and the\n"
    "  commands that show more. Times are the daemon's alert clock: event time\n"
    "  after a replay, the wall clock on a live daemon (the text says which);\n"
    "  ages are whole days between the dates shown. Past 10000 firing, one answer\n"
    "  lists only the first 10000: the total stays exact, the counts by kind and\n"
    "  severity and the most pressing are of those listed, and say so.\n"
    "  --alerts-endpoint: the daemon's alerts socket, for the subscribe command\n"
    "  suggested (default $HRWATCH_ALERTS). --json prints one object with every\n"
    "  count, zeros included; \"complete\" is false when they count part only.\n";

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

//  Within a severity, what a leader acts on first: a role uncovered or
//  about to be, people leaving or losing heart, then the slower signals.
static const Hrwatch__V1__AlertKind s_pressing[] = {
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_AT_RISK,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SCHEDULED_EXITS,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_BENCH_STRENGTH,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_MANAGER_HOTSPOT,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_EARLY_TENURE_EXITS,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_DEVELOPMENT_STALLED,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_UNMENTORED,
    HRWATCH__V1__ALERT_KIND__ALERT_KIND_REDUCTION_IN_FORCE,
};
#define S_N_PRESSING (sizeof (s_pressing) / sizeof (s_pressing[0]))

static size_t
s_pressing_rank (const Hrwatch__V1__Alert *a)
{
    size_t i = 0;
    while (i < S_N_PRESSING && s_pressing[i] != a->kind)
        i++;
    return i;
}

//  Most pressing first: higher severity, then the kind (s_pressing), then
//  firing since longer, then by fingerprint so that the order does not
//  depend on the daemon's.
static int
s_compare (const void *pa, const void *pb)
{
    const Hrwatch__V1__Alert *a = *(Hrwatch__V1__Alert *const *) pa;
    const Hrwatch__V1__Alert *b = *(Hrwatch__V1__Alert *const *) pb;
    int sa = s_severity_of (a), sb = s_severity_of (b);
    if (sa != sb)
        return sb - sa;
    size_t ka = s_pressing_rank (a), kb = s_pressing_rank (b);
    if (ka != kb)
        return ka < kb? -1: 1;
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

//  The day t falls on (UTC), counted from 1970-01-01; floored, also before.
static long long
s_day (int64_t t)
{
    return (long long) (t >= 0? t / S_DAY_US: -((-(t + 1)) / S_DAY_US) - 1);
}

//  Whole days from the date t falls on to the date as_of falls on, the two
//  dates the summary prints: alerts firing since the same date read the
//  same age whatever their time of day, which whole days of elapsed time
//  (as_of - t) would not. -1 when either is unknown or t is the later.
static long long
s_age_days (int64_t t, int64_t as_of)
{
    if (t == HRW_TIME_NONE || as_of == HRW_TIME_NONE || as_of < t)
        return -1;
    return s_day (as_of) - s_day (t);
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
        c->listed++;
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

#define S_EP 256                //  " --endpoint E", cut to this
#define S_LINE (64 + 2 * S_EP)  //  One suggested command: a verb, an id, two endpoints

//  The commands that show more, for the alerts shown (at most cap of them).
//  Each names the endpoints that are not those hrwatch finds by itself.
static size_t
s_next (const s_opts_t *o, Hrwatch__V1__Alert **top, size_t n_top, char out[][S_LINE],
        size_t cap)
{
    char ep[S_EP] = "";
    if (strcmp (o->endpoint, hrw_client_control_endpoint ()))
        snprintf (ep, sizeof (ep), " --endpoint %s", o->endpoint);
    size_t n = 0;
    snprintf (out[n++], S_LINE, "hrwatch alerts%s", ep);
    for (size_t i = 0; i < n_top && n + 2 < cap; i++) {
        const Hrwatch__V1__Alert *a = top[i];
        if (a->kind == HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP)
            snprintf (out[n], S_LINE, "hrwatch position %s%s", a->subject, ep);
        else if (a->kind != HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP && *a->unit_id)
            snprintf (out[n], S_LINE, "hrwatch unit %s%s", a->unit_id, ep);
        else
            continue;
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++)
            seen = !strcmp (out[j], out[n]);
        n += seen? 0: 1;
    }
    //  Changes as they come need the alerts socket too, which the control
    //  socket's endpoint does not tell: --alerts-endpoint or $HRWATCH_ALERTS
    //  does; with neither, the default goes with the default control
    //  socket, and otherwise the command says what is missing.
    const char *env = getenv ("HRWATCH_ALERTS");
    const char *found = env? env: HRW_DEFAULT_ALERTS;
    const char *alerts = o->alerts? o->alerts: env || !*ep? found: "ALERTS_ENDPOINT";
    char aep[S_EP] = "";
    if (strcmp (alerts, found))
        snprintf (aep, sizeof (aep), " --alerts-endpoint %s", alerts);
    snprintf (out[n++], S_LINE, "hrwatch subscribe --text%s%s", aep, ep);
    return n;
}

//  "as of 2025-12-30 (event time)", saying what the time is.
static void
s_as_of_words (const s_counts_t *c, char *out, size_t cap)
{
    char as_of[48], latest[48];
    s_date (c->as_of, as_of, sizeof (as_of));
    s_date (c->latest, latest, sizeof (latest));
    switch (c->basis) {
        case S_BASIS_EVENT:
            snprintf (out, cap, "as of %s (event time)", as_of);
            break;
        case S_BASIS_CLOCK:
            if (c->latest == HRW_TIME_NONE)
                snprintf (out, cap, "as of %s (the daemon's clock; no events yet)", as_of);
            else
                snprintf (out, cap, "as of %s (the daemon's clock, past the newest event, of %s)",
                          as_of, latest);
            break;
        case S_BASIS_NEWEST:
            snprintf (out, cap, "as of %s (the newest event's time)", as_of);
            break;
        default:
            snprintf (out, cap, "with no events and no clock yet");
            break;
    }
}

static void
s_print_text (const s_opts_t *o, const s_counts_t *c, Hrwatch__V1__Alert **sorted, size_t n_top)
{
    char as_of[160];
    s_as_of_words (c, as_of, sizeof (as_of));
    //  When the list holds part of what fires, every figure but the total
    //  counts that part: each is a least, and the most pressing are of it.
    const char *least = c->complete? "": "at least ";
    if (!c->firing)
        printf ("No alerts firing %s.\n", as_of);
    else {
        printf ("%" PRIu64 " alert%s firing %s", c->firing, c->firing == 1? "": "s", as_of);
        if (c->complete)
            printf (":");
        else
            printf (". One answer lists only %" PRIu64 " of them; of those:", c->listed);
        const char *sep = " ";
        for (size_t k = 0; k < S_N_KINDS; k++) {
            int kind = (int) s_kinds[k];
            uint64_t total = s_kind_total (c, kind);
            if (!total)
                continue;
            printf ("%s%s%" PRIu64 " %s (", sep, least, total, total == 1? s_kind_one[kind]
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
        printf (".\nBy severity%s: %" PRIu64 " critical, %" PRIu64 " warning, %" PRIu64 " info.",
                c->complete? "": ", at least", c->by_severity[3], c->by_severity[2],
                c->by_severity[1]);
        if (c->silenced)
            printf (" %s%" PRIu64 " of them silenced (recorded, not published).", least,
                    c->silenced);
        printf ("\n");
        if (n_top && c->complete)
            printf ("Most pressing (highest severity, then succession, turnover, engagement, "
                    "development; longest firing first):\n");
        else if (n_top)
            printf ("Most pressing of the %" PRIu64 " listed (highest severity, then "
                    "succession, turnover, engagement, development; longest firing first):\n",
                    c->listed);
    }
    for (size_t i = 0; i < n_top; i++) {
        const Hrwatch__V1__Alert *a = sorted[i];
        char subject[384], since[48];
        int64_t started = s_started (a);
        s_date (started, since, sizeof (since));
        s_subject (a, subject, sizeof (subject));
        long long days = s_age_days (started, c->as_of);
        printf ("  %zu. %s %s %s%s, firing since %s", i + 1, s_severity[s_severity_of (a)],
                s_kind_one[s_kind_of (a)], subject, a->silenced? " (silenced)": "", since);
        if (days == 0)
            printf (" (less than a day)");
        else if (days > 0)
            printf (" (%lld day%s)", days, days == 1? "": "s");
        printf (".\n");
        if (*a->summary)
            printf ("     %s\n", a->summary);
    }
    char next[8][S_LINE];
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
    static const char *bases[] = { NULL, "event_time", "daemon_clock", "newest_event" };
    json_t *root = json_object ();
    json_object_set_new (root, "asOf", s_time_json (c->as_of));
    json_object_set_new (root, "asOfBasis", bases[c->basis]? json_string (bases[c->basis])
                                                           : json_null ());
    json_object_set_new (root, "latestEventAt", s_time_json (c->latest));
    json_object_set_new (root, "firing", json_integer ((json_int_t) c->firing));
    json_object_set_new (root, "listed", json_integer ((json_int_t) c->listed));
    json_object_set_new (root, "complete", json_boolean (c->complete));
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
    char next[8][S_LINE];
    size_t n_next = s_next (o, sorted, n_top, next, 8);
    json_t *where = json_array ();
    for (size_t i = 0; i < n_next; i++)
        json_array_append_new (where, json_string (next[i]));
    json_object_set_new (root, "next", where);
    hrw_client_print_json (root);
}

//  From the status: the alert clock (else the newest event's time) and what
//  it is, and how many alerts fire, all of them (*firing). Returns 0, or -1
//  when the daemon does not answer.
static int
s_status (const s_opts_t *o, s_counts_t *c, uint64_t *firing)
{
    Hrwatch__V1__StatusRequest sr = HRWATCH__V1__STATUS_REQUEST__INIT;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_STATUS;
    req.status = &sr;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        o->endpoint, &req, o->timeout_ms, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_STATUS);
    if (!resp)
        return -1;
    const Google__Protobuf__Timestamp *clock = resp->status->clock;
    const Google__Protobuf__Timestamp *latest = resp->status->latest_event_at;
    c->latest = latest? hrw_clock_from_parts (latest->seconds, latest->nanos): HRW_TIME_NONE;
    c->as_of = clock? hrw_clock_from_parts (clock->seconds, clock->nanos): c->latest;
    //  A live daemon's clock follows the wall clock past the newest event
    //  (so does one moved on with hrwatch advance): not event time.
    if (clock)
        c->basis = c->latest != HRW_TIME_NONE && c->as_of <= c->latest? S_BASIS_EVENT
                                                                       : S_BASIS_CLOCK;
    else
        c->basis = latest? S_BASIS_NEWEST: S_BASIS_NONE;
    *firing = resp->status->alerts_firing;
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}

int
hrw_cli_summary_main (int argc, char **argv)
{
    s_opts_t o = { hrw_client_control_endpoint (), NULL, 0, S_TOP_DEFAULT, 5000 };
    double timeout = 5;
    const hrw_cli_opt_t opts[] = {
        { "top", 'n', HRW_CLI_UINT, &o.top, 0, S_TOP_MAX, 0 },
        { "json", 'j', HRW_CLI_FLAG, &o.json, 0, 0, 1 },
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &o.endpoint, 0, 0, 0 },
        { "alerts-endpoint", 'A', HRW_CLI_ENDPOINT, &o.alerts, 0, 0, 0 },
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
    uint64_t firing = 0;
    Hrwatch__V1__ControlResponse *resp = NULL;
    Hrwatch__V1__Alert **sorted = NULL;
    rc = 2;
    if (s_status (&o, &c, &firing))
        goto cleanup;
    //  The firing alerts come in one answer (the daemon does not page
    //  them), of at most HRW_QUERY_ALERTS_MAX; the total is the status's.
    Hrwatch__V1__AlertsRequest ar = HRWATCH__V1__ALERTS_REQUEST__INIT;
    ar.active = 1;
    ar.limit = HRW_QUERY_ALERTS_MAX;
    ar.prefix = (char *) "";
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS;
    req.alerts = &ar;
    resp = hrw_client_ask (o.endpoint, &req, o.timeout_ms,
                           HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_ALERTS);
    if (!resp)
        goto cleanup;
    size_t n = resp->alerts->n_alerts;
    s_count (&c, resp->alerts->alerts, n);
    //  A list short of the limit is all there is, and then its own count
    //  is the total: the status came a moment earlier and may be behind.
    c.complete = n < HRW_QUERY_ALERTS_MAX || firing <= n;
    c.firing = c.complete? n: firing;
    sorted = calloc (n? n: 1, sizeof (*sorted));
    if (!sorted) {
        fprintf (stderr, "hrwatch: summary: out of memory for %zu alerts\n", n);
        goto cleanup;
    }
    //  An empty list comes as a NULL array, which memcpy must not be given.
    if (n) {
        memcpy (sorted, resp->alerts->alerts, n * sizeof (*sorted));
        qsort (sorted, n, sizeof (*sorted), s_compare);
    }
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
