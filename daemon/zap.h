/*  zap: ZeroMQ's authentication protocol (ZAP, RFC 27) for CURVE sockets.
    The handler answers each handshake from the allowlist of its domain:
    publishers for the ingest sockets; subscribers and admins for the alert
    and control sockets. On the control socket the handshake's user id says
    which role the key has ("admin" or "reader"), and every message from
    that connection carries it. A refused key is logged (the key, never a
    payload). */
#ifndef HRW_ZAP_H
#define HRW_ZAP_H

#include <stddef.h>

#include "daemon/log.h"

#define HRW_ZAP_PUBLISHERS "hrwatch-publishers"
#define HRW_ZAP_SUBSCRIBERS "hrwatch-subscribers"
#define HRW_ZAP_CONTROL "hrwatch-control"
#define HRW_ZAP_ADMIN "admin"           //  User id of an admins key
#define HRW_ZAP_READER "reader"         //  User id of any other admitted key

typedef struct hrw_zap hrw_zap_t;

/*  Binds the handler in ctx and loads the allowlists (admins may be "":
    no admin keys), skipping bad lines (logged). Returns the handler, or
    NULL after logging why (a list that cannot be opened is fatal here). */
hrw_zap_t *hrw_zap_new (void *ctx, const char *publishers, const char *subscribers,
                        const char *admins, hrw_log_t *log);

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
