/*  publish: reads events as JSON lines and hands them to a libhrwatch
    publisher (batches, the window, acknowledgements, re-sends); shows its
    progress, the events it could not send or that were rejected with their
    line numbers, and a summary. */
#include "tools/publish.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clients/c/hrwatch.h"
#include "hrwatch/v1/events.pb-c.h"
#include "tools/cli.h"
#include "tools/client.h"
#include "lib/clock.h"
#include "workers/validate.h"

#define S_WINDOW_MAX 64
#define S_SHOW_MAX 20                       //  Rejections printed in full
#define S_REASONS 16
#define S_PROGRESS_AFTER_US (HRW_US_PER_SEC / 2)    //  Short runs show no progress
#define S_PROGRESS_EVERY_US (HRW_US_PER_SEC / 4)

typedef struct {
    const char *endpoint;   //  --endpoint
    size_t batch_size;      //  --batch
    int window;             //  --window
    int64_t timeout_us;     //  --timeout
    uint64_t from_line;     //  --from-line: the lines before it are skipped
    const char *file;       //  The input's name, "-" for standard input
    uint64_t added_through; //  The last line handed to the publisher
    uint64_t resume_line;   //  After a failure, where to go on from; 0: done
    int quiet;              //  --quiet
    int json;               //  --json: the summary as one JSON object
    json_t **summary;       //  Where it goes instead of stdout, or NULL
    int progress;           //  Show progress (stderr is a terminal)
    int64_t started;        //  When the run began
    int64_t progress_at;    //  When progress was last shown (0: not on screen)
    FILE *in;               //  Input
    hrwatch_publisher_t *pub;               //  On the ingest socket
    hrwatch_counts_t n;     //  Its counts, as last read
    uint64_t by_reason[S_REASONS];          //  Rejected by hrwatchd
    uint64_t invalid_by_reason[S_REASONS];  //  Not sent: why, in the daemon's codes
    int shown;              //  Rejections printed so far
} s_pub_t;

static const char *s_usage_text =
    "usage: hrwatch publish [FILE] [--endpoint E] [--batch N] [--window N] [--timeout S]"
    " [--from-line L] [--quiet] [--json]\n"
    "  Reads hrwatch.v1.Event objects, one JSON object per line (proto3 JSON mapping),\n"
    "  from FILE or standard input, and sends them in acknowledged batches.\n"
    "  --endpoint E  ingest socket (default $HRWATCH_INGEST or " HRW_DEFAULT_INGEST ")\n"
    "  --batch N     events per batch (default 500)\n"
    "  --window N    batches in flight at once (default 4, at most 64)\n"
    "  --timeout S   give up on a batch unacknowledged for S seconds (default 30)\n"
    "  --from-line L skip the lines before line L (lines keep their numbers)\n"
    "  --quiet       print only the summary\n"
    "  --json        print the summary as one JSON object\n"
    "On a terminal, progress (events/s, acknowledged, rejected) is shown on\n"
    "standard error while it runs. A line that is not JSON, or not an Event, is\n"
    "not sent: it is named with a reason code as the daemon's (REASON_MALFORMED,\n"
    "REASON_OUT_OF_RANGE) and counted as invalid; 'hrwatch rejected' lists only\n"
    "what hrwatchd rejected.\n"
    "Exit status: 0 all accepted or duplicate, 1 some rejected or invalid,\n"
    "2 some unacknowledged or nothing answers, 64 usage error. After status 2 it\n"
    "names the first line without an answer: --from-line with it goes on from there\n"
    "(the lines after it that hrwatchd did take come back as duplicates).\n";

//  Takes the progress line off the terminal, so other lines start clean.
static void
s_progress_clear (s_pub_t *p)
{
    if (p->progress_at)
        fprintf (stderr, "\r\033[K");
    p->progress_at = 0;
}

//  Shows progress on stderr, a few times a second, once the run is long
//  enough for it to help.
static void
s_progress (s_pub_t *p, int64_t now)
{
    if (!p->progress || now - p->started < S_PROGRESS_AFTER_US
        || (p->progress_at && now - p->progress_at < S_PROGRESS_EVERY_US))
        return;
    hrwatch_publisher_counts (p->pub, &p->n);
    uint64_t acked = p->n.accepted + p->n.duplicate + p->n.rejected;
    double rate = (double) acked * HRW_US_PER_SEC / (double) (now - p->started);
    fprintf (stderr, "\r%.0f events/s: %" PRIu64 " acknowledged (%" PRIu64 " accepted, %" PRIu64
             " duplicate, %" PRIu64 " rejected), %" PRIu64 " invalid, %" PRIu64
             " in flight\033[K", rate, acked, p->n.accepted, p->n.duplicate, p->n.rejected,
             p->n.invalid, p->n.in_flight);
    fflush (stderr);
    p->progress_at = now;
}

