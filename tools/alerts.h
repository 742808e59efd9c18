/*  alerts: `hrwatch alerts`, `hrwatch subscribe` and `hrwatch advance`. */
#ifndef HRW_TOOLS_ALERTS_H
#define HRW_TOOLS_ALERTS_H

#define HRW_DEFAULT_ALERTS "tcp://127.0.0.1:7412"

/*  Each runs its subcommand (argv[0] is its name) and returns the exit
    status. */
int hrw_cli_alerts_main (int argc, char **argv);
int hrw_cli_subscribe_main (int argc, char **argv);
int hrw_cli_advance_main (int argc, char **argv);
int hrw_cli_silence_main (int argc, char **argv);

#endif
