/*  turnsim: measures the turnover detectors' false-alarm rate and delay.
    Simulated companies (two divisions of three teams each, 10-60 people,
    10-20% voluntary turnover a year, every leaver replaced two weeks
    later) are fed through the real engine and detectors on a temporary
    store; it counts turnover alerts (spike and rise) that fire in quiet
    units, per 50 unit-years, and, with --rise, how long a team whose rate
    is multiplied for four months takes to alert. Deterministic for a seed.

    turnsim [--companies N] [--years Y] [--seed S] [--rise RHO] [--alpha A]
            [--h H] [--spike-h H] [--size-min N] [--size-max N] */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/pbjson.h"
#include "lib/clock.h"
#include "workers/engine.h"

#define S_DAY (86400.0 * HRW_US_PER_SEC)
#define S_TEAMS 6
#define S_ONSET_DAYS (3 * 365)      //  When a rise starts (after the warm-up)
#define S_RISE_DAYS 120
#define S_WARMUP_DAYS 548           //  A baseline year and a half before counting

typedef struct {
    int64_t at;                     //  Event time
    char body[200];                 //  The event's body, as JSON
} s_event_t;

typedef struct {
    s_event_t *ev;
    size_t n, cap;
} s_events_t;

typedef struct {
    uint64_t rng;
    int companies;
    double years;
    double rho;                     //  Rate multiplier in team t0 (0: quiet)
    double alpha, h, spike_h;
    int size_min, size_max;
    long fires_quiet;               //  Alerts in units with no rise
    long by_kind[2];                //  ... spikes, rises
    double unit_years;              //  Quiet unit-years watched
    long rises, within_60;          //  Rises run, and caught in 60 days
    double delays[4096];            //  Days to the first alert of each
    long n_delays;
} s_sim_t;

static double
s_uniform (s_sim_t *s)
{
    s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((s->rng >> 11) + 0.5) / 9007199254740992.0;
}

static void
s_add (s_events_t *e, int64_t at, const char *body)
{
    if (e->n == e->cap) {
        e->cap = e->cap? e->cap * 2: 1024;
        e->ev = realloc (e->ev, e->cap * sizeof (*e->ev));
        if (!e->ev)
            abort ();
    }
    e->ev[e->n].at = at;
    snprintf (e->ev[e->n].body, sizeof (e->ev[e->n].body), "%s", body);
    e->n++;
}

static int
s_cmp (const void *a, const void *b)
{
    const s_event_t *x = a, *y = b;
    return x->at < y->at? -1: x->at > y->at;
}

//  One team's history: hires at t0, exits as a Poisson process of rate
//  n * r a year (times rho during the rise), each leaver replaced later.
static void
s_team (s_sim_t *s, s_events_t *e, int64_t t0, int team, int size, double rate, double rho,
        int *next_id)
{
    char body[200];
    int *ids = malloc ((size_t) size * sizeof (int));
    for (int i = 0; i < size; i++) {
        ids[i] = (*next_id)++;
        snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"t%d\"}",
                  ids[i], team);
        s_add (e, t0, body);
    }
    double end = s->years * 365, t = 0;
    while (1) {
        double m = rho > 0 && t >= S_ONSET_DAYS && t < S_ONSET_DAYS + S_RISE_DAYS? rho: 1;
        double next = t - log (s_uniform (s)) / (size * rate * m / 365);
        //  The rate changes at the rise's edges: the process is memoryless,
        //  so a draw that crosses one starts again from it.
        double edge = rho <= 0? end: t < S_ONSET_DAYS? S_ONSET_DAYS
                    : t < S_ONSET_DAYS + S_RISE_DAYS? S_ONSET_DAYS + S_RISE_DAYS: end;
        if (next > edge && edge < end) {
            t = edge;
            continue;
        }
        t = next;
        if (t >= end)
            break;
        int who = (int) (s_uniform (s) * size);
        snprintf (body, sizeof (body), "\"exit\":{\"employeeId\":\"E-%d\","
                  "\"type\":\"EXIT_TYPE_VOLUNTARY\"}", ids[who]);
        s_add (e, t0 + (int64_t) (t * S_DAY), body);
        ids[who] = (*next_id)++;
        snprintf (body, sizeof (body), "\"hire\":{\"employeeId\":\"E-%d\",\"unitId\":\"t%d\"}",
                  ids[who], team);
        s_add (e, t0 + (int64_t) ((t + 14) * S_DAY), body);
    }
    free (ids);
}

