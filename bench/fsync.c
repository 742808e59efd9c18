/*  hrwatch-bench-fsync: what the disk under the work directory costs a
    durable commit, measured in the same run as the figures it bounds.
    Prints "p50_ms p99_ms pages_per_s":
    - p50/p99 of one 4 KiB write followed by fdatasync (a group of one
      small event: the floor of a batch-1 commit and of alert latency);
    - random 4 KiB pages written and synced per second, GROUP pages per
      fdatasync at random places in a file of FILE_MB (what a group commit
      on a B-tree with random keys asks of the disk).
    Usage: hrwatch-bench-fsync [-n SYNCS] [-g GROUP] [-t SECONDS] [-m FILE_MB] DIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PAGE 4096

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

//  The file is written in full and synced first, so that the measured
//  writes overwrite allocated blocks as LMDB's do, and no allocation or
//  earlier dirty data is paid for inside the measurement.
static int
s_prepare (int fd, size_t pages)
{
    static char block[S_PAGE * 256];
    memset (block, 0x5a, sizeof (block));
    for (size_t p = 0; p < pages; p += 256)
        if (write (fd, block, sizeof (block)) != (ssize_t) sizeof (block))
            return -1;
    return fsync (fd);
}

static void
s_latency (int fd, int n, double *p50, double *p99)
{
    static char page[S_PAGE];
    double *t = calloc ((size_t) n, sizeof (*t));
    for (int i = 0; i < n; i++) {
        page[0] = (char) i;
        double t0 = s_now ();
        if (pwrite (fd, page, S_PAGE, 0) != S_PAGE || fdatasync (fd))
            exit (2);
        t[i] = (s_now () - t0) * 1e3;
    }
    qsort (t, (size_t) n, sizeof (*t), s_cmp);
    *p50 = t[n / 2];
    *p99 = t[(n * 99) / 100 < n? (n * 99) / 100: n - 1];
    free (t);
}

static double
s_random_pages (int fd, size_t pages, int group, double seconds)
{
    static char page[S_PAGE];
    uint64_t x = 88172645463325252ULL;
    long done = 0;
    double t0 = s_now (), t = t0;
    while (t - t0 < seconds) {
        for (int i = 0; i < group; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            page[0] = (char) x;
            if (pwrite (fd, page, S_PAGE, (off_t) (x % pages) * S_PAGE) != S_PAGE)
                exit (2);
        }
        if (fdatasync (fd))
            exit (2);
        done += group;
        t = s_now ();
    }
    return (double) done / (t - t0);
}

int
main (int argc, char **argv)
{
    int n = 200, group = 256, mb = 256, c;
    double seconds = 1.0;
    while ((c = getopt (argc, argv, "n:g:t:m:")) != -1) {
        if (c == 'n')
            n = atoi (optarg);
        else if (c == 'g')
            group = atoi (optarg);
        else if (c == 't')
            seconds = atof (optarg);
        else if (c == 'm')
            mb = atoi (optarg);
        else
            return 64;
    }
    if (optind >= argc || n < 1 || group < 1 || mb < 1)
        return 64;
    char path[4096];
    snprintf (path, sizeof (path), "%s/fsync-probe", argv[optind]);
    int fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    size_t pages = (size_t) mb * 256;
    if (fd < 0 || s_prepare (fd, pages)) {
        perror (path);
        return 2;
    }
    double p50, p99;
    s_latency (fd, n, &p50, &p99);
    double rate = s_random_pages (fd, pages, group, seconds);
    close (fd);
    unlink (path);
    printf ("%.3f %.3f %.0f\n", p50, p99, rate);
    return 0;
}
