/*  config: defaults and the INI reader (libinih). */
#include "daemon/config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "workers/clock.h"

#define S_MIB (1024ULL * 1024ULL)

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
    cfg->rejected_payload_max = 4096;
    snprintf (cfg->ingest_endpoint, sizeof (cfg->ingest_endpoint), "tcp://127.0.0.1:7410");
    snprintf (cfg->push_endpoint, sizeof (cfg->push_endpoint), "tcp://127.0.0.1:7411");
    snprintf (cfg->control_endpoint, sizeof (cfg->control_endpoint), "tcp://127.0.0.1:7413");
    hrw_limits_default (&cfg->limits);
    cfg->group_max_frames = 256;
    cfg->log_level = HRW_LOG_INFO;
}

static int
s_uint (const char *value, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull (value, &end, 10);
    if (errno || end == value || *end || *value == '-' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int
s_string (const char *value, char *dst, size_t cap)
{
    if (strlen (value) >= cap)
        return -1;
    memcpy (dst, value, strlen (value) + 1);
    return 0;
}

static int
s_log_level (const char *value, hrw_log_level_t *out)
{
    static const struct { const char *name; hrw_log_level_t level; } names[] = {
        { "error", HRW_LOG_ERR }, { "warning", HRW_LOG_WARNING }, { "notice", HRW_LOG_NOTICE },
        { "info", HRW_LOG_INFO }, { "debug", HRW_LOG_DEBUG }
    };
    for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
        if (!strcmp (value, names[i].name)) {
            *out = names[i].level;
            return 0;
        }
    return -1;
}

#define S_IS(s, k) (!strcmp (section, s) && !strcmp (name, k))

//  Returns 0 when the key was known and its value good, -1 when the value
//  is bad, 1 when the key is unknown.
static int
s_set (hrw_config_t *cfg, const char *section, const char *name, const char *value)
{
    uint64_t v;
    if (S_IS ("store", "path"))
        return s_string (value, cfg->store_path, sizeof (cfg->store_path));
    if (S_IS ("store", "map_size_mb")) {
        if (s_uint (value, 1, 1ULL << 30, &v))
            return -1;
        cfg->map_size = v * S_MIB;
        return 0;
    }
    if (S_IS ("store", "max_map_size_mb")) {
        if (s_uint (value, 0, 1ULL << 30, &v))
            return -1;
        cfg->max_map_size = v * S_MIB;
        return 0;
    }
    if (S_IS ("store", "rejected_keep")) {
        if (s_uint (value, 0, 10000000, &v))
            return -1;
        cfg->rejected_keep = (uint32_t) v;
        return 0;
    }
    if (S_IS ("store", "rejected_payload_max")) {
        if (s_uint (value, 0, 1 << 20, &v))
            return -1;
        cfg->rejected_payload_max = (uint32_t) v;
        return 0;
    }
    if (S_IS ("ingest", "endpoint"))
        return s_string (value, cfg->ingest_endpoint, sizeof (cfg->ingest_endpoint));
    if (S_IS ("ingest", "push_endpoint"))
        return s_string (value, cfg->push_endpoint, sizeof (cfg->push_endpoint));
    if (S_IS ("ingest", "max_frame_bytes")) {
        if (s_uint (value, 1024, 1U << 30, &v))
            return -1;
        cfg->limits.max_frame_bytes = (uint32_t) v;
        return 0;
    }
    if (S_IS ("ingest", "max_batch_events")) {
        if (s_uint (value, 1, 1000000, &v))
            return -1;
        cfg->limits.max_batch_events = (uint32_t) v;
        return 0;
    }
    if (S_IS ("ingest", "max_event_bytes")) {
        if (s_uint (value, 256, 1U << 24, &v))
            return -1;
        cfg->limits.max_event_bytes = (uint32_t) v;
        return 0;
    }
    if (S_IS ("ingest", "max_future_seconds")) {
        if (s_uint (value, 0, 10ULL * 365 * 86400, &v))
            return -1;
        cfg->limits.max_future_us = (int64_t) v * HRW_US_PER_SEC;
        return 0;
    }
    if (S_IS ("ingest", "group_max_frames")) {
        if (s_uint (value, 1, 100000, &v))
            return -1;
        cfg->group_max_frames = (uint32_t) v;
        return 0;
    }
    if (S_IS ("control", "endpoint"))
        return s_string (value, cfg->control_endpoint, sizeof (cfg->control_endpoint));
    if (S_IS ("daemon", "pid_file"))
        return s_string (value, cfg->pid_file, sizeof (cfg->pid_file));
    if (S_IS ("daemon", "log_level"))
        return s_log_level (value, &cfg->log_level);
    return 1;
}

static int
s_handler (void *user, const char *section, const char *name, const char *value)
{
    s_ctx_t *c = user;
    if (c->failed)
        return 0;
    int rc = s_set (c->cfg, section, name, value);
    if (rc == 0)
        return 1;
    snprintf (c->err, c->err_cap, "%s [%s] %s%s%s",
              rc > 0? "unknown setting": "bad value for", section, name, rc > 0? "": " = ",
              rc > 0? "": value);
    c->failed = 1;
    return 0;
}

int
hrw_config_load (hrw_config_t *cfg, const char *path, char *err, size_t err_cap)
{
    char what[512] = "";
    s_ctx_t c = { cfg, what, sizeof (what), 0 };
    int rc = ini_parse (path, s_handler, &c);
    if (rc == 0)
        return 0;
    if (rc < 0)
        snprintf (err, err_cap, "%s: cannot read: %s", path, strerror (errno? errno: ENOENT));
    else if (c.failed)
        snprintf (err, err_cap, "%s: line %d: %s", path, rc, what);
    else
        snprintf (err, err_cap, "%s: line %d: syntax error", path, rc);
    return -1;
}

void
hrw_config_print (const hrw_config_t *cfg, FILE *out)
{
    static const char *levels[] = { "", "", "", "error", "warning", "notice", "info", "debug" };
    fprintf (out, "[store]\npath = %s\nmap_size_mb = %" PRIu64 "\nmax_map_size_mb = %" PRIu64
             "\nrejected_keep = %u\nrejected_payload_max = %u\n\n",
             cfg->store_path, (uint64_t) (cfg->map_size / S_MIB), (uint64_t) (cfg->max_map_size / S_MIB),
             cfg->rejected_keep, cfg->rejected_payload_max);
    fprintf (out, "[ingest]\nendpoint = %s\npush_endpoint = %s\nmax_frame_bytes = %u\n"
             "max_batch_events = %u\nmax_event_bytes = %u\nmax_future_seconds = %lld\n"
             "group_max_frames = %u\n\n",
             cfg->ingest_endpoint, cfg->push_endpoint, cfg->limits.max_frame_bytes,
             cfg->limits.max_batch_events, cfg->limits.max_event_bytes,
             (long long) (cfg->limits.max_future_us / HRW_US_PER_SEC), cfg->group_max_frames);
    fprintf (out, "[control]\nendpoint = %s\n\n", cfg->control_endpoint);
    fprintf (out, "[daemon]\npid_file = %s\nlog_level = %s\n", cfg->pid_file,
             levels[cfg->log_level]);
}
