/*  report: `hrwatch report`. The leaders' report of a unit's subtree (or
    the whole company): one ReportRequest to the control socket, a read any
    client may make, answered by the daemon in one consistent snapshot;
    printed as text, as the WorkforceReport in JSON, or written as one HTML
    page (report_html.c). */
#include "tools/report.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/clock.h"
#include "tools/cli.h"
#include "tools/client.h"
#include "workers/query.h"

static const char *s_usage =
    "usage: hrwatch report [--html FILE] [--text] [--json] [--unit UNIT] [--months N]\n"
    "                      [--endpoint E] [--timeout S]\n"
    "  The leaders' report of UNIT and everything below it (default: the whole\n"
    "  company), at the daemon's event-time clock: headcount and exits month by\n"
    "  month against what the baseline expects, turnover and bench strength by\n"
    "  unit, engagement by closed survey cycle, critical positions with their\n"
    "  successors and mentors, and the alerts firing. --months N: months of\n"
    "  history, 1 to 120 (default 24). --html FILE writes one self-contained page\n"
    "  (charts drawn in SVG, no script, nothing fetched); --text prints it (the\n"
    "  default when neither --html nor --json is given); --json prints the\n"
    "  WorkforceReport (docs/report.md). An unknown unit exits 2.\n";

const char *
hrw_report_kind_name (int kind, char *buf, size_t cap)
{
    const ProtobufCEnumValue *v
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__alert_kind__descriptor, kind);
    const char *prefix = "ALERT_KIND_";
    if (!v || strncmp (v->name, prefix, strlen (prefix))) {
        snprintf (buf, cap, "kind %d", kind);
        return buf;
    }
    size_t n = 0;
    for (const char *p = v->name + strlen (prefix); *p && n + 1 < cap; p++)
        buf[n++] = (char) tolower ((unsigned char) *p);
    buf[n] = '\0';
    return buf;
}

int
hrw_report_kind_explained (int kind)
{
    switch (kind) {
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP:
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_BENCH_STRENGTH:
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP:
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE:
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_REDUCTION_IN_FORCE:
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP:
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE:
            return 1;
        default:
            return 0;
    }
}

const char *
hrw_report_date (const Google__Protobuf__Timestamp *t, char *buf, size_t cap)
{
    char full[48];
    if (!t || cap < 11) {
        snprintf (buf, cap, "-");
        return buf;
    }
    hrw_clock_format (hrw_clock_from_parts (t->seconds, t->nanos), full, sizeof (full));
    snprintf (buf, cap, "%.10s", full);
    return buf;
}

uint32_t
hrw_report_units_total (const Hrwatch__V1__WorkforceReport *w)
{
    return w->units_total > w->n_units? w->units_total: (uint32_t) w->n_units;
}

uint32_t
hrw_report_positions_total (const Hrwatch__V1__WorkforceReport *w)
{
    return w->critical_positions_total > w->n_positions? w->critical_positions_total
                                                        : (uint32_t) w->n_positions;
}

uint32_t
hrw_report_alerts_total (const Hrwatch__V1__WorkforceReport *w)
{
    return w->alerts_firing_total > w->n_alerts? w->alerts_firing_total: (uint32_t) w->n_alerts;
}

const char *
hrw_report_cut_note (const Hrwatch__V1__WorkforceReport *w, const char *what, char *buf,
                     size_t cap)
{
    if (!strcmp (what, "units"))
        snprintf (buf, cap, "This list shows the first %zu of %u units.", w->n_units,
                  hrw_report_units_total (w));
    else if (!strcmp (what, "positions"))
        snprintf (buf, cap, "This list shows the first %zu of %u critical positions.",
                  w->n_positions, hrw_report_positions_total (w));
    else if (!strcmp (what, "alerts"))
        snprintf (buf, cap, "This list shows the first %zu of %u alerts firing.", w->n_alerts,
                  hrw_report_alerts_total (w));
    else if (!strcmp (what, "engagement"))
        snprintf (buf, cap, "This list shows the latest %zu closed survey cycles; older ones "
                  "are left out.", w->n_engagement);
    else
        snprintf (buf, cap, "This list of %.64s shows only part of it.", what);
    return buf;
}

