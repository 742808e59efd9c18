/*  clock: event times as microseconds since the Unix epoch (UTC), and their
    RFC 3339 text form. */
#ifndef HRW_CLOCK_H
#define HRW_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define HRW_TIME_NONE INT64_MIN   //  "no time known"
#define HRW_US_PER_SEC 1000000LL

/*  The wall clock now. */
int64_t hrw_clock_now_us (void);

/*  Converts seconds and nanoseconds to microseconds (nanos truncated). */
int64_t hrw_clock_from_parts (int64_t seconds, int32_t nanos);

/*  Writes t as "2024-03-01T09:00:00Z" (fraction only when not whole
    seconds). Returns out, or "-" for HRW_TIME_NONE. */
char *hrw_clock_format (int64_t t, char *out, size_t cap);

/*  Parses RFC 3339 ("2024-03-01T09:00:00Z", "...T09:00:00.5+01:00", or a
    plain date "2024-03-01" meaning midnight UTC) into seconds and nanos.
    Returns 0, or -1 when the text is not such a time. */
int hrw_clock_parse (const char *text, int64_t *seconds, int32_t *nanos);

#endif
