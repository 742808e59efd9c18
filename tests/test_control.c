/*  What comes in from outside, through the real daemon: control requests
    with hostile fields, who may administer, NUL bytes inside ids, what a
    rejection keeps, and log records that cannot be forged. */
#include "fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define E(name) HRWATCH__V1__CONTROL_ERROR__CONTROL_ERROR_##name
#define R(name) HRWATCH__V1__REASON__REASON_##name

//  A request of one kind; the caller fills the part.
static Hrwatch__V1__ControlRequest
s_request (Hrwatch__V1__ControlRequest__RequestCase kind, void *part)
{
    Hrwatch__V1__ControlRequest req = HRWATCH__V1__CONTROL_REQUEST__INIT;
    req.request_case = kind;
    req.status = part;      //  One union: every case's pointer is the same field
    return req;
}

//  Sends a request and checks the answer's code; returns the response.
static Hrwatch__V1__ControlResponse *
s_expect (h_fixture_t *f, Hrwatch__V1__ControlRequest *req, Hrwatch__V1__ControlError code,
          const char *words)
{
    Hrwatch__V1__ControlResponse *resp = h_control (f, &req->base, 5000);
    if (!resp)
        fail_msg ("no answer from the daemon (is it still up?)");
    if (resp->code != code)
        fail_msg ("got code %d (%s), want %d", resp->code, resp->error, code);
    if (words && !strstr (resp->error, words))
        fail_msg ("error '%s' does not say '%s'", resp->error, words);
    return resp;
}

static void
s_expect_free (h_fixture_t *f, Hrwatch__V1__ControlRequest *req, Hrwatch__V1__ControlError code,
               const char *words)
{
    hrwatch__v1__control_response__free_unpacked (s_expect (f, req, code, words), NULL);
}

static void
s_still_serving (h_fixture_t *f)
{
    Hrwatch__V1__StatusRequest st = HRWATCH__V1__STATUS_REQUEST__INIT;
    Hrwatch__V1__ControlRequest req
        = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_STATUS, &st);
    Hrwatch__V1__ControlResponse *resp = s_expect (f, &req, E (NONE), NULL);
    assert_non_null (resp->status);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
}

//  One hire into ops, so the clock has started.
static void
s_one_hire (h_fixture_t *f)
{
    h_publish_lines (f, "{\"eventId\":\"u-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\","
                        "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}\n");
}

// ---------------------------------------------------------------------------

//  Every id and text a control request carries is checked where it enters:
//  a 200-byte unit id once overwrote the daemon's stack.
static void
test_hostile_control_fields_get_errors_and_the_daemon_stays_up (void **state)
{
    h_fixture_t *f = *state;
    s_one_hire (f);
    char big[10001];
    memset (big, 'A', sizeof (big) - 1);
    big[sizeof (big) - 1] = '\0';
    big[200] = '\0';
    //  Through the CLI, as the defect was found.
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch unit %s --endpoint '%s'",
                             big, f->control), 2);
    h_expect_out ("unit.unit_id is not 1-64 bytes");
    h_expect_out ("CONTROL_ERROR_INVALID_ARGUMENT");
    big[200] = 'A';

    Hrwatch__V1__UnitRequest unit = HRWATCH__V1__UNIT_REQUEST__INIT;
    Hrwatch__V1__ControlRequest req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_UNIT, &unit);
    unit.unit_id = big;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "unit.unit_id");
    unit.unit_id = (char *) "ops\nforged";
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "unit.unit_id");
    unit.unit_id = (char *) "";
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "unit.unit_id");

    Hrwatch__V1__PositionRequest pos = HRWATCH__V1__POSITION_REQUEST__INIT;
    req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_POSITION, &pos);
    pos.position_id = big;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "position.position_id");

    Hrwatch__V1__AlertsRequest alerts = HRWATCH__V1__ALERTS_REQUEST__INIT;
    req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_ALERTS, &alerts);
    alerts.prefix = big;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "alerts.prefix");

    //  A silence: a unit id too long, a comment with a newline, 9999.
    Hrwatch__V1__Silence add = HRWATCH__V1__SILENCE__INIT;
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Hrwatch__V1__SilenceRequest sr = HRWATCH__V1__SILENCE_REQUEST__INIT;
    sr.action_case = HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD;
    sr.add = &add;
    add.until = &until;
    until.seconds = time (NULL) + 3600;
    req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE, &sr);
    add.unit_id = big;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.unit_id");
    add.unit_id = (char *) "ops";
    add.comment = (char *) "on call\nhrwatchd[1] error: forged";
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.comment");
    add.comment = (char *) "";
    until.seconds = 253402300799LL;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "366 days");

    //  Bytes that are no request at all.
    hrw_buf_t junk = { 0 };
    hrw_buf_append (&junk, "\x0a\xff\xff\xff\xff\x0f", 6);
    Hrwatch__V1__ControlResponse *resp = h_control_raw (f, junk.data, junk.len, 5000);
    assert_non_null (resp);
    assert_int_equal (resp->code, E (MALFORMED));
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    hrw_buf_free (&junk);
    s_still_serving (f);
}

