/*  import_csv: `hrwatch import-csv`, an HRIS export in CSV turned into
    events by comparing it with the export imported before. */
#ifndef HRW_IMPORT_CSV_H
#define HRW_IMPORT_CSV_H

#define HRW_IMPORT_DATAERR 65   //  Exit status when rows cannot be read (EX_DATAERR)
#define HRW_IMPORT_NOINPUT 66  //  Exit status when FILE or MAP cannot be opened (EX_NOINPUT)
#define HRW_IMPORT_IOERR 74     //  Exit status when the state cannot be written (EX_IOERR)

/*  Runs the subcommand (argv[0] is "import-csv"). Returns the exit status:
    0 every event acknowledged (accepted or duplicate) and the state
    written, 1 something rejected, 2 something left unacknowledged, 64 bad
    usage or mapping, 65 rows that cannot be read or none (nothing
    published), 66 the export or mapping cannot be opened, 74 the state
    cannot be read or written. */
int hrw_cli_import_csv_main (int argc, char **argv);

#endif
