/*  silence: `hrwatch silence add | list | remove`, from the command line.
    A silence is a set of matchers (kind, severity, unit subtree, subject,
    fingerprint) that must all match an alert, as amtool's are; the daemon
    checks each again where the request enters. */
#include "tools/alerts.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/pbjson.h"
#include "tools/cli.h"
#include "tools/client.h"
#include "lib/clock.h"

#define S_NAME_MAX 64       //  Longest enum name, as the CLI spells it

static const char *s_usage =
    "usage: hrwatch silence add [--kind K] [--severity S] [--unit U] [--subject X]\n"
    "                           [--fingerprint F] --for DURATION [--comment TEXT]\n"
    "       hrwatch silence list [--json]\n"
    "       hrwatch silence remove ID\n"
    "  Mutes alert changes (recorded, not published nor forwarded) for DURATION:\n"
    "  90s, 30m, 2h, 7d. An alert is muted when every matcher given matches it;\n"
    "  add wants at least one.\n"
    "    --kind K          succession_gap, bench_strength, successor_overlap,\n"
    "                      turnover_spike, reduction_in_force, engagement_drop,\n"
    "                      turnover_rise, early_tenure_exits, manager_hotspot,\n"
    "                      successor_unmentored, development_stalled,\n"
    "                      succession_at_risk, scheduled_exits\n"
    "    --severity S      info, warning or critical (exactly that severity)\n"
    "    --unit U          the unit U and everything below it\n"
    "    --subject X       the alert's position, unit or employee id, exactly\n"
    "    --fingerprint F   one alert, exactly (e.g. succession_gap/P-1)\n"
    "  add prints the new silence, remove the number removed, list those in force;\n"
    "  with --json one JSON object (hrwatch.v1.Silence) a line.\n"
    "  Common: --endpoint E (the control socket).\n";

typedef struct {
    const char *endpoint;       //  --endpoint
    const char *kind;           //  --kind, as typed
    const char *severity;       //  --severity, as typed
    const char *unit;           //  --unit
    const char *subject;        //  --subject
    const char *fingerprint;    //  --fingerprint
    const char *comment;        //  --comment
    double seconds;             //  --for
    int json;                   //  --json
} s_opts_t;

//  The CLI's name of an enum value: its name without the enum's prefix,
//  in lower case ("ALERT_KIND_TURNOVER_SPIKE" -> "turnover_spike").
static void
s_value_name (const ProtobufCEnumValue *v, const char *prefix, char *out, size_t cap)
{
    const char *name = v->name;
    if (!strncmp (name, prefix, strlen (prefix)))
        name += strlen (prefix);
    size_t n = 0;
    for (; name[n] && n + 1 < cap; n++)
        out[n] = (char) tolower ((unsigned char) name[n]);
    out[n] = '\0';
}

//  Reads an enum matcher by its CLI name into *out (0 when not given).
//  Returns 0, or HRW_CLI_USAGE after naming the values allowed.
static int
s_enum_arg (const char *option, const char *text, const ProtobufCEnumDescriptor *d,
            const char *prefix, int *out)
{
    char name[S_NAME_MAX], allowed[512] = "";
    *out = 0;
    if (!text)
        return 0;
    for (unsigned i = 0; i < d->n_values; i++) {
        if (d->values[i].value == 0)
            continue;       //  UNSPECIFIED: no matcher, which is leaving it out
        s_value_name (&d->values[i], prefix, name, sizeof (name));
        //  The name as list --json prints it is taken too.
        if (!strcmp (name, text) || !strcasecmp (d->values[i].name, text)) {
            *out = d->values[i].value;
            return 0;
        }
        size_t len = strlen (allowed);
        snprintf (allowed + len, sizeof (allowed) - len, "%s%s", len? ", ": "", name);
    }
    fprintf (stderr, "hrwatch: silence add: --%s: '%s' is not one of %s\n", option, text, allowed);
    return hrw_cli_usage (s_usage);
}

