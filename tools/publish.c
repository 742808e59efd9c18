/*  publish: reads events as JSON lines, packs them into EventBatch frames,
    keeps a window of batches in flight on a DEALER socket and re-sends each
    until its Ack arrives or the timeout passes. Re-sending is safe: the
    daemon recognises events it has already committed by their ids. */
#include "tools/publish.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "hrwatch/v1/events.pb-c.h"
#include "proto/pbjson.h"
#include "tools/cli.h"
#include "tools/client.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "workers/validate.h"

#define S_WINDOW_MAX 64
#define S_SHOW_MAX 20                       //  Rejections printed in full
#define S_RETRY_FIRST_US (1 * HRW_US_PER_SEC)
#define S_RETRY_MAX_US (4 * HRW_US_PER_SEC)
#define S_BATCH_BYTES_MAX (4u * 1024 * 1024)
#define S_REASONS 16
#define S_PROGRESS_AFTER_US (HRW_US_PER_SEC / 2)    //  Short runs show no progress
#define S_PROGRESS_EVERY_US (HRW_US_PER_SEC / 4)

typedef struct {
    int in_use;             //  Slot holds an unacknowledged batch
    char id[32];            //  batch_id, echoed in its Ack
    hrw_buf_t frame;        //  The packed EventBatch
    size_t n_events;        //  Events in it
    size_t *lines;          //  Input line of each event
    size_t lines_cap;
    int64_t first_sent;     //  When first sent
    int64_t next_send;      //  When to re-send if still unacknowledged
    int64_t backoff;        //  Current re-send interval
} s_batch_t;

typedef struct {
    const char *endpoint;   //  --endpoint
    size_t batch_size;      //  --batch
    int window;             //  --window
    int64_t timeout_us;     //  --timeout
    int quiet;              //  --quiet
    int json;               //  --json: the summary as one JSON object
    json_t **summary;       //  Where it goes instead of stdout, or NULL
    int progress;           //  Show progress (stderr is a terminal)
    int64_t started;        //  When the run began
    int64_t progress_at;    //  When progress was last shown (0: not on screen)
    FILE *in;               //  Input
    size_t line_no;         //  Lines read so far
    int eof;                //  Input exhausted
    uint64_t next_batch;    //  Counter for batch ids
    hrw_client_conn_t conn; //  DEALER to the ingest socket
    int was_up;             //  Its handshake succeeded once
    s_batch_t slots[S_WINDOW_MAX];
    uint64_t sent, accepted, duplicate, rejected, invalid;
    uint64_t by_reason[S_REASONS];          //  Rejected by hrwatchd
    uint64_t invalid_by_reason[S_REASONS];  //  Not sent: why, in the daemon's codes
    int shown;              //  Rejections printed so far
    char *line;             //  getline buffer
    size_t line_cap;
} s_pub_t;

static const char *s_usage_text =
    "usage: hrwatch publish [FILE] [--endpoint E] [--batch N] [--window N] [--timeout S]"
    " [--quiet] [--json]\n"
    "  Reads hrwatch.v1.Event objects, one JSON object per line (proto3 JSON mapping),\n"
    "  from FILE or standard input, and sends them in acknowledged batches.\n"
    "  --endpoint E  ingest socket (default $HRWATCH_INGEST or " HRW_DEFAULT_INGEST ")\n"
    "  --batch N     events per batch (default 500)\n"
    "  --window N    batches in flight at once (default 4, at most 64)\n"
    "  --timeout S   give up on a batch unacknowledged for S seconds (default 30)\n"
    "  --quiet       print only the summary\n"
    "  --json        print the summary as one JSON object\n"
    "On a terminal, progress (events/s, acknowledged, rejected) is shown on\n"
    "standard error while it runs. A line that is not JSON, or not an Event, is\n"
    "not sent: it is named with a reason code as the daemon's (REASON_MALFORMED,\n"
    "REASON_OUT_OF_RANGE) and counted as invalid; 'hrwatch rejected' lists only\n"
    "what hrwatchd rejected.\n"
    "Exit status: 0 all accepted or duplicate, 1 some rejected or invalid,\n"
    "2 some unacknowledged or nothing answers, 64 usage error.\n";

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
    uint64_t acked = p->accepted + p->duplicate + p->rejected;
    double rate = (double) acked * HRW_US_PER_SEC / (double) (now - p->started);
    fprintf (stderr, "\r%.0f events/s: %" PRIu64 " acknowledged (%" PRIu64 " accepted, %" PRIu64
             " duplicate, %" PRIu64 " rejected), %" PRIu64 " invalid, %" PRIu64
             " in flight\033[K", rate, acked, p->accepted, p->duplicate, p->rejected, p->invalid,
             p->sent - acked);
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

