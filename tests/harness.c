/*  harness: shared test helpers. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto/pbjson.h"
#include "workers/engine.h"

void
h_tempdir (char *dir, size_t cap)
{
    const char *base = getenv ("TMPDIR")? getenv ("TMPDIR"): "/tmp";
    snprintf (dir, cap, "%s/hrwatch-test-XXXXXX", base);
    assert_non_null (mkdtemp (dir));
}

void
h_rmtree (const char *dir)
{
    char cmd[1200];
    snprintf (cmd, sizeof (cmd), "rm -rf '%s'", dir);
    assert_int_equal (system (cmd), 0);
}

void
h_event_json (hrw_buf_t *out, const char *json)
{
    json_error_t jerr;
    json_t *obj = json_loads (json, 0, &jerr);
    if (!obj)
        fail_msg ("bad test JSON: %s: %s", jerr.text, json);
    char err[300];
    if (hrw_pbjson_encode (&hrwatch__v1__event__descriptor, obj, out, err, sizeof (err)))
        fail_msg ("does not encode: %s: %s", err, json);
    json_decref (obj);
}

void
h_engine_open (const char *dir, int64_t lateness_us, int replay, uint32_t log_keep,
               hrw_store_t **store, hrw_engine_t **engine)
{
    hrw_store_opts_t o = { .path = dir, .map_size = 1 << 20,
                           .max_map_size = 0, .rejected_keep = 100 };
    assert_int_equal (hrw_store_open (&o, store), 0);
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = replay;
    eo.lateness_us = lateness_us;
    if (log_keep)
        eo.alert_log_keep = log_keep;
    *engine = hrw_engine_new (*store, &eo);
    assert_non_null (*engine);
}

void
h_engine_accept (hrw_engine_t *engine, const char *json)
{
    hrw_buf_t raw = { 0 };
    h_event_json (&raw, json);
    Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (NULL, raw.len, raw.data);
    assert_non_null (ev);
    hrw_apply_t result;
    assert_int_equal (hrw_engine_accept (engine, ev, raw.data, raw.len,
                                         hrw_hash_message (&ev->base), &result), 0);
    assert_int_equal (result, HRW_APPLIED);
    hrwatch__v1__event__free_unpacked (ev, NULL);
    hrw_buf_free (&raw);
}

Hrwatch__V1__Event *
h_event (const char *json)
{
    hrw_buf_t b = { 0 };
    h_event_json (&b, json);
    Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (NULL, b.len, b.data);
    assert_non_null (ev);
    hrw_buf_free (&b);
    return ev;
}

void
h_batch (hrw_buf_t *frame, const char *batch_id, hrw_buf_t *events, size_t n)
{
    Hrwatch__V1__EventBatch batch = HRWATCH__V1__EVENT_BATCH__INIT;
    Hrwatch__V1__Event **evs = calloc (n + 1, sizeof (*evs));
    for (size_t i = 0; i < n; i++) {
        evs[i] = hrwatch__v1__event__unpack (NULL, events[i].len, events[i].data);
        assert_non_null (evs[i]);
    }
    batch.batch_id = (char *) batch_id;
    batch.events = evs;
    batch.n_events = n;
    hrw_buf_clear (frame);
    assert_int_equal (hrw_buf_pack (frame, &batch.base), 0);
    for (size_t i = 0; i < n; i++)
        hrwatch__v1__event__free_unpacked (evs[i], NULL);
    free (evs);
}

int
h_run (char *out, size_t cap, int want_stderr, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (cmd, sizeof (cmd), fmt, ap);
    va_end (ap);
    if (want_stderr)
        strncat (cmd, " 2>&1", sizeof (cmd) - strlen (cmd) - 1);
    FILE *p = popen (cmd, "r");
    if (!p)
        return -1;
    size_t n = 0;
    if (out && cap) {
        size_t got;
        while (n + 1 < cap && (got = fread (out + n, 1, cap - 1 - n, p)) > 0)
            n += got;
        out[n] = '\0';
    }
    char sink[4096];
    while (fread (sink, 1, sizeof (sink), p) > 0) {
    }
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

pid_t
h_daemon_start (const char *config, const char *control_endpoint)
{
    return h_daemon_start_with (config, control_endpoint, NULL);
}

void
h_child_dies_with_parent (void)
{
    pid_t parent = getppid ();
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () != parent)   //  It died before the request was made
        _exit (1);
}

//  The daemon's child side: log next to the config, exec.
static void __attribute__ ((noreturn))
s_daemon_exec (const char *config, const char *flag)
{
    h_child_dies_with_parent ();
    //  The daemon's log goes next to its config, for tests to read.
    char log[1100];
    snprintf (log, sizeof (log), "%s.log", config);
    int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0)
        dup2 (fd, 2);
    //  HRW_NOFILE: the daemon under that open-file limit, soft and hard
    //  (it raises the soft limit to the hard one by itself).
    if (getenv ("HRW_NOFILE")) {
        rlim_t n = (rlim_t) atol (getenv ("HRW_NOFILE"));
        struct rlimit rl = { n, n };
        if (setrlimit (RLIMIT_NOFILE, &rl))
            _exit (126);
    }
    //  make test-valgrind: the daemon under memcheck; any error or
    //  definite leak makes it exit 99, which fails the test that stops it.
    if (getenv ("HRW_VALGRIND"))
        execlp ("valgrind", "valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                HRW_BIN_DIR "/hrwatchd", "--foreground", "--config", config, flag,
                (char *) NULL);
    else
        execl (HRW_BIN_DIR "/hrwatchd", "hrwatchd", "--foreground", "--config", config, flag,
               (char *) NULL);
    _exit (127);
}

pid_t
h_daemon_start_with (const char *config, const char *control_endpoint, const char *flag)
{
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0)
        s_daemon_exec (config, flag);
    int tries = getenv ("HRW_VALGRIND")? 1200: 200;
    for (int i = 0; i < tries; i++) {
        if (h_run (NULL, 0, 0, HRW_BIN_DIR "/hrwatch status --timeout 0.2 --endpoint '%s' "
                   ">/dev/null 2>&1", control_endpoint) == 0)
            return pid;
        int status;
        if (waitpid (pid, &status, WNOHANG) == pid)
            fail_msg ("hrwatchd exited during start-up (status %d)", status);
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep (&ts, NULL);
    }
    kill (pid, SIGKILL);
    fail_msg ("hrwatchd did not answer on %s", control_endpoint);
    return -1;
}

int
h_daemon_refused (const char *config, const char *flag)
{
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0)
        s_daemon_exec (config, flag);
    //  A refusal comes before any socket is bound: in well under a second,
    //  or some seconds under valgrind.
    int tries = getenv ("HRW_VALGRIND")? 1200: 200;
    int status;
    for (int i = 0; i < tries; i++) {
        if (waitpid (pid, &status, WNOHANG) == pid)
            return WIFSIGNALED (status)? 128 + WTERMSIG (status): WEXITSTATUS (status);
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep (&ts, NULL);
    }
    kill (pid, SIGKILL);
    waitpid (pid, &status, 0);
    fail_msg ("hrwatchd started (still running after %d s) where it should have refused",
              tries / 20);
    return -1;
}

int
h_daemon_stop (pid_t pid, int sig)
{
    int status;
    kill (pid, sig);
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED (status))
        return 128 + WTERMSIG (status);
    return WEXITSTATUS (status);
}

void
h_config (const char *dir, const char *extra, char *config, char *ingest, char *push,
          char *control)
{
    sprintf (config, "%s/hrwatchd.conf", dir);
    sprintf (ingest, "ipc://%s/ingest.sock", dir);
    sprintf (push, "ipc://%s/push.sock", dir);
    sprintf (control, "ipc://%s/control.sock", dir);
    FILE *f = fopen (config, "w");
    assert_non_null (f);
    fprintf (f, "[store]\npath = %s/state\n\n[ingest]\nendpoint = %s\npush_endpoint = %s\n\n"
                "[control]\nendpoint = %s\nbackup_dir = %s/backups\n\n"
                "[alerts]\nendpoint = ipc://%s/alerts.sock\n\n[metrics]\nlisten =\n\n%s\n",
             dir, ingest, push, control, dir, dir, extra? extra: "");
    fclose (f);
}
