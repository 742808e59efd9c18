/*  query: answers ControlRequest frames: status, rejected events, alerts,
    and moving the event-time clock. Runs between ingest groups. */
#ifndef HRW_QUERY_H
#define HRW_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "workers/buf.h"
#include "workers/engine.h"
#include "workers/store.h"

#define HRW_QUERY_REJECTED_MAX 1000  //  Most rejected events in one answer
#define HRW_QUERY_ALERTS_MAX 10000   //  Most alerts in one answer

/*  Decodes the request, answers it, and appends the packed ControlResponse
    to out. A request that does not decode gets a response with error set.
    Returns 0, or -1 when out of memory. */
int hrw_query_handle (hrw_store_t *store, hrw_engine_t *engine, const uint8_t *req, size_t len,
                      hrw_buf_t *out);

#endif