const char *
hrw_report_signal_meaning (int kind)
{
    switch (kind) {
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_EARLY_TENURE_EXITS:
            return "More of the people leaving had joined only recently than is usual: new "
                   "hires are going before they settle (look at hiring and onboarding).";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_MANAGER_HOTSPOT:
            return "More of one manager's direct reports left of their own choice than their "
                   "unit's history predicts: a place to look, not a verdict on the manager.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_UNMENTORED:
            return "Someone the succession plan counts on has had no mentor for months.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_DEVELOPMENT_STALLED:
            return "A successor's readiness for a role has not improved for a year: the plan "
                   "may be stale, or their development is not working.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SCHEDULED_EXITS:
            return "More people have already handed in their notice, for the coming weeks, "
                   "than leave in a usual month: the exits are known before they happen.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_AT_RISK:
            return "A critical role's only ready-now successor is in a unit where people are "
                   "leaving fast or engagement just fell.";
        default:
            return "";
    }
}

//  Critical first, then warning, then info, then anything else.
static int
s_severity_rank (int severity)
{
    switch (severity) {
        case HRWATCH__V1__SEVERITY__SEVERITY_CRITICAL: return 0;
        case HRWATCH__V1__SEVERITY__SEVERITY_WARNING: return 1;
        case HRWATCH__V1__SEVERITY__SEVERITY_INFO: return 2;
        default: return 3;
    }
}

static int
s_cmp_alert (const void *pa, const void *pb)
{
    const Hrwatch__V1__Alert *a = *(const Hrwatch__V1__Alert *const *) pa;
    const Hrwatch__V1__Alert *b = *(const Hrwatch__V1__Alert *const *) pb;
    int ra = s_severity_rank (a->severity), rb = s_severity_rank (b->severity);
    if (ra != rb)
        return ra < rb? -1: 1;
    int64_t ta = a->started_at? hrw_clock_from_parts (a->started_at->seconds,
                                                      a->started_at->nanos): INT64_MAX;
    int64_t tb = b->started_at? hrw_clock_from_parts (b->started_at->seconds,
                                                      b->started_at->nanos): INT64_MAX;
    if (ta != tb)
        return ta < tb? -1: 1;
    return strcmp (a->fingerprint? a->fingerprint: "", b->fingerprint? b->fingerprint: "");
}

const Hrwatch__V1__Alert **
hrw_report_alerts_sorted (const Hrwatch__V1__WorkforceReport *w, size_t *n)
{
    *n = 0;
    if (!w->n_alerts)
        return NULL;
    const Hrwatch__V1__Alert **list = malloc (w->n_alerts * sizeof (*list));
    if (!list)
        return NULL;
    for (size_t i = 0; i < w->n_alerts; i++)
        list[i] = w->alerts[i];
    qsort (list, w->n_alerts, sizeof (*list), s_cmp_alert);
    *n = w->n_alerts;
    return list;
}

long
hrw_report_days (const Google__Protobuf__Timestamp *a, const Google__Protobuf__Timestamp *b)
{
    if (!a || !b)
        return 0;
    int64_t d = hrw_clock_from_parts (b->seconds, b->nanos)
              - hrw_clock_from_parts (a->seconds, a->nanos);
    return d > 0? (long) (d / (86400LL * HRW_US_PER_SEC)): 0;
}

int
hrw_report_unit_small (const Hrwatch__V1__WorkforceReport *w, const Hrwatch__V1__ReportUnit *u)
{
    return u->headcount < (int64_t) w->min_headcount;
}

