/*  Through the real binaries and real sockets: hrwatchd, hrwatch and
    hrwatch-gen, talking over libzmq, with the store in a temp dir. */
#include "fixture.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <zmq.h>

static int
setup_small_frames (void **state)
{
    *state = h_fixture ("[ingest]\nmax_frame_bytes = 4096\n");
    return 0;
}

//  A daemon replaying history: its clock never follows the wall clock.
static int
setup_replay (void **state)
{
    h_fixture_t *f = calloc (1, sizeof (*f));
    h_tempdir (f->dir, sizeof (f->dir));
    h_config (f->dir, NULL, f->config, f->ingest, f->push, f->control);
    f->daemon = h_daemon_start_with (f->config, f->control, "--replay");
    *state = f;
    return 0;
}

static void
s_generate (h_fixture_t *f, int events, int employees)
{
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch-gen --employees %d --years 3 --seed 3 "
                             "--events %d --out %s/events.jsonl --summary %s/truth.json",
                             employees, events, f->dir, f->dir), 0);
}

// ---------------------------------------------------------------------------

static void
test_ten_thousand_events_accepted_then_all_duplicate (void **state)
{
    h_fixture_t *f = *state;
    char file[600];
    s_generate (f, 10000, 2000);
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    assert_int_equal (h_publish (f, file, NULL), 0);
    h_expect_out ("published 10000 events");
    h_expect_out ("10000 accepted, 0 duplicate, 0 rejected");

    json_t *st = h_status (f);
    char truth_path[600];
    snprintf (truth_path, sizeof (truth_path), "%s/truth.json", f->dir);
    json_t *truth = json_load_file (truth_path, 0, NULL);
    assert_non_null (truth);
    static const char *pairs[][2] = {
        { "employeesActive", "employees_active" }, { "employeesExited", "employees_exited" },
        { "units", "units" }, { "positions", "positions" },
        { "criticalPositions", "critical_positions" }, { "nominations", "nominations" },
        { "mentorships", "mentorships" }, { "surveyResponses", "survey_responses" },
        { "eventsAccepted", "events" },
    };
    for (size_t i = 0; i < sizeof (pairs) / sizeof (pairs[0]); i++) {
        long want = (long) json_integer_value (json_object_get (truth, pairs[i][1]));
        if (h_field (st, pairs[i][0]) != want)
            fail_msg ("%s: daemon says %ld, the generator emitted %ld", pairs[i][0],
                      h_field (st, pairs[i][0]), want);
    }
    assert_true (h_field (st, "employeesActive") > 1000);
    char digest[32];
    snprintf (digest, sizeof (digest), "%s",
              json_string_value (json_object_get (st, "stateDigest")));

    //  The same file again: every event recognised, nothing changed.
    assert_int_equal (h_publish (f, file, "--batch 333"), 0);
    h_expect_out ("0 accepted, 10000 duplicate, 0 rejected");
    json_t *st2 = h_status (f);
    assert_string_equal (json_string_value (json_object_get (st2, "stateDigest")), digest);
    assert_int_equal (h_field (st2, "employeesActive"), h_field (st, "employeesActive"));
    //  At least: a slow daemon (under valgrind) may see batches re-sent.
    assert_true (h_field (st2, "eventsDuplicate") >= 10000);
    json_decref (st);
    json_decref (st2);
    json_decref (truth);
}

static void
test_kill9_mid_stream_then_republish_matches_a_clean_run (void **state)
{
    h_fixture_t *clean = *state;
    char file[600];
    s_generate (clean, 10000, 2000);
    snprintf (file, sizeof (file), "%s/events.jsonl", clean->dir);
    assert_int_equal (h_publish (clean, file, NULL), 0);
    json_t *want = h_status (clean);

    h_fixture_t *f = h_fixture (NULL);
    pid_t pub = fork ();
    if (pub == 0) {
        int null = open ("/dev/null", 1);
        dup2 (null, 1);
        execl (BIN "/hrwatch", "hrwatch", "publish", file, "--endpoint", f->ingest, "--batch",
               "10", "--window", "1", "--timeout", "60", (char *) NULL);
        _exit (127);
    }
    long accepted = 0;
    for (int i = 0; i < 3000 && accepted < 1000; i++) {
        h_sleep_ms (5);
        json_t *st = h_status (f);
        accepted = h_field (st, "eventsAccepted");
        json_decref (st);
    }
    assert_int_equal (h_daemon_stop (f->daemon, SIGKILL), 128 + SIGKILL);
    if (accepted >= 10000)
        fail_msg ("the publisher finished before the daemon could be killed");
    assert_true (accepted >= 1000);
    f->daemon = h_daemon_start (f->config, f->control);
    int status;
    assert_int_equal (waitpid (pub, &status, 0), pub);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);

    assert_int_equal (h_publish (f, file, NULL), 0);
    h_expect_out ("0 accepted, 10000 duplicate");
    json_t *got = h_status (f);
    assert_string_equal (json_string_value (json_object_get (got, "stateDigest")),
                         json_string_value (json_object_get (want, "stateDigest")));
    assert_int_equal (h_field (got, "eventsAccepted"), 10000);
    assert_int_equal (h_field (got, "employeesActive"), h_field (want, "employeesActive"));
    json_decref (want);
    json_decref (got);
    h_teardown ((void **) &f);
}

static void
test_malformed_frames_get_reasons_and_the_daemon_keeps_serving (void **state)
{
    h_fixture_t *f = *state;
    Hrwatch__V1__Ack *ack = h_raw (f, ZMQ_DEALER, "\x0a\xff\xff\xff\xff", 5);
    assert_int_equal (ack->status, HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_REJECTED);
    assert_int_equal (ack->reason, HRWATCH__V1__REASON__REASON_MALFORMED);
    hrwatch__v1__ack__free_unpacked (ack, NULL);

    char big[8192];
    memset (big, 0, sizeof (big));
    big[0] = 0x0a;  //  Field 1, length-delimited, then a long length.
    big[1] = (char) 0xfc;
    big[2] = 0x3f;
    ack = h_raw (f, ZMQ_REQ, big, sizeof (big));
    assert_int_equal (ack->status, HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_REJECTED);
    assert_int_equal (ack->reason, HRWATCH__V1__REASON__REASON_TOO_LARGE);
    hrwatch__v1__ack__free_unpacked (ack, NULL);

    //  An empty batch from a REQ socket is fine: no events, no results.
    ack = h_raw (f, ZMQ_REQ, "", 0);
    assert_int_equal (ack->status, HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_OK);
    assert_int_equal (ack->n_results, 0);
    hrwatch__v1__ack__free_unpacked (ack, NULL);

    char file[600];
    snprintf (file, sizeof (file), "%s/bad.jsonl", f->dir);
    FILE *fp = fopen (file, "w");
    fprintf (fp,
             "{\"eventId\":\"ok-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
             "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}\n"
             "{\"eventId\":\"bad-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
             "\"surveyResponse\":{\"surveyCycleId\":\"c\",\"unitId\":\"ops\",\"engagement\":7}}\n"
             "{\"eventId\":\"bad-2\",\"occurredAt\":\"2125-01-01T00:00:00Z\",\"source\":\"t\","
             "\"hire\":{\"employeeId\":\"E-2\",\"unitId\":\"ops\"}}\n"
             "{\"eventId\":\"bad-3\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\"}\n"
             "{\"eventId\":\"ok-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
             "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"eng\"}}\n"
             "this is not JSON\n");
    fclose (fp);
    assert_int_equal (h_publish (f, file, NULL), 1);
    h_expect_out ("1 accepted, 0 duplicate, 4 rejected, 1 invalid lines not sent");
    h_expect_out ("line 2: event bad-1: REASON_OUT_OF_RANGE");
    h_expect_out ("line 3: event bad-2: REASON_FUTURE_TIMESTAMP");
    h_expect_out ("line 4: event bad-3: REASON_MISSING_FIELD");
    h_expect_out ("line 5: event ok-1: REASON_CONFLICT");
    h_expect_out ("line 6: event (none): invalid");

    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch rejected --endpoint '%s'",
                             f->control), 0);
    h_expect_out ("REASON_MALFORMED");
    h_expect_out ("REASON_TOO_LARGE");
    h_expect_out ("REASON_OUT_OF_RANGE survey_response event bad-1, field "
                  "survey_response.engagement: survey_response.engagement 7 is outside 1..5");
    h_expect_out ("REASON_CONFLICT hire event ok-1, field event_id");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch rejected --json --after 5 "
                             "--endpoint '%s'", f->control), 0);
    h_expect_out ("\"seq\":\"6\"");
    assert_null (strstr (h_out, "\"seq\":\"5\""));

    json_t *st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), 1);
    assert_int_equal (h_field (st, "eventsRejected"), 6);
    json_decref (st);
}

