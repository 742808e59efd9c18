/*  stats: the few distributions the detectors need, computed in double
    precision from the regularised incomplete gamma and beta functions,
    and the false discovery rate control applied across units. */
#ifndef HRW_STATS_H
#define HRW_STATS_H

#include <stddef.h>
#include <stdint.h>

/*  P(X >= k) for X ~ Poisson(lambda): how surprising k or more events are
    when lambda are expected. 1 when k <= 0. */
double hrw_stats_poisson_sf (uint64_t k, double lambda);

/*  P(T > t) for Student's t with df degrees of freedom (df > 0). */
double hrw_stats_t_sf (double t, double df);

typedef struct {
    double n;       //  Sample size
    double mean;    //  Sample mean
    double var;     //  Sample variance (n - 1 denominator)
} hrw_sample_t;

/*  Welch's t-test of "b's mean is lower than a's": returns the one-sided
    p-value, and the statistic and degrees of freedom through t and df (when
    not NULL). 1 when either sample has fewer than 2 values or both have no
    variance and equal means. */
double hrw_stats_welch_drop (hrw_sample_t a, hrw_sample_t b, double *t, double *df);

/*  Net Promoter Score as a difference of proportions: promoters p and
    detractors d of n answers give NPS = p - d with variance
    (p + d - (p - d)^2) / n. Returns the one-sided p-value of the z-test of
    "b's NPS is lower than a's" (normal approximation), and z through z_out
    (when not NULL). 1 when either side has no answers. */
double hrw_stats_nps_drop (double a_prom, double a_det, double a_n, double b_prom,
                           double b_det, double b_n, double *z_out);

/*  Benjamini-Hochberg at false discovery rate q over the m p-values in p,
    which it sorts in place: returns the largest p-value that is a discovery
    (every p-value at or below it is one), or -1 when there is none. */
double hrw_stats_bh_threshold (double *p, size_t m, double q);

/*  Promoters (answers 9 and 10) and detractors (0 to 6) among the eNPS
    answers counts[0..10]. */
void hrw_stats_nps_counts (const uint32_t counts[11], double *promoters, double *detractors);

/*  The Net Promoter Score, -100 to 100, of the n eNPS answers counts[0..10];
    0 when n is 0. The one figure detectors and queries both show. */
double hrw_stats_nps (const uint32_t counts[11], uint32_t n);

/*  A sample from a histogram: counts[i] answers of value lo + i. */
hrw_sample_t hrw_stats_from_histogram (const uint32_t *counts, int n_values, int lo);

/*  P(X >= k) for X ~ Binomial(n, p): how surprising k or more of n are
    when each is one with probability p. 1 when k <= 0, 0 when k > n. */
double hrw_stats_binomial_sf (uint64_t k, uint64_t n, double p);

/*  Two Poisson counts compared, conditionally on their sum: k events over
    exposure e (the window) against kb over eb (the baseline). Returns
    P(at least k of the k + kb fall in the window) when both share one
    rate, I_r(k, kb + 1) with r = e / (e + eb): the baseline's own noise
    is allowed for, as a Poisson tail against its point estimate does
    not. kb and eb may be fractional (prior pseudo-counts). 1 when k is 0,
    0 when eb is 0 and e is not. */
double hrw_stats_rate_ratio_sf (uint64_t k, double e, double kb, double eb);

#endif