static int
s_feed (hrw_engine_t *engine, const s_events_t *e, size_t from, size_t to)
{
    static long seq;
    int rc = hrw_engine_begin (engine, 0);
    for (size_t i = from; !rc && i < to; i++) {
        char when[48], json[512];
        hrw_clock_format (e->ev[i].at, when, sizeof (when));
        snprintf (json, sizeof (json), "{\"eventId\":\"e%ld\",\"occurredAt\":\"%s\","
                  "\"source\":\"sim\",%s}", seq++, when, e->ev[i].body);
        json_error_t jerr;
        json_t *obj = json_loads (json, 0, &jerr);
        hrw_buf_t raw = { 0 };
        char err[300];
        if (!obj || hrw_pbjson_encode (&hrwatch__v1__event__descriptor, obj, &raw, err,
                                       sizeof (err))) {
            fprintf (stderr, "turnsim: bad event %s\n", json);
            exit (2);
        }
        json_decref (obj);
        Hrwatch__V1__Event *ev = hrwatch__v1__event__unpack (NULL, raw.len, raw.data);
        hrw_apply_t result;
        rc = hrw_engine_accept (engine, ev, raw.data, raw.len, hrw_hash_message (&ev->base),
                                &result);
        hrwatch__v1__event__free_unpacked (ev, NULL);
        hrw_buf_free (&raw);
    }
    if (!rc)
        rc = hrw_engine_settle (engine, 0);
    if (!rc)
        rc = hrw_engine_commit (engine);
    return rc;
}

//  Turnover alerts that fired since the last call: quiet ones counted, the
//  first for the rising team (or its parents) timed.
static void
s_alerts (s_sim_t *s, hrw_engine_t *engine, int64_t t0, int *caught)
{
    hrw_alerts_t *alerts = hrw_engine_alerts (engine);
    for (size_t i = 0; i < hrw_alerts_queued (alerts); i++) {
        hrw_alert_pub_t p = hrw_alerts_queued_at (alerts, i);
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, p.len, p.data);
        int turnover = a->kind == HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE
                    || a->kind == HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE;
        if (turnover && a->change == HRWATCH__V1__ALERT_CHANGE__ALERT_CHANGE_FIRED) {
            double day = ((double) hrw_clock_from_parts (a->changed_at->seconds,
                                                         a->changed_at->nanos) - t0) / S_DAY;
            //  With a rise, team t0 and its division d0 and the company
            //  are not quiet from its onset on.
            int touched = s->rho > 0 && day >= S_ONSET_DAYS
                       && (!strcmp (a->subject, "t0") || !strcmp (a->subject, "d0")
                           || !strcmp (a->subject, "co"));
            if (touched && !strcmp (a->subject, "t0") && !*caught) {
                *caught = 1;
                if (s->n_delays < 4096)
                    s->delays[s->n_delays++] = day - S_ONSET_DAYS;
                s->within_60 += day - S_ONSET_DAYS <= 60;
            }
            else if (!touched && day >= S_WARMUP_DAYS) {
                s->fires_quiet++;
                s->by_kind[a->kind == HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE]++;
                if (getenv ("TURNSIM_VERBOSE"))
                    fprintf (stderr, "day %.0f %s\n", day, a->summary);
            }
        }
        hrwatch__v1__alert__free_unpacked (a, NULL);
    }
    hrw_alerts_clear_queue (alerts);
}

