//  lib/num: decimal numbers only.
#include "lib/num.h"

#include <errno.h>
#include <math.h>
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
