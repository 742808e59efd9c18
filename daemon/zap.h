/*  zap: ZeroMQ's authentication protocol (ZAP, RFC 27) for CURVE sockets.
    The handler answers each handshake from the allowlist of its domain:
    publishers for the ingest sockets, subscribers for the alert and control
    sockets. A refused key is logged (the key, never a payload). */
#ifndef HRW_ZAP_H
#define HRW_ZAP_H

#include <stddef.h>

#include "daemon/log.h"

#define HRW_ZAP_PUBLISHERS "hrwatch-publishers"
#define HRW_ZAP_SUBSCRIBERS "hrwatch-subscribers"

typedef struct hrw_zap hrw_zap_t;

/*  Binds the handler in ctx and loads both allowlists, skipping bad lines
    (logged). Returns 0 and sets *out, or -1 after logging why (a list that
    cannot be opened is fatal here). */
int hrw_zap_new (void *ctx, const char *publishers, const char *subscribers, hrw_log_t *log,
                 hrw_zap_t **out);

void hrw_zap_destroy (hrw_zap_t **self_p);

/*  Reads both allowlists again and replaces them with what was read: valid
    lines are taken, bad ones skipped, and a file that cannot be read gives
    an empty list, never the old one, so removing a key (or the file)
    always revokes. Returns the number of errors (bad lines, files that
    could not be read), each logged; 0 when clean. */
int hrw_zap_reload (hrw_zap_t *self);

/*  The socket to poll, and the call that answers what is waiting. */
void *hrw_zap_socket (hrw_zap_t *self);
void hrw_zap_handle (hrw_zap_t *self);

#endif
