/*  The statistics against reference values computed another way: Poisson
    tails by exact summation of the series in 60-digit decimals, t tails by
    Simpson integration of the density (200,000 steps). */
#include "harness.h"

#include <math.h>

#include "lib/stats.h"

static void
s_close (double got, double want, double rel)
{
    if (fabs (got - want) > rel * fabs (want))
        fail_msg ("got %.12g, want %.12g", got, want);
}

static void
test_poisson_tail (void **state)
{
    (void) state;
    s_close (hrw_stats_poisson_sf (0, 3.0), 1.0, 1e-12);
    //  1 - ppois(k - 1, lambda)
    s_close (hrw_stats_poisson_sf (1, 0.5), 1.0 - exp (-0.5), 1e-12);
    s_close (hrw_stats_poisson_sf (3, 0.5), 0.01438767796697, 1e-9);
    s_close (hrw_stats_poisson_sf (10, 2.0), 4.6498075017264e-05, 1e-9);
    s_close (hrw_stats_poisson_sf (5, 10.0), 0.9707473119230389, 1e-9);
    s_close (hrw_stats_poisson_sf (40, 20.0), 5.3202025112462e-05, 1e-9);
    assert_true (hrw_stats_poisson_sf (3, 0.0) == 0.0);
}

static void
test_student_t_tail (void **state)
{
    (void) state;
    s_close (hrw_stats_t_sf (0.0, 7.0), 0.5, 1e-12);
    s_close (hrw_stats_t_sf (2.0, 10.0), 0.0366940173853728, 1e-9);
    s_close (hrw_stats_t_sf (-1.5, 4.0), 0.896, 1e-9);
    s_close (hrw_stats_t_sf (1.96, 1e6), 0.0249979, 1e-3);   //  Near the normal tail
}

static void
test_welch (void **state)
{
    (void) state;
    //  a = 4,4,5,5,4,4,5,3 and b = 3,3,2,4,3,3,2,3
    uint32_t ha[5] = { 0, 0, 1, 4, 3 }, hb[5] = { 0, 2, 5, 1, 0 };
    hrw_sample_t a = hrw_stats_from_histogram (ha, 5, 1);
    hrw_sample_t b = hrw_stats_from_histogram (hb, 5, 1);
    s_close (a.mean, 4.25, 1e-12);
    s_close (a.var, 0.5, 1e-12);
    s_close (b.mean, 2.875, 1e-12);
    s_close (b.var, 0.410714285714, 1e-9);
    double t, df;
    double p = hrw_stats_welch_drop (a, b, &t, &df);
    s_close (t, 4.075272154992216, 1e-9);
    s_close (df, 13.866717440974867, 1e-9);
    s_close (p, 0.0005784760462966, 1e-6);
    //  No drop: p near 1.
    assert_true (hrw_stats_welch_drop (b, a, NULL, NULL) > 0.99);
    //  Too few values.
    hrw_sample_t one = { 1, 5, 0 };
    assert_true (hrw_stats_welch_drop (a, one, NULL, NULL) == 1.0);
}

//  Reference values by exact summation of the binomial series.
static void
test_binomial_tail (void **state)
{
    (void) state;
    s_close (hrw_stats_binomial_sf (0, 5, 0.3), 1.0, 1e-12);
    s_close (hrw_stats_binomial_sf (3, 3, 0.02), 8.0e-06, 1e-9);
    s_close (hrw_stats_binomial_sf (4, 10, 0.03), 0.0001470850343846211, 1e-9);
    s_close (hrw_stats_binomial_sf (3, 6, 0.5), 0.65625, 1e-9);
    assert_true (hrw_stats_binomial_sf (4, 3, 0.5) == 0.0);
}

//  With whole baseline counts the conditional test is a binomial tail:
//  40 exits over 53,000 person-days against 46 over 111,000.
static void
test_rate_ratio_tail (void **state)
{
    (void) state;
    s_close (hrw_stats_rate_ratio_sf (40, 53000, 46, 111000), 0.004206482633881051, 1e-8);
    s_close (hrw_stats_rate_ratio_sf (0, 10, 3, 10), 1.0, 1e-12);
    //  Far more conservative than a Poisson tail against 46 * 53 / 111.
    assert_true (hrw_stats_poisson_sf (40, 46.0 * 53 / 111) < 0.001);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_poisson_tail),
        cmocka_unit_test (test_student_t_tail),
        cmocka_unit_test (test_welch),
        cmocka_unit_test (test_binomial_tail),
        cmocka_unit_test (test_rate_ratio_tail),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