// ---------------------------------------------------------------------------
// Building batches

static int
s_add_line (s_batch_t *b, size_t line)
{
    if (b->n_events == b->lines_cap) {
        size_t cap = b->lines_cap? b->lines_cap * 2: 256;
        size_t *l = realloc (b->lines, cap * sizeof (*l));
        if (!l)
            return -1;
        b->lines = l;
        b->lines_cap = cap;
    }
    b->lines[b->n_events++] = line;
    return 0;
}

//  A line that is not sent, with the reason the daemon would give.
static void
s_invalid (s_pub_t *p, const char *event_id, int reason, const char *msg)
{
    char what[64];
    snprintf (what, sizeof (what), "invalid, %s", hrw_reason_name (reason));
    s_show (p, p->line_no, event_id, what, msg);
    p->invalid++;
    p->invalid_by_reason[reason]++;
}

//  Appends the event in line as field 2 of the batch being built.
static int
s_add_event (s_pub_t *p, s_batch_t *b, json_t *obj, hrw_buf_t *scratch)
{
    char err[1024];
    hrw_pbjson_error_t kind = HRW_PBJSON_E_SHAPE;
    hrw_buf_clear (scratch);
    if (hrw_pbjson_encode_kind (&hrwatch__v1__event__descriptor, obj, scratch, err,
                                sizeof (err), &kind)) {
        //  As the daemon says of a value out of range (an unknown enum
        //  name among them) and of an event that does not decode.
        json_t *id = json_object_get (obj, "eventId");
        s_invalid (p, json_is_string (id)? json_string_value (id): "",
                   kind == HRW_PBJSON_E_RANGE? HRWATCH__V1__REASON__REASON_OUT_OF_RANGE
                                             : HRWATCH__V1__REASON__REASON_MALFORMED, err);
        return 0;
    }
    uint8_t head[11];
    size_t n = 0;
    head[n++] = 2 << 3 | 2;
    for (uint64_t len = scratch->len; ; len >>= 7) {
        head[n++] = (uint8_t) (len & 0x7f) | (len >= 0x80? 0x80: 0);
        if (len < 0x80)
            break;
    }
    hrw_buf_append (&b->frame, head, n);
    hrw_buf_append (&b->frame, scratch->data, scratch->len);
    if (b->frame.oom || s_add_line (b, p->line_no))
        return -1;
    return 0;
}

//  Fills b from the input. Returns 0 (b may hold no event at end of input)
//  or -1 when out of memory.
static int
s_fill (s_pub_t *p, s_batch_t *b, hrw_buf_t *scratch)
{
    hrw_buf_clear (&b->frame);
    b->n_events = 0;
    snprintf (b->id, sizeof (b->id), "%d-%" PRIu64, (int) getpid (), ++p->next_batch);
    size_t idlen = strlen (b->id);
    uint8_t head[2] = { 1 << 3 | 2, (uint8_t) idlen };
    hrw_buf_append (&b->frame, head, 2);
    hrw_buf_append (&b->frame, b->id, idlen);
    while (b->n_events < p->batch_size && b->frame.len < S_BATCH_BYTES_MAX) {
        ssize_t n = getline (&p->line, &p->line_cap, p->in);
        if (n < 0) {
            p->eof = 1;
            break;
        }
        p->line_no++;
        while (n > 0 && (p->line[n - 1] == '\n' || p->line[n - 1] == '\r'))
            p->line[--n] = '\0';
        if (n == 0)
            continue;
        json_error_t jerr;
        json_t *obj = json_loadb (p->line, (size_t) n, 0, &jerr);
        if (!obj) {
            char msg[200];
            snprintf (msg, sizeof (msg), "not JSON: %s", jerr.text);
            s_invalid (p, "", HRWATCH__V1__REASON__REASON_MALFORMED, msg);
            continue;
        }
        int rc = s_add_event (p, b, obj, scratch);
        json_decref (obj);
        if (rc)
            return -1;
    }
    return 0;
}

// ---------------------------------------------------------------------------
// Sending and acknowledgements

