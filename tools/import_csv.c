/*  import_csv: turns an HRIS export into events. The first export of a
    source becomes its history; each later one is compared with the
    snapshot kept of the one before, and what changed becomes events. The
    events go out through `hrwatch publish` (the same batches, acks and
    retries), and the snapshot is replaced only once every event was
    acknowledged. */
#include "tools/import_csv.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/cli.h"
#include "tools/client.h"
#include "tools/import_map.h"
#include "tools/publish.h"

typedef struct {
    const char *file;           //  The export
    const char *mapping;        //  --mapping
    const char *state_arg;      //  --state, or NULL
    const char *endpoint;       //  --endpoint, or NULL for publish's default
    int dry_run;                //  --dry-run
    int json;                   //  --json
    char state[4096];           //  The snapshot's path
    hrw_import_map_t map;       //  The mapping
    hrw_import_data_t now;      //  The export
    hrw_import_data_t before;   //  The snapshot of the export before, sorted
    hrw_import_data_t next;     //  The snapshot to keep once acknowledged
    int first;                  //  No snapshot: a first import
    char asof[21];              //  Export time, RFC 3339 (the file's modification time)
    char asof_day[11];          //  ... its date
    char stamp[16];             //  ... as YYYYMMDDTHHMMSS, in event ids of changes
    json_t *events;             //  Array of the events to send
    size_t units, hires, exits, voluntary, involuntary, scheduled, transfers, promotions,
           voids, corrections, surveys, carried;
} s_import_t;

static const char *s_usage_text =
    "usage: hrwatch import-csv FILE --mapping MAP [--state DIR|FILE] [--endpoint E] [--dry-run]"
    " [--json]\n"
    "  Reads an HRIS export in CSV and publishes what changed since the export imported\n"
    "  before it (the first one: the company's history) as events.\n"
    "  --mapping MAP  which columns mean what (docs/integrations.md)\n"
    "  --state P      the snapshot of the last import: a file, or a directory to keep\n"
    "                 SOURCE.hrwatch-state in (default: the mapping's directory)\n"
    "  --endpoint E   ingest socket (default $HRWATCH_INGEST or " HRW_DEFAULT_INGEST ")\n"
    "  --dry-run      print the events as JSON lines (the summary on standard error);\n"
    "                 send nothing, keep no snapshot\n"
    "  --json         print the summary as one JSON object\n"
    "Only the mapped columns are read; any other (names among them) is skipped.\n"
    "Exit status: 0 all acknowledged and the snapshot kept, 1 some rejected, 2 some\n"
    "unacknowledged, 64 usage or mapping error, 65 rows that cannot be read, a\n"
    "mapped column missing or no rows (then nothing is published), 66 FILE or MAP\n"
    "cannot be opened, 74 the snapshot cannot be read or written.\n";

// ---------------------------------------------------------------------------
// Events

static char *
s_day_compact (const char *day, char *out)
{
    snprintf (out, 9, "%.4s%.2s%.2s", day, day + 5, day + 8);
    return out;
}

//  Starts an event; returns it (added to p->events) or NULL when the id
//  would be too long or memory is out. stamped: the id holds the export
//  time, so the event may say when it was entered.
static json_t *
s_event (s_import_t *p, const char *id, int stamped, const char *occurred,
         const char *body_name, json_t *body)
{
    char at[21];
    if (strlen (occurred) == 10)
        snprintf (at, sizeof (at), "%sT00:00:00Z", occurred);
    else
        snprintf (at, sizeof (at), "%s", occurred);
    if (strlen (id) > HRW_IMPORT_EVENT_ID_MAX) {
        json_decref (body);
        return NULL;
    }
    json_t *e = json_pack ("{s:s, s:s, s:s, s:o}", "eventId", id, "occurredAt", at, "source",
                           p->map.source, body_name, body);
    if (!e || json_array_append_new (p->events, e))
        return NULL;
    //  What was known when: a change seen in a later export was entered by
    //  then. Only an event whose id holds the export time says so: one
    //  whose id does not (a hire, a first import's exit) can be sent again
    //  from another export (after a rejection, or a lost snapshot), and the
    //  daemon answers a known id with other content CONFLICT.
    if (stamped)
        json_object_set_new (e, "recordedAt", json_string (p->asof));
    return e;
}

