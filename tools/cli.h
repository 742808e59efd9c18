/*  cli: what every hrwatch subcommand shares: one option parser, with
    numbers checked (the whole text, and its range) and a usage error that
    names the option and the value, and one exit status for bad usage. */
#ifndef HRW_CLI_H
#define HRW_CLI_H

#include <stdint.h>

#define HRW_CLI_USAGE 64    //  Exit status of every usage error (EX_USAGE)
#define HRW_CLI_HELP -1     //  hrw_cli_parse printed the help: exit 0

typedef enum {
    HRW_CLI_FLAG,           //  int: set to .set
    HRW_CLI_STRING,         //  const char *: the argument
    HRW_CLI_UINT,           //  uint64_t: a whole number in [min, max]
    HRW_CLI_REAL,           //  double: a number in [min, max]
    HRW_CLI_DURATION,       //  double: seconds, "90", "90s", "30m", "2h" or "7d", in [min, max]
    HRW_CLI_ENDPOINT        //  const char *: tcp://HOST:PORT or ipc://PATH
} hrw_cli_kind_t;

/*  One option of a subcommand; a row with a NULL name ends the list. */
typedef struct {
    const char *name;       //  Long name, without the dashes
    char letter;            //  Short name, or 0
    hrw_cli_kind_t kind;    //  What its argument is
    void *target;           //  Where it goes (the type its kind says)
    double min, max;        //  Range, for numbers and durations
    int set;                //  What a flag sets its target to
} hrw_cli_opt_t;

/*  Parses a subcommand's arguments (argv[0] is its name) by opts; --help
    and -h are always known. What is not an option goes to args, in order,
    at most max_args of them (*n_args says how many). Returns 0;
    HRW_CLI_HELP after printing usage on stdout; or HRW_CLI_USAGE after
    printing on stderr what was wrong (an unknown option, a bad value with
    its option, an argument too many) and usage. */
int hrw_cli_parse (int argc, char **argv, const hrw_cli_opt_t *opts, const char *usage,
                   char **args, int max_args, int *n_args);

#define HRW_CLI_OPTS_MAX 24     //  Most options of one subcommand

/*  Copies into out (room for HRW_CLI_OPTS_MAX + 1 rows) the rows of opts
    whose names are among names (space-separated), then the end row: for
    subcommands that share a table but not every option in it. */
void hrw_cli_select (const hrw_cli_opt_t *opts, const char *names, hrw_cli_opt_t *out);

/*  1 when text is an endpoint hrwatch can connect to: tcp://HOST:PORT
    (PORT 1 to 65535, HOST not "*") or ipc://PATH. libzmq takes some others
    and fails at the connection, as if no daemon were there. */
int hrw_cli_endpoint_ok (const char *text);

/*  The exit status hrw_cli_parse's result calls for, once it is not 0. */
int hrw_cli_exit (int rc);

/*  Prints usage on stderr; returns HRW_CLI_USAGE. */
int hrw_cli_usage (const char *usage);

#endif