static void
test_push_socket_takes_fire_and_forget_batches (void **state)
{
    h_fixture_t *f = *state;
    //  The ipc sockets admit the service's group, no one else.
    struct stat sst;
    assert_int_equal (stat (f->push + 6, &sst), 0);
    assert_int_equal (sst.st_mode & 0777, 0660);
    hrw_buf_t ev = { 0 }, frame = { 0 };
    h_event_json (&ev, "{\"eventId\":\"p-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\","
                       "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}");
    h_batch (&frame, "", &ev, 1);
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    assert_int_equal (zmq_connect (s, f->push), 0);
    assert_true (zmq_send (s, frame.data, frame.len, 0) >= 0);
    long accepted = 0;
    for (int i = 0; i < 200 && accepted == 0; i++) {
        h_sleep_ms (10);
        json_t *st = h_status (f);
        accepted = h_field (st, "employeesActive");
        json_decref (st);
    }
    assert_int_equal (accepted, 1);
    zmq_close (s);
    zmq_ctx_term (ctx);
    hrw_buf_free (&ev);
    hrw_buf_free (&frame);
}

static void
test_publisher_gives_up_naming_the_endpoint (void **state)
{
    h_fixture_t *f = *state;
    char file[600];
    snprintf (file, sizeof (file), "%s/one.jsonl", f->dir);
    FILE *fp = fopen (file, "w");
    fprintf (fp, "{\"eventId\":\"x\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
                 "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}\n");
    fclose (fp);
    int rc = h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch publish %s --timeout 1 --endpoint "
                    "ipc://%s/nobody.sock", file, f->dir);
    assert_int_equal (rc, 2);
    h_expect_out ("no acknowledgement from ipc://");
    h_expect_out ("nobody.sock after 1 s");
    h_expect_out ("1 unacknowledged");
}

//  Writes text as a config file and checks hrwatchd refuses it (exit 78),
//  saying needle.
static void
s_config_refused (const char *path, const char *text, const char *needle)
{
    FILE *fp = fopen (path, "w");
    assert_non_null (fp);
    fputs (text, fp);
    fclose (fp);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --check-config --config %s",
                             path), 78);
    h_expect_out (needle);
}

static void
test_config_is_checked (void **state)
{
    h_fixture_t *f = *state;
    char bad[600];
    snprintf (bad, sizeof (bad), "%s/bad.conf", f->dir);
    s_config_refused (bad, "[store]\npath = x\n\n[ingest]\nmax_batch_events = lots\n",
                      "line 5: bad value for [ingest] max_batch_events");
    s_config_refused (bad, "[store]\ncolour = blue\n", "unknown setting [store] colour");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --check-config --config %s",
                             f->config), 0);
    h_expect_out ("configuration ok");
    h_expect_out ("max_batch_events = 10000");
    s_config_refused (bad, "[alerts]\nmin_respondents = 2\n",
                      "bad value for [alerts] min_respondents = 2");
    //  NaN passes every range check; it would turn the alerts off.
    s_config_refused (bad, "[alerts]\nalpha = nan\n", "bad value for [alerts] alpha = nan");
    //  A FIFO is no config: refused at once, not waited on.
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, "rm -f %s && mkfifo %s && timeout 5 "
                             BIN "/hrwatchd --check-config --config %s", bad, bad, bad), 78);
    h_expect_out ("not a regular file");
    //  The shipped config documents every setting with its real default:
    //  without the package's own lines and uncommented, it parses and
    //  changes nothing.
    char defaults[4096];
    assert_int_equal (h_run (defaults, sizeof (defaults), 0, BIN "/hrwatchd --check-config"), 0);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, "sed -e '/^[a-z_]* =/d' "
                             "-e 's/^#\\([a-z_]* =\\)/\\1/' "
                             HRW_SOURCE_DIR "/packaging/hrwatchd.conf > %s/all.conf && "
                             "grep -c '^[a-z_]* =' %s/all.conf", f->dir, f->dir), 0);
    assert_int_equal (atoi (h_out), 49);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatchd --check-config --config "
                             "%s/all.conf", f->dir), 0);
    assert_string_equal (h_out, defaults);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --version"), 0);
    h_expect_out ("hrwatchd ");
}

static void
test_background_mode_returns_when_ready (void **state)
{
    h_fixture_t *f = *state;
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    char conf[600], extra[700];
    snprintf (extra, sizeof (extra), "[daemon]\npid_file = %s/hrwatchd.pid\n", f->dir);
    char ingest[512], push[512], control[512];
    h_config (f->dir, extra, conf, ingest, push, control);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --config %s", conf), 0);
    //  It has returned, so it answers at once.
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch status --timeout 2 --endpoint '%s'",
                             control), 0);
    char pidfile[600];
    snprintf (pidfile, sizeof (pidfile), "%s/hrwatchd.pid", f->dir);
    FILE *fp = fopen (pidfile, "r");
    assert_non_null (fp);
    int pid = 0;
    assert_int_equal (fscanf (fp, "%d", &pid), 1);
    fclose (fp);
    assert_int_equal (kill (pid, SIGTERM), 0);
    struct stat st;
    for (int i = 0; i < 200 && stat (pidfile, &st) == 0; i++)
        h_sleep_ms (10);
    assert_int_not_equal (stat (pidfile, &st), 0);
    //  A second daemon on endpoints in use fails and says so, with status 1.
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --config %s", conf), 0);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --foreground --config %s",
                             conf), 1);
    h_expect_out ("store is in use by another process");
    fp = fopen (pidfile, "r");
    assert_non_null (fp);
    assert_int_equal (fscanf (fp, "%d", &pid), 1);
    fclose (fp);
    kill (pid, SIGTERM);
    for (int i = 0; i < 200 && stat (pidfile, &st) == 0; i++)
        h_sleep_ms (10);
}