//  Every matcher of a silence to add is checked where it enters, and the
//  error names the field and why: no matcher at all, an enum number the
//  contract does not define, a string too long or with a byte it may not
//  hold (the first one, by offset). A good one is kept and listed.
static void
test_silence_matchers_are_checked_where_they_enter (void **state)
{
    h_fixture_t *f = *state;
    char long_id[70], long_fp[260];
    memset (long_id, 'a', sizeof (long_id) - 1);
    long_id[65] = '\0';                                     //  65 bytes
    memset (long_fp, 'a', sizeof (long_fp) - 1);
    long_fp[256] = '\0';                                    //  256 bytes
    Hrwatch__V1__Silence add = HRWATCH__V1__SILENCE__INIT;
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Hrwatch__V1__SilenceRequest sr = HRWATCH__V1__SILENCE_REQUEST__INIT;
    sr.action_case = HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD;
    sr.add = &add;
    add.until = &until;
    until.seconds = time (NULL) + 3600;
    Hrwatch__V1__ControlRequest req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE,
                                                 &sr);
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add needs at least one matcher");
    add.kind = 99;
    s_expect_free (f, &req, E (INVALID_ARGUMENT),
                   "silence.add.kind is 99: not a value of hrwatch.v1.AlertKind (1 to 13)");
    add.kind = -1;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.kind is -1");
    add.kind = HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE;
    add.severity = 4;
    s_expect_free (f, &req, E (INVALID_ARGUMENT),
                   "silence.add.severity is 4: not a value of hrwatch.v1.Severity");
    add.severity = HRWATCH__V1__SEVERITY__SEVERITY_CRITICAL;
    add.subject = long_id;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.subject is 65 bytes, over 64");
    add.subject = (char *) "P-1\nforged";
    s_expect_free (f, &req, E (INVALID_ARGUMENT),
                   "silence.add.subject holds byte 0x0a at offset 3");
    add.subject = (char *) "P-\xc3\xa9";
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.subject holds byte 0xc3");
    add.subject = (char *) "P-1";
    add.unit_id = (char *) "ops team";
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.unit_id holds byte 0x20");
    add.unit_id = long_id;
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.unit_id is 65 bytes");
    add.unit_id = (char *) "ops";
    add.fingerprint = long_fp;
    s_expect_free (f, &req, E (INVALID_ARGUMENT),
                   "silence.add.fingerprint is 256 bytes, over 255");
    add.fingerprint = (char *) "turnover_spike/ops\x7f";
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "silence.add.fingerprint holds byte 0x7f");
    //  A fingerprint that can match no alert: a topic, an unknown kind,
    //  words, a cycle missing or one too many.
    static const char *never[] = { "succession_gap/acme/sales/P-1", "no_such_kind/P-1",
                                   "nonsense with spaces", "engagement_drop/ops",
                                   "turnover_spike/ops/c1", "succession_gap/", "succession_gap" };
    for (size_t i = 0; i < sizeof (never) / sizeof (never[0]); i++) {
        add.fingerprint = (char *) never[i];
        s_expect_free (f, &req, E (INVALID_ARGUMENT), "is not KIND/SUBJECT");
    }
    add.fingerprint = (char *) "";

    //  All five together are one good silence; a severity alone is another.
    Hrwatch__V1__ControlResponse *resp = s_expect (f, &req, E (NONE), NULL);
    assert_non_null (resp->silences);
    assert_int_equal (resp->silences->n_silences, 1);
    Hrwatch__V1__Silence *got = resp->silences->silences[0];
    assert_int_equal (got->kind, HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE);
    assert_int_equal (got->severity, HRWATCH__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal (got->subject, "P-1");
    assert_string_equal (got->unit_id, "ops");
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    Hrwatch__V1__Silence sev = HRWATCH__V1__SILENCE__INIT;
    sev.severity = HRWATCH__V1__SEVERITY__SEVERITY_INFO;
    sev.until = &until;
    sr.add = &sev;
    resp = s_expect (f, &req, E (NONE), NULL);
    assert_int_equal (resp->silences->n_silences, 2);
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    s_still_serving (f);
}

