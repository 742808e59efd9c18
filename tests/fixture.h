/*  fixture: a real hrwatchd in a temp dir, on ipc:// sockets, and the
    helpers the tests through the real binaries share. */
#ifndef HRW_TEST_FIXTURE_H
#define HRW_TEST_FIXTURE_H

#include <jansson.h>
#include <sys/types.h>

#include "harness.h"
#include "hrwatch/v1/control.pb-c.h"

#define BIN HRW_BIN_DIR

typedef struct {
    char dir[256];                  //  Temp dir: config, log, state, sockets
    char config[512], ingest[512], push[512], control[512];
    pid_t daemon;                   //  Running hrwatchd, or 0
} h_fixture_t;

/*  The last command's output, for the assertions that follow it. */
extern char h_out[1 << 16];

void h_sleep_ms (int ms);

/*  A daemon on a fresh store, its config with extra lines appended. */
h_fixture_t *h_fixture (const char *extra);

/*  cmocka setup (a default daemon) and teardown (stops it: exit 0). */
int h_setup (void **state);
int h_teardown (void **state);

/*  hrwatch status --json --digest as a JSON object (caller releases). */
json_t *h_status (h_fixture_t *f);

/*  A uint64 field of a status (proto3 JSON writes them as strings). */
long h_field (json_t *status, const char *name);

/*  hrwatch publish FILE to the fixture; output in h_out. */
int h_publish (h_fixture_t *f, const char *file, const char *opts);

/*  Publishes JSON lines given inline; they must all be accepted. */
void h_publish_lines (h_fixture_t *f, const char *lines);

/*  Fails unless h_out holds needle. */
void h_expect_out (const char *needle);

/*  A batch of n hires from first on, as a JSON-lines file; its path. */
const char *h_batch_file (h_fixture_t *f, int n, int first);

/*  hrwatch-gen writes a 3-year history of employees (seed 3) with about
    events events to dir/events.jsonl, and what it injected to
    dir/truth.json. */
void h_generate (h_fixture_t *f, int events, int employees);

/*  The daemon's state digest (status stateDigest) into buf; returns buf. */
char *h_digest (h_fixture_t *f, char *buf, size_t cap);

/*  Rewrites the config with extra lines. */
void h_write_config (h_fixture_t *f, const char *extra);

/*  Stops the daemon cleanly, rewrites the config with extra lines, starts
    it again on the same store. */
void h_restart (h_fixture_t *f, const char *extra);

/*  1 when the daemon's log holds needle; h_wait_log waits 3 s for it. */
int h_log_has (h_fixture_t *f, const char *needle);
void h_wait_log (h_fixture_t *f, const char *needle);

/*  Sends one raw frame on a fresh socket of the type to the ingest
    endpoint and returns the decoded Ack. */
Hrwatch__V1__Ack *h_raw (h_fixture_t *f, int type, const void *data, size_t len);

/*  Sends one raw ControlRequest frame to the control endpoint and returns
    the decoded response, or NULL when none came within timeout_ms. */
Hrwatch__V1__ControlResponse *h_control (h_fixture_t *f, const ProtobufCMessage *req,
                                         int timeout_ms);

/*  The same for bytes that may be no request at all. */
Hrwatch__V1__ControlResponse *h_control_raw (h_fixture_t *f, const void *data, size_t len,
                                             int timeout_ms);

/*  A TCP port on 127.0.0.1 that was free a moment ago. */
int h_free_port (void);

/*  The public key in dir/name.pub (40 Z85 characters). */
void h_pubkey (h_fixture_t *f, const char *name, char *key);

/*  A datagram socket standing in for systemd's notify socket, in the
    fixture's dir; NOTIFY_SOCKET is set to it for daemons started next. */
int h_notify_socket (h_fixture_t *f);

/*  Reads notifications until one holds needle (1), or 5 s pass (0); each
    one read is appended to all (when not NULL), followed by '|'. */
int h_notified (int fd, const char *needle, char *all, size_t cap);

/*  Stops the daemon and rewrites its config for CURVE on tcp://127.0.0.1
    (new ports in f->ingest and f->control): a server key pair and one per
    name listed, each allowlist holding its names' public keys (NULL-ended
    lists; admins may be NULL). The CLI's environment then speaks with the
    server's key as the first subscriber. Does not start the daemon. */
void h_curve (h_fixture_t *f, const char *const *publishers, const char *const *subscribers,
              const char *const *admins);

/*  Clears the CLI's CURVE environment that h_curve set. */
void h_curve_done (void);

#endif
