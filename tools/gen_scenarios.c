/*  hrwatch-gen's default history (a random company, day by day: exits,
    hires, transfers, promotions, nominations, mentoring, surveys) and
    --scenarios (a quiet background with known events injected, and the
    alerts they should cause written to the truth file). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen_int.h"

#define S_TEAM_SIZE 12
#define S_TEAMS_PER_DEPT 4
#define S_DIVISIONS 5

// ---------------------------------------------------------------------------
// The company

void
gen_build_org (gen_t *g)
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
    int root = gen_add_unit (g, "acme", -1, "Acme Corp");
    int div_unit[S_DIVISIONS];
    for (int d = 0; d < S_DIVISIONS; d++) {
        div_unit[d] = gen_add_unit (g, divs[d], root, div_names[d]);
        gen_add_position (g, div_unit[d], 1);
    }
    char id[64], name[64];
    int dept = -1;
    for (int t = 0; t < g->n_teams; t++) {
        if (t % S_TEAMS_PER_DEPT == 0) {
            int d = (t / S_TEAMS_PER_DEPT) % S_DIVISIONS;
            snprintf (id, sizeof (id), "%s-d%d", divs[d], t / S_TEAMS_PER_DEPT + 1);
            snprintf (name, sizeof (name), "%s department %d", div_names[d],
                      t / S_TEAMS_PER_DEPT + 1);
            dept = gen_add_unit (g, id, div_unit[d], name);
            gen_add_position (g, dept, 1);
        }
        snprintf (id, sizeof (id), "%.40s-t%d", g->units[dept].id, t % S_TEAMS_PER_DEPT + 1);
        snprintf (name, sizeof (name), "Team %d", t + 1);
        gen_team_t *tm = &g->teams[t];
        tm->unit = gen_add_unit (g, id, dept, name);
        tm->target = S_TEAM_SIZE - 3 + gen_below (g, 7);
        tm->risk = exp (0.5 * gen_normal (g));
        tm->mood = 3.4 + 0.35 * gen_normal (g);
        //  A quarter of team leads are critical roles too.
        tm->lead = gen_add_position (g, tm->unit, gen_below (g, 4) == 0);
    }
}

// ---------------------------------------------------------------------------
// Day by day

static void
s_nominate (gen_t *g, int p)
{
    gen_pos_t *pos = &g->positions[p];
    //  Candidates come from the position's unit, or any team below it.
    for (int k = 0; k < GEN_MAX_NOMINEES; k++) {
        if (pos->nominees[k] >= 0)
            continue;
        int team = gen_below (g, g->n_teams);
        for (int tries = 0; tries < 8; tries++, team = gen_below (g, g->n_teams)) {
            gen_team_t *t = &g->teams[team];
            if (t->n == 0)
                continue;
            int e = t->members[gen_below (g, t->n)];
            if (e == pos->incumbent || g->emps[e].position >= 0)
                continue;
            int dup = 0;
            for (int j = 0; j < GEN_MAX_NOMINEES; j++)
                dup |= pos->nominees[j] == e;
            if (dup)
                continue;
            pos->nominees[k] = e;
            //  A quiet background has one ready-now successor per role,
            //  who stays.
            g->emps[e].keep = g->truth != NULL;
            gen_emit_nomination (g, p, e, 1, g->truth? 1: 1 + gen_below (g, 3));
            break;
        }
        if (g->truth)
            break;
    }
}

static void
s_fill_vacancies (gen_t *g)
{
    for (int p = 0; p < g->n_positions; p++) {
        gen_pos_t *pos = &g->positions[p];
        if (pos->incumbent >= 0 || g->now - pos->vacant_since < 30 * GEN_DAY_US)
            continue;
        //  Promote an active nominee when there is one, else hire outside.
        int chosen = -1;
        for (int k = 0; k < GEN_MAX_NOMINEES && chosen < 0; k++) {
            int e = pos->nominees[k];
            if (e >= 0 && g->emps[e].active && g->emps[e].position < 0)
                chosen = e;
        }
        if (chosen >= 0) {
            for (int k = 0; k < GEN_MAX_NOMINEES; k++)
                if (pos->nominees[k] == chosen) {
                    pos->nominees[k] = -1;
                    gen_emit_nomination (g, p, chosen, 0, 0);
                }
            g->emps[chosen].position = p;
            g->emps[chosen].level++;
            pos->incumbent = chosen;
            gen_emit_promotion (g, chosen, p);
        }
        else
            gen_hire (g, gen_team_for (g, pos->unit), p);
        if (pos->critical)
            s_nominate (g, p);
    }
}

static void
s_day_team (gen_t *g, int t)
{
    gen_team_t *tm = &g->teams[t];
    //  Annual rates: 11% voluntary, 3% involuntary, 4% transfers out.
    int vol = gen_poisson (g, tm->n * 0.11 / 365.0 * tm->risk);
    for (int i = 0; i < vol && tm->n > 0; i++)
        gen_exit (g, tm->members[gen_below (g, tm->n)], 1);
    int invol = gen_poisson (g, tm->n * 0.03 / 365.0);
    for (int i = 0; i < invol && tm->n > 0; i++)
        gen_exit (g, tm->members[gen_below (g, tm->n)], 0);
    int moves = gen_poisson (g, tm->n * 0.04 / 365.0);
    for (int i = 0; i < moves && tm->n > 1; i++) {
        int e = tm->members[gen_below (g, tm->n)];
        int to = gen_below (g, g->n_teams);
        if (to == t || g->emps[e].position >= 0)
            continue;
        gen_leave_team (g, e);
        gen_join_team (g, e, to);
        gen_emit_transfer (g, e);
    }
    //  Recruiting closes a gap with a lag of a few weeks on average.
    if (tm->n < tm->target && gen_below (g, 20) == 0)
        gen_hire (g, t, -1);
}

static void
s_mentoring (gen_t *g)
{
    int e = gen_below (g, g->n_emps);
    gen_emp_t *em = &g->emps[e];
    if (em->active && em->mentor < 0 && em->level <= 2 && gen_below (g, 4) == 0) {
        gen_team_t *t = &g->teams[gen_below (g, g->n_teams)];
        int m = t->n? t->members[gen_below (g, t->n)]: -1;
        if (m >= 0 && m != e && g->emps[m].level >= 3) {
            em->mentor = m;
            em->mentor_end = g->now + (180 + gen_below (g, 180)) * GEN_DAY_US;
            gen_emit_mentor (g, m, e, 1);
        }
    }
}

static void
s_end_mentoring (gen_t *g)
{
    for (int e = 0; e < g->n_emps; e++) {
        gen_emp_t *em = &g->emps[e];
        if (em->mentor >= 0 && (g->now >= em->mentor_end || !em->active
                                || !g->emps[em->mentor].active)) {
            gen_emit_mentor (g, em->mentor, e, 0);
            em->mentor = -1;
        }
    }
}

static void
s_survey (gen_t *g, const char *cycle)
{
    for (int t = 0; t < g->n_teams; t++) {
        gen_team_t *tm = &g->teams[t];
        //  A team's mood stays put; answers scatter around it.
        for (int i = 0; i < tm->n; i++) {
            if (gen_below (g, 10) >= 7)
                continue;
            double x = tm->mood + 0.8 * gen_normal (g);
            int score = x < 1.5? 1: x > 4.5? 5: (int) (x + 0.5);
            int enps = gen_below (g, 10) == 0? -1: score * 2 + gen_below (g, 2) - (score == 5? 1: 0);
            gen_emit_survey (g, cycle, t, score, enps < 0? -1: enps > 10? 10: enps);
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
s_note_id (gen_t *g, s_ids_t *ids)
{
    if (ids->n < S_ID_LIST && !g->stopped)
        ids->ids[ids->n++] = g->seq;
}

static void
s_truth_ids (gen_t *g, const char *name, const s_ids_t *ids)
{
    char id[GEN_ID_MAX];
    fprintf (g->truth, ",\"%s\":[", name);
    for (int i = 0; i < ids->n; i++)
        fprintf (g->truth, "%s\"%s\"", i? ",": "", gen_event_id (g, 0, ids->ids[i], id, sizeof (id)));
    fprintf (g->truth, "]");
}

static void
s_truth (gen_t *g, const char *scenario, const char *expect, const char *kind,
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
s_truth_ancestors (gen_t *g, const char *scenario, const char *kind, int unit)
{
    for (int u = g->units[unit].parent; u >= 0; u = g->units[u].parent)
        s_truth (g, scenario, "allow", kind, g->units[u].id, NULL, NULL);
}

//  The first member of a team the background may let go, or -1.
static int
s_leaver (gen_t *g, int team)
{
    gen_team_t *t = &g->teams[team];
    for (int i = 0; i < t->n; i++)
        if (!g->emps[t->members[i]].keep)
            return t->members[i];
    return -1;
}

//  Each team loses one person every 300 days, teams 37 days apart, and
//  hires back within two weeks: turnover of about 10% a year, never three
//  exits in a month anywhere.
static void
s_day_team_quiet (gen_t *g, int t, int d)
{
    gen_team_t *tm = &g->teams[t];
    int e;
    if ((d + 37 * t) % 300 == 0 && (e = s_leaver (g, t)) >= 0)
        gen_exit (g, e, 1);
    if (tm->n < tm->target && d % 14 == t % 14)
        gen_hire (g, t, -1);
}

//  Everyone answers; engagement averages 4.0 and eNPS +25 in every team,
//  except the team and cycle given, which drop to 3.0 and -100.
static void
s_survey_quiet (gen_t *g, const char *cycle, int low_team, int note_team, s_ids_t *ids)
{
    static const int score[4] = { 4, 4, 5, 3 }, nps[4] = { 8, 9, 7, 8 };
    for (int t = 0; t < g->n_teams; t++)
        for (int i = 0; i < g->teams[t].n; i++) {
            int low = t == low_team;
            gen_emit_survey (g, cycle, t, score[i % 4] - low, nps[i % 4] - 3 * low);
            if (t == note_team)
                s_note_id (g, ids);
        }
}

typedef struct {
    int spike_team, rise_team, drop_team, gap_position;
    s_ids_t spike, gap_open, gap_close, drop, drop_next;
} s_scenarios_t;

static void
s_scenario_day (gen_t *g, s_scenarios_t *sc, int d)
{
    int e;
    //  A spike: five voluntary exits in nine days.
    if (d >= 500 && d <= 508 && d % 2 == 0 && (e = s_leaver (g, sc->spike_team)) >= 0) {
        gen_exit (g, e, 1);
        s_note_id (g, &sc->spike);
    }
    //  A slow rise: exits coming closer together, never three in a month.
    static const int rise[] = { 420, 510, 585, 645, 695, 735 };
    for (size_t i = 0; i < sizeof (rise) / sizeof (rise[0]); i++)
        if (d == rise[i] && (e = s_leaver (g, sc->rise_team)) >= 0)
            gen_exit (g, e, 1);
    //  A gap opened (the only ready-now successor leaves) and closed (a new
    //  one is nominated) forty days later.
    gen_pos_t *pos = &g->positions[sc->gap_position];
    if (d == 600 && pos->nominees[0] >= 0) {
        gen_exit (g, pos->nominees[0], 1);
        s_note_id (g, &sc->gap_open);
        pos->nominees[0] = -1;
    }
    if (d == 640) {
        s_nominate (g, sc->gap_position);
        s_note_id (g, &sc->gap_close);
    }
}

static void
s_write_truth (gen_t *g, s_scenarios_t *sc)
{
    const char *spike = g->units[g->teams[sc->spike_team].unit].id;
    s_truth (g, "turnover spike", "fire", "turnover_spike", spike, &sc->spike, NULL);
    s_truth_ancestors (g, "turnover spike", "turnover_spike", g->teams[sc->spike_team].unit);
    s_truth (g, "slow rise", "none", "turnover_spike",
             g->units[g->teams[sc->rise_team].unit].id, NULL, NULL);
    char pid[16];
    gen_pos_id (sc->gap_position, pid, sizeof (pid));
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

static void s_initial (gen_t *g);

void
gen_simulate_scenarios (gen_t *g)
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
        g->now = g->start_us + d * GEN_DAY_US;
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
s_initial (gen_t *g)
{
    g->now = g->start_us - 30 * GEN_DAY_US;
    for (int u = 0; u < g->n_units; u++)
        gen_emit_unit (g, u);
    //  The workforce at the start was hired over the five years before it;
    //  hires are emitted in date order.
    int total = 0;
    for (int t = 0; t < g->n_teams; t++)
        total += g->teams[t].target;
    int64_t span = 5 * 365 * GEN_DAY_US;
    for (int i = 0; i < total; i++) {
        g->now = g->start_us - span + span * i / (total + 1);
        g->now -= g->now % GEN_DAY_US;
        gen_hire (g, i % g->n_teams, -1);
    }
    //  Role holders are hired, then the HRIS exports its succession plan and
    //  its positions with their incumbents, a role's nominees first.
    for (int p = 0; p < g->n_positions; p++)
        gen_hire (g, gen_team_for (g, g->positions[p].unit), p);
    for (int p = 0; p < g->n_positions; p++) {
        if (g->positions[p].critical)
            s_nominate (g, p);
        gen_emit_position (g, p);
    }
}

void
gen_simulate (gen_t *g)
{
    s_initial (g);
    int days = g->years * 365;
    for (int d = 0; d < days && !g->stopped; d++) {
        g->now = g->start_us + d * GEN_DAY_US;
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

