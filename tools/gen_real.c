/*  hrwatch-gen's realistic company (--quiet, --inject): a few dozen org
    units of uneven size, each with its own steady exit rate; stable team
    moods, about 70% of each team answering each quarterly survey over its
    first two weeks; one ready-now successor per critical position,
    nominated again some weeks after it is lost. --truth gets what the
    daemon should say about it: the succession facts, derived here event by
    event as the daemon defines them (docs/alerts.md), and with --inject the
    scenarios (gen_inject.c), when each starts and whether it should fire or
    stay silent. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen_int.h"

#define S_REAL_DIVS 5
#define S_ANSWER_DAYS 14

//  True when unit v is u or below it.
static int
s_under (const gen_t *g, int v, int u)
{
    for (; v >= 0; v = g->units[v].parent)
        if (v == u)
            return 1;
    return 0;
}

//  One line of ground truth: what the daemon should do about an alert kind
//  and subject from time t (expect: fire, severity, resolve, silent, allow).
void
gen_fact (gen_t *g, const char *scenario, const char *family, const char *kind,
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
    if (with_trigger && g->trigger)
        fprintf (g->facts, ",\"trigger\":\"%s\"", g->trigger);
    else if (with_trigger) {
        char id[GEN_ID_MAX];
        fprintf (g->facts, ",\"trigger\":\"%s\"", gen_event_id (g, 0, g->seq, id, sizeof (id)));
    }
    fprintf (g->facts, "}\n");
}

//  Ready-now successors who count: active, not holding this role, and not
//  holding another critical one (nominees here hold none when nominated;
//  a move into a role that is not critical keeps them counted).
enum { S_READY_DAEMON, S_READY_LESS_HELD, S_READY_COMPANY };

static int
s_ready (const gen_t *g, int p, int view)
{
    const gen_pos_t *pos = &g->positions[p];
    int n = 0;
    for (int k = 0; k < GEN_MAX_NOMINEES; k++) {
        int e = pos->nominees[k];
        int held = e >= 0? g->emps[e].position: -1;
        n += e >= 0 && g->emps[e].active && e != pos->incumbent
          && (held < 0 || !g->positions[held].critical)
          && !(view == S_READY_LESS_HELD && g->emps[e].held)
          && !(view == S_READY_COMPANY && g->emps[e].restored);
    }
    return n;
}

int
gen_real_ready (const gen_t *g, int p)
{
    return s_ready (g, p, S_READY_DAEMON);
}

int
gen_real_ready_company (const gen_t *g, int p)
{
    return s_ready (g, p, S_READY_COMPANY);
}

//  After an event: the succession gaps and bench-strength shortfalls it
//  opens, escalates or closes, as facts triggered by that event.
void
gen_real_facts (gen_t *g, const char *cause)
{
    //  The gap states are the company's own (roles with a gap get a new
    //  successor), so they are kept with or without a truth file.
    if (g->stopped)
        return;
    //  The company acts on the successors it has (gap), without those back
    //  after a void (--rescinds), so that its draws stay as they were; the
    //  daemon, and so the truth (tgap), counts those and not one whose exit
    //  is recorded ahead (--scheduled). Without either the two are the same.
    //  While a role's only ready-now successors are ones whose exit is held
    //  (GEN_GAP_FORESEEN), the daemon raises an early warning: info or
    //  warning by how far off the exit is, never critical, even for a
    //  vacant role; its changes as the date nears are not in the truth.
    //  The truth has the gap open and close, and a change to critical once
    //  no ready-now successor is left for a vacant role (the held exit
    //  applies); between the early warning and a plain one (the leaver
    //  promoted into the role, say) it has no change.
    char pid[16];
    for (int p = 0; p < g->n_positions; p++) {
        gen_pos_t *pos = &g->positions[p];
        int now = 0, tnow = 0;
        if (pos->defined && pos->critical && s_ready (g, p, S_READY_COMPANY) < 1)
            now = pos->incumbent < 0? 2: 1;
        if (pos->defined && pos->critical && s_ready (g, p, S_READY_LESS_HELD) < 1)
            tnow = s_ready (g, p, S_READY_DAEMON) >= 1? GEN_GAP_FORESEEN
                 : pos->incumbent < 0? 2: 1;
        pos->gap = now;
        pos->covered = !(pos->defined && pos->critical) || s_ready (g, p, S_READY_DAEMON) >= 1;
        if (tnow == pos->tgap)
            continue;
        int was = pos->tgap;
        pos->tgap = tnow;
        if (was && tnow && tnow != 2 && (tnow == GEN_GAP_FORESEEN || was == GEN_GAP_FORESEEN))
            continue;
        gen_pos_id (p, pid, sizeof (pid));
        gen_fact (g, g->label, "succession", "succession_gap", pid, pos->unit, g->last_t,
                !was? "fire": !tnow? "resolve": "severity",
                tnow == 2? "critical": tnow? "warning": NULL, cause, 0, 1);
    }
    for (int u = 0; u < g->n_units; u++) {
        int crit = 0, covered = 0;
        for (int p = 0; p < g->n_positions; p++) {
            const gen_pos_t *pos = &g->positions[p];
            if (pos->defined && pos->critical && s_under (g, pos->unit, u)) {
                crit++;
                covered += pos->covered;
            }
        }
        int now = crit >= 3 && covered * 10 < crit * 7;
        if (now != g->units[u].bench) {
            gen_fact (g, g->label, "succession", "bench_strength", g->units[u].id, u, g->last_t,
                    now? "fire": "resolve", NULL, cause, 0, 1);
            g->units[u].bench = now;
        }
    }
    //  Successor development, and who is a role's only ready-now successor.
    gen_dev_after (g);
}

void
gen_real_exit (gen_t *g, int e, int voluntary)
{
    gen_exit (g, e, voluntary);
    gen_real_facts (g, "exit");
}

//  A new ready-now successor for p, from anywhere in the company, who holds
//  no role and is nobody else's successor (so no one is the sole successor
//  of several roles).
static void
s_real_nominate (gen_t *g, int p)
{
    gen_pos_t *pos = &g->positions[p];
    int slot = -1;
    for (int k = 0; k < GEN_MAX_NOMINEES && slot < 0; k++)
        if (pos->nominees[k] < 0
            || (!g->emps[pos->nominees[k]].active && !g->emps[pos->nominees[k]].rescind))
            slot = k;
    if (slot < 0)
        return;
    for (int tries = 0; tries < 32; tries++) {
        gen_team_t *t = &g->teams[gen_below (g, g->n_teams)];
        if (t->n == 0)
            continue;
        int e = t->members[gen_below (g, t->n)];
        if (e == pos->incumbent || g->emps[e].position >= 0 || g->emps[e].nominated)
            continue;
        if (pos->nominees[slot] >= 0)
            g->emps[pos->nominees[slot]].nominated--;
        pos->nominees[slot] = e;
        g->emps[e].nominated++;
        gen_emit_nomination (g, p, e, 1, 1);
        gen_real_facts (g, "successor nominated");
        return;
    }
}

void
gen_real_withdraw (gen_t *g, int p, int k)
{
    gen_pos_t *pos = &g->positions[p];
    int e = pos->nominees[k];
    gen_emit_nomination (g, p, e, 0, 0);
    g->emps[e].nominated--;
    pos->nominees[k] = -1;
    gen_real_facts (g, "nomination withdrawn");
}

//  Moves e into position p (vacant), as a promotion.
void
gen_real_promote (gen_t *g, int e, int p)
{
    g->emps[e].position = p;
    g->emps[e].level++;
    g->positions[p].incumbent = e;
    gen_emit_promotion (g, e, p);
    gen_manager_repoint (g, p);
    gen_real_facts (g, "promotion");
}

//  Roles vacant for 30 days are filled: by a ready-now successor when there
//  is one (their nomination then withdrawn), else from outside. Roles
//  without a ready-now successor get one within some weeks.
static void
s_real_roles (gen_t *g, int d)
{
    for (int p = 0; p < g->n_positions; p++) {
        gen_pos_t *pos = &g->positions[p];
        if (!pos->defined || d < pos->hold_until)
            continue;
        if (pos->incumbent < 0 && g->now - pos->vacant_since >= 30 * GEN_DAY_US) {
            int chosen = -1;
            for (int k = 0; k < GEN_MAX_NOMINEES && chosen < 0; k++) {
                int e = pos->nominees[k];
                if (e >= 0 && g->emps[e].active && !g->emps[e].restored
                    && g->emps[e].position < 0)
                    chosen = k;
            }
            if (chosen >= 0) {
                gen_real_promote (g, pos->nominees[chosen], p);
                gen_real_withdraw (g, p, chosen);
            }
            else {
                gen_hire (g, gen_team_for (g, pos->unit), p);
                gen_real_facts (g, "hire");
            }
        }
        if (pos->critical && pos->gap && gen_below (g, 30) == 0)
            s_real_nominate (g, p);
    }
}

static void
s_real_day_team (gen_t *g, int t, int d)
{
    gen_team_t *tm = &g->teams[t];
    double boost = d >= tm->boost_from && d < tm->boost_to? tm->boost: 1.0;
    int vol = gen_poisson (g, tm->n * 0.11 / 365.0 * tm->risk * boost);
    for (int i = 0; i < vol && tm->n > 0; i++)
        gen_real_exit (g, tm->members[gen_below (g, tm->n)], 1);
    int invol = gen_poisson (g, tm->n * 0.03 / 365.0);
    for (int i = 0; i < invol && tm->n > 0; i++)
        gen_real_exit (g, tm->members[gen_below (g, tm->n)], 0);
    //  Each open seat is filled with a chance of 1 in 20 a day.
    for (int i = tm->n; i < tm->target; i++)
        if (gen_below (g, 20) == 0)
            gen_hire (g, t, -1);
}

//  A quarterly survey: cycle c opens on day 45 + 91 (c - 1); each member
//  answers with a chance of 70%, on one of its first 14 days. Answers
//  scatter around the team's mood (shifted from the team's shift_cycle on).
static void
s_real_survey_day (gen_t *g, int d)
{
    if (d < 45)
        return;
    int c = (d - 45) / GEN_CYCLE_DAYS + 1, k = (d - 45) % GEN_CYCLE_DAYS;
    if (k >= S_ANSWER_DAYS)
        return;
    char cycle[16];
    snprintf (cycle, sizeof (cycle), "cycle-%02d", c);
    for (int t = 0; t < g->n_teams; t++) {
        gen_team_t *tm = &g->teams[t];
        if (k == 0) {
            memset (tm->resp_day, 0, sizeof (tm->resp_day));
            int n = 0;
            for (int i = 0; i < tm->n; i++)
                if (gen_uniform (g) < 0.7) {
                    tm->resp_day[gen_below (g, S_ANSWER_DAYS)]++;
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
            double x = mood + 0.8 * gen_normal (g);
            int score = x < 1.5? 1: x > 4.5? 5: (int) (x + 0.5);
            int enps = gen_below (g, 10) == 0? -1: score * 2 + gen_below (g, 2) - (score == 5? 1: 0);
            gen_emit_survey (g, cycle, t, score, enps < 0? -1: enps > 10? 10: enps);
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
void
gen_real_org (gen_t *g)
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
    int root = gen_add_unit (g, "acme", -1, "Acme Corp");
    gen_add_position (g, root, 1);
    int div_unit[S_REAL_DIVS];
    for (int d = 0; d < S_REAL_DIVS; d++) {
        div_unit[d] = gen_add_unit (g, divs[d], root, div_names[d]);
        gen_add_position (g, div_unit[d], 1);
    }
    static const int fixed[5] = { 0, 40, 40, 6, 6 };
    double sum = 0;
    int rest = g->employees;
    for (int t = 0; t < g->n_teams; t++) {
        w[t] = t >= 1 && t <= 4? 0.0: exp (0.6 * gen_normal (g));
        sum += w[t];
        rest -= t >= 1 && t <= 4? fixed[t]: 0;
    }
    char id[64], name[64];
    for (int t = 0; t < g->n_teams; t++) {
        int d = t % S_REAL_DIVS;
        snprintf (id, sizeof (id), "%s-t%d", divs[d], t / S_REAL_DIVS + 1);
        snprintf (name, sizeof (name), "Team %d", t + 1);
        gen_team_t *tm = &g->teams[t];
        tm->unit = gen_add_unit (g, id, div_unit[d], name);
        tm->target = t >= 1 && t <= 4? fixed[t]: (int) (rest * w[t] / sum + 0.5);
        if (tm->target < 12 && !(t >= 1 && t <= 4))
            tm->target = 12;
        tm->risk = exp (0.35 * gen_normal (g));
        tm->mood = 3.6 + 0.3 * gen_normal (g);
        tm->lead = gen_add_position (g, tm->unit, gen_below (g, 2) == 0);
    }
    free (w);
}

static void
s_real_initial (gen_t *g)
{
    g->now = g->start_us - 30 * GEN_DAY_US;
    for (int u = 0; u < g->n_units; u++)
        gen_emit_unit (g, u);
    //  The workforce, hired over the five years before the start, team by
    //  team in turn until each has its headcount.
    int total = 0;
    for (int t = 0; t < g->n_teams; t++)
        total += g->teams[t].target;
    int64_t span = 5 * 365 * GEN_DAY_US;
    //  The leads are hired after the workforce, one per position in turn:
    //  the workforce is hired reporting to the ones they will be.
    g->initial = 1;
    g->lead_base = g->n_emps + total;
    for (int i = 0, t = 0; i < total; t = (t + 1) % g->n_teams) {
        if (g->teams[t].n >= g->teams[t].target)
            continue;
        g->now = g->start_us - span + span * i / (total + 1);
        g->now -= g->now % GEN_DAY_US;
        gen_hire (g, t, -1);
        i++;
    }
    for (int p = 0; p < g->n_positions; p++)
        gen_hire (g, gen_team_for (g, g->positions[p].unit), p);
    g->initial = 0;
    for (int p = 0; p < g->n_positions; p++)
        if (g->positions[p].critical)
            s_real_nominate (g, p);
    for (int p = 0; p < g->n_positions; p++) {
        gen_emit_position (g, p);
        g->positions[p].defined = 1;
        gen_real_facts (g, "position defined");
    }
}

void
gen_simulate_real (gen_t *g)
{
    gen_inject_t in;
    memset (&in, 0, sizeof (in));
    g->label = "background";
    if (g->inject)
        gen_inject_plan (g, &in);
    if (g->inject)
        gen_manager_plan (g, &in);
    s_real_initial (g);
    int days = g->years * 365;
    for (int d = 0; d < days && !g->stopped; d++) {
        g->now = g->start_us + d * GEN_DAY_US;
        gen_dev_day (g, d);
        gen_sched_day (g, d);
        if (g->inject)
            gen_inject_day (g, &in, d);
        if (g->inject)
            gen_manager_day (g, &in, d);
        for (int t = 0; t < g->n_teams; t++)
            s_real_day_team (g, t, d);
        s_real_roles (g, d);
        s_real_survey_day (g, d);
        gen_dev_day_end (g, d);
    }
    if (g->facts) {
        int judged = g->years - 1;
        fprintf (g->facts, "{\"exposure\":{\"units\":%d,\"leaf_units\":%d,\"years\":%d,"
                 "\"unit_years\":%d,\"unit_cycles\":%ld,\"employees\":%d}}\n", g->n_units,
                 g->n_teams, g->years, g->n_units * (judged > 0? judged: 0), g->unit_cycles,
                 g->employees);
    }
}

