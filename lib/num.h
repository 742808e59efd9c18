/*  lib/num: numbers as people write them in files and on command lines. */
#ifndef HRW_NUM_H
#define HRW_NUM_H

#include <stddef.h>

/*  Reads a decimal number from the start of text: an optional sign, digits
    with at most one point, and an optional exponent ("12", "-0.5", "1e-5").
    strtod alone would also take leading spaces, hexadecimal ("0x10"),
    "inf" and "nan"; none of those is a number here. Sets *out and *end
    (the first character after it) and returns 0, or returns -1 when text
    does not start with such a number or it does not fit a double. */
int hrw_num_decimal (const char *text, double *out, const char **end);

/*  Writes v into buf as people read it: a whole number in full ("86400",
    "18446744073709551615" for 2^64, the top of a 64-bit counter as a
    double), anything else with up to 15 significant digits ("0.001").
    Returns buf. */
const char *hrw_num_format (double v, char *buf, size_t cap);

#endif