const char *
hrw_report_readiness (int readiness)
{
    static const char *words[] = { "readiness not given", "ready now", "ready in 1-2 years",
                                   "ready in 3+ years" };
    return readiness >= 0 && readiness <= 3? words[readiness]: "readiness unknown";
}

static void
s_print_text (const Hrwatch__V1__WorkforceReport *w)
{
    char d[16], d2[16], kind[64];
    printf ("Workforce report: %s, data as of %s (event time)\n",
            *w->unit_id? w->unit_id: "the whole company", hrw_report_date (w->clock, d, sizeof (d)));
    if (*w->name)
        printf ("Unit name: %s\n", w->name);
    printf ("Headcount now: %lld\n", (long long) w->headcount);
    size_t gaps_listed = 0;
    for (size_t i = 0; i < w->n_positions; i++)
        gaps_listed += w->positions[i]->gap? 1: 0;
    printf ("Units: %u; critical roles: %u, %u with a succession gap; alerts firing: %u\n",
            hrw_report_units_total (w), hrw_report_positions_total (w),
            w->gaps_total > gaps_listed? w->gaps_total: (uint32_t) gaps_listed,
            hrw_report_alerts_total (w));

    printf ("\nMonth by month (headcount at the month's end; voluntary exits against what the "
            "baseline expects, usual range 5%%-95%%; involuntary exits):\n");
    for (size_t i = 0; i < w->n_months; i++) {
        const Hrwatch__V1__ReportMonth *m = w->months[i];
        if (!m->known) {
            printf ("  %.7s  no data\n", hrw_report_date (m->month_start, d, sizeof (d)));
            continue;
        }
        char range[64];
        if (m->baseline_judged)
            snprintf (range, sizeof (range), "usual %u-%u", m->expected_low, m->expected_high);
        else
            snprintf (range, sizeof (range), "usual range: not enough history");
        printf ("  %.7s  headcount %6lld  voluntary %4llu (expected %.1f, %s)  "
                "involuntary %4llu%s\n", hrw_report_date (m->month_start, d, sizeof (d)),
                (long long) m->headcount, (unsigned long long) m->voluntary_exits,
                m->expected_voluntary, range, (unsigned long long) m->involuntary_exits,
                m->turnover_alert? "  [turnover alert]": "");
    }

    printf ("\nUnits (voluntary turnover over the last %u days, a year's rate; bench strength: "
            "critical roles with a ready-now successor; no rate for a unit of fewer than %u people):\n",
            w->window_days, w->min_headcount);
    for (size_t i = 0; i < w->n_units; i++) {
        const Hrwatch__V1__ReportUnit *u = w->units[i];
        char turnover[64], bench[64];
        if (hrw_report_unit_small (w, u))
            snprintf (turnover, sizeof (turnover), "turnover: too few people to judge");
        else if (u->turnover_rate_known)
            snprintf (turnover, sizeof (turnover), "turnover %5.1f%% (baseline %.1f%%)",
                      u->turnover_annualised * 100, u->baseline_annualised * 100);
        else
            snprintf (turnover, sizeof (turnover), "turnover not known yet");
        if (u->critical_positions)
            snprintf (bench, sizeof (bench), "bench %u/%u (%.0f%%)", u->covered_positions,
                      u->critical_positions, u->bench_strength * 100);
        else
            snprintf (bench, sizeof (bench), "no critical roles");
        printf ("  %*s%-*s headcount %5lld  %s  %s\n", (int) u->depth * 2, "",
                20 - (int) (u->depth * 2 < 18? u->depth * 2: 18), u->unit_id,
                (long long) u->headcount, turnover, bench);
    }

    printf ("\nEngagement by closed survey cycle (at least %u respondents to be reported):\n",
            w->min_respondents);
    if (!w->n_engagement)
        printf ("  no closed survey cycle\n");
    for (size_t i = 0; i < w->n_engagement; i++) {
        const Hrwatch__V1__ReportCycle *c = w->engagement[i];
        if (!c->reported) {
            printf ("  %-12s closed %s  not enough responses to report\n", c->survey_cycle_id,
                    hrw_report_date (c->closed_at, d, sizeof (d)));
            continue;
        }
        char enps[32] = "eNPS not reported";
        if (c->enps_reported)
            snprintf (enps, sizeof (enps), "eNPS %+.0f", c->enps);
        printf ("  %-12s closed %s  %u respondents, engagement %.2f of 5, %s\n",
                c->survey_cycle_id, hrw_report_date (c->closed_at, d, sizeof (d)),
                c->respondents, c->mean_engagement, enps);
    }

    printf ("\nCritical positions:\n");
    if (!w->n_positions)
        printf ("  none\n");
    for (size_t i = 0; i < w->n_positions; i++) {
        const Hrwatch__V1__ReportPosition *p = w->positions[i];
        printf ("  %s (%s, %s): %s%s; %u ready now%s\n", p->position_id, *p->title? p->title: "-",
                p->unit_id, p->vacant? "vacant": "held by ", p->vacant? "": p->incumbent_id,
                p->ready_now, p->gap? "; SUCCESSION GAP": "");
        for (size_t j = 0; j < p->n_successors; j++) {
            const Hrwatch__V1__ReportSuccessor *s = p->successors[j];
            printf ("    successor %s, %s, %s%s, %s%s\n", s->employee_id,
                    hrw_report_readiness (s->readiness), s->counted? "counted": "not counted: ",
                    s->counted? "": s->not_counted_because, *s->mentor_id? "mentor ": "no mentor",
                    s->mentor_id);
        }
    }

    size_t n_sorted;
    const Hrwatch__V1__Alert **sorted = hrw_report_alerts_sorted (w, &n_sorted);
    const Hrwatch__V1__Alert *const *list = sorted? sorted: (const Hrwatch__V1__Alert *const *)
                                                           w->alerts;
    for (int signals = 0; signals < 2; signals++) {
        printf ("\n%s\n", signals? "Signals (further alert kinds, critical, then warning, then "
                                   "info, oldest first; the summary is as measured when it "
                                   "fired):"
                                 : "Alerts firing (highest severity, then oldest, first):");
        size_t shown = 0;
        for (size_t i = 0; i < w->n_alerts; i++) {
            const Hrwatch__V1__Alert *a = list[i];
            if (hrw_report_kind_explained (a->kind) == signals)
                continue;
            const ProtobufCEnumValue *sev
                = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__severity__descriptor,
                                                        a->severity);
            const char *sev_name = sev && !strncmp (sev->name, "SEVERITY_", 9)? sev->name + 9: "?";
            if (!signals)
                printf ("  %s %s %s since %s: %s\n", sev_name,
                        hrw_report_kind_name (a->kind, kind, sizeof (kind)), a->subject,
                        hrw_report_date (a->started_at, d2, sizeof (d2)), a->summary);
            else {
                printf ("  %s %s %s, firing since %s (%ld days)\n", sev_name,
                        hrw_report_kind_name (a->kind, kind, sizeof (kind)), a->subject,
                        hrw_report_date (a->started_at, d2, sizeof (d2)),
                        hrw_report_days (a->started_at, w->clock));
                if (*hrw_report_signal_meaning (a->kind))
                    printf ("      what it means: %s\n", hrw_report_signal_meaning (a->kind));
                printf ("      when it fired: %s\n", a->summary);
            }
            shown++;
        }
        if (!shown)
            printf ("  none\n");
    }
    free (sorted);
    for (size_t i = 0; i < w->n_truncated; i++) {
        char note[160];
        printf ("\nNote: %s\n", hrw_report_cut_note (w, w->truncated[i], note, sizeof (note)));
    }
}

