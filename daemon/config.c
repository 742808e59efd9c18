/*  config: defaults and the INI reader (libinih), driven by one table of
    settings so that reading, checking and printing cannot disagree. */
#include "daemon/config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"

#define S_MIB (1024ULL * 1024ULL)

typedef enum {
    S_STR,      //  char[] of size max
    S_U32,      //  uint32_t in [min, max]
    S_MB,       //  uint64_t bytes, written in MiB
    S_SECONDS,  //  int64_t microseconds, written in seconds
    S_DOUBLE,   //  double in [min, max]
    S_LEVEL,    //  hrw_log_level_t by name
    S_GONE      //  No longer used: accepted so older files load, ignored
} s_type_t;

typedef struct {
    const char *section;
    const char *key;
    s_type_t type;
    size_t offset;      //  In hrw_config_t
    double min, max;    //  Range (for S_STR: the buffer size)
} s_setting_t;

#define O(field) offsetof (hrw_config_t, field)
#define D(field) offsetof (hrw_config_t, engine.detect.field)

static const s_setting_t s_settings[] = {
    { "store", "path", S_STR, O (store_path), 0, HRW_CONFIG_PATH_MAX },
    { "store", "map_size_mb", S_MB, O (map_size), 1, 1 << 30 },
    { "store", "max_map_size_mb", S_MB, O (max_map_size), 0, 1 << 30 },
    { "store", "rejected_keep", S_U32, O (rejected_keep), 0, 10000000 },
    //  Payloads of rejected events are no longer kept (they hold personal data).
    { "store", "rejected_payload_max", S_GONE, 0, 0, 0 },
    { "ingest", "endpoint", S_STR, O (ingest_endpoint), 0, HRW_CONFIG_ENDPOINT_MAX },
    { "ingest", "push_endpoint", S_STR, O (push_endpoint), 0, HRW_CONFIG_ENDPOINT_MAX },
    { "ingest", "max_frame_bytes", S_U32, O (limits.max_frame_bytes), 1024, 1 << 30 },
    { "ingest", "max_batch_events", S_U32, O (limits.max_batch_events), 1, 1000000 },
    { "ingest", "max_event_bytes", S_U32, O (limits.max_event_bytes), 256, 1 << 24 },
    { "ingest", "max_future_seconds", S_SECONDS, O (limits.max_future_us), 0, 315360000 },
    { "ingest", "group_max_frames", S_U32, O (group_max_frames), 1, 100000 },
    { "ingest", "client_batches_max", S_U32, O (client_batches_max), 1, 100000 },
    { "ingest", "group_max_bytes", S_U32, O (group_max_bytes), 1024, 1 << 30 },
    { "ingest", "inflight_max_mb", S_MB, O (inflight_max), 1, 1 << 20 },
    { "control", "endpoint", S_STR, O (control_endpoint), 0, HRW_CONFIG_ENDPOINT_MAX },
    { "control", "backup_dir", S_STR, O (backup_dir), 0, HRW_CONFIG_PATH_MAX },
    { "alerts", "endpoint", S_STR, O (alerts_endpoint), 0, HRW_CONFIG_ENDPOINT_MAX },
    { "alerts", "allowed_lateness_seconds", S_SECONDS, O (engine.lateness_us), 0, 3153600000.0 },
    { "alerts", "tick_seconds", S_U32, O (tick_seconds), 1, 86400 },
    { "alerts", "log_keep", S_U32, O (engine.alert_log_keep), 1, 100000000 },
    { "alerts", "min_ready_now", S_U32, D (min_ready_now), 1, 100 },
    { "alerts", "bench_strength_min", S_DOUBLE, D (bench_strength_min), 0, 1 },
    { "alerts", "bench_min_positions", S_U32, D (bench_min_positions), 1, 100000 },
    { "alerts", "max_sole_successor", S_U32, D (max_sole_successor), 1, 100000 },
    { "alerts", "window_days", S_U32, D (window_days), 1, 3650 },
    { "alerts", "baseline_days", S_U32, D (baseline_days), 1, 36500 },
    { "alerts", "alpha", S_DOUBLE, D (alpha), 1e-12, 0.5 },
    { "alerts", "resolve_p", S_DOUBLE, D (resolve_p), 1e-12, 1 },
    { "alerts", "min_exits", S_U32, D (min_exits), 1, 100000 },
    { "alerts", "min_headcount", S_U32, D (min_headcount), 1, 10000000 },
    { "alerts", "prior_person_days", S_DOUBLE, D (prior_person_days), 0, 1e9 },
    { "alerts", "rise_h", S_DOUBLE, D (rise_h), 0.1, 100 },
    { "alerts", "spike_h", S_DOUBLE, D (spike_h), 0.1, 100 },
    { "alerts", "engagement_drop", S_DOUBLE, D (engagement_drop), 0, 4 },
    //  Replaced by engagement_fdr_q: drops are now tested across units.
    { "alerts", "engagement_p", S_GONE, 0, 0, 0 },
    { "alerts", "engagement_fdr_q", S_DOUBLE, D (engagement_fdr_q), 1e-12, 0.5 },
    { "alerts", "engagement_baseline_cycles", S_U32, D (engagement_baseline_cycles), 1, 20 },
    { "alerts", "enps_drop", S_DOUBLE, D (enps_drop), 0, 200 },
    //  Below 3 respondents an aggregate tells too much about a person.
    { "alerts", "min_respondents", S_U32, D (min_respondents), 3, 100000 },
    { "alerts", "survey_close_days", S_U32, D (survey_close_days), 1, 3650 },
    { "metrics", "listen", S_STR, O (metrics_listen), 0, HRW_CONFIG_ENDPOINT_MAX },
    { "alertmanager", "url", S_STR, O (alertmanager_url), 0, HRW_CONFIG_ENDPOINT_MAX },
    { "alertmanager", "resend_seconds", S_U32, O (alertmanager_resend), 1, 86400 },
    { "security", "server_key", S_STR, O (server_key), 0, HRW_CONFIG_PATH_MAX },
    { "security", "publishers", S_STR, O (publishers), 0, HRW_CONFIG_PATH_MAX },
    { "security", "subscribers", S_STR, O (subscribers), 0, HRW_CONFIG_PATH_MAX },
    { "security", "admins", S_STR, O (admins), 0, HRW_CONFIG_PATH_MAX },
    { "daemon", "pid_file", S_STR, O (pid_file), 0, HRW_CONFIG_PATH_MAX },
    { "daemon", "log_level", S_LEVEL, O (log_level), 0, 0 },
    { "daemon", "handshake_seconds", S_U32, O (handshake_seconds), 1, 3600 },
};

