/*  hrwatch-gen's modules, shared among its files: the generator state, the
    random draws, the event writers and the company's moves (gen.c), the
    --scenarios and default histories (gen_scenarios.c), the realistic
    company of --quiet and --inject (gen_real.c) and the scenarios --inject
    puts in it (gen_inject.c). Every draw comes from one stream, g->rng, so
    the same seed gives the same bytes only while the calls keep their
    order; managers and their scenarios (gen_manager.c) draw from their
    own, g->side_rng, so that they move nothing else. */
#ifndef HRW_GEN_INT_H
#define HRW_GEN_INT_H

#include <stdint.h>
#include <stdio.h>

#include "lib/clock.h"

#define GEN_DAY_US (86400LL * HRW_US_PER_SEC)
#define GEN_MAX_NOMINEES 3     //  Successors a position can have
#define GEN_CYCLE_DAYS 91      //  Realistic company: days from one survey to the next
#define GEN_GAP_FORESEEN 3     //  Realistic company: a gap only a held exit makes

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
    //  Realistic company: managers (gen_manager.c)
    int manager;        //  The manager last emitted for it, or -1
    int hired_day;      //  Day of the history it was hired (negative: before)
    //  Realistic company: rescinded and scheduled exits (gen_sched.c)
    int rescind;        //  Left, and the exit is to be voided: its nominations are kept
    int held;           //  Its exit is recorded ahead and not yet applied
    int restored;       //  Back after its exit was voided: counted by the
                        //  daemon (and the truth), never by the company's
                        //  draws, which go on as if it had left
} gen_emp_t;

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
} gen_team_t;

typedef struct {
    char id[64];
    int parent;         //  -1 for the root
    char name[64];
    int bench;          //  Realistic company: bench strength short now
} gen_unit_t;

typedef struct {
    int unit;
    int critical;
    int incumbent;      //  Employee, or -1
    int nominees[GEN_MAX_NOMINEES];   //  Employees, -1 for none
    int64_t vacant_since;           //  When the incumbent left, or 0
    int defined;        //  Realistic company: its positionDefined is out
    int gap;            //  Realistic company: 0, or the gap's severity
                        //  (1 warning, 2 critical) as the daemon should see it
    int hold_until;     //  No background nomination before this day
    int tgap;           //  As gap, with successors whose exit is recorded
                        //  ahead not counted: what the truth says; or
                        //  GEN_GAP_FORESEEN while those are the only ones
                        //  the daemon counts (an early warning)
    int covered;        //  Has a ready-now successor as the daemon counts for
                        //  bench strength (those leaving ahead still count)
} gen_pos_t;

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
    gen_unit_t *units;
    int n_units;
    gen_team_t *teams;
    int n_teams;
    gen_pos_t *positions;
    int n_positions;
    gen_emp_t *emps;
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
    //  Successor development (gen_dev.c): its own state, its own draws
    struct gen_dev *dev;
    //  Realistic company: managers and the scenarios of gen_manager.c,
    //  drawn from their own stream so the one above is not moved
    uint64_t side_rng;      //  Their stream, a hash of the seed
    long extra;             //  Events emitted beside g->seq (manager changes)
    int initial;            //  Hiring the initial workforce: its leads come later
    int lead_base;          //  ... as employees lead_base + their position
    //  Realistic company: rescinded exits (voided some days after) and
    //  exits recorded ahead (gen_sched.c), drawn from a stream of their own
    int rescinds;           //  --rescinds
    int scheduled;          //  --scheduled
    uint64_t sched_rng;     //  Their stream, a hash of the seed
    long voids;             //  Voids emitted, numbered apart ("gen<seed>-v<n>")
    int uuid_ids;           //  --uuid-ids: event ids are UUIDv4 (gen_event_id)
    const char *trigger;    //  When set, the event the next facts are triggered by
    FILE *mute;             //  /dev/null: where an exit written ahead goes when it applies
    struct gen_sched *sched;
} gen_t;

//  --inject: which teams, days and positions each scenario uses.
typedef struct {
    int spike_team, rise_team;      //  Exit rate 6x for 30 days; 2x for 120
    int spike_day, rise_day;
    int big_team, big_day;          //  6x for 30 days in the largest team
    int big_rise_team, big_rise_day;    //  2x for 120 in the largest team left
    int decoy_day;                  //  Four exits in team 3 (6 people)
    int gap_day[5];                 //  The five causes of a succession gap
    int gap_position[5];
    int spare;                      //  The vacant role a successor moves to
    //  Early-tenure exits and a manager hotspot (gen_manager.c)
    int tenure_team, tenure_day;    //  Extra hires who leave early, for 180 days
    int hotspot_team, hotspot_day;  //  The lead's reports leave at 4x, for 120 days
    int pending[64];                //  Extra hires still to leave ...
    int pending_day[64];            //  ... on these days
    int n_pending;
} gen_inject_t;

