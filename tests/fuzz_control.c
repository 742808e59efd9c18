/*  A fuzz target for the control socket: an arbitrary frame is decoded as a
    ControlRequest, checked and answered against a real store with a small
    history in it, as a reader (first byte even) or an admin (odd). Whatever
    comes in, the answer decodes and the store still answers a digest. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrwatch/v1/control.pb-c.h"
#include "proto/pbjson.h"
#include "fuzz_store.h"
#include "lib/clock.h"
#include "workers/query.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_NOW (1767225600LL * HRW_US_PER_SEC)

static hrw_fuzz_store_t s_target;
static hrw_buf_t s_out;
static char s_backups[96];
static unsigned s_runs;

//  A unit, a critical position with a successor, a survey cycle: enough
//  for every query to find something.
static const char *s_events[] = {
    "{\"eventId\":\"h-1\",\"occurredAt\":\"2025-01-01T00:00:00Z\",\"source\":\"f\","
    "\"orgUnitDefined\":{\"unitId\":\"ops\",\"name\":\"Operations\"}}",
    "{\"eventId\":\"h-2\",\"occurredAt\":\"2025-01-02T00:00:00Z\",\"source\":\"f\","
    "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\"}}",
    "{\"eventId\":\"h-3\",\"occurredAt\":\"2025-01-03T00:00:00Z\",\"source\":\"f\","
    "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"critical\":true}}",
    "{\"eventId\":\"h-4\",\"occurredAt\":\"2025-01-04T00:00:00Z\",\"source\":\"f\","
    "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-2\","
    "\"readiness\":\"READINESS_READY_NOW\"}}",
    "{\"eventId\":\"h-5\",\"occurredAt\":\"2025-01-05T00:00:00Z\",\"source\":\"f\","
    "\"surveyResponse\":{\"surveyCycleId\":\"2025-Q1\",\"unitId\":\"ops\","
    "\"engagement\":4}}",
};

static void
s_history (void)
{
    hrw_buf_t frame = { 0 }, ev = { 0 };
    char err[256];
    for (size_t i = 0; i < sizeof (s_events) / sizeof (s_events[0]); i++) {
        json_t *j = json_loads (s_events[i], 0, NULL);
        hrw_buf_clear (&ev);
        if (!j || hrw_pbjson_encode (&hrwatch__v1__event__descriptor, j, &ev, err, sizeof (err)))
            abort ();
        json_decref (j);
        uint8_t head[2] = { 2 << 3 | 2, (uint8_t) ev.len };     //  Each under 128 bytes
        if (ev.len >= 128)
            abort ();
        hrw_buf_append (&frame, head, 2);
        hrw_buf_append (&frame, ev.data, ev.len);
    }
    hrw_frame_t f = { frame.data, frame.len, 1, NULL, 0, 0, 0, 0 };
    if (hrw_ingest_run (s_target.ingest, &f, 1, S_NOW) || f.rejected)
        abort ();
    hrw_buf_free (&frame);
    hrw_buf_free (&ev);
}

static void
s_close (void)
{
    hrw_fuzz_store_close (&s_target);
    hrw_buf_free (&s_out);
}

static void
s_open (void)
{
    hrw_fuzz_store_open (&s_target, "state", 1 << 20);
    snprintf (s_backups, sizeof (s_backups), "%s/backups", s_target.dir);
    s_history ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_target.store) {
        s_open ();
        atexit (s_close);
    }
    //  Afresh now and then: backups and silences pile up.
    if (++s_runs % 2000 == 0) {
        s_close ();
        s_open ();
    }
    if (size == 0)
        return 0;
    char audit[600];
    hrw_query_env_t env = { s_target.store, s_target.engine, s_backups,
                            366LL * 86400 * HRW_US_PER_SEC, audit, sizeof (audit) };
    hrw_query_role_t role = data[0] & 1? HRW_QUERY_ADMIN: HRW_QUERY_READER;
    hrw_buf_clear (&s_out);
    if (hrw_query_handle (&env, role, data + 1, size - 1, &s_out))
        abort ();
    Hrwatch__V1__ControlResponse *resp
        = hrwatch__v1__control_response__unpack (NULL, s_out.len, s_out.data);
    if (!resp)
        abort ();           //  Every answer decodes
    if (*resp->error && resp->code == HRWATCH__V1__CONTROL_ERROR__CONTROL_ERROR_NONE)
        abort ();           //  Every error has a code
    hrwatch__v1__control_response__free_unpacked (resp, NULL);
    char digest[17];
    if (hrw_store_digest (s_target.store, digest))
        abort ();
    return 0;
}
