/*  config: defaults and the INI reader (libinih), driven by one table of
    settings so that defaults, reading, checking, reloading and printing
    cannot disagree. */
#include "daemon/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/num.h"

#define S_MIB (1024ULL * 1024ULL)

#define O(field) offsetof (hrw_config_t, field)
#define D(field) offsetof (hrw_config_t, engine.detect.field)

//  Shorter rows.
#define STR HRW_CONFIG_STR
#define U32 HRW_CONFIG_U32
#define MB HRW_CONFIG_MB
#define SEC HRW_CONFIG_SECONDS
#define DBL HRW_CONFIG_DOUBLE
#define LEVEL HRW_CONFIG_LEVEL
#define GONE HRW_CONFIG_GONE
#define RESTART HRW_CONFIG_RESTART
#define RELOAD HRW_CONFIG_RELOAD
#define PATH HRW_CONFIG_PATH_MAX
#define ENDP HRW_CONFIG_ENDPOINT_MAX

//  Every setting: where it lives, its range, its default as written in the
//  file, and whether a reload changes it. Defaults, parsing, reload and
//  printing read this; tests/test_config.c holds the workers' defaults, the
//  packaged file and the man page to it. RESTART settings are used once, at
//  start: the store's path and map are opened; sockets are bound, sized
//  (max_frame_bytes is their MAXMSGSIZE, inflight_max_mb their queues) and
//  secured; the group arrays, the alert log and the HTTP sinks are set up.
static const hrw_config_setting_t s_settings[] = {
    { "store", "path", STR, O (store_path), 0, PATH, "hrwatch-state", RESTART },
    { "store", "map_size_mb", MB, O (map_size), 1, 1 << 30, "64", RESTART },
    { "store", "max_map_size_mb", MB, O (max_map_size), 0, 1 << 30, "0", RESTART },
    { "store", "rejected_keep", U32, O (rejected_keep), 0, 10000000, "10000", RELOAD },
    //  Payloads of rejected events are no longer kept (they hold personal data).
    { "store", "rejected_payload_max", GONE, 0, 0, 0, NULL, RELOAD },
    { "ingest", "endpoint", STR, O (ingest_endpoint), 0, ENDP, "tcp://127.0.0.1:7410", RESTART },
    { "ingest", "push_endpoint", STR, O (push_endpoint), 0, ENDP, "tcp://127.0.0.1:7411",
      RESTART },
    { "ingest", "max_frame_bytes", U32, O (limits.max_frame_bytes), 1024, 1 << 30, "4194304",
      RESTART },
    { "ingest", "max_batch_events", U32, O (limits.max_batch_events), 1, 1000000, "10000",
      RELOAD },
    { "ingest", "max_event_bytes", U32, O (limits.max_event_bytes), 256, 1 << 24, "65536",
      RELOAD },
    { "ingest", "max_future_seconds", SEC, O (limits.max_future_us), 0, 315360000, "86400",
      RELOAD },
    { "ingest", "max_future_days", U32, O (limits.max_future_days), 0, 3660, "366", RELOAD },
    { "ingest", "group_max_frames", U32, O (group_max_frames), 1, 100000, "256", RESTART },
    { "ingest", "client_batches_max", U32, O (client_batches_max), 1, 100000, "64", RELOAD },
    { "ingest", "group_max_bytes", U32, O (group_max_bytes), 1024, 1 << 30, "262144", RELOAD },
    { "ingest", "inflight_max_mb", MB, O (inflight_max), 1, 1 << 20, "256", RESTART },
    { "control", "endpoint", STR, O (control_endpoint), 0, ENDP, "tcp://127.0.0.1:7413",
      RESTART },
    { "control", "backup_dir", STR, O (backup_dir), 0, PATH, "hrwatch-backups", RELOAD },
    { "alerts", "endpoint", STR, O (alerts_endpoint), 0, ENDP, "tcp://127.0.0.1:7412", RESTART },
    { "alerts", "allowed_lateness_seconds", SEC, O (engine.lateness_us), 0, 3153600000.0, "0",
      RELOAD },
    { "alerts", "tick_seconds", U32, O (tick_seconds), 1, 86400, "60", RELOAD },
    { "alerts", "log_keep", U32, O (engine.alert_log_keep), 1, 100000000, "100000", RESTART },
    { "alerts", "min_ready_now", U32, D (min_ready_now), 1, 100, "1", RELOAD },
    { "alerts", "bench_strength_min", DBL, D (bench_strength_min), 0, 1, "0.7", RELOAD },
    { "alerts", "bench_min_positions", U32, D (bench_min_positions), 1, 100000, "3", RELOAD },
    { "alerts", "max_sole_successor", U32, D (max_sole_successor), 1, 100000, "2", RELOAD },
    { "alerts", "window_days", U32, D (window_days), 1, 3650, "30", RELOAD },
    { "alerts", "baseline_days", U32, D (baseline_days), 1, 36500, "365", RELOAD },
    { "alerts", "alpha", DBL, D (alpha), 1e-12, 0.5, "0.00001", RELOAD },
    { "alerts", "resolve_p", DBL, D (resolve_p), 1e-12, 1, "0.05", RELOAD },
    { "alerts", "min_exits", U32, D (min_exits), 1, 100000, "3", RELOAD },
    { "alerts", "min_headcount", U32, D (min_headcount), 1, 10000000, "10", RELOAD },
    { "alerts", "prior_person_days", DBL, D (prior_person_days), 0, 1e9, "3650", RELOAD },
    { "alerts", "rise_h", DBL, D (rise_h), 0.1, 100, "5.5", RELOAD },
    { "alerts", "spike_h", DBL, D (spike_h), 0.1, 100, "7.5", RELOAD },
    { "alerts", "engagement_drop", DBL, D (engagement_drop), 0, 4, "0.3", RELOAD },
    //  Replaced by engagement_fdr_q: drops are now tested across units.
    { "alerts", "engagement_p", GONE, 0, 0, 0, NULL, RELOAD },
    { "alerts", "engagement_fdr_q", DBL, D (engagement_fdr_q), 1e-12, 0.5, "0.1", RELOAD },
    { "alerts", "engagement_baseline_cycles", U32, D (engagement_baseline_cycles), 1, 20, "4",
      RELOAD },
    { "alerts", "enps_drop", DBL, D (enps_drop), 0, 200, "15", RELOAD },
    //  Below 3 respondents an aggregate tells too much about a person.
    { "alerts", "min_respondents", U32, D (min_respondents), 3, 100000, "5", RELOAD },
    { "alerts", "survey_close_days", U32, D (survey_close_days), 1, 3650, "21", RELOAD },
    //  Successor development: days, at most ten years.
    { "alerts", "unmentored_days", U32, D (unmentored_days), 1, 3650, "90", RELOAD },
    { "alerts", "stale_readiness_days", U32, D (stale_readiness_days), 1, 3650, "365", RELOAD },
    //  Early-tenure exits and manager hotspots
    { "alerts", "early_tenure_days", U32, D (early_tenure_days), 1, 3650, "90", RELOAD },
    { "alerts", "early_tenure_window_days", U32, D (early_tenure_window_days), 1, 3650, "180",
      RELOAD },
    { "alerts", "early_tenure_baseline_days", U32, D (early_tenure_baseline_days), 1, 36500,
      "365", RELOAD },
    { "alerts", "early_tenure_min_exits", U32, D (early_tenure_min_exits), 1, 100000, "3",
      RELOAD },
    { "alerts", "early_tenure_alpha", DBL, D (early_tenure_alpha), 1e-12, 0.5, "0.0005",
      RELOAD },
    { "alerts", "manager_window_days", U32, D (manager_window_days), 1, 3650, "180", RELOAD },
    { "alerts", "manager_min_exits", U32, D (manager_min_exits), 1, 100000, "3", RELOAD },
    { "alerts", "manager_min_reports", U32, D (manager_min_reports), 1, 100000, "5", RELOAD },
    { "alerts", "manager_alpha", DBL, D (manager_alpha), 1e-12, 0.5, "0.002", RELOAD },
    { "metrics", "listen", STR, O (metrics_listen), 0, ENDP, "127.0.0.1:9464", RESTART },
    { "alertmanager", "url", STR, O (alertmanager_url), 0, ENDP, "", RESTART },
    { "alertmanager", "resend_seconds", U32, O (alertmanager_resend), 1, 86400, "60", RESTART },
    //  Which files the allowlists are is fixed; their contents are read
    //  again on a reload (daemon/zap.c).
    { "security", "server_key", STR, O (server_key), 0, PATH, "", RESTART },
    { "security", "publishers", STR, O (publishers), 0, PATH, "", RESTART },
    { "security", "subscribers", STR, O (subscribers), 0, PATH, "", RESTART },
    { "security", "admins", STR, O (admins), 0, PATH, "", RESTART },
    { "daemon", "pid_file", STR, O (pid_file), 0, PATH, "", RESTART },
    { "daemon", "log_level", LEVEL, O (log_level), 0, 0, "info", RELOAD },
    { "daemon", "handshake_seconds", U32, O (handshake_seconds), 1, 3600, "5", RESTART },
};