// ---------------------------------------------------------------------------
// gen.c: randomness (splitmix64 over g->rng)

//  A uniform draw in [0, 1).
double gen_uniform (gen_t *g);
//  A uniform draw in 0..n-1; 0, without drawing, when n <= 0.
int gen_below (gen_t *g, int n);
//  A Poisson draw of mean lambda.
int gen_poisson (gen_t *g, double lambda);
//  A standard normal draw (two uniform draws).
double gen_normal (gen_t *g);

// ---------------------------------------------------------------------------
// gen.c: event lines on g->out, stamped at g->now (each writes nothing once
// --events is reached) and counted for --summary

//  Writes position p's id ("P-<100+p>") into buf.
void gen_pos_id (int p, char *buf, size_t cap);
//  The id of event N of a numbering: KIND 0 for the main sequence, 'v' for
//  voids, 'm' for manager changes. "gen<seed>-<kind><n>", or with
//  --uuid-ids a UUIDv4 hashed from (seed, kind, n): every reference to an
//  event (a void, the ground truth) names it the same way.
#define GEN_ID_MAX 48
const char *gen_event_id (const gen_t *g, char kind, long n, char *buf, size_t cap);
void gen_emit_unit (gen_t *g, int u);
void gen_emit_position (gen_t *g, int p);
void gen_emit_promotion (gen_t *g, int e, int p);
void gen_emit_transfer (gen_t *g, int e);
//  A nomination of e for p at a readiness (1 ready now .. 3), or with
//  nominated 0 its withdrawal.
void gen_emit_nomination (gen_t *g, int p, int e, int nominated, int readiness);
//  A mentorship assigned, or with assigned 0 ended.
void gen_emit_mentor (gen_t *g, int mentor, int mentee, int assigned);
//  One answer from team's unit; enps -1 for none.
void gen_emit_survey (gen_t *g, const char *cycle, int team, int score, int enps);

// ---------------------------------------------------------------------------
// gen.c: the company (exits on allocation failure, status 2)

//  Adds an org unit (parent -1 for the root); returns its index.
int gen_add_unit (gen_t *g, const char *id, int parent, const char *name);
//  Adds a vacant position in unit, with no nominees; returns its index.
int gen_add_position (gen_t *g, int unit, int critical);
void gen_join_team (gen_t *g, int e, int team);
void gen_leave_team (gen_t *g, int e);
//  Hires someone into team, and into position unless it is -1; emits it.
void gen_hire (gen_t *g, int team, int position);
//  e leaves the company (their position falls vacant); emits it.
void gen_exit (gen_t *g, int e, int voluntary);
//  The team a unit is, or any team (one draw) for a department or division.
int gen_team_for (gen_t *g, int unit);

// ---------------------------------------------------------------------------
// gen_scenarios.c: the default history, and --scenarios with its truth

//  The org tree of divisions, departments and teams of about 12.
void gen_build_org (gen_t *g);
//  The default history: a random company, day by day.
void gen_simulate (gen_t *g);
//  --scenarios: a quiet background, known events injected, the alerts they
//  should cause written to g->truth.
void gen_simulate_scenarios (gen_t *g);

// ---------------------------------------------------------------------------
// gen_real.c: the realistic company (--quiet, --inject)

//  Its org tree of --units units with uneven teams.
void gen_real_org (gen_t *g);
//  Its history, with the scenarios when g->inject; facts to g->facts.
void gen_simulate_real (gen_t *g);
//  One line of ground truth to g->facts (none without --truth).
void gen_fact (gen_t *g, const char *scenario, const char *family, const char *kind,
               const char *subject, int unit, int64_t t, const char *expect,
               const char *severity, const char *cause, int window_days, int with_trigger);
//  Ready-now successors of p who count.
int gen_real_ready (const gen_t *g, int p);
//  The same as the company sees them: without those back after a void.
int gen_real_ready_company (const gen_t *g, int p);
//  The succession facts the last event changed, with cause.
void gen_real_facts (gen_t *g, const char *cause);
//  The moves below, each followed by the facts it changes.
void gen_real_exit (gen_t *g, int e, int voluntary);
void gen_real_withdraw (gen_t *g, int p, int k);
void gen_real_promote (gen_t *g, int e, int p);

