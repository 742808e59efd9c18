/*  csv: a bounded reader of comma-separated exports (RFC 4180 and what
    spreadsheet programs write): a UTF-8 byte-order mark, quoted fields with
    commas, line breaks and doubled quotes, CRLF or LF line ends. */
#ifndef HRW_CSV_H
#define HRW_CSV_H

#include <stddef.h>
#include <stdio.h>

#define HRW_CSV_RECORD_MAX 65536    //  Bytes in one record, all fields
#define HRW_CSV_FIELDS_MAX 512      //  Fields in one record

typedef struct _hrw_csv_t hrw_csv_t;

/*  A reader of in, which stays the caller's. Returns NULL when out of
    memory. */
hrw_csv_t *hrw_csv_new (FILE *in);

/*  Frees the reader and sets *self_p to NULL. */
void hrw_csv_destroy (hrw_csv_t **self_p);

/*  Reads the next record, skipping blank lines. Returns 1 when there is
    one, 0 at the end of the input, -1 when the record cannot be read
    (hrw_csv_error says why, hrw_csv_line where it starts); reading goes on
    with the next line after an error, except after an unterminated quote,
    which takes the rest of the input. */
int hrw_csv_next (hrw_csv_t *self);

/*  The fields of the record last read, and how many there are. A field
    stays valid until the next hrw_csv_next. */
size_t hrw_csv_count (const hrw_csv_t *self);
const char *hrw_csv_field (const hrw_csv_t *self, size_t index);

/*  The line the record last read (or failed) starts on, from 1. */
size_t hrw_csv_line (const hrw_csv_t *self);

/*  Why the last hrw_csv_next returned -1. */
const char *hrw_csv_error (const hrw_csv_t *self);

#endif
