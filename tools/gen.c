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

#include "workers/clock.h"

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
} s_emp_t;

typedef struct {
    int unit;           //  Index into units
    int *members;       //  Employee indexes
    int n, cap;
    int target;         //  Headcount the team hires back to
    double risk;        //  Exit-rate multiplier
    double mood;        //  Mean engagement, 1..5
    int lead;           //  Index of the team lead position
} s_team_t;

typedef struct {
    char id[64];
    int parent;         //  -1 for the root
    char name[64];
} s_unit_t;

typedef struct {
    int unit;
    int critical;
    int incumbent;      //  Employee, or -1
    int nominees[S_MAX_NOMINEES];   //  Employees, -1 for none
    int64_t vacant_since;           //  When the incumbent left, or 0
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
        tm->mood += 0.15 * s_normal (g);
        if (tm->mood < 1.8)
            tm->mood = 1.8;
        if (tm->mood > 4.6)
            tm->mood = 4.6;
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
                  "                   [--scenarios TRUTH]\n"
                  "  Writes a synthetic company history as hrwatch.v1.Event JSON lines.\n"
                  "  --scenarios: a quiet, deterministic background with a turnover spike, a\n"
                  "  slow rise, a succession gap opened and closed and an engagement drop\n"
                  "  injected; TRUTH gets the alerts they should cause, as JSON lines.\n");
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
        { NULL, 0, NULL, 0 }
    };
    s_gen_t g;
    memset (&g, 0, sizeof (g));
    g.employees = 3000;
    g.years = 3;
    g.seed = 1;
    g.out = stdout;
    const char *start = "2023-01-02", *summary = NULL;
    int c;
    while ((c = getopt_long (argc, argv, "n:y:s:d:e:o:S:T:h", opts, NULL)) != -1) {
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
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 64;
        }
    }
    int64_t secs;
    int32_t nanos;
    if (g.employees < 12 || g.years < 1 || hrw_clock_parse (start, &secs, &nanos)) {
        s_usage (stderr);
        return 64;
    }
    g.start_us = hrw_clock_from_parts (secs, 0);
    g.rng = g.seed * 0x2545f4914f6cdd1dULL + 1;
    s_build_org (&g);
    if (g.truth)
        s_simulate_scenarios (&g);
    else
        s_simulate (&g);
    if (summary)
        s_write_summary (&g, summary);
    if (g.out != stdout)
        fclose (g.out);
    if (g.truth)
        fclose (g.truth);
    for (int t = 0; t < g.n_teams; t++)
        free (g.teams[t].members);
    free (g.teams);
    free (g.units);
    free (g.positions);
    free (g.emps);
    return 0;
}
