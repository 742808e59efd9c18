/*  Resource bounds before authentication, through the real daemon: file
    descriptors against idle connections, memory against pipelined large
    frames, and the metrics endpoint against half-sent requests. */
#include "fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define FLOOD 120               //  Raw connections: more than the daemon's 64 descriptors
#define CLIENTS 32              //  Publishers pipelining large frames
#define FRAME_LIMIT (512 * 1024)
#define BUDGET_MB 8
#define SLOW_SCRAPERS 24        //  Half-sent requests: more than the old 16 slots

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  A TCP connection to 127.0.0.1:port that sends nothing; the connect may
//  still be in progress (the listener's backlog), which is the point.
static int
s_idle_connection (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof (a));
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert_true (fd >= 0);
    assert_true (connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0 || errno == EINPROGRESS);
    return fd;
}

//  A fixture whose daemon runs under an open-file limit of nofile.
static h_fixture_t *
s_fixture_nofile (const char *extra, const char *nofile)
{
    setenv ("HRW_NOFILE", nofile, 1);
    h_fixture_t *f = h_fixture (extra);
    unsetenv ("HRW_NOFILE");
    return f;
}

static long
s_status_kb (pid_t pid, const char *field)
{
    char path[64], line[256];
    long kb = -1;
    snprintf (path, sizeof (path), "/proc/%d/status", (int) pid);
    FILE *fp = fopen (path, "r");
    assert_non_null (fp);
    while (fgets (line, sizeof (line), fp))
        if (!strncmp (line, field, strlen (field)))
            kb = atol (line + strlen (field) + 1);
    fclose (fp);
    return kb;
}

// ---------------------------------------------------------------------------

static void
test_idle_connections_past_the_fd_limit_are_logged_and_time_out (void **state)
{
    (void) state;
    char extra[300];
    int port = h_free_port ();
    snprintf (extra, sizeof (extra), "[ingest]\nendpoint = tcp://127.0.0.1:%d\n\n"
              "[daemon]\nhandshake_seconds = 1\n", port);
    h_fixture_t *f = s_fixture_nofile (extra, "64");
    snprintf (f->ingest, sizeof (f->ingest), "tcp://127.0.0.1:%d", port);
    int fds[FLOOD];
    for (int i = 0; i < FLOOD; i++)
        fds[i] = s_idle_connection (port);
    h_wait_log (f, "ingest socket cannot accept a connection: Too many open files");

    //  The publisher waits behind the flood in the listener's backlog;
    //  each handshake time-out frees a descriptor for the next in line.
    int64_t start = s_now_ms ();
    assert_int_equal (h_publish (f, h_batch_file (f, 3, 0), "--timeout 20"), 0);
    int64_t waited = s_now_ms () - start;
    print_message ("first ack under a flood of %d idle connections: %lld ms\n", FLOOD,
                   (long long) waited);
    h_expect_out ("3 accepted");
    assert_true (waited < 15000);
    h_wait_log (f, "socket: a handshake failed or timed out");
    for (int i = 0; i < FLOOD; i++)
        close (fds[i]);
    h_teardown ((void **) &f);
}