// ---------------------------------------------------------------------------
// gen_inject.c: the scenarios of --inject

//  Chooses their teams, days and boosts (its draws come before the workforce is hired).
void gen_inject_plan (gen_t *g, gen_inject_t *in);
//  Day d of them: facts at each onset, and the exits, withdrawals,
//  promotions and redefinitions that make them.
void gen_inject_day (gen_t *g, gen_inject_t *in, int d);

// ---------------------------------------------------------------------------
// gen_dev.c: successor development in the realistic company (mentors,
// developing nominations), drawn from a hash of the seed, never g->rng

//  After each event (from gen_real_facts): the development facts it
//  changes, and each critical role's only ready-now successor.
void gen_dev_after (gen_t *g);
//  The start of day d: what falls due at midnight.
void gen_dev_day (gen_t *g, int d);
//  The end of day d: its mentoring and developing nominations.
void gen_dev_day_end (gen_t *g, int d);
//  Frees its state (none kept when no realistic company was made).
void gen_dev_free (gen_t *g);
// gen.c: what managers and their scenarios need of the writers (realistic
// company only)

//  A manager change of e (to its own unit), stamped with the event before
//  it and numbered apart ("gen<seed>-m<n>"), so the other events keep
//  their ids and times.
void gen_emit_manager (gen_t *g, int e, int manager);
//  Someone hired into team beside its member list (the main stream never
//  draws them), at level; emits the hire and returns them.
int gen_hire_aside (gen_t *g, int team, int level);
//  e, hired aside, leaves voluntarily (not regretted); emits it.
void gen_exit_aside (gen_t *g, int e);
//  e leaves voluntarily (not regretted) and a new hire at its level takes
//  its place in its team's member list, so the main stream's draws are
//  the same; emits both.
void gen_swap_out (gen_t *g, int e);
//  The employee id of e into buf.
void gen_emp_id (int e, char *buf, size_t cap);

// ---------------------------------------------------------------------------
// gen_manager.c: managers (realistic company): each team reports to the
// holder of its unit's lead position, a lead to the lead of the unit above

//  A draw in [0, 1) from the side stream.
double gen_side_uniform (gen_t *g);
//  e's manager now (an employee), or -1.
int gen_manager_of (const gen_t *g, int e);
//  Position p has a new incumbent: its reports are re-pointed to them, and
//  they to the lead above.
void gen_manager_repoint (gen_t *g, int p);
//  --inject: chooses the teams and days of the two scenarios (side stream).
void gen_manager_plan (gen_t *g, gen_inject_t *in);
//  Day d of them: facts at each onset, the extra hires and exits.
void gen_manager_day (gen_t *g, gen_inject_t *in, int d);

// ---------------------------------------------------------------------------
// gen_sched.c: rescinded exits and exits recorded ahead (realistic company
// with --rescinds or --scheduled). The history is made twice: the first
// time only to learn which exits are recorded ahead and when they occur,
// the second time writing each of them on the day it is recorded.

//  Runs the realistic company: twice when either option is on, else once.
void gen_sched_run (gen_t *g);
//  Decides (own stream) how e's exit goes, before gen_exit changes any
//  state: GEN_EXIT_PLAIN, or GEN_EXIT_RESCIND (applied, voided later),
//  GEN_EXIT_AHEAD (recorded ahead), GEN_EXIT_AHEAD_VOIDED (recorded ahead
//  and voided before it applies: the employee stays).
enum { GEN_EXIT_PLAIN, GEN_EXIT_RESCIND, GEN_EXIT_AHEAD, GEN_EXIT_AHEAD_VOIDED };
int gen_sched_decide (gen_t *g, int e, int voluntary);
//  The exit decided above was emitted as event seq at t: remembered.
void gen_sched_emitted (gen_t *g, int e, int how, int voluntary, int regretted, long seq,
                        int64_t t);
//  Start of day d (after the midnight sweep): exits recorded ahead today,
//  and the voids due today, each followed by the facts it changes.
void gen_sched_day (gen_t *g, int d);
//  Frees its state.
void gen_sched_free (gen_t *g);
// gen.c: the exit line, for gen_sched.c (recorded 0: no recordedAt)
void gen_write_exit (gen_t *g, FILE *out, long seq, int64_t t, int64_t recorded, int e,
                     int voluntary, int regretted);
//  A void of event seq, stamped at t (numbered apart); returns its number.
long gen_write_void (gen_t *g, long seq, int64_t t);

#endif
