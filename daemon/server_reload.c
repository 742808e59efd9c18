/*  server_reload: SIGHUP: the configuration file read again and what
    may change applied between groups, with systemd told of the reload. */
#include "daemon/server_int.h"

#include <systemd/sd-daemon.h>

#include "lib/clock.h"

//  A setting the table marks restart-only, changed in the file: said once
//  per reload, and the running value kept (hrw_config_reload).
static void
s_kept (void *arg, const hrw_config_setting_t *setting, const char *running)
{
    hrw_server_t *self = arg;
    hrw_log (self->log, HRW_LOG_WARNING, "reload: [%s] %s changes only on restart; still %s",
             setting->section, setting->key, running);
}

//  New thresholds judge the alerts at once: what they change is published
//  like any other change.
static void
s_reevaluate (hrw_server_t *self)
{
    int rc = hrw_engine_begin (self->engine, hrw_clock_now_us ());
    if (!rc && (rc = hrw_engine_reevaluate (self->engine)))
        hrw_engine_abort (self->engine);
    else if (!rc)
        rc = hrw_engine_commit (self->engine);
    if (rc)
        hrw_log (self->log, HRW_LOG_ERR, "reload: re-evaluating alerts failed, they are judged "
                 "by the new thresholds as events touch them: %s", hrw_store_strerror (rc));
    else
        hrw_server__publish (self);
}

//  SIGHUP: read the file again; a file that does not load is refused whole
//  and the running settings stay. Connections and work in hand are kept:
//  this runs between groups.
void
hrw_server__reload (hrw_server_t *self)
{
    sd_notify (0, "RELOADING=1");
    hrw_config_t next;
    char err[600];
    int errors = 0;                 //  Allowlist lines or files in error
    hrw_config_defaults (&next);
    next.engine.replay = self->cfg.engine.replay;
    if (!*self->config_path)
        hrw_log (self->log, HRW_LOG_NOTICE, "reload: running on built-in defaults, no file to read");
    else if (hrw_config_load (&next, self->config_path, err, sizeof (err))) {
        hrw_log (self->log, HRW_LOG_ERR, "reload refused, the running configuration stays: %s",
                 err);
        //  The allowlists' paths are the running ones: read them all the
        //  same, so a key deleted to revoke it is revoked now.
        if (self->zap)
            hrw_zap_reload (self->zap);
        sd_notify (0, "READY=1\nSTATUS=reload refused: see the log");
        return;
    }
    else {
        hrw_config_reload (&self->cfg, &next, s_kept, self);
        self->cfg = next;
        if (self->zap)
            errors = hrw_zap_reload (self->zap);
        hrw_log_set_level (self->log, next.log_level);
        hrw_ingest_set_limits (self->ingest, &next.limits);
        hrw_engine_set_opts (self->engine, &next.engine);
        s_reevaluate (self);
        hrw_store_set_rejected (self->store, next.rejected_keep);
        self->next_tick = 0;
        if (errors)
            hrw_log (self->log, HRW_LOG_WARNING, "configuration reloaded from %s with %d error%s",
                     self->config_path, errors, errors == 1? "": "s");
        else
            hrw_log (self->log, HRW_LOG_NOTICE, "configuration reloaded from %s",
                     self->config_path);
    }
    if (errors)
        sd_notifyf (0, "READY=1\nSTATUS=reloaded with %d error%s: see the log", errors,
                    errors == 1? "": "s");
    else
        sd_notify (0, "READY=1\nSTATUS=reloaded");
}
