/*  harness: what the tests share: temp dirs, building events, and running
    the real binaries. */
#ifndef HRW_TEST_HARNESS_H
#define HRW_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

#include "hrwatch/v1/events.pb-c.h"
#include "lib/buf.h"

/*  Makes a fresh directory under $TMPDIR; writes its path to dir. */
void h_tempdir (char *dir, size_t cap);

/*  Removes a directory tree. */
void h_rmtree (const char *dir);

/*  Packs the event described by one JSON line (proto3 JSON mapping) and
    appends it to out; fails the test when it does not encode. */
void h_event_json (hrw_buf_t *out, const char *json);

/*  Accepts one event (as JSON) into the engine's open transaction; it must
    be new (applied or held). */
struct hrw_engine;
void h_engine_accept (struct hrw_engine *engine, const char *json);

/*  Opens a store in dir (a 1 MiB map) and an engine on it with the
    defaults but these options (0 for log_keep: the default). */
struct hrw_store;
void h_engine_open (const char *dir, int64_t lateness_us, int replay, uint32_t log_keep,
                    struct hrw_store **store, struct hrw_engine **engine);

/*  Decodes one JSON line to an Event (free with
    hrwatch__v1__event__free_unpacked). */
Hrwatch__V1__Event *h_event (const char *json);

/*  Wraps packed events (each a hrw_buf_t) as an EventBatch frame. */
void h_batch (hrw_buf_t *frame, const char *batch_id, hrw_buf_t *events, size_t n);

/*  Runs a command through sh -c, capturing stdout (and stderr when
    want_stderr) into out. Returns its exit status, or -1. */
int h_run (char *out, size_t cap, int want_stderr, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/*  In a child just forked, before exec: the child gets SIGTERM when the
    test that forked it dies, so a test killed or crashed leaves no daemon
    (or Alertmanager) behind. */
void h_child_dies_with_parent (void);

/*  Starts hrwatchd --foreground with the config file (and one more flag,
    or NULL); returns its pid once it answers on control_endpoint. With
    HRW_NOFILE set in the environment, the daemon runs with that open-file
    limit (soft and hard). */
pid_t h_daemon_start (const char *config, const char *control_endpoint);
pid_t h_daemon_start_with (const char *config, const char *control_endpoint, const char *flag);

/*  Runs hrwatchd --foreground with the config file (and one more flag, or
    NULL) expecting it to refuse to start; returns its exit status (128+sig
    if killed). Fails the test if it is still running after a while (it
    started when it should not have); it is killed then. */
int h_daemon_refused (const char *config, const char *flag);

/*  Sends sig and waits for the daemon; returns its exit status (128+sig if
    killed). */
int h_daemon_stop (pid_t pid, int sig);

/*  Writes a config for a daemon living in dir with ipc:// endpoints, with
    extra lines appended. Fills the endpoints' names. */
void h_config (const char *dir, const char *extra, char *config, char *ingest, char *push,
               char *control);

#endif
