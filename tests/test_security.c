/*  test_security: who may speak to the daemon, through the real binaries:
    CURVE allowlists for publishers, subscribers and admins. */
#include "fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_curve_admits_only_allowlisted_keys, h_setup, h_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
