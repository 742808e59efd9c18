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

/*  Fills cfg with the defaults. */
void hrw_config_defaults (hrw_config_t *cfg);

/*  Reads path (at most HRW_CONFIG_FILE_MAX bytes) over cfg. Returns 0, or
    -1 with the file, line and problem in err: an unknown section or key is
    an error, not ignored. */
int hrw_config_load (hrw_config_t *cfg, const char *path, char *err, size_t err_cap);

/*  The same for a file's text already in memory; name is for messages. */
int hrw_config_parse (hrw_config_t *cfg, const char *text, const char *name, char *err,
                      size_t err_cap);

/*  Writes the effective settings in the file's own format. */
void hrw_config_print (const hrw_config_t *cfg, FILE *out);

#endif