static const char *
s_position (int p, int critical)
{
    static char line[400];
    snprintf (line, sizeof (line), "{\"eventId\":\"pos-%d-%d\",\"occurredAt\":"
              "\"2025-01-%02dT00:00:00Z\",\"source\":\"t\",\"positionDefined\":{\"positionId\":"
              "\"P-%d\",\"unitId\":\"ops\",\"critical\":%s}}\n", p, critical,
              p + (critical? 0: 10), p,
              critical? "true": "false");
    return line;
}

//  The sequence numbers in a subscriber's JSON lines, as "1,2,3".
static void
s_seqs (FILE *p, char *list, size_t cap)
{
    char line[4096];
    list[0] = '\0';
    while (fgets (line, sizeof (line), p)) {
        json_t *j = json_loads (line, 0, NULL);
        assert_non_null (j);
        size_t n = strlen (list);
        snprintf (list + n, cap - n, "%s%s", n? ",": "",
                  json_string_value (json_object_get (j, "seq")));
        json_decref (j);
    }
}

static void
test_subscriber_away_catches_up_and_sees_each_change_once (void **state)
{
    h_fixture_t *f = *state;
    char cmd[2048], seqs[256];
    char opts[1200];
    snprintf (opts, sizeof (opts), "--endpoint '%s' --alerts-endpoint ipc://%s/alerts.sock --for 20",
              f->control, f->dir);

    snprintf (cmd, sizeof (cmd), BIN "/hrwatch subscribe --count 2 %s", opts);
    FILE *first = popen (cmd, "r");
    h_sleep_ms (300);
    h_publish_lines (f, s_position (1, 1));     //  #1 gap on P-1
    h_publish_lines (f, s_position (2, 1));     //  #2 gap on P-2
    s_seqs (first, seqs, sizeof (seqs));
    assert_int_equal (pclose (first), 0);
    assert_string_equal (seqs, "1,2");

    //  While nobody listens: P-1 stops being critical (#3), P-3 opens (#4).
    h_publish_lines (f, s_position (1, 0));
    h_publish_lines (f, s_position (3, 1));

    snprintf (cmd, sizeof (cmd), BIN "/hrwatch subscribe --after 2 --count 3 %s", opts);
    FILE *second = popen (cmd, "r");
    h_sleep_ms (500);
    h_publish_lines (f, s_position (4, 1));     //  #5, live
    s_seqs (second, seqs, sizeof (seqs));
    assert_int_equal (pclose (second), 0);
    assert_string_equal (seqs, "3,4,5");

    //  A prefix sees only its own topics; the active list is what fires.
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch subscribe "
                             "succession_gap/ops/P-3 --count 1 %s", opts), 0);
    h_expect_out ("\"fingerprint\":\"succession_gap/P-3\"");
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch alerts --endpoint '%s'",
                             f->control), 0);
    h_expect_out ("succession_gap/ops/P-2");
    assert_null (strstr (h_out, "P-1"));
}


//  Reads a subscriber's JSON lines: the fields of each, "change observed
//  summary" per line into out (one line each).
static void
s_changes (FILE *p, char *out, size_t cap, char *last_summary, size_t scap)
{
    char line[4096];
    out[0] = '\0';
    while (fgets (line, sizeof (line), p)) {
        json_t *j = json_loads (line, 0, NULL);
        assert_non_null (j);
        const char *change = json_string_value (json_object_get (j, "change"));
        size_t n = strlen (out);
        snprintf (out + n, cap - n, "%s %g|", change? change: "-",
                  json_number_value (json_object_get (j, "observed")));
        snprintf (last_summary, scap, "%s", json_string_value (json_object_get (j, "summary")));
        json_decref (j);
    }
}

static const char *
s_rif_exit (int i)
{
    static char line[400];
    snprintf (line, sizeof (line), "{\"eventId\":\"rx-%d\",\"occurredAt\":\"2025-03-0%dT00:00:00Z\","
              "\"source\":\"t\",\"exit\":{\"employeeId\":\"E-%d\",\"type\":"
              "\"EXIT_TYPE_INVOLUNTARY\",\"reductionInForce\":true}}\n", i, i, i);
    return line;
}

//  A reduction in force that grows after it fired: each exit publishes an
//  update with the new count, and `hrwatch alerts` shows the last one.
static void
test_subscriber_sees_a_firing_alert_update_as_it_grows (void **state)
{
    h_fixture_t *f = *state;
    char cmd[2048], changes[512], summary[400];
    h_publish_lines (f, "{\"eventId\":\"u\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
                     "\"orgUnitDefined\":{\"unitId\":\"wh\"}}\n");
    for (int i = 1; i <= 3; i++) {
        char line[300];
        snprintf (line, sizeof (line), "{\"eventId\":\"h-%d\",\"occurredAt\":\"2025-01-02T00:00:00Z\","
                  "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"wh\"}}\n", i, i);
        h_publish_lines (f, line);
    }
    snprintf (cmd, sizeof (cmd), BIN "/hrwatch subscribe reduction_in_force/ --count 3 --for 20 "
              "--endpoint '%s' --alerts-endpoint ipc://%s/alerts.sock", f->control, f->dir);
    FILE *sub = popen (cmd, "r");
    h_sleep_ms (300);
    for (int i = 1; i <= 3; i++)
        h_publish_lines (f, s_rif_exit (i));        //  One commit each
    s_changes (sub, changes, sizeof (changes), summary, sizeof (summary));
    assert_int_equal (pclose (sub), 0);
    assert_string_equal (changes, "ALERT_CHANGE_FIRED 1|ALERT_CHANGE_UPDATED 2|"
                                  "ALERT_CHANGE_UPDATED 3|");
    assert_non_null (strstr (summary, "wh: 3 exits in a reduction in force"));

    //  What `hrwatch alerts` shows is the last version published.
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch alerts --json --endpoint '%s'",
                             f->control), 0);
    h_expect_out (summary);
    h_expect_out ("\"change\":\"ALERT_CHANGE_UPDATED\"");

    //  A subscriber catching up from the log sees each version once.
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch subscribe reduction_in_force/ "
                             "--after 0 --count 3 --for 5 --endpoint '%s' --alerts-endpoint "
                             "ipc://%s/alerts.sock", f->control, f->dir), 0);
    assert_non_null (strstr (h_out, "\"observed\":1"));
    assert_non_null (strstr (h_out, "\"observed\":2"));
    assert_non_null (strstr (h_out, "\"observed\":3"));
}

