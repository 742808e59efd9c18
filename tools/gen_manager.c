/*  hrwatch-gen's managers (realistic company, --quiet and --inject): each
    team reports to the holder of its unit's lead position, a lead to the
    lead of the unit above (the root's to nobody). A lead who leaves keeps
    their reports until the role is filled again; then every report is
    re-pointed to the new lead with a Transfer to the unit they are in (an
    HRIS sends such a change when a manager is replaced). Someone holding a
    role is not re-pointed: a division's lead sits in one of its teams, and
    a Transfer would say they moved out of the unit of their role (the
    daemon would open a succession gap the truth does not know); a lead's
    manager is the one named when they took the role. With --inject,
    two scenarios: early-tenure exits and a manager hotspot. Every choice
    here is drawn from a stream of its own (g->side_rng, a hash of the
    seed), never from g->rng, so the company's other events stay as they
    were: with managers left out, a --quiet history is the same bytes. */
#include <math.h>
#include <stdio.h>

#include "tools/gen_int.h"

//  splitmix64 over the side stream.
static uint64_t
s_side_next (gen_t *g)
{
    uint64_t z = (g->side_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double
gen_side_uniform (gen_t *g)
{
    return (double) (s_side_next (g) >> 11) / 9007199254740992.0;
}

static int
s_side_below (gen_t *g, int n)
{
    return n > 0? (int) (gen_side_uniform (g) * n): 0;
}

static int
s_side_poisson (gen_t *g, double lambda)
{
    double l = exp (-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= gen_side_uniform (g);
    } while (p > l && k < 1000);
    return k - 1;
}

//  The lead position of unit u (the realistic company gives each unit
//  one), or -1.
static int
s_lead_of (const gen_t *g, int u)
{
    for (int p = 0; p < g->n_positions; p++)
        if (g->positions[p].unit == u)
            return p;
    return -1;
}

//  Who holds position p: while the initial workforce is hired, the one
//  who will (the leads come after it, in position order).
static int
s_holder (const gen_t *g, int p)
{
    return g->initial? g->lead_base + p: g->positions[p].incumbent;
}

int
gen_manager_of (const gen_t *g, int e)
{
    const gen_emp_t *em = &g->emps[e];
    int u = g->teams[em->team].unit;
    //  A lead reports up from the unit they lead, whichever team they sit in.
    if (em->position >= 0 && s_lead_of (g, g->positions[em->position].unit) == em->position)
        u = g->units[g->positions[em->position].unit].parent;
    for (; u >= 0; u = g->units[u].parent) {
        int p = s_lead_of (g, u);
        int m = p >= 0? s_holder (g, p): -1;
        if (m >= 0 && m != e)
            return m;
    }
    return -1;
}

void
gen_manager_repoint (gen_t *g, int p)
{
    (void) p;
    //  A few dozen roles are filled over a history: everyone is checked.
    for (int e = 0; e < g->n_emps && !g->stopped; e++) {
        if (!g->emps[e].active || g->emps[e].position >= 0)
            continue;
        int m = gen_manager_of (g, e);
        if (m >= 0 && m != g->emps[e].manager)
            gen_emit_manager (g, e, m);
    }
}

// ---------------------------------------------------------------------------
// --inject: early-tenure exits and a manager hotspot

static int64_t
s_day_at (const gen_t *g, int d)
{
    return g->start_us + d * GEN_DAY_US + 9 * 3600 * HRW_US_PER_SEC;
}

//  A team of 20 or more that no turnover scenario uses, or -1 (the two
//  with engagement drops may be taken: exits do not move answers).
static int
s_free_team (gen_t *g, const gen_inject_t *in, int avoid)
{
    for (int tries = 0; tries < 200; tries++) {
        int t = 1 + s_side_below (g, g->n_teams - 1);
        if (t != avoid && t != 3 && t != 4 && t != in->big_team && t != in->spike_team && t != in->rise_team
            && t != in->big_rise_team && g->teams[t].target >= 20)
            return t;
    }
    return -1;
}

void
gen_manager_plan (gen_t *g, gen_inject_t *in)
{
    int days = g->years * 365;
    in->tenure_team = s_free_team (g, in, -1);
    in->hotspot_team = s_free_team (g, in, in->tenure_team);
    int span = days - 400 - 270;
    in->tenure_day = 400 + s_side_below (g, span > 1? span: 1);
    span = days - 400 - 150;
    in->hotspot_day = 400 + s_side_below (g, span > 1? span: 1);
    in->n_pending = 0;
}

//  Early-tenure exits: for 180 days the team takes on extra people, each
//  of whom leaves 10 to 80 days after the hire: its voluntary exits run at
//  about three times their rate, the extra ones all within 90 days of the
//  hire.
static void
s_tenure_day (gen_t *g, gen_inject_t *in, int d)
{
    gen_team_t *tm = &g->teams[in->tenure_team];
    int u = tm->unit;
    if (d == in->tenure_day)
        gen_fact (g, "early-tenure-3x", "turnover", "early_tenure_exits", g->units[u].id, u,
                  s_day_at (g, d), "fire", NULL, NULL, 270, 0);
    if (d >= in->tenure_day && d < in->tenure_day + 180) {
        int k = s_side_poisson (g, 2 * tm->n * 0.11 / 365.0 * tm->risk);
        for (int i = 0; i < k && in->n_pending < 64; i++) {
            int level = 1 + s_side_below (g, 4);
            in->pending[in->n_pending] = gen_hire_aside (g, in->tenure_team, level);
            in->pending_day[in->n_pending++] = d + 10 + s_side_below (g, 71);
        }
    }
    for (int i = 0; i < in->n_pending;)
        if (in->pending_day[i] == d) {
            gen_exit_aside (g, in->pending[i]);
            in->n_pending--;
            in->pending[i] = in->pending[in->n_pending];
            in->pending_day[i] = in->pending_day[in->n_pending];
        }
        else
            i++;
}

//  A manager hotspot: for 120 days the lead's direct reports (of 90 days'
//  standing or more, holding no role and nobody's successor) leave at four
//  times their rate; each is replaced at once, in their place in the team,
//  so the company's own draws do not change.
static void
s_hotspot_day (gen_t *g, gen_inject_t *in, int d)
{
    gen_team_t *tm = &g->teams[in->hotspot_team];
    int lead = s_lead_of (g, tm->unit);
    int m = lead >= 0? g->positions[lead].incumbent: -1;
    if (d == in->hotspot_day) {
        //  The alert names the manager and their unit, which is the team's
        //  unless the lead came from elsewhere.
        char id[16] = "";
        int u = m >= 0? g->teams[g->emps[m].team].unit: tm->unit;
        if (m >= 0)
            gen_emp_id (m, id, sizeof (id));
        gen_fact (g, "manager-hotspot-4x", "turnover", "manager_hotspot", id, u,
                  s_day_at (g, d), "fire", NULL, NULL, 150, 0);
    }
    if (m < 0 || d < in->hotspot_day || d >= in->hotspot_day + 120)
        return;
    int k = s_side_poisson (g, 3 * tm->n * 0.11 / 365.0 * tm->risk);
    for (int i = 0; i < k; i++)
        for (int tries = 0; tries < 20 && tm->n > 0; tries++) {
            int e = tm->members[s_side_below (g, tm->n)];
            const gen_emp_t *em = &g->emps[e];
            if (em->position >= 0 || em->nominated || em->manager != m
                || d - em->hired_day < 90)
                continue;
            gen_swap_out (g, e);
            break;
        }
}

//  The turnover scenarios of gen_inject.c are hotspots too: their team's
//  lead loses reports at 6x or 2x. The alert may fire, within the 180 days
//  its window holds those exits and a month more.
static void
s_allow (gen_t *g, const char *scenario, int team, int day, int d)
{
    if (d != day || team < 0)
        return;
    int u = g->teams[team].unit;
    gen_fact (g, scenario, "turnover", "manager_hotspot", g->units[u].id, u, s_day_at (g, d),
              "allow", NULL, NULL, 210, 0);
}

void
gen_manager_day (gen_t *g, gen_inject_t *in, int d)
{
    const char *was = g->label;
    s_allow (g, "spike-6x-30d", in->spike_team, in->spike_day, d);
    s_allow (g, "spike-6x-30d-largest-team", in->big_team, in->big_day, d);
    s_allow (g, "rise-2x-120d", in->rise_team, in->rise_day, d);
    s_allow (g, "rise-2x-120d-largest-team", in->big_rise_team, in->big_rise_day, d);
    s_allow (g, "decoy-small-team", 3, in->decoy_day, d);
    if (in->tenure_team >= 0) {
        g->label = "early-tenure-3x";
        s_tenure_day (g, in, d);
    }
    if (in->hotspot_team >= 0) {
        g->label = "manager-hotspot-4x";
        s_hotspot_day (g, in, d);
    }
    g->label = was;
}
