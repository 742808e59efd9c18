/*  csv: reads one record at a time into a fixed buffer; every field
    ends in a NUL, and a record over the bounds is an error, never cut. */
#include "tools/csv.h"

#include <stdlib.h>
#include <string.h>

struct _hrw_csv_t {
    FILE *in;                   //  The input, the caller's
    size_t line;                //  Line of the next byte, from 1
    size_t rec_line;            //  Line the current record starts on
    int started;                //  The byte-order mark was looked for
    char buf[HRW_CSV_RECORD_MAX + HRW_CSV_FIELDS_MAX + 1];  //  Fields, each NUL-ended
    size_t len;                 //  Bytes of buf in use
    size_t offsets[HRW_CSV_FIELDS_MAX];                 //  Where each field starts
    size_t n_fields;            //  Fields in the record
    char error[160];            //  Why the last record failed
};

hrw_csv_t *
hrw_csv_new (FILE *in)
{
    hrw_csv_t *self = calloc (1, sizeof (*self));
    if (self) {
        self->in = in;
        self->line = 1;
    }
    return self;
}

void
hrw_csv_destroy (hrw_csv_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

//  The next byte, with a CR LF or a lone CR read as one LF.
static int
s_getc (hrw_csv_t *self)
{
    int c = getc (self->in);
    if (c == '\r') {
        int d = getc (self->in);
        if (d != '\n' && d != EOF)
            ungetc (d, self->in);
        c = '\n';
    }
    if (c == '\n')
        self->line++;
    return c;
}

//  Skips to the end of the current line, after an error.
static void
s_skip_line (hrw_csv_t *self)
{
    int c;
    do
        c = s_getc (self);
    while (c != '\n' && c != EOF);
}

static int
s_fail (hrw_csv_t *self, int skip, const char *what)
{
    snprintf (self->error, sizeof (self->error), "%s", what);
    if (skip)
        s_skip_line (self);
    return -1;
}

static int
s_put (hrw_csv_t *self, int c)
{
    if (self->len >= HRW_CSV_RECORD_MAX + self->n_fields)
        return -1;
    self->buf[self->len++] = (char) c;
    return 0;
}

//  Ends the current field and starts another.
static int
s_end_field (hrw_csv_t *self)
{
    self->buf[self->len++] = '\0';
    if (self->n_fields == HRW_CSV_FIELDS_MAX)
        return -1;
    self->offsets[self->n_fields++] = self->len;
    return 0;
}

int
hrw_csv_next (hrw_csv_t *self)
{
    if (!self->started) {
        self->started = 1;
        unsigned char bom[3];
        size_t n = fread (bom, 1, 3, self->in);
        if (!(n == 3 && bom[0] == 0xef && bom[1] == 0xbb && bom[2] == 0xbf))
            while (n > 0)
                ungetc (bom[--n], self->in);
    }
    for (;;) {
        self->rec_line = self->line;
        self->len = 0;
        self->n_fields = 1;
        self->offsets[0] = 0;
        int c = s_getc (self);
        if (c == EOF)
            return 0;
        if (c == '\n')
            continue;   //  A blank line
        int quoted = 0, closed = 0;
        size_t quote_line = 0;
        for (;; c = s_getc (self)) {
            if (c == '\0')
                return s_fail (self, 1, "a NUL byte");
            if (quoted) {
                if (c == EOF) {
                    snprintf (self->error, sizeof (self->error),
                              "a quote opened on line %zu is never closed", quote_line);
                    return -1;
                }
                if (c == '"') {
                    int d = s_getc (self);
                    if (d == '"') {
                        if (s_put (self, '"'))
                            return s_fail (self, 1, "record longer than 65536 bytes");
                        continue;
                    }
                    quoted = 0;
                    closed = 1;
                    c = d;
                }
                else {
                    if (s_put (self, c))
                        return s_fail (self, 1, "record longer than 65536 bytes");
                    continue;
                }
            }
            if (c == EOF || c == '\n') {
                self->buf[self->len] = '\0';
                return 1;
            }
            if (c == ',') {
                if (s_end_field (self))
                    return s_fail (self, 1, "more than 512 fields");
                closed = 0;
                continue;
            }
            if (closed) {
                if (c == ' ' || c == '\t')
                    continue;   //  Spaces after a closing quote
                return s_fail (self, 1, "text after a closing quote (a quote inside a "
                               "quoted field is written twice)");
            }
            if (c == '"' && self->len == self->offsets[self->n_fields - 1]) {
                quoted = 1;
                quote_line = self->line;
                continue;
            }
            if (s_put (self, c))
                return s_fail (self, 1, "record longer than 65536 bytes");
        }
    }
}

size_t
hrw_csv_count (const hrw_csv_t *self)
{
    return self->n_fields;
}

const char *
hrw_csv_field (const hrw_csv_t *self, size_t index)
{
    return index < self->n_fields? self->buf + self->offsets[index]: "";
}

size_t
hrw_csv_line (const hrw_csv_t *self)
{
    return self->rec_line;
}

const char *
hrw_csv_error (const hrw_csv_t *self)
{
    return self->error;
}
