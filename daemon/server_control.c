/*  server_control: the control socket's requests, answered by query with
    the role the connection is allowed. */
#include "daemon/server_int.h"

#include <string.h>

#include "lib/clock.h"
#include "workers/query.h"

//  Administration is for clients on an ipc:// control socket with a path
//  (its file mode admits the service group alone) and for admins keys over
//  CURVE; on tcp:// without CURVE anyone on the host could connect, so no
//  one may.
static hrw_query_role_t
s_role (hrw_server_t *self, zmq_msg_t *msg)
{
    //  An abstract socket (ipc://@name) has no file and so no mode: any
    //  local user may connect to it, so it only reads.
    const char *ep = self->cfg.control_endpoint;
    if (!strncmp (ep, "ipc://", 6) && ep[6] != '@')
        return HRW_QUERY_ADMIN;
    const char *user = self->zap? zmq_msg_gets (msg, "User-Id"): NULL;
    return user && !strcmp (user, HRW_ZAP_ADMIN)? HRW_QUERY_ADMIN: HRW_QUERY_READER;
}

//  Who made an administration request, for the log: a key on the admins
//  allowlist, or a client of the ipc:// socket (its file mode admits the
//  service group alone).
static const char *
s_who (hrw_server_t *self, zmq_msg_t *msg)
{
    const char *user = self->zap? zmq_msg_gets (msg, "User-Id"): NULL;
    return user? "an admins key": "the ipc control socket";
}

#define S_CONTROL_TURN_US 5000  //  Control work begun per turn of the loop

void
hrw_server__control (hrw_server_t *self)
{
    char audit[600];
    hrw_query_env_t env = { self->store, self->engine, self->cfg.backup_dir,
                            self->cfg.limits.max_future_us, audit, sizeof (audit) };
    //  A bounded number and time per turn, so queries cannot starve ingest:
    //  a client with many reports queued (tens of ms each) holds an ack up
    //  by one of them, not by all.
    int64_t start = hrw_clock_now_us ();
    for (int i = 0; i < 64 && hrw_clock_now_us () - start < S_CONTROL_TURN_US; i++) {
        hrw_server_slot_t slot;
        int rc = hrw_server__recv (self->control, &slot, 1);
        if (rc <= 0)
            return;
        hrw_buf_clear (&self->reply);
        if (hrw_query_handle (&env, s_role (self, &slot.body), zmq_msg_data (&slot.body),
                              zmq_msg_size (&slot.body), &self->reply) == 0) {
            hrw_server__reply (&slot, self->reply.data, self->reply.len);
            if (*audit)
                hrw_log (self->log, HRW_LOG_NOTICE, "control: %s (by %s)", audit,
                         s_who (self, &slot.body));
        }
        else
            hrw_log (self->log, HRW_LOG_WARNING, "out of memory answering a control request");
        hrw_server__release (&slot);
        hrw_server__publish (self);   //  An advance of the clock may have changed alerts
    }
}
