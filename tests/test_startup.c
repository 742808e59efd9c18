/*  Start-up on a damaged or lost store, through the real daemon: each
    damage is refused with one log line that names data.mdb, says what is
    wrong and points at the restore procedure, and never ends in a signal;
    a store from before the marker, and a fresh directory, start. */
#include "fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workers/store.h"

#define S_EVENTS 300    //  Enough for a store of some pages

static const char *
s_path (h_fixture_t *f, const char *name)
{
    static char path[2][600];
    static int i;
    i = !i;
    snprintf (path[i], sizeof (path[i]), "%s/state/%s", f->dir, name);
    return path[i];
}

static int
s_exists (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0;
}

static off_t
s_size (const char *path)
{
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    return st.st_size;
}

//  Events in the store, then the daemon stopped cleanly.
static void
s_publish_and_stop (h_fixture_t *f)
{
    assert_int_equal (h_publish (f, h_batch_file (f, S_EVENTS, 0), NULL), 0);
    h_expect_out ("300 accepted, 0 duplicate, 0 rejected");
    assert_int_equal (h_daemon_stop (f->daemon, SIGTERM), 0);
    f->daemon = 0;
    assert_true (s_exists (s_path (f, HRW_STORE_FILE)));
    assert_true (s_exists (s_path (f, HRW_STORE_MARKER)));
}

static void
s_overwrite (const char *path, off_t off)
{
    char junk[64];
    memset (junk, 0x5a, sizeof (junk));
    int fd = open (path, O_WRONLY);
    assert_true (fd >= 0);
    assert_int_equal (pwrite (fd, junk, sizeof (junk), off), (ssize_t) sizeof (junk));
    close (fd);
}

//  Refused with exit status 65 (EX_DATAERR, not a signal: the unit does not
//  restart on it), the log naming the file, the problem, and where the way
//  out is written.
static void
s_expect_refused (h_fixture_t *f, const char *flag, const char *problem)
{
    int status = h_daemon_refused (f->config, flag);
    if (status != 65)
        fail_msg ("hrwatchd exited with status %d (%s), not 65", status,
                  status == 128 + SIGBUS? "SIGBUS": status > 128? "a signal": "?");
    char line[800];
    snprintf (line, sizeof (line), "refusing to start: %s", s_path (f, HRW_STORE_FILE));
    h_wait_log (f, line);
    h_wait_log (f, problem);
    h_wait_log (f, "see Restore in operations.md (/usr/share/doc/hrwatch)");
}

// ---------------------------------------------------------------------------

static void
test_fresh_directory_starts_and_writes_the_marker (void **state)
{
    h_fixture_t *f = *state;
    assert_true (s_exists (s_path (f, HRW_STORE_MARKER)));
    char text[200];
    assert_int_equal (h_run (text, sizeof (text), 0, "cat '%s'", s_path (f, HRW_STORE_MARKER)), 0);
    assert_non_null (strstr (text, "schema 1"));
}

static void
test_truncated_to_half_is_refused_not_a_sigbus (void **state)
{
    h_fixture_t *f = *state;
    s_publish_and_stop (f);
    const char *data = s_path (f, HRW_STORE_FILE);
    assert_int_equal (truncate (data, s_size (data) / 2), 0);
    s_expect_refused (f, NULL, "truncated");
}

static void
test_emptied_is_refused_and_init_starts_empty (void **state)
{
    h_fixture_t *f = *state;
    s_publish_and_stop (f);
    assert_int_equal (truncate (s_path (f, HRW_STORE_FILE), 0), 0);
    s_expect_refused (f, NULL, "store file is empty");
    h_wait_log (f, "--init");

    f->daemon = h_daemon_start_with (f->config, f->control, "--init");
    json_t *st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), 0);
    json_decref (st);
    //  From now on it is a store like any other: no --init needed.
    h_restart (f, NULL);
    st = h_status (f);
    assert_int_equal (h_field (st, "eventsAccepted"), 0);
    json_decref (st);
}

static void
test_missing_with_lock_file_and_marker_is_refused (void **state)
{
    h_fixture_t *f = *state;
    s_publish_and_stop (f);
    assert_int_equal (unlink (s_path (f, HRW_STORE_FILE)), 0);
    assert_true (s_exists (s_path (f, "lock.mdb")));
    s_expect_refused (f, NULL, "store file is missing");
    //  Refusing leaves no empty store behind for the next start to take.
    assert_false (s_exists (s_path (f, HRW_STORE_FILE)));
    s_expect_refused (f, NULL, "store file is missing");
}

static void
test_both_meta_pages_overwritten_are_refused (void **state)
{
    h_fixture_t *f = *state;
    s_publish_and_stop (f);
    //  Each meta page: its header, then LMDB's magic and version.
    s_overwrite (s_path (f, HRW_STORE_FILE), 0);
    s_overwrite (s_path (f, HRW_STORE_FILE), sysconf (_SC_PAGESIZE));
    s_expect_refused (f, NULL, "no valid LMDB meta page");
}

static void
test_one_meta_page_overwritten_is_refused (void **state)
{
    h_fixture_t *f = *state;
    s_publish_and_stop (f);
    s_overwrite (s_path (f, HRW_STORE_FILE), sysconf (_SC_PAGESIZE));
    s_expect_refused (f, NULL, "meta pages is not valid");
}

static void
test_valid_store_without_marker_starts_and_gets_it_back (void **state)
{
    h_fixture_t *f = *state;
    s_publish_and_stop (f);
    assert_int_equal (unlink (s_path (f, HRW_STORE_MARKER)), 0);
    f->daemon = h_daemon_start (f->config, f->control);
    assert_true (s_exists (s_path (f, HRW_STORE_MARKER)));
    //  The same store: every event re-sent is recognised.
    assert_int_equal (h_publish (f, h_batch_file (f, S_EVENTS, 0), NULL), 0);
    h_expect_out ("0 accepted, 300 duplicate, 0 rejected");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_fresh_directory_starts_and_writes_the_marker,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_truncated_to_half_is_refused_not_a_sigbus,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_emptied_is_refused_and_init_starts_empty,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_missing_with_lock_file_and_marker_is_refused,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_both_meta_pages_overwritten_are_refused,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_one_meta_page_overwritten_is_refused,
                                         h_setup, h_teardown),
        cmocka_unit_test_setup_teardown (test_valid_store_without_marker_starts_and_gets_it_back,
                                         h_setup, h_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
