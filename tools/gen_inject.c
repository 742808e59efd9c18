/*  hrwatch-gen --inject: the scenarios put into the realistic company (a
    6x spike, a 2x rise, engagement drops, each cause of a succession gap,
    decoys that should stay silent), planned before the workforce is hired
    and played out day by day, each with its ground truth. */
#include <stdio.h>

#include "tools/gen_int.h"

static const char *s_gap_names[5] = {
    "gap-successor-exits", "gap-successor-promoted-away", "gap-nomination-withdrawn",
    "gap-incumbent-exits-none-ready", "gap-defined-critical-none"
};

//  A team of at least min people, other than the fixed ones and avoid.
static int
s_pick_team (gen_t *g, int min, int avoid)
{
    for (int tries = 0; tries < 200; tries++) {
        int t = 5 + gen_below (g, g->n_teams - 5);
        if (t != avoid && g->teams[t].target >= min)
            return t;
    }
    return avoid == 5? 6: 5;
}

//  A critical position with exactly one ready-now successor, no gap and an
//  incumbent, not used by another scenario; or -1.
static int
s_pick_position (gen_t *g, const gen_inject_t *in, int want_critical)
{
    for (int tries = 0; tries < 400; tries++) {
        int p = gen_below (g, g->n_positions);
        const gen_pos_t *pos = &g->positions[p];
        int used = p == in->spare;
        for (int i = 0; i < 5; i++)
            used |= in->gap_position[i] == p;
        if (used || !pos->defined || pos->critical != want_critical || pos->incumbent < 0)
            continue;
        if (!want_critical || (!pos->gap && gen_real_ready_company (g, p) == 1))
            return p;
    }
    return -1;
}

void
gen_inject_plan (gen_t *g, gen_inject_t *in)
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
    in->spike_day = 400 + gen_below (g, late);
    in->big_day = 400 + gen_below (g, late);
    in->rise_day = 380 + gen_below (g, late);
    g->teams[in->big_team].boost_from = in->big_day;
    g->teams[in->big_team].boost_to = in->big_day + 30;
    g->teams[in->big_team].boost = 6.0;
    in->decoy_day = 400 + gen_below (g, late);
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
    int cycles = (days - 45) / GEN_CYCLE_DAYS + 1, span = cycles > 6? cycles - 5: 1;
    g->teams[1].shift_cycle = 4 + gen_below (g, span);
    g->teams[1].shift = -0.3;
    g->teams[2].shift_cycle = 4 + gen_below (g, span);
    g->teams[2].shift = -0.5;
    g->teams[4].quiet_cycle = 4 + gen_below (g, span);
    for (int i = 0; i < 5; i++) {
        in->gap_day[i] = 120 + (days - 200) * i / 5 + gen_below (g, 30);
        in->gap_position[i] = -1;
    }
    in->spare = -1;
}

static int64_t
s_day_at (const gen_t *g, int d)
{
    return g->start_us + d * GEN_DAY_US + 9 * 3600 * HRW_US_PER_SEC;
}