static void
s_show (s_pub_t *p, size_t line, const char *event_id, const char *what, const char *msg)
{
    if (p->quiet)
        return;
    s_progress_clear (p);
    if (p->shown++ < S_SHOW_MAX)
        fprintf (stderr, "line %zu: event %s: %s: %s\n", line, *event_id? event_id: "(none)",
                 what, msg);
    else if (p->shown == S_SHOW_MAX + 1)
        fprintf (stderr, "(further rejections not shown; 'hrwatch rejected' lists those "
                 "hrwatchd rejected)\n");
}

static void
s_count (uint64_t *counts, int reason)
{
    counts[reason >= 0 && reason < S_REASONS? reason: 0]++;
}

//  What became of each event: those not accepted are said, with their line.
static void
s_on_result (const hrwatch_result_t *r, void *arg)
{
    s_pub_t *p = arg;
    char what[64];
    if (r->outcome == HRWATCH_INVALID) {
        snprintf (what, sizeof (what), "invalid, %s", hrw_reason_name (r->reason));
        s_show (p, (size_t) r->tag, r->event_id, what, r->message);
        s_count (p->invalid_by_reason, r->reason);
    }
    else if (r->outcome == HRWATCH_REJECTED && r->whole_batch) {
        //  Said and counted once, at its first line.
        if (r->batch_index == 0) {
            s_count (p->by_reason, r->reason);
            snprintf (what, sizeof (what), "batch rejected, %s", hrw_reason_name (r->reason));
            s_show (p, (size_t) r->tag, "", what, r->message);
        }
    }
    else if (r->outcome == HRWATCH_REJECTED) {
        s_count (p->by_reason, r->reason);
        s_show (p, (size_t) r->tag, r->event_id, hrw_reason_name (r->reason), r->message);
    }
    s_progress (p, hrw_clock_now_us ());
}

static void
s_on_retry (const char *batch_id, int reason, const char *message, void *arg)
{
    s_pub_t *p = arg;
    (void) batch_id;
    (void) reason;
    if (p->quiet)
        return;
    s_progress_clear (p);
    fprintf (stderr, "hrwatch: %s is unavailable (%s); retrying\n", p->endpoint, message);
}

//  Sends every line of the input and waits for the acknowledgements.
//  Returns 0, or 2 after saying what ended it.
static int
s_run (s_pub_t *p)
{
    char *line = NULL;
    size_t cap = 0, line_no = 0;
    int rc = HRWATCH_OK;
    p->started = hrw_clock_now_us ();
    ssize_t n;
    while (rc >= HRWATCH_OK || rc == HRWATCH_E_INVALID) {
        n = getline (&line, &cap, p->in);
        if (n < 0)
            break;
        if (++line_no < p->from_line)
            continue;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        rc = hrwatch_publisher_add_json (p->pub, line, (size_t) n, line_no);
        if (rc >= HRWATCH_OK || rc == HRWATCH_E_INVALID)
            p->added_through = line_no;
        s_progress (p, hrw_clock_now_us ());
    }
    free (line);
    if (rc == HRWATCH_E_INVALID)
        rc = HRWATCH_OK;
    if (rc == HRWATCH_OK)
        rc = hrwatch_publisher_send (p->pub);
    //  The rest of the acknowledgements, with progress while they come.
    while (rc == HRWATCH_OK) {
        int in_flight = hrwatch_publisher_poll (p->pub, 50);
        s_progress (p, hrw_clock_now_us ());
        if (in_flight <= 0) {
            rc = in_flight;
            break;
        }
    }
    if (rc == HRWATCH_OK)
        rc = hrwatch_publisher_flush (p->pub);
    s_progress_clear (p);
    hrwatch_publisher_counts (p->pub, &p->n);
    if (rc == HRWATCH_OK)
        return 0;
    //  Every line before the first event without an answer has one: the
    //  run goes on from there (read, not added, when all added are settled).
    uint64_t tag;
    p->resume_line = hrwatch_publisher_first_unsettled (p->pub, &tag)? tag
                   : p->added_through + 1;
    if (p->resume_line < p->from_line)
        p->resume_line = p->from_line;
    fprintf (stderr, "hrwatch: %s\n", hrwatch_publisher_error (p->pub));
    return 2;
}