#define S_N_SETTINGS (sizeof (s_settings) / sizeof (s_settings[0]))

static const char *s_levels[] = { "", "", "", "error", "warning", "notice", "info", "debug" };

typedef struct {
    hrw_config_t *cfg;  //  Being filled
    char *err;          //  First problem found
    size_t err_cap;
    int failed;         //  Set once err holds something
} s_ctx_t;

const hrw_config_setting_t *
hrw_config_setting (size_t i)
{
    return i < S_N_SETTINGS? &s_settings[i]: NULL;
}

static int
s_number (const char *value, double lo, double hi, double *out)
{
    const char *end;
    double v;
    //  Decimal only: no NaN (it passes every range check and would turn
    //  alerts off), no infinity, no hexadecimal.
    if (hrw_num_decimal (value, &v, &end) || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

//  Returns 0 when the value is good, -1 when not.
static int
s_set (hrw_config_t *cfg, const hrw_config_setting_t *s, const char *value)
{
    char *field = (char *) cfg + s->offset;
    double v = 0;
    switch (s->type) {
        case STR:
            if (strlen (value) >= (size_t) s->max)
                return -1;
            memcpy (field, value, strlen (value) + 1);
            return 0;
        case GONE:
            return 0;
        case LEVEL:
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
    if (s->type != DBL && v != (double) (int64_t) v)
        return -1;   //  Whole numbers only
    switch (s->type) {
        case U32: *(uint32_t *) field = (uint32_t) v; break;
        case MB: *(uint64_t *) field = (uint64_t) v * S_MIB; break;
        case SEC: *(int64_t *) field = (int64_t) v * HRW_US_PER_SEC; break;
        default: *(double *) field = v; break;
    }
    return 0;
}

//  Writes the setting's value in cfg as the file would have it.
static void
s_format (const hrw_config_t *cfg, const hrw_config_setting_t *s, char *out, size_t cap)
{
    const char *field = (const char *) cfg + s->offset;
    switch (s->type) {
        case STR: snprintf (out, cap, "%s", field); break;
        case LEVEL: snprintf (out, cap, "%s", s_levels[*(const hrw_log_level_t *) field]); break;
        case U32: snprintf (out, cap, "%u", *(const uint32_t *) field); break;
        case MB:
            snprintf (out, cap, "%" PRIu64, (uint64_t) (*(const uint64_t *) field / S_MIB));
            break;
        case SEC:
            snprintf (out, cap, "%" PRId64, (int64_t) (*(const int64_t *) field / HRW_US_PER_SEC));
            break;
        case DBL: snprintf (out, cap, "%g", *(const double *) field); break;
        case GONE: snprintf (out, cap, "%s", ""); break;
    }
}

//  Whether a and b hold the same value for the setting.
static int
s_same (const hrw_config_t *a, const hrw_config_t *b, const hrw_config_setting_t *s)
{
    const char *fa = (const char *) a + s->offset;
    const char *fb = (const char *) b + s->offset;
    switch (s->type) {
        case STR: return !strcmp (fa, fb);
        case LEVEL: return *(const hrw_log_level_t *) fa == *(const hrw_log_level_t *) fb;
        case U32: return *(const uint32_t *) fa == *(const uint32_t *) fb;
        case MB: return *(const uint64_t *) fa == *(const uint64_t *) fb;
        case SEC: return *(const int64_t *) fa == *(const int64_t *) fb;
        case DBL: return !memcmp (fa, fb, sizeof (double));
        case GONE: break;
    }
    return 1;
}

//  Copies the setting's value from src to dst.
static void
s_copy (hrw_config_t *dst, const hrw_config_t *src, const hrw_config_setting_t *s)
{
    static const size_t sizes[] = {
        [STR] = 0, [U32] = sizeof (uint32_t), [MB] = sizeof (uint64_t), [SEC] = sizeof (int64_t),
        [DBL] = sizeof (double), [LEVEL] = sizeof (hrw_log_level_t), [GONE] = 0
    };
    size_t n = s->type == STR? (size_t) s->max: sizes[s->type];
    memcpy ((char *) dst + s->offset, (const char *) src + s->offset, n);
}

void
hrw_config_defaults (hrw_config_t *cfg)
{
    memset (cfg, 0, sizeof (*cfg));
    //  Every row's default is accepted by its own range (tests/test_config.c).
    for (size_t i = 0; i < S_N_SETTINGS; i++)
        if (s_settings[i].type != GONE)
            s_set (cfg, &s_settings[i], s_settings[i].value);
}

static const hrw_config_setting_t *
s_find (const char *section, const char *key)
{
    for (size_t i = 0; i < S_N_SETTINGS; i++)
        if (!strcmp (s_settings[i].section, section) && !strcmp (s_settings[i].key, key))
            return &s_settings[i];
    return NULL;
}

int
hrw_config_set (hrw_config_t *cfg, const char *section, const char *key, const char *value)
{
    const hrw_config_setting_t *s = s_find (section, key);
    if (!s)
        return -1;
    return s_set (cfg, s, value)? -2: 0;
}

//  " (a number from MIN to MAX)" and the like, or "" when the words would
//  add nothing.
static void
s_allowed (const hrw_config_setting_t *s, char *out, size_t cap)
{
    out[0] = 0;
    switch (s->type) {
        case HRW_CONFIG_DOUBLE:
            snprintf (out, cap, " (a number from %g to %g)", s->min, s->max);
            break;
        case HRW_CONFIG_STR:
            snprintf (out, cap, " (at most %g characters)", s->max - 1);
            break;
        case HRW_CONFIG_LEVEL:
            snprintf (out, cap, " (error, warning, notice, info or debug)");
            break;
        case HRW_CONFIG_GONE:
            break;
        default:
            snprintf (out, cap, " (a whole number from %.0f to %.0f)", s->min, s->max);
            break;
    }
}

static int
s_handler (void *user, const char *section, const char *name, const char *value)
{
    s_ctx_t *c = user;
    if (c->failed)
        return 0;
    int rc = hrw_config_set (c->cfg, section, name, value);
    if (rc == 0)
        return 1;
    if (rc == -2) {
        //  Say what would have been accepted, once, where it is refused.
        const hrw_config_setting_t *s = s_find (section, name);
        char allowed[96];
        s_allowed (s, allowed, sizeof (allowed));
        snprintf (c->err, c->err_cap, "bad value for [%s] %s = %s%s", section, name, value,
                  allowed);
    }
    else
        snprintf (c->err, c->err_cap, "unknown setting [%s] %s", section, name);
    c->failed = 1;
    return 0;
}

//  Values whose form is known, checked here so that --check-config finds
//  them, not the daemon's start: a ZeroMQ endpoint, the metrics address,
//  the Alertmanager URL. Returns the first that is wrong, or NULL.
static const char *
s_malformed (const hrw_config_t *cfg, const char **which)
{
    static const char *const names[] = {
        "[ingest] endpoint", "[ingest] push_endpoint", "[control] endpoint", "[alerts] endpoint"
    };
    const char *endpoints[] = {
        cfg->ingest_endpoint, cfg->push_endpoint, cfg->control_endpoint, cfg->alerts_endpoint
    };
    for (size_t i = 0; i < sizeof (endpoints) / sizeof (endpoints[0]); i++)
        if (*endpoints[i] && strncmp (endpoints[i], "tcp://", 6)
            && strncmp (endpoints[i], "ipc://", 6)) {
            *which = names[i];
            return "not a ZeroMQ endpoint (tcp://HOST:PORT or ipc://PATH)";
        }
    char host[64];
    unsigned port;
    struct in_addr addr;
    char tail;
    if (*cfg->metrics_listen
        && (sscanf (cfg->metrics_listen, "%63[^:]:%u%c", host, &port, &tail) != 2
            || port == 0 || port > 65535 || inet_pton (AF_INET, host, &addr) != 1)) {
        *which = "[metrics] listen";
        return "not an IPv4 address:port (127.0.0.1:9464)";
    }
    if (*cfg->alertmanager_url && strncmp (cfg->alertmanager_url, "http://", 7)
        && strncmp (cfg->alertmanager_url, "https://", 8)) {
        *which = "[alertmanager] url";
        return "not an http:// or https:// URL";
    }
    return NULL;
}

int
hrw_config_parse (hrw_config_t *cfg, const char *text, const char *name, char *err,
                  size_t err_cap)
{
    //  inih reads a line into a buffer of INI_MAX_LINE bytes and takes the
    //  rest of a longer one as a line of its own: say so, on its line.
    int line = 1;
    for (const char *p = text; *p; line++) {
        const char *eol = strchr (p, '\n');
        size_t len = eol? (size_t) (eol - p): strlen (p);
        if (len >= INI_MAX_LINE) {
            snprintf (err, err_cap, "%s: line %d: longer than %d characters", name, line,
                      INI_MAX_LINE - 1);
            return -1;
        }
        p = eol? eol + 1: p + len;
    }
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
    const char *which = NULL, *why = rc == 0? s_malformed (cfg, &which): NULL;
    if (why) {
        snprintf (err, err_cap, "%s: %s: %s", name, which, why);
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
    else if (memchr (text.data, '\0', text.len)) {
        snprintf (err, err_cap, "%s: holds a NUL byte: not a configuration file", path);
        rc = -1;
    }
    else
        rc = hrw_config_parse (cfg, (const char *) text.data, path, err, err_cap) ? -1: 0;
    hrw_buf_free (&text);
    return rc? -1: 0;
}

void
hrw_config_reload (const hrw_config_t *running, hrw_config_t *next, hrw_config_kept_fn *kept,
                   void *arg)
{
    char now[HRW_CONFIG_PATH_MAX];
    for (size_t i = 0; i < S_N_SETTINGS; i++) {
        const hrw_config_setting_t *s = &s_settings[i];
        if (s->type == GONE || s->when != RESTART || s_same (running, next, s))
            continue;
        if (kept) {
            s_format (running, s, now, sizeof (now));
            kept (arg, s, now);
        }
        s_copy (next, running, s);
    }
}

void
hrw_config_print (const hrw_config_t *cfg, FILE *out)
{
    const char *section = "";
    char value[HRW_CONFIG_PATH_MAX];
    for (size_t i = 0; i < S_N_SETTINGS; i++) {
        const hrw_config_setting_t *s = &s_settings[i];
        if (s->type == GONE)
            continue;
        if (strcmp (section, s->section))
            fprintf (out, "%s[%s]\n", i? "\n": "", section = s->section);
        s_format (cfg, s, value, sizeof (value));
        fprintf (out, "%s = %s\n", s->key, value);
    }
}