static int
s_hire (s_import_t *p, hrw_import_row_t *r, const char *corrects)
{
    //  A new employee's hire has the same id whichever import brings it; a
    //  re-hire or a corrected hire date is told apart by the export time.
    char day[9];
    int n = snprintf (r->hire_id, sizeof (r->hire_id), "csv-%s-%s-hire-%s", p->map.source,
                      r->emp, s_day_compact (r->hire, day));
    if (corrects)
        snprintf (r->hire_id + n, sizeof (r->hire_id) - (size_t) n, "-%s", p->stamp);
    json_t *body = json_pack ("{s:s, s:s}", "employeeId", r->emp, "unitId", r->unit);
    if (body && *r->pos)
        json_object_set_new (body, "positionId", json_string (r->pos));
    if (body && *r->mgr)
        json_object_set_new (body, "managerId", json_string (r->mgr));
    json_t *e = s_event (p, r->hire_id, corrects != NULL, r->hire, "hire", body);
    if (!e)
        return -1;
    if (corrects && *corrects) {
        json_object_set_new (e, "correctsEventId", json_string (corrects));
        p->corrections++;
    }
    p->hires++;
    return 0;
}

static int
s_exit (s_import_t *p, hrw_import_row_t *r, const char *corrects)
{
    char day[9];
    int n = snprintf (r->exit_id, sizeof (r->exit_id), "csv-%s-%s-exit-%s-%c", p->map.source,
                      r->emp, s_day_compact (r->term, day), r->kind);
    if (!p->first)
        snprintf (r->exit_id + n, sizeof (r->exit_id) - (size_t) n, "-%s", p->stamp);
    json_t *body = json_pack ("{s:s, s:s}", "employeeId", r->emp, "type",
                              r->kind == 'v'? "EXIT_TYPE_VOLUNTARY": "EXIT_TYPE_INVOLUNTARY");
    json_t *e = s_event (p, r->exit_id, !p->first, r->term, "exit", body);
    if (!e)
        return -1;
    if (corrects && *corrects) {
        json_object_set_new (e, "correctsEventId", json_string (corrects));
        p->corrections++;
    }
    p->exits++;
    if (r->kind == 'v')
        p->voluntary++;
    else
        p->involuntary++;
    if (strcmp (r->term, p->asof_day) > 0)
        p->scheduled++;
    return 0;
}

static int
s_void (s_import_t *p, const hrw_import_row_t *r, const char *voided)
{
    char id[HRW_IMPORT_EVENT_ID_MAX + 8];
    snprintf (id, sizeof (id), "csv-%s-%s-void-%s", p->map.source, r->emp, p->stamp);
    json_t *body = json_pack ("{s:s}", "voidedEventId", voided);
    if (!s_event (p, id, 1, p->asof, "eventVoided", body))
        return -1;
    p->voids++;
    return 0;
}

//  Another unit or manager: a transfer; another position: a promotion.
static int
s_moves (s_import_t *p, const hrw_import_row_t *r, const hrw_import_row_t *b)
{
    char id[HRW_IMPORT_EVENT_ID_MAX + 8];
    if (strcmp (r->unit, b->unit) || strcmp (r->mgr, b->mgr)) {
        snprintf (id, sizeof (id), "csv-%s-%s-transfer-%s", p->map.source, r->emp, p->stamp);
        json_t *body = json_pack ("{s:s, s:s}", "employeeId", r->emp, "newUnitId", r->unit);
        if (body && *r->mgr)
            json_object_set_new (body, "newManagerId", json_string (r->mgr));
        if (!s_event (p, id, 1, p->asof, "transfer", body))
            return -1;
        p->transfers++;
    }
    if (*r->pos && strcmp (r->pos, b->pos)) {
        snprintf (id, sizeof (id), "csv-%s-%s-promotion-%s", p->map.source, r->emp, p->stamp);
        json_t *body = json_pack ("{s:s, s:s}", "employeeId", r->emp, "newPositionId", r->pos);
        if (!s_event (p, id, 1, p->asof, "promotion", body))
            return -1;
        p->promotions++;
    }
    return 0;
}