//  A control request whose id holds a NUL byte is refused, not cut short.
static void
test_control_ids_with_nul_bytes_are_refused (void **state)
{
    h_fixture_t *f = *state;
    Hrwatch__V1__PositionRequest pos = HRWATCH__V1__POSITION_REQUEST__INIT;
    Hrwatch__V1__ControlRequest req
        = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_POSITION, &pos);
    pos.position_id = (char *) "P-1~zzz";
    hrw_buf_t frame = { 0 };
    assert_int_equal (hrw_buf_pack (&frame, &req.base), 0);
    uint8_t *tilde = memchr (frame.data, '~', frame.len);
    assert_non_null (tilde);
    *tilde = 0;
    Hrwatch__V1__ControlRequest *patched
        = hrwatch__v1__control_request__unpack (NULL, frame.len, frame.data);
    assert_string_equal (patched->position->position_id, "P-1");    //  What the decoder sees
    hrwatch__v1__control_request__free_unpacked (patched, NULL);
    Hrwatch__V1__ControlResponse *resp = h_control_raw (f, frame.data, frame.len, 5000);
    assert_non_null (resp);
    assert_int_equal (resp->code, E (INVALID_ARGUMENT));
    assert_non_null (strstr (resp->error, "position.position_id holds a NUL byte"));
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    hrw_buf_free (&frame);
}

// ---------------------------------------------------------------------------
// Who may administer

static void
s_admin_requests (h_fixture_t *f, Hrwatch__V1__ControlError code)
{
    Google__Protobuf__Timestamp to = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    to.seconds = time (NULL) - 86400;
    Hrwatch__V1__AdvanceRequest adv = HRWATCH__V1__ADVANCE_REQUEST__INIT;
    adv.to = &to;
    Hrwatch__V1__ControlRequest req
        = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_ADVANCE, &adv);
    s_expect_free (f, &req, code, NULL);

    Hrwatch__V1__Silence add = HRWATCH__V1__SILENCE__INIT;
    Google__Protobuf__Timestamp until = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    until.seconds = time (NULL) + 3600;
    add.unit_id = (char *) "ops";
    add.until = &until;
    Hrwatch__V1__SilenceRequest sr = HRWATCH__V1__SILENCE_REQUEST__INIT;
    sr.action_case = HRWATCH__V1__SILENCE_REQUEST__ACTION_ADD;
    sr.add = &add;
    req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_SILENCE, &sr);
    s_expect_free (f, &req, code, NULL);

    Hrwatch__V1__BackupRequest br = HRWATCH__V1__BACKUP_REQUEST__INIT;
    br.directory = (char *) (code == E (NONE)? "copy-ok": "copy-refused");
    req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_BACKUP, &br);
    s_expect_free (f, &req, code, NULL);
    char path[600];
    struct stat st;
    snprintf (path, sizeof (path), "%s/backups/copy-refused", f->dir);
    assert_int_not_equal (stat (path, &st), 0);
}

