/*  import_map: what `hrwatch import-csv` reads: its mapping file, the rows
    of an export (the mapped columns only) and the snapshot kept of the
    export imported before. */
#ifndef HRW_IMPORT_MAP_H
#define HRW_IMPORT_MAP_H

#include <stddef.h>
#include <stdio.h>

#define HRW_IMPORT_ID_MAX 64        //  Entity ids: 1 to 64 bytes
#define HRW_IMPORT_SOURCE_MAX 24    //  Source names, so event ids stay under 128 bytes
#define HRW_IMPORT_CYCLE_MAX 24     //  Survey cycle ids, for the same reason
#define HRW_IMPORT_EVENT_ID_MAX 128
#define HRW_IMPORT_KIND_VALUES 8    //  Values meaning voluntary (or involuntary)
#define HRW_IMPORT_MAX_ROWS 1000000 //  Rows of one export
#define HRW_IMPORT_FUTURE_DAYS 366  //  Default of max_future_days, as hrwatchd's
#define HRW_IMPORT_FUTURE_DAYS_MAX 3660 //  ... and the most hrwatchd can be set to

//  The columns a mapping may name.
typedef enum {
    HRW_COL_EMPLOYEE,
    HRW_COL_UNIT,
    HRW_COL_POSITION,
    HRW_COL_MANAGER,
    HRW_COL_HIRE,
    HRW_COL_TERMINATION,
    HRW_COL_KIND,
    HRW_COL_SURVEY,
    HRW_COL_COUNT
} hrw_import_col_t;

typedef enum {
    HRW_DATE_AUTO,          //  m/d/Y or Y-m-d, told apart per value
    HRW_DATE_MDY,           //  m/d/Y, with or without zero padding
    HRW_DATE_YMD            //  Y-m-d
} hrw_import_datefmt_t;

typedef struct {
    char source[HRW_IMPORT_SOURCE_MAX + 1];     //  Source name, in events and their ids
    char *column[HRW_COL_COUNT];                //  Header of each mapped column, or NULL
    char *voluntary[HRW_IMPORT_KIND_VALUES];    //  Kind values meaning a voluntary exit
    size_t n_voluntary;
    char *involuntary[HRW_IMPORT_KIND_VALUES];  //  ... an involuntary one
    size_t n_involuntary;
    char survey_cycle[HRW_IMPORT_CYCLE_MAX + 1];    //  Cycle the survey scores belong to
    hrw_import_datefmt_t date_format;
    int max_future_days;    //  Dates at most this many days ahead (the daemon's limit)
} hrw_import_map_t;

//  One employee as an export shows them (or as the snapshot kept them).
typedef struct {
    char emp[HRW_IMPORT_ID_MAX + 1];        //  Employee id
    char unit[HRW_IMPORT_ID_MAX + 1];       //  Unit id (from the unit's name)
    char pos[HRW_IMPORT_ID_MAX + 1];        //  Position id, or ""
    char mgr[HRW_IMPORT_ID_MAX + 1];        //  Manager's employee id, or ""
    char hire[11];                          //  Hire date, YYYY-MM-DD
    char term[11];                          //  Termination date, or ""
    char kind;                              //  'v' voluntary, 'i' involuntary, 0 none
    int score;                              //  Survey score 1 to 5, 0 none
    size_t line;                            //  Line of the export it is on
    char hire_id[HRW_IMPORT_EVENT_ID_MAX + 1];  //  Event that hired them
    char exit_id[HRW_IMPORT_EVENT_ID_MAX + 1];  //  Event of their exit in force, or ""
} hrw_import_row_t;

//  A unit, its id and the name it was derived from.
typedef struct {
    char id[HRW_IMPORT_ID_MAX + 1];
    char name[129];                         //  The export's name, trimmed
    char first_hire[11];                    //  Earliest hire date of its rows
} hrw_import_unit_t;

//  What an export (or a snapshot) holds.
typedef struct {
    hrw_import_row_t *rows;                 //  In the export's order
    size_t n_rows, cap_rows;
    hrw_import_unit_t *units;               //  In order of first appearance
    size_t n_units, cap_units;
    char **cycles;                          //  Survey cycles already sent (snapshot)
    size_t n_cycles;
    size_t n_errors;                        //  Rows that could not be read
} hrw_import_data_t;

/*  Reads the mapping file at path into map. Returns 0, -1 after printing
    what is wrong, with its line, on stderr, or -2 when the file cannot be
    opened (said on stderr). Free with hrw_import_map_free. */
int hrw_import_map_load (const char *path, hrw_import_map_t *map);
void hrw_import_map_free (hrw_import_map_t *map);

/*  Reads the export in (named path in messages) by map into data. Rows
    that cannot be read are reported on stderr with their line and counted
    in data->n_errors; so is a date after latest (YYYY-MM-DD), which the
    daemon would refuse. Returns 0, or -1 when the file cannot be read at
    all (no header, a mapped column missing or named twice, out of
    memory), said on stderr. */
int hrw_import_read (FILE *in, const char *path, const hrw_import_map_t *map,
                     const char *latest, hrw_import_data_t *data);

/*  Reads the snapshot at path. Returns 1 when there is none (a first
    import), 0 when read, -1 after saying why it cannot be used. */
int hrw_import_state_load (const char *path, const char *source, hrw_import_data_t *data);

/*  Writes data as the snapshot at path, atomically. Returns 0, or -1 after
    saying why. */
int hrw_import_state_save (const char *path, const char *source, const hrw_import_data_t *data);

/*  The row of data for employee emp, or NULL; data's rows must have been
    sorted with hrw_import_sort. */
hrw_import_row_t *hrw_import_find (const hrw_import_data_t *data, const char *emp);
void hrw_import_sort (hrw_import_data_t *data);

/*  Appends a copy of row (of unit, of cycle) to data. Returns 0, or -1
    when out of memory. */
int hrw_import_add_row (hrw_import_data_t *data, const hrw_import_row_t *row);
int hrw_import_add_unit (hrw_import_data_t *data, const hrw_import_unit_t *unit);
int hrw_import_add_cycle (hrw_import_data_t *data, const char *cycle);

/*  The unit of data with id, or NULL. */
hrw_import_unit_t *hrw_import_unit (const hrw_import_data_t *data, const char *id);

/*  Frees what data holds and zeroes it. */
void hrw_import_data_free (hrw_import_data_t *data);

/*  Writes the id of a unit or position name into out (room for
    HRW_IMPORT_ID_MAX + 1): ASCII letters lower-cased, digits and ._:@-
    kept, each run of spaces and slashes one '-', other bytes dropped, no
    '-' at either end, at most 64 bytes. Returns 0, or -1 when nothing is
    left. */
int hrw_import_slug (const char *name, char *out);

#endif
