/*  publish: `hrwatch publish`, JSON lines in, acknowledged batches out. */
#ifndef HRW_PUBLISH_H
#define HRW_PUBLISH_H

#include <jansson.h>

/*  Runs the subcommand (argv[0] is "publish"). Returns the exit status:
    0 all acknowledged and none rejected, 1 something rejected or invalid,
    2 something left unacknowledged, 64 bad usage. */
int hrw_cli_publish_main (int argc, char **argv);

/*  The same for another command: quiet, and its summary (as --json prints
    it) handed over in *summary (the caller's to release; NULL when none was
    made) instead of printed. */
int hrw_cli_publish_json (int argc, char **argv, json_t **summary);

#endif
