/*  keys: the byte encodings of store keys (see keys.h). */
#include "lib/keys.h"

#include <string.h>

void
hrw_key_put_u64 (uint8_t *buf, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        buf[i] = (uint8_t) v;
}

uint64_t
hrw_key_get_u64 (const uint8_t *buf)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | buf[i];
    return v;
}

void
hrw_key_put_time (uint8_t *buf, int64_t t)
{
    hrw_key_put_u64 (buf, (uint64_t) t ^ (1ULL << 63));
}

int64_t
hrw_key_get_time (const uint8_t *buf)
{
    return (int64_t) (hrw_key_get_u64 (buf) ^ (1ULL << 63));
}

size_t
hrw_key_pair (char *buf, size_t cap, const char *a, const char *b)
{
    //  On the path of every survey answer and nomination: no printf here.
    size_t la = strlen (a), lb = strlen (b);
    if (la + 1 + lb > cap)
        lb = la + 1 < cap? cap - la - 1: 0;
    if (la + 1 > cap)
        la = cap - 1;
    memcpy (buf, a, la);
    buf[la] = '\0';
    memcpy (buf + la + 1, b, lb);
    return la + 1 + lb;
}