//  On tcp:// without CURVE anyone on the host could connect: reads only.
static void
test_tcp_control_without_curve_is_read_only (void **state)
{
    h_fixture_t *f = *state;
    int port = h_free_port ();
    char extra[200];
    snprintf (extra, sizeof (extra), "[control]\nendpoint = tcp://127.0.0.1:%d\n", port);
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    h_write_config (f, extra);
    snprintf (f->control, sizeof (f->control), "tcp://127.0.0.1:%d", port);
    f->daemon = h_daemon_start (f->config, f->control);
    s_one_hire (f);
    s_admin_requests (f, E (PERMISSION_DENIED));
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch advance --endpoint '%s'",
                             f->control), 2);
    h_expect_out ("CONTROL_ERROR_PERMISSION_DENIED");
    //  Reads still work, silences can still be listed.
    s_still_serving (f);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch silence list --endpoint "
                             "'%s'", f->control), 0);
}

//  An abstract ipc://@ socket has no file mode: anyone local could connect.
static void
test_abstract_ipc_control_is_read_only (void **state)
{
    h_fixture_t *f = *state;
    char extra[300];
    snprintf (extra, sizeof (extra), "[control]\nendpoint = ipc://@hrwatch-test-%d\n",
              (int) getpid ());
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    h_write_config (f, extra);
    snprintf (f->control, sizeof (f->control), "ipc://@hrwatch-test-%d", (int) getpid ());
    f->daemon = h_daemon_start (f->config, f->control);
    s_one_hire (f);
    s_admin_requests (f, E (PERMISSION_DENIED));
    s_still_serving (f);
}

//  Over CURVE, a subscriber key reads and an admins key administers.
static void
test_curve_admins_administer_and_subscribers_only_read (void **state)
{
    h_fixture_t *f = *state;
    static const char *const pubs[] = { "pub1", NULL }, *const subs[] = { "sub1", NULL },
                             *const admins[] = { "adm1", NULL };
    h_curve (f, pubs, subs, admins);
    f->daemon = h_daemon_start (f->config, f->control);
    const char *silence = "silence add --unit ops --for 1h --comment 'reorg'";
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch %s --endpoint %s", silence,
                             f->control), 2);
    h_expect_out ("CONTROL_ERROR_PERMISSION_DENIED");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch backup b1 --endpoint %s",
                             f->control), 2);
    h_expect_out ("CONTROL_ERROR_PERMISSION_DENIED");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch status --endpoint %s",
                             f->control), 0);
    //  The admin key may do both, and read.
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/adm1.key %s "
                             "--endpoint %s", f->dir, silence, f->control), 0);
    h_expect_out ("unit ops");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/adm1.key backup b1 "
                             "--endpoint %s", f->dir, f->control), 0);
    h_expect_out ("backup written to");
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/adm1.key status "
                             "--endpoint %s", f->dir, f->control), 0);
    //  The publisher's key is no reader.
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/pub1.key status "
                             "--timeout 2 --endpoint %s", f->dir, f->control), 2);
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    h_curve_done ();
}

