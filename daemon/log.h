/*  log: one-line log records: to the journal with structured fields when
    running under systemd, to stderr otherwise, or to syslog once the daemon
    has detached. Callers never pass names or survey answers: ids and counts
    only. */
#ifndef HRW_LOG_H
#define HRW_LOG_H

#include "daemon/config.h"

typedef struct hrw_log hrw_log_t;

/*  Returns a logger writing records at level or more severe, or NULL. */
hrw_log_t *hrw_log_new (hrw_log_level_t level);

/*  Closes it; sets *self_p to NULL. */
void hrw_log_destroy (hrw_log_t **self_p);

/*  The daemon has detached and would close stderr: from now on, write to
    syslog. Returns 0, or -1 when nothing listens on /dev/log: then records
    stay on stderr (it says so, once) and the caller must keep it open. */
int hrw_log_use_syslog (hrw_log_t *self);

/*  Changes the threshold. */
void hrw_log_set_level (hrw_log_t *self, hrw_log_level_t level);

/*  Writes one record. */
void hrw_log (hrw_log_t *self, hrw_log_level_t level, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/*  Writes one record with structured fields for the journal ("HRW_KEY=value"
    strings, NULL-terminated); elsewhere the fields are left out. */
void hrw_log_fields (hrw_log_t *self, hrw_log_level_t level, const char *const *fields,
                     const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

#endif