//  Fills add (and until) from the options. Returns 0 or HRW_CLI_USAGE.
static int
s_add_request (const s_opts_t *o, Hrwatch__V1__Silence *add, Google__Protobuf__Timestamp *until)
{
    int kind, severity, rc;
    if ((rc = s_enum_arg ("kind", o->kind, &hrwatch__v1__alert_kind__descriptor, "ALERT_KIND_",
                          &kind))
        || (rc = s_enum_arg ("severity", o->severity, &hrwatch__v1__severity__descriptor,
                             "SEVERITY_", &severity)))
        return rc;
    if (!o->seconds || (!kind && !severity && !o->unit && !o->subject && !o->fingerprint)) {
        fprintf (stderr, "hrwatch: silence: add wants --for and one of --kind, --severity, "
                 "--unit, --subject or --fingerprint\n");
        return hrw_cli_usage (s_usage);
    }
    add->kind = kind;
    add->severity = severity;
    add->unit_id = (char *) (o->unit? o->unit: "");
    add->subject = (char *) (o->subject? o->subject: "");
    add->fingerprint = (char *) (o->fingerprint? o->fingerprint: "");
    add->comment = (char *) (o->comment? o->comment: "");
    until->seconds = (int64_t) (hrw_clock_now_us () / HRW_US_PER_SEC + o->seconds);
    add->until = until;
    return 0;
}

//  Reads `remove ID`'s number. Returns 0 or HRW_CLI_USAGE.
static int
s_remove_id (const char *text, uint64_t *id)
{
    char *end;
    errno = 0;
    *id = strtoull (text, &end, 10);
    if (errno || *end || text[0] < '0' || text[0] > '9') {
        fprintf (stderr, "hrwatch: silence remove: '%s' is not a silence's number\n", text);
        return hrw_cli_usage (s_usage);
    }
    return 0;
}

//  What is wrong with the action and its arguments, or NULL.
static const char *
s_action_wrong (const char *action, int n_args)
{
    if (!n_args)
        return "add, list or remove?";
    if (strcmp (action, "add") && strcmp (action, "list") && strcmp (action, "remove"))
        return "the action is add, list or remove";
    if (!strcmp (action, "remove") && n_args != 2)
        return "remove wants one silence's number";
    if (strcmp (action, "remove") && n_args != 1)
        return !strcmp (action, "list")? "list takes no argument": "add takes no argument";
    return NULL;
}