static int
s_company (s_sim_t *s, int c)
{
    char dir[] = "/tmp/turnsim-XXXXXX";
    if (!mkdtemp (dir))
        return -1;
    hrw_store_opts_t so = { .path = dir, .map_size = 64 << 20, .rejected_keep = 10,
                            .no_sync = 1 };
    hrw_store_t *store;
    if (hrw_store_open (&so, &store))
        return -1;
    hrw_engine_opts_t eo;
    hrw_engine_defaults (&eo);
    eo.replay = 1;
    if (s->alpha > 0)
        eo.detect.alpha = s->alpha;
    if (s->h > 0)
        eo.detect.rise_h = s->h;
    if (s->spike_h > 0)
        eo.detect.spike_h = s->spike_h;
    hrw_engine_t *engine = hrw_engine_new (store, &eo);
    int64_t t0 = 1577836800LL * HRW_US_PER_SEC;    //  2020-01-01
    s_events_t e = { NULL, 0, 0 };
    s_add (&e, t0 - 10, "\"orgUnitDefined\":{\"unitId\":\"co\"}");
    s_add (&e, t0 - 9, "\"orgUnitDefined\":{\"unitId\":\"d0\",\"parentId\":\"co\"}");
    s_add (&e, t0 - 8, "\"orgUnitDefined\":{\"unitId\":\"d1\",\"parentId\":\"co\"}");
    int next_id = 1;
    for (int t = 0; t < S_TEAMS; t++) {
        char body[200];
        snprintf (body, sizeof (body), "\"orgUnitDefined\":{\"unitId\":\"t%d\","
                  "\"parentId\":\"d%d\"}", t, t / 3);
        s_add (&e, t0 - 7 + t, body);
    }
    for (int t = 0; t < S_TEAMS; t++) {
        int size = s->size_min + (int) (s_uniform (s) * (s->size_max - s->size_min + 1));
        double rate = 0.10 + 0.10 * s_uniform (s);
        s_team (s, &e, t0, t, size, rate, t == 0? s->rho: 0, &next_id);
    }
    qsort (e.ev, e.n, sizeof (*e.ev), s_cmp);
    int rc = 0, caught = 0;
    for (size_t i = 0; !rc && i < e.n; i += 64) {
        rc = s_feed (engine, &e, i, i + 64 < e.n? i + 64: e.n);
        s_alerts (s, engine, t0, &caught);
    }
    if (getenv ("TURNSIM_VERBOSE")) {
        hrw_unit_turnover_t tu;
        uint32_t cr, cv;
        hrw_counters_t cn;
        hrw_store_counters (store, &cn);
        hrw_detect_unit_report (hrw_engine_detect (engine), "co", cn.clock_us, &tu, &cr, &cv);
        long exits = 0;
        for (size_t i = 0; i < e.n; i++)
            exits += strstr (e.ev[i].body, "\"exit\"") != NULL;
        fprintf (stderr, "co: %ld exits in the sim; headcount %lld baseline %.3f window %.3f\n",
                 exits, (long long) tu.headcount, tu.baseline_annualised, tu.annualised);
    }
    //  Units watched quietly: all nine, less (from the onset) the rising
    //  team and the two units above it.
    double watched = s->years * 365 - S_WARMUP_DAYS;
    double touched = s->rho > 0? s->years * 365 - S_ONSET_DAYS: 0;
    s->unit_years += (9 * watched - 3 * touched) / 365;
    s->rises += s->rho > 0;
    (void) c;
    free (e.ev);
    hrw_engine_destroy (&engine);
    hrw_store_destroy (&store);
    char cmd[64];
    snprintf (cmd, sizeof (cmd), "rm -rf %s", dir);
    if (system (cmd))
        rc = -1;
    return rc;
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

int
main (int argc, char **argv)
{
    s_sim_t s;
    memset (&s, 0, sizeof (s));
    s.companies = 50;
    s.years = 6;
    s.rng = 1;
    s.size_min = 10;
    s.size_max = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp (k, "--companies")) s.companies = atoi (v);
        else if (!strcmp (k, "--years")) s.years = atof (v);
        else if (!strcmp (k, "--seed")) s.rng = strtoull (v, NULL, 10);
        else if (!strcmp (k, "--rise")) s.rho = atof (v);
        else if (!strcmp (k, "--alpha")) s.alpha = atof (v);
        else if (!strcmp (k, "--h")) s.h = atof (v);
        else if (!strcmp (k, "--spike-h")) s.spike_h = atof (v);
        else if (!strcmp (k, "--size-min")) s.size_min = atoi (v);
        else if (!strcmp (k, "--size-max")) s.size_max = atoi (v);
        else {
            fprintf (stderr, "turnsim: unknown option %s\n", k);
            return 2;
        }
    }
    for (int c = 0; c < s.companies; c++)
        if (s_company (&s, c)) {
            fprintf (stderr, "turnsim: company %d failed\n", c);
            return 1;
        }
    printf ("quiet unit-years %.0f, turnover alerts in them %ld (%ld spikes, %ld rises): "
            "%.2f per 50 unit-years\n", s.unit_years, s.fires_quiet, s.by_kind[0], s.by_kind[1],
            s.fires_quiet * 50.0 / s.unit_years);
    if (s.rho > 0) {
        qsort (s.delays, (size_t) s.n_delays, sizeof (double), s_cmp_double);
        printf ("rise x%.1f for %d days in teams of %d-%d: %ld of %ld alerted within 60 days "
                "(%.0f%%), %ld at all; median delay %.0f days\n", s.rho, S_RISE_DAYS,
                s.size_min, s.size_max, s.within_60, s.rises, 100.0 * s.within_60 / s.rises,
                s.n_delays, s.n_delays? s.delays[s.n_delays / 2]: -1.0);
    }
    return 0;
}
