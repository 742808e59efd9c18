/*  lib/num: numbers as people write them in files and on command lines. */
#ifndef HRW_NUM_H
#define HRW_NUM_H

/*  Reads a decimal number from the start of text: an optional sign, digits
    with at most one point, and an optional exponent ("12", "-0.5", "1e-5").
    strtod alone would also take leading spaces, hexadecimal ("0x10"),
    "inf" and "nan"; none of those is a number here. Sets *out and *end
    (the first character after it) and returns 0, or returns -1 when text
    does not start with such a number or it does not fit a double. */
int hrw_num_decimal (const char *text, double *out, const char **end);

#endif
