/*  fixture: a real hrwatchd in a temp dir. */
#include "fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

char h_out[1 << 16];

void
h_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

h_fixture_t *
h_fixture (const char *extra)
{
    h_fixture_t *f = calloc (1, sizeof (*f));
    assert_non_null (f);
    h_tempdir (f->dir, sizeof (f->dir));
    h_config (f->dir, extra, f->config, f->ingest, f->push, f->control);
    f->daemon = h_daemon_start (f->config, f->control);
    return f;
}

int
h_setup (void **state)
{
    *state = h_fixture (NULL);
    return 0;
}

int
h_teardown (void **state)
{
    h_fixture_t *f = *state;
    if (f->daemon > 0)
        assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    h_rmtree (f->dir);
    free (f);
    return 0;
}

json_t *
h_status (h_fixture_t *f)
{
    char buf[4096];
    assert_int_equal (h_run (buf, sizeof (buf), 0, BIN "/hrwatch status --json --digest "
                             "--endpoint '%s'", f->control), 0);
    json_t *j = json_loads (buf, 0, NULL);
    assert_non_null (j);
    return j;
}

long
h_field (json_t *status, const char *name)
{
    json_t *v = json_object_get (status, name);
    return v? atol (json_string_value (v)): 0;
}

char *
h_digest (h_fixture_t *f, char *buf, size_t cap)
{
    json_t *st = h_status (f);
    snprintf (buf, cap, "%s", json_string_value (json_object_get (st, "stateDigest")));
    json_decref (st);
    return buf;
}

void
h_generate (h_fixture_t *f, int events, int employees)
{
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch-gen --employees %d --years 3 --seed 3 "
                             "--events %d --out %s/events.jsonl --summary %s/truth.json",
                             employees, events, f->dir, f->dir), 0);
}

int
h_publish (h_fixture_t *f, const char *file, const char *opts)
{
    return h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch publish %s --endpoint '%s' %s", file,
                  f->ingest, opts? opts: "");
}

void
h_publish_lines (h_fixture_t *f, const char *lines)
{
    char file[600];
    snprintf (file, sizeof (file), "%s/step.jsonl", f->dir);
    FILE *fp = fopen (file, "w");
    assert_non_null (fp);
    fputs (lines, fp);
    fclose (fp);
    assert_int_equal (h_publish (f, file, NULL), 0);
}

void
h_expect_out (const char *needle)
{
    if (!strstr (h_out, needle))
        fail_msg ("expected '%s' in:\n%s", needle, h_out);
}

const char *
h_batch_file (h_fixture_t *f, int n, int first)
{
    static char file[600];
    snprintf (file, sizeof (file), "%s/batch-%d.jsonl", f->dir, first);
    FILE *fp = fopen (file, "w");
    assert_non_null (fp);
    for (int i = first; i < first + n; i++)
        fprintf (fp, "{\"eventId\":\"b-%d\",\"occurredAt\":\"2025-01-01T00:00:00Z\","
                 "\"source\":\"t\",\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"ops\"}}\n",
                 i, i);
    fclose (fp);
    return file;
}

void
h_write_config (h_fixture_t *f, const char *extra)
{
    char ingest[512], push[512], control[512], config[512];
    h_config (f->dir, extra, config, ingest, push, control);
}

void
h_restart (h_fixture_t *f, const char *extra)
{
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    h_write_config (f, extra);
    f->daemon = h_daemon_start (f->config, f->control);
}

int
h_log_has (h_fixture_t *f, const char *needle)
{
    return h_run (NULL, 0, 0, "grep -qF -- '%s' '%s.log'", needle, f->config) == 0;
}

void
h_wait_log (h_fixture_t *f, const char *needle)
{
    for (int i = 0; i < 300 && !h_log_has (f, needle); i++)
        h_sleep_ms (10);
    if (!h_log_has (f, needle))
        fail_msg ("hrwatchd never logged '%s'", needle);
}

//  One request, one reply, on a fresh socket; NULL on a time-out.
static zmq_msg_t *
s_exchange (const char *endpoint, int type, const void *data, size_t len, int timeout_ms,
            zmq_msg_t *msg)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, type);
    int linger = 0;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout_ms, sizeof (timeout_ms));
    zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof (linger));
    assert_int_equal (zmq_connect (s, endpoint), 0);
    if (type == ZMQ_DEALER)
        zmq_send (s, "", 0, ZMQ_SNDMORE);
    assert_true (zmq_send (s, data, len, 0) >= 0);
    zmq_msg_init (msg);
    int got = 0;
    do
        got = zmq_msg_recv (msg, s, 0) >= 0;
    while (got && zmq_msg_more (msg));
    zmq_close (s);
    zmq_ctx_term (ctx);
    if (!got) {
        zmq_msg_close (msg);
        return NULL;
    }
    return msg;
}

Hrwatch__V1__Ack *
h_raw (h_fixture_t *f, int type, const void *data, size_t len)
{
    zmq_msg_t msg;
    assert_non_null (s_exchange (f->ingest, type, data, len, 5000, &msg));
    Hrwatch__V1__Ack *ack = hrwatch__v1__ack__unpack (NULL, zmq_msg_size (&msg),
                                                      zmq_msg_data (&msg));
    assert_non_null (ack);
    zmq_msg_close (&msg);
    return ack;
}

Hrwatch__V1__ControlResponse *
h_control (h_fixture_t *f, const ProtobufCMessage *req, int timeout_ms)
{
    hrw_buf_t frame = { 0 };
    assert_int_equal (hrw_buf_pack (&frame, req), 0);
    Hrwatch__V1__ControlResponse *resp = h_control_raw (f, frame.data, frame.len, timeout_ms);
    hrw_buf_free (&frame);
    return resp;
}