//  The events of one row of the export, against its row in the snapshot
//  (b, or NULL when it is new); r's event ids are set to those in force.
static int
s_diff_row (s_import_t *p, hrw_import_row_t *r, const hrw_import_row_t *b)
{
    if (!b)
        return s_hire (p, r, NULL) || (*r->term && s_exit (p, r, NULL))? -1: 0;
    strcpy (r->hire_id, b->hire_id);
    strcpy (r->exit_id, b->exit_id);
    if (strcmp (r->hire, b->hire)) {
        //  Hired again after the exit on record: that exit stands.
        if (*b->term && strcmp (r->hire, b->term) > 0) {
            r->exit_id[0] = '\0';
            return s_hire (p, r, "") || (*r->term && s_exit (p, r, NULL))? -1: 0;
        }
        if (s_hire (p, r, b->hire_id))
            return -1;
    }
    else if (!(*r->term && *b->term) && s_moves (p, r, b))
        return -1;
    if (!strcmp (r->term, b->term) && r->kind == b->kind)
        return 0;
    if (!*r->term) {
        r->exit_id[0] = '\0';
        return *b->exit_id? s_void (p, r, b->exit_id): 0;
    }
    return s_exit (p, r, b->exit_id);
}

static int
s_score_cmp (const void *a, const void *b)
{
    return *(const int *) a - *(const int *) b;
}

//  One anonymous response per score, once per cycle. Ids number the
//  responses of a unit in order of score, so nothing in them points at
//  a person.
static int
s_surveys (s_import_t *p)
{
    if (!*p->map.survey_cycle)
        return 0;
    for (size_t i = 0; i < p->before.n_cycles; i++)
        if (!strcmp (p->before.cycles[i], p->map.survey_cycle))
            return hrw_import_add_cycle (&p->next, p->map.survey_cycle);
    int *scores = malloc ((p->now.n_rows + 1) * sizeof (*scores));
    if (!scores)
        return -1;
    for (size_t u = 0; u < p->now.n_units; u++) {
        size_t n = 0;
        for (size_t i = 0; i < p->now.n_rows; i++) {
            const hrw_import_row_t *r = &p->now.rows[i];
            if (r->score && !strcmp (r->unit, p->now.units[u].id)
                && (!*r->term || strcmp (r->term, p->asof_day) > 0))
                scores[n++] = r->score;
        }
        qsort (scores, n, sizeof (*scores), s_score_cmp);
        for (size_t k = 0; k < n; k++) {
            char id[HRW_IMPORT_EVENT_ID_MAX + 64];
            snprintf (id, sizeof (id), "csv-%s-s-%s-%s-%zu", p->map.source, p->map.survey_cycle,
                      p->now.units[u].id, k + 1);
            json_t *body = json_pack ("{s:s, s:s, s:i}", "surveyCycleId", p->map.survey_cycle,
                                      "unitId", p->now.units[u].id, "engagement", scores[k]);
            if (!s_event (p, id, 0, p->asof, "surveyResponse", body)) {
                free (scores);
                return -1;
            }
            p->surveys++;
        }
    }
    free (scores);
    return hrw_import_add_cycle (&p->next, p->map.survey_cycle);
}

typedef struct {
    const char *at;         //  occurredAt
    size_t index;           //  Place in the order they were made
    json_t *event;
} s_sorted_t;

static int
s_sorted_cmp (const void *a, const void *b)
{
    const s_sorted_t *x = a, *y = b;
    int c = strcmp (x->at, y->at);
    return c? c: x->index < y->index? -1: x->index > y->index;
}

//  Puts the events in order of occurredAt (and of making, for the same
//  instant: a unit before its hires), so that a daemon whose clock follows
//  the events counts each exit in its own month, not as late data.
static int
s_order (s_import_t *p)
{
    size_t n = json_array_size (p->events);
    s_sorted_t *v = n? malloc (n * sizeof (*v)): NULL;
    json_t *sorted = json_array ();
    if ((n && !v) || !sorted) {
        free (v);
        json_decref (sorted);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        v[i].event = json_array_get (p->events, i);
        v[i].at = json_string_value (json_object_get (v[i].event, "occurredAt"));
        v[i].index = i;
    }
    if (n)
        qsort (v, n, sizeof (*v), s_sorted_cmp);
    for (size_t i = 0; i < n; i++)
        json_array_append (sorted, v[i].event);
    free (v);
    json_decref (p->events);
    p->events = sorted;
    return 0;
}

