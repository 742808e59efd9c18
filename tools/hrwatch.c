/*  hrwatch: the command-line tool. Publishes events, queries and
    administers a running hrwatchd. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/alerts.h"
#include "tools/cli.h"
#include "tools/import_csv.h"
#include "tools/client.h"
#include "tools/publish.h"
#include "tools/report.h"
#include "tools/summary.h"
#include "daemon/curve.h"
#include "lib/clock.h"
#include "workers/validate.h"

typedef struct {
    const char *endpoint;   //  --endpoint
    int json;               //  --json
    int digest;             //  --digest (status)
    int timeout_ms;         //  --timeout
    uint32_t limit;         //  --limit (rejected)
    uint64_t after;         //  --after (rejected)
    char *args[1];          //  What is not an option
    int n_args;             //  ... how many
} s_opts_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: hrwatch [--server-key FILE] [--key FILE] COMMAND [OPTIONS]\n"
             "  --server-key, --key: CURVE on tcp:// (the server's public key file and this\n"
             "  client's key pair; or HRWATCH_SERVER_KEY and HRWATCH_KEY)\n"
             "commands:\n"
             "  publish [FILE]   send events (JSON lines, hrwatch.v1.Event) and wait for acks\n"
             "  import-csv FILE --mapping MAP  publish what changed in an HRIS export (CSV)\n"
             "  status           counts of the workforce state and of ingested events\n"
             "  rejected         rejected events kept for inspection, with their reasons\n"
             "  alerts [PREFIX]  the firing alerts\n"
             "  summary          the firing alerts in a few sentences: counts, the most pressing\n"
             "  report           the leaders' report: text, JSON, or one HTML page with charts\n"
             "  subscribe [PREFIX]  alert changes as JSON lines, caught up from --after SEQ\n"
             "  advance [TIME]   move the event-time clock (after a held-back replay)\n"
             "  silence add|list|remove  mute the alerts that match kind, severity, unit, subject\n"
             "  unit UNIT        headcount, turnover against baseline, engagement, bench\n"
             "  position POS     incumbent, successors by readiness, succession gap\n"
             "  backup [NAME]    a consistent copy of the running store, in its backup_dir\n"
             "  keygen [--force] NAME  a CURVE key pair: NAME.key (secret) and NAME.pub\n"
             "  version          print the version\n"
             "--json prints what a command prints as JSON, every field there.\n"
             "Run 'hrwatch COMMAND --help' for a command's options.\n");
}

//  The options the query subcommands share, those of them named in names;
//  at most max_args arguments. Returns 0, or what hrw_cli_parse returns.
static int
s_parse (int argc, char **argv, s_opts_t *o, const char *usage, int max_args, const char *names)
{
    double timeout = 5;
    uint64_t limit = 0;
    const hrw_cli_opt_t opts[] = {
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &o->endpoint, 0, 0, 0 },
        { "json", 'j', HRW_CLI_FLAG, &o->json, 0, 0, 1 },
        { "digest", 'd', HRW_CLI_FLAG, &o->digest, 0, 0, 1 },
        { "timeout", 't', HRW_CLI_REAL, &timeout, 0.001, 86400, 0 },
        { "limit", 'n', HRW_CLI_UINT, &limit, 0, UINT32_MAX, 0 },
        { "after", 'a', HRW_CLI_UINT, &o->after, 0, (double) UINT64_MAX, 0 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    hrw_cli_opt_t mine[HRW_CLI_OPTS_MAX + 1];
    hrw_cli_select (opts, names, mine);
    o->endpoint = hrw_client_control_endpoint ();
    int rc = hrw_cli_parse (argc, argv, mine, usage, o->args, max_args, &o->n_args);
    o->timeout_ms = (int) (timeout * 1000);
    o->limit = (uint32_t) limit;
    return rc;
}

static void
s_print_status (const Hrwatch__V1__Status *s)
{
    char when[48] = "-";
    if (s->latest_event_at)
        hrw_clock_format (hrw_clock_from_parts (s->latest_event_at->seconds,
                                                s->latest_event_at->nanos), when, sizeof (when));
    printf ("employees         %" PRIu64 " active, %" PRIu64 " exited\n", s->employees_active,
            s->employees_exited);
    printf ("org units         %" PRIu64 "\n", s->units);
    printf ("positions         %" PRIu64 " (%" PRIu64 " critical)\n", s->positions,
            s->critical_positions);
    printf ("nominations       %" PRIu64 " active\n", s->nominations);
    printf ("mentorships       %" PRIu64 " active\n", s->mentorships);
    printf ("survey responses  %" PRIu64 "\n", s->survey_responses);
    printf ("events            %" PRIu64 " accepted, %" PRIu64 " duplicate, %" PRIu64
            " rejected (%" PRIu64 " kept)\n", s->events_accepted, s->events_duplicate,
            s->events_rejected, s->rejected_kept);
    printf ("latest event      %s\n", when);
    char clock[48] = "-";
    if (s->clock)
        hrw_clock_format (hrw_clock_from_parts (s->clock->seconds, s->clock->nanos), clock,
                          sizeof (clock));
    printf ("event-time clock  %s (%" PRIu64 " events held for it)\n", clock, s->events_pending);
    printf ("alerts            %" PRIu64 " firing, last change #%" PRIu64 "\n", s->alerts_firing,
            s->alert_seq);
    printf ("store             %.1f MiB used of a %.1f MiB map (schema %u)\n",
            (double) s->map_used_bytes / 1048576.0, (double) s->map_size_bytes / 1048576.0,
            s->schema_version);
    if (*s->state_digest)
        printf ("state digest      %s\n", s->state_digest);
}

typedef enum { S_STATUS, S_UNIT, S_POSITION } s_shown_t;

static void s_print_unit (const Hrwatch__V1__UnitReport *u);
static void s_print_position (const Hrwatch__V1__PositionReport *p);

//  Prints a query's answer (json, from libhrwatch) as it is with --json,
//  else field by field; releases it. Returns the exit code.
static int
s_show (char *json, int as_json, const ProtobufCMessageDescriptor *desc, s_shown_t what)
{
    if (!json)
        return 2;
    int rc = 0;
    if (as_json)
        printf ("%s\n", json);
    else {
        ProtobufCMessage *m = hrw_client_message (desc, json);
        if (!m)
            rc = 2;
        else if (what == S_STATUS)
            s_print_status ((Hrwatch__V1__Status *) m);
        else if (what == S_UNIT)
            s_print_unit ((Hrwatch__V1__UnitReport *) m);
        else
            s_print_position ((Hrwatch__V1__PositionReport *) m);
        if (m)
            protobuf_c_message_free_unpacked (m, NULL);
    }
    hrwatch_free (json);
    return rc;
}

static int
s_status (int argc, char **argv)
{
    s_opts_t o = { 0 };
    int rc = s_parse (argc, argv, &o,
                      "usage: hrwatch status [--endpoint E] [--json] [--digest] [--timeout S]\n", 0,
                      "endpoint json digest timeout");
    if (rc)
        return hrw_cli_exit (rc);
    if (!o.digest)
        return s_show (hrw_client_query (o.endpoint, HRW_QUERY_STATUS, NULL, o.timeout_ms),
                       o.json, &hrwatch__v1__status__descriptor, S_STATUS);
    //  The digest is a request option libhrwatch's status query leaves out.
    Hrwatch__V1__StatusRequest sr = HRWATCH__V1__STATUS_REQUEST__INIT;
    sr.digest = o.digest;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_STATUS;
    req.status = &sr;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        o.endpoint, &req, o.timeout_ms, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_STATUS);
    if (!resp)
        return 2;
    if (o.json)
        hrw_client_print_message (&resp->status->base);
    else
        s_print_status (resp->status);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}

static void
s_print_rejected (const Hrwatch__V1__RejectedEvent *r, int as_json)
{
    if (as_json) {
        hrw_client_print_message (&r->base);
        return;
    }
    char when[48] = "-";
    if (r->received_at)
        hrw_clock_format (hrw_clock_from_parts (r->received_at->seconds, r->received_at->nanos),
                          when, sizeof (when));
    printf ("#%" PRIu64 " %s %s %s%sevent %s, field %s: %s\n", r->seq, when,
            hrw_reason_name (r->reason), r->event_type, *r->event_type? " ": "",
            *r->event_id? r->event_id: "(unknown)", *r->field? r->field: "-", r->message);
}

static int
s_rejected (int argc, char **argv)
{
    s_opts_t o = { 0 };
    int rc = s_parse (argc, argv, &o,
                      "usage: hrwatch rejected [--endpoint E] [--json] [--limit N] [--after SEQ]"
                      " [--timeout S]\n"
                      "  The rejected events kept, oldest first: --limit of them (default 100,\n"
                      "  at most 1000), numbered after --after SEQ; page on with the last\n"
                      "  number printed.\n", 0, "endpoint json limit after timeout");
    if (rc)
        return hrw_cli_exit (rc);
    Hrwatch__V1__RejectedRequest rr = HRWATCH__V1__REJECTED_REQUEST__INIT;
    rr.limit = o.limit;
    rr.after_seq = o.after;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_REJECTED;
    req.rejected = &rr;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        o.endpoint, &req, o.timeout_ms, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_REJECTED);
    if (!resp)
        return 2;
    for (size_t i = 0; i < resp->rejected->n_events; i++)
        s_print_rejected (resp->rejected->events[i], o.json);
    if (!o.json && resp->rejected->n_events == 0)
        printf ("no rejected events kept\n");
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}

static void
s_print_unit (const Hrwatch__V1__UnitReport *u)
{
    char when[48] = "-";
    if (u->clock)
        hrw_clock_format (hrw_clock_from_parts (u->clock->seconds, u->clock->nanos), when,
                          sizeof (when));
    printf ("unit              %s%s%s%s\n", u->unit_id, *u->name? " (": "", u->name,
            *u->name? ")": "");
    printf ("path              ");
    for (size_t i = 0; i < u->n_unit_path; i++)
        printf ("%s%s", i? " / ": "", u->unit_path[i]);
    printf ("\nas of             %s (event time)\n", when);
    printf ("headcount         %" PRId64 " (with the units below)\n", u->headcount);
    printf ("voluntary exits   %" PRIu64 " in %u days (%" PRIu64 " regretted), %.1f expected",
            u->voluntary_exits, u->window_days, u->regretted_exits, u->expected_exits);
    if (u->turnover_judged)
        printf (", p=%.2g\n", u->p_value);
    else
        printf (" (not judged: less than a baseline period of exit history)\n");
    //  A rate over a handful of person-days would read as thousands of
    //  percent a year: the daemon says when it has too few to give one.
    if (u->turnover_rate_known)
        printf ("turnover          %.1f%% a year in the window, baseline %.1f%%\n",
                u->turnover_annualised * 100, u->baseline_annualised * 100);
    else
        printf ("turnover          not enough time: %.0f person-days in the window; "
                "baseline %.1f%%\n", u->window_person_days, u->baseline_annualised * 100);
    if (u->rise_cusum > 0)
        printf ("sustained rise    CUSUM %.2f\n", u->rise_cusum);
    if (u->rif_exits)
        printf ("reduction in force %" PRIu64 " exits in the window\n", u->rif_exits);
    if (u->scheduled_exits) {
        char next[48] = "-";
        if (u->next_scheduled_exit)
            hrw_clock_format (hrw_clock_from_parts (u->next_scheduled_exit->seconds,
                                                    u->next_scheduled_exit->nanos),
                              next, sizeof (next));
        next[10] = '\0';
        printf ("scheduled exits   %" PRIu64 " entered ahead (%" PRIu64 " voluntary), the next on "
                "%s; %" PRIu64 " voluntary in the next %u days, %.1f expected\n",
                u->scheduled_exits, u->scheduled_voluntary, next, u->scheduled_in_window,
                u->window_days, u->expected_in_window);
    }
    if (u->critical_positions)
        printf ("bench strength    %u of %u critical positions have a ready-now successor "
                "(%.0f%%)\n", u->covered_positions, u->critical_positions,
                u->bench_strength * 100);
    else
        printf ("bench strength    no critical positions\n");
    for (size_t i = 0; i < u->n_engagement; i++) {
        const Hrwatch__V1__CycleEngagement *e = u->engagement[i];
        if (e->reported && e->closed && e->enps_reported)
            printf ("engagement        %-10s %.2f of 5, eNPS %+.0f, %u respondents\n",
                    e->survey_cycle_id, e->mean_engagement, e->enps, e->respondents);
        else if (e->reported && e->closed)
            printf ("engagement        %-10s %.2f of 5, eNPS not reported (too few answered "
                    "it), %u respondents\n", e->survey_cycle_id, e->mean_engagement,
                    e->respondents);
        else if (e->reported)
            printf ("engagement        %-10s open: %u respondents so far, no score until "
                    "it closes\n", e->survey_cycle_id, e->respondents);
        else
            printf ("engagement        %-10s not reported: too few respondents\n",
                    e->survey_cycle_id);
    }
}

static void
s_print_position (const Hrwatch__V1__PositionReport *p)
{
    static const char *ready[] = { "-", "ready now", "ready in 1-2 years", "ready in 3+ years" };
    printf ("position          %s%s%s%s\n", p->position_id, *p->title? " (": "", p->title,
            *p->title? ")": "");
    printf ("unit              %s\n", *p->unit_id? p->unit_id: "-");
    printf ("critical          %s\n", p->critical? "yes": p->defined? "no": "not defined");
    printf ("incumbent         %s", *p->incumbent_id? p->incumbent_id: "-");
    if (p->vacant)
        printf (" (vacant%s%s)", *p->vacant_because? ": ": "", p->vacant_because);
    printf ("\n");
    for (int r = 1; r <= 3; r++)
        for (size_t i = 0; i < p->n_successors; i++) {
            const Hrwatch__V1__SuccessorEntry *e = p->successors[i];
            if ((int) e->readiness == r)
                printf ("successor         %-12s %s%s%s%s%s\n", e->employee_id, ready[r],
                        e->counted? "": ", not counted: ", e->not_counted_because,
                        *e->note? "; ": "", e->note);
        }
    printf ("succession        %u ready now; %s\n", p->ready_now,
            !p->critical? "not a critical position": p->gap? "GAP": "covered");
}

static int
s_report (int argc, char **argv, int position)
{
    s_opts_t o = { 0 };
    const char *usage = position
        ? "usage: hrwatch position POSITION [--json] [--endpoint E] [--timeout S]\n"
        : "usage: hrwatch unit UNIT [--json] [--endpoint E] [--timeout S]\n";
    int rc = s_parse (argc, argv, &o, usage, 1, "endpoint json timeout");
    if (rc)
        return hrw_cli_exit (rc);
    if (o.n_args != 1) {
        fprintf (stderr, "hrwatch: %s: which %s?\n", argv[0], position? "position": "unit");
        return hrw_cli_usage (usage);
    }
    const char *id = o.args[0];
    if (position)
        return s_show (hrw_client_query (o.endpoint, HRW_QUERY_POSITION, id, o.timeout_ms),
                       o.json, &hrwatch__v1__position_report__descriptor, S_POSITION);
    return s_show (hrw_client_query (o.endpoint, HRW_QUERY_UNIT, id, o.timeout_ms), o.json,
                   &hrwatch__v1__unit_report__descriptor, S_UNIT);
}

static int
s_backup (int argc, char **argv)
{
    s_opts_t o = { 0 };
    const char *usage = "usage: hrwatch backup [NAME] [--endpoint E] [--json]\n"
                        "  A consistent, compacted copy of the running store, written by hrwatchd\n"
                        "  into a new directory NAME (default: from the time) under its\n"
                        "  [control] backup_dir. Administration: needs the ipc:// control\n"
                        "  socket or an admins key.\n";
    int rc = s_parse (argc, argv, &o, usage, 1, "endpoint json");
    if (rc)
        return hrw_cli_exit (rc);
    const char *name = o.n_args? o.args[0]: "";
    Hrwatch__V1__BackupRequest br = HRWATCH__V1__BACKUP_REQUEST__INIT;
    br.directory = (char *) name;
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_BACKUP;
    req.backup = &br;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        o.endpoint, &req, 600000, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_BACKUP);
    if (!resp)
        return 2;
    if (o.json)
        hrw_client_print_message (&resp->backup->base);
    else
        printf ("backup written to %s (%.1f MiB)\n", resp->backup->directory,
                (double) resp->backup->bytes / 1048576.0);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}

static int
s_keygen (int argc, char **argv)
{
    static const char *usage =
        "usage: hrwatch keygen [--force] [--json] NAME\n"
        "  Writes a CURVE key pair: NAME.key (both keys, mode 0600) and NAME.pub\n"
        "  (the public key, for allowlists and --server-key). An existing file\n"
        "  is refused unless --force, which replaces both.\n";
    int force = 0, json = 0, n_args = 0;
    char *args[1];
    const hrw_cli_opt_t opts[] = {
        { "force", 0, HRW_CLI_FLAG, &force, 0, 0, 1 },
        { "json", 'j', HRW_CLI_FLAG, &json, 0, 0, 1 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    int rc = hrw_cli_parse (argc, argv, opts, usage, args, 1, &n_args);
    if (rc)
        return hrw_cli_exit (rc);
    if (n_args != 1) {
        fprintf (stderr, "hrwatch: keygen: a NAME for the key files is required\n");
        return hrw_cli_usage (usage);
    }
    const char *name = args[0];
    hrw_curve_keys_t keys;
    int at = 0;
    rc = hrw_curve_keygen (name, force, &keys, &at);
    explicit_bzero (keys.secret_key, sizeof (keys.secret_key));
    if (rc == EEXIST)
        fprintf (stderr, "hrwatch: keygen: %s%s already exists (a file or a link); nothing "
                 "written; use --force to replace it\n", name, at? ".pub": ".key");
    else if (rc)
        fprintf (stderr, "hrwatch: keygen: %s%s: %s%s\n", name, at? ".pub": ".key",
                 strerror (rc), force? "": "; nothing written");
    if (rc)
        return 2;
    char secret[4096], public[4096];
    snprintf (secret, sizeof (secret), "%s.key", name);
    snprintf (public, sizeof (public), "%s.pub", name);
    if (json)
        hrw_client_print_json (json_pack ("{s:s, s:s, s:s}", "secretKeyFile", secret,
                                          "publicKeyFile", public, "publicKey", keys.public_key));
    else
        printf ("%s (secret) and %s written; public key %s\n", secret, public, keys.public_key);
    return 0;
}

static int
s_version (int argc, char **argv)
{
    static const char *usage = "usage: hrwatch version [--json]\n";
    int json = 0, n_args = 0;
    const hrw_cli_opt_t opts[] = {
        { "json", 'j', HRW_CLI_FLAG, &json, 0, 0, 1 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    int rc = hrw_cli_parse (argc, argv, opts, usage, NULL, 0, &n_args);
    if (rc)
        return hrw_cli_exit (rc);
    if (json)
        hrw_client_print_json (json_pack ("{s:s}", "version", HRW_VERSION));
    else
        printf ("hrwatch %s\n", HRW_VERSION);
    return 0;
}

//  The options for every command, before it: --key FILE, --key=FILE, and
//  the same of --server-key. They set the environment the socket helper
//  reads. Returns how many arguments they took, or -1 after saying what
//  was wrong.
static int
s_global_options (int argc, char **argv)
{
    static const struct { const char *name; const char *env; } opts[] = {
        { "--key", "HRWATCH_KEY" }, { "--server-key", "HRWATCH_SERVER_KEY" }
    };
    int i = 1;
    while (i < argc) {
        const char *arg = argv[i], *value = NULL;
        size_t k = 0;
        for (; k < 2; k++) {
            size_t n = strlen (opts[k].name);
            if (!strcmp (arg, opts[k].name)) {
                value = i + 1 < argc? argv[++i]: NULL;
                break;
            }
            if (!strncmp (arg, opts[k].name, n) && arg[n] == '=') {
                value = arg + n + 1;
                break;
            }
        }
        if (k == 2)
            break;
        if (!value || !*value) {
            fprintf (stderr, "hrwatch: %s: %s\n", opts[k].name,
                     value? "an empty file name": "missing a key file after it");
            return -1;
        }
        setenv (opts[k].env, value, 1);
        i++;
    }
    return i - 1;
}

static int
s_unit (int argc, char **argv)
{
    return s_report (argc, argv, 0);
}

static int
s_position (int argc, char **argv)
{
    return s_report (argc, argv, 1);
}

//  Each command's entry point: its name is argv[0].
static const struct {
    const char *name;
    int (*run) (int argc, char **argv);
} s_commands[] = {
    { "publish", hrw_cli_publish_main }, { "import-csv", hrw_cli_import_csv_main },
    { "status", s_status }, { "rejected", s_rejected },
    { "alerts", hrw_cli_alerts_main }, { "summary", hrw_cli_summary_main },
    { "report", hrw_cli_report_main },
    { "subscribe", hrw_cli_subscribe_main }, { "advance", hrw_cli_advance_main },
    { "silence", hrw_cli_silence_main }, { "unit", s_unit }, { "position", s_position },
    { "backup", s_backup }, { "keygen", s_keygen }, { "version", s_version },
    { "--version", s_version }
};

static int
s_run (int argc, char **argv)
{
    for (size_t i = 0; i < sizeof (s_commands) / sizeof (s_commands[0]); i++)
        if (!strcmp (argv[0], s_commands[i].name))
            return s_commands[i].run (argc, argv);
    fprintf (stderr, "hrwatch: unknown command '%s'\n", argv[0]);
    s_usage (stderr);
    return HRW_CLI_USAGE;
}

int
main (int argc, char **argv)
{
    int taken = s_global_options (argc, argv);
    if (taken < 0) {
        s_usage (stderr);
        return HRW_CLI_USAGE;
    }
    argc -= taken;
    argv += taken;
    if (argc < 2) {
        s_usage (stderr);
        return HRW_CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp (cmd, "help") && strcmp (cmd, "--help") && strcmp (cmd, "-h"))
        return s_run (argc - 1, argv + 1);
    if (argc == 2) {
        s_usage (stdout);
        return 0;
    }
    if (argc > 3) {
        fprintf (stderr, "hrwatch: help takes one command\n");
        return HRW_CLI_USAGE;
    }
    //  "hrwatch help status" is "hrwatch status --help".
    char *help[] = { argv[2], (char *) "--help", NULL };
    return s_run (2, help);
}