void
gen_inject_day (gen_t *g, gen_inject_t *in, int d)
{
    char subject[128], scenario[64];
    if (d == in->spike_day) {
        int u = g->teams[in->spike_team].unit;
        gen_fact (g, "spike-6x-30d", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 60, 0);
    }
    if (d == in->big_day) {
        int u = g->teams[in->big_team].unit;
        gen_fact (g, "spike-6x-30d-largest-team", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 60, 0);
    }
    if (d == in->rise_day) {
        int u = g->teams[in->rise_team].unit;
        gen_fact (g, "rise-2x-120d", "turnover", "turnover_rise", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 150, 0);
        gen_fact (g, "rise-2x-120d", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "allow", NULL, NULL, 150, 0);
    }
    if (d == in->big_rise_day && in->big_rise_team >= 0) {
        int u = g->teams[in->big_rise_team].unit;
        gen_fact (g, "rise-2x-120d-largest-team", "turnover", "turnover_rise", g->units[u].id, u,
                s_day_at (g, d), "fire", NULL, NULL, 150, 0);
        gen_fact (g, "rise-2x-120d-largest-team", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "allow", NULL, NULL, 150, 0);
    }
    if (d == in->decoy_day) {
        int u = g->teams[3].unit;
        gen_fact (g, "decoy-small-team", "turnover", "turnover_spike", g->units[u].id, u,
                s_day_at (g, d), "silent", NULL, NULL, 50, 0);
    }
    if (d >= in->decoy_day && d <= in->decoy_day + 12 && (d - in->decoy_day) % 4 == 0
        && g->teams[3].n > 0) {
        g->label = "decoy-small-team";
        gen_real_exit (g, g->teams[3].members[gen_below (g, g->teams[3].n)], 1);
        g->label = "background";
    }
    //  Engagement: facts on the first day of the cycle concerned.
    if (d >= 45 && (d - 45) % GEN_CYCLE_DAYS == 0) {
        int c = (d - 45) / GEN_CYCLE_DAYS + 1;
        static const char *drops[3] = { "", "drop-0.3", "drop-0.5" };
        for (int t = 1; t <= 2; t++)
            if (g->teams[t].shift_cycle == c) {
                snprintf (subject, sizeof (subject), "%s/cycle-%02d",
                          g->units[g->teams[t].unit].id, c);
                gen_fact (g, drops[t], "engagement", "engagement_drop", subject, g->teams[t].unit,
                        s_day_at (g, d), "fire", NULL, NULL, GEN_CYCLE_DAYS, 0);
            }
            else if (g->teams[t].shift_cycle && c > g->teams[t].shift_cycle
                     && c <= g->teams[t].shift_cycle + 3) {
                //  A drop missed when it came is still one against a
                //  baseline that pools the cycles before it.
                snprintf (subject, sizeof (subject), "%s/cycle-%02d",
                          g->units[g->teams[t].unit].id, c);
                snprintf (scenario, sizeof (scenario), "%s, the next 3 cycles", drops[t]);
                gen_fact (g, scenario, "engagement", "engagement_drop", subject, g->teams[t].unit,
                        s_day_at (g, d), "allow", NULL, NULL, GEN_CYCLE_DAYS, 0);
            }
        if (g->teams[4].quiet_cycle == c) {
            snprintf (subject, sizeof (subject), "%s/cycle-%02d", g->units[g->teams[4].unit].id, c);
            gen_fact (g, "decoy-few-respondents", "engagement", "engagement_drop", subject,
                    g->teams[4].unit, s_day_at (g, d), "silent", NULL, NULL, GEN_CYCLE_DAYS, 0);
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
        gen_real_exit (g, g->positions[in->spare].incumbent, 1);
        g->label = "background";
    }
    if (d == in->gap_day[3] - 20 && (in->gap_position[3] = s_pick_position (g, in, 1)) >= 0) {
        int p = in->gap_position[3];
        g->label = "setup";
        g->positions[p].hold_until = d + 50;
        for (int k = 0; k < GEN_MAX_NOMINEES; k++)
            if (g->positions[p].nominees[k] >= 0 && g->emps[g->positions[p].nominees[k]].active)
                gen_real_withdraw (g, p, k);
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
        gen_pos_t *pos = &g->positions[p];
        pos->hold_until = d + 30;
        int k = 0;
        while (k < GEN_MAX_NOMINEES - 1 && !(pos->nominees[k] >= 0 && g->emps[pos->nominees[k]].active
                                             && !g->emps[pos->nominees[k]].restored))
            k++;
        if (i == 0)
            gen_real_exit (g, pos->nominees[k], 1);
        else if (i == 1 && in->spare >= 0 && g->positions[in->spare].incumbent < 0)
            gen_real_promote (g, pos->nominees[k], in->spare);
        else if (i == 2)
            gen_real_withdraw (g, p, k);
        else if (i == 3 && pos->incumbent >= 0)
            gen_real_exit (g, pos->incumbent, 1);
        else if (i == 4) {
            //  A role that was not critical becomes critical: no successor.
            pos->critical = 1;
            gen_emit_position (g, p);
            gen_real_facts (g, "position defined as critical");
        }
        g->label = "background";
    }
}

