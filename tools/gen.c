/*  hrwatch-gen: a deterministic synthetic company history as hrwatch.v1
    events (JSON lines), for demos, tests and benchmarks.

    A company with an org tree (root, divisions, departments, teams), an
    existing workforce hired over the years before the start date, then
    day by day: voluntary and involuntary exits (teams differ in risk),
    replacement hires, promotions into vacated lead positions, transfers,
    quarterly engagement surveys, successor nominations for critical
    positions, and mentoring. The same seed gives the same bytes.

    --summary writes what the emitted events amount to (the ground truth
    tests compare hrwatchd's state with), counted here independently of the
    daemon's store. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"

#define S_DAY_US (86400LL * HRW_US_PER_SEC)
#define S_TEAM_SIZE 12
#define S_TEAMS_PER_DEPT 4
#define S_DIVISIONS 5
#define S_MAX_NOMINEES 3

typedef struct {
    int team;           //  Index into teams
    int slot;           //  Index in its team's member list
    int active;
    int level;
    int position;       //  Held position, or -1
    int mentor;         //  Current mentor, or -1
    int64_t mentor_end; //  When the mentoring ends
    int keep;           //  Quiet background: never leaves on its own
    int nominated;      //  Realistic company: positions it is a successor for
} s_emp_t;

typedef struct {
    int unit;           //  Index into units
    int *members;       //  Employee indexes
    int n, cap;
    int target;         //  Headcount the team hires back to
    double risk;        //  Exit-rate multiplier
    double mood;        //  Mean engagement, 1..5
    int lead;           //  Index of the team lead position
    int boost_from;     //  Realistic company: days the exit rate is boosted,
    int boost_to;       //  from and to (exclusive)
    double boost;       //  and by how much
    int resp_day[14];   //  This cycle's responses, by day of the cycle
    int shift_cycle;    //  From this cycle on (0: never) engagement shifts
    double shift;       //  by this much
    int quiet_cycle;    //  In this cycle (0: none) only 4 answer, 1.5 lower
    int prev_resp;      //  Respondents in the previous cycle
} s_team_t;

typedef struct {
    char id[64];
    int parent;         //  -1 for the root
    char name[64];
    int bench;          //  Realistic company: bench strength short now
} s_unit_t;

typedef struct {
    int unit;
    int critical;
    int incumbent;      //  Employee, or -1
    int nominees[S_MAX_NOMINEES];   //  Employees, -1 for none
    int64_t vacant_since;           //  When the incumbent left, or 0
    int defined;        //  Realistic company: its positionDefined is out
    int gap;            //  Realistic company: 0, or the gap's severity
                        //  (1 warning, 2 critical) as the daemon should see it
    int hold_until;     //  No background nomination before this day
} s_pos_t;

typedef struct {
    //  Options
    uint64_t seed;
    int employees;
    int years;
    int64_t start_us;
    long max_events;
    FILE *out;
    //  State
    uint64_t rng;
    s_unit_t *units;
    int n_units;
    s_team_t *teams;
    int n_teams;
    s_pos_t *positions;
    int n_positions;
    s_emp_t *emps;
    int n_emps, cap_emps;
    int64_t now;            //  Current simulated day (or instant)
    int64_t last_t;         //  Time of the last event emitted
    long seq;               //  Events emitted
    int stopped;            //  max_events reached
    FILE *truth;            //  --scenarios: quiet background, ground truth here
    int real;               //  --quiet or --inject: the realistic company
    int inject;             //  --inject: scenarios in it
    int n_units_opt;        //  --units: org units in the realistic company
    FILE *facts;            //  --truth: its ground truth, JSON lines
    const char *label;      //  The scenario the next events belong to
    long unit_cycles;       //  Realistic company: unit-cycles an engagement
                            //  drop could be judged on (5+ answers in both)
    //  Ground truth of what was emitted
    long t_active, t_exited, t_units, t_positions, t_critical, t_nominations, t_mentorships,
        t_responses;
    long t_by_type[11];
} s_gen_t;

static const char *s_type_names[11] = {
    "hire", "exit", "promotion", "transfer", "org_unit_defined", "position_defined",
    "successor_nominated", "successor_withdrawn", "mentor_assigned", "mentor_ended",
    "survey_response"
};

enum { T_HIRE, T_EXIT, T_PROMOTION, T_TRANSFER, T_UNIT, T_POSITION, T_NOMINATED,
       T_WITHDRAWN, T_MENTOR, T_MENTOR_END, T_SURVEY };

// ---------------------------------------------------------------------------
// Randomness (splitmix64: small, fast, and the same everywhere)

static uint64_t
s_next (s_gen_t *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double
s_uniform (s_gen_t *g)
{
    return (double) (s_next (g) >> 11) / 9007199254740992.0;
}

static int
s_below (s_gen_t *g, int n)
{
    return n > 0? (int) (s_uniform (g) * n): 0;
}

static int
s_poisson (s_gen_t *g, double lambda)
{
    double l = exp (-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= s_uniform (g);
    } while (p > l && k < 1000);
    return k - 1;
}

static double
s_normal (s_gen_t *g)
{
    double u = s_uniform (g) + 1e-12, v = s_uniform (g);
    return sqrt (-2.0 * log (u)) * cos (6.283185307179586 * v);
}

// ---------------------------------------------------------------------------
// Emitting events

//  Starts an event line; returns 0 when the event is to be written.
static int
s_begin (s_gen_t *g, int type)
{
    if (g->stopped)
        return -1;
    if (g->max_events && g->seq >= g->max_events) {
        g->stopped = 1;
        return -1;
    }
    char when[48];
    g->seq++;
    g->t_by_type[type]++;
    //  A day's events start at 09:00 and follow each other a millisecond
    //  apart at least, so the history is strictly ordered in event time.
    int64_t t = g->now + 9 * 3600 * HRW_US_PER_SEC;
    if (t <= g->last_t)
        t = g->last_t + 1000;
    g->last_t = t;
    fprintf (g->out, "{\"eventId\":\"gen%" PRIu64 "-%ld\",\"occurredAt\":\"%s\",\"source\":"
             "\"hrwatch-gen\",", g->seed, g->seq, hrw_clock_format (t, when, sizeof (when)));
    return 0;
}

static void
s_emp_id (int e, char *buf, size_t cap)
{
    snprintf (buf, cap, "E-%d", 10000 + e);
}

static void
s_pos_id (int p, char *buf, size_t cap)
{
    snprintf (buf, cap, "P-%d", 100 + p);
}

static void
s_emit_unit (s_gen_t *g, int u)
{
    if (s_begin (g, T_UNIT))
        return;
    const s_unit_t *un = &g->units[u];
    fprintf (g->out, "\"orgUnitDefined\":{\"unitId\":\"%s\",\"parentId\":\"%s\",\"name\":\"%s\"}}\n",
             un->id, un->parent >= 0? g->units[un->parent].id: "", un->name);
    g->t_units++;
}

static void
s_emit_position (s_gen_t *g, int p)
{
    if (s_begin (g, T_POSITION))
        return;
    char pid[16];
    s_pos_id (p, pid, sizeof (pid));
    char inc[16] = "";
    if (g->positions[p].incumbent >= 0)
        s_emp_id (g->positions[p].incumbent, inc, sizeof (inc));
    fprintf (g->out, "\"positionDefined\":{\"positionId\":\"%s\",\"unitId\":\"%s\",\"title\":"
             "\"%s\",\"critical\":%s,\"incumbentId\":\"%s\"}}\n", pid,
             g->units[g->positions[p].unit].id, g->positions[p].critical? "Head": "Team lead",
             g->positions[p].critical? "true": "false", inc);
    g->t_positions++;
    g->t_critical += g->positions[p].critical;
}

static void
s_emit_hire (s_gen_t *g, int e)
{
    if (s_begin (g, T_HIRE))
        return;
    char eid[16], pid[16] = "";
    s_emp_id (e, eid, sizeof (eid));
    if (g->emps[e].position >= 0)
        s_pos_id (g->emps[e].position, pid, sizeof (pid));
    fprintf (g->out, "\"hire\":{\"employeeId\":\"%s\",\"unitId\":\"%s\",%s%s%s\"level\":%d}}\n",
             eid, g->units[g->teams[g->emps[e].team].unit].id, *pid? "\"positionId\":\"": "",
             pid, *pid? "\",": "", g->emps[e].level);
    g->t_active++;
}

static void
s_emit_exit (s_gen_t *g, int e, int voluntary, int regretted)
{
    if (s_begin (g, T_EXIT))
        return;
    char eid[16];
    s_emp_id (e, eid, sizeof (eid));
    fprintf (g->out, "\"exit\":{\"employeeId\":\"%s\",\"type\":\"%s\",\"reasonCode\":\"%s\","
             "\"regretted\":%s}}\n", eid,
             voluntary? "EXIT_TYPE_VOLUNTARY": "EXIT_TYPE_INVOLUNTARY",
             voluntary? "new-opportunity": "performance", regretted? "true": "false");
    g->t_active--;
    g->t_exited++;
}

static void
s_emit_promotion (s_gen_t *g, int e, int p)
{
    if (s_begin (g, T_PROMOTION))
        return;
    char eid[16], pid[16];
    s_emp_id (e, eid, sizeof (eid));
    s_pos_id (p, pid, sizeof (pid));
    fprintf (g->out, "\"promotion\":{\"employeeId\":\"%s\",\"newPositionId\":\"%s\","
             "\"newLevel\":%d}}\n", eid, pid, g->emps[e].level);
}

static void
s_emit_transfer (s_gen_t *g, int e)
{
    if (s_begin (g, T_TRANSFER))
        return;
    char eid[16];
    s_emp_id (e, eid, sizeof (eid));
    fprintf (g->out, "\"transfer\":{\"employeeId\":\"%s\",\"newUnitId\":\"%s\"}}\n", eid,
             g->units[g->teams[g->emps[e].team].unit].id);
}

static void
s_emit_nomination (s_gen_t *g, int p, int e, int nominated, int readiness)
{
    static const char *names[] = { "", "READINESS_READY_NOW", "READINESS_READY_1_2_YEARS",
                                   "READINESS_READY_3_PLUS_YEARS" };
    if (s_begin (g, nominated? T_NOMINATED: T_WITHDRAWN))
        return;
    char eid[16], pid[16];
    s_emp_id (e, eid, sizeof (eid));
    s_pos_id (p, pid, sizeof (pid));
    if (nominated)
        fprintf (g->out, "\"successorNominated\":{\"positionId\":\"%s\",\"employeeId\":\"%s\","
                 "\"readiness\":\"%s\"}}\n", pid, eid, names[readiness]);
    else
        fprintf (g->out, "\"successorWithdrawn\":{\"positionId\":\"%s\",\"employeeId\":\"%s\"}}\n",
                 pid, eid);
    g->t_nominations += nominated? 1: -1;
}

static void
s_emit_mentor (s_gen_t *g, int mentor, int mentee, int assigned)
{
    if (s_begin (g, assigned? T_MENTOR: T_MENTOR_END))
        return;
    char a[16], b[16];
    s_emp_id (mentor, a, sizeof (a));
    s_emp_id (mentee, b, sizeof (b));
    fprintf (g->out, "\"%s\":{\"mentorId\":\"%s\",\"menteeId\":\"%s\"}}\n",
             assigned? "mentorAssigned": "mentorEnded", a, b);
    g->t_mentorships += assigned? 1: -1;
}

static void
s_emit_survey (s_gen_t *g, const char *cycle, int team, int score, int enps)
{
    if (s_begin (g, T_SURVEY))
        return;
    fprintf (g->out, "\"surveyResponse\":{\"surveyCycleId\":\"%s\",\"unitId\":\"%s\","
             "\"engagement\":%d", cycle, g->units[g->teams[team].unit].id, score);
    if (enps >= 0)
        fprintf (g->out, ",\"enps\":%d", enps);
    fprintf (g->out, "}}\n");
    g->t_responses++;
}

// ---------------------------------------------------------------------------
// The company

static int
s_add_unit (s_gen_t *g, const char *id, int parent, const char *name)
{
    s_unit_t *u = &g->units[g->n_units];
    snprintf (u->id, sizeof (u->id), "%s", id);
    snprintf (u->name, sizeof (u->name), "%s", name);
    u->parent = parent;
    return g->n_units++;
}

static int
s_add_position (s_gen_t *g, int unit, int critical)
{
    s_pos_t *p = &g->positions[g->n_positions];
    p->unit = unit;
    p->critical = critical;
    p->incumbent = -1;
    for (int i = 0; i < S_MAX_NOMINEES; i++)
        p->nominees[i] = -1;
    return g->n_positions++;
}

static void
s_build_org (s_gen_t *g)
{
    static const char *divs[S_DIVISIONS] = { "ops", "eng", "sales", "finance", "people" };
    static const char *div_names[S_DIVISIONS] = { "Operations", "Engineering", "Sales",
                                                  "Finance", "People" };
    g->n_teams = g->employees / S_TEAM_SIZE < 4? 4: g->employees / S_TEAM_SIZE;
    int n_depts = (g->n_teams + S_TEAMS_PER_DEPT - 1) / S_TEAMS_PER_DEPT;
    int max_units = 1 + S_DIVISIONS + n_depts + g->n_teams;
    g->units = calloc ((size_t) max_units, sizeof (*g->units));
    g->teams = calloc ((size_t) g->n_teams, sizeof (*g->teams));
    g->positions = calloc ((size_t) max_units, sizeof (*g->positions));
    if (!g->units || !g->teams || !g->positions)
        exit (2);
    int root = s_add_unit (g, "acme", -1, "Acme Corp");
    int div_unit[S_DIVISIONS];
    for (int d = 0; d < S_DIVISIONS; d++) {
        div_unit[d] = s_add_unit (g, divs[d], root, div_names[d]);
        s_add_position (g, div_unit[d], 1);
    }
    char id[64], name[64];
    int dept = -1;
    for (int t = 0; t < g->n_teams; t++) {
        if (t % S_TEAMS_PER_DEPT == 0) {
            int d = (t / S_TEAMS_PER_DEPT) % S_DIVISIONS;
            snprintf (id, sizeof (id), "%s-d%d", divs[d], t / S_TEAMS_PER_DEPT + 1);
            snprintf (name, sizeof (name), "%s department %d", div_names[d],
                      t / S_TEAMS_PER_DEPT + 1);
            dept = s_add_unit (g, id, div_unit[d], name);
            s_add_position (g, dept, 1);
        }
        snprintf (id, sizeof (id), "%.40s-t%d", g->units[dept].id, t % S_TEAMS_PER_DEPT + 1);
        snprintf (name, sizeof (name), "Team %d", t + 1);
        s_team_t *tm = &g->teams[t];
        tm->unit = s_add_unit (g, id, dept, name);
        tm->target = S_TEAM_SIZE - 3 + s_below (g, 7);
        tm->risk = exp (0.5 * s_normal (g));
        tm->mood = 3.4 + 0.35 * s_normal (g);
        //  A quarter of team leads are critical roles too.
        tm->lead = s_add_position (g, tm->unit, s_below (g, 4) == 0);
    }
}

static int
s_new_emp (s_gen_t *g, int team, int level)
{
    if (g->n_emps == g->cap_emps) {
        g->cap_emps = g->cap_emps? g->cap_emps * 2: 1024;
        g->emps = realloc (g->emps, (size_t) g->cap_emps * sizeof (*g->emps));
        if (!g->emps)
            exit (2);
    }
    s_emp_t *e = &g->emps[g->n_emps];
    memset (e, 0, sizeof (*e));
    e->team = team;
    e->level = level;
    e->position = -1;
    e->mentor = -1;
    return g->n_emps++;
}

static void
s_join_team (s_gen_t *g, int e, int team)
{
    s_team_t *t = &g->teams[team];
    if (t->n == t->cap) {
        t->cap = t->cap? t->cap * 2: 16;
        t->members = realloc (t->members, (size_t) t->cap * sizeof (int));
        if (!t->members)
            exit (2);
    }
    g->emps[e].team = team;
    g->emps[e].slot = t->n;
    t->members[t->n++] = e;
}

static void
s_leave_team (s_gen_t *g, int e)
{
    s_team_t *t = &g->teams[g->emps[e].team];
    int slot = g->emps[e].slot;
    int last = t->members[--t->n];
    t->members[slot] = last;
    g->emps[last].slot = slot;
}

static void
s_hire (s_gen_t *g, int team, int position)
{
    int e = s_new_emp (g, team, position >= 0? 5 + s_below (g, 3): 1 + s_below (g, 4));
    g->emps[e].active = 1;
    g->emps[e].position = position;
    g->emps[e].keep = position >= 0;
    s_join_team (g, e, team);
    if (position >= 0)
        g->positions[position].incumbent = e;
    s_emit_hire (g, e);
}

// ---------------------------------------------------------------------------
// Day by day

static void
s_nominate (s_gen_t *g, int p)
{
    s_pos_t *pos = &g->positions[p];
    //  Candidates come from the position's unit, or any team below it.
    for (int k = 0; k < S_MAX_NOMINEES; k++) {
        if (pos->nominees[k] >= 0)
            continue;
        int team = s_below (g, g->n_teams);
        for (int tries = 0; tries < 8; tries++, team = s_below (g, g->n_teams)) {
            s_team_t *t = &g->teams[team];
            if (t->n == 0)
                continue;
            int e = t->members[s_below (g, t->n)];
            if (e == pos->incumbent || g->emps[e].position >= 0)
                continue;
            int dup = 0;
            for (int j = 0; j < S_MAX_NOMINEES; j++)
                dup |= pos->nominees[j] == e;
            if (dup)
                continue;
            pos->nominees[k] = e;
            //  A quiet background has one ready-now successor per role,
            //  who stays.
            g->emps[e].keep = g->truth != NULL;
            s_emit_nomination (g, p, e, 1, g->truth? 1: 1 + s_below (g, 3));
            break;
        }
        if (g->truth)
            break;
    }
}

static void
s_exit (s_gen_t *g, int e, int voluntary)
{
    s_emp_t *em = &g->emps[e];
    em->active = 0;
    s_leave_team (g, e);
    if (em->position >= 0) {
        g->positions[em->position].incumbent = -1;
        g->positions[em->position].vacant_since = g->now;
    }
    s_emit_exit (g, e, voluntary, voluntary && em->level >= 3 && s_below (g, 2) == 0);
}

//  The team a unit is, or any team for a department or division.
static int
s_team_for (s_gen_t *g, int unit)
{
    for (int t = 0; t < g->n_teams; t++)
        if (g->teams[t].unit == unit)
            return t;
    return s_below (g, g->n_teams);
}

static void
s_fill_vacancies (s_gen_t *g)
{
    for (int p = 0; p < g->n_positions; p++) {
        s_pos_t *pos = &g->positions[p];
        if (pos->incumbent >= 0 || g->now - pos->vacant_since < 30 * S_DAY_US)
            continue;
        //  Promote an active nominee when there is one, else hire outside.
        int chosen = -1;
        for (int k = 0; k < S_MAX_NOMINEES && chosen < 0; k++) {
            int e = pos->nominees[k];
            if (e >= 0 && g->emps[e].active && g->emps[e].position < 0)
                chosen = e;
        }
        if (chosen >= 0) {
            for (int k = 0; k < S_MAX_NOMINEES; k++)
                if (pos->nominees[k] == chosen) {
                    pos->nominees[k] = -1;
                    s_emit_nomination (g, p, chosen, 0, 0);
                }
            g->emps[chosen].position = p;
            g->emps[chosen].level++;
            pos->incumbent = chosen;
            s_emit_promotion (g, chosen, p);
        }
        else
            s_hire (g, s_team_for (g, pos->unit), p);
        if (pos->critical)
            s_nominate (g, p);
    }
}

static void
s_day_team (s_gen_t *g, int t)
{
    s_team_t *tm = &g->teams[t];
    //  Annual rates: 11% voluntary, 3% involuntary, 4% transfers out.
    int vol = s_poisson (g, tm->n * 0.11 / 365.0 * tm->risk);
    for (int i = 0; i < vol && tm->n > 0; i++)
        s_exit (g, tm->members[s_below (g, tm->n)], 1);
    int invol = s_poisson (g, tm->n * 0.03 / 365.0);
    for (int i = 0; i < invol && tm->n > 0; i++)
        s_exit (g, tm->members[s_below (g, tm->n)], 0);
    int moves = s_poisson (g, tm->n * 0.04 / 365.0);
    for (int i = 0; i < moves && tm->n > 1; i++) {
        int e = tm->members[s_below (g, tm->n)];
        int to = s_below (g, g->n_teams);
        if (to == t || g->emps[e].position >= 0)
            continue;
        s_leave_team (g, e);
        s_join_team (g, e, to);
        s_emit_transfer (g, e);
    }
    //  Recruiting closes a gap with a lag of a few weeks on average.
    if (tm->n < tm->target && s_below (g, 20) == 0)
        s_hire (g, t, -1);
}

static void
s_mentoring (s_gen_t *g)
{
    int e = s_below (g, g->n_emps);
    s_emp_t *em = &g->emps[e];
    if (em->active && em->mentor < 0 && em->level <= 2 && s_below (g, 4) == 0) {
        s_team_t *t = &g->teams[s_below (g, g->n_teams)];
        int m = t->n? t->members[s_below (g, t->n)]: -1;
        if (m >= 0 && m != e && g->emps[m].level >= 3) {
            em->mentor = m;
            em->mentor_end = g->now + (180 + s_below (g, 180)) * S_DAY_US;
            s_emit_mentor (g, m, e, 1);
        }
    }
}

static void
s_end_mentoring (s_gen_t *g)
{
    for (int e = 0; e < g->n_emps; e++) {
        s_emp_t *em = &g->emps[e];
        if (em->mentor >= 0 && (g->now >= em->mentor_end || !em->active
                                || !g->emps[em->mentor].active)) {
            s_emit_mentor (g, em->mentor, e, 0);
            em->mentor = -1;
        }
    }
}

static void
s_survey (s_gen_t *g, const char *cycle)
{
    for (int t = 0; t < g->n_teams; t++) {
        s_team_t *tm = &g->teams[t];
        //  A team's mood stays put; answers scatter around it.
        for (int i = 0; i < tm->n; i++) {
            if (s_below (g, 10) >= 7)
                continue;
            double x = tm->mood + 0.8 * s_normal (g);
            int score = x < 1.5? 1: x > 4.5? 5: (int) (x + 0.5);
            int enps = s_below (g, 10) == 0? -1: score * 2 + s_below (g, 2) - (score == 5? 1: 0);
            s_emit_survey (g, cycle, t, score, enps < 0? -1: enps > 10? 10: enps);
        }
    }
}

// ---------------------------------------------------------------------------
// Scenarios: a quiet, deterministic background with known events injected,
// and the alerts they should (and should not) cause written down.

#define S_ID_LIST 64

typedef struct {
    long ids[S_ID_LIST];    //  Event sequence numbers
    int n;
} s_ids_t;

static void
s_note_id (s_gen_t *g, s_ids_t *ids)
{
    if (ids->n < S_ID_LIST && !g->stopped)
        ids->ids[ids->n++] = g->seq;
}

static void
s_truth_ids (s_gen_t *g, const char *name, const s_ids_t *ids)
{
    fprintf (g->truth, ",\"%s\":[", name);
    for (int i = 0; i < ids->n; i++)
        fprintf (g->truth, "%s\"gen%" PRIu64 "-%ld\"", i? ",": "", g->seed, ids->ids[i]);
    fprintf (g->truth, "]");
}

static void
s_truth (s_gen_t *g, const char *scenario, const char *expect, const char *kind,
         const char *subject, const s_ids_t *fire, const s_ids_t *resolve)
{
    fprintf (g->truth, "{\"scenario\":\"%s\",\"expect\":\"%s\",\"fingerprint\":\"%s/%s\"",
             scenario, expect, kind, subject);
    if (fire)
        s_truth_ids (g, "fire_triggers", fire);
    if (resolve)
        s_truth_ids (g, "resolve_triggers", resolve);
    fprintf (g->truth, "}\n");
}

//  Alerts a scenario may also raise higher up: its unit's ancestors.
static void
s_truth_ancestors (s_gen_t *g, const char *scenario, const char *kind, int unit)
{
    for (int u = g->units[unit].parent; u >= 0; u = g->units[u].parent)
        s_truth (g, scenario, "allow", kind, g->units[u].id, NULL, NULL);
}

//  The first member of a team the background may let go, or -1.
static int
s_leaver (s_gen_t *g, int team)
{
    s_team_t *t = &g->teams[team];
    for (int i = 0; i < t->n; i++)
        if (!g->emps[t->members[i]].keep)
            return t->members[i];
    return -1;
}

//  Each team loses one person every 300 days, teams 37 days apart, and
//  hires back within two weeks: turnover of about 10% a year, never three
//  exits in a month anywhere.
static void
s_day_team_quiet (s_gen_t *g, int t, int d)
{
    s_team_t *tm = &g->teams[t];
    int e;
    if ((d + 37 * t) % 300 == 0 && (e = s_leaver (g, t)) >= 0)
        s_exit (g, e, 1);
    if (tm->n < tm->target && d % 14 == t % 14)
        s_hire (g, t, -1);
}

//  Everyone answers; engagement averages 4.0 and eNPS +25 in every team,
//  except the team and cycle given, which drop to 3.0 and -100.
static void
s_survey_quiet (s_gen_t *g, const char *cycle, int low_team, int note_team, s_ids_t *ids)
{
    static const int score[4] = { 4, 4, 5, 3 }, nps[4] = { 8, 9, 7, 8 };
    for (int t = 0; t < g->n_teams; t++)
        for (int i = 0; i < g->teams[t].n; i++) {
            int low = t == low_team;
            s_emit_survey (g, cycle, t, score[i % 4] - low, nps[i % 4] - 3 * low);
            if (t == note_team)
                s_note_id (g, ids);
        }
}

typedef struct {
    int spike_team, rise_team, drop_team, gap_position;
    s_ids_t spike, gap_open, gap_close, drop, drop_next;
} s_scenarios_t;

static void
s_scenario_day (s_gen_t *g, s_scenarios_t *sc, int d)
{
    int e;
    //  A spike: five voluntary exits in nine days.
    if (d >= 500 && d <= 508 && d % 2 == 0 && (e = s_leaver (g, sc->spike_team)) >= 0) {
        s_exit (g, e, 1);
        s_note_id (g, &sc->spike);
    }
    //  A slow rise: exits coming closer together, never three in a month.
    static const int rise[] = { 420, 510, 585, 645, 695, 735 };
    for (size_t i = 0; i < sizeof (rise) / sizeof (rise[0]); i++)
        if (d == rise[i] && (e = s_leaver (g, sc->rise_team)) >= 0)
            s_exit (g, e, 1);
    //  A gap opened (the only ready-now successor leaves) and closed (a new
    //  one is nominated) forty days later.
    s_pos_t *pos = &g->positions[sc->gap_position];
    if (d == 600 && pos->nominees[0] >= 0) {
        s_exit (g, pos->nominees[0], 1);
        s_note_id (g, &sc->gap_open);
        pos->nominees[0] = -1;
    }
    if (d == 640) {
        s_nominate (g, sc->gap_position);
        s_note_id (g, &sc->gap_close);
    }
}

static void
s_write_truth (s_gen_t *g, s_scenarios_t *sc)
{
    const char *spike = g->units[g->teams[sc->spike_team].unit].id;
    s_truth (g, "turnover spike", "fire", "turnover_spike", spike, &sc->spike, NULL);
    s_truth_ancestors (g, "turnover spike", "turnover_spike", g->teams[sc->spike_team].unit);
    s_truth (g, "slow rise", "none", "turnover_spike",
             g->units[g->teams[sc->rise_team].unit].id, NULL, NULL);
    char pid[16];
    s_pos_id (sc->gap_position, pid, sizeof (pid));
    s_truth (g, "gap opened and closed", "fire", "succession_gap", pid, &sc->gap_open,
             &sc->gap_close);
    s_truth (g, "gap opened and closed", "allow", "bench_strength",
             g->units[g->positions[sc->gap_position].unit].id, NULL, NULL);
    s_truth_ancestors (g, "gap opened and closed", "bench_strength",
                       g->positions[sc->gap_position].unit);
    char subject[128];
    snprintf (subject, sizeof (subject), "%s/cycle-07",
              g->units[g->teams[sc->drop_team].unit].id);
    s_truth (g, "engagement drop", "fire", "engagement_drop", subject, &sc->drop,
             &sc->drop_next);
}

static void s_initial (s_gen_t *g);

static void
s_simulate_scenarios (s_gen_t *g)
{
    s_scenarios_t sc;
    memset (&sc, 0, sizeof (sc));
    sc.spike_team = 3 % g->n_teams;
    sc.rise_team = 7 % g->n_teams;
    sc.drop_team = 11 % g->n_teams;
    s_initial (g);
    for (int p = 0; p < g->n_positions; p++)
        if (g->positions[p].critical && g->positions[p].nominees[0] >= 0) {
            sc.gap_position = p;
            break;
        }
    for (int d = 0; d < g->years * 365 && !g->stopped; d++) {
        g->now = g->start_us + d * S_DAY_US;
        for (int t = 0; t < g->n_teams; t++)
            s_day_team_quiet (g, t, d);
        s_scenario_day (g, &sc, d);
        if (d % 91 == 45) {
            char cycle[16];
            int n = d / 91 + 1;
            snprintf (cycle, sizeof (cycle), "cycle-%02d", n);
            //  Cycle 7 drops in one team; cycle 8's answers supersede it.
            s_survey_quiet (g, cycle, n == 7? sc.drop_team: -1,
                            n == 7 || n == 8? sc.drop_team: -1, n == 7? &sc.drop: &sc.drop_next);
        }
    }
    s_write_truth (g, &sc);
}

static void
s_initial (s_gen_t *g)
{
    g->now = g->start_us - 30 * S_DAY_US;
    for (int u = 0; u < g->n_units; u++)
        s_emit_unit (g, u);
    //  The workforce at the start was hired over the five years before it;
    //  hires are emitted in date order.
    int total = 0;
    for (int t = 0; t < g->n_teams; t++)
        total += g->teams[t].target;
    int64_t span = 5 * 365 * S_DAY_US;
    for (int i = 0; i < total; i++) {
        g->now = g->start_us - span + span * i / (total + 1);
        g->now -= g->now % S_DAY_US;
        s_hire (g, i % g->n_teams, -1);
    }
    //  Role holders are hired, then the HRIS exports its succession plan and
    //  its positions with their incumbents, a role's nominees first.
    for (int p = 0; p < g->n_positions; p++)
        s_hire (g, s_team_for (g, g->positions[p].unit), p);
    for (int p = 0; p < g->n_positions; p++) {
        if (g->positions[p].critical)
            s_nominate (g, p);
        s_emit_position (g, p);
    }
}

static void
s_simulate (s_gen_t *g)
{
    s_initial (g);
    int days = g->years * 365;
    for (int d = 0; d < days && !g->stopped; d++) {
        g->now = g->start_us + d * S_DAY_US;
        for (int t = 0; t < g->n_teams; t++)
            s_day_team (g, t);
        s_fill_vacancies (g);
        for (int i = 0; i < g->n_emps / 400 + 1; i++)
            s_mentoring (g);
        if (d % 7 == 0)
            s_end_mentoring (g);
        //  A survey in the middle of each quarter (day 45 of every 91).
        if (d % 91 == 45) {
            char cycle[16];
            snprintf (cycle, sizeof (cycle), "cycle-%02d", d / 91 + 1);
            s_survey (g, cycle);
        }
    }
}

// ---------------------------------------------------------------------------
// The realistic company (--quiet, --inject): a few dozen org units of uneven
// size, each with its own steady exit rate; stable team moods, about 70% of
// each team answering each quarterly survey over its first two weeks; one
// ready-now successor per critical position, nominated again some weeks
// after it is lost. --truth gets what the daemon should say about it: the
// succession facts, derived here event by event as the daemon defines them
// (docs/alerts.md), and with --inject the scenarios, when each starts and
// whether it should fire or stay silent.

#define S_REAL_DIVS 5
#define S_CYCLE_DAYS 91
#define S_ANSWER_DAYS 14

//  True when unit v is u or below it.
static int
s_under (const s_gen_t *g, int v, int u)
{
    for (; v >= 0; v = g->units[v].parent)
        if (v == u)
            return 1;
    return 0;
}

//  One line of ground truth: what the daemon should do about an alert kind
//  and subject from time t (expect: fire, severity, resolve, silent, allow).
static void
s_fact (s_gen_t *g, const char *scenario, const char *family, const char *kind,
        const char *subject, int unit, int64_t t, const char *expect, const char *severity,
        const char *cause, int window_days, int with_trigger)
{
    if (!g->facts || g->stopped)
        return;
    char when[48];
    int chain[16], n = 0;
    for (int v = unit; v >= 0 && n < 16; v = g->units[v].parent)
        chain[n++] = v;
    fprintf (g->facts, "{\"scenario\":\"%s\",\"family\":\"%s\",\"kind\":\"%s\",\"subject\":\"%s\","
             "\"unit\":\"%s\",\"unit_path\":[", scenario, family, kind, subject, g->units[unit].id);
    for (int i = n - 1; i >= 0; i--)
        fprintf (g->facts, "%s\"%s\"", i < n - 1? ",": "", g->units[chain[i]].id);
    fprintf (g->facts, "],\"onset\":\"%s\",\"expect\":\"%s\",\"window_days\":%d",
             hrw_clock_format (t, when, sizeof (when)), expect, window_days);
    if (severity)
        fprintf (g->facts, ",\"severity\":\"%s\"", severity);
    if (cause)
        fprintf (g->facts, ",\"cause\":\"%s\"", cause);
    if (with_trigger)
        fprintf (g->facts, ",\"trigger\":\"gen%" PRIu64 "-%ld\"", g->seed, g->seq);
    fprintf (g->facts, "}\n");
}

//  Ready-now successors who count: active, not holding this role, and not
//  holding another critical one (nominees here hold none when nominated;
//  a move into a role that is not critical keeps them counted).
static int
s_real_ready (const s_gen_t *g, int p)
{
    const s_pos_t *pos = &g->positions[p];
    int n = 0;
    for (int k = 0; k < S_MAX_NOMINEES; k++) {
        int e = pos->nominees[k];
        int held = e >= 0? g->emps[e].position: -1;
        n += e >= 0 && g->emps[e].active && e != pos->incumbent
          && (held < 0 || !g->positions[held].critical);
    }
    return n;
}

//  After an event: the succession gaps and bench-strength shortfalls it
//  opens, escalates or closes, as facts triggered by that event.
static void
s_real_facts (s_gen_t *g, const char *cause)
{
    //  The gap states are the company's own (roles with a gap get a new
    //  successor), so they are kept with or without a truth file.
    if (g->stopped)
        return;
    char pid[16];
    for (int p = 0; p < g->n_positions; p++) {
        s_pos_t *pos = &g->positions[p];
        int now = 0;
        if (pos->defined && pos->critical && s_real_ready (g, p) < 1)
            now = pos->incumbent < 0? 2: 1;
        if (now == pos->gap)
            continue;
        s_pos_id (p, pid, sizeof (pid));
        s_fact (g, g->label, "succession", "succession_gap", pid, pos->unit, g->last_t,
                !pos->gap? "fire": !now? "resolve": "severity",
                now == 2? "critical": now == 1? "warning": NULL, cause, 0, 1);
        pos->gap = now;
    }
    for (int u = 0; u < g->n_units; u++) {
        int crit = 0, covered = 0;
        for (int p = 0; p < g->n_positions; p++) {
            const s_pos_t *pos = &g->positions[p];
            if (pos->defined && pos->critical && s_under (g, pos->unit, u)) {
                crit++;
                covered += !pos->gap;
            }
        }
        int now = crit >= 3 && covered * 10 < crit * 7;
        if (now != g->units[u].bench) {
            s_fact (g, g->label, "succession", "bench_strength", g->units[u].id, u, g->last_t,
                    now? "fire": "resolve", NULL, cause, 0, 1);
            g->units[u].bench = now;
        }
    }
}

static void
s_real_exit (s_gen_t *g, int e, int voluntary)
{
    s_exit (g, e, voluntary);
    s_real_facts (g, "exit");
}

//  A new ready-now successor for p, from anywhere in the company, who holds
//  no role and is nobody else's successor (so no one is the sole successor
//  of several roles).
static void
s_real_nominate (s_gen_t *g, int p)
{
    s_pos_t *pos = &g->positions[p];
    int slot = -1;
    for (int k = 0; k < S_MAX_NOMINEES && slot < 0; k++)
        if (pos->nominees[k] < 0 || !g->emps[pos->nominees[k]].active)
            slot = k;
    if (slot < 0)
        return;
    for (int tries = 0; tries < 32; tries++) {
        s_team_t *t = &g->teams[s_below (g, g->n_teams)];
        if (t->n == 0)
            continue;
        int e = t->members[s_below (g, t->n)];
        if (e == pos->incumbent || g->emps[e].position >= 0 || g->emps[e].nominated)
            continue;
        if (pos->nominees[slot] >= 0)
            g->emps[pos->nominees[slot]].nominated--;
        pos->nominees[slot] = e;
        g->emps[e].nominated++;
        s_emit_nomination (g, p, e, 1, 1);
        s_real_facts (g, "successor nominated");
        return;
    }
}

static void
s_real_withdraw (s_gen_t *g, int p, int k)
{
    s_pos_t *pos = &g->positions[p];
    int e = pos->nominees[k];
    s_emit_nomination (g, p, e, 0, 0);
    g->emps[e].nominated--;
    pos->nominees[k] = -1;
    s_real_facts (g, "nomination withdrawn");
}

//  Moves e into position p (vacant), as a promotion.
static void
s_real_promote (s_gen_t *g, int e, int p)
{
    g->emps[e].position = p;
    g->emps[e].level++;
    g->positions[p].incumbent = e;
    s_emit_promotion (g, e, p);
    s_real_facts (g, "promotion");
}

//  Roles vacant for 30 days are filled: by a ready-now successor when there
//  is one (their nomination then withdrawn), else from outside. Roles
//  without a ready-now successor get one within some weeks.
static void
s_real_roles (s_gen_t *g, int d)
{
    for (int p = 0; p < g->n_positions; p++) {
        s_pos_t *pos = &g->positions[p];
        if (!pos->defined || d < pos->hold_until)
            continue;
        if (pos->incumbent < 0 && g->now - pos->vacant_since >= 30 * S_DAY_US) {
            int chosen = -1;
            for (int k = 0; k < S_MAX_NOMINEES && chosen < 0; k++) {
                int e = pos->nominees[k];
                if (e >= 0 && g->emps[e].active && g->emps[e].position < 0)
                    chosen = k;
            }
            if (chosen >= 0) {
                s_real_promote (g, pos->nominees[chosen], p);
                s_real_withdraw (g, p, chosen);
            }
            else {
                s_hire (g, s_team_for (g, pos->unit), p);
                s_real_facts (g, "hire");
            }
        }
        if (pos->critical && pos->gap && s_below (g, 30) == 0)
            s_real_nominate (g, p);
    }
}

static void
s_real_day_team (s_gen_t *g, int t, int d)
{
    s_team_t *tm = &g->teams[t];
    double boost = d >= tm->boost_from && d < tm->boost_to? tm->boost: 1.0;
    int vol = s_poisson (g, tm->n * 0.11 / 365.0 * tm->risk * boost);
    for (int i = 0; i < vol && tm->n > 0; i++)
        s_real_exit (g, tm->members[s_below (g, tm->n)], 1);
    int invol = s_poisson (g, tm->n * 0.03 / 365.0);
    for (int i = 0; i < invol && tm->n > 0; i++)
        s_real_exit (g, tm->members[s_below (g, tm->n)], 0);
    //  Each open seat is filled with a chance of 1 in 20 a day.
    for (int i = tm->n; i < tm->target; i++)
        if (s_below (g, 20) == 0)
            s_hire (g, t, -1);
}

//  A quarterly survey: cycle c opens on day 45 + 91 (c - 1); each member
//  answers with a chance of 70%, on one of its first 14 days. Answers
//  scatter around the team's mood (shifted from the team's shift_cycle on).
static void
s_real_survey_day (s_gen_t *g, int d)
{
    if (d < 45)
        return;
    int c = (d - 45) / S_CYCLE_DAYS + 1, k = (d - 45) % S_CYCLE_DAYS;
    if (k >= S_ANSWER_DAYS)
        return;
    char cycle[16];
    snprintf (cycle, sizeof (cycle), "cycle-%02d", c);
    for (int t = 0; t < g->n_teams; t++) {
        s_team_t *tm = &g->teams[t];
        if (k == 0) {
            memset (tm->resp_day, 0, sizeof (tm->resp_day));
            int n = 0;
            for (int i = 0; i < tm->n; i++)
                if (s_uniform (g) < 0.7) {
                    tm->resp_day[s_below (g, S_ANSWER_DAYS)]++;
                    n++;
                }
            if (c == tm->quiet_cycle) {
                memset (tm->resp_day, 0, sizeof (tm->resp_day));
                tm->resp_day[0] = n = 4;
            }
            g->unit_cycles += c > 1 && n >= 5 && tm->prev_resp >= 5;
            tm->prev_resp = n;
        }
        double mood = tm->mood + (tm->shift_cycle && c >= tm->shift_cycle? tm->shift: 0.0)
                    - (c == tm->quiet_cycle? 1.5: 0.0);
        for (int i = 0; i < tm->resp_day[k]; i++) {
            double x = mood + 0.8 * s_normal (g);
            int score = x < 1.5? 1: x > 4.5? 5: (int) (x + 0.5);
            int enps = s_below (g, 10) == 0? -1: score * 2 + s_below (g, 2) - (score == 5? 1: 0);
            s_emit_survey (g, cycle, t, score, enps < 0? -1: enps > 10? 10: enps);
        }
    }
}

//  Uneven teams under five divisions: units - 6 teams (40 units: 34
//  teams). Teams 1 and 2 have 40 people (engagement drops are injected
//  there), team 3 has 6 (below min_headcount even with a role filled
//  over its seats), team 4 has 6 (below
//  min_respondents once 70% answer); the rest share the others by lognormal
//  weights. Every unit has a lead position: the root's and the divisions'
//  are critical, and half the teams'.
static void
s_real_org (s_gen_t *g)
{
    static const char *divs[S_REAL_DIVS] = { "ops", "eng", "sales", "finance", "people" };
    static const char *div_names[S_REAL_DIVS] = { "Operations", "Engineering", "Sales",
                                                  "Finance", "People" };
    g->n_teams = g->n_units_opt - 1 - S_REAL_DIVS;
    int max_units = g->n_units_opt;
    g->units = calloc ((size_t) max_units, sizeof (*g->units));
    g->teams = calloc ((size_t) g->n_teams, sizeof (*g->teams));
    g->positions = calloc ((size_t) max_units + 4, sizeof (*g->positions));
    double *w = calloc ((size_t) g->n_teams, sizeof (double));
    if (!g->units || !g->teams || !g->positions || !w)
        exit (2);
    int root = s_add_unit (g, "acme", -1, "Acme Corp");
    s_add_position (g, root, 1);
    int div_unit[S_REAL_DIVS];
    for (int d = 0; d < S_REAL_DIVS; d++) {
        div_unit[d] = s_add_unit (g, divs[d], root, div_names[d]);
        s_add_position (g, div_unit[d], 1);
    }
    static const int fixed[5] = { 0, 40, 40, 6, 6 };
    double sum = 0;
    int rest = g->employees;
    for (int t = 0; t < g->n_teams; t++) {
        w[t] = t >= 1 && t <= 4? 0.0: exp (0.6 * s_normal (g));
        sum += w[t];
        rest -= t >= 1 && t <= 4? fixed[t]: 0;
    }
    char id[64], name[64];
    for (int t = 0; t < g->n_teams; t++) {
        int d = t % S_REAL_DIVS;
        snprintf (id, sizeof (id), "%s-t%d", divs[d], t / S_REAL_DIVS + 1);
        snprintf (name, sizeof (name), "Team %d", t + 1);
        s_team_t *tm = &g->teams[t];
        tm->unit = s_add_unit (g, id, div_unit[d], name);
        tm->target = t >= 1 && t <= 4? fixed[t]: (int) (rest * w[t] / sum + 0.5);
        if (tm->target < 12 && !(t >= 1 && t <= 4))
            tm->target = 12;
        tm->risk = exp (0.35 * s_normal (g));
        tm->mood = 3.6 + 0.3 * s_normal (g);
        tm->lead = s_add_position (g, tm->unit, s_below (g, 2) == 0);
    }
    free (w);
}

static void
s_real_initial (s_gen_t *g)
{
    g->now = g->start_us - 30 * S_DAY_US;
    for (int u = 0; u < g->n_units; u++)
        s_emit_unit (g, u);
    //  The workforce, hired over the five years before the start, team by
    //  team in turn until each has its headcount.
    int total = 0;
    for (int t = 0; t < g->n_teams; t++)
        total += g->teams[t].target;
    int64_t span = 5 * 365 * S_DAY_US;
    for (int i = 0, t = 0; i < total; t = (t + 1) % g->n_teams) {
        if (g->teams[t].n >= g->teams[t].target)
            continue;
        g->now = g->start_us - span + span * i / (total + 1);
        g->now -= g->now % S_DAY_US;
        s_hire (g, t, -1);
        i++;
    }
    for (int p = 0; p < g->n_positions; p++)
        s_hire (g, s_team_for (g, g->positions[p].unit), p);
    for (int p = 0; p < g->n_positions; p++)
        if (g->positions[p].critical)
            s_real_nominate (g, p);
    for (int p = 0; p < g->n_positions; p++) {
        s_emit_position (g, p);
        g->positions[p].defined = 1;
        s_real_facts (g, "position defined");
    }
}

typedef struct {
    int spike_team, rise_team;      //  Exit rate 6x for 30 days; 2x for 120
    int spike_day, rise_day;
    int big_team, big_day;          //  6x for 30 days in the largest team
    int big_rise_team, big_rise_day;    //  2x for 120 in the largest team left
    int decoy_day;                  //  Four exits in team 3 (6 people)
    int gap_day[5];                 //  The five causes of a succession gap
    int gap_position[5];
    int spare;                      //  The vacant role a successor moves to
} s_inject_t;

static const char *s_gap_names[5] = {
    "gap-successor-exits", "gap-successor-promoted-away", "gap-nomination-withdrawn",
    "gap-incumbent-exits-none-ready", "gap-defined-critical-none"
};

//  A team of at least min people, other than the fixed ones and avoid.
static int
s_pick_team (s_gen_t *g, int min, int avoid)
{
    for (int tries = 0; tries < 200; tries++) {
        int t = 5 + s_below (g, g->n_teams - 5);
        if (t != avoid && g->teams[t].target >= min)
            return t;
    }
    return avoid == 5? 6: 5;
}

//  A critical position with exactly one ready-now successor, no gap and an
//  incumbent, not used by another scenario; or -1.
static int
s_pick_position (s_gen_t *g, const s_inject_t *in, int want_critical)
{
    for (int tries = 0; tries < 400; tries++) {
        int p = s_below (g, g->n_positions);
        const s_pos_t *pos = &g->positions[p];
        int used = p == in->spare;
        for (int i = 0; i < 5; i++)
            used |= in->gap_position[i] == p;
        if (used || !pos->defined || pos->critical != want_critical || pos->incumbent < 0)
            continue;
        if (!want_critical || (!pos->gap && s_real_ready (g, p) == 1))
            return p;
    }
    return -1;
}

static void
s_inject_plan (s_gen_t *g, s_inject_t *in)
{
    int days = g->years * 365, late = days - 365 - 200;
    if (late < 1)
        late = 1;
    in->big_team = 5;
    for (int t = 5; t < g->n_teams; t++)
        if (g->teams[t].target > g->teams[in->big_team].target)
            in->big_team = t;
    in->spike_team = s_pick_team (g, 80, in->big_team);
    in->rise_team = s_pick_team (g, 80, in->big_team);
    if (in->rise_team == in->spike_team)
        in->rise_team = s_pick_team (g, 80, in->spike_team);
    in->spike_day = 400 + s_below (g, late);
    in->big_day = 400 + s_below (g, late);
    in->rise_day = 380 + s_below (g, late);
    g->teams[in->big_team].boost_from = in->big_day;
    g->teams[in->big_team].boost_to = in->big_day + 30;
    g->teams[in->big_team].boost = 6.0;
    in->decoy_day = 400 + s_below (g, late);
    g->teams[in->spike_team].boost_from = in->spike_day;
    g->teams[in->spike_team].boost_to = in->spike_day + 30;
    g->teams[in->spike_team].boost = 6.0;
    g->teams[in->rise_team].boost_from = in->rise_day;
    g->teams[in->rise_team].boost_to = in->rise_day + 120;
    g->teams[in->rise_team].boost = 2.0;
    //  The same rise in the largest team no other scenario uses (the
    //  largest team itself has the spike, whose baseline a rise would
    //  inflate): no draw of its own, so the plan's draws stay as they were;
    //  its day mirrors the other rise's within the same span.
    in->big_rise_team = -1;
    for (int t = 5; t < g->n_teams; t++)
        if (t != in->big_team && t != in->spike_team && t != in->rise_team
            && (in->big_rise_team < 0 || g->teams[t].target > g->teams[in->big_rise_team].target))
            in->big_rise_team = t;
    in->big_rise_day = 380 + (late - 1) - (in->rise_day - 380);
    if (in->big_rise_team >= 0) {
        g->teams[in->big_rise_team].boost_from = in->big_rise_day;
        g->teams[in->big_rise_team].boost_to = in->big_rise_day + 120;
        g->teams[in->big_rise_team].boost = 2.0;
    }
    int cycles = (days - 45) / S_CYCLE_DAYS + 1, span = cycles > 6? cycles - 5: 1;
    g->teams[1].shift_cycle = 4 + s_below (g, span);
    g->teams[1].shift = -0.3;
    g->teams[2].shift_cycle = 4 + s_below (g, span);
    g->teams[2].shift = -0.5;
    g->teams[4].quiet_cycle = 4 + s_below (g, span);
    for (int i = 0; i < 5; i++) {
        in->gap_day[i] = 120 + (days - 200) * i / 5 + s_below (g, 30);
        in->gap_position[i] = -1;
    }
    in->spare = -1;
}

static int64_t
s_day_at (const s_gen_t *g, int d)
{
    return g->start_us + d * S_DAY_US + 9 * 3600 * HRW_US_PER_SEC;
}

static void
s_inject_day (s_gen_t *g, s_inject_t *in, int d)
{
    char subject[128], scenario[64];
    if (d == in->spike_day) {
        int u = g->teams[in->spike_team].unit;
        s_fact (g, "spike-6x-30d", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 60, 0);
    }
    if (d == in->big_day) {
        int u = g->teams[in->big_team].unit;
        s_fact (g, "spike-6x-30d-largest-team", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 60, 0);
    }
    if (d == in->rise_day) {
        int u = g->teams[in->rise_team].unit;
        s_fact (g, "rise-2x-120d", "turnover", "turnover_rise", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 150, 0);
        s_fact (g, "rise-2x-120d", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "allow", NULL, NULL, 150, 0);
    }
    if (d == in->big_rise_day && in->big_rise_team >= 0) {
        int u = g->teams[in->big_rise_team].unit;
        s_fact (g, "rise-2x-120d-largest-team", "turnover", "turnover_rise", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 150, 0);
        s_fact (g, "rise-2x-120d-largest-team", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "allow", NULL, NULL, 150, 0);
    }
    if (d == in->decoy_day) {
        int u = g->teams[3].unit;
        s_fact (g, "decoy-small-team", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "silent", NULL, NULL, 50, 0);
    }
    if (d >= in->decoy_day && d <= in->decoy_day + 12 && (d - in->decoy_day) % 4 == 0
        && g->teams[3].n > 0) {
        g->label = "decoy-small-team";
        s_real_exit (g, g->teams[3].members[s_below (g, g->teams[3].n)], 1);
        g->label = "background";
    }
    //  Engagement: facts on the first day of the cycle concerned.
    if (d >= 45 && (d - 45) % S_CYCLE_DAYS == 0) {
        int c = (d - 45) / S_CYCLE_DAYS + 1;
        static const char *drops[3] = { "", "drop-0.3", "drop-0.5" };
        for (int t = 1; t <= 2; t++)
            if (g->teams[t].shift_cycle == c) {
                snprintf (subject, sizeof (subject), "%s/cycle-%02d",
                          g->units[g->teams[t].unit].id, c);
                s_fact (g, drops[t], "engagement", "engagement_drop", subject, g->teams[t].unit,
                        s_day_at (g, d), "fire", NULL, NULL, S_CYCLE_DAYS, 0);
            }
            else if (g->teams[t].shift_cycle && c > g->teams[t].shift_cycle
                     && c <= g->teams[t].shift_cycle + 3) {
                //  A drop missed when it came is still one against a
                //  baseline that pools the cycles before it.
                snprintf (subject, sizeof (subject), "%s/cycle-%02d",
                          g->units[g->teams[t].unit].id, c);
                snprintf (scenario, sizeof (scenario), "%s, the next 3 cycles", drops[t]);
                s_fact (g, scenario, "engagement", "engagement_drop", subject, g->teams[t].unit,
                        s_day_at (g, d), "allow", NULL, NULL, S_CYCLE_DAYS, 0);
            }
        if (g->teams[4].quiet_cycle == c) {
            snprintf (subject, sizeof (subject), "%s/cycle-%02d", g->units[g->teams[4].unit].id, c);
            s_fact (g, "decoy-few-respondents", "engagement", "engagement_drop", subject,
                    g->teams[4].unit, s_day_at (g, d), "silent", NULL, NULL, S_CYCLE_DAYS, 0);
        }
    }
    //  Succession: each cause once, on its day; the role then waits 30 days
    //  for a new successor. Promoted-away needs a vacant critical role to
    //  move into (a move into one that is not critical keeps a successor
    //  counted), and incumbent-exits a role whose successor went 20 days
    //  before.
    if (d == in->gap_day[1] - 10 && (in->spare = s_pick_position (g, in, 1)) >= 0) {
        g->label = "setup";
        g->positions[in->spare].hold_until = d + 40;
        s_real_exit (g, g->positions[in->spare].incumbent, 1);
        g->label = "background";
    }
    if (d == in->gap_day[3] - 20 && (in->gap_position[3] = s_pick_position (g, in, 1)) >= 0) {
        int p = in->gap_position[3];
        g->label = "setup";
        g->positions[p].hold_until = d + 50;
        for (int k = 0; k < S_MAX_NOMINEES; k++)
            if (g->positions[p].nominees[k] >= 0 && g->emps[g->positions[p].nominees[k]].active)
                s_real_withdraw (g, p, k);
        g->label = "background";
    }
    for (int i = 0; i < 5; i++) {
        if (d != in->gap_day[i])
            continue;
        g->label = s_gap_names[i];
        int p = i == 3? in->gap_position[3]: (in->gap_position[i] = s_pick_position (g, in, i < 4));
        if (p < 0) {
            g->label = "background";
            continue;
        }
        s_pos_t *pos = &g->positions[p];
        pos->hold_until = d + 30;
        int k = 0;
        while (k < S_MAX_NOMINEES - 1 && !(pos->nominees[k] >= 0 && g->emps[pos->nominees[k]].active))
            k++;
        if (i == 0)
            s_real_exit (g, pos->nominees[k], 1);
        else if (i == 1 && in->spare >= 0 && g->positions[in->spare].incumbent < 0)
            s_real_promote (g, pos->nominees[k], in->spare);
        else if (i == 2)
            s_real_withdraw (g, p, k);
        else if (i == 3 && pos->incumbent >= 0)
            s_real_exit (g, pos->incumbent, 1);
        else if (i == 4) {
            //  A role that was not critical becomes critical: no successor.
            pos->critical = 1;
            s_emit_position (g, p);
            s_real_facts (g, "position defined as critical");
        }
        g->label = "background";
    }
}

static void
s_simulate_real (s_gen_t *g)
{
    s_inject_t in;
    memset (&in, 0, sizeof (in));
    g->label = "background";
    if (g->inject)
        s_inject_plan (g, &in);
    s_real_initial (g);
    int days = g->years * 365;
    for (int d = 0; d < days && !g->stopped; d++) {
        g->now = g->start_us + d * S_DAY_US;
        if (g->inject)
            s_inject_day (g, &in, d);
        for (int t = 0; t < g->n_teams; t++)
            s_real_day_team (g, t, d);
        s_real_roles (g, d);
        s_real_survey_day (g, d);
    }
    if (g->facts) {
        int judged = g->years - 1;
        fprintf (g->facts, "{\"exposure\":{\"units\":%d,\"leaf_units\":%d,\"years\":%d,"
                 "\"unit_years\":%d,\"unit_cycles\":%ld,\"employees\":%d}}\n", g->n_units,
                 g->n_teams, g->years, g->n_units * (judged > 0? judged: 0), g->unit_cycles,
                 g->employees);
    }
}

static void
s_write_summary (const s_gen_t *g, const char *path)
{
    FILE *f = fopen (path, "w");
    if (!f) {
        perror (path);
        exit (2);
    }
    fprintf (f, "{\"events\":%ld,\"employees_active\":%ld,\"employees_exited\":%ld,\"units\":%ld,"
             "\"positions\":%ld,\"critical_positions\":%ld,\"nominations\":%ld,"
             "\"mentorships\":%ld,\"survey_responses\":%ld,\"by_type\":{",
             g->seq, g->t_active, g->t_exited, g->t_units, g->t_positions, g->t_critical,
             g->t_nominations, g->t_mentorships, g->t_responses);
    for (int i = 0; i < 11; i++)
        fprintf (f, "%s\"%s\":%ld", i? ",": "", s_type_names[i], g->t_by_type[i]);
    fprintf (f, "}}\n");
    fclose (f);
}

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: hrwatch-gen [--employees N] [--years Y] [--seed S] [--start DATE]\n"
                  "                   [--events N] [--out FILE] [--summary FILE]\n"
                  "                   [--scenarios TRUTH] [--quiet | --inject] [--units N]\n"
                  "                   [--truth FILE]\n"
                  "  Writes a synthetic company history as hrwatch.v1.Event JSON lines.\n"
                  "  --scenarios: a quiet, deterministic background with a turnover spike, a\n"
                  "  slow rise, a succession gap opened and closed and an engagement drop\n"
                  "  injected; TRUTH gets the alerts they should cause, as JSON lines.\n"
                  "  --quiet: a realistic company of --units org units (40) with steady exit\n"
                  "  rates, stable moods and nothing injected; --inject: the same with\n"
                  "  scenarios injected (a 6x spike, a 2x rise, engagement drops, every cause\n"
                  "  of a succession gap, decoys). --truth FILE gets their ground truth.\n");
}

int
main (int argc, char **argv)
{
    static const struct option opts[] = {
        { "employees", required_argument, NULL, 'n' }, { "years", required_argument, NULL, 'y' },
        { "seed", required_argument, NULL, 's' }, { "start", required_argument, NULL, 'd' },
        { "events", required_argument, NULL, 'e' }, { "out", required_argument, NULL, 'o' },
        { "summary", required_argument, NULL, 'S' }, { "help", no_argument, NULL, 'h' },
        { "scenarios", required_argument, NULL, 'T' },
        { "quiet", no_argument, NULL, 'q' }, { "inject", no_argument, NULL, 'i' },
        { "units", required_argument, NULL, 'u' }, { "truth", required_argument, NULL, 'F' },
        { NULL, 0, NULL, 0 }
    };
    s_gen_t g;
    memset (&g, 0, sizeof (g));
    g.employees = 3000;
    g.years = 3;
    g.seed = 1;
    g.out = stdout;
    g.n_units_opt = 40;
    const char *start = "2023-01-02", *summary = NULL;
    int c;
    while ((c = getopt_long (argc, argv, "n:y:s:d:e:o:S:T:qiu:F:h", opts, NULL)) != -1) {
        switch (c) {
            case 'n': g.employees = atoi (optarg); break;
            case 'y': g.years = atoi (optarg); break;
            case 's': g.seed = strtoull (optarg, NULL, 10); break;
            case 'd': start = optarg; break;
            case 'e': g.max_events = atol (optarg); break;
            case 'o':
                if (!(g.out = fopen (optarg, "w"))) {
                    perror (optarg);
                    return 2;
                }
                break;
            case 'S': summary = optarg; break;
            case 'T':
                if (!(g.truth = fopen (optarg, "w"))) {
                    perror (optarg);
                    return 2;
                }
                break;
            case 'q': g.real = 1; break;
            case 'i': g.real = g.inject = 1; break;
            case 'u': g.n_units_opt = atoi (optarg); break;
            case 'F':
                if (!(g.facts = fopen (optarg, "w"))) {
                    perror (optarg);
                    return 2;
                }
                break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 64;
        }
    }
    int64_t secs;
    int32_t nanos;
    if (g.employees < 12 || g.years < 1 || hrw_clock_parse (start, &secs, &nanos)
        || (g.real && (g.truth || g.n_units_opt < 12 || g.employees < 40 * g.n_units_opt))
        || (g.facts && !g.real)) {
        s_usage (stderr);
        return 64;
    }
    g.start_us = hrw_clock_from_parts (secs, 0);
    g.rng = g.seed * 0x2545f4914f6cdd1dULL + 1;
    if (g.real) {
        s_real_org (&g);
        s_simulate_real (&g);
    }
    else if (g.truth) {
        s_build_org (&g);
        s_simulate_scenarios (&g);
    }
    else {
        s_build_org (&g);
        s_simulate (&g);
    }
    if (summary)
        s_write_summary (&g, summary);
    if (g.out != stdout)
        fclose (g.out);
    if (g.truth)
        fclose (g.truth);
    if (g.facts)
        fclose (g.facts);
    for (int t = 0; t < g.n_teams; t++)
        free (g.teams[t].members);
    free (g.teams);
    free (g.units);
    free (g.positions);
    free (g.emps);
    return 0;
}
