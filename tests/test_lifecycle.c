/*  test_lifecycle: the daemon as a process, through the real binaries: its
    config checked, background mode, SIGHUP reloads that keep connections
    and events, systemd notifications, and a backup restored. */
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    assert_int_equal (atoi (h_out), 61);
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, BIN "/hrwatchd --check-config --config "
                             "%s/all.conf", f->dir), 0);
    assert_string_equal (h_out, defaults);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --version"), 0);
    h_expect_out ("hrwatchd ");
}

//  A detached daemon logs to syslog; where nothing listens on /dev/log its
//  records stay on stderr, with one line that says so, until it stops.
static void
s_expect_background_log (const char *logfile)
{
    if (access ("/dev/log", F_OK) == 0)
        return;         //  syslog is there: the records went to it
    char all[8192] = "";
    for (int i = 0; i < 200 && !strstr (all, " notice: stopped"); i++) {
        h_sleep_ms (10);
        FILE *fp = fopen (logfile, "r");
        assert_non_null (fp);
        all[fread (all, 1, sizeof (all) - 1, fp)] = '\0';
        fclose (fp);
    }
    assert_non_null (strstr (all, "no journal and nothing listening on /dev/log: logging on "
                             "stderr from now on"));
    assert_non_null (strstr (all, " notice: stopped"));
}

//  SIGTERM to the daemon whose pid the file holds; 1 once it has stopped
//  (the file is gone) within 2 s.
static int
s_stop_by_pid_file (const char *pidfile)
{
    FILE *fp = fopen (pidfile, "r");
    int pid = 0;
    if (!fp || fscanf (fp, "%d", &pid) != 1 || pid <= 1) {
        if (fp)
            fclose (fp);
        return 0;
    }
    fclose (fp);
    if (kill (pid, SIGTERM))
        return 0;
    struct stat st;
    for (int i = 0; i < 200 && stat (pidfile, &st) == 0; i++)
        h_sleep_ms (10);
    if (stat (pidfile, &st) == 0) {
        kill (pid, SIGKILL);
        return 0;
    }
    return 1;
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
    //  Its stderr goes to a file: a pipe would stay open for as long as the
    //  daemon logs there.
    char logfile[600];
    snprintf (logfile, sizeof (logfile), "%s/background.log", f->dir);
    assert_int_equal (h_run (NULL, 0, 0, "env -u JOURNAL_STREAM " BIN "/hrwatchd --config %s "
                             "2>%s", conf, logfile), 0);
    //  It has returned, so it answers at once.
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch status --timeout 2 --endpoint '%s'",
                             control), 0);
    char pidfile[600];
    snprintf (pidfile, sizeof (pidfile), "%s/hrwatchd.pid", f->dir);
    assert_true (s_stop_by_pid_file (pidfile));
    s_expect_background_log (logfile);
    //  A second daemon on endpoints in use fails and says so, with status 1.
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatchd --config %s 2>>%s", conf, logfile), 0);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatchd --foreground --config %s",
                             conf), 1);
    h_expect_out ("store is in use by another process");
    assert_true (s_stop_by_pid_file (pidfile));
    //  Started with stdin, stdout and stderr closed, it still says it is
    //  ready with status 0, serves, and stops on SIGTERM.
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatchd --config %s <&- >&- 2>&-", conf), 0);
    assert_int_equal (h_run (NULL, 0, 0, BIN "/hrwatch status --timeout 2 --endpoint '%s'",
                             control), 0);
    assert_true (s_stop_by_pid_file (pidfile));
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
    h_generate (f, 5000, 1000);
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
        h_child_dies_with_parent ();
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
    h_generate (f, 10000, 2000);
    snprintf (file, sizeof (file), "%s/events.jsonl", f->dir);
    assert_int_equal (h_run (NULL, 0, 0, "head -n 5000 %s > %s/first.jsonl", file, f->dir), 0);
    snprintf (cmd, sizeof (cmd), "%s/first.jsonl", f->dir);
    assert_int_equal (h_publish (f, cmd, NULL), 0);
    snprintf (backup, sizeof (backup), "%s/backups/backup-1", f->dir);
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch backup backup-1 "
                             "--endpoint '%s'", f->control), 0);
    h_expect_out ("backup written to");
    h_expect_out (backup);
    h_digest (f, d1, sizeof (d1));
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
    h_digest (f, d2, sizeof (d2));

    h_fixture_t *g = s_restore (backup);
    char got[40];
    assert_string_equal (h_digest (g, got, sizeof (got)), d1);
    h_teardown ((void **) &g);
    snprintf (cmd, sizeof (cmd), "%s/backups/backup-2", f->dir);
    g = s_restore (cmd);
    assert_int_equal (h_publish (g, file, NULL), 0);
    assert_string_equal (h_digest (g, got, sizeof (got)), d2);
    h_teardown ((void **) &g);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_config_is_checked, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_background_mode_returns_when_ready, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_sighup_reloads_settings_and_refuses_a_bad_file, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_reloads_do_not_drop_connections_or_events, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_backup_while_running_and_restore, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_systemd_notifications, h_setup, h_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
