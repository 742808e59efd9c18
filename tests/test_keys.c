/*  test_keys: CURVE key files on disk (hrwatch keygen, the daemon's check
    of its server key) and allowlist reloads, through the real binaries. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fixture.h"

//  The whole of a small file, or "" when it cannot be read.
static void
s_slurp (const char *dir, const char *name, char *out, size_t cap)
{
    char path[600];
    snprintf (path, sizeof (path), "%s/%s", dir, name);
    FILE *fp = fopen (path, "r");
    size_t n = fp? fread (out, 1, cap - 1, fp): 0;
    out[n] = '\0';
    if (fp)
        fclose (fp);
}

static int
s_mode (const char *dir, const char *name)
{
    char path[600];
    struct stat st;
    snprintf (path, sizeof (path), "%s/%s", dir, name);
    return lstat (path, &st)? -1: (int) (st.st_mode & 07777);
}

static int
s_is_link (const char *dir, const char *name)
{
    char path[600];
    struct stat st;
    snprintf (path, sizeof (path), "%s/%s", dir, name);
    return lstat (path, &st) == 0 && S_ISLNK (st.st_mode);
}

static void
s_write (const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf (path, sizeof (path), "%s/%s", dir, name);
    FILE *fp = fopen (path, "w");
    assert_non_null (fp);
    fputs (text, fp);
    fclose (fp);
}

static int
s_keygen (const char *dir, const char *args)
{
    return h_run (h_out, sizeof (h_out), 1, "cd %s && " BIN "/hrwatch keygen %s", dir, args);
}

//  keygen never writes through an existing file or a symbolic link, makes
//  its files with their final modes, and replaces only with --force (by
//  rename, so a link is replaced, not followed).
static void
test_keygen_refuses_existing_files_and_links (void **state)
{
    (void) state;
    char dir[256], before[1024], after[1024];
    h_tempdir (dir, sizeof (dir));
    assert_int_equal (s_keygen (dir, "a"), 0);
    assert_int_equal (s_mode (dir, "a.key"), 0600);
    assert_int_equal (s_mode (dir, "a.pub"), 0644);

    //  An existing key is kept as it was.
    s_slurp (dir, "a.key", before, sizeof (before));
    assert_int_not_equal (s_keygen (dir, "a"), 0);
    h_expect_out ("a.key already exists");
    h_expect_out ("--force");
    s_slurp (dir, "a.key", after, sizeof (after));
    assert_string_equal (before, after);

    //  A link planted where the key would go: its target is untouched.
    s_write (dir, "target", "untouched\n");
    char link[600];
    snprintf (link, sizeof (link), "%s/b.key", dir);
    assert_int_equal (symlink ("target", link), 0);
    assert_int_not_equal (s_keygen (dir, "b"), 0);
    s_slurp (dir, "target", after, sizeof (after));
    assert_string_equal (after, "untouched\n");
    assert_int_equal (s_mode (dir, "b.pub"), -1);

    //  An existing .pub alone: nothing is left half made.
    s_write (dir, "c.pub", "old\n");
    assert_int_not_equal (s_keygen (dir, "c"), 0);
    h_expect_out ("c.pub already exists");
    assert_int_equal (s_mode (dir, "c.key"), -1);

    //  --force replaces: the key, the link (not its target), a loose file.
    assert_int_equal (s_keygen (dir, "--force a"), 0);
    s_slurp (dir, "a.key", after, sizeof (after));
    assert_string_not_equal (before, after);
    assert_int_equal (s_mode (dir, "a.key"), 0600);
    assert_int_equal (s_keygen (dir, "--force b"), 0);
    assert_false (s_is_link (dir, "b.key"));
    assert_int_equal (s_mode (dir, "b.key"), 0600);
    s_slurp (dir, "target", after, sizeof (after));
    assert_string_equal (after, "untouched\n");
    s_write (dir, "d.key", "old\n");
    char loose[600];
    snprintf (loose, sizeof (loose), "%s/d.key", dir);
    assert_int_equal (chmod (loose, 0644), 0);
    assert_int_equal (s_keygen (dir, "d --force"), 0);
    assert_int_equal (s_mode (dir, "d.key"), 0600);
    assert_int_equal (s_mode (dir, "d.pub"), 0644);
    //  No temp files left behind.
    assert_int_equal (h_run (h_out, sizeof (h_out), 0, "ls -A %s | grep -c tmp", dir), 1);
    h_rmtree (dir);
}

//  Stops the fixture's daemon and writes a CURVE config: pub1 and pub2 the
//  publishers, sub1 the only subscriber; their public keys in pub1, pub2.
static void
s_curve_config (h_fixture_t *f, char pub1[41], char pub2[41])
{
    static const char *const pubs[] = { "pub1", "pub2", NULL }, *const subs[] = { "sub1", NULL };
    h_curve (f, pubs, subs, NULL);
    h_pubkey (f, "pub1", pub1);
    h_pubkey (f, "pub2", pub2);
}

static int
s_publish_as (h_fixture_t *f, const char *who, int first)
{
    const char *batch = h_batch_file (f, 2, first);
    return h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch --key %s/%s.key publish %s --timeout 3 "
                  "--endpoint %s", f->dir, who, batch, f->ingest);
}

//  hrwatchd run to its end (killed after 10 s); its exit status.
static int
s_daemon_exit (h_fixture_t *f)
{
    return h_run (NULL, 0, 0, "timeout 10 " BIN "/hrwatchd --foreground --config %s 2>>%s.log",
                  f->config, f->config);
}

//  A server key others or the group could read or change, or one that is
//  not a regular file, stops the daemon at start, with the file named.
static void
test_daemon_refuses_a_loose_server_key (void **state)
{
    h_fixture_t *f = *state;
    char pub1[41], pub2[41], key[600];
    s_curve_config (f, pub1, pub2);
    snprintf (key, sizeof (key), "%s/server.key", f->dir);

    assert_int_equal (chmod (key, 0644), 0);
    int rc = s_daemon_exit (f);
    assert_true (rc != 0 && rc != 124);
    char want[800];
    snprintf (want, sizeof (want), "server key %s is readable by group or others (mode 0644)",
              key);
    h_wait_log (f, want);
    h_wait_log (f, "chmod 600");

    assert_int_equal (chmod (key, 0620), 0);
    rc = s_daemon_exit (f);
    assert_true (rc != 0 && rc != 124);
    h_wait_log (f, "(mode 0620)");

    char moved[700];
    snprintf (moved, sizeof (moved), "%s.file", key);
    assert_int_equal (rename (key, moved), 0);
    assert_int_equal (mkdir (key, 0700), 0);
    rc = s_daemon_exit (f);
    assert_true (rc != 0 && rc != 124);
    h_wait_log (f, "is not a regular file");
    assert_int_equal (rmdir (key), 0);

    //  Group-readable is refused too; put right (0600), it starts.
    assert_int_equal (rename (moved, key), 0);
    assert_int_equal (chmod (key, 0640), 0);
    rc = s_daemon_exit (f);
    assert_true (rc != 0 && rc != 124);
    h_wait_log (f, "(mode 0640)");
    assert_int_equal (chmod (key, 0600), 0);
    f->daemon = h_daemon_start (f->config, f->control);
    assert_int_equal (s_publish_as (f, "pub1", 1), 0);
    h_curve_done ();
}

//  Revoking a publisher by deleting its line works even when another line
//  is bad: the bad line is skipped and logged, the valid ones still admit.
static void
test_revoked_key_is_refused_after_reload_despite_a_bad_line (void **state)
{
    h_fixture_t *f = *state;
    char pub1[41], pub2[41], text[400];
    s_curve_config (f, pub1, pub2);
    int fd = h_notify_socket (f);
    f->daemon = h_daemon_start (f->config, f->control);
    unsetenv ("NOTIFY_SOCKET");
    assert_int_equal (s_publish_as (f, "pub2", 1), 0);
    h_expect_out ("2 accepted");

    snprintf (text, sizeof (text), "# the HRIS\n%s  # pub1\n%.39s  # pub3, mistyped\n", pub1, pub2);
    s_write (f->dir, "publishers", text);
    kill (f->daemon, SIGHUP);
    char want[800];
    snprintf (want, sizeof (want), "allowlist %s/publishers: line 3 is not a Z85 public key",
              f->dir);
    h_wait_log (f, want);
    h_wait_log (f, "1 publisher keys");
    snprintf (want, sizeof (want), "configuration reloaded from %s with 1 error", f->config);
    h_wait_log (f, want);
    assert_true (h_notified (fd, "STATUS=reloaded with 1 error", NULL, 0));

    assert_int_not_equal (s_publish_as (f, "pub2", 10), 0);
    h_wait_log (f, pub2);
    assert_int_equal (s_publish_as (f, "pub1", 20), 0);
    h_expect_out ("2 accepted");

    //  A clean reload says so.
    snprintf (text, sizeof (text), "%s\n", pub1);
    s_write (f->dir, "publishers", text);
    kill (f->daemon, SIGHUP);
    assert_true (h_notified (fd, "STATUS=reloaded", NULL, 0));
    close (fd);

    //  pub2.pub appended whole (as keygen wrote it) admits pub2 again,
    //  without an error; a secret key pasted in admits nobody.
    assert_int_equal (h_run (NULL, 0, 0, "cd %s && cat pub2.pub >>publishers && "
                             "grep secret-key pub1.key | sed 's/^ *//' >>publishers", f->dir), 0);
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "2 publisher keys");
    assert_int_equal (s_publish_as (f, "pub2", 30), 0);
    h_expect_out ("2 accepted");
    snprintf (want, sizeof (want), "allowlist %s/publishers: line 5 is not a Z85 public key",
              f->dir);
    h_wait_log (f, want);
    h_curve_done ();
}