//  Writes the page to path: into a new file of its own beside it (made
//  with O_EXCL, so nothing already there, a link least of all, is written
//  through), synced, then renamed over path, so a reader never sees half a
//  page. path itself must be a regular file or not exist: a device, a
//  directory or a link there is refused, not replaced. The page holds
//  workforce figures: it is made 0600. Returns 0, or 1 with a message.
static int
s_write_html (const char *path, const Hrwatch__V1__WorkforceReport *w)
{
    struct stat st;
    if (lstat (path, &st) == 0 && !S_ISREG (st.st_mode)) {
        fprintf (stderr, "hrwatch: report: %s is %s, not a regular file: not replaced\n", path,
                 S_ISLNK (st.st_mode)? "a symbolic link": S_ISDIR (st.st_mode)? "a directory"
                                                         : "a device or special file");
        return 1;
    }
    size_t n = strlen (path) + 16;
    char *tmp = malloc (n);
    if (!tmp) {
        fprintf (stderr, "hrwatch: report: out of memory\n");
        return 1;
    }
    //  In the same directory, so the rename stays within one file system.
    const char *slash = strrchr (path, '/');
    int dlen = slash? (int) (slash - path + 1): 0;
    snprintf (tmp, n, "%.*s.%s.XXXXXX", dlen, path, slash? slash + 1: path);
    const char *failed = path;
    int made = 0;
    FILE *f = NULL;
    int fd = mkstemp (tmp);
    if (fd < 0)
        goto fail;
    made = 1;
    failed = tmp;
    if (!(f = fdopen (fd, "w")))
        goto fail;
    fd = -1;
    if (hrw_report_html_write (f, w) || fflush (f) || fsync (fileno (f)))
        goto fail;
    int closed = fclose (f);
    f = NULL;
    if (closed)
        goto fail;
    failed = path;
    if (rename (tmp, path))
        goto fail;
    free (tmp);
    return 0;
fail:;
    int err = errno;
    if (f)
        fclose (f);
    if (fd >= 0)
        close (fd);
    if (made)
        unlink (tmp);
    fprintf (stderr, "hrwatch: report: cannot write %s: %s\n", failed, strerror (err));
    free (tmp);
    return 1;
}

