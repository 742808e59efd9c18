/*  fuzz_store: a store for fuzz targets. */
#include "fuzz_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
hrw_fuzz_store_open (hrw_fuzz_store_t *self, const char *state_dir, uint32_t max_frame_bytes)
{
    memset (self, 0, sizeof (*self));
    snprintf (self->dir, sizeof (self->dir), "/tmp/hrwatch-fuzz-XXXXXX");
    if (!mkdtemp (self->dir))
        abort ();
    char path[128];
    snprintf (path, sizeof (path), "%s/%s", self->dir, state_dir);
    hrw_store_opts_t so = { .path = path, .map_size = 1 << 20, .max_map_size = 256u << 20,
                            .rejected_keep = 100, .no_sync = 1 };
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = 1;
    hrw_limits_t lim;
    hrw_limits_default (&lim);
    lim.max_frame_bytes = max_frame_bytes;
    if (hrw_store_open (&so, &self->store))
        abort ();
    self->engine = hrw_engine_new (self->store, &eo);
    self->ingest = self->engine? hrw_ingest_new (self->engine, self->store, &lim): NULL;
    if (!self->ingest)
        abort ();
}

void
hrw_fuzz_store_close (hrw_fuzz_store_t *self)
{
    hrw_ingest_destroy (&self->ingest);
    hrw_engine_destroy (&self->engine);
    hrw_store_destroy (&self->store);
    if (*self->dir) {
        char cmd[128];
        snprintf (cmd, sizeof (cmd), "rm -rf '%s'", self->dir);
        if (system (cmd)) {
            //  A leftover temp dir is not worth stopping a fuzz run for.
        }
        *self->dir = '\0';
    }
}