static void
s_send (s_pub_t *p, s_batch_t *b, int64_t now)
{
    //  An empty delimiter first: the same envelope a REQ socket would send.
    zmq_send (p->conn.sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (p->conn.sock, b->frame.data, b->frame.len, ZMQ_DONTWAIT);
    b->next_send = now + b->backoff;
    b->backoff = b->backoff * 2 > S_RETRY_MAX_US? S_RETRY_MAX_US: b->backoff * 2;
}

static void
s_count_reason (s_pub_t *p, int reason)
{
    p->by_reason[reason >= 0 && reason < S_REASONS? reason: 0]++;
}

static void
s_tally (s_pub_t *p, s_batch_t *b, const Hrwatch__V1__Ack *ack)
{
    if (ack->status == HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_REJECTED) {
        p->rejected += b->n_events;
        s_count_reason (p, ack->reason);
        char what[64];
        snprintf (what, sizeof (what), "batch rejected, %s", hrw_reason_name (ack->reason));
        s_show (p, b->n_events? b->lines[0]: 0, "", what, ack->message);
        return;
    }
    for (size_t i = 0; i < ack->n_results && i < b->n_events; i++) {
        const Hrwatch__V1__EventResult *r = ack->results[i];
        if (r->outcome == HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED)
            p->accepted++;
        else if (r->outcome == HRWATCH__V1__OUTCOME__OUTCOME_DUPLICATE)
            p->duplicate++;
        else {
            p->rejected++;
            s_count_reason (p, r->reason);
            s_show (p, b->lines[i], r->event_id, hrw_reason_name (r->reason), r->message);
        }
    }
}

static s_batch_t *
s_find (s_pub_t *p, const char *id)
{
    for (int i = 0; i < p->window; i++)
        if (p->slots[i].in_use && !strcmp (p->slots[i].id, id))
            return &p->slots[i];
    return NULL;
}

//  Takes one reply if one is waiting. Returns 1 when a batch was finished.
static int
s_receive (s_pub_t *p, int wait_ms)
{
    zmq_pollitem_t item = { p->conn.sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, wait_ms) <= 0)
        return 0;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    int done = 0;
    while (zmq_msg_recv (&msg, p->conn.sock, ZMQ_DONTWAIT) >= 0) {
        if (zmq_msg_more (&msg))
            continue;   //  The delimiter
        Hrwatch__V1__Ack *ack
            = hrwatch__v1__ack__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
        s_batch_t *b = ack? s_find (p, ack->batch_id): NULL;
        //  An Ack for a batch already settled is the answer to a re-send.
        if (b && ack->status != HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_UNAVAILABLE) {
            s_tally (p, b, ack);
            b->in_use = 0;
            done = 1;
        }
        else if (b && !p->quiet) {
            s_progress_clear (p);
            fprintf (stderr, "hrwatch: %s is unavailable (%s); retrying\n", p->endpoint,
                     ack->message);
        }
        if (ack)
            hrwatch__v1__ack__free_unpacked (ack, NULL);
        break;
    }
    zmq_msg_close (&msg);
    return done;
}

// ---------------------------------------------------------------------------
// The run

static int
s_in_flight (s_pub_t *p)
{
    int n = 0;
    for (int i = 0; i < p->window; i++)
        n += p->slots[i].in_use;
    return n;
}

//  Re-sends what is due; returns -1 when a batch has waited past the
//  timeout.
static int
s_resend (s_pub_t *p, int64_t now)
{
    for (int i = 0; i < p->window; i++) {
        s_batch_t *b = &p->slots[i];
        if (!b->in_use)
            continue;
        if (now - b->first_sent > p->timeout_us)
            return -1;
        if (now >= b->next_send)
            s_send (p, b, now);
    }
    return 0;
}

//  Whether the connection still gives hope: a handshake that failed, or
//  no connection made within HRW_CLIENT_CONNECT_MS of the start, is said
//  (once) and ends the run. A connection made (a daemon taking a backlog in
//  turn) or once up (a daemon gone quiet) gets the full timeout.
static int
s_connection_ok (s_pub_t *p, int64_t now)
{
    int rc = hrw_client_poll (&p->conn, 0);
    p->was_up |= rc > 0;
    if (rc < 0)
        return 0;
    if (!p->was_up && !p->conn.connected
        && now - p->started > (int64_t) HRW_CLIENT_CONNECT_MS * 1000) {
        hrw_client_not_up (&p->conn);
        return 0;
    }
    return 1;
}

