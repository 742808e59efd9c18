/*  hrwatch-gen's rescinded exits and exits recorded ahead, in the realistic
    company (--quiet, --inject with --rescinds, --scheduled).

    --rescinds: some exits of people who hold no role (3%; 25% of a
    successor's) are voided 1-14 days after: an eventVoided of the exit, the
    employee back with their nominations, as if they had never left. The
    company's draws go on as if they had left (they are no longer drawn
    from their team, and its successors are counted without them), so the
    rest of the history is the one without --rescinds; the truth counts
    them, as the daemon does. --scheduled: 40% of voluntary exits are entered ahead, with
    recordedAt 14-56 days before they occur (the notice), and written where
    they were recorded, so the daemon holds them until they apply; some of
    those (as above) are voided before they apply, and the employee stays.
    The exits of --inject's scenarios are left as they are.

    The company decides its exits on the day they occur, so the history is
    made twice: the first time, written nowhere, to learn which exits are
    entered ahead and their ids and times; the second time writes each of
    them on the day it was recorded. Every choice here comes from a stream
    of its own (g->sched_rng), drawn at each exit, so both times make the
    same choices; what the second writes besides (the exits recorded ahead,
    their voids) moves no draw of the company's.

    --truth gets, beside the facts the moves change (as triggered by the
    exit recorded ahead or the void), one line per exit recorded ahead
    ({"exit_ahead": ...}) and per void ({"rescind": ...}). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen_int.h"

#define S_AHEAD_SHARE 0.4       //  Voluntary exits recorded ahead
#define S_RESCIND_SHARE 0.03    //  Exits rescinded (no role held) ...
#define S_RESCIND_SUCC 0.25     //  ... of a successor
#define S_NOTICE_MIN 14         //  Days of notice, 14-56
#define S_NOTICE_SPAN 43
#define S_VOID_DAYS 14          //  A void 1-14 days after

typedef struct {
    long seq;                   //  The exit's number and time
    int64_t t, recorded;
    int e, voluntary, regretted;
    int day, rday;              //  The days it occurs and is recorded
    int void_day;               //  Voided that day (before it applies), or -1
} s_ahead_t;

typedef struct {
    int day;                    //  Due that day
    long seq;                   //  The exit it voids
    int e;
    int ahead;                  //  Recorded ahead and not applied
    int64_t t_exit;
} s_void_t;

struct gen_sched {
    int pass;                   //  1: learning; 2: writing
    s_ahead_t *ahead;
    int n_ahead, cap_ahead, next;
    s_void_t *voids;
    int n_voids, cap_voids;
    int notice, k;              //  The last decision's
};

static double
s_draw (gen_t *g)
{
    uint64_t z = (g->sched_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double) (z >> 11) / 9007199254740992.0;
}

static int
s_day (const gen_t *g)
{
    return (int) ((g->now - g->start_us) / GEN_DAY_US);
}

int
gen_sched_decide (gen_t *g, int e, int voluntary)
{
    struct gen_sched *s = g->sched;
    //  Always four draws, whatever is chosen.
    double u_ahead = s_draw (g);
    int notice = S_NOTICE_MIN + (int) (s_draw (g) * S_NOTICE_SPAN);
    double u_rescind = s_draw (g);
    int k = 1 + (int) (s_draw (g) * S_VOID_DAYS);
    const gen_emp_t *em = &g->emps[e];
    int d = s_day (g);
    //  The exits --inject's scenarios make (and their setup) stay as they are.
    if (g->label && strcmp (g->label, "background"))
        return GEN_EXIT_PLAIN;
    int rescind = g->rescinds && em->position < 0 && em->slot >= 0
               && u_rescind < (em->nominated > 0? S_RESCIND_SUCC: S_RESCIND_SHARE);
    int ahead = g->scheduled && voluntary && u_ahead < S_AHEAD_SHARE && d - notice >= 1;
    if (ahead && rescind && k >= notice)
        k = notice - 1;
    s->notice = notice;
    s->k = k;
    return ahead? (rescind? GEN_EXIT_AHEAD_VOIDED: GEN_EXIT_AHEAD)
                : rescind? GEN_EXIT_RESCIND: GEN_EXIT_PLAIN;
}

static void
s_queue_void (gen_t *g, int day, long seq, int e, int ahead, int64_t t_exit)
{
    struct gen_sched *s = g->sched;
    if (s->n_voids == s->cap_voids) {
        s->cap_voids = s->cap_voids? s->cap_voids * 2: 64;
        s->voids = realloc (s->voids, (size_t) s->cap_voids * sizeof (*s->voids));
        if (!s->voids)
            exit (2);
    }
    s->voids[s->n_voids++] = (s_void_t) { day, seq, e, ahead, t_exit };
}

void
gen_sched_emitted (gen_t *g, int e, int how, int voluntary, int regretted, long seq, int64_t t)
{
    struct gen_sched *s = g->sched;
    int d = s_day (g);
    if (how == GEN_EXIT_RESCIND) {
        g->emps[e].rescind = 1;
        s_queue_void (g, d + s->k, seq, e, 0, t);
    }
    if (how != GEN_EXIT_AHEAD && how != GEN_EXIT_AHEAD_VOIDED)
        return;
    g->emps[e].held = 0;    //  Applied now (or voided before)
    if (s->pass != 1)
        return;
    if (s->n_ahead == s->cap_ahead) {
        s->cap_ahead = s->cap_ahead? s->cap_ahead * 2: 256;
        s->ahead = realloc (s->ahead, (size_t) s->cap_ahead * sizeof (*s->ahead));
        if (!s->ahead)
            exit (2);
    }
    //  No notice longer than the job: one hired within it is recorded the
    //  day after the hire (or on the day it leaves), so it is there.
    int rday = d - s->notice, hired = g->emps[e].hired_day;
    if (rday <= hired)
        rday = hired + 1 < d? hired + 1: d;
    int void_day = how == GEN_EXIT_AHEAD_VOIDED? rday + s->k: -1;
    if (void_day >= d)
        void_day = rday;    //  Voided (08:45) after it was recorded (08:30)
    s->ahead[s->n_ahead++] = (s_ahead_t) {
        seq, t, 0, e, voluntary, regretted, d, rday, void_day
    };
}

//  Whether --events allows one more event (voids count; an exit written
//  ahead counts where it occurs: not written when its number is past it).
static int
s_room (gen_t *g, long seq)
{
    if (g->max_events && (g->seq + g->extra + g->voids >= g->max_events || seq > g->max_events))
        return 0;
    return !g->stopped;
}

//  Day d at h:m, plus ms milliseconds.
static int64_t
s_at (const gen_t *g, int d, int h, int m, int ms)
{
    return g->start_us + d * GEN_DAY_US + ((int64_t) h * 3600 + m * 60) * HRW_US_PER_SEC
         + (int64_t) ms * 1000;
}

static void
s_truth_time (const gen_t *g, const char *key, int64_t t, int last)
{
    char when[48];
    fprintf (g->facts, "\"%s\":\"%s\"%s", key, hrw_clock_format (t, when, sizeof (when)),
             last? "": ",");
}

void
gen_sched_day (gen_t *g, int d)
{
    struct gen_sched *s = g->sched;
    if (!s || g->stopped)
        return;
    char id[64], eid[16];
    //  Exits recorded today (at 08:30, before the day's other events).
    int i = 0;
    while (s->pass == 2 && s->next < s->n_ahead && s->ahead[s->next].rday <= d) {
        s_ahead_t *a = &s->ahead[s->next++];
        if (!s_room (g, a->seq))
            continue;
        a->recorded = s_at (g, d, 8, 30, i++);
        gen_write_exit (g, g->out, a->seq, a->t, a->recorded, a->e, a->voluntary, a->regretted);
        g->last_t = a->recorded;
        g->emps[a->e].held = 1;
        gen_event_id (g, 0, a->seq, id, sizeof (id));
        gen_emp_id (a->e, eid, sizeof (eid));
        if (g->facts) {
            fprintf (g->facts, "{\"exit_ahead\":{\"exit\":\"%s\",\"employee\":\"%s\",", id, eid);
            s_truth_time (g, "recorded", a->recorded, 0);
            s_truth_time (g, "occurred", a->t, 0);
            fprintf (g->facts, "\"notice_days\":%d,\"voided\":%s,\"successor_of\":%d}}\n",
                     a->day - a->rday, a->void_day >= 0? "true": "false",
                     g->emps[a->e].nominated);
        }
        g->trigger = id;
        gen_real_facts (g, "exit recorded ahead");
        g->trigger = NULL;
        if (a->void_day >= 0)
            s_queue_void (g, a->void_day, a->seq, a->e, 1, a->t);
    }
    //  The voids due today (at 08:45), in the order they were decided.
    i = 0;
    for (int v = 0; v < s->n_voids;) {
        s_void_t x = s->voids[v];
        if (x.day != d) {
            v++;
            continue;
        }
        memmove (&s->voids[v], &s->voids[v + 1], (size_t) (s->n_voids - v - 1) * sizeof (x));
        s->n_voids--;
        if (!s_room (g, 0))
            continue;
        int64_t t = s_at (g, d, 8, 45, i++);
        long n = gen_write_void (g, x.seq, t);
        g->last_t = t;
        gen_emp_t *em = &g->emps[x.e];
        if (x.ahead)
            em->held = 0;
        else {
            em->active = 1;
            em->rescind = 0;
            em->restored = 1;
            g->t_active++;
            g->t_exited--;
        }
        char vid[64];
        gen_event_id (g, 0, x.seq, id, sizeof (id));
        gen_event_id (g, 'v', n, vid, sizeof (vid));
        gen_emp_id (x.e, eid, sizeof (eid));
        if (g->facts) {
            fprintf (g->facts, "{\"rescind\":{\"exit\":\"%s\",\"void\":\"%s\",\"employee\":\"%s\","
                     "\"ahead\":%s,\"successor_of\":%d,", id, vid, eid,
                     x.ahead? "true": "false", em->nominated);
            s_truth_time (g, "exit_at", x.t_exit, 0);
            s_truth_time (g, "void_at", t, 1);
            fprintf (g->facts, "}}\n");
        }
        g->trigger = vid;
        gen_real_facts (g, "exit voided");
        g->trigger = NULL;
    }
}

static int
s_by_recorded (const void *a, const void *b)
{
    const s_ahead_t *x = a, *y = b;
    if (x->rday != y->rday)
        return x->rday < y->rday? -1: 1;
    return x->seq < y->seq? -1: x->seq > y->seq;
}

static void
s_free_company (gen_t *g)
{
    for (int t = 0; t < g->n_teams; t++)
        free (g->teams[t].members);
    free (g->teams);
    free (g->units);
    free (g->positions);
    free (g->emps);
    gen_dev_free (g);
}

void
gen_sched_run (gen_t *g)
{
    if (!g->rescinds && !g->scheduled) {
        gen_real_org (g);
        gen_simulate_real (g);
        return;
    }
    struct gen_sched *s = calloc (1, sizeof (*s));
    FILE *null = fopen ("/dev/null", "w");
    if (!s || !null)
        exit (2);
    //  The first time: the same options and streams, nothing written.
    gen_t first = *g;
    first.out = first.mute = null;
    first.facts = NULL;
    first.sched = s;
    s->pass = 1;
    gen_real_org (&first);
    gen_simulate_real (&first);
    s_free_company (&first);
    //  The second time, with the exits recorded ahead in the order of
    //  their recording.
    if (s->n_ahead)
        qsort (s->ahead, (size_t) s->n_ahead, sizeof (*s->ahead), s_by_recorded);
    s->pass = 2;
    s->next = 0;
    s->n_voids = 0;
    g->sched = s;
    g->mute = null;
    gen_real_org (g);
    gen_simulate_real (g);
}

void
gen_sched_free (gen_t *g)
{
    if (!g->sched)
        return;
    free (g->sched->ahead);
    free (g->sched->voids);
    free (g->sched);
    g->sched = NULL;
    if (g->mute)
        fclose (g->mute);
    g->mute = NULL;
}