//  Every event the export calls for, and the snapshot to keep after.
static int
s_diff (s_import_t *p)
{
    for (size_t u = 0; u < p->now.n_units; u++) {
        hrw_import_unit_t *unit = &p->now.units[u];
        hrw_import_unit_t *old = hrw_import_unit (&p->before, unit->id);
        if (old)
            strcpy (unit->first_hire, old->first_hire);
        else {
            char id[HRW_IMPORT_EVENT_ID_MAX + 8];
            snprintf (id, sizeof (id), "csv-%s-unit-%s", p->map.source, unit->id);
            json_t *body = json_pack ("{s:s, s:s}", "unitId", unit->id, "name", unit->name);
            if (!s_event (p, id, 0, unit->first_hire, "orgUnitDefined", body))
                return -1;
            p->units++;
        }
        if (hrw_import_add_unit (&p->next, unit))
            return -1;
    }
    //  Units of the snapshot no row names any more are kept, as defined.
    for (size_t u = 0; u < p->before.n_units; u++)
        if (!hrw_import_unit (&p->now, p->before.units[u].id)
            && hrw_import_add_unit (&p->next, &p->before.units[u]))
            return -1;
    for (size_t i = 0; i < p->now.n_rows; i++) {
        hrw_import_row_t *r = &p->now.rows[i];
        if (s_diff_row (p, r, hrw_import_find (&p->before, r->emp))
            || hrw_import_add_row (&p->next, r))
            return -1;
    }
    //  A row gone from the export says nothing: it is kept, so that its
    //  return is compared with what was known of it.
    hrw_import_sort (&p->now);
    for (size_t i = 0; i < p->before.n_rows; i++)
        if (!hrw_import_find (&p->now, p->before.rows[i].emp)) {
            if (hrw_import_add_row (&p->next, &p->before.rows[i]))
                return -1;
            p->carried++;
        }
    return s_surveys (p) || s_order (p);
}

// ---------------------------------------------------------------------------
// Publishing, through hrwatch publish

//  Writes the events as JSON lines to out. Returns 0, or -1.
static int
s_write_events (s_import_t *p, FILE *out)
{
    size_t i;
    json_t *e;
    json_array_foreach (p->events, i, e) {
        if (json_dumpf (e, out, JSON_COMPACT) || fputc ('\n', out) == EOF)
            return -1;
    }
    return fflush (out)? -1: 0;
}

//  Makes an empty file in $TMPDIR (or /tmp), its name in path; returns
//  its descriptor, or -1.
static int
s_temp (char *path, size_t cap, const char *what)
{
    const char *dir = getenv ("TMPDIR");
    snprintf (path, cap, "%s/hrwatch-import-%s.XXXXXX", dir && *dir? dir: "/tmp", what);
    return mkstemp (path);
}

//  Runs `hrwatch publish` on the events, its JSON summary into *summary.
//  Returns its exit status.
static int
s_publish (s_import_t *p, json_t **summary)
{
    char events_path[4096];
    int status = 2;
    int fd = s_temp (events_path, sizeof (events_path), "events");
    if (fd < 0) {
        fprintf (stderr, "hrwatch: cannot make a temporary file: %s\n", strerror (errno));
        return 2;
    }
    FILE *f = fdopen (fd, "w");
    if (!f || s_write_events (p, f) || fflush (f)) {
        fprintf (stderr, "hrwatch: cannot write the events to %s: %s\n", events_path,
                 strerror (errno));
        goto done;
    }
    char *argv[6] = { "publish", events_path };
    int argc = 2;
    if (p->endpoint) {
        argv[argc++] = "--endpoint";
        argv[argc++] = (char *) p->endpoint;
    }
    argv[argc] = NULL;
    status = hrw_cli_publish_json (argc, argv, summary);
done:
    if (f)
        fclose (f);
    else
        close (fd);
    unlink (events_path);
    return status;
}

// ---------------------------------------------------------------------------
// The run