//  A reload that raises min_ready_now judges the firing gaps at once: the
//  stream and `hrwatch alerts` both say "needs 2".
static void
test_reload_reevaluates_firing_alerts (void **state)
{
    h_fixture_t *f = *state;
    char cmd[2048], changes[512], summary[400];
    h_publish_lines (f, s_position (1, 1));
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch alerts --endpoint '%s'",
                             f->control), 0);
    h_expect_out ("(needs 1)");
    snprintf (cmd, sizeof (cmd), BIN "/hrwatch subscribe --after 1 --count 1 --for 20 "
              "--endpoint '%s' --alerts-endpoint ipc://%s/alerts.sock", f->control, f->dir);
    FILE *sub = popen (cmd, "r");
    h_sleep_ms (300);
    h_write_config (f, "[alerts]\nmin_ready_now = 2\n");
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "configuration reloaded from");
    s_changes (sub, changes, sizeof (changes), summary, sizeof (summary));
    assert_int_equal (pclose (sub), 0);
    assert_string_equal (changes, "ALERT_CHANGE_UPDATED 0|");
    assert_non_null (strstr (summary, "(needs 2)"));
    assert_non_null (strstr (summary, ": thresholds reloaded"));
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch alerts --json --endpoint '%s'",
                             f->control), 0);
    h_expect_out (summary);
}

static void
test_silences_mute_publication_but_not_the_record (void **state)
{
    h_fixture_t *f = *state;
    char opts[1200], line[400];
    snprintf (opts, sizeof (opts), "--endpoint '%s'", f->control);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch silence add --for 1h %s", opts),
                      64);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch silence add --unit ops --for "
                             "soon %s", opts), 64);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch silence add --unit ops --for 1h "
                             "--comment 'reorg under way' %s", opts), 0);
    h_expect_out ("unit ops  # reorg under way");
    h_publish_lines (f, s_position (1, 1));                 //  #1, muted
    snprintf (line, sizeof (line), "%s", s_position (9, 1));
    char *ops = strstr (line, "\"ops\"");
    memcpy (ops, "\"eng\"", 5);
    h_publish_lines (f, line);                              //  #2, in eng
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch subscribe --count 1 --for 10 "
                             "--alerts-endpoint ipc://%s/alerts.sock %s", f->dir, opts), 0);
    h_expect_out ("\"seq\":\"2\"");
    h_expect_out ("succession_gap/P-9");
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch alerts %s", opts), 0);
    h_expect_out ("succession_gap/ops/P-1 (silenced)");
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch silence remove 1 %s", opts), 0);
    h_expect_out ("no silences in force");
    h_publish_lines (f, s_position (2, 1));                 //  #3, heard again
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch subscribe --after 2 --count 1 "
                             "--for 10 --alerts-endpoint ipc://%s/alerts.sock %s", f->dir, opts), 0);
    h_expect_out ("\"seq\":\"3\"");
    assert_null (strstr (h_out, "\"silenced\":true"));
}

static void
test_unit_and_position_reports (void **state)
{
    h_fixture_t *f = *state;
    char lines[8192] = "", line[400];
    const char *events[] = {
        "\"orgUnitDefined\":{\"unitId\":\"acme\"}",
        "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\",\"name\":\"Operations\"}",
        "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\"}",
        "\"hire\":{\"employeeId\":\"E-2\",\"unitId\":\"ops\"}",
        "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"title\":\"Head\","
        "\"critical\":true,\"incumbentId\":\"E-1\"}",
        "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-2\","
        "\"readiness\":\"READINESS_READY_NOW\"}",
        "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\","
        "\"readiness\":\"READINESS_READY_1_2_YEARS\"}",
    };
    for (size_t i = 0; i < sizeof (events) / sizeof (events[0]); i++) {
        snprintf (line, sizeof (line), "{\"eventId\":\"r-%zu\",\"occurredAt\":"
                  "\"2025-02-%02zuT00:00:00Z\",\"source\":\"t\",%s}\n", i, i + 1, events[i]);
        strcat (lines, line);
    }
    for (int i = 0; i < 8; i++) {
        snprintf (line, sizeof (line), "{\"eventId\":\"sv-%d\",\"occurredAt\":"
                  "\"2025-03-01T00:00:00Z\",\"source\":\"t\",\"surveyResponse\":{"
                  "\"surveyCycleId\":\"Q1\",\"unitId\":\"%s\",\"engagement\":4,\"enps\":9}}\n",
                  i, i < 6? "ops": "tiny");
        strcat (lines, line);
    }
    h_publish_lines (f, lines);
    char opts[600];
    snprintf (opts, sizeof (opts), "--json --endpoint '%s'", f->control);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch position P-1 %s", opts), 0);
    h_expect_out ("\"critical\":true,\"incumbentId\":\"E-1\",\"readyNow\":1,");
    assert_null (strstr (h_out, "\"gap\":true"));
    h_expect_out ("{\"employeeId\":\"E-3\",\"readiness\":\"READINESS_READY_1_2_YEARS\","
                  "\"notCountedBecause\":\"not known as an employee\"}");
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch unit ops %s", opts), 0);
    h_expect_out ("\"unitPath\":[\"acme\",\"ops\"]");
    h_expect_out ("\"headcount\":\"2\"");
    h_expect_out ("\"criticalPositions\":1,\"coveredPositions\":1,\"benchStrength\":1.0");
    //  The cycle is open: how many answered, never a score.
    h_expect_out ("\"reported\":true,\"respondents\":6}");
    assert_null (strstr (h_out, "meanEngagement"));
    h_publish_lines (f, "{\"eventId\":\"close-q1\",\"occurredAt\":\"2025-03-02T00:00:00Z\","
                     "\"source\":\"t\",\"surveyCycleClosed\":{\"surveyCycleId\":\"Q1\"}}\n"
                     "{\"eventId\":\"sv-late\",\"occurredAt\":\"2025-03-03T00:00:00Z\","
                     "\"source\":\"t\",\"surveyResponse\":{\"surveyCycleId\":\"Q1\","
                     "\"unitId\":\"ops\",\"engagement\":1,\"enps\":0}}\n");
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch unit ops %s", opts), 0);
    h_expect_out ("\"reported\":true,\"respondents\":6,\"meanEngagement\":4.0,\"enps\":100.0,"
                  "\"closed\":true,\"lateResponses\":1");
    //  Two respondents: the cycle is named, nothing else, not even the count.
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatch unit tiny %s", opts), 0);
    h_expect_out ("\"engagement\":[{\"surveyCycleId\":\"Q1\",\"firstResponseAt\":"
                  "\"2025-03-01T00:00:00Z\",\"closed\":true}]");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch position P-404 %s", opts), 2);
    h_expect_out ("no such position");
}

static int
s_in (json_t *list, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach (list, i, v)
        if (!strcmp (json_string_value (v), id))
            return 1;
    return 0;
}