Hrwatch__V1__ControlResponse *
h_control_raw (h_fixture_t *f, const void *data, size_t len, int timeout_ms)
{
    zmq_msg_t msg;
    if (!s_exchange (f->control, ZMQ_DEALER, data, len, timeout_ms, &msg))
        return NULL;
    Hrwatch__V1__ControlResponse *resp
        = hrwatch__v1__control_response__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
    assert_non_null (resp);
    zmq_msg_close (&msg);
    return resp;
}

//  A port below Linux's ephemeral range (32768 and up): a port the kernel
//  hands out for port 0 is also what it gives the next outgoing connection
//  of any test running beside this one, which can take it before the
//  daemon binds it. Drawn at random and checked free; tests running side
//  by side draw apart.
int
h_free_port (void)
{
    static unsigned seed;
    if (!seed)
        seed = (unsigned) getpid () ^ (unsigned) time (NULL);
    for (int tries = 0; tries < 1000; tries++) {
        int port = 20000 + (int) (rand_r (&seed) % 12000);
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset (&a, 0, sizeof (a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        a.sin_port = htons ((uint16_t) port);
        int ok = fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof (a)) == 0;
        if (fd >= 0)
            close (fd);
        if (ok)
            return port;
    }
    fail_msg ("no free port between 20000 and 32000");
    return -1;
}

void
h_pubkey (h_fixture_t *f, const char *name, char *key)
{
    char path[600];
    snprintf (path, sizeof (path), "%s/%s.pub", f->dir, name);
    FILE *fp = fopen (path, "r");
    char line[200];
    key[0] = '\0';
    while (fp && fgets (line, sizeof (line), fp))
        if (sscanf (line, " public-key = \"%40[^\"]\"", key) == 1)
            break;
    if (fp)
        fclose (fp);
    assert_int_equal (strlen (key), 40);
}

int
h_notify_socket (h_fixture_t *f)
{
    struct sockaddr_un addr;
    memset (&addr, 0, sizeof (addr));
    addr.sun_family = AF_UNIX;
    snprintf (addr.sun_path, sizeof (addr.sun_path), "%.80s/notify.sock", f->dir);
    int fd = socket (AF_UNIX, SOCK_DGRAM, 0);
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof (addr)), 0);
    setenv ("NOTIFY_SOCKET", addr.sun_path, 1);
    return fd;
}

int
h_notified (int fd, const char *needle, char *all, size_t cap)
{
    for (int i = 0; i < 500; i++) {
        char msg[1024];
        ssize_t n = recv (fd, msg, sizeof (msg) - 1, MSG_DONTWAIT);
        if (n > 0) {
            msg[n] = '\0';
            if (all) {
                strncat (all, msg, cap - strlen (all) - 1);
                strncat (all, "|", cap - strlen (all) - 1);
            }
            if (strstr (msg, needle))
                return 1;
            continue;
        }
        h_sleep_ms (10);
    }
    return 0;
}

//  Makes a key pair for each name and writes their public keys as a list.
static void
s_allowlist (h_fixture_t *f, const char *list, const char *const *names)
{
    char path[600], key[41];
    snprintf (path, sizeof (path), "%s/%s", f->dir, list);
    FILE *fp = fopen (path, "w");
    assert_non_null (fp);
    for (size_t i = 0; names && names[i]; i++) {
        assert_int_equal (h_run (NULL, 0, 0, "cd %s && " BIN "/hrwatch keygen %s", f->dir,
                                 names[i]), 0);
        h_pubkey (f, names[i], key);
        fprintf (fp, "%s  # %s\n", key, names[i]);
    }
    fclose (fp);
}

void
h_curve (h_fixture_t *f, const char *const *publishers, const char *const *subscribers,
         const char *const *admins)
{
    if (f->daemon > 0)
        assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    assert_int_equal (h_run (NULL, 0, 0, "cd %s && " BIN "/hrwatch keygen server", f->dir), 0);
    s_allowlist (f, "publishers", publishers);
    s_allowlist (f, "subscribers", subscribers);
    if (admins)
        s_allowlist (f, "admins", admins);
    int p1 = h_free_port (), p2 = h_free_port (), p3 = h_free_port (), p4 = h_free_port ();
    char extra[2000], admins_line[600] = "";
    if (admins)
        snprintf (admins_line, sizeof (admins_line), "admins = %s/admins\n", f->dir);
    snprintf (f->ingest, sizeof (f->ingest), "tcp://127.0.0.1:%d", p1);
    snprintf (f->control, sizeof (f->control), "tcp://127.0.0.1:%d", p3);
    snprintf (extra, sizeof (extra), "[ingest]\nendpoint = tcp://127.0.0.1:%d\npush_endpoint = "
              "tcp://127.0.0.1:%d\n[control]\nendpoint = tcp://127.0.0.1:%d\n[alerts]\n"
              "endpoint = tcp://127.0.0.1:%d\n[security]\nserver_key = %s/server.key\n"
              "publishers = %s/publishers\nsubscribers = %s/subscribers\n%s", p1, p2, p3, p4,
              f->dir, f->dir, f->dir, admins_line);
    h_write_config (f, extra);
    char server_pub[600], sub_key[600];
    snprintf (server_pub, sizeof (server_pub), "%s/server.pub", f->dir);
    snprintf (sub_key, sizeof (sub_key), "%s/%s.key", f->dir, subscribers[0]);
    setenv ("HRWATCH_SERVER_KEY", server_pub, 1);
    setenv ("HRWATCH_KEY", sub_key, 1);
}

void
h_curve_done (void)
{
    unsetenv ("HRWATCH_SERVER_KEY");
    unsetenv ("HRWATCH_KEY");
}
