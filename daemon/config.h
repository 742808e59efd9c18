/*  config: hrwatchd's settings, their defaults, and the INI file that
    overrides them. Every default works on a developer's machine: state in a
    local directory, sockets on 127.0.0.1. */
#ifndef HRW_CONFIG_H
#define HRW_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "workers/engine.h"
#include "workers/validate.h"

#define HRW_CONFIG_PATH_MAX 1024
#define HRW_CONFIG_ENDPOINT_MAX 256
#define HRW_CONFIG_FILE_MAX (1 << 20)   //  Largest config file read

typedef enum { HRW_LOG_ERR = 3, HRW_LOG_WARNING = 4, HRW_LOG_NOTICE = 5, HRW_LOG_INFO = 6,
               HRW_LOG_DEBUG = 7 } hrw_log_level_t;

typedef struct {
    char store_path[HRW_CONFIG_PATH_MAX];           //  [store] path
    uint64_t map_size;                              //  [store] map_size_mb
    uint64_t max_map_size;                          //  [store] max_map_size_mb
    uint32_t rejected_keep;                         //  [store] rejected_keep
    char ingest_endpoint[HRW_CONFIG_ENDPOINT_MAX];  //  [ingest] endpoint
    char push_endpoint[HRW_CONFIG_ENDPOINT_MAX];    //  [ingest] push_endpoint
    hrw_limits_t limits;                            //  [ingest] max_*
    uint32_t group_max_frames;                      //  [ingest] group_max_frames
    uint32_t client_batches_max;                    //  [ingest] client_batches_max
    uint32_t group_max_bytes;                       //  [ingest] group_max_bytes
    uint64_t inflight_max;                          //  [ingest] inflight_max_mb, in bytes
    char control_endpoint[HRW_CONFIG_ENDPOINT_MAX]; //  [control] endpoint
    char backup_dir[HRW_CONFIG_PATH_MAX];           //  [control] backup_dir
    char pid_file[HRW_CONFIG_PATH_MAX];             //  [daemon] pid_file
    hrw_log_level_t log_level;                      //  [daemon] log_level
    uint32_t handshake_seconds;                     //  [daemon] handshake_seconds
    char alerts_endpoint[HRW_CONFIG_ENDPOINT_MAX];  //  [alerts] endpoint
    hrw_engine_opts_t engine;                       //  [alerts] thresholds and clock
    uint32_t tick_seconds;                          //  [alerts] tick_seconds
    char metrics_listen[HRW_CONFIG_ENDPOINT_MAX];   //  [metrics] listen
    char alertmanager_url[HRW_CONFIG_ENDPOINT_MAX]; //  [alertmanager] url
    uint32_t alertmanager_resend;                   //  [alertmanager] resend_seconds
    char server_key[HRW_CONFIG_PATH_MAX];           //  [security] server_key
    char publishers[HRW_CONFIG_PATH_MAX];           //  [security] publishers
    char subscribers[HRW_CONFIG_PATH_MAX];          //  [security] subscribers
    char admins[HRW_CONFIG_PATH_MAX];               //  [security] admins
} hrw_config_t;

/*  How a setting is written and kept. */
typedef enum {
    HRW_CONFIG_STR,         //  char[] of size max
    HRW_CONFIG_U32,         //  uint32_t in [min, max]
    HRW_CONFIG_MB,          //  uint64_t bytes, written in MiB
    HRW_CONFIG_SECONDS,     //  int64_t microseconds, written in seconds
    HRW_CONFIG_DOUBLE,      //  double in [min, max]
    HRW_CONFIG_LEVEL,       //  hrw_log_level_t by name
    HRW_CONFIG_GONE         //  No longer used: accepted so older files load, ignored
} hrw_config_type_t;

/*  Whether a SIGHUP may change a setting in a running daemon. */
typedef enum {
    HRW_CONFIG_RESTART,     //  Read once, at start: a reload keeps the running value
    HRW_CONFIG_RELOAD       //  A reload applies the file's value
} hrw_config_when_t;

/*  One row of the settings table: everything known about a setting. */
typedef struct {
    const char *section;        //  [section]
    const char *key;            //  key = value
    hrw_config_type_t type;     //  How it is written and kept
    size_t offset;              //  Where it lives in hrw_config_t
    double min, max;            //  Range, written units (for a string: the buffer size)
    const char *value;          //  Default, as written in the file
    hrw_config_when_t when;     //  Whether a reload applies it
} hrw_config_setting_t;

/*  Returns the table's row i, or NULL past the last: every setting, in the
    order of the packaged file. */
const hrw_config_setting_t *hrw_config_setting (size_t i);

/*  Fills cfg with the defaults: every setting from its row of the table,
    and what no setting names (engine.replay) zero. */
void hrw_config_defaults (hrw_config_t *cfg);

/*  Sets one setting from its written value. Returns 0, -1 when the section
    and key name no setting, or -2 when the value is bad for it (out of its
    range, not a whole number where one is needed, too long, or not a
    level's name). */
int hrw_config_set (hrw_config_t *cfg, const char *section, const char *key, const char *value);

/*  Reads path (at most HRW_CONFIG_FILE_MAX bytes) over cfg. Returns 0, or
    -1 with the file, line and problem in err: an unknown section or key is
    an error, not ignored. */
int hrw_config_load (hrw_config_t *cfg, const char *path, char *err, size_t err_cap);

/*  The same for a file's text already in memory; name is for messages. */
int hrw_config_parse (hrw_config_t *cfg, const char *text, const char *name, char *err,
                      size_t err_cap);

/*  Called for a setting a reload may not change, with the running value as
    written in the file. */
typedef void (hrw_config_kept_fn) (void *arg, const hrw_config_setting_t *setting,
                                   const char *running);

/*  What a reload applies: next, read from the file, takes back the running
    value of every HRW_CONFIG_RESTART setting, calling kept (when not NULL)
    for each whose value next would have changed. Settings that no row
    names (engine.replay) are left as next has them. */
void hrw_config_reload (const hrw_config_t *running, hrw_config_t *next,
                        hrw_config_kept_fn *kept, void *arg);

/*  Writes the effective settings in the file's own format. */
void hrw_config_print (const hrw_config_t *cfg, FILE *out);

#endif
