/*  ingest: turns a group of EventBatch frames into one committed write
    transaction and one Ack per frame (group commit). Knows nothing of
    sockets: the server hands it frames and sends back what it returns. */
#ifndef HRW_INGEST_H
#define HRW_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "workers/engine.h"
#include "workers/store.h"
#include "workers/validate.h"

#define HRW_REASONS 16      //  Room for Hrwatch__V1__Reason values

typedef struct hrw_ingest hrw_ingest_t;

typedef struct {
    const uint8_t *data;    //  In: the EventBatch frame as received
    size_t len;             //  In: its length
    int want_ack;           //  In: 0 for fire-and-forget frames
    const uint8_t *ack;     //  Out: the packed Ack, valid until the next run
    size_t ack_len;         //  Out: its length
    uint32_t accepted;      //  Out: events applied
    uint32_t duplicate;     //  Out: events seen before
    uint32_t rejected;      //  Out: events (or 1 for a whole frame) refused
} hrw_frame_t;

typedef struct {
    uint64_t frames;        //  Frames processed
    uint64_t accepted;      //  Events applied
    uint64_t duplicate;     //  Events recognised as re-sent
    uint64_t rejected;      //  Events and frames rejected
    uint64_t commits;       //  Write transactions committed
    uint64_t map_grows;     //  Times a full map was grown and a group redone
    uint64_t failures;      //  Groups answered UNAVAILABLE
    uint64_t by_reason[HRW_REASONS];    //  Rejections by Hrwatch__V1__Reason
} hrw_ingest_stats_t;

/*  Returns a new ingest feeding engine (over store) with the given limits,
    or NULL. */
hrw_ingest_t *hrw_ingest_new (hrw_engine_t *engine, hrw_store_t *store,
                              const hrw_limits_t *limits);

/*  Destroys it; sets *self_p to NULL. */
void hrw_ingest_destroy (hrw_ingest_t **self_p);

/*  Replaces the limits (for a config reload between groups). */
void hrw_ingest_set_limits (hrw_ingest_t *self, const hrw_limits_t *limits);

/*  Validates and accepts every frame in one transaction, lets the clock
    move (applying and detecting), grows the map and redoes the group when
    it fills, and commits. Fills each frame's out
    fields. Returns 0 when committed; otherwise the store's error code, and
    every frame's Ack says BATCH_STATUS_UNAVAILABLE (nothing was applied). */
int hrw_ingest_run (hrw_ingest_t *self, hrw_frame_t *frames, size_t n, int64_t now_us);

/*  Packs the Ack refusing a frame without looking at its events (status
    UNAVAILABLE, the given reason and message, its batch id when readable),
    for frames turned away before a group. Valid until the next call or
    run. Sets *ack_len; returns NULL when out of memory. */
const uint8_t *hrw_ingest_refuse (hrw_ingest_t *self, const uint8_t *data, size_t len, int reason,
                                  const char *message, size_t *ack_len);

/*  Totals since hrw_ingest_new. */
void hrw_ingest_stats (hrw_ingest_t *self, hrw_ingest_stats_t *out);

#endif