//  The generator injects known scenarios into a quiet history and writes
//  what they should cause; a replay must raise exactly that: each expected
//  alert, fired and resolved by the events the truth names, and no alert
//  the truth does not allow.
static void
test_injected_scenarios_are_detected_and_nothing_else (void **state)
{
    h_fixture_t *f = *state;
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch-gen --employees 600 --years 3 --seed 11 "
                             "--scenarios %s/truth.jsonl --out %s/events.jsonl", f->dir, f->dir), 0);
    char file[600], log[600];
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    assert_int_equal (h_publish (f, file, "--quiet"), 0);
    snprintf (log, sizeof (log), "%s/alerts.jsonl", f->dir);
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch subscribe --for 1 --endpoint '%s' "
                             "--alerts-endpoint ipc://%s/alerts.sock > %s", f->control, f->dir,
                             log), 0);
    char truth_path[600], line[8192];
    snprintf (truth_path, sizeof (truth_path), "%s/truth.jsonl", f->dir);
    FILE *tf = fopen (truth_path, "r");
    assert_non_null (tf);
    json_t *truth = json_array ();
    while (fgets (line, sizeof (line), tf))
        json_array_append_new (truth, json_loads (line, 0, NULL));
    fclose (tf);
    assert_int_equal (json_array_size (truth), 9);
    FILE *lf = fopen (log, "r");
    assert_non_null (lf);
    int fired_expected = 0, resolved_expected = 0, changes = 0;
    while (fgets (line, sizeof (line), lf)) {
        json_t *a = json_loads (line, 0, NULL);
        assert_non_null (a);
        changes++;
        const char *fp = json_string_value (json_object_get (a, "fingerprint"));
        const char *state_ = json_string_value (json_object_get (a, "state"));
        json_t *trig = json_object_get (a, "triggerEventId");
        const char *trigger = trig? json_string_value (trig): "";
        int firing = !strcmp (state_, "ALERT_STATE_FIRING");
        json_t *match = NULL, *t;
        size_t i;
        json_array_foreach (truth, i, t)
            if (!strcmp (json_string_value (json_object_get (t, "fingerprint")), fp))
                match = t;
        if (!match || !strcmp (json_string_value (json_object_get (match, "expect")), "none"))
            fail_msg ("alert not caused by any scenario: %s", line);
        if (strcmp (json_string_value (json_object_get (match, "expect")), "fire")) {
            json_decref (a);
            continue;
        }
        json_t *ids = json_object_get (match, firing? "fire_triggers": "resolve_triggers");
        //  Engagement is decided when a cycle closes: the generator closes
        //  none, so each closes by itself (survey_close_days after its
        //  first answer), at a day boundary, with no event as its trigger.
        if (!strncmp (fp, "engagement_drop/", 16)) {
            if (*trigger)
                fail_msg ("%s changed on %s, not at a cycle's auto-close", fp, trigger);
            ids = NULL;
        }
        if (firing && ids) {
            if (!s_in (ids, trigger))
                fail_msg ("%s fired on %s, not on a scenario event", fp, trigger);
            fired_expected++;
        }
        else if (firing)
            fired_expected++;
        else if (ids) {
            if (!s_in (ids, trigger))
                fail_msg ("%s resolved on %s, not on the scenario event", fp, trigger);
            resolved_expected++;
        }
        else
            resolved_expected++;   //  Resolved as its window slid past
        json_decref (a);
    }
    fclose (lf);
    assert_int_equal (fired_expected, 3);      //  Spike, gap, engagement drop
    assert_int_equal (resolved_expected, 3);
    assert_true (changes >= 6);
    json_decref (truth);
}

static void
test_sighup_reloads_settings_and_refuses_a_bad_file (void **state)
{
    h_fixture_t *f = *state;
    assert_int_equal (h_publish (f, h_batch_file (f, 3, 1), NULL), 0);
    h_write_config (f, "[ingest]\nmax_batch_events = 2\n");
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "configuration reloaded from");
    assert_int_equal (h_publish (f, h_batch_file (f, 3, 10), NULL), 1);
    h_expect_out ("REASON_TOO_LARGE");
    assert_int_equal (h_publish (f, h_batch_file (f, 2, 20), NULL), 0);
    //  A broken file is refused whole; the settings in force stay.
    h_write_config (f, "[ingest]\nmax_batch_events = 1000\nthis is not a setting\n");
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "reload refused, the running configuration stays");
    assert_int_equal (h_publish (f, h_batch_file (f, 3, 30), NULL), 1);
    h_expect_out ("REASON_TOO_LARGE");
    //  Endpoints are fixed until a restart, and the daemon says so.
    h_write_config (f, "[control]\nendpoint = tcp://127.0.0.1:1\n");
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "reload: [control] endpoint changes only on restart");
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch status --endpoint '%s'", f->control), 0);
}

static void
test_reloads_do_not_drop_connections_or_events (void **state)
{
    h_fixture_t *f = *state;
    char file[600];
    s_generate (f, 5000, 1000);
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    char cmd[1400];
    snprintf (cmd, sizeof (cmd), BIN "/hrwatch publish %s --batch 20 --window 2 --endpoint '%s'",
              file, f->ingest);
    FILE *pub = popen (cmd, "r");
    for (int i = 0; i < 10; i++) {
        h_sleep_ms (30);
        kill (f->daemon, SIGHUP);
    }
    size_t n = fread (h_out, 1, sizeof (h_out) - 1, pub);
    h_out[n] = '\0';
    assert_int_equal (pclose (pub), 0);
    h_expect_out ("5000 accepted, 0 duplicate, 0 rejected");
    json_t *st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), 5000);
    json_decref (st);
}

static char *
s_digest (h_fixture_t *f, char *buf, size_t cap)
{
    json_t *st = h_status (f);
    snprintf (buf, cap, "%s", json_string_value (json_object_get (st, "stateDigest")));
    json_decref (st);
    return buf;
}

//  Restores a backup the documented way: the daemon stopped, the copy's
//  data.mdb as the store's, then started again.
static h_fixture_t *
s_restore (const char *backup)
{
    h_fixture_t *g = calloc (1, sizeof (*g));
    h_tempdir (g->dir, sizeof (g->dir));
    h_config (g->dir, NULL, g->config, g->ingest, g->push, g->control);
    char cmd[2000];
    snprintf (cmd, sizeof (cmd), "mkdir -p %s/state && cp %s/data.mdb %s/state/data.mdb",
              g->dir, backup, g->dir);
    assert_int_equal (system (cmd), 0);
    g->daemon = h_daemon_start (g->config, g->control);
    return g;
}

