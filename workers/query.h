/*  query: answers ControlRequest frames: status, rejected events, alerts,
    reports, silences, backups and moving the event-time clock. Runs between
    ingest groups. Everything in a request is checked here, where it enters,
    as ingest checks events. */
#ifndef HRW_QUERY_H
#define HRW_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "hrwatch/v1/control.pb-c.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "workers/engine.h"
#include "workers/store.h"

#define HRW_QUERY_REJECTED_MAX 1000  //  Most rejected events in one answer
#define HRW_QUERY_ALERTS_MAX 10000   //  Most alerts in one answer

#define HRW_QUERY_REPORT_MONTHS_DEFAULT 24   //  Months of history in a report
#define HRW_QUERY_REPORT_MONTHS_MAX 120      //  ... at most
#define HRW_QUERY_REPORT_UNITS_MAX 200       //  Units in one report
#define HRW_QUERY_REPORT_POSITIONS_MAX 300   //  Critical positions in one report
#define HRW_QUERY_REPORT_ALERTS_MAX 500      //  Firing alerts in one report
#define HRW_QUERY_REPORT_CYCLES_MAX 24       //  Closed survey cycles in one report

#define HRW_QUERY_SILENCE_MAX_DAYS 366  //  Longest silence
#define HRW_QUERY_PREFIX_MAX 255        //  Longest alert topic prefix
#define HRW_QUERY_COMMENT_MAX 256       //  Longest silence comment

/*  What a request may reach, set by the daemon. */
typedef struct {
    hrw_store_t *store;
    hrw_engine_t *engine;
    const char *backup_dir;     //  Where backups go; "" turns them off
    int64_t max_future_us;      //  How far advance may lead the wall clock
    char *audit;                //  Out: what an administration request changed, for
    size_t audit_cap;           //  the log ("" when nothing); NULL: not wanted
} hrw_query_env_t;

/*  Who is asking: a reader may query; an admin may also change things
    (advance, silence add and remove, backup). */
typedef enum { HRW_QUERY_READER, HRW_QUERY_ADMIN } hrw_query_role_t;

/*  Decodes the request, checks every field that came in and the caller's
    role, answers it, and appends the packed ControlResponse to out. A
    request that does not decode or is not valid gets a response with error
    and code set. Returns 0, or -1 when out of memory. */
int hrw_query_handle (const hrw_query_env_t *env, hrw_query_role_t role, const uint8_t *req,
                      size_t len, hrw_buf_t *out);

/*  Answers a ReportRequest (query_report.c) into resp, in one read scope:
    the response, or its error and code. Returns 0, or -1 when out of
    memory. */
int hrw_query_report (const hrw_query_env_t *env, const Hrwatch__V1__ReportRequest *req,
                      hrw_arena_t *arena, Hrwatch__V1__ControlResponse *resp);

#endif