//  Reads the action and its options into sr. Returns 0, or what
//  hrw_cli_parse returns.
static int
s_parse (int argc, char **argv, s_opts_t *o, Hrwatch__V1__SilenceRequest *sr,
         Hrwatch__V1__Silence *add, Google__Protobuf__Timestamp *until)
{
    const hrw_cli_opt_t opts[] = {
        { "kind", 'k', HRW_CLI_STRING, &o->kind, 0, 0, 0 },
        { "severity", 's', HRW_CLI_STRING, &o->severity, 0, 0, 0 },
        { "unit", 'u', HRW_CLI_STRING, &o->unit, 0, 0, 0 },
        { "subject", 'S', HRW_CLI_STRING, &o->subject, 0, 0, 0 },
        { "fingerprint", 'F', HRW_CLI_STRING, &o->fingerprint, 0, 0, 0 },
        { "for", 'f', HRW_CLI_DURATION, &o->seconds, 1, 366.0 * 86400, 0 },  //  The daemon's limit
        { "comment", 'c', HRW_CLI_STRING, &o->comment, 0, 0, 0 },
        { "json", 'j', HRW_CLI_FLAG, &o->json, 0, 0, 1 },
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &o->endpoint, 0, 0, 0 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    //  "silence add --unit ops --for 2h": the action, then the options.
    char *args[2];
    int n_args = 0;
    int rc = hrw_cli_parse (argc, argv, opts, s_usage, args, 2, &n_args);
    if (rc)
        return rc;
    const char *action = n_args? args[0]: "";
    const char *wrong = s_action_wrong (action, n_args);
    if (wrong) {
        fprintf (stderr, "hrwatch: silence: %s\n", wrong);
        return hrw_cli_usage (s_usage);
    }
    if (!strcmp (action, "remove")) {
        sr->action_case = HRWATCH__V1__SILENCE_REQUEST__ACTION_REMOVE_ID;
        return s_remove_id (args[1], &sr->remove_id);
    }
    if (!strcmp (action, "list")) {
        sr->action_case = HRWATCH__V1__SILENCE_REQUEST__ACTION_LIST;
        sr->list = 1;
        return 0;
    }
    sr->action_case = HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD;
    sr->add = add;
    return s_add_request (o, add, until);
}

//  One silence on a line: its number, expiry, matchers and comment, e.g.
//  "3    until 2026-01-02T00:00:00Z  kind turnover_spike unit ops  # reorg".
static void
s_print (const Hrwatch__V1__Silence *s)
{
    char until[48] = "-", line[1024], name[S_NAME_MAX];
    if (s->until)
        hrw_clock_format (hrw_clock_from_parts (s->until->seconds, 0), until, sizeof (until));
    size_t n = (size_t) snprintf (line, sizeof (line), "%-4" PRIu64 " until %s ", s->id, until);
    const ProtobufCEnumValue *kind
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__alert_kind__descriptor, s->kind);
    const ProtobufCEnumValue *sev
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__severity__descriptor, s->severity);
    if (s->kind && kind && n < sizeof (line)) {
        s_value_name (kind, "ALERT_KIND_", name, sizeof (name));
        n += (size_t) snprintf (line + n, sizeof (line) - n, " kind %s", name);
    }
    if (s->severity && sev && n < sizeof (line)) {
        s_value_name (sev, "SEVERITY_", name, sizeof (name));
        n += (size_t) snprintf (line + n, sizeof (line) - n, " severity %s", name);
    }
    if (*s->unit_id && n < sizeof (line))
        n += (size_t) snprintf (line + n, sizeof (line) - n, " unit %s", s->unit_id);
    if (*s->subject && n < sizeof (line))
        n += (size_t) snprintf (line + n, sizeof (line) - n, " subject %s", s->subject);
    if (*s->fingerprint && n < sizeof (line))
        snprintf (line + n, sizeof (line) - n, " fingerprint %s", s->fingerprint);
    printf ("%s%s%s\n", line, *s->comment? "  # ": "", s->comment);
}

static void
s_show (const s_opts_t *o, const Hrwatch__V1__Silence *s)
{
    if (o->json)
        hrw_client_print_message (&s->base);
    else
        s_print (s);
}

//  Every action answers with the silences in force after it: list shows
//  them all, add the new one (numbers only grow: the highest), remove says
//  which went.
static void
s_report (const s_opts_t *o, const Hrwatch__V1__SilenceRequest *sr,
          const Hrwatch__V1__SilenceList *list)
{
    if (sr->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_REMOVE_ID) {
        if (o->json)
            printf ("{\"removed\":\"%" PRIu64 "\"}\n", sr->remove_id);
        else
            printf ("silence %" PRIu64 " removed\n", sr->remove_id);
        return;
    }
    const Hrwatch__V1__Silence *newest = NULL;
    for (size_t i = 0; i < list->n_silences; i++) {
        if (sr->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_LIST)
            s_show (o, list->silences[i]);
        else if (!newest || list->silences[i]->id > newest->id)
            newest = list->silences[i];
    }
    if (newest)
        s_show (o, newest);
    if (!o->json && sr->action_case == HRWATCH__V1__SILENCE_REQUEST__ACTION_LIST
        && list->n_silences == 0)
        printf ("no silences in force\n");
}

int
hrw_cli_silence_main (int argc, char **argv)
{
    s_opts_t o;
    memset (&o, 0, sizeof (o));
    o.endpoint = hrw_client_control_endpoint ();
    Hrwatch__V1__Silence add = HRWATCH__V1__SILENCE__INIT;
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Hrwatch__V1__SilenceRequest sr = HRWATCH__V1__SILENCE_REQUEST__INIT;
    int rc = s_parse (argc, argv, &o, &sr, &add, &until);
    if (rc)
        return hrw_cli_exit (rc);
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE;
    req.silence = &sr;
    Hrwatch__V1__ControlResponse *resp = hrw_client_ask (
        o.endpoint, &req, 5000, HRWATCH__V1__CONTROL_RESPONSE__RESPONSE_SILENCES);
    if (!resp)
        return 2;
    s_report (&o, &sr, resp->silences);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    return 0;
}