static void
s_summary (s_import_t *p, json_t *published, int state_written)
{
    if (p->json) {
        json_t *o = json_pack (
            "{s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
            " s:I, s:s, s:s, s:b}",
            "file", p->file, "source", p->map.source, "firstImport", p->first,
            "dryRun", p->dry_run, "rows", (json_int_t) p->now.n_rows,
            "events", (json_int_t) json_array_size (p->events), "units", (json_int_t) p->units,
            "hires", (json_int_t) p->hires, "exits", (json_int_t) p->exits,
            "voluntary", (json_int_t) p->voluntary, "involuntary", (json_int_t) p->involuntary,
            "scheduled", (json_int_t) p->scheduled, "transfers", (json_int_t) p->transfers,
            "promotions", (json_int_t) p->promotions, "voids", (json_int_t) p->voids,
            "corrections", (json_int_t) p->corrections,
            "surveyResponses", (json_int_t) p->surveys, "exportedAt", p->asof,
            "state", p->state, "stateWritten", state_written);
        if (o) {
            json_object_set_new (o, "rowsNotInExport", json_integer ((json_int_t) p->carried));
            json_object_set (o, "published", published? published: json_null ());
        }
        //  In a dry run the events hold standard output: the summary goes
        //  to standard error.
        if (p->dry_run && o) {
            json_dumpf (o, stderr, JSON_COMPACT);
            fputc ('\n', stderr);
            json_decref (o);
        }
        else
            hrw_client_print_json (o);
        return;
    }
    FILE *out = p->dry_run? stderr: stdout;
    fprintf (out, "%s: %zu rows, exported %s; %s\n", p->file, p->now.n_rows, p->asof,
             p->first? "a first import: the company's history"
                     : "compared with the import before");
    fprintf (out, "events: %zu units defined, %zu hires, %zu exits (%zu voluntary, %zu "
             "involuntary, %zu scheduled), %zu transfers, %zu promotions, %zu voids, %zu "
             "corrections, %zu survey responses\n", p->units, p->hires, p->exits, p->voluntary,
             p->involuntary, p->scheduled, p->transfers, p->promotions, p->voids,
             p->corrections, p->surveys);
    if (p->carried)
        fprintf (out, "%zu employees of the import before are not in this export: nothing "
                 "sent for them\n", p->carried);
    if (published)
        fprintf (out, "published %lld events: %lld accepted, %lld duplicate, %lld rejected, "
                 "%lld unacknowledged\n",
                 (long long) json_integer_value (json_object_get (published, "sent")),
                 (long long) json_integer_value (json_object_get (published, "accepted")),
                 (long long) json_integer_value (json_object_get (published, "duplicate")),
                 (long long) json_integer_value (json_object_get (published, "rejected")),
                 (long long) json_integer_value (json_object_get (published, "unacknowledged")));
    else if (!p->dry_run && !json_array_size (p->events))
        fprintf (out, "nothing new to publish\n");
    if (state_written)
        fprintf (out, "snapshot kept in %s\n", p->state);
    else if (!p->dry_run)
        fprintf (out, "snapshot %s left as it was: import this export again once the "
                 "daemon has acknowledged every event\n", p->state);
}

//  The snapshot's path: --state FILE, --state DIR/SOURCE.hrwatch-state, or
//  SOURCE.hrwatch-state beside the mapping. Never named after the export:
//  each export has a name of its own, and the next one would find no
//  snapshot and be taken for a first import.
static int
s_state_path (s_import_t *p)
{
    struct stat st;
    int n;
    if (p->state_arg && stat (p->state_arg, &st) == 0 && S_ISDIR (st.st_mode))
        n = snprintf (p->state, sizeof (p->state), "%s/%s.hrwatch-state", p->state_arg,
                      p->map.source);
    else if (p->state_arg)
        n = snprintf (p->state, sizeof (p->state), "%s", p->state_arg);
    else {
        const char *slash = strrchr (p->mapping, '/');
        int dir = slash? (int) (slash - p->mapping): 1;
        n = snprintf (p->state, sizeof (p->state), "%.*s/%s.hrwatch-state", dir,
                      slash? p->mapping: ".", p->map.source);
    }
    return n >= (int) sizeof (p->state) - 8? -1: 0;
}

