/*  cli: the subcommands' option parser (getopt_long, built from a table of
    options) and the checked conversion of their values. */
#include "tools/cli.h"
#include "lib/num.h"
#include "clients/c/conn.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_OPTS_MAX HRW_CLI_OPTS_MAX

int
hrw_cli_usage (const char *usage)
{
    fprintf (stderr, "%s", usage);
    return HRW_CLI_USAGE;
}

void
hrw_cli_select (const hrw_cli_opt_t *opts, const char *names, hrw_cli_opt_t *out)
{
    size_t n = 0;
    for (; opts->name && n < HRW_CLI_OPTS_MAX; opts++) {
        size_t len = strlen (opts->name);
        for (const char *p = strstr (names, opts->name); p; p = strstr (p + 1, opts->name))
            if ((p == names || p[-1] == ' ') && (p[len] == ' ' || !p[len])) {
                out[n++] = *opts;
                break;
            }
    }
    out[n] = (hrw_cli_opt_t) { NULL, 0, 0, NULL, 0, 0, 0 };
}

int
hrw_cli_exit (int rc)
{
    return rc == HRW_CLI_HELP? 0: rc;
}

//  Reads the whole of text as a number, followed by nothing or by one of
//  suffixes (NULL: none), which goes to *suffix. Returns 0, or -1 when it is
//  not one.
static int
s_real (const char *text, const char *suffixes, double *out, char *suffix)
{
    const char *end;
    double v;
    if (hrw_num_decimal (text, &v, &end))
        return -1;
    *suffix = *end;
    if (*end && (!suffixes || !strchr (suffixes, *end) || end[1]))
        return -1;
    *out = v;
    return 0;
}

//  A whole number, without sign: strtoull would take "-1" as its maximum.
static int
s_whole (const char *text, uint64_t *out)
{
    char *end;
    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int
hrw_cli_endpoint_ok (const char *text)
{
    return hrw_conn_endpoint_ok (text);
}

//  Converts optarg for opt into its target. Returns 0, or -1 after saying
//  which option and value were wrong.
static int
s_value (const hrw_cli_opt_t *opt, const char *arg)
{
    double v = 0;
    uint64_t u = 0;
    char suffix = 0;
    int bad = 0;
    const char *what = "a number";
    switch (opt->kind) {
        case HRW_CLI_FLAG: *(int *) opt->target = opt->set; return 0;
        case HRW_CLI_STRING:
        case HRW_CLI_ENDPOINT:
            //  An empty endpoint, prefix or name would otherwise read as
            //  none given, or fail later as something other than usage.
            if (!*arg) {
                fprintf (stderr, "hrwatch: --%s: an empty value\n", opt->name);
                return -1;
            }
            if (opt->kind == HRW_CLI_ENDPOINT && !hrw_cli_endpoint_ok (arg)) {
                fprintf (stderr, "hrwatch: --%s: '%s' is not an endpoint (tcp://HOST:PORT or "
                         "ipc://PATH)\n", opt->name, arg);
                return -1;
            }
            *(const char **) opt->target = arg;
            return 0;
        case HRW_CLI_UINT:
            what = "a whole number";
            bad = s_whole (arg, &u) || (double) u < opt->min || (double) u > opt->max;
            if (!bad)
                *(uint64_t *) opt->target = u;
            break;
        case HRW_CLI_REAL:
            bad = s_real (arg, NULL, &v, &suffix) || v < opt->min || v > opt->max;
            if (!bad)
                *(double *) opt->target = v;
            break;
        case HRW_CLI_DURATION:
            what = "a duration (90s, 30m, 2h, 7d)";
            bad = s_real (arg, "smhd", &v, &suffix);
            v *= suffix == 'm'? 60: suffix == 'h'? 3600: suffix == 'd'? 86400: 1;
            bad = bad || v < opt->min || v > opt->max;
            if (!bad)
                *(double *) opt->target = v;
            break;
    }
    char lo[32], hi[32];
    if (bad)
        fprintf (stderr, "hrwatch: --%s: '%s' is not %s from %s to %s\n", opt->name, arg, what,
                 hrw_num_format (opt->min, lo, sizeof (lo)),
                 hrw_num_format (opt->max, hi, sizeof (hi)));
    return bad? -1: 0;
}

int
hrw_cli_parse (int argc, char **argv, const hrw_cli_opt_t *opts, const char *usage,
               char **args, int max_args, int *n_args)
{
    struct option longs[S_OPTS_MAX + 2];
    char shorts[S_OPTS_MAX * 2 + 4] = ":";
    size_t n = 0, s = 1;
    for (; opts[n].name && n < S_OPTS_MAX; n++) {
        int arg = opts[n].kind == HRW_CLI_FLAG? no_argument: required_argument;
        longs[n] = (struct option) { opts[n].name, arg, NULL, (int) n + 256 };
        if (opts[n].letter) {
            shorts[s++] = opts[n].letter;
            if (arg == required_argument)
                shorts[s++] = ':';
        }
    }
    longs[n] = (struct option) { "help", no_argument, NULL, 'h' };
    longs[n + 1] = (struct option) { NULL, 0, NULL, 0 };
    shorts[s++] = 'h';
    shorts[s] = '\0';
    optind = 1;
    opterr = 0;     //  Said below, with the option's name
    int c;
    while ((c = getopt_long (argc, argv, shorts, longs, NULL)) != -1) {
        const hrw_cli_opt_t *opt = NULL;
        if (c == 'h') {
            printf ("%s", usage);
            return HRW_CLI_HELP;
        }
        if (c == '?' || c == ':') {
            char letter[3] = { '-', (char) optopt, '\0' };
            fprintf (stderr, "hrwatch: %s: %s '%s'\n", argv[0],
                     c == ':'? "missing a value after": "unknown option",
                     optopt > 0 && optopt < 256? letter: argv[optind - 1]);
            return hrw_cli_usage (usage);
        }
        if (c >= 256)
            opt = &opts[c - 256];
        for (size_t i = 0; !opt && i < n; i++)
            if (opts[i].letter == c)
                opt = &opts[i];
        if (!opt || s_value (opt, optarg))
            return hrw_cli_usage (usage);
    }
    *n_args = 0;
    for (; optind < argc; optind++) {
        if (*n_args == max_args) {
            fprintf (stderr, "hrwatch: unexpected argument '%s'\n", argv[optind]);
            return hrw_cli_usage (usage);
        }
        //  An empty NAME or TIME would otherwise read as none given, and a
        //  command would go on with its default (a backup named by the
        //  clock, keys written as ".key").
        if (!*argv[optind]) {
            fprintf (stderr, "hrwatch: %s: an empty argument\n", argv[0]);
            return hrw_cli_usage (usage);
        }
        args[(*n_args)++] = argv[optind];
    }
    return 0;
}