#define S_N_SETTINGS (sizeof (s_settings) / sizeof (s_settings[0]))

static const char *s_levels[] = { "", "", "", "error", "warning", "notice", "info", "debug" };

typedef struct {
    hrw_config_t *cfg;  //  Being filled
    char *err;          //  First problem found
    size_t err_cap;
    int failed;         //  Set once err holds something
} s_ctx_t;

void
hrw_config_defaults (hrw_config_t *cfg)
{
    memset (cfg, 0, sizeof (*cfg));
    snprintf (cfg->store_path, sizeof (cfg->store_path), "hrwatch-state");
    cfg->map_size = 64 * S_MIB;
    cfg->max_map_size = 0;
    cfg->rejected_keep = 10000;
    snprintf (cfg->ingest_endpoint, sizeof (cfg->ingest_endpoint), "tcp://127.0.0.1:7410");
    snprintf (cfg->push_endpoint, sizeof (cfg->push_endpoint), "tcp://127.0.0.1:7411");
    snprintf (cfg->alerts_endpoint, sizeof (cfg->alerts_endpoint), "tcp://127.0.0.1:7412");
    snprintf (cfg->control_endpoint, sizeof (cfg->control_endpoint), "tcp://127.0.0.1:7413");
    snprintf (cfg->backup_dir, sizeof (cfg->backup_dir), "hrwatch-backups");
    hrw_limits_default (&cfg->limits);
    cfg->group_max_frames = 256;
    cfg->client_batches_max = 64;
    cfg->group_max_bytes = 256 * 1024;
    cfg->inflight_max = 256 * S_MIB;
    cfg->log_level = HRW_LOG_INFO;
    cfg->handshake_seconds = 5;
    hrw_engine_defaults (&cfg->engine);
    cfg->tick_seconds = 60;
    snprintf (cfg->metrics_listen, sizeof (cfg->metrics_listen), "127.0.0.1:9464");
    cfg->alertmanager_resend = 60;
}