int
hrw_cli_report_main (int argc, char **argv)
{
    const char *endpoint = hrw_client_control_endpoint ();
    const char *html = NULL, *unit = "";
    int text = 0, json = 0;
    uint64_t months = HRW_QUERY_REPORT_MONTHS_DEFAULT;
    double timeout = 30;
    const hrw_cli_opt_t opts[] = {
        { "html", 'o', HRW_CLI_STRING, &html, 0, 0, 0 },
        { "text", 0, HRW_CLI_FLAG, &text, 0, 0, 1 },
        { "json", 'j', HRW_CLI_FLAG, &json, 0, 0, 1 },
        { "unit", 'u', HRW_CLI_STRING, &unit, 0, 0, 0 },
        { "months", 'm', HRW_CLI_UINT, &months, 1, HRW_QUERY_REPORT_MONTHS_MAX, 0 },
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &endpoint, 0, 0, 0 },
        { "timeout", 't', HRW_CLI_REAL, &timeout, 0.001, 86400, 0 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    int n_args = 0;
    int rc = hrw_cli_parse (argc, argv, opts, s_usage, NULL, 0, &n_args);
    if (rc)
        return hrw_cli_exit (rc);
    if (text && json) {
        fprintf (stderr, "hrwatch: report: --text or --json, not both\n");
        return hrw_cli_usage (s_usage);
    }
    if (!html && !json)
        text = 1;

    Hrwatch__V1__ReportRequest rr = HRWATCH__V1__REPORT_REQUEST__INIT;
    rr.unit_id = (char *) unit;
    rr.months = (uint32_t) months;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_REPORT;
    req.report = &rr;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        endpoint, &req, (int) (timeout * 1000), HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_REPORT);
    if (!resp)
        return 2;
    rc = 0;
    if (html)
        rc = s_write_html (html, resp->report);
    if (json)
        hrw_client_print_message (&resp->report->base);
    else if (text)
        s_print_text (resp->report);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return rc;
}
