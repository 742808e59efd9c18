/*  validate: the rules an event must meet before it is applied. Each rule
    has a reason code from the wire contract and a message naming the field
    and the value that broke it. */
#ifndef HRW_VALIDATE_H
#define HRW_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "hrwatch/v1/events.pb-c.h"

typedef struct {
    uint32_t max_frame_bytes;    //  Largest EventBatch frame
    uint32_t max_batch_events;   //  Most events in one batch
    uint32_t max_event_bytes;    //  Largest encoded Event
    int64_t max_future_us;       //  How far recorded_at may lead the wall clock
    uint32_t max_future_days;    //  How far occurred_at may (a scheduled change)
} hrw_limits_t;

/*  Sensible limits for a daemon with default settings. */
void hrw_limits_default (hrw_limits_t *lim);

/*  Checks one decoded event whose encoding was encoded_len bytes. Returns
    HRWATCH__V1__REASON__REASON_NONE when it may be applied; otherwise the
    reason, with a one-line explanation written to msg and the offending
    field's path ("hire.unit_id", or "event" for the whole) to field. */
Hrwatch__V1__Reason hrw_validate_event (const Hrwatch__V1__Event *ev, size_t encoded_len,
                                        const hrw_limits_t *lim, int64_t now_us,
                                        char *msg, size_t msg_cap, char *field,
                                        size_t field_cap);

/*  1 when s is a valid entity id: 1 to 64 bytes of [A-Za-z0-9._:@-]. */
int hrw_validate_id (const char *s);

/*  1 when s is well-formed UTF-8 (no overlong forms, no surrogates). */
int hrw_validate_utf8 (const char *s);

/*  The reason's name as in the .proto, e.g. "REASON_OUT_OF_RANGE". */
const char *hrw_reason_name (int reason);

#endif
