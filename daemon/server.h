/*  server: hrwatchd's sockets and main loop. Receives event batches on the
    ingest ROUTER (acknowledged) and PULL (fire-and-forget) sockets, hands
    whatever has arrived to ingest as one group, sends the acks once the
    group is committed, and answers the control socket in between. */
#ifndef HRW_SERVER_H
#define HRW_SERVER_H

#include "daemon/config.h"
#include "daemon/log.h"
#include "workers/store.h"

typedef struct hrw_server hrw_server_t;

/*  Creates the sockets and binds them, with a copy of cfg (read from
    config_path, or NULL for the defaults; SIGHUP reads it again). Returns
    the server, or NULL after logging which endpoint failed and why. */
hrw_server_t *hrw_server_new (const hrw_config_t *cfg, const char *config_path,
                              hrw_store_t *store, hrw_log_t *log);

/*  Closes the sockets (letting queued acks go out first); sets *self_p to
    NULL. */
void hrw_server_destroy (hrw_server_t **self_p);

/*  Serves until SIGTERM or SIGINT arrives on signal_fd (a signalfd), then
    finishes the group in hand and returns 0; -1 on a fatal error. SIGHUP
    reloads the configuration file between groups. */
int hrw_server_run (hrw_server_t *self, int signal_fd);

#endif
