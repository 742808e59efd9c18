/*  test_keys_enc: the store's key encodings, byte for byte as on disk, and
    the orders they give. */
#include "harness.h"

#include <string.h>

#include "lib/keys.h"

static void
test_u64_is_big_endian (void **state)
{
    (void) state;
    uint8_t b[8];
    static const uint8_t want[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
    hrw_key_put_u64 (b, 0x0102030405060708ULL);
    assert_memory_equal (b, want, 8);
    assert_true (hrw_key_get_u64 (b) == 0x0102030405060708ULL);
    uint8_t lo[8], hi[8];
    hrw_key_put_u64 (lo, 255);
    hrw_key_put_u64 (hi, 256);
    assert_true (memcmp (lo, hi, 8) < 0);
}

static void
test_time_flips_the_sign_bit (void **state)
{
    (void) state;
    uint8_t b[8];
    static const uint8_t zero[8] = { 0x80, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t minus_one[8] = { 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    hrw_key_put_time (b, 0);
    assert_memory_equal (b, zero, 8);
    hrw_key_put_time (b, -1);
    assert_memory_equal (b, minus_one, 8);
    const int64_t times[] = { INT64_MIN, -86400000000LL, -1, 0, 1, 1700000000000000LL, INT64_MAX };
    uint8_t prev[8];
    for (size_t i = 0; i < sizeof (times) / sizeof (times[0]); i++) {
        hrw_key_put_time (b, times[i]);
        assert_true (hrw_key_get_time (b) == times[i]);
        if (i)
            assert_true (memcmp (prev, b, 8) < 0);
        memcpy (prev, b, 8);
    }
}

static void
test_pair_is_a_nul_b (void **state)
{
    (void) state;
    char b[16];
    assert_int_equal (hrw_key_pair (b, sizeof (b), "ops", "Q1"), 6);
    assert_memory_equal (b, "ops\0Q1", 6);
    assert_int_equal (hrw_key_pair (b, sizeof (b), "ops", ""), 4);
    assert_memory_equal (b, "ops\0", 4);
    //  Cut to fit, never past the buffer.
    assert_int_equal (hrw_key_pair (b, 8, "abcde", "fghij"), 8);
    assert_memory_equal (b, "abcde\0fg", 8);
    assert_int_equal (hrw_key_pair (b, 4, "abcde", "f"), 4);
    assert_memory_equal (b, "abc\0", 4);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_u64_is_big_endian),
        cmocka_unit_test (test_time_flips_the_sign_bit),
        cmocka_unit_test (test_pair_is_a_nul_b),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