static void
test_backup_while_running_and_restore (void **state)
{
    h_fixture_t *f = *state;
    char file[600], backup[600], d1[40], d2[40], cmd[1400];
    s_generate (f, 10000, 2000);
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    assert_int_equal (h_run (NULL, 0, 0, "head -n 5000 %s > %s/first.jsonl", file, f->dir), 0);
    snprintf (cmd, sizeof (cmd), "%s/first.jsonl", f->dir);
    assert_int_equal (h_publish (f, cmd, NULL), 0);
    snprintf (backup, sizeof (backup), "%s/backups/backup-1", f->dir);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch backup backup-1 "
                             "--endpoint '%s'", f->control), 0);
    h_expect_out ("backup written to");
    h_expect_out (backup);
    s_digest (f, d1, sizeof (d1));
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch backup backup-1 "
                             "--endpoint '%s'", f->control), 2);
    h_expect_out ("exists already (CONTROL_ERROR_ALREADY_EXISTS)");
    //  The copy is the owner's alone.
    struct stat st;
    snprintf (cmd, sizeof (cmd), "%s/data.mdb", backup);
    assert_int_equal (stat (cmd, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (stat (backup, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0700);

    //  A second copy taken while a publisher streams the rest.
    snprintf (cmd, sizeof (cmd), BIN "/hrwatch publish %s --batch 10 --window 1 --quiet "
              "--endpoint '%s'", file, f->ingest);
    FILE *pub = popen (cmd, "r");
    h_sleep_ms (100);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch backup backup-2 "
                             "--endpoint '%s'", f->control), 0);
    while (fread (h_out, 1, sizeof (h_out), pub) > 0) {
    }
    assert_int_equal (pclose (pub), 0);
    s_digest (f, d2, sizeof (d2));

    h_fixture_t *g = s_restore (backup);
    char got[40];
    assert_string_equal (s_digest (g, got, sizeof (got)), d1);
    h_teardown ((void **) &g);
    snprintf (cmd, sizeof (cmd), "%s/backups/backup-2", f->dir);
    g = s_restore (cmd);
    assert_int_equal (h_publish (g, file, NULL), 0);
    assert_string_equal (s_digest (g, got, sizeof (got)), d2);
    h_teardown ((void **) &g);
}

static void
test_metrics_pass_promtool_and_count_what_happened (void **state)
{
    h_fixture_t *f = *state;
    int port = h_free_port ();
    char extra[200];
    snprintf (extra, sizeof (extra), "[metrics]\nlisten = 127.0.0.1:%d\n", port);
    h_restart (f, extra);
    assert_int_equal (h_publish (f, h_batch_file (f, 7, 1), NULL), 0);
    h_publish_lines (f, s_position (1, 1));
    char bad[300];
    snprintf (bad, sizeof (bad), "%s/bad.jsonl", f->dir);
    FILE *fp = fopen (bad, "w");
    fprintf (fp, "{\"eventId\":\"bad\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
                 "\"hire\":{\"employeeId\":\"E-1\"}}\n");
    fclose (fp);
    assert_int_equal (h_publish (f, bad, NULL), 1);
    char cmd[1200];
    snprintf (cmd, sizeof (cmd), BIN "/hrwatch subscribe --for 3 --endpoint '%s' "
              "--alerts-endpoint ipc://%s/alerts.sock", f->control, f->dir);
    FILE *sub = popen (cmd, "r");
    h_sleep_ms (500);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, "curl -sf http://127.0.0.1:%d/metrics > "
                             "%s/metrics.txt && promtool check metrics < %s/metrics.txt && "
                             "cat %s/metrics.txt", port, f->dir, f->dir, f->dir), 0);
    h_expect_out ("hrwatch_events_total{outcome=\"accepted\"} 8\n");
    h_expect_out ("hrwatch_rejections_total{reason=\"REASON_MISSING_FIELD\"} 1\n");
    h_expect_out ("hrwatch_alerts_firing{kind=\"succession_gap\"} 1\n");
    h_expect_out ("hrwatch_alert_subscribers 1\n");
    h_expect_out ("hrwatch_employees{status=\"active\"} 7\n");
    h_expect_out ("hrwatch_batch_events_count 3\n");
    h_expect_out ("hrwatch_commit_seconds_count");
    while (fread (bad, 1, sizeof (bad), sub) > 0) {
    }
    pclose (sub);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, "curl -s -o /dev/null -w '%%{http_code}' "
                             "http://127.0.0.1:%d/other", port), 0);
    assert_string_equal (h_out, "404");
}

static pid_t
s_start_alertmanager (h_fixture_t *f, int port)
{
    char conf[600], data[600], listen[64], cfg[620];
    snprintf (conf, sizeof (conf), "%s/am.yml", f->dir);
    snprintf (data, sizeof (data), "%s/am-data", f->dir);
    snprintf (listen, sizeof (listen), "127.0.0.1:%d", port);
    FILE *fp = fopen (conf, "w");
    fprintf (fp, "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n");
    fclose (fp);
    snprintf (cfg, sizeof (cfg), "--config.file=%s", conf);
    pid_t pid = fork ();
    if (pid == 0) {
        char storage[620], web[100];
        snprintf (storage, sizeof (storage), "--storage.path=%s", data);
        snprintf (web, sizeof (web), "--web.listen-address=%s", listen);
        int null = open ("/dev/null", O_WRONLY);
        dup2 (null, 1);
        dup2 (null, 2);
        execlp ("prometheus-alertmanager", "prometheus-alertmanager", cfg, storage, web,
                "--cluster.listen-address=", (char *) NULL);
        _exit (127);
    }
    return pid;
}

//  Polls Alertmanager until its active alerts do (want) or do not contain
//  needle; returns 1 when they did as wanted within 30 s.
static int
s_alertmanager_shows (int port, const char *needle, int want)
{
    for (int i = 0; i < 300; i++) {
        h_run (h_out, sizeof (h_out), 0, "curl -s http://127.0.0.1:%d/api/v2/alerts", port);
        if ((strstr (h_out, needle) != NULL) == want)
            return 1;
        h_sleep_ms (100);
    }
    return 0;
}

static void
test_alerts_reach_a_real_alertmanager_even_if_it_starts_late (void **state)
{
    h_fixture_t *f = *state;
    int port = h_free_port ();
    char extra[300];
    snprintf (extra, sizeof (extra), "[alertmanager]\nurl = http://127.0.0.1:%d\n"
              "resend_seconds = 1\n", port);
    h_restart (f, extra);
    //  Alertmanager is not there yet: ingest goes on regardless.
    h_publish_lines (f, s_position (1, 1));
    assert_int_equal (h_publish (f, h_batch_file (f, 2, 1), NULL), 0);
    h_wait_log (f, "alertmanager: http://127.0.0.1");
    pid_t am = s_start_alertmanager (f, port);
    int fired = s_alertmanager_shows (port, "\"fingerprint\":\"succession_gap/P-1\"", 1);
    if (fired) {
        h_expect_out ("\"alertname\":\"succession_gap\"");
        h_expect_out ("\"severity\":\"critical\"");
        h_expect_out ("has 0 ready-now successors");
    }
    //  Resolved: a ready-now successor is nominated; Alertmanager drops it.
    char line[400];
    snprintf (line, sizeof (line), "{\"eventId\":\"n-1\",\"occurredAt\":\"2025-03-01T00:00:00Z\","
              "\"source\":\"t\",\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":"
              "\"E-1\",\"readiness\":\"READINESS_READY_NOW\"}}\n");
    h_publish_lines (f, line);
    int resolved = fired && s_alertmanager_shows (port, "succession_gap/P-1", 0);
    kill (am, SIGTERM);
    waitpid (am, NULL, 0);
    assert_true (fired);
    assert_true (resolved);
    h_wait_log (f, "alertmanager: delivering again");
}