static void
test_pipelined_large_frames_stay_within_the_inflight_budget (void **state)
{
    (void) state;
    char extra[300];
    snprintf (extra, sizeof (extra), "[ingest]\nmax_frame_bytes = %d\ninflight_max_mb = %d\n",
              FRAME_LIMIT, BUDGET_MB);
    h_fixture_t *f = h_fixture (extra);
    //  Just under what the old 4x MAXMSGSIZE let in whole.
    size_t len = 4 * FRAME_LIMIT - 1024;
    char *frame = calloc (1, len);
    assert_non_null (frame);
    memset (frame, 0x5a, len);
    void *ctx = zmq_ctx_new ();
    void *clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        int linger = 0;
        clients[i] = zmq_socket (ctx, ZMQ_DEALER);
        zmq_setsockopt (clients[i], ZMQ_LINGER, &linger, sizeof (linger));
        assert_int_equal (zmq_connect (clients[i], f->ingest), 0);
    }
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < CLIENTS; i++) {
            zmq_send (clients[i], "", 0, ZMQ_SNDMORE);
            assert_true (zmq_send (clients[i], frame, len, 0) >= 0);
        }
    //  Whatever answers come (TOO_LARGE, or none once libzmq cuts the
    //  frames off), for two seconds.
    char sink[256];
    for (int64_t end = s_now_ms () + 2000; s_now_ms () < end;)
        for (int i = 0; i < CLIENTS; i++)
            zmq_recv (clients[i], sink, sizeof (sink), ZMQ_DONTWAIT);
    long hwm_kb = s_status_kb (f->daemon, "VmHWM");
    print_message ("daemon VmHWM after %d clients x 3 frames of %zu bytes: %ld KiB\n", CLIENTS,
                   len, hwm_kb);
    assert_true (hwm_kb > 0);
    assert_true (hwm_kb < (BUDGET_MB + 64) * 1024L);
    for (int i = 0; i < CLIENTS; i++)
        zmq_close (clients[i]);
    zmq_ctx_term (ctx);
    free (frame);
    assert_int_equal (h_publish (f, h_batch_file (f, 3, 0), "--timeout 10"), 0);
    h_expect_out ("3 accepted");
    h_teardown ((void **) &f);
}

//  One GET /metrics; 1 when the answer is 200 within timeout_ms.
static int
s_scrape (int port, int timeout_ms)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    struct sockaddr_in a;
    char reply[64] = "";
    memset (&a, 0, sizeof (a));
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
    const char *req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    int ok = connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0
          && send (fd, req, strlen (req), MSG_NOSIGNAL) == (ssize_t) strlen (req)
          && recv (fd, reply, sizeof (reply) - 1, 0) > 0
          && !strncmp (reply, "HTTP/1.1 200", 12);
    close (fd);
    return ok;
}

static void
test_half_sent_http_requests_do_not_keep_a_scrape_out (void **state)
{
    (void) state;
    char extra[200];
    int port = h_free_port ();
    snprintf (extra, sizeof (extra), "[metrics]\nlisten = 127.0.0.1:%d\n", port);
    h_fixture_t *f = h_fixture (extra);
    assert_true (s_scrape (port, 2000));
    int fds[SLOW_SCRAPERS];
    const char *half = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < SLOW_SCRAPERS; i++) {
        fds[i] = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset (&a, 0, sizeof (a));
        a.sin_family = AF_INET;
        a.sin_port = htons ((uint16_t) port);
        a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        assert_int_equal (connect (fds[i], (struct sockaddr *) &a, sizeof (a)), 0);
        send (fds[i], half, strlen (half), MSG_NOSIGNAL);
    }
    //  The slow ones are cut after the 3 s idle time-out; a scrape gets
    //  through within a second of that.
    int64_t start = s_now_ms ();
    int ok = 0;
    while (!ok && s_now_ms () - start < 4000) {
        ok = s_scrape (port, 500);
        if (!ok)
            h_sleep_ms (100);
    }
    int64_t waited = s_now_ms () - start;
    print_message ("scrape under %d half-sent requests: %s after %lld ms\n", SLOW_SCRAPERS,
                   ok? "served": "refused", (long long) waited);
    assert_true (ok);
    for (int i = 0; i < SLOW_SCRAPERS; i++)
        close (fds[i]);
    h_teardown ((void **) &f);
}

int
main (void)
{
    signal (SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_idle_connections_past_the_fd_limit_are_logged_and_time_out),
        cmocka_unit_test (test_pipelined_large_frames_stay_within_the_inflight_budget),
        cmocka_unit_test (test_half_sent_http_requests_do_not_keep_a_scrape_out),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
