/*  report: `hrwatch report`, the leaders' report: one WorkforceReport from
    the control socket, as text, JSON, or one self-contained HTML file
    (report_html.c). */
#ifndef HRW_TOOLS_REPORT_H
#define HRW_TOOLS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "hrwatch/v1/control.pb-c.h"

/*  Runs `hrwatch report` (argv[0] is its name). Returns the exit status:
    0; 1 when the HTML file cannot be written; 2 when the daemon refuses
    (an unknown unit) or does not answer; HRW_CLI_USAGE on bad usage. */
int hrw_cli_report_main (int argc, char **argv);

/*  The kind's short name ("turnover_spike"), from the enum's own names, so
    a kind added to alerts.proto is named without a change here; "kind N"
    (into buf) for a number the enum does not know. */
const char *hrw_report_kind_name (int kind, char *buf, size_t cap);

/*  1 for the kinds the report explains in its own sections (succession,
    bench, turnover, reductions in force, engagement); 0 for the others,
    which it shows as signals, by kind name. */
int hrw_report_kind_explained (int kind);

/*  The date of a timestamp, "YYYY-MM-DD" (or "-" when absent), into buf. */
const char *hrw_report_date (const Google__Protobuf__Timestamp *t, char *buf, size_t cap);

/*  The totals, uncut: the daemon's *_total fields, or the list's length
    from a daemon that does not send them. */
uint32_t hrw_report_units_total (const Hrwatch__V1__WorkforceReport *w);
uint32_t hrw_report_positions_total (const Hrwatch__V1__WorkforceReport *w);
uint32_t hrw_report_alerts_total (const Hrwatch__V1__WorkforceReport *w);

/*  The note for a list cut at its cap (what: an entry of `truncated`),
    e.g. "This list shows the first 200 of 302 units.", into buf. */
const char *hrw_report_cut_note (const Hrwatch__V1__WorkforceReport *w, const char *what,
                                 char *buf, size_t cap);

/*  1 when the unit has too few people for its turnover rate to be judged
    (fewer than the detector's min_headcount): the report shows it no rate. */
int hrw_report_unit_small (const Hrwatch__V1__WorkforceReport *w,
                           const Hrwatch__V1__ReportUnit *u);

/*  What a signal kind (one the report does not explain in its own
    sections) means, in one plain sentence; "" for a kind it has no words
    for (a kind added later is still shown, by name). */
const char *hrw_report_signal_meaning (int kind);

/*  The alerts, highest severity first (critical, warning, info, then any
    other), then firing longest, then by fingerprint: a new array the
    caller frees (NULL when there are none or memory ran out; *n is then 0
    or the count). */
const Hrwatch__V1__Alert **hrw_report_alerts_sorted (const Hrwatch__V1__WorkforceReport *w,
                                                     size_t *n);

/*  Whole days from a to b (timestamps), 0 when either is absent. */
long hrw_report_days (const Google__Protobuf__Timestamp *a, const Google__Protobuf__Timestamp *b);

/*  A readiness in words ("ready now"). */
const char *hrw_report_readiness (int readiness);

/*  Writes the report as one HTML page, its charts drawn as inline SVG: no
    script, no file or address outside it. Returns 0, or -1 when a write
    failed. */
int hrw_report_html_write (FILE *out, const Hrwatch__V1__WorkforceReport *w);

#endif