//  On ipc:// (the service group only) administration works, and is bounded.
static void
test_ipc_control_administers_within_bounds (void **state)
{
    h_fixture_t *f = *state;
    s_one_hire (f);
    s_admin_requests (f, E (NONE));
    //  Fifty years ahead would hold every later event back, for good.
    Google__Protobuf__Timestamp to = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    to.seconds = time (NULL) + 50LL * 365 * 86400;
    Hrwatch__V1__AdvanceRequest adv = HRWATCH__V1__ADVANCE_REQUEST__INIT;
    adv.to = &to;
    Hrwatch__V1__ControlRequest req
        = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_ADVANCE, &adv);
    s_expect_free (f, &req, E (INVALID_ARGUMENT), "max_future_seconds");
    //  A backup name is a name: no paths, no dot-files, no overwriting.
    Hrwatch__V1__BackupRequest br = HRWATCH__V1__BACKUP_REQUEST__INIT;
    req = s_request (HRWATCH__V1__CONTROL_REQUEST__REQUEST_BACKUP, &br);
    const char *bad[] = { "/etc/cron.d", "../state", "a/b", ".hidden" };
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
        br.directory = (char *) bad[i];
        s_expect_free (f, &req, E (INVALID_ARGUMENT), "backup.directory");
    }
    br.directory = (char *) "copy-ok";
    s_expect_free (f, &req, E (ALREADY_EXISTS), "exists already");
    //  A link planted where a copy would go is not followed.
    char link[600], target[600];
    snprintf (link, sizeof (link), "%s/backups/planted", f->dir);
    snprintf (target, sizeof (target), "%s/elsewhere", f->dir);
    assert_int_equal (mkdir (target, 0755), 0);
    assert_int_equal (symlink (target, link), 0);
    br.directory = (char *) "planted";
    s_expect_free (f, &req, E (ALREADY_EXISTS), NULL);
    snprintf (target, sizeof (target), "%s/elsewhere/data.mdb", f->dir);
    struct stat st;
    assert_int_not_equal (stat (target, &st), 0);
    //  Named after the time when no name is given.
    br.directory = (char *) "";
    Hrwatch__V1__ControlResponse *resp = s_expect (f, &req, E (NONE), NULL);
    assert_non_null (strstr (resp->backup->directory, "/backups/hrwatch-"));
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
}

// ---------------------------------------------------------------------------
// NUL bytes in events, and what a rejection keeps

//  Packs the JSON events as a batch, then turns every '~' into a NUL byte.
static void
s_nul_batch (hrw_buf_t *frame, const char **json, size_t n)
{
    hrw_buf_t *events = calloc (n, sizeof (*events));
    for (size_t i = 0; i < n; i++)
        h_event_json (&events[i], json[i]);
    h_batch (frame, "nul", events, n);
    for (size_t i = 0; i < n; i++)
        hrw_buf_free (&events[i]);
    free (events);
    for (size_t i = 0; i < frame->len; i++)
        if (frame->data[i] == '~')
            frame->data[i] = 0;
}

static void
test_nul_bytes_inside_strings_are_rejected_not_merged (void **state)
{
    h_fixture_t *f = *state;
    const char *json[] = {
        "{\"eventId\":\"dup~AAA\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
        "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}",
        "{\"eventId\":\"dup~BBB\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
        "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}",
        "{\"eventId\":\"n-3\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
        "\"hire\":{\"employeeId\":\"E-5~zzz\",\"unitId\":\"ops\"}}",
        "{\"eventId\":\"n-4\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
        "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"title\":\"Head~x\"}}",
        "{\"eventId\":\"dup\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
        "\"hire\":{\"employeeId\":\"E-2\",\"unitId\":\"ops\"}}",
    };
    hrw_buf_t frame = { 0 };
    s_nul_batch (&frame, json, 5);
    Hrwatch__V1__Ack *ack = h_raw (f, ZMQ_DEALER, frame.data, frame.len);
    assert_int_equal (ack->n_results, 5);
    int want[] = { R (INVALID_ID), R (INVALID_ID), R (INVALID_ID), R (INVALID_VALUE), R (NONE) };
    for (int i = 0; i < 5; i++) {
        if (ack->results[i]->reason != (Hrwatch__V1__Reason) want[i])
            fail_msg ("event %d: reason %d (%s), want %d", i, ack->results[i]->reason,
                      ack->results[i]->message, want[i]);
    }
    assert_non_null (strstr (ack->results[2]->message, "hire.employee_id holds a NUL byte"));
    assert_non_null (strstr (ack->results[3]->message, "position_defined.title"));
    assert_int_equal (ack->results[4]->outcome, HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED);
    assert_int_equal (ack->accepted, 1);
    hrwatch__v1__ack__free_unpacked (ack, NULL);
    //  Sent again, still rejected: nothing was stored under a cut id.
    ack = h_raw (f, ZMQ_DEALER, frame.data, frame.len);
    assert_int_equal (ack->rejected, 4);
    assert_int_equal (ack->duplicate, 1);
    hrwatch__v1__ack__free_unpacked (ack, NULL);
    hrw_buf_free (&frame);
    json_t *st = h_status (f);
    assert_int_equal (h_field (st, "employeesActive"), 1);
    json_decref (st);
}