//  Each reason's count as "REASON_NAME": n, every reason there (0 too).
static json_t *
s_reasons_json (const uint64_t *counts)
{
    json_t *o = json_object ();
    const ProtobufCEnumDescriptor *ed = &hrwatch__v1__reason__descriptor;
    for (unsigned i = 0; o && i < ed->n_values; i++) {
        int r = ed->values[i].value;
        if (r > 0 && r < S_REASONS)
            json_object_set_new (o, ed->values[i].name, json_integer ((json_int_t) counts[r]));
    }
    return o;
}

static void
s_summary_json (s_pub_t *p, uint64_t unacked)
{
    json_t *o = json_pack ("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
                           "endpoint", p->endpoint, "sent", (json_int_t) p->n.sent,
                           "accepted", (json_int_t) p->n.accepted,
                           "duplicate", (json_int_t) p->n.duplicate,
                           "rejected", (json_int_t) p->n.rejected,
                           "invalid", (json_int_t) p->n.invalid,
                           "unacknowledged", (json_int_t) unacked,
                           "resumeLine", (json_int_t) p->resume_line,
                           "rejectedByReason", s_reasons_json (p->by_reason),
                           "invalidByReason", s_reasons_json (p->invalid_by_reason));
    if (p->summary)
        *p->summary = o;
    else
        hrw_client_print_json (o);
}

//  Prints s as one shell word: as it is when nothing in it is special to
//  a shell, else in single quotes (a quote in it as '\'').
static void
s_print_word (const char *s)
{
    if (*s && strspn (s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                         "_./+-=:,@%") == strlen (s)) {
        fputs (s, stdout);
        return;
    }
    putchar ('\'');
    for (; *s; s++)
        if (*s == '\'')
            fputs ("'\\''", stdout);
        else
            putchar (*s);
    putchar ('\'');
}

//  After giving up: where to go on from, as a command to run.
static void
s_resume (const s_pub_t *p)
{
    if (!p->resume_line)
        return;
    printf ("every line before line %" PRIu64 " has its answer; to go on: hrwatch publish ",
            p->resume_line);
    s_print_word (p->file);
    printf (" --from-line %" PRIu64 "\n", p->resume_line);
}

static void
s_summary (s_pub_t *p, int status)
{
    uint64_t unacked = p->n.sent - p->n.accepted - p->n.duplicate - p->n.rejected;
    if (p->json) {
        s_summary_json (p, unacked);
        return;
    }
    if (hrwatch_publisher_link (p->pub) != HRWATCH_LINK_UP) {
        //  Batches queued on a socket that never connected went nowhere.
        printf ("published nothing: %s %s (%" PRIu64 " event%s read",
                hrwatch_publisher_link (p->pub)? "no handshake completed with": "no connection to",
                p->endpoint, p->n.sent, p->n.sent == 1? "": "s");
        if (p->n.invalid)
            printf (", %" PRIu64 " invalid lines", p->n.invalid);
        printf (")\n");
        s_resume (p);
        return;
    }
    printf ("published %" PRIu64 " event%s to %s: %" PRIu64 " accepted, %" PRIu64 " duplicate, %"
            PRIu64 " rejected", p->n.sent, p->n.sent == 1? "": "s", p->endpoint, p->n.accepted,
            p->n.duplicate, p->n.rejected);
    if (p->n.invalid)
        printf (", %" PRIu64 " invalid lines not sent", p->n.invalid);
    if (status == 2)
        printf (", %" PRIu64 " unacknowledged", unacked);
    printf ("\n");
    s_resume (p);
    for (int r = 0; r < S_REASONS; r++)
        if (p->by_reason[r])
            printf ("  %-26s %" PRIu64 "\n", hrw_reason_name (r), p->by_reason[r]);
    for (int r = 0; r < S_REASONS; r++)
        if (p->invalid_by_reason[r])
            printf ("  %-26s %" PRIu64 " not sent\n", hrw_reason_name (r),
                    p->invalid_by_reason[r]);
}

