/*  summary: `hrwatch summary`, the firing alerts in a few plain sentences
    for someone who will not read the list. */
#ifndef HRW_TOOLS_SUMMARY_H
#define HRW_TOOLS_SUMMARY_H

/*  Runs `hrwatch summary` (argv[0] is its name): asks the control socket
    for the status (how many fire, the alert clock) and the firing alerts,
    and prints the total, counts by kind and severity (of the first
    HRW_QUERY_ALERTS_MAX listed, saying so, when more fire), the --top N
    most pressing (highest severity, then firing longest; silenced ones
    marked) and the commands to look further; with --json, one object with
    every count, zeros included, and whether they are complete. Returns the
    exit status: 0, 2 when the daemon does not answer, HRW_CLI_USAGE on bad
    usage. */
int hrw_cli_summary_main (int argc, char **argv);

#endif
