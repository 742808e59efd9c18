/*  keys: the byte encodings of store keys, one copy of each. LMDB orders
    keys by their bytes, so numbers are written big-endian (and signed times
    with their sign bit flipped) to make byte order numeric order. These are
    the bytes on disk: changing one is changing the store's format. */
#ifndef HRW_KEYS_H
#define HRW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define HRW_KEY_U64_LEN 8       //  Bytes of a u64 or time key

/*  A sequence number (rejected events, the alert log, silences), big-endian,
    into buf[0..7]. */
void hrw_key_put_u64 (uint8_t *buf, uint64_t v);

/*  The sequence number written by hrw_key_put_u64 at buf. */
uint64_t hrw_key_get_u64 (const uint8_t *buf);

/*  An event time (µs, signed) into buf[0..7]: its sign bit flipped, then
    big-endian, so that earlier times sort first, negative ones included. */
void hrw_key_put_time (uint8_t *buf, int64_t t);

/*  The time written by hrw_key_put_time at buf. */
int64_t hrw_key_get_time (const uint8_t *buf);

/*  The composite key "a\0b" into buf of cap bytes (ids are validated to
    hold no NUL); returns its length. Cut to fit cap should an id be longer
    than validation allows. With b "", it is the prefix of every key whose
    first part is a. */
size_t hrw_key_pair (char *buf, size_t cap, const char *a, const char *b);

#endif
