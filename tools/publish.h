/*  publish: `hrwatch publish`, JSON lines in, acknowledged batches out. */
#ifndef HRW_PUBLISH_H
#define HRW_PUBLISH_H

/*  Runs the subcommand (argv[0] is "publish"). Returns the exit status:
    0 all acknowledged and none rejected, 1 something rejected or invalid,
    2 something left unacknowledged, 64 bad usage. */
int hrw_cli_publish_main (int argc, char **argv);

#endif
