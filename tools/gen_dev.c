/*  hrwatch-gen's successor development in the realistic company (--quiet,
    --inject): mentors for some successors (some within the daemon's 90
    days, some later, some never), nominations at 1-2 or 3+ years beside the
    ready-now ones, whose readiness improves for some. --truth gets what the
    daemon should say of them (successor without a mentor, development
    stalled, derived here as docs/alerts.md defines them), and each change
    of a critical position's only ready-now successor, from which
    tools/quality.py derives succession at risk with the daemon's own
    turnover spikes and engagement drops.

    Every choice here comes from a hash of the seed and what it is about,
    never from g->rng: the draws of the other scenarios stay as they were,
    so the other detectors' figures do not move. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen_int.h"

#define S_UNMENTORED_DAYS 90        //  The daemon's defaults (docs/alerts.md)
#define S_STALE_DAYS 365
#define S_NONE INT64_MIN

typedef struct {
    int mentors;                //  Active mentorships as mentee
    int mentor;                 //  The current one, or -1
    int mentor_day;             //  Day a mentor is to be assigned, or -1
    int mentor_stop_day;        //  Day the mentorship is to end, or -1
    int64_t mentor_end;         //  When the last one ended, or S_NONE
    int64_t succ_since;         //  A successor since, or S_NONE
    int64_t due;                //  When "unmentored" falls due, or S_NONE
    int firing_u, firing_s;     //  What the daemon says now
    int tracked;                //  In the tracked list
    uint32_t succ_count;        //  Times they became a successor (hash input)
} s_person_t;

typedef struct {
    int nominee;                //  Its 1-2 or 3+ year nominee, or -1
    int readiness;              //  2 or 3
    int64_t since;              //  Nominated or last improved
    int improve_day;            //  Day readiness improves to 1-2, or -1
    int next_day;               //  Day a new nominee is chosen, or -1
    int sole;                   //  Its only ready-now successor as last written
    int sole_unit;              //  ... and their unit
    uint32_t round;             //  Nominees so far (hash input)
} s_pos_t;

struct gen_dev {
    s_person_t *people;
    int cap;
    int *tracked;               //  People with something to remember
    int n_tracked, cap_tracked;
    s_pos_t *pos;
    int n_pos;
};

//  A uniform draw in [0, 1) from the seed and three numbers: splitmix64's
//  finaliser, apart from g->rng.
static double
s_hash (const gen_t *g, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t z = g->seed * 0x9e3779b97f4a7c15ULL ^ 0x64657673756363ULL;
    z ^= a * 0xbf58476d1ce4e5b9ULL;
    z ^= b * 0x94d049bb133111ebULL + (c << 32) + c;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double) (z >> 11) / 9007199254740992.0;
}

static int64_t
s_day_ceil (int64_t t)
{
    int64_t d = t / GEN_DAY_US * GEN_DAY_US;
    return d < t? d + GEN_DAY_US: d;
}

static int
s_day_of (const gen_t *g, int64_t t)
{
    return (int) ((t - g->start_us) / GEN_DAY_US);
}

static s_person_t *
s_person (gen_t *g, int e)
{
    struct gen_dev *dv = g->dev;
    if (e >= dv->cap) {
        int cap = dv->cap? dv->cap: 1024;
        while (cap <= e)
            cap *= 2;
        dv->people = realloc (dv->people, (size_t) cap * sizeof (*dv->people));
        if (!dv->people)
            exit (2);
        for (int i = dv->cap; i < cap; i++) {
            s_person_t *p = &dv->people[i];
            memset (p, 0, sizeof (*p));
            p->mentor = -1;
            p->mentor_day = p->mentor_stop_day = -1;
            p->mentor_end = p->succ_since = p->due = S_NONE;
        }
        dv->cap = cap;
    }
    return &dv->people[e];
}

static void
s_track (gen_t *g, int e)
{
    struct gen_dev *dv = g->dev;
    s_person_t *p = s_person (g, e);
    if (p->tracked)
        return;
    if (dv->n_tracked == dv->cap_tracked) {
        dv->cap_tracked = dv->cap_tracked? dv->cap_tracked * 2: 256;
        dv->tracked = realloc (dv->tracked, (size_t) dv->cap_tracked * sizeof (int));
        if (!dv->tracked)
            exit (2);
    }
    dv->tracked[dv->n_tracked++] = e;
    p->tracked = 1;
}

static void
s_init (gen_t *g)
{
    if (g->dev)
        return;
    g->dev = calloc (1, sizeof (*g->dev));
    if (!g->dev)
        exit (2);
    g->dev->n_pos = g->n_positions;
    g->dev->pos = calloc ((size_t) g->n_positions + 1, sizeof (*g->dev->pos));
    if (!g->dev->pos)
        exit (2);
    for (int p = 0; p < g->n_positions; p++) {
        s_pos_t *dp = &g->dev->pos[p];
        dp->nominee = dp->sole = dp->sole_unit = -1;
        dp->improve_day = -1;
        //  Half the critical roles get a developing successor in the first
        //  200 days.
        dp->next_day = s_hash (g, 1, (uint64_t) p, 0) < 0.5? (int) (s_hash (g, 2, p, 0) * 200): -1;
    }
}

static int
s_is_critical (const gen_t *g, int p)
{
    return g->positions[p].defined && g->positions[p].critical;
}

//  Whether e holds an active ready-now nomination for p.
static int
s_ready_nominee (const gen_t *g, int p, int e)
{
    for (int k = 0; k < GEN_MAX_NOMINEES; k++)
        if (g->positions[p].nominees[k] == e)
            return 1;
    return 0;
}

//  A successor as the daemon counts one: active, with an active nomination
//  ready now or in 1-2 years for a critical position.
static int
s_successor (gen_t *g, int e, char *list, size_t cap)
{
    int n = 0;
    *list = '\0';
    if (!g->emps[e].active)
        return 0;
    for (int p = 0; p < g->n_positions; p++) {
        if (!s_is_critical (g, p))
            continue;
        const s_pos_t *dp = &g->dev->pos[p];
        if (s_ready_nominee (g, p, e) || (dp->nominee == e && dp->readiness == 2))
            n++;
    }
    (void) cap;
    return n > 0;
}

//  Whether a developing nomination of e has gone S_STALE_DAYS unimproved
//  at t.
static int
s_stalled (gen_t *g, int e, int64_t t)
{
    if (!g->emps[e].active)
        return 0;
    for (int p = 0; p < g->dev->n_pos; p++) {
        const s_pos_t *dp = &g->dev->pos[p];
        if (dp->nominee == e && t >= s_day_ceil (dp->since + S_STALE_DAYS * GEN_DAY_US))
            return 1;
    }
    return 0;
}

//  The alerts about e at t after an event (trigger 1) or at a midnight
//  (trigger 0): facts for what changes.
static void
s_eval (gen_t *g, int e, int64_t t, int trigger)
{
    s_person_t *p = s_person (g, e);
    char list[8];
    char eid[16];
    snprintf (eid, sizeof (eid), "E-%d", 10000 + e);
    int unit = g->teams[g->emps[e].team].unit;
    int succ = s_successor (g, e, list, sizeof (list));
    if (!succ)
        p->succ_since = S_NONE;
    else if (p->succ_since == S_NONE) {
        p->succ_since = t;
        p->succ_count++;
        //  Some successors get a mentor: within the 90 days, later, never.
        double h = s_hash (g, 3, (uint64_t) e, p->succ_count);
        if (p->mentors == 0 && p->mentor_day < 0 && h < 0.6)
            p->mentor_day = s_day_of (g, t) + 5 + (int) (h / 0.6 * 170);
    }
    p->due = S_NONE;
    if (succ && p->mentors == 0) {
        int64_t start = p->mentor_end != S_NONE && p->mentor_end > p->succ_since? p->mentor_end
                                                                                 : p->succ_since;
        p->due = s_day_ceil (start + S_UNMENTORED_DAYS * GEN_DAY_US);
    }
    int firing = p->due != S_NONE && t >= p->due;
    if (firing != p->firing_u)
        gen_fact (g, g->label, "succession", "successor_unmentored", eid, unit, t,
                  firing? "fire": "resolve", firing? "info": NULL, trigger? "event": "sweep", 0,
                  trigger);
    p->firing_u = firing;
    firing = s_stalled (g, e, t);
    if (firing != p->firing_s)
        gen_fact (g, g->label, "succession", "development_stalled", eid, unit, t,
                  firing? "fire": "resolve", firing? "warning": NULL, trigger? "event": "sweep",
                  0, trigger);
    p->firing_s = firing;
}

//  After each event of the company (gen_real_facts): developing nominees
//  overtaken by a ready-now nomination of the same pair, each tracked
//  person's alerts, and each critical role's only ready-now successor.
void
gen_dev_after (gen_t *g)
{
    if (g->stopped || !g->n_positions)
        return;
    s_init (g);
    struct gen_dev *dv = g->dev;
    for (int p = 0; p < dv->n_pos; p++) {
        s_pos_t *dp = &dv->pos[p];
        //  The same pair nominated ready now: that nomination replaces it.
        if (dp->nominee >= 0 && s_ready_nominee (g, p, dp->nominee)) {
            dp->nominee = -1;
            dp->improve_day = -1;
            dp->next_day = s_day_of (g, g->now) + 30;
        }
        for (int k = 0; k < GEN_MAX_NOMINEES; k++)
            if (g->positions[p].nominees[k] >= 0)
                s_track (g, g->positions[p].nominees[k]);
        if (dp->nominee >= 0)
            s_track (g, dp->nominee);
    }
    for (int i = 0; i < dv->n_tracked; i++)
        s_eval (g, dv->tracked[i], g->last_t, 1);
    //  The only ready-now successor of each critical role, and their unit.
    for (int p = 0; p < dv->n_pos; p++) {
        s_pos_t *dp = &dv->pos[p];
        int sole = -1, unit = -1;
        if (s_is_critical (g, p) && gen_real_ready (g, p) == 1)
            for (int k = 0; k < GEN_MAX_NOMINEES && sole < 0; k++) {
                int e = g->positions[p].nominees[k];
                int held = e >= 0? g->emps[e].position: -1;
                if (e >= 0 && g->emps[e].active && e != g->positions[p].incumbent
                    && (held < 0 || !g->positions[held].critical))
                    sole = e;
            }
        if (sole >= 0)
            unit = g->teams[g->emps[sole].team].unit;
        if (sole == dp->sole && unit == dp->sole_unit)
            continue;
        dp->sole = sole;
        dp->sole_unit = unit;
        if (!g->facts)
            continue;
        char pid[16], when[48];
        gen_pos_id (p, pid, sizeof (pid));
        fprintf (g->facts, "{\"sole\":{\"position\":\"%s\",\"position_unit\":\"%s\","
                 "\"employee\":\"", pid, g->units[g->positions[p].unit].id);
        if (sole >= 0)
            fprintf (g->facts, "E-%d", 10000 + sole);
        fprintf (g->facts, "\",\"unit_path\":[");
        int chain[16], n = 0;
        for (int v = unit; v >= 0 && n < 16; v = g->units[v].parent)
            chain[n++] = v;
        for (int i = 0; i < n; i++)
            fprintf (g->facts, "%s\"%s\"", i? ",": "", g->units[chain[i]].id);
        char id[GEN_ID_MAX];
        fprintf (g->facts, "],\"at\":\"%s\",\"trigger\":\"%s\"}}\n",
                 hrw_clock_format (g->last_t, when, sizeof (when)),
                 gen_event_id (g, 0, g->seq, id, sizeof (id)));
    }
}

//  Someone active, holding no role and nobody's successor, for a
//  developing nomination or as a mentor (other than not).
static int
s_pick (gen_t *g, uint64_t a, uint64_t b, int not)
{
    for (int tries = 0; tries < 32; tries++) {
        int e = (int) (s_hash (g, a, b, (uint64_t) tries) * g->n_emps);
        if (e != not && g->emps[e].active && g->emps[e].position < 0 && !g->emps[e].nominated
            && (e >= g->dev->cap || !g->dev->people[e].tracked))
            return e;
    }
    return -1;
}

//  The start of day d: what falls due at midnight (the daemon's sweep,
//  with no triggering event).
void
gen_dev_day (gen_t *g, int d)
{
    if (g->stopped || !g->n_positions)
        return;
    s_init (g);
    struct gen_dev *dv = g->dev;
    int64_t midnight = s_day_ceil (g->now);
    //  Due at this midnight or before (only the first day may see the
    //  latter): facts at the due time, as the sweep says them.
    for (int i = 0; i < dv->n_tracked; i++) {
        int e = dv->tracked[i];
        s_person_t *p = &dv->people[e];
        if (!g->emps[e].active)
            continue;
        int64_t t = p->due != S_NONE && p->due <= midnight && !p->firing_u? p->due: midnight;
        s_eval (g, e, t, 0);
    }
    (void) d;
}

//  The end of day d: its mentoring and developing nominations, after the
//  rest of the company's events, so that those keep the times they had
//  before there were any (a window compares times to the microsecond).
void
gen_dev_day_end (gen_t *g, int d)
{
    if (g->stopped || !g->n_positions)
        return;
    s_init (g);
    struct gen_dev *dv = g->dev;
    for (int i = 0; i < dv->n_tracked; i++) {
        int e = dv->tracked[i];
        s_person_t *p = &dv->people[e];
        if (!g->emps[e].active)
            continue;
        if (p->mentor_day >= 0 && d >= p->mentor_day) {
            p->mentor_day = -1;
            int m = s_pick (g, 4, (uint64_t) e * 131 + p->succ_count, e);
            if (m >= 0 && p->mentors == 0) {
                gen_emit_mentor (g, m, e, 1);
                p->mentor = m;
                p->mentors = 1;
                //  Most mentorships end within a year or two.
                double h = s_hash (g, 5, (uint64_t) e, p->succ_count);
                p->mentor_stop_day = h < 0.7? d + 150 + (int) (h / 0.7 * 400): -1;
                gen_real_facts (g, "mentor assigned");
            }
        }
        else if (p->mentor_stop_day >= 0 && d >= p->mentor_stop_day && p->mentors) {
            gen_emit_mentor (g, p->mentor, e, 0);
            p->mentor = -1;
            p->mentors = 0;
            p->mentor_stop_day = -1;
            p->mentor_end = g->last_t;
            gen_real_facts (g, "mentor ended");
        }
    }
    for (int q = 0; q < dv->n_pos; q++) {
        s_pos_t *dp = &dv->pos[q];
        if (!s_is_critical (g, q))
            continue;
        if (dp->nominee >= 0 && dp->improve_day >= 0 && d >= dp->improve_day
            && g->emps[dp->nominee].active) {
            dp->improve_day = -1;
            dp->readiness = 2;
            gen_emit_nomination (g, q, dp->nominee, 1, 2);
            dp->since = g->last_t;
            gen_real_facts (g, "readiness improved");
        }
        if (dp->next_day < 0 || d < dp->next_day
            || (dp->nominee >= 0 && g->emps[dp->nominee].active))
            continue;
        dp->round++;
        int e = s_pick (g, 6, (uint64_t) q * 977 + dp->round, g->positions[q].incumbent);
        dp->next_day = d + 30 + (int) (s_hash (g, 7, (uint64_t) q, dp->round) * 60);
        if (e < 0 || s_ready_nominee (g, q, e))
            continue;
        double h = s_hash (g, 8, (uint64_t) q, dp->round);
        dp->nominee = e;
        dp->readiness = h < 0.5? 2: 3;
        //  Some improve within the year, some later, some never.
        dp->improve_day = dp->readiness == 3 && h < 0.85? d + 120 + (int) ((h - 0.5) / 0.35 * 400)
                                                         : -1;
        s_track (g, e);
        gen_emit_nomination (g, q, e, 1, dp->readiness);
        dp->since = g->last_t;
        gen_real_facts (g, "developing successor nominated");
    }
}

void
gen_dev_free (gen_t *g)
{
    if (!g->dev)
        return;
    free (g->dev->people);
    free (g->dev->tracked);
    free (g->dev->pos);
    free (g->dev);
    g->dev = NULL;
}
