//  lib/num: decimal numbers only.
#include "lib/num.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const char *
s_digits (const char *p, int *n)
{
    for (*n = 0; *p >= '0' && *p <= '9'; p++)
        (*n)++;
    return p;
}

int
hrw_num_decimal (const char *text, double *out, const char **end)
{
    const char *p = text;
    int whole, frac = 0, exp;
    if (*p == '+' || *p == '-')
        p++;
    p = s_digits (p, &whole);
    if (*p == '.')
        p = s_digits (p + 1, &frac);
    if (whole + frac == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        q = s_digits (q, &exp);
        if (exp)
            p = q;
    }
    //  The text up to p is plain decimal, so strtod reads exactly that.
    char *stop;
    errno = 0;
    double v = strtod (text, &stop);
    if (errno || stop != p || !isfinite (v))
        return -1;
    *out = v;
    *end = p;
    return 0;
}

const char *
hrw_num_format (double v, char *buf, size_t cap)
{
    //  2^64 is UINT64_MAX rounded: a range's top given as (double) UINT64_MAX.
    if (v >= 18446744073709551615.0 && v <= 18446744073709551616.0)
        snprintf (buf, cap, "%" PRIu64, UINT64_MAX);
    else if (v == floor (v) && fabs (v) < 9007199254740992.0)   //  2^53: exact
        snprintf (buf, cap, "%.0f", v);
    else
        snprintf (buf, cap, "%.15g", v);
    return buf;
}