static int
s_number (const char *value, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod (value, &end);
    //  NaN passes every range check (and turns alerts off): refused.
    if (errno || end == value || *end || !isfinite (v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

//  Returns 0 when the value is good, -1 when not.
static int
s_set (hrw_config_t *cfg, const s_setting_t *s, const char *value)
{
    char *field = (char *) cfg + s->offset;
    double v = 0;
    switch (s->type) {
        case S_STR:
            if (strlen (value) >= (size_t) s->max)
                return -1;
            memcpy (field, value, strlen (value) + 1);
            return 0;
        case S_GONE:
            return 0;
        case S_LEVEL:
            for (int i = HRW_LOG_ERR; i <= HRW_LOG_DEBUG; i++)
                if (!strcmp (value, s_levels[i])) {
                    *(hrw_log_level_t *) field = (hrw_log_level_t) i;
                    return 0;
                }
            return -1;
        default:
            break;
    }
    if (s_number (value, s->min, s->max, &v))
        return -1;
    if (s->type != S_DOUBLE && v != (double) (int64_t) v)
        return -1;   //  Whole numbers only
    switch (s->type) {
        case S_U32: *(uint32_t *) field = (uint32_t) v; break;
        case S_MB: *(uint64_t *) field = (uint64_t) v * S_MIB; break;
        case S_SECONDS: *(int64_t *) field = (int64_t) v * HRW_US_PER_SEC; break;
        default: *(double *) field = v; break;
    }
    return 0;
}

static int
s_handler (void *user, const char *section, const char *name, const char *value)
{
    s_ctx_t *c = user;
    if (c->failed)
        return 0;
    for (size_t i = 0; i < S_N_SETTINGS; i++) {
        if (strcmp (s_settings[i].section, section) || strcmp (s_settings[i].key, name))
            continue;
        if (s_set (c->cfg, &s_settings[i], value) == 0)
            return 1;
        snprintf (c->err, c->err_cap, "bad value for [%s] %s = %s", section, name, value);
        c->failed = 1;
        return 0;
    }
    snprintf (c->err, c->err_cap, "unknown setting [%s] %s", section, name);
    c->failed = 1;
    return 0;
}

int
hrw_config_parse (hrw_config_t *cfg, const char *text, const char *name, char *err,
                  size_t err_cap)
{
    char what[512] = "";
    s_ctx_t c = { cfg, what, sizeof (what), 0 };
    int rc = ini_parse_string (text, s_handler, &c);
    if (rc == 0 && *cfg->admins && !*cfg->server_key) {
        snprintf (err, err_cap, "%s: [security] admins needs server_key (CURVE)", name);
        return -1;
    }
    if (rc == 0 && *cfg->server_key && (!*cfg->publishers || !*cfg->subscribers)) {
        snprintf (err, err_cap, "%s: [security] server_key needs both the publishers and the "
                  "subscribers allowlists", name);
        return -1;
    }
    if (rc == 0)
        return 0;
    if (c.failed)
        snprintf (err, err_cap, "%s: line %d: %s", name, rc, what);
    else
        snprintf (err, err_cap, "%s: line %d: syntax error", name, rc);
    return -1;
}

int
hrw_config_load (hrw_config_t *cfg, const char *path, char *err, size_t err_cap)
{
    //  Read whole and bounded, without blocking: a config is a page, not a
    //  FIFO that never opens or a device that never ends.
    hrw_buf_t text = { 0 };
    int rc = hrw_buf_read_file (&text, path, HRW_CONFIG_FILE_MAX);
    if (rc == EINVAL)
        snprintf (err, err_cap, "%s: not a regular file", path);
    else if (rc == EFBIG)
        snprintf (err, err_cap, "%s: over %d bytes: not a configuration file", path,
                  HRW_CONFIG_FILE_MAX);
    else if (rc)
        snprintf (err, err_cap, "%s: cannot read: %s", path, strerror (rc));
    else if (memchr (text.data, '\0', text.len))
        snprintf (err, err_cap, "%s: holds a NUL byte: not a configuration file", path);
    else
        rc = hrw_config_parse (cfg, (const char *) text.data, path, err, err_cap) ? -1: 0;
    hrw_buf_free (&text);
    return rc? -1: 0;
}

void
hrw_config_print (const hrw_config_t *cfg, FILE *out)
{
    const char *section = "";
    for (size_t i = 0; i < S_N_SETTINGS; i++) {
        const s_setting_t *s = &s_settings[i];
        const char *field = (const char *) cfg + s->offset;
        if (s->type == S_GONE)
            continue;
        if (strcmp (section, s->section))
            fprintf (out, "%s[%s]\n", i? "\n": "", section = s->section);
        fprintf (out, "%s = ", s->key);
        switch (s->type) {
            case S_STR: fprintf (out, "%s\n", field); break;
            case S_LEVEL: fprintf (out, "%s\n", s_levels[*(const hrw_log_level_t *) field]); break;
            case S_U32: fprintf (out, "%u\n", *(const uint32_t *) field); break;
            case S_MB: fprintf (out, "%" PRIu64 "\n", (uint64_t) (*(const uint64_t *) field / S_MIB)); break;
            case S_SECONDS:
                fprintf (out, "%" PRId64 "\n", (int64_t) (*(const int64_t *) field / HRW_US_PER_SEC));
                break;
            case S_DOUBLE: fprintf (out, "%g\n", *(const double *) field); break;
            case S_GONE: break;
        }
    }
}
