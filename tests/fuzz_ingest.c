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

#include "fuzz_store.h"
#include "lib/clock.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  One store for the whole run, as a fuzzer's target keeps its state.
static hrw_fuzz_store_t s_target;
static unsigned s_runs;

static void
s_close (void)
{
    hrw_fuzz_store_close (&s_target);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_target.store) {
        hrw_fuzz_store_open (&s_target, "state", 1 << 20);
        atexit (s_close);
    }
    if (++s_runs % 5000 == 0) {      //  Afresh now and then, to stay small
        s_close ();
        hrw_fuzz_store_open (&s_target, "state", 1 << 20);
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