static int
s_run (s_pub_t *p)
{
    hrw_buf_t scratch = { 0 };
    int status = 0;
    p->started = hrw_clock_now_us ();
    for (;;) {
        int64_t now = hrw_clock_now_us ();
        for (int i = 0; i < p->window && !p->eof; i++) {
            s_batch_t *b = &p->slots[i];
            if (b->in_use)
                continue;
            if (s_fill (p, b, &scratch)) {
                fprintf (stderr, "hrwatch: out of memory\n");
                status = 2;
                goto done;
            }
            if (b->n_events == 0)
                continue;
            b->in_use = 1;
            b->first_sent = now;
            b->backoff = S_RETRY_FIRST_US;
            p->sent += b->n_events;
            s_send (p, b, now);
        }
        //  Nothing (more) to send: still, a daemon that was never there
        //  is said, not a success of nothing.
        if (p->eof && s_in_flight (p) == 0) {
            int spent = (int) ((now - p->started) / 1000);
            int left = HRW_CLIENT_CONNECT_MS - spent;
            int up = (int) (p->timeout_us / 1000) - spent;
            if (!p->was_up && hrw_client_wait (&p->conn, left > 0? left: 0, up > 0? up: 0))
                status = 2;
            else
                p->was_up = 1;
            break;
        }
        s_receive (p, 50);
        now = hrw_clock_now_us ();
        s_progress (p, now);
        if (!s_connection_ok (p, now)) {
            s_progress_clear (p);
            status = 2;
            goto done;
        }
        if (s_resend (p, now)) {
            s_progress_clear (p);
            fprintf (stderr, "hrwatch: no acknowledgement from %s after %.0f s; is hrwatchd "
                     "running there?\n", p->endpoint, (double) p->timeout_us / HRW_US_PER_SEC);
            status = 2;
            goto done;
        }
    }
done:
    s_progress_clear (p);
    hrw_buf_free (&scratch);
    return status;
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
    json_t *o = json_pack ("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
                           "endpoint", p->endpoint, "sent", (json_int_t) p->sent,
                           "accepted", (json_int_t) p->accepted,
                           "duplicate", (json_int_t) p->duplicate,
                           "rejected", (json_int_t) p->rejected,
                           "invalid", (json_int_t) p->invalid,
                           "unacknowledged", (json_int_t) unacked,
                           "rejectedByReason", s_reasons_json (p->by_reason),
                           "invalidByReason", s_reasons_json (p->invalid_by_reason));
    if (p->summary)
        *p->summary = o;
    else
        hrw_client_print_json (o);
}

static void
s_summary (s_pub_t *p, int status)
{
    uint64_t unacked = p->sent - p->accepted - p->duplicate - p->rejected;
    if (p->json) {
        s_summary_json (p, unacked);
        return;
    }
    if (!p->was_up) {
        //  Batches queued on a socket that never connected went nowhere.
        printf ("published nothing: %s %s (%" PRIu64 " event%s read",
                p->conn.connected? "no handshake completed with": "no connection to",
                p->endpoint, p->sent, p->sent == 1? "": "s");
        if (p->invalid)
            printf (", %" PRIu64 " invalid lines", p->invalid);
        printf (")\n");
        return;
    }
    printf ("published %" PRIu64 " event%s to %s: %" PRIu64 " accepted, %" PRIu64 " duplicate, %"
            PRIu64 " rejected", p->sent, p->sent == 1? "": "s", p->endpoint, p->accepted,
            p->duplicate, p->rejected);
    if (p->invalid)
        printf (", %" PRIu64 " invalid lines not sent", p->invalid);
    if (status == 2)
        printf (", %" PRIu64 " unacknowledged", unacked);
    printf ("\n");
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
    uint64_t batch = p->batch_size, window = (uint64_t) p->window;
    double timeout = (double) p->timeout_us / HRW_US_PER_SEC;
    const hrw_cli_opt_t opts[] = {
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &p->endpoint, 0, 0, 0 },
        { "batch", 'b', HRW_CLI_UINT, &batch, 1, 10000000, 0 },
        { "window", 'w', HRW_CLI_UINT, &window, 1, S_WINDOW_MAX, 0 },
        { "timeout", 't', HRW_CLI_REAL, &timeout, 0.001, 1e7, 0 },
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
    void *ctx = zmq_ctx_new ();
    if (hrw_client_open (ctx, ZMQ_DEALER, p->endpoint, &p->conn))
        status = 2;
    else {
        status = s_run (p);
        s_summary (p, status);
        if (status == 0 && (p->rejected || p->invalid))
            status = 1;
    }
    hrw_client_close (&p->conn);
    if (ctx)
        zmq_ctx_term (ctx);
done:
    if (p->in && p->in != stdin)
        fclose (p->in);
    for (int i = 0; i < S_WINDOW_MAX; i++) {
        hrw_buf_free (&p->slots[i].frame);
        free (p->slots[i].lines);
    }
    free (p->line);
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