//  The last date the daemon takes: max_future_days after now.
static void
s_latest (const s_import_t *p, char *out)
{
    time_t t = time (NULL) + (time_t) p->map.max_future_days * 86400;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

//  The export time: the file's modification time, never after now.
static void
s_export_time (s_import_t *p, FILE *in)
{
    struct stat st;
    time_t now = time (NULL), t = now;
    if (fstat (fileno (in), &st) == 0 && st.st_mtime < now)
        t = st.st_mtime;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (p->asof, sizeof (p->asof), "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime (p->asof_day, sizeof (p->asof_day), "%Y-%m-%d", &tm);
    strftime (p->stamp, sizeof (p->stamp), "%Y%m%dT%H%M%S", &tm);
}

static int
s_parse (int argc, char **argv, s_import_t *p)
{
    const hrw_cli_opt_t opts[] = {
        { "mapping", 'm', HRW_CLI_STRING, &p->mapping, 0, 0, 0 },
        { "state", 's', HRW_CLI_STRING, &p->state_arg, 0, 0, 0 },
        { "endpoint", 'e', HRW_CLI_ENDPOINT, &p->endpoint, 0, 0, 0 },
        { "dry-run", 'n', HRW_CLI_FLAG, &p->dry_run, 0, 0, 1 },
        { "json", 'j', HRW_CLI_FLAG, &p->json, 0, 0, 1 },
        { NULL, 0, 0, NULL, 0, 0, 0 }
    };
    char *args[1];
    int n_args = 0;
    int rc = hrw_cli_parse (argc, argv, opts, s_usage_text, args, 1, &n_args);
    if (rc)
        return rc;
    if (!n_args || !p->mapping) {
        fprintf (stderr, "hrwatch: import-csv needs FILE and --mapping MAP\n");
        return hrw_cli_usage (s_usage_text);
    }
    p->file = args[0];
    return 0;
}

int
hrw_cli_import_csv_main (int argc, char **argv)
{
    s_import_t *p = calloc (1, sizeof (*p));
    if (!p)
        return 2;
    int status = s_parse (argc, argv, p);
    if (status) {
        status = hrw_cli_exit (status);
        goto free_import;
    }
    int rc = hrw_import_map_load (p->mapping, &p->map);
    if (rc) {
        status = rc == -2? HRW_IMPORT_NOINPUT: HRW_CLI_USAGE;
        goto free_import;
    }
    status = HRW_IMPORT_NOINPUT;
    FILE *in = fopen (p->file, "r");
    struct stat st;
    //  A directory opens, and then reads as an error: say what it is.
    if (in && fstat (fileno (in), &st) == 0 && S_ISDIR (st.st_mode)) {
        fclose (in);
        in = NULL;
        errno = EISDIR;
    }
    if (!in) {
        fprintf (stderr, "hrwatch: cannot read %s: %s\n", p->file, strerror (errno));
        goto free_map;
    }
    s_export_time (p, in);
    status = HRW_IMPORT_DATAERR;
    char latest[11];
    s_latest (p, latest);
    rc = hrw_import_read (in, p->file, &p->map, latest, &p->now);
    int read_error = ferror (in);
    fclose (in);
    if (rc)
        goto free_data;
    if (read_error) {
        fprintf (stderr, "hrwatch: cannot read %s: a read error: nothing was published\n",
                 p->file);
        goto free_data;
    }
    if (p->now.n_errors) {
        fprintf (stderr, "hrwatch: %zu row%s of %s cannot be read: nothing was published\n",
                 p->now.n_errors, p->now.n_errors == 1? "": "s", p->file);
        goto free_data;
    }
    //  An export of nobody is a failed export far more often than an empty
    //  company; kept as the snapshot, it would make the next export's
    //  whole history into changes dated that day.
    if (!p->now.n_rows) {
        fprintf (stderr, "hrwatch: %s: a header and no rows: nothing was published, and the "
                 "snapshot is left as it was\n", p->file);
        goto free_data;
    }
    status = HRW_IMPORT_IOERR;
    if (s_state_path (p)) {
        fprintf (stderr, "hrwatch: state path too long\n");
        goto free_data;
    }
    rc = hrw_import_state_load (p->state, p->map.source, &p->before);
    if (rc < 0)
        goto free_data;
    p->first = rc == 1;
    p->events = json_array ();
    if (!p->events || s_diff (p)) {
        fprintf (stderr, "hrwatch: out of memory, or an event id over 128 bytes\n");
        status = 2;
        goto free_data;
    }
    json_t *published = NULL;
    int written = 0;
    if (p->dry_run) {
        s_write_events (p, stdout);
        status = 0;
    }
    else {
        status = json_array_size (p->events)? s_publish (p, &published): 0;
        if (status == 0) {
            written = !hrw_import_state_save (p->state, p->map.source, &p->next);
            status = written? 0: HRW_IMPORT_IOERR;
        }
    }
    s_summary (p, published, written);
    if (status == 1)
        fprintf (stderr, "hrwatch: the daemon rejected events of %s (said above): the "
                 "snapshot is left as it was; once the cause is fixed, import it again, and "
                 "what was accepted comes back DUPLICATE\n", p->file);
    json_decref (published);
free_data:
    json_decref (p->events);
    hrw_import_data_free (&p->now);
    hrw_import_data_free (&p->before);
    hrw_import_data_free (&p->next);
free_map:
    hrw_import_map_free (&p->map);
free_import:
    free (p);
    return status;
}