//  What systemd would see: READY=1 once serving, STATUS=, WATCHDOG=1 pings
//  at half of WatchdogSec, RELOADING=1 and READY=1 around SIGHUP, and
//  STOPPING=1 on SIGTERM.
static void
test_systemd_notifications (void **state)
{
    h_fixture_t *f = *state;
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    int fd = h_notify_socket (f);
    pid_t pid = fork ();
    if (pid == 0) {
        char wpid[32];
        snprintf (wpid, sizeof (wpid), "%d", (int) getpid ());
        setenv ("WATCHDOG_USEC", "200000", 1);
        setenv ("WATCHDOG_PID", wpid, 1);
        int null = open ("/dev/null", O_WRONLY);
        dup2 (null, 2);
        execl (BIN "/hrwatchd", "hrwatchd", "--foreground", "--config", f->config, (char *) NULL);
        _exit (127);
    }
    unsetenv ("NOTIFY_SOCKET");
    char seen[8192] = "";
    assert_true (h_notified (fd, "READY=1", seen, sizeof (seen)));
    assert_true (h_notified (fd, "STATUS=", seen, sizeof (seen)));
    assert_true (h_notified (fd, "WATCHDOG=1", seen, sizeof (seen)));
    assert_true (h_notified (fd, "WATCHDOG=1", seen, sizeof (seen)));
    kill (pid, SIGHUP);
    assert_true (h_notified (fd, "RELOADING=1", seen, sizeof (seen)));
    assert_true (h_notified (fd, "READY=1", seen, sizeof (seen)));
    assert_int_equal (h_daemon_stop (pid, SIGTERM), 0);
    assert_true (h_notified (fd, "STOPPING=1", seen, sizeof (seen)));
    close (fd);
}

static void
test_curve_admits_only_allowlisted_keys (void **state)
{
    h_fixture_t *f = *state;
    static const char *const pubs[] = { "pub1", NULL }, *const subs[] = { "sub1", NULL };
    h_curve (f, pubs, subs, NULL);
    //  The harness's own status calls speak as the subscriber.
    assert_int_equal (h_run (NULL, 0, 0, "cd %s && " BIN "/hrwatch keygen rogue", f->dir), 0);
    struct stat st;
    char path[600], rogue[41];
    snprintf (path, sizeof (path), "%s/server.key", f->dir);
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    h_pubkey (f, "rogue", rogue);
    f->daemon = h_daemon_start (f->config, f->control);
    const char *batch = h_batch_file (f, 3, 1);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/pub1.key publish %s "
                             "--endpoint %s", f->dir, batch, f->ingest), 0);
    h_expect_out ("3 accepted");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/rogue.key publish %s "
                             "--timeout 2 --endpoint %s", f->dir, batch, f->ingest), 2);
    h_wait_log (f, "refused CURVE key");
    assert_true (h_log_has (f, rogue));
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, "env -u HRWATCH_SERVER_KEY -u HRWATCH_KEY "
                             BIN "/hrwatch publish %s --timeout 2 --endpoint %s", batch,
                             f->ingest), 2);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/pub1.key status "
                             "--timeout 2 --endpoint %s", f->dir, f->control), 2);
    //  The allowlists are read again on SIGHUP.
    snprintf (path, sizeof (path), "%s/publishers", f->dir);
    FILE *fp = fopen (path, "a");
    fprintf (fp, "%s\n", rogue);
    fclose (fp);
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "2 publisher keys");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/rogue.key publish %s "
                             "--timeout 5 --endpoint %s", f->dir, h_batch_file (f, 2, 10),
                             f->ingest), 0);
    h_expect_out ("2 accepted");
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    h_curve_done ();
}

//  100,000 events streamed with retries while the daemon is killed with
//  SIGKILL at random moments: every event ends applied exactly once, and
//  the state is the clean run's, byte for byte.
static void
test_sigkill_loop_loses_and_doubles_nothing (void **state)
{
    h_fixture_t *clean = *state;
    char file[600], want[40], got[40], cmd[1400];
    s_generate (clean, 100000, 10000);
    snprintf (file, sizeof (file), "%s/events.jsonl", clean->dir);
    assert_int_equal (h_publish (clean, file, "--quiet --batch 1000"), 0);
    h_expect_out ("100000 accepted, 0 duplicate, 0 rejected");
    s_digest (clean, want, sizeof (want));

    h_fixture_t *f = h_fixture (NULL);
    snprintf (cmd, sizeof (cmd), BIN "/hrwatch publish %s --quiet --batch 200 --window 4 "
              "--timeout 120 --endpoint '%s'", file, f->ingest);
    FILE *pub = popen (cmd, "r");
    unsigned seed = 20261123;
    int kills = 0;
    for (; kills < 5; kills++) {
        h_sleep_ms (150 + (int) (rand_r (&seed) % 600));
        json_t *st = h_status (f);
        long accepted = h_field (st, "eventsAccepted");
        json_decref (st);
        if (accepted >= 100000)
            break;
        assert_int_equal (h_daemon_stop (f->daemon, SIGKILL), 128 + SIGKILL);
        f->daemon = h_daemon_start (f->config, f->control);
    }
    size_t n = fread (h_out, 1, sizeof (h_out) - 1, pub);
    h_out[n] = '\0';
    assert_int_equal (pclose (pub), 0);
    assert_true (kills >= 3);
    json_t *st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), 100000);
    assert_int_equal (h_field (st, "eventsRejected"), 0);
    json_decref (st);
    assert_string_equal (s_digest (f, got, sizeof (got)), want);
    h_teardown ((void **) &f);
}

//  A store on a tmpfs that fills up: batches are answered UNAVAILABLE, not
//  acknowledged; the daemon stays up; with space again, re-sending ends in
//  the clean run's state.
static void
test_disk_full_withholds_acks_and_recovers (void **state)
{
    h_fixture_t *f = *state;
    if (geteuid () != 0) {
        skip ();
        return;
    }
    char file[600], mnt[600], want[40], got[40];
    s_generate (f, 20000, 3000);
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    assert_int_equal (h_publish (f, file, "--quiet"), 0);
    s_digest (f, want, sizeof (want));
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);

    snprintf (mnt, sizeof (mnt), "%s/small", f->dir);
    assert_int_equal (h_run (NULL, 0, 0, "mkdir -p %s && mount -t tmpfs -o size=1m tmpfs %s",
                             mnt, mnt), 0);
    char extra[800];
    snprintf (extra, sizeof (extra), "[store]\npath = %s/state\nmap_size_mb = 1\n", mnt);
    h_write_config (f, extra);
    f->daemon = h_daemon_start (f->config, f->control);
    int rc = h_publish (f, file, "--timeout 4");
    assert_int_equal (rc, 2);
    h_expect_out ("is unavailable");
    h_wait_log (f, "store commit failed");
    json_t *st = h_status (f);      //  Still serving
    long partial = h_field (st, "eventsAccepted");
    json_decref (st);
    assert_true (partial < 20000);

    assert_int_equal (h_run (NULL, 0, 0, "mount -o remount,size=256m %s", mnt), 0);
    assert_int_equal (h_publish (f, file, "--quiet"), 0);
    st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), 20000);
    json_decref (st);
    assert_string_equal (s_digest (f, got, sizeof (got)), want);
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    assert_int_equal (h_run (NULL, 0, 0, "umount %s", mnt), 0);
}

