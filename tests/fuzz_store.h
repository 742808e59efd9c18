/*  fuzz_store: the real store, engine and ingest a fuzz target works on, in
    a temp dir, made afresh now and then so it stays small. */
#ifndef HRW_FUZZ_STORE_H
#define HRW_FUZZ_STORE_H

#include "workers/engine.h"
#include "workers/ingest.h"

typedef struct {
    char dir[64];           //  The temp dir; the store is in it
    hrw_store_t *store;
    hrw_engine_t *engine;
    hrw_ingest_t *ingest;
} hrw_fuzz_store_t;

/*  Opens a fresh store (no fsync: durability is not what is fuzzed) under
    state_dir inside a new temp dir, with a replaying engine and ingest at
    max_frame_bytes. Aborts on failure. */
void hrw_fuzz_store_open (hrw_fuzz_store_t *self, const char *state_dir,
                          uint32_t max_frame_bytes);

/*  Closes it and removes the temp dir. */
void hrw_fuzz_store_close (hrw_fuzz_store_t *self);

#endif
