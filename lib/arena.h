/*  arena: a bump allocator reset between ingest groups, so decoding a batch
    costs no malloc per event once the arena has grown to its working size. */
#ifndef HRW_ARENA_H
#define HRW_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "google/protobuf/timestamp.pb-c.h"

typedef struct hrw_arena hrw_arena_t;

/*  Returns a new arena whose first block holds block_size bytes, or NULL. */
hrw_arena_t *hrw_arena_new (size_t block_size);

/*  Frees the arena and everything allocated from it; sets *self_p to NULL. */
void hrw_arena_destroy (hrw_arena_t **self_p);

/*  Returns size bytes aligned for any type, or NULL when memory runs out.
    Valid until the next hrw_arena_reset. */
void *hrw_arena_alloc (hrw_arena_t *self, size_t size);

/*  Forgets every allocation but keeps the largest block for reuse. */
void hrw_arena_reset (hrw_arena_t *self);

/*  A protobuf-c allocator that draws from this arena (free is a no-op). */
ProtobufCAllocator *hrw_arena_allocator (hrw_arena_t *self);

/*  A copy of s in the arena, or NULL. */
char *hrw_arena_strdup (hrw_arena_t *self, const char *s);

/*  A google.protobuf.Timestamp for us microseconds since the epoch, or NULL
    (also for HRW_TIME_NONE, INT64_MIN). */
Google__Protobuf__Timestamp *hrw_arena_timestamp (hrw_arena_t *self, int64_t us);

/*  Appends item to a growing array of pointers kept in the arena. Returns
    0, or -1 when out of memory. */
int hrw_arena_push (hrw_arena_t *self, void ***items, size_t *n, size_t *cap, void *item);

#endif