//  A subscriber that never reads, and publishers that vanish right after
//  sending: ingest goes on, and a batch is applied whole or not at all.
static void
test_slow_subscribers_and_vanishing_publishers (void **state)
{
    h_fixture_t *f = *state;
    void *ctx = zmq_ctx_new ();
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    int hwm = 10;
    char endpoint[600];
    snprintf (endpoint, sizeof (endpoint), "ipc://%s/alerts.sock", f->dir);
    zmq_setsockopt (sub, ZMQ_RCVHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0);
    assert_int_equal (zmq_connect (sub, endpoint), 0);
    s_generate (f, 20000, 3000);   //  Hundreds of alert changes on the way
    char file[600];
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    assert_int_equal (h_publish (f, file, "--quiet --timeout 30"), 0);
    json_t *st = h_status (f);
    assert_true (h_field (st, "alertSeq") > 100);
    json_decref (st);

    //  Twenty batches of 50 events, each sender gone right after sending.
    hrw_buf_t evs[50], frame = { 0 };
    memset (evs, 0, sizeof (evs));
    for (int b = 0; b < 20; b++) {
        for (int i = 0; i < 50; i++) {
            char json[300];
            hrw_buf_clear (&evs[i]);
            snprintf (json, sizeof (json), "{\"eventId\":\"v-%d-%d\",\"occurredAt\":"
                      "\"2025-06-01T00:00:00Z\",\"source\":\"t\",\"transfer\":{\"employeeId\":"
                      "\"V-%d\",\"newUnitId\":\"ops\"}}", b, i, i);
            h_event_json (&evs[i], json);
        }
        h_batch (&frame, "gone", evs, 50);
        void *d = zmq_socket (ctx, ZMQ_DEALER);
        int linger = 0;
        zmq_setsockopt (d, ZMQ_LINGER, &linger, sizeof (linger));
        zmq_connect (d, f->ingest);
        zmq_send (d, "", 0, ZMQ_SNDMORE);
        zmq_send (d, frame.data, frame.len, 0);
        if (b % 2)
            h_sleep_ms (2);
        zmq_close (d);
    }
    h_sleep_ms (500);
    st = h_status (f);
    long accepted = h_field (st, "eventsAccepted") - 20000;
    json_decref (st);
    assert_int_equal (accepted % 50, 0);
    for (int i = 0; i < 50; i++)
        hrw_buf_free (&evs[i]);
    hrw_buf_free (&frame);
    zmq_close (sub);
    zmq_ctx_term (ctx);
}

//  One client sending hundreds of batches at once gets some turned away
//  with REASON_BUSY; re-sent, everything ends accepted once.
static void
test_one_client_cannot_crowd_a_group (void **state)
{
    h_fixture_t *f = *state;
    h_restart (f, "[ingest]\nclient_batches_max = 5\n");
    void *ctx = zmq_ctx_new ();
    void *d = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0, timeout = 5000, hwm = 0;
    zmq_setsockopt (d, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_setsockopt (d, ZMQ_RCVTIMEO, &timeout, sizeof (timeout));
    zmq_setsockopt (d, ZMQ_SNDHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (d, ZMQ_RCVHWM, &hwm, sizeof (hwm));
    assert_int_equal (zmq_connect (d, f->ingest), 0);
    enum { N = 300 };
    static hrw_buf_t frames[N];
    for (int i = 0; i < N; i++) {
        hrw_buf_t ev = { 0 };
        char json[300], id[16];
        snprintf (json, sizeof (json), "{\"eventId\":\"busy-%d\",\"occurredAt\":"
                  "\"2025-06-01T00:00:00Z\",\"source\":\"t\",\"hire\":{\"employeeId\":"
                  "\"B-%d\",\"unitId\":\"ops\"}}", i, i);
        h_event_json (&ev, json);
        snprintf (id, sizeof (id), "%d", i);
        h_batch (&frames[i], id, &ev, 1);
        hrw_buf_free (&ev);
    }
    int pending = N, busy = 0, rounds = 0;
    static int done[N];
    while (pending > 0 && rounds++ < 1000) {
        for (int i = 0; i < N; i++)
            if (!done[i]) {
                zmq_send (d, "", 0, ZMQ_SNDMORE);
                zmq_send (d, frames[i].data, frames[i].len, 0);
            }
        int expect = pending;
        for (int k = 0; k < expect; k++) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            do
                assert_true (zmq_msg_recv (&m, d, 0) >= 0);
            while (zmq_msg_more (&m));
            Hrwatch__V1__Ack *ack = hrwatch__v1__ack__unpack (NULL, zmq_msg_size (&m),
                                                              zmq_msg_data (&m));
            assert_non_null (ack);
            int i = atoi (ack->batch_id);
            if (ack->status == HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_UNAVAILABLE) {
                assert_int_equal (ack->reason, HRWATCH__V1__REASON__REASON_BUSY);
                busy++;
            }
            else if (!done[i]) {
                assert_int_equal (ack->accepted, 1);
                done[i] = 1;
                pending--;
            }
            hrwatch__v1__ack__free_unpacked (ack, NULL);
            zmq_msg_close (&m);
        }
    }
    assert_int_equal (pending, 0);
    assert_true (busy > 0);
    json_t *st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), N);
    json_decref (st);
    for (int i = 0; i < N; i++)
        hrw_buf_free (&frames[i]);
    zmq_close (d);
    zmq_ctx_term (ctx);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_ten_thousand_events_accepted_then_all_duplicate,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_kill9_mid_stream_then_republish_matches_a_clean_run,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (
            test_malformed_frames_get_reasons_and_the_daemon_keeps_serving, setup_small_frames,
            h_teardown),
        cmocka_unit_test_setup_teardown (test_push_socket_takes_fire_and_forget_batches, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_publisher_gives_up_naming_the_endpoint, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_config_is_checked, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_background_mode_returns_when_ready, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_subscriber_sees_a_firing_alert_update_as_it_grows,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_reload_reevaluates_firing_alerts, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_subscriber_away_catches_up_and_sees_each_change_once,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_silences_mute_publication_but_not_the_record, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_unit_and_position_reports, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_injected_scenarios_are_detected_and_nothing_else,
                                         setup_replay, h_teardown),
        cmocka_unit_test_setup_teardown (test_sighup_reloads_settings_and_refuses_a_bad_file,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_reloads_do_not_drop_connections_or_events, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_backup_while_running_and_restore, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_metrics_pass_promtool_and_count_what_happened, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (
            test_alerts_reach_a_real_alertmanager_even_if_it_starts_late, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_systemd_notifications, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_curve_admits_only_allowlisted_keys, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_sigkill_loop_loses_and_doubles_nothing, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_disk_full_withholds_acks_and_recovers, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_slow_subscribers_and_vanishing_publishers, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_one_client_cannot_crowd_a_group, h_setup, h_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