//  An allowlist that cannot be read on reload admits nobody (deleting the
//  file must not leave its old keys in force); at start it is fatal.
static void
test_unreadable_allowlist_admits_nobody_after_reload (void **state)
{
    h_fixture_t *f = *state;
    char pub1[41], pub2[41], path[600];
    s_curve_config (f, pub1, pub2);
    f->daemon = h_daemon_start (f->config, f->control);
    assert_int_equal (s_publish_as (f, "pub1", 1), 0);
    snprintf (path, sizeof (path), "%s/publishers", f->dir);
    assert_int_equal (unlink (path), 0);
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "0 publisher keys");
    h_wait_log (f, "with 1 error");
    assert_int_not_equal (s_publish_as (f, "pub1", 10), 0);
    //  The subscribers' list was read as usual.
    assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch status --timeout 3 "
                             "--endpoint %s", f->control), 0);
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    int rc = s_daemon_exit (f);
    assert_true (rc != 0 && rc != 124);
    h_curve_done ();
}

//  A revocation does not wait for a config file that has gone bad; a list
//  that is a device or a FIFO admits nobody and hangs nothing.
static void
test_revocation_holds_whatever_else_the_reload_finds (void **state)
{
    h_fixture_t *f = *state;
    char pub1[41], pub2[41], text[400], path[600];
    s_curve_config (f, pub1, pub2);
    f->daemon = h_daemon_start (f->config, f->control);
    assert_int_equal (s_publish_as (f, "pub2", 1), 0);
    //  A bad value in the config, and pub2 deleted from the list.
    snprintf (path, sizeof (path), "%s", f->config);
    FILE *fp = fopen (path, "a");
    fprintf (fp, "[alerts]\nalpha = 0.9\n");
    fclose (fp);
    snprintf (text, sizeof (text), "%s\n", pub1);
    s_write (f->dir, "publishers", text);
    kill (f->daemon, SIGHUP);
    h_wait_log (f, "reload refused");
    h_wait_log (f, "1 publisher keys");
    assert_int_not_equal (s_publish_as (f, "pub2", 10), 0);
    assert_int_equal (s_publish_as (f, "pub1", 20), 0);
    //  The list as /dev/zero, then as a FIFO: refused at once, nobody in.
    snprintf (path, sizeof (path), "%s/publishers", f->dir);
    for (int i = 0; i < 2; i++) {
        if (i == 0)
            assert_int_equal (h_run (NULL, 0, 0, "ln -sf /dev/zero '%s'", path), 0);
        else
            assert_int_equal (h_run (NULL, 0, 0, "rm -f '%s' && mkfifo '%s'", path, path), 0);
        kill (f->daemon, SIGHUP);
        h_wait_log (f, i == 0? "0 publisher keys": "not a regular file; no key");
        assert_int_not_equal (s_publish_as (f, "pub1", 30 + i * 10), 0);
        assert_int_equal (h_run (h_out, sizeof (h_out), 1, BIN "/hrwatch status --timeout 3 "
                                 "--endpoint %s", f->control), 0);
    }
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    h_curve_done ();
}

int
main (void)
{
    umask (022);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_keygen_refuses_existing_files_and_links),
        cmocka_unit_test_setup_teardown (test_daemon_refuses_a_loose_server_key, h_setup,
                                         h_teardown),
        cmocka_unit_test_setup_teardown (test_revoked_key_is_refused_after_reload_despite_a_bad_line,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_revocation_holds_whatever_else_the_reload_finds,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_unreadable_allowlist_admits_nobody_after_reload,
                                         h_setup, h_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
