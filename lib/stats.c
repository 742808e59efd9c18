/*  stats: Poisson tail, Student's t tail, Welch's t-test, the NPS z-test,
    Benjamini-Hochberg. */
#include "lib/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define S_EPS 1e-15
#define S_ITER 500
#define S_TINY 1e-300

//  Regularised lower incomplete gamma P(a, x) by its power series; good for
//  x < a + 1.
static double
s_gamma_series (double a, double x)
{
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < S_ITER; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs (term) < fabs (sum) * S_EPS)
            break;
    }
    return sum * exp (-x + a * log (x) - lgamma (a));
}

//  One step of the modified Lentz method for a continued fraction with
//  terms an / (bn + ...): updates c and d, returns the factor for h.
static double
s_lentz (double an, double bn, double *c, double *d)
{
    *d = bn + an * *d;
    if (fabs (*d) < S_TINY)
        *d = S_TINY;
    *c = bn + an / *c;
    if (fabs (*c) < S_TINY)
        *c = S_TINY;
    *d = 1.0 / *d;
    return *d * *c;
}

//  Regularised upper incomplete gamma Q(a, x) by its continued fraction
//  (modified Lentz); good for x >= a + 1.
static double
s_gamma_fraction (double a, double x)
{
    double b = x + 1.0 - a, c = 1.0 / S_TINY, d = 1.0 / b, h = d;
    for (int i = 1; i < S_ITER; i++) {
        double an = -i * (i - a);
        b += 2.0;
        double delta = s_lentz (an, b, &c, &d);
        h *= delta;
        if (fabs (delta - 1.0) < S_EPS)
            break;
    }
    return exp (-x + a * log (x) - lgamma (a)) * h;
}

double
hrw_stats_poisson_sf (uint64_t k, double lambda)
{
    //  P(X >= k) = P(k, lambda), the regularised lower gamma.
    if (k == 0)
        return 1.0;
    if (lambda <= 0.0)
        return 0.0;
    double a = (double) k;
    if (lambda < a + 1.0)
        return s_gamma_series (a, lambda);
    return 1.0 - s_gamma_fraction (a, lambda);
}

//  Continued fraction for the incomplete beta function (modified Lentz).
static double
s_beta_fraction (double a, double b, double x)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs (d) < S_TINY)
        d = S_TINY;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m < S_ITER; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        h *= s_lentz (aa, 1.0, &c, &d);
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        double delta = s_lentz (aa, 1.0, &c, &d);
        h *= delta;
        if (fabs (delta - 1.0) < S_EPS)
            break;
    }
    return h;
}

//  Regularised incomplete beta I_x(a, b).
static double
s_ibeta (double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double front = exp (lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x)
                        + b * log1p (-x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * s_beta_fraction (a, b, x) / a;
    return 1.0 - front * s_beta_fraction (b, a, 1.0 - x) / b;
}

double
hrw_stats_t_sf (double t, double df)
{
    double tail = 0.5 * s_ibeta (df / 2.0, 0.5, df / (df + t * t));
    return t >= 0.0? tail: 1.0 - tail;
}

double
hrw_stats_welch_drop (hrw_sample_t a, hrw_sample_t b, double *t_out, double *df_out)
{
    if (t_out)
        *t_out = 0.0;
    if (df_out)
        *df_out = 0.0;
    if (a.n < 2 || b.n < 2)
        return 1.0;
    double va = a.var / a.n, vb = b.var / b.n, se2 = va + vb;
    if (se2 <= 0.0)
        return b.mean < a.mean? 0.0: 1.0;
    double t = (a.mean - b.mean) / sqrt (se2);
    double df = se2 * se2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1));
    if (t_out)
        *t_out = t;
    if (df_out)
        *df_out = df;
    return hrw_stats_t_sf (t, df);
}

hrw_sample_t
hrw_stats_from_histogram (const uint32_t *counts, int n_values, int lo)
{
    double n = 0, sum = 0, sumsq = 0;
    for (int i = 0; i < n_values; i++) {
        double v = lo + i;
        n += counts[i];
        sum += counts[i] * v;
        sumsq += counts[i] * v * v;
    }
    hrw_sample_t s = { n, 0.0, 0.0 };
    if (n > 0)
        s.mean = sum / n;
    if (n > 1)
        s.var = (sumsq - sum * sum / n) / (n - 1);
    if (s.var < 0)
        s.var = 0;
    return s;
}

double
hrw_stats_nps_drop (double a_prom, double a_det, double a_n, double b_prom, double b_det,
                    double b_n, double *z_out)
{
    if (z_out)
        *z_out = 0.0;
    if (a_n <= 0 || b_n <= 0)
        return 1.0;
    double pa = a_prom / a_n, da = a_det / a_n, pb = b_prom / b_n, db = b_det / b_n;
    double nps_a = pa - da, nps_b = pb - db;
    double se2 = (pa + da - nps_a * nps_a) / a_n + (pb + db - nps_b * nps_b) / b_n;
    if (se2 <= 0.0)
        return nps_b < nps_a? 0.0: 1.0;
    double z = (nps_a - nps_b) / sqrt (se2);
    if (z_out)
        *z_out = z;
    return 0.5 * erfc (z / sqrt (2.0));
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y? 1: 0;
}

double
hrw_stats_bh_threshold (double *p, size_t m, double q)
{
    if (m == 0)
        return -1.0;
    qsort (p, m, sizeof (*p), s_cmp_double);
    //  The largest k with p(k) <= k q / m: all k smallest are discoveries,
    //  even those above their own rank's bound (the step-up rule).
    for (size_t k = m; k > 0; k--)
        if (p[k - 1] <= (double) k * q / (double) m)
            return p[k - 1];
    return -1.0;
}

void
hrw_stats_nps_counts (const uint32_t counts[11], double *promoters, double *detractors)
{
    *promoters = counts[9] + counts[10];
    *detractors = 0;
    for (int i = 0; i <= 6; i++)
        *detractors += counts[i];
}

double
hrw_stats_nps (const uint32_t counts[11], uint32_t n)
{
    double promoters, detractors;
    hrw_stats_nps_counts (counts, &promoters, &detractors);
    return n? 100.0 * (promoters - detractors) / n: 0;
}

double
hrw_stats_binomial_sf (uint64_t k, uint64_t n, double p)
{
    //  P(X >= k) = I_p(k, n - k + 1).
    if (k == 0)
        return 1.0;
    if (k > n || p <= 0.0)
        return 0.0;
    if (p >= 1.0)
        return 1.0;
    return s_ibeta ((double) k, (double) (n - k + 1), p);
}

double
hrw_stats_rate_ratio_sf (uint64_t k, double e, double kb, double eb)
{
    if (k == 0)
        return 1.0;
    if (e <= 0.0)
        return 0.0;
    if (eb <= 0.0)
        return 0.0;
    return s_ibeta ((double) k, (kb > 0.0? kb: 0.0) + 1.0, e / (e + eb));
}
