/*  Writes a seed corpus for a fuzz target: EventBatch frames made from
    hrwatch-gen's JSON lines (on standard input), a few events to a frame,
    and some hand-made edge cases; or, with --control, one ControlRequest a
    line of JSON, each behind the role byte fuzz_control reads (odd: admin). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrwatch/v1/control.pb-c.h"
#include "hrwatch/v1/events.pb-c.h"
#include "proto/pbjson.h"
#include "lib/buf.h"

static void
s_write (const char *dir, int n, const hrw_buf_t *b)
{
    char path[1024];
    snprintf (path, sizeof (path), "%s/seed-%04d", dir, n);
    FILE *f = fopen (path, "wb");
    if (!f || fwrite (b->data, 1, b->len, f) != b->len)
        exit (1);
    fclose (f);
}

static int
s_control (const char *dir)
{
    hrw_buf_t req = { 0 };
    char line[8192], err[256];
    int seeds = 0;
    while (fgets (line, sizeof (line), stdin)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        json_t *j = json_loads (line, 0, NULL);
        hrw_buf_clear (&req);
        hrw_buf_append (&req, "\x01", 1);
        if (!j || hrw_pbjson_encode (&hrwatch__v1__control_request__descriptor, j, &req, err,
                                     sizeof (err))) {
            fprintf (stderr, "not a ControlRequest: %s: %s", err, line);
            return 1;
        }
        json_decref (j);
        s_write (dir, seeds++, &req);
    }
    hrw_buf_free (&req);
    printf ("%d seeds written to %s\n", seeds, dir);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc == 3 && !strcmp (argv[1], "--control"))
        return s_control (argv[2]);
    if (argc != 2)
        return 64;
    hrw_buf_t frame = { 0 }, ev = { 0 };
    char line[8192], err[256];
    int seeds = 0, in_frame = 0;
    while (fgets (line, sizeof (line), stdin)) {
        json_t *j = json_loads (line, 0, NULL);
        hrw_buf_clear (&ev);
        if (!j || hrw_pbjson_encode (&hrwatch__v1__event__descriptor, j, &ev, err, sizeof (err)))
            return 1;
        json_decref (j);
        uint8_t head[6] = { 2 << 3 | 2 };
        size_t h = 1, len = ev.len;
        do {
            head[h++] = (uint8_t) ((len & 0x7f) | (len >= 0x80? 0x80: 0));
            len >>= 7;
        } while (len);
        hrw_buf_append (&frame, head, h);
        hrw_buf_append (&frame, ev.data, ev.len);
        if (++in_frame == 3) {
            s_write (argv[1], seeds++, &frame);
            hrw_buf_clear (&frame);
            in_frame = 0;
        }
    }
    //  Edges: empty, a batch id alone, a truncated length, an unknown field.
    static const struct { const char *bytes; size_t n; } edges[] = {
        { "", 0 }, { "\x0a\x02id", 4 }, { "\x12\x7f\x0a", 3 }, { "\xf8\x07\x01", 3 },
        { "\x12\x00", 2 }, { "\x12\x02\x0a\x00", 4 },
    };
    for (size_t i = 0; i < sizeof (edges) / sizeof (edges[0]); i++) {
        hrw_buf_clear (&frame);
        hrw_buf_append (&frame, edges[i].bytes, edges[i].n);
        s_write (argv[1], seeds++, &frame);
    }
    hrw_buf_free (&frame);
    hrw_buf_free (&ev);
    printf ("%d seeds written to %s\n", seeds, argv[1]);
    return 0;
}
