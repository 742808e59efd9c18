/*  A fuzz target for the whole ingest path: an arbitrary frame is scanned as
    an EventBatch, each event decoded, validated, checked for duplicates and
    applied to a real LMDB store in a temp dir, detectors and alerts
    included, then committed. Nothing a client sends may crash it or break
    the store: after each input the store must still answer a digest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workers/clock.h"
#include "workers/engine.h"
#include "workers/ingest.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct {
    char dir[64];
    hrw_store_t *store;
    hrw_engine_t *engine;
    hrw_ingest_t *ingest;
    unsigned runs;
} s_target_t;

//  One store for the whole run, as a fuzzer's target keeps its state; it is
//  made afresh now and then so it stays small.
static s_target_t s_target;

static void
s_close (void)
{
    hrw_ingest_destroy (&s_target.ingest);
    hrw_engine_destroy (&s_target.engine);
    hrw_store_destroy (&s_target.store);
    if (*s_target.dir) {
        char cmd[128];
        snprintf (cmd, sizeof (cmd), "rm -rf '%s'", s_target.dir);
        if (system (cmd)) {
            //  A leftover temp dir is not worth stopping a fuzz run for.
        }
    }
}

static void
s_open (void)
{
    snprintf (s_target.dir, sizeof (s_target.dir), "/tmp/hrwatch-fuzz-XXXXXX");
    if (!mkdtemp (s_target.dir))
        abort ();
    //  No fsync: durability is not what is fuzzed, and it is ten times faster.
    hrw_store_opts_t so = { .path = s_target.dir, .map_size = 1 << 20,
                            .max_map_size = 256u << 20, .rejected_keep = 100, .no_sync = 1 };
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = 1;
    hrw_limits_t lim;
    hrw_limits_default (&lim);
    lim.max_frame_bytes = 1 << 20;
    if (hrw_store_open (&so, &s_target.store))
        abort ();
    s_target.engine = hrw_engine_new (s_target.store, &eo);
    s_target.ingest = s_target.engine? hrw_ingest_new (s_target.engine, s_target.store, &lim): NULL;
    if (!s_target.ingest)
        abort ();
    atexit (s_close);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_target.store)
        s_open ();
    if (++s_target.runs % 5000 == 0) {
        s_close ();
        s_open ();
    }
    hrw_frame_t frame = { data, size, 1, NULL, 0, 0, 0, 0 };
    //  A fixed clock, so that an input replays the same way.
    int rc = hrw_ingest_run (s_target.ingest, &frame, 1, 1767225600LL * HRW_US_PER_SEC);
    if (rc == 0 && !frame.ack)
        abort ();           //  Every committed frame is answered
    char digest[17];
    if (hrw_store_digest (s_target.store, digest))
        abort ();
    return 0;
}