//  Returns 0, or what hrw_cli_parse returns (HRW_CLI_USAGE also when FILE
//  cannot be read).
static int
s_parse (int argc, char **argv, s_pub_t *p)
{
    uint64_t batch = p->batch_size, window = (uint64_t) p->window, from = 1;
    double timeout = (double) p->timeout_us / HRW_US_PER_SEC;
    const hrw_cli_opt_t opts[] = {
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &p->endpoint, 0, 0, 0 },
        { "batch", 'b', HRW_CLI_UINT, &batch, 1, 10000000, 0 },
        { "window", 'w', HRW_CLI_UINT, &window, 1, S_WINDOW_MAX, 0 },
        { "timeout", 't', HRW_CLI_REAL, &timeout, 0.001, 1e7, 0 },
        { "from-line", 'f', HRW_CLI_UINT, &from, 1, 1e15, 0 },
        { "quiet", 'q', HRW_CLI_FLAG, &p->quiet, 0, 0, 1 },
        { "json", 'j', HRW_CLI_FLAG, &p->json, 0, 0, 1 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    char *args[1];
    int n_args = 0;
    int rc = hrw_cli_parse (argc, argv, opts, s_usage_text, args, 1, &n_args);
    if (rc)
        return rc;
    p->batch_size = (size_t) batch;
    p->window = (int) window;
    p->timeout_us = (int64_t) (timeout * HRW_US_PER_SEC);
    p->from_line = from;
    p->file = n_args? args[0]: "-";
    if (n_args && strcmp (args[0], "-")) {
        p->in = fopen (args[0], "r");
        //  A directory opens, then reads as an empty file: refused here.
        struct stat st;
        if (p->in && fstat (fileno (p->in), &st) == 0 && S_ISDIR (st.st_mode)) {
            fclose (p->in);
            p->in = NULL;
            errno = EISDIR;
        }
        if (!p->in) {
            fprintf (stderr, "hrwatch: cannot read %s: %s\n", args[0], strerror (errno));
            return HRW_CLI_USAGE;
        }
    }
    return 0;
}

static int
s_publish (int argc, char **argv, json_t **summary)
{
    s_pub_t *p = calloc (1, sizeof (*p));
    if (!p)
        return 2;
    p->summary = summary;
    const char *env = getenv ("HRWATCH_INGEST");
    p->endpoint = env && *env? env: HRW_DEFAULT_INGEST;
    p->batch_size = 500;
    p->window = 4;
    p->timeout_us = 30 * HRW_US_PER_SEC;
    p->in = stdin;
    int rc = s_parse (argc, argv, p);
    int status = hrw_cli_exit (rc);
    if (summary)
        p->json = p->quiet = 1;
    if (rc)
        goto done;
    //  Progress is for a person watching: not for a pipe or a log file.
    p->progress = !p->quiet && isatty (STDERR_FILENO);
    //  The connection gets the usual moments; the handshake and the
    //  acknowledgements the whole --timeout (the publisher's own).
    hrwatch_client_t *client = hrw_client_new (HRWATCH_INGEST, p->endpoint,
                                               HRW_CLIENT_HANDSHAKE_MS);
    p->pub = client? hrwatch_publisher_new (client): NULL;
    if (client && !p->pub)
        fprintf (stderr, "hrwatch: %s\n", hrwatch_client_error (client));
    if (!p->pub)
        status = 2;
    else {
        hrwatch_publisher_set_batch (p->pub, p->batch_size);
        hrwatch_publisher_set_window (p->pub, p->window);
        hrwatch_publisher_set_timeout (p->pub, (int) (p->timeout_us / 1000));
        hrwatch_publisher_on_result (p->pub, s_on_result, p);
        hrwatch_publisher_on_retry (p->pub, s_on_retry, p);
        status = s_run (p);
        s_summary (p, status);
        if (status == 0 && (p->n.rejected || p->n.invalid))
            status = 1;
    }
    hrwatch_publisher_destroy (&p->pub);
    hrwatch_client_destroy (&client);
done:
    if (p->in && p->in != stdin)
        fclose (p->in);
    free (p);
    return status;
}

int
hrw_cli_publish_main (int argc, char **argv)
{
    return s_publish (argc, argv, NULL);
}

int
hrw_cli_publish_json (int argc, char **argv, json_t **summary)
{
    *summary = NULL;
    return s_publish (argc, argv, summary);
}