//  An integrator learns which event, which field and why; nothing the
//  event said about a person is kept.
static void
test_rejections_keep_no_personal_data (void **state)
{
    h_fixture_t *f = *state;
    char file[600];
    snprintf (file, sizeof (file), "%s/bad.jsonl", f->dir);
    FILE *fp = fopen (file, "w");
    fprintf (fp, "{\"eventId\":\"x-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"t\","
                 "\"exit\":{\"employeeId\":\"E-4242\",\"type\":\"EXIT_TYPE_UNSPECIFIED\","
                 "\"reasonCode\":\"moving-with-partner\"}}\n");
    fclose (fp);
    assert_int_equal (h_publish (f, file, NULL), 1);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch rejected --json "
                             "--endpoint '%s'", f->control), 0);
    h_expect_out ("\"eventId\":\"x-1\"");
    h_expect_out ("\"eventType\":\"exit\"");
    h_expect_out ("\"field\":\"exit.type\"");
    h_expect_out ("REASON_MISSING_FIELD");
    assert_null (strstr (h_out, "E-4242"));
    assert_null (strstr (h_out, "moving-with-partner"));
    //  --json prints every field: the payload is there, and empty.
    h_expect_out ("\"payload\":\"\",");
    //  Nor in the store's bytes.
    assert_int_not_equal (h_run (NULL, 0, 0, "grep -qa moving-with-partner %s/state/data.mdb",
                                 f->dir), 0);
}

//  A title with a newline once forged a log record of its own.
static void
test_free_text_cannot_forge_a_log_record (void **state)
{
    h_fixture_t *f = *state;
    h_publish_lines (f, "{\"eventId\":\"t-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\","
                        "\"source\":\"t\",\"positionDefined\":{\"positionId\":\"P-9\",\"unitId\":"
                        "\"ops\",\"critical\":true,\"title\":\"Head\\nhrwatchd[1] error: "
                        "forged\"}}\n");
    h_wait_log (f, "alert #");
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    //  The title reaches the log in the alert's summary: its newline is
    //  written as \x0a, and no record starts with the forged text.
    assert_true (h_log_has (f, "Head\\x0ahrwatchd[1] error: forged"));
    assert_int_not_equal (h_run (NULL, 0, 0, "grep -q '^hrwatchd\\[1\\]' '%s.log'", f->config),
                          0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (
            test_hostile_control_fields_get_errors_and_the_daemon_stays_up, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_silence_matchers_are_checked_where_they_enter,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_control_ids_with_nul_bytes_are_refused, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_tcp_control_without_curve_is_read_only, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_abstract_ipc_control_is_read_only, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_curve_admins_administer_and_subscribers_only_read,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_ipc_control_administers_within_bounds, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_nul_bytes_inside_strings_are_rejected_not_merged,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_rejections_keep_no_personal_data, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_free_text_cannot_forge_a_log_record, h_setup,
                                         h_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
