/*  import_map: the mapping file, the export's rows and the snapshot of the
    export imported before. Only mapped columns are read; every other one
    (names among them) is skipped unread. */
#include "tools/import_map.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/csv.h"
#include "workers/validate.h"

#define S_STATE_MAGIC "hrwatch-import-csv\t1"
#define S_ERRORS_SHOWN 50       //  Row errors printed; the rest are counted

// ---------------------------------------------------------------------------
// Text helpers

//  Trims spaces and tabs at both ends, in place.
static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int
hrw_import_slug (const char *name, char *out)
{
    size_t n = 0;
    int dash = 0;
    for (const unsigned char *p = (const unsigned char *) name; *p && n < HRW_IMPORT_ID_MAX; p++) {
        int c = *p;
        if (c == ' ' || c == '/' || c == '\t') {
            dash = n > 0;
            continue;
        }
        if (!(isascii (c) && (isalnum (c) || strchr ("._:@-", c))))
            continue;
        if (c == '-' && n == 0)
            continue;   //  An id never starts with '-', whatever the name does
        if (dash && n + 1 == HRW_IMPORT_ID_MAX)
            break;      //  No room after the '-': the cut falls between words
        if (dash)
            out[n++] = '-';
        dash = 0;
        out[n++] = (char) tolower (c);
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    return n? 0: -1;
}

static int
s_days_in (int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap? 29: days[m - 1];
}

//  Reads a whole number of 1 to max_digits digits at *p; -1 if none.
static int
s_number (const char **p, int max_digits)
{
    int v = 0, n = 0;
    while (isdigit ((unsigned char) **p) && n < max_digits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n? v: -1;
}

//  Parses text as a date in format into out (YYYY-MM-DD). Returns 0 or -1.
static int
s_date (const char *text, hrw_import_datefmt_t format, char *out)
{
    const char *p = text;
    int y, m, d;
    if (format == HRW_DATE_AUTO)
        format = strchr (text, '/')? HRW_DATE_MDY: HRW_DATE_YMD;
    if (format == HRW_DATE_MDY) {
        m = s_number (&p, 2);
        if (*p++ != '/')
            return -1;
        d = s_number (&p, 2);
        if (*p++ != '/')
            return -1;
        const char *ys = p;
        y = s_number (&p, 4);
        if (p - ys != 4)
            return -1;  //  Two-digit years are not guessed at
    }
    else {
        const char *ys = p;
        y = s_number (&p, 4);
        if (p - ys != 4 || *p++ != '-')
            return -1;
        m = s_number (&p, 2);
        if (*p++ != '-')
            return -1;
        d = s_number (&p, 2);
    }
    if (*p || y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > s_days_in (y, m))
        return -1;
    char day[32];
    snprintf (day, sizeof (day), "%04d-%02d-%02d", y, m, d);
    memcpy (out, day, 11);
    return 0;
}

// ---------------------------------------------------------------------------
// The mapping file

//  Every key of the mapping file; the columns first, in hrw_import_col_t order.
static const struct {
    const char *key;        //  As written in the file
    int required;           //  The file must set it
} s_keys[] = {
    { "employee_id", 1 }, { "unit", 1 }, { "position", 0 }, { "manager", 0 },
    { "hire_date", 1 }, { "termination_date", 0 }, { "termination_kind", 0 },
    { "survey_score", 0 },
    { "source", 1 }, { "date_format", 0 }, { "voluntary", 0 }, { "involuntary", 0 },
    { "survey_cycle", 0 }, { "max_future_days", 0 }
};
#define S_N_KEYS (sizeof (s_keys) / sizeof (s_keys[0]))

static int
s_map_set (hrw_import_map_t *map, size_t key, const char *value, char *why, size_t why_cap)
{
    const char *name = s_keys[key].key;
    if (key < HRW_COL_COUNT) {
        if (map->column[key]) {
            snprintf (why, why_cap, "%s is set twice", name);
            return -1;
        }
        return (map->column[key] = strdup (value))? 0: -1;
    }
    if (!strcmp (name, "source")) {
        size_t n = strlen (value);
        char copy[HRW_IMPORT_ID_MAX + 1];
        if (n > HRW_IMPORT_SOURCE_MAX || hrw_import_slug (value, copy) || strcmp (copy, value)) {
            snprintf (why, why_cap, "source must be 1 to %d bytes of [a-z0-9._:@-]",
                      HRW_IMPORT_SOURCE_MAX);
            return -1;
        }
        strcpy (map->source, value);
    }
    else if (!strcmp (name, "date_format")) {
        if (!strcmp (value, "auto"))
            map->date_format = HRW_DATE_AUTO;
        else if (!strcmp (value, "m/d/Y"))
            map->date_format = HRW_DATE_MDY;
        else if (!strcmp (value, "Y-m-d"))
            map->date_format = HRW_DATE_YMD;
        else {
            snprintf (why, why_cap, "date_format is auto, m/d/Y or Y-m-d");
            return -1;
        }
    }
    else if (!strcmp (name, "max_future_days")) {
        char *end;
        errno = 0;
        long days = strtol (value, &end, 10);
        if (*end || errno || days < 0 || days > HRW_IMPORT_FUTURE_DAYS_MAX) {
            snprintf (why, why_cap, "max_future_days is a whole number from 0 to %d",
                      HRW_IMPORT_FUTURE_DAYS_MAX);
            return -1;
        }
        map->max_future_days = (int) days;
    }
    else if (!strcmp (name, "survey_cycle")) {
        if (strlen (value) > HRW_IMPORT_CYCLE_MAX || !hrw_validate_id (value)) {
            snprintf (why, why_cap, "survey_cycle must be 1 to %d bytes of [A-Za-z0-9._:@-]",
                      HRW_IMPORT_CYCLE_MAX);
            return -1;
        }
        strcpy (map->survey_cycle, value);
    }
    else {
        int vol = !strcmp (name, "voluntary");
        char **list = vol? map->voluntary: map->involuntary;
        size_t *n = vol? &map->n_voluntary: &map->n_involuntary;
        if (*n == HRW_IMPORT_KIND_VALUES) {
            snprintf (why, why_cap, "at most %d %s values", HRW_IMPORT_KIND_VALUES, name);
            return -1;
        }
        if (!(list[*n] = strdup (value)))
            return -1;
        (*n)++;
    }
    return 0;
}

//  What the keys say together, once all are read.
static int
s_map_check (const hrw_import_map_t *map, char *why, size_t why_cap)
{
    for (size_t k = 0; k < S_N_KEYS; k++)
        if (s_keys[k].required && k < HRW_COL_COUNT && !map->column[k]) {
            snprintf (why, why_cap, "%s is required", s_keys[k].key);
            return -1;
        }
    if (!*map->source)
        snprintf (why, why_cap, "source is required");
    else if (map->column[HRW_COL_TERMINATION] && !map->column[HRW_COL_KIND])
        snprintf (why, why_cap, "termination_date needs termination_kind");
    else if (map->column[HRW_COL_KIND] && !(map->n_voluntary && map->n_involuntary))
        snprintf (why, why_cap, "termination_kind needs voluntary and involuntary values");
    else if (map->column[HRW_COL_SURVEY] && !*map->survey_cycle)
        snprintf (why, why_cap, "survey_score needs survey_cycle");
    else
        return 0;
    return -1;
}

int
hrw_import_map_load (const char *path, hrw_import_map_t *map)
{
    memset (map, 0, sizeof (*map));
    map->max_future_days = HRW_IMPORT_FUTURE_DAYS;
    FILE *f = fopen (path, "r");
    struct stat st;
    if (f && fstat (fileno (f), &st) == 0 && S_ISDIR (st.st_mode)) {
        fclose (f);
        f = NULL;
        errno = EISDIR;
    }
    if (!f) {
        fprintf (stderr, "hrwatch: cannot read mapping %s: %s\n", path, strerror (errno));
        return -2;
    }
    char *line = NULL, why[160] = "";
    size_t line_cap = 0, line_no = 0;
    int seen[S_N_KEYS] = { 0 };
    int rc = 0;
    ssize_t got;
    while (!rc && (got = getline (&line, &line_cap, f)) >= 0) {
        line_no++;
        if (got > 1022) {
            snprintf (why, sizeof (why), "line longer than 1022 bytes");
            rc = -1;
            break;
        }
        //  A NUL would end the line early and leave the rest unread.
        if (strlen (line) != (size_t) got) {
            snprintf (why, sizeof (why), "a NUL byte in the line");
            rc = -1;
            break;
        }
        char *s = line;
        if (line_no == 1 && !strncmp (s, "\xef\xbb\xbf", 3))
            s += 3;     //  The byte-order mark some editors write
        s = s_trim (s);
        if (!*s || *s == '#' || *s == ';' || *s == '[')
            continue;   //  Blank, a comment, or an INI section header
        char *eq = strchr (s, '=');
        if (!eq) {
            snprintf (why, sizeof (why), "expected key = value");
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = s_trim (s), *value = s_trim (eq + 1);
        size_t n = strlen (value);
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
            value[n - 1] = '\0';    //  Quotes keep spaces at the ends
            value++;
        }
        size_t k = 0;
        while (k < S_N_KEYS && strcmp (s_keys[k].key, key))
            k++;
        if (k == S_N_KEYS) {
            snprintf (why, sizeof (why), "unknown key '%s'", key);
            rc = -1;
        }
        else if (!*value) {
            snprintf (why, sizeof (why), "%s has no value", key);
            rc = -1;
        }
        //  The second would silently win: say so instead. Only the kind
        //  values are lists.
        else if (seen[k]++ && strcmp (key, "voluntary") && strcmp (key, "involuntary")) {
            snprintf (why, sizeof (why), "%s is set twice", key);
            rc = -1;
        }
        else if (s_map_set (map, k, value, why, sizeof (why)))
            rc = -1;
    }
    if (!rc && ferror (f)) {
        snprintf (why, sizeof (why), "%s", strerror (errno));
        rc = -1;
    }
    free (line);
    fclose (f);
    if (rc) {
        fprintf (stderr, "hrwatch: %s:%zu: %s\n", path, line_no, *why? why: "out of memory");
        hrw_import_map_free (map);
        return -1;
    }
    if (s_map_check (map, why, sizeof (why))) {
        fprintf (stderr, "hrwatch: %s: %s\n", path, why);
        hrw_import_map_free (map);
        return -1;
    }
    return 0;
}

void
hrw_import_map_free (hrw_import_map_t *map)
{
    for (int c = 0; c < HRW_COL_COUNT; c++)
        free (map->column[c]);
    for (size_t i = 0; i < map->n_voluntary; i++)
        free (map->voluntary[i]);
    for (size_t i = 0; i < map->n_involuntary; i++)
        free (map->involuntary[i]);
    memset (map, 0, sizeof (*map));
}

// ---------------------------------------------------------------------------
// Data sets

int
hrw_import_add_row (hrw_import_data_t *data, const hrw_import_row_t *row)
{
    if (data->n_rows == data->cap_rows) {
        size_t cap = data->cap_rows? data->cap_rows * 2: 256;
        hrw_import_row_t *r = realloc (data->rows, cap * sizeof (*r));
        if (!r)
            return -1;
        data->rows = r;
        data->cap_rows = cap;
    }
    data->rows[data->n_rows++] = *row;
    return 0;
}

int
hrw_import_add_unit (hrw_import_data_t *data, const hrw_import_unit_t *unit)
{
    if (data->n_units == data->cap_units) {
        size_t cap = data->cap_units? data->cap_units * 2: 16;
        hrw_import_unit_t *u = realloc (data->units, cap * sizeof (*u));
        if (!u)
            return -1;
        data->units = u;
        data->cap_units = cap;
    }
    data->units[data->n_units++] = *unit;
    return 0;
}

int
hrw_import_add_cycle (hrw_import_data_t *data, const char *cycle)
{
    char **c = realloc (data->cycles, (data->n_cycles + 1) * sizeof (*c));
    if (!c)
        return -1;
    data->cycles = c;
    if (!(c[data->n_cycles] = strdup (cycle)))
        return -1;
    data->n_cycles++;
    return 0;
}

hrw_import_unit_t *
hrw_import_unit (const hrw_import_data_t *data, const char *id)
{
    for (size_t i = 0; i < data->n_units; i++)
        if (!strcmp (data->units[i].id, id))
            return &data->units[i];
    return NULL;
}

static int
s_row_cmp (const void *a, const void *b)
{
    return strcmp (((const hrw_import_row_t *) a)->emp, ((const hrw_import_row_t *) b)->emp);
}

void
hrw_import_sort (hrw_import_data_t *data)
{
    if (data->n_rows)
        qsort (data->rows, data->n_rows, sizeof (*data->rows), s_row_cmp);
}

hrw_import_row_t *
hrw_import_find (const hrw_import_data_t *data, const char *emp)
{
    hrw_import_row_t key;
    snprintf (key.emp, sizeof (key.emp), "%s", emp);
    return data->n_rows? bsearch (&key, data->rows, data->n_rows, sizeof (key), s_row_cmp)
                       : NULL;
}

void
hrw_import_data_free (hrw_import_data_t *data)
{
    free (data->rows);
    free (data->units);
    for (size_t i = 0; i < data->n_cycles; i++)
        free (data->cycles[i]);
    free (data->cycles);
    memset (data, 0, sizeof (*data));
}

// ---------------------------------------------------------------------------
// The export

static void __attribute__ ((format (printf, 4, 5)))
s_row_error (hrw_import_data_t *data, const char *path, size_t line, const char *fmt, ...)
{
    if (data->n_errors++ < S_ERRORS_SHOWN) {
        va_list args;
        va_start (args, fmt);
        fprintf (stderr, "%s:%zu: ", path, line);
        vfprintf (stderr, fmt, args);
        fprintf (stderr, "\n");
        va_end (args);
    }
    else if (data->n_errors == S_ERRORS_SHOWN + 1)
        fprintf (stderr, "%s: (further rows that cannot be read are counted, not shown)\n", path);
}

//  Drops every U+FEFF (a byte-order mark pasted inside a value) from s, in
//  place: invisible, it would make two names that look the same differ.
static void
s_drop_bom (char *s)
{
    char *w = s;
    for (const char *r = s; *r; ) {
        if (!strncmp (r, "\xef\xbb\xbf", 3)) {
            r += 3;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

//  A mapped value that must be an id: trimmed, then as it is.
static int
s_id (const char *value, char *out)
{
    if (strlen (value) > HRW_IMPORT_ID_MAX || !hrw_validate_id (value))
        return -1;
    strcpy (out, value);
    return 0;
}

static int
s_kind (const hrw_import_map_t *map, const char *value)
{
    for (size_t i = 0; i < map->n_voluntary; i++)
        if (!strcasecmp (map->voluntary[i], value))
            return 'v';
    for (size_t i = 0; i < map->n_involuntary; i++)
        if (!strcasecmp (map->involuntary[i], value))
            return 'i';
    return 0;
}

//  Reads the mapped fields of the current record into row. Returns 0, or
//  -1 after reporting the first problem.
static int
s_read_row (hrw_csv_t *csv, const char *path, const hrw_import_map_t *map, const size_t *index,
            const char *latest, hrw_import_data_t *data, hrw_import_row_t *row, char *unit_name)
{
    char value[HRW_COL_COUNT][256];
    size_t line = hrw_csv_line (csv);
    memset (row, 0, sizeof (*row));
    row->line = line;
    if (hrw_csv_count (csv) <= index[HRW_COL_COUNT]) {
        char n[32];
        snprintf (n, sizeof (n), "%zu", hrw_csv_count (csv));
        s_row_error (data, path, line, "%s fields, fewer than the header's mapped columns", n);
        return -1;
    }
    for (int c = 0; c < HRW_COL_COUNT; c++) {
        value[c][0] = '\0';
        if (!map->column[c])
            continue;
        const char *f = hrw_csv_field (csv, index[c]);
        if (strlen (f) >= sizeof (value[c])) {
            s_row_error (data, path, line, "%s: longer than 255 bytes", map->column[c]);
            return -1;
        }
        strcpy (value[c], f);
        s_drop_bom (value[c]);
        memmove (value[c], s_trim (value[c]), strlen (s_trim (value[c])) + 1);
    }
    if (s_id (value[HRW_COL_EMPLOYEE], row->emp)) {
        s_row_error (data, path, line, "%s: not an id (1 to 64 bytes of [A-Za-z0-9._:@-])",
                     map->column[HRW_COL_EMPLOYEE]);
        return -1;
    }
    if (!hrw_validate_utf8 (value[HRW_COL_UNIT]) || strlen (value[HRW_COL_UNIT]) > 128
        || hrw_import_slug (value[HRW_COL_UNIT], row->unit)) {
        s_row_error (data, path, line, "%s: no unit id can be made of it (empty, or not UTF-8 "
                     "text of at most 128 bytes)", map->column[HRW_COL_UNIT]);
        return -1;
    }
    strcpy (unit_name, value[HRW_COL_UNIT]);
    if (*value[HRW_COL_POSITION] && hrw_import_slug (value[HRW_COL_POSITION], row->pos)) {
        s_row_error (data, path, line, "%s: no position id can be made of it",
                     map->column[HRW_COL_POSITION]);
        return -1;
    }
    if (*value[HRW_COL_MANAGER] && s_id (value[HRW_COL_MANAGER], row->mgr)) {
        s_row_error (data, path, line, "%s: not an id (1 to 64 bytes of [A-Za-z0-9._:@-])",
                     map->column[HRW_COL_MANAGER]);
        return -1;
    }
    if (!strcmp (row->mgr, row->emp))
        row->mgr[0] = '\0';     //  Top of the tree: their own manager
    if (s_date (value[HRW_COL_HIRE], map->date_format, row->hire)) {
        s_row_error (data, path, line, "%s: not a date (m/d/Y or Y-m-d)",
                     map->column[HRW_COL_HIRE]);
        return -1;
    }
    if (*value[HRW_COL_TERMINATION]) {
        if (s_date (value[HRW_COL_TERMINATION], map->date_format, row->term)) {
            s_row_error (data, path, line, "%s: not a date (m/d/Y or Y-m-d)",
                         map->column[HRW_COL_TERMINATION]);
            return -1;
        }
        if (!(row->kind = (char) s_kind (map, value[HRW_COL_KIND]))) {
            s_row_error (data, path, line, "%s: a termination date, and a kind that is none "
                         "of the mapping's voluntary or involuntary values",
                         map->column[HRW_COL_KIND]);
            return -1;
        }
        if (strcmp (row->term, row->hire) < 0) {
            s_row_error (data, path, line, "%s: before the hire date",
                         map->column[HRW_COL_TERMINATION]);
            return -1;
        }
    }
    //  The daemon refuses an event dated further ahead than its limit; a
    //  date it would refuse is a row error here, before anything is sent.
    const char *ahead = latest && strcmp (row->hire, latest) > 0? map->column[HRW_COL_HIRE]
                      : latest && *row->term && strcmp (row->term, latest) > 0
                      ? map->column[HRW_COL_TERMINATION]: NULL;
    if (ahead) {
        s_row_error (data, path, line, "%s: after %s, more than %d days ahead (max_future_days)",
                     ahead, latest, map->max_future_days);
        return -1;
    }
    if (*value[HRW_COL_SURVEY]) {
        char *end;
        double s = strtod (value[HRW_COL_SURVEY], &end);
        if (*end || !(s >= 1 && s <= 5)) {
            s_row_error (data, path, line, "%s: not a score from 1 to 5",
                         map->column[HRW_COL_SURVEY]);
            return -1;
        }
        row->score = (int) (s + 0.5);
    }
    return 0;
}

//  Finds each mapped column in the header; index[HRW_COL_COUNT] is the
//  highest of them.
static int
s_header (hrw_csv_t *csv, const char *path, const hrw_import_map_t *map, size_t *index)
{
    int rc = hrw_csv_next (csv);
    if (rc <= 0) {
        fprintf (stderr, "hrwatch: %s:%zu: %s\n", path, rc? hrw_csv_line (csv): 1,
                 rc? hrw_csv_error (csv): "empty, no header");
        return -1;
    }
    index[HRW_COL_COUNT] = 0;
    for (int c = 0; c < HRW_COL_COUNT; c++) {
        if (!map->column[c])
            continue;
        //  Header names are compared with the spaces at their ends trimmed.
        //  A mapped name twice would leave which column is meant to chance.
        size_t i = hrw_csv_count (csv), n_found = 0;
        for (size_t j = 0; j < hrw_csv_count (csv); j++) {
            char name[256];
            snprintf (name, sizeof (name), "%s", hrw_csv_field (csv, j));
            s_drop_bom (name);
            if (!strcmp (s_trim (name), map->column[c]) && !n_found++)
                i = j;
        }
        if (!n_found) {
            fprintf (stderr, "hrwatch: %s:%zu: no column '%s' in the header\n", path,
                     hrw_csv_line (csv), map->column[c]);
            return -1;
        }
        if (n_found > 1) {
            fprintf (stderr, "hrwatch: %s:%zu: the header names column '%s' %zu times\n", path,
                     hrw_csv_line (csv), map->column[c], n_found);
            return -1;
        }
        index[c] = i;
        if (i > index[HRW_COL_COUNT])
            index[HRW_COL_COUNT] = i;
    }
    return 0;
}

//  Adds the row's unit to data, or notes an earlier hire date for it.
static int
s_note_unit (hrw_import_data_t *data, const hrw_import_row_t *row, const char *name)
{
    hrw_import_unit_t *u = hrw_import_unit (data, row->unit);
    if (u) {
        if (strcmp (row->hire, u->first_hire) < 0)
            strcpy (u->first_hire, row->hire);
        return 0;
    }
    hrw_import_unit_t nu;
    memset (&nu, 0, sizeof (nu));
    strcpy (nu.id, row->unit);
    snprintf (nu.name, sizeof (nu.name), "%.*s", (int) sizeof (nu.name) - 1, name);
    strcpy (nu.first_hire, row->hire);
    return hrw_import_add_unit (data, &nu);
}

int
hrw_import_read (FILE *in, const char *path, const hrw_import_map_t *map, const char *latest,
                 hrw_import_data_t *data)
{
    memset (data, 0, sizeof (*data));
    hrw_csv_t *csv = hrw_csv_new (in);
    size_t index[HRW_COL_COUNT + 1] = { 0 };
    if (!csv || s_header (csv, path, map, index)) {
        hrw_csv_destroy (&csv);
        return -1;
    }
    int rc;
    while ((rc = hrw_csv_next (csv)) != 0) {
        if (rc < 0) {
            s_row_error (data, path, hrw_csv_line (csv), "%s", hrw_csv_error (csv));
            continue;
        }
        hrw_import_row_t row;
        char unit_name[256];
        if (s_read_row (csv, path, map, index, latest, data, &row, unit_name))
            continue;
        if (data->n_rows == HRW_IMPORT_MAX_ROWS) {
            s_row_error (data, path, row.line, "%s", "more rows than an import takes (1000000)");
            break;
        }
        if (hrw_import_add_row (data, &row) || s_note_unit (data, &row, unit_name)) {
            fprintf (stderr, "hrwatch: out of memory\n");
            hrw_csv_destroy (&csv);
            return -1;
        }
    }
    hrw_csv_destroy (&csv);
    //  The same employee twice: the export is not a snapshot.
    hrw_import_row_t *sorted = data->n_rows? malloc (data->n_rows * sizeof (*sorted)): NULL;
    if (data->n_rows && !sorted) {
        fprintf (stderr, "hrwatch: out of memory\n");
        return -1;
    }
    if (sorted) {
        memcpy (sorted, data->rows, data->n_rows * sizeof (*sorted));
        qsort (sorted, data->n_rows, sizeof (*sorted), s_row_cmp);
        for (size_t i = 1; i < data->n_rows; i++)
            if (!strcmp (sorted[i].emp, sorted[i - 1].emp)) {
                char what[128];
                snprintf (what, sizeof (what), "employee %s is also on line %zu", sorted[i].emp,
                          sorted[i - 1].line < sorted[i].line? sorted[i - 1].line: sorted[i].line);
                s_row_error (data, path, sorted[i - 1].line < sorted[i].line? sorted[i].line
                                                                             : sorted[i - 1].line,
                             "%s", what);
            }
        free (sorted);
    }
    return 0;
}

// ---------------------------------------------------------------------------
// The snapshot: tab-separated lines of ids and dates, nothing else

//  Splits line at tabs into at most max fields; returns how many.
static size_t
s_split (char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *s = line;
    while (n < max) {
        fields[n++] = s;
        char *tab = strchr (s, '\t');
        if (!tab)
            break;
        *tab = '\0';
        s = tab + 1;
    }
    return n;
}

static int
s_copy (char *out, size_t cap, const char *in)
{
    if (strlen (in) >= cap)
        return -1;
    strcpy (out, in);
    return 0;
}

//  One "row" line of the snapshot into row.
static int
s_state_row (char **f, hrw_import_row_t *row)
{
    memset (row, 0, sizeof (*row));
    if (s_copy (row->emp, sizeof (row->emp), f[1]) || s_copy (row->unit, sizeof (row->unit), f[2])
        || s_copy (row->pos, sizeof (row->pos), f[3]) || s_copy (row->mgr, sizeof (row->mgr), f[4])
        || s_copy (row->hire, sizeof (row->hire), f[5])
        || s_copy (row->term, sizeof (row->term), f[6])
        || s_copy (row->hire_id, sizeof (row->hire_id), f[8])
        || s_copy (row->exit_id, sizeof (row->exit_id), f[9]))
        return -1;
    if (!strcmp (f[7], "v") || !strcmp (f[7], "i"))
        row->kind = f[7][0];
    else if (*f[7])
        return -1;
    return *row->emp && *row->unit && *row->hire? 0: -1;
}

int
hrw_import_state_load (const char *path, const char *source, hrw_import_data_t *data)
{
    memset (data, 0, sizeof (*data));
    //  A symbolic link at the state path is refused, here as when writing.
    int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd < 0? NULL: fdopen (fd, "r");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        fprintf (stderr, "hrwatch: cannot read state %s: %s\n", path,
                 errno == ELOOP? "a symbolic link, not a file": strerror (errno));
        if (fd >= 0)
            close (fd);
        return -1;
    }
    char line[1024];
    size_t line_no = 0;
    int rc = 0;
    while (!rc && fgets (line, sizeof (line), f)) {
        line_no++;
        size_t n = strlen (line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (line_no == 1) {
            rc = strcmp (line, S_STATE_MAGIC)? -1: 0;
            continue;
        }
        char *field[11];
        size_t nf = s_split (line, field, 11);
        if (nf == 2 && !strcmp (field[0], "source")) {
            if (strcmp (field[1], source)) {
                fprintf (stderr, "hrwatch: state %s is of source '%s', the mapping says '%s'\n",
                         path, field[1], source);
                fclose (f);
                hrw_import_data_free (data);
                return -1;
            }
        }
        else if (nf == 3 && !strcmp (field[0], "unit")) {
            hrw_import_unit_t u;
            memset (&u, 0, sizeof (u));
            rc = s_copy (u.id, sizeof (u.id), field[1]) || s_copy (u.first_hire, 11, field[2])
                 || hrw_import_add_unit (data, &u)? -1: 0;
        }
        else if (nf == 2 && !strcmp (field[0], "cycle"))
            rc = hrw_import_add_cycle (data, field[1]);
        else if (nf == 10 && !strcmp (field[0], "row")) {
            hrw_import_row_t row;
            rc = s_state_row (field, &row) || hrw_import_add_row (data, &row)? -1: 0;
        }
        else
            rc = -1;
    }
    int bad = rc || ferror (f) || line_no == 0;
    fclose (f);
    if (bad) {
        fprintf (stderr, "hrwatch: state %s: line %zu is not what import-csv writes; move it "
                 "away to import this export as a first one\n", path, line_no);
        hrw_import_data_free (data);
        return -1;
    }
    hrw_import_sort (data);
    return 0;
}

int
hrw_import_state_save (const char *path, const char *source, const hrw_import_data_t *data)
{
    char tmp[4096];
    struct stat st;
    //  rename would replace a link with the file; someone who can put a
    //  link there should not be able to choose what gets overwritten, nor
    //  have it silently undone.
    if (lstat (path, &st) == 0 && !S_ISREG (st.st_mode)) {
        fprintf (stderr, "hrwatch: cannot write state %s: %s\n", path,
                 S_ISLNK (st.st_mode)? "a symbolic link, not a file": "not a regular file");
        return -1;
    }
    if (snprintf (tmp, sizeof (tmp), "%s.tmp.%ld", path, (long) getpid ())
        >= (int) sizeof (tmp)) {
        fprintf (stderr, "hrwatch: state path too long: %s\n", path);
        return -1;
    }
    //  A new file of our own in the same directory (so rename is atomic):
    //  never one that is there already, nor one a link points at.
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd < 0? NULL: fdopen (fd, "w");
    if (!f) {
        fprintf (stderr, "hrwatch: cannot write state %s: %s\n", tmp, strerror (errno));
        if (fd >= 0) {
            close (fd);
            unlink (tmp);
        }
        return -1;
    }
    fprintf (f, "%s\nsource\t%s\n", S_STATE_MAGIC, source);
    for (size_t i = 0; i < data->n_units; i++)
        fprintf (f, "unit\t%s\t%s\n", data->units[i].id, data->units[i].first_hire);
    for (size_t i = 0; i < data->n_cycles; i++)
        fprintf (f, "cycle\t%s\n", data->cycles[i]);
    for (size_t i = 0; i < data->n_rows; i++) {
        const hrw_import_row_t *r = &data->rows[i];
        fprintf (f, "row\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->emp, r->unit, r->pos, r->mgr,
                 r->hire, r->term, r->kind == 'v'? "v": r->kind == 'i'? "i": "", r->hire_id,
                 r->exit_id);
    }
    int bad = fflush (f) || fsync (fileno (f));
    bad |= fclose (f);
    if (bad || rename (tmp, path)) {
        fprintf (stderr, "hrwatch: cannot write state %s: %s\n", path, strerror (errno));
        unlink (tmp);
        return -1;
    }
    return 0;
}
