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
    daemon's store.

    This file holds the flags and main, the random draws, the event writers
    and the moves every mode makes (hire, exit, transfer); each mode's
    history is in its own file (gen_int.h). */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "tools/gen_int.h"

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
s_next (gen_t *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double
gen_uniform (gen_t *g)
{
    return (double) (s_next (g) >> 11) / 9007199254740992.0;
}

int
gen_below (gen_t *g, int n)
{
    return n > 0? (int) (gen_uniform (g) * n): 0;
}

int
gen_poisson (gen_t *g, double lambda)
{
    double l = exp (-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= gen_uniform (g);
    } while (p > l && k < 1000);
    return k - 1;
}

double
gen_normal (gen_t *g)
{
    double u = gen_uniform (g) + 1e-12, v = gen_uniform (g);
    return sqrt (-2.0 * log (u)) * cos (6.283185307179586 * v);
}

// ---------------------------------------------------------------------------
// Emitting events

//  Starts an event line; returns 0 when the event is to be written.
static int
s_begin (gen_t *g, int type)
{
    if (g->stopped)
        return -1;
    if (g->max_events && g->seq + g->extra + g->voids >= g->max_events) {
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
    char id[GEN_ID_MAX];
    fprintf (g->out, "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":\"hrwatch-gen\",",
             gen_event_id (g, 0, g->seq, id, sizeof (id)), hrw_clock_format (t, when, sizeof (when)));
    return 0;
}

//  splitmix64's finaliser: a well-mixed 64 bits from each input.
static uint64_t
s_mix (uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

//  Hashed rather than drawn from a stream: the same (seed, kind, n) gives
//  the same id wherever it is written, and no other draw moves.
const char *
gen_event_id (const gen_t *g, char kind, long n, char *buf, size_t cap)
{
    if (!g->uuid_ids) {
        if (kind)
            snprintf (buf, cap, "gen%" PRIu64 "-%c%ld", g->seed, kind, n);
        else
            snprintf (buf, cap, "gen%" PRIu64 "-%ld", g->seed, n);
        return buf;
    }
    uint64_t hi = s_mix (g->seed ^ s_mix ((uint64_t) n ^ ((uint64_t) (unsigned char) kind << 56)));
    uint64_t lo = s_mix (hi ^ 0x5555555555555555ULL);
    //  RFC 4122: version 4 in the top nibble of byte 6, variant 10 in the
    //  top bits of byte 8.
    hi = (hi & ~0xf000ULL) | 0x4000ULL;
    lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
    snprintf (buf, cap, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
              hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & (uint64_t) 0xffffffffffff);
    return buf;
}

static void
s_emp_id (int e, char *buf, size_t cap)
{
    snprintf (buf, cap, "E-%d", 10000 + e);
}

void
gen_pos_id (int p, char *buf, size_t cap)
{
    snprintf (buf, cap, "P-%d", 100 + p);
}

void
gen_emit_unit (gen_t *g, int u)
{
    if (s_begin (g, T_UNIT))
        return;
    const gen_unit_t *un = &g->units[u];
    fprintf (g->out, "\"orgUnitDefined\":{\"unitId\":\"%s\",\"parentId\":\"%s\",\"name\":\"%s\"}}\n",
             un->id, un->parent >= 0? g->units[un->parent].id: "", un->name);
    g->t_units++;
}

void
gen_emit_position (gen_t *g, int p)
{
    if (s_begin (g, T_POSITION))
        return;
    char pid[16];
    gen_pos_id (p, pid, sizeof (pid));
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
s_emit_hire (gen_t *g, int e)
{
    if (s_begin (g, T_HIRE))
        return;
    char eid[16], pid[16] = "";
    s_emp_id (e, eid, sizeof (eid));
    if (g->emps[e].position >= 0)
        gen_pos_id (g->emps[e].position, pid, sizeof (pid));
    //  Realistic company: the manager too.
    char mid[32] = "";
    int m = g->real? gen_manager_of (g, e): -1;
    g->emps[e].manager = m;
    if (m >= 0) {
        char id[16];
        s_emp_id (m, id, sizeof (id));
        snprintf (mid, sizeof (mid), "\"managerId\":\"%s\",", id);
    }
    fprintf (g->out, "\"hire\":{\"employeeId\":\"%s\",\"unitId\":\"%s\",%s%s%s%s\"level\":%d}}\n",
             eid, g->units[g->teams[g->emps[e].team].unit].id, *pid? "\"positionId\":\"": "",
             pid, *pid? "\",": "", mid, g->emps[e].level);
    g->t_active++;
}

static void
s_exit_body (FILE *out, int e, int voluntary, int regretted)
{
    char eid[16];
    s_emp_id (e, eid, sizeof (eid));
    fprintf (out, "\"exit\":{\"employeeId\":\"%s\",\"type\":\"%s\",\"reasonCode\":\"%s\","
             "\"regretted\":%s}}\n", eid,
             voluntary? "EXIT_TYPE_VOLUNTARY": "EXIT_TYPE_INVOLUNTARY",
             voluntary? "new-opportunity": "performance", regretted? "true": "false");
}

static void
s_emit_exit (gen_t *g, int e, int voluntary, int regretted)
{
    if (s_begin (g, T_EXIT))
        return;
    s_exit_body (g->out, e, voluntary, regretted);
    g->t_active--;
    g->t_exited++;
}

void
gen_write_exit (gen_t *g, FILE *out, long seq, int64_t t, int64_t recorded, int e,
                int voluntary, int regretted)
{
    char when[48], rec[48], id[GEN_ID_MAX];
    fprintf (out, "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",",
             gen_event_id (g, 0, seq, id, sizeof (id)), hrw_clock_format (t, when, sizeof (when)));
    if (recorded)
        fprintf (out, "\"recordedAt\":\"%s\",", hrw_clock_format (recorded, rec, sizeof (rec)));
    fprintf (out, "\"source\":\"hrwatch-gen\",");
    s_exit_body (out, e, voluntary, regretted);
}

long
gen_write_void (gen_t *g, long seq, int64_t t)
{
    char when[48], id[GEN_ID_MAX], voided[GEN_ID_MAX];
    g->voids++;
    fprintf (g->out, "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":"
             "\"hrwatch-gen\",\"eventVoided\":{\"voidedEventId\":\"%s\"}}\n",
             gen_event_id (g, 'v', g->voids, id, sizeof (id)),
             hrw_clock_format (t, when, sizeof (when)), gen_event_id (g, 0, seq, voided, sizeof (voided)));
    return g->voids;
}

void
gen_emit_promotion (gen_t *g, int e, int p)
{
    if (s_begin (g, T_PROMOTION))
        return;
    char eid[16], pid[16];
    s_emp_id (e, eid, sizeof (eid));
    gen_pos_id (p, pid, sizeof (pid));
    fprintf (g->out, "\"promotion\":{\"employeeId\":\"%s\",\"newPositionId\":\"%s\","
             "\"newLevel\":%d}}\n", eid, pid, g->emps[e].level);
}

void
gen_emit_transfer (gen_t *g, int e)
{
    if (s_begin (g, T_TRANSFER))
        return;
    char eid[16];
    s_emp_id (e, eid, sizeof (eid));
    fprintf (g->out, "\"transfer\":{\"employeeId\":\"%s\",\"newUnitId\":\"%s\"}}\n", eid,
             g->units[g->teams[g->emps[e].team].unit].id);
}

void
gen_emit_nomination (gen_t *g, int p, int e, int nominated, int readiness)
{
    static const char *names[] = { "", "READINESS_READY_NOW", "READINESS_READY_1_2_YEARS",
                                   "READINESS_READY_3_PLUS_YEARS" };
    if (s_begin (g, nominated? T_NOMINATED: T_WITHDRAWN))
        return;
    char eid[16], pid[16];
    s_emp_id (e, eid, sizeof (eid));
    gen_pos_id (p, pid, sizeof (pid));
    if (nominated)
        fprintf (g->out, "\"successorNominated\":{\"positionId\":\"%s\",\"employeeId\":\"%s\","
                 "\"readiness\":\"%s\"}}\n", pid, eid, names[readiness]);
    else
        fprintf (g->out, "\"successorWithdrawn\":{\"positionId\":\"%s\",\"employeeId\":\"%s\"}}\n",
                 pid, eid);
    g->t_nominations += nominated? 1: -1;
}

void
gen_emit_mentor (gen_t *g, int mentor, int mentee, int assigned)
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

void
gen_emit_survey (gen_t *g, const char *cycle, int team, int score, int enps)
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

int
gen_add_unit (gen_t *g, const char *id, int parent, const char *name)
{
    gen_unit_t *u = &g->units[g->n_units];
    snprintf (u->id, sizeof (u->id), "%s", id);
    snprintf (u->name, sizeof (u->name), "%s", name);
    u->parent = parent;
    return g->n_units++;
}

int
gen_add_position (gen_t *g, int unit, int critical)
{
    gen_pos_t *p = &g->positions[g->n_positions];
    p->unit = unit;
    p->critical = critical;
    p->incumbent = -1;
    for (int i = 0; i < GEN_MAX_NOMINEES; i++)
        p->nominees[i] = -1;
    return g->n_positions++;
}
static int
s_new_emp (gen_t *g, int team, int level)
{
    if (g->n_emps == g->cap_emps) {
        g->cap_emps = g->cap_emps? g->cap_emps * 2: 1024;
        g->emps = realloc (g->emps, (size_t) g->cap_emps * sizeof (*g->emps));
        if (!g->emps)
            exit (2);
    }
    gen_emp_t *e = &g->emps[g->n_emps];
    memset (e, 0, sizeof (*e));
    e->team = team;
    e->level = level;
    e->position = -1;
    e->mentor = -1;
    e->manager = -1;
    e->hired_day = (int) ((g->now - g->start_us) / GEN_DAY_US);
    return g->n_emps++;
}

void
gen_join_team (gen_t *g, int e, int team)
{
    gen_team_t *t = &g->teams[team];
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

void
gen_leave_team (gen_t *g, int e)
{
    gen_team_t *t = &g->teams[g->emps[e].team];
    int slot = g->emps[e].slot;
    int last = t->members[--t->n];
    t->members[slot] = last;
    g->emps[last].slot = slot;
}

void
gen_hire (gen_t *g, int team, int position)
{
    int e = s_new_emp (g, team, position >= 0? 5 + gen_below (g, 3): 1 + gen_below (g, 4));
    g->emps[e].active = 1;
    g->emps[e].position = position;
    g->emps[e].keep = position >= 0;
    gen_join_team (g, e, team);
    if (position >= 0)
        g->positions[position].incumbent = e;
    s_emit_hire (g, e);
    if (position >= 0 && g->real)
        gen_manager_repoint (g, position);
}

void
gen_exit (gen_t *g, int e, int voluntary)
{
    gen_emp_t *em = &g->emps[e];
    //  Realistic company: whether the exit is rescinded or recorded ahead
    //  (draws of its own stream).
    int how = g->sched? gen_sched_decide (g, e, voluntary): GEN_EXIT_PLAIN;
    em->active = 0;
    gen_leave_team (g, e);
    if (em->position >= 0) {
        g->positions[em->position].incumbent = -1;
        g->positions[em->position].vacant_since = g->now;
    }
    int regretted = voluntary && em->level >= 3 && gen_below (g, 2) == 0;
    if (how == GEN_EXIT_AHEAD || how == GEN_EXIT_AHEAD_VOIDED) {
        //  Written on the day it was recorded: numbered and timed here.
        FILE *out = g->out;
        g->out = g->mute;
        s_emit_exit (g, e, voluntary, regretted);
        g->out = out;
    }
    else
        s_emit_exit (g, e, voluntary, regretted);
    if (how == GEN_EXIT_AHEAD_VOIDED) {
        //  It never applies: they stay, out of the company's draws.
        em->active = 1;
        em->restored = 1;
        g->t_active++;
        g->t_exited--;
    }
    if (g->sched && !g->stopped)
        gen_sched_emitted (g, e, how, voluntary, regretted, g->seq, g->last_t);
}

//  The team a unit is, or any team for a department or division.
int
gen_team_for (gen_t *g, int unit)
{
    for (int t = 0; t < g->n_teams; t++)
        if (g->teams[t].unit == unit)
            return t;
    return gen_below (g, g->n_teams);
}

// ---------------------------------------------------------------------------
// Managers and their scenarios (realistic company; gen_manager.c)

void
gen_emp_id (int e, char *buf, size_t cap)
{
    s_emp_id (e, buf, cap);
}

void
gen_emit_manager (gen_t *g, int e, int manager)
{
    if (g->stopped || manager < 0)
        return;
    if (g->max_events && g->seq + g->extra + g->voids >= g->max_events) {
        g->stopped = 1;
        return;
    }
    char when[48], eid[16], mid[16], id[GEN_ID_MAX];
    g->extra++;
    g->t_by_type[T_TRANSFER]++;
    //  At the instant of the event before (or the day's first), without
    //  moving the clock of the others: they keep their times.
    int64_t t = g->now + 9 * 3600 * HRW_US_PER_SEC;
    if (t < g->last_t)
        t = g->last_t;
    s_emp_id (e, eid, sizeof (eid));
    s_emp_id (manager, mid, sizeof (mid));
    fprintf (g->out, "{\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"source\":"
             "\"hrwatch-gen\",\"transfer\":{\"employeeId\":\"%s\",\"newUnitId\":\"%s\","
             "\"newManagerId\":\"%s\"}}\n", gen_event_id (g, 'm', g->extra, id, sizeof (id)),
             hrw_clock_format (t, when, sizeof (when)), eid,
             g->units[g->teams[g->emps[e].team].unit].id, mid);
    g->emps[e].manager = manager;
}

int
gen_hire_aside (gen_t *g, int team, int level)
{
    int e = s_new_emp (g, team, level);
    g->emps[e].active = 1;
    g->emps[e].slot = -1;
    s_emit_hire (g, e);
    return e;
}

void
gen_exit_aside (gen_t *g, int e)
{
    g->emps[e].active = 0;
    s_emit_exit (g, e, 1, 0);
    gen_dev_after (g);      //  They may have been a developing successor
}

void
gen_swap_out (gen_t *g, int e)
{
    int team = g->emps[e].team, slot = g->emps[e].slot, level = g->emps[e].level;
    g->emps[e].active = 0;
    s_emit_exit (g, e, 1, 0);
    gen_dev_after (g);      //  They may have been a developing successor
    int n = s_new_emp (g, team, level);
    g->emps[n].active = 1;
    g->emps[n].slot = slot;
    g->teams[team].members[slot] = n;
    s_emit_hire (g, n);
}

// ---------------------------------------------------------------------------
// Flags, the summary, main

static void
s_write_summary (const gen_t *g, const char *path)
{
    FILE *f = fopen (path, "w");
    if (!f) {
        perror (path);
        exit (2);
    }
    fprintf (f, "{\"events\":%ld,\"employees_active\":%ld,\"employees_exited\":%ld,\"units\":%ld,"
             "\"positions\":%ld,\"critical_positions\":%ld,\"nominations\":%ld,"
             "\"mentorships\":%ld,\"survey_responses\":%ld,\"by_type\":{",
             g->seq + g->extra + g->voids, g->t_active, g->t_exited, g->t_units, g->t_positions, g->t_critical,
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
                  "                   [--truth FILE] [--rescinds] [--scheduled] [--uuid-ids]\n"
                  "  Writes a synthetic company history as hrwatch.v1.Event JSON lines.\n"
                  "  --scenarios: a quiet, deterministic background with a turnover spike, a\n"
                  "  slow rise, a succession gap opened and closed and an engagement drop\n"
                  "  injected; TRUTH gets the alerts they should cause, as JSON lines.\n"
                  "  --quiet: a realistic company of --units org units (40) with steady exit\n"
                  "  rates, stable moods, teams reporting to their leads and nothing\n"
                  "  injected; --inject: the same with scenarios injected (a 6x spike, a 2x\n"
                  "  rise, engagement drops, every cause of a succession gap, early-tenure\n"
                  "  exits, a manager hotspot, decoys). --truth FILE gets their ground truth.\n"
                  "  --rescinds (with --quiet or --inject): some exits are voided 1-14 days\n"
                  "  after, the employee staying. --scheduled: 40%% of voluntary exits are\n"
                  "  recorded 14-56 days ahead (recordedAt), written on the day recorded.\n"
                  "  --uuid-ids: event ids are UUIDv4 (random-looking, fixed by the seed) in\n"
                  "  place of gen<seed>-<n>; the history is otherwise the same.\n");
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
        { "rescinds", no_argument, NULL, 'R' }, { "scheduled", no_argument, NULL, 'A' },
        { "uuid-ids", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    gen_t g;
    memset (&g, 0, sizeof (g));
    g.employees = 3000;
    g.years = 3;
    g.seed = 1;
    g.out = stdout;
    g.n_units_opt = 40;
    const char *start = "2023-01-02", *summary = NULL;
    int c;
    while ((c = getopt_long (argc, argv, "n:y:s:d:e:o:S:T:qiu:F:RAUh", opts, NULL)) != -1) {
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
            case 'R': g.rescinds = 1; break;
            case 'A': g.scheduled = 1; break;
            case 'U': g.uuid_ids = 1; break;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return 64;
        }
    }
    int64_t secs;
    int32_t nanos;
    if (g.employees < 12 || g.years < 1 || hrw_clock_parse (start, &secs, &nanos)
        || (g.real && (g.truth || g.n_units_opt < 12 || g.employees < 40 * g.n_units_opt))
        || ((g.facts || g.rescinds || g.scheduled) && !g.real)) {
        s_usage (stderr);
        return 64;
    }
    g.start_us = hrw_clock_from_parts (secs, 0);
    g.rng = g.seed * 0x2545f4914f6cdd1dULL + 1;
    //  Managers and their scenarios draw from a stream of their own.
    g.side_rng = (g.seed ^ 0x6d616e6167657273ULL) * 0x9e3779b97f4a7c15ULL + 7;
    //  Rescinded and scheduled exits draw from a third.
    g.sched_rng = (g.seed ^ 0x7363686564756c65ULL) * 0xbf58476d1ce4e5b9ULL + 11;
    if (g.real)
        gen_sched_run (&g);
    else if (g.truth) {
        gen_build_org (&g);
        gen_simulate_scenarios (&g);
    }
    else {
        gen_build_org (&g);
        gen_simulate (&g);
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
    gen_dev_free (&g);
    gen_sched_free (&g);
    return 0;
}
