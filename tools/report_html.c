/*  report_html: the leaders' report as one HTML page. Everything is in the
    file: inline CSS, charts drawn here as SVG, no script, no font, image or
    address fetched, so it can be mailed or archived and still read the
    same. Every text that came from the daemon (ids, names, summaries) is
    escaped. Each chart's points carry class and data-* attributes with
    their values, for people who inspect the page and for the tests. */
#include "tools/report.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_W 960             //  Chart width, px
#define S_LEFT 70           //  Room for the value axis
#define S_RIGHT 20
#define S_TOP 20
#define S_BOTTOM 40         //  Room for the month labels
#define S_ROW 24            //  One unit's row in the bar charts
#define S_LABEL 220         //  Room for unit names left of the bars

//  Writes s with the five characters HTML gives meaning to escaped, so it
//  is text in an element and in a quoted attribute alike.
static void
s_esc (FILE *out, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
            case '&': fputs ("&amp;", out); break;
            case '<': fputs ("&lt;", out); break;
            case '>': fputs ("&gt;", out); break;
            case '"': fputs ("&quot;", out); break;
            case '\'': fputs ("&#39;", out); break;
            default: fputc (*s, out);
        }
}

static const char *s_css =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d2733;"
    "max-width:1000px;margin:24px auto;padding:0 16px;line-height:1.45}"
    "h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;margin:32px 0 4px;"
    "border-bottom:2px solid #dfe6ee;padding-bottom:4px}"
    ".what{color:#4a5a6a;margin:4px 0 12px}.asof{color:#4a5a6a}"
    "table{border-collapse:collapse;width:100%;font-size:14px}"
    "th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6ebf0;vertical-align:top}"
    "th{background:#f4f7fa}.num{text-align:right}.gap{color:#b3261e;font-weight:bold}"
    ".sev-critical{color:#b3261e;font-weight:bold}.sev-warning{color:#a05a00;font-weight:bold}"
    ".sev-info{color:#35618f}ul.succ{margin:0;padding-left:18px}"
    "svg{display:block;margin:8px 0;font-size:12px}svg text{fill:#33414f}"
    ".axis{stroke:#9aa8b6;stroke-width:1}.grid{stroke:#e6ebf0;stroke-width:1}"
    ".line.headcount{fill:none;stroke:#2f6db5;stroke-width:2}"
    ".point.headcount{fill:#2f6db5}.point.voluntary{fill:#d9822b}"
    ".point.involuntary{fill:#7a5aa6}.band{fill:#cfe3d6;stroke:none}"
    ".point.expected{stroke:#2e7d4f;stroke-width:2}.no-range{fill:#eef1f4}.spike{fill:#f6d3d0}"
    ".bar.turnover{fill:#d9822b}.tick.baseline{stroke:#1d2733;stroke-width:3}"
    ".bar.engagement{fill:#2f6db5}.point.enps{fill:#2e7d4f;stroke:#fff;stroke-width:2}.bar.bench{fill:#2e7d4f}"
    ".bar.bench.low{fill:#b3261e}.not-reported{fill:#7a8896;font-style:italic}"
    ".legend span{display:inline-block;margin-right:16px;font-size:13px}"
    ".sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}"
    ".note{background:#fff6e0;border-left:4px solid #e0a800;padding:6px 10px}";

//  The section's start: its id, its heading, and what it shows in words.
static void
s_section (FILE *out, const char *id, const char *title, const char *what)
{
    fprintf (out, "<section id=\"%s\">\n<h2>%s</h2>\n<p class=\"what\"><b>What this shows:</b> "
             "%s</p>\n", id, title, what);
}

//  A round step for an axis of that span, about five ticks.
static double
s_step (double span)
{
    if (!(span > 0))
        return 1;
    double raw = span / 5, mag = pow (10, floor (log10 (raw)));
    double f = raw / mag;
    return (f < 1.5? 1: f < 3.5? 2: f < 7.5? 5: 10) * mag;
}

//  Horizontal grid lines and their labels for a value axis from lo to hi.
static void
s_yaxis (FILE *out, double lo, double hi, int height, const char *suffix)
{
    double step = s_step (hi - lo);
    int plot_h = height - S_TOP - S_BOTTOM;
    for (double v = ceil (lo / step) * step; v <= hi + 1e-9; v += step) {
        double y = S_TOP + plot_h - (v - lo) / (hi - lo) * plot_h;
        fprintf (out, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                 "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g%s</text>\n", S_LEFT,
                 S_W - S_RIGHT, y, y, S_LEFT - 6, y + 4, v, suffix);
    }
}

//  Over the months before the scope's first data (known false: a prefix,
//  as the series only grows), "no data" in place of points.
static void
s_no_data (FILE *out, const Hrwatch__V1__WorkforceReport *w, double step, int plot_h)
{
    size_t k = 0;
    while (k < w->n_months && !w->months[k]->known)
        k++;
    if (!k)
        return;
    fprintf (out, "<text class=\"not-reported no-data\" data-months=\"%zu\" x=\"%.1f\" "
             "y=\"%.1f\" text-anchor=\"middle\">no data</text>\n", k,
             S_LEFT + step * (double) k / 2, S_TOP + plot_h / 2.0);
}

static void
s_month (const Hrwatch__V1__ReportMonth *m, char out[8])
{
    char d[16];
    hrw_report_date (m->month_start, d, sizeof (d));
    snprintf (out, 8, "%.7s", d);
}

//  (a) Headcount, then exits against the expected band, month by month.
static void
s_monthly (FILE *out, const Hrwatch__V1__WorkforceReport *w)
{
    size_t n = w->n_months;
    s_section (out, "monthly", "Headcount and exits, month by month",
               "the number of people at the end of each month (for the current month: on the "
               "date of the data), "
               "and how many left of their own choice that month, against the range the unit's "
               "own history makes usual (the green band: 9 months in 10 fall inside it). "
               "Months shaded red had a turnover alert (a sudden spike or a sustained rise) "
               "firing for this organisation or one of the units just below it. Grey months have "
               "no usual range yet: there was less than a full baseline of history to judge "
               "them by. Purple squares are people who left for other reasons (dismissals, "
               "reductions in force). Months before hrwatch has any data for this organisation "
               "say \"no data\" and show no points.");
    if (!n) {
        fputs ("<p>No months.</p></section>\n", out);
        return;
    }
    int height = 260, plot_h = height - S_TOP - S_BOTTOM;
    double step = (double) (S_W - S_LEFT - S_RIGHT) / (double) n;
    char mon[8];
    //  Headcount: a line through one point a month.
    //  The axis starts at 0: a line over a cut axis makes a change of a
    //  few percent look like a collapse.
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++)
        if (w->months[i]->known)
            hi = fmax (hi, (double) w->months[i]->headcount);
    hi = ceil (fmax (1, hi * 1.1));
    fprintf (out, "<h3>People</h3><svg class=\"chart headcount\" width=\"%d\" height=\"%d\" "
             "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Headcount by month\">\n",
             S_W, height, S_W, height);
    s_yaxis (out, lo, hi, height, "");
    s_no_data (out, w, step, plot_h);
    fputs ("<polyline class=\"line headcount\" points=\"", out);
    for (size_t i = 0; i < n; i++)
        if (w->months[i]->known)
            fprintf (out, "%.1f,%.1f ", S_LEFT + step * ((double) i + 0.5),
                 S_TOP + plot_h - ((double) w->months[i]->headcount - lo) / (hi - lo) * plot_h);
    fputs ("\"/>\n", out);
    for (size_t i = 0; i < n; i++) {
        const Hrwatch__V1__ReportMonth *m = w->months[i];
        double x = S_LEFT + step * ((double) i + 0.5);
        s_month (m, mon);
        if (m->known)
            fprintf (out, "<circle class=\"point headcount\" data-month=\"%s\" data-value=\"%lld\" "
                 "cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>%s: %lld people</title></circle>\n",
                 mon, (long long) m->headcount, x,
                 S_TOP + plot_h - ((double) m->headcount - lo) / (hi - lo) * plot_h, mon,
                 (long long) m->headcount);
        if ((n - 1 - i) % ((n + 11) / 12) == 0)
            fprintf (out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                     height - S_BOTTOM + 16, mon);
    }
    fputs ("</svg>\n", out);

    //  Exits: the band, the expected line, the months with alerts, the dots.
    hi = 1;
    for (size_t i = 0; i < n; i++) {
        const Hrwatch__V1__ReportMonth *m = w->months[i];
        hi = fmax (hi, fmax ((double) m->voluntary_exits, (double) m->expected_high));
        hi = fmax (hi, (double) m->involuntary_exits);
    }
    hi = ceil (hi * 1.15);
    //  A month whose baseline is not judged yet has an expectation that
    //  leans on little history: no band, but a grey column saying so.
    int unjudged = 0;
    for (size_t i = 0; i < n; i++)
        unjudged |= w->months[i]->known && !w->months[i]->baseline_judged;
    fprintf (out, "<h3>Exits</h3><div class=\"legend\"><span><i class=\"sw\" style=\"background:"
             "#d9822b\"></i>left by choice</span><span><i class=\"sw\" style=\"background:#cfe3d6"
             "\"></i>usual range</span><span><i class=\"sw\" style=\"background:#2e7d4f\"></i>"
             "expected</span><span><i class=\"sw\" style=\"background:#7a5aa6\"></i>left for "
             "other reasons</span><span><i class=\"sw\" style=\"background:#f6d3d0\"></i>"
             "turnover alert firing</span>%s</div>\n"
             "<svg class=\"chart exits\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"Exits by month\">\n",
             unjudged? "<span class=\"legend-no-range\"><i class=\"sw\" style=\"background:"
                       "#eef1f4;border:1px solid #c5ced8\"></i>no usual range yet: less than a "
                       "full baseline of history</span>": "", S_W, height, S_W, height);
    for (size_t i = 0; i < n; i++)
        if (w->months[i]->known && !w->months[i]->baseline_judged) {
            s_month (w->months[i], mon);
            fprintf (out, "<rect class=\"no-range\" data-month=\"%s\" x=\"%.1f\" y=\"%d\" "
                     "width=\"%.1f\" height=\"%d\"><title>%s: no usual range yet, less than a "
                     "full baseline of history</title></rect>\n", mon, S_LEFT + step * (double) i,
                     S_TOP, step, plot_h, mon);
        }
    for (size_t i = 0; i < n; i++)
        if (w->months[i]->turnover_alert) {
            s_month (w->months[i], mon);
            fprintf (out, "<rect class=\"spike\" data-month=\"%s\" x=\"%.1f\" y=\"%d\" "
                     "width=\"%.1f\" height=\"%d\"><title>%s: a turnover alert was firing"
                     "</title></rect>\n", mon, S_LEFT + step * (double) i, S_TOP, step, plot_h,
                     mon);
        }
    s_yaxis (out, 0, hi, height, "");
#define S_Y(v) (S_TOP + plot_h - (double) (v) / hi * plot_h)
    s_no_data (out, w, step, plot_h);
    //  The band over each run of months it holds for: known, and judged
    //  on a full baseline.
#define S_BANDED(m) ((m)->known && (m)->baseline_judged)
    for (size_t i = 0; i < n;) {
        if (!S_BANDED (w->months[i])) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < n && S_BANDED (w->months[end]))
            end++;
        fputs ("<polygon class=\"band\" points=\"", out);
        for (size_t j = i; j < end; j++)
            fprintf (out, "%.1f,%.1f ", S_LEFT + step * ((double) j + 0.5),
                     S_Y (w->months[j]->expected_high));
        for (size_t j = end; j-- > i;)
            fprintf (out, "%.1f,%.1f ", S_LEFT + step * ((double) j + 0.5),
                     S_Y (w->months[j]->expected_low));
        fputs ("\"/>\n", out);
        i = end;
    }
    for (size_t i = 0; i < n; i++) {
        const Hrwatch__V1__ReportMonth *m = w->months[i];
        double x = S_LEFT + step * ((double) i + 0.5);
        s_month (m, mon);
        if ((n - 1 - i) % ((n + 11) / 12) == 0)
            fprintf (out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                     height - S_BOTTOM + 16, mon);
        if (!m->known)
            continue;
        fprintf (out, "<line class=\"point expected\" data-month=\"%s\" data-value=\"%.2f\" "
                 "data-low=\"%u\" data-high=\"%u\" data-judged=\"%d\" x1=\"%.1f\" "
                 "x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"><title>%s: %.1f expected", mon,
                 m->expected_voluntary, m->expected_low, m->expected_high,
                 m->baseline_judged? 1: 0, x - step * 0.35, x + step * 0.35,
                 S_Y (m->expected_voluntary), S_Y (m->expected_voluntary), mon,
                 m->expected_voluntary);
        if (m->baseline_judged)
            fprintf (out, ", usually %u to %u</title></line>\n", m->expected_low,
                     m->expected_high);
        else
            fputs (", no usual range yet</title></line>\n", out);
        fprintf (out, "<rect class=\"point involuntary\" data-month=\"%s\" data-value=\"%llu\" "
                 "x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\"><title>%s: %llu left for "
                 "other reasons</title></rect>\n", mon,
                 (unsigned long long) m->involuntary_exits, x + step * 0.2 - 3.5,
                 S_Y (m->involuntary_exits) - 3.5, mon,
                 (unsigned long long) m->involuntary_exits);
        fprintf (out, "<circle class=\"point voluntary\" data-month=\"%s\" data-value=\"%llu\" "
                 "data-alert=\"%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\"><title>%s: %llu left by "
                 "choice</title></circle>\n", mon, (unsigned long long) m->voluntary_exits,
                 m->turnover_alert? 1: 0, x, S_Y (m->voluntary_exits), mon,
                 (unsigned long long) m->voluntary_exits);
    }
#undef S_BANDED
#undef S_Y
    fputs ("</svg>\n</section>\n", out);
}

//  A unit's label in a bar chart, indented by its depth.
static void
s_unit_label (FILE *out, const Hrwatch__V1__ReportUnit *u, double y)
{
    fprintf (out, "<text x=\"%u\" y=\"%.1f\">", 4 + 12 * (u->depth < 8? u->depth: 8), y);
    s_esc (out, u->unit_id);
    if (*u->name && strcmp (u->name, u->unit_id)) {
        fputs (" (", out);
        s_esc (out, u->name);
        fputs (")", out);
    }
    fputs ("</text>\n", out);
}

//  (b) Turnover by unit against each unit's baseline.
static void
s_turnover (FILE *out, const Hrwatch__V1__WorkforceReport *w)
{
    char what[700];
    snprintf (what, sizeof (what), "for each unit (and everything below it), the share of its "
              "people who left of their own choice over the last %u days, as a rate per year "
              "(the bar), against the rate its own past makes usual (the black mark). A unit "
              "of fewer than %u people (too few for a rate to mean anything: one exit would "
              "read as a huge one) or with too short a history shows no bar.", w->window_days,
              w->min_headcount);
    s_section (out, "turnover", "Turnover by unit", what);
    double hi = 0.05;
    for (size_t i = 0; i < w->n_units; i++) {
        const Hrwatch__V1__ReportUnit *u = w->units[i];
        if (u->turnover_rate_known && !hrw_report_unit_small (w, u))
            hi = fmax (hi, u->turnover_annualised);
        hi = fmax (hi, u->baseline_annualised);
    }
    hi *= 1.1;
    int height = S_TOP + (int) w->n_units * S_ROW + 30;
    double plot_w = S_W - S_LABEL - 90;
    fprintf (out, "<svg class=\"chart turnover\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"Turnover by unit\">\n", S_W, height, S_W, height);
    for (size_t i = 0; i < w->n_units; i++) {
        const Hrwatch__V1__ReportUnit *u = w->units[i];
        double y = S_TOP + (double) i * S_ROW;
        s_unit_label (out, u, y + 15);
        int small = hrw_report_unit_small (w, u);
        int drawn = u->turnover_rate_known && !small;
        double len = drawn? u->turnover_annualised / hi * plot_w: 0;
        fprintf (out, "<rect class=\"bar turnover\" data-unit=\"");
        s_esc (out, u->unit_id);
        fprintf (out, "\" data-value=\"%.6f\" data-baseline=\"%.6f\" data-known=\"%d\" "
                 "data-small=\"%d\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"16\">"
                 "<title>", u->turnover_rate_known? u->turnover_annualised: 0,
                 u->baseline_annualised, u->turnover_rate_known? 1: 0, small, S_LABEL, y + 2,
                 len);
        s_esc (out, u->unit_id);
        if (drawn)
            fprintf (out, ": %.1f%% a year, usual %.1f%%</title></rect>\n",
                     u->turnover_annualised * 100, u->baseline_annualised * 100);
        else
            fprintf (out, ": %s, usual %.1f%%</title></rect>\n",
                     small? "too few people to judge": "not enough history yet",
                     u->baseline_annualised * 100);
        double bx = S_LABEL + u->baseline_annualised / hi * plot_w;
        fprintf (out, "<line class=\"tick baseline\" data-unit=\"");
        s_esc (out, u->unit_id);
        fprintf (out, "\" data-value=\"%.6f\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
                 u->baseline_annualised, bx, bx, y, y + 20);
        if (small)
            fprintf (out, "<text class=\"not-reported\" x=\"%.1f\" y=\"%.1f\">too few people "
                     "to judge</text>\n", bx + 8, y + 15);
        else if (u->turnover_rate_known)
            fprintf (out, "<text x=\"%.1f\" y=\"%.1f\">%.1f%%</text>\n",
                     S_LABEL + fmax (len, bx - S_LABEL) + 8, y + 15, u->turnover_annualised * 100);
        else
            fprintf (out, "<text class=\"not-reported\" x=\"%.1f\" y=\"%.1f\">not enough "
                     "history yet</text>\n", bx + 8, y + 15);
    }
    fputs ("</svg>\n</section>\n", out);
}

//  (c) Engagement and eNPS by closed survey cycle.
static void
s_engagement (FILE *out, const Hrwatch__V1__WorkforceReport *w)
{
    char what[700];
    snprintf (what, sizeof (what), "the average answer to the engagement question (1 to 5, the "
              "bars) and the eNPS (how many would recommend working here minus how many would "
              "not, -100 to +100, the dots) in each survey that has closed. To protect "
              "anonymity, only teams with at least %u answers count, and a survey with fewer "
              "answers says \"not enough responses\" and nothing else.", w->min_respondents);
    s_section (out, "engagement", "Engagement by survey", what);
    size_t n = w->n_engagement;
    if (!n) {
        fputs ("<p>No survey has closed yet.</p>\n</section>\n", out);
        return;
    }
    int height = 240, plot_h = height - S_TOP - S_BOTTOM;
    double step = (double) (S_W - S_LEFT - S_RIGHT) / (double) n;
    char d[16];
    fprintf (out, "<div class=\"legend\"><span><i class=\"sw\" style=\"background:#2f6db5\"></i>"
             "engagement, 1 to 5 (left scale)</span><span><i class=\"sw\" style=\"background:"
             "#2e7d4f\"></i>eNPS, -100 to +100 (right scale)</span></div>\n"
             "<svg class=\"chart engagement\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"Engagement by survey\">\n", S_W, height, S_W, height);
    s_yaxis (out, 0, 5, height, "");
    fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">+100</text><text x=\"%d\" "
             "y=\"%d\" text-anchor=\"end\">-100</text>\n", S_W, S_TOP + 4, S_W,
             S_TOP + plot_h + 4);
    for (size_t i = 0; i < n; i++) {
        const Hrwatch__V1__ReportCycle *c = w->engagement[i];
        double x = S_LEFT + step * ((double) i + 0.5);
        if (!c->reported) {
            fputs ("<text class=\"not-reported\" data-cycle=\"", out);
            s_esc (out, c->survey_cycle_id);
            fprintf (out, "\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">not enough "
                     "responses</text>\n", x, S_TOP + plot_h / 2.0);
        }
        else {
            double bh = c->mean_engagement / 5 * plot_h;
            fputs ("<rect class=\"bar engagement\" data-cycle=\"", out);
            s_esc (out, c->survey_cycle_id);
            fprintf (out, "\" data-value=\"%.4f\" data-respondents=\"%u\" x=\"%.1f\" "
                     "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", c->mean_engagement,
                     c->respondents, x - step * 0.3, S_TOP + plot_h - bh, step * 0.6, bh);
            s_esc (out, c->survey_cycle_id);
            fprintf (out, ": %.2f of 5 from %u people</title></rect>\n", c->mean_engagement,
                     c->respondents);
            if (c->enps_reported) {
                fputs ("<circle class=\"point enps\" data-cycle=\"", out);
                s_esc (out, c->survey_cycle_id);
                fprintf (out, "\" data-value=\"%.2f\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\"><title>"
                         "eNPS %+.0f</title></circle>\n", c->enps, x,
                         S_TOP + plot_h - (c->enps + 100) / 200 * plot_h, c->enps);
            }
        }
        fprintf (out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x,
                 height - S_BOTTOM + 16);
        s_esc (out, c->survey_cycle_id);
        fprintf (out, "</text><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                 height - S_BOTTOM + 30, hrw_report_date (c->closed_at, d, sizeof (d)));
    }
    fputs ("</svg>\n</section>\n", out);
}

//  (d) Bench strength by unit.
static void
s_bench (FILE *out, const Hrwatch__V1__WorkforceReport *w)
{
    s_section (out, "bench", "Bench strength by unit",
               "for each unit (and everything below it), the share of its critical roles that "
               "have at least one successor ready to step in now. 100% means every critical "
               "role is covered; red bars are below half.");
    int height = S_TOP + (int) w->n_units * S_ROW + 30;
    double plot_w = S_W - S_LABEL - 140;
    fprintf (out, "<svg class=\"chart bench\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "role=\"img\" aria-label=\"Bench strength by unit\">\n", S_W, height, S_W, height);
    for (size_t i = 0; i < w->n_units; i++) {
        const Hrwatch__V1__ReportUnit *u = w->units[i];
        double y = S_TOP + (double) i * S_ROW;
        s_unit_label (out, u, y + 15);
        double len = u->bench_strength * plot_w;
        fprintf (out, "<rect class=\"bar bench%s\" data-unit=\"",
                 u->critical_positions && u->bench_strength < 0.5? " low": "");
        s_esc (out, u->unit_id);
        fprintf (out, "\" data-value=\"%.6f\" data-critical=\"%u\" data-covered=\"%u\" "
                 "x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"16\"/>\n", u->bench_strength,
                 u->critical_positions, u->covered_positions, S_LABEL, y + 2, len);
        if (u->critical_positions)
            fprintf (out, "<text x=\"%.1f\" y=\"%.1f\">%.0f%% (%u of %u covered)</text>\n",
                     S_LABEL + len + 8, y + 15, u->bench_strength * 100, u->covered_positions,
                     u->critical_positions);
        else
            fprintf (out, "<text class=\"not-reported\" x=\"%d\" y=\"%.1f\">no critical roles"
                     "</text>\n", S_LABEL + 8, y + 15);
    }
    fprintf (out, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n", S_LABEL,
             S_LABEL, S_TOP, height - 30);
    fputs ("</svg>\n</section>\n", out);
}

//  (e) Critical positions and their successors.
static void
s_positions (FILE *out, const Hrwatch__V1__WorkforceReport *w)
{
    s_section (out, "positions", "Critical positions and their successors",
               "each critical role, who holds it, and the people named to succeed them, by "
               "how soon they could step in, whether they count (someone who has left, or now "
               "holds the role, does not), and who mentors them. A succession gap is a "
               "critical role without enough ready-now successors.");
    if (!w->n_positions) {
        fputs ("<p>No critical positions.</p>\n</section>\n", out);
        return;
    }
    fputs ("<table><thead><tr><th>Position</th><th>Unit</th><th>Held by</th><th class=\"num\">"
           "Ready now</th><th>Successors</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < w->n_positions; i++) {
        const Hrwatch__V1__ReportPosition *p = w->positions[i];
        fputs ("<tr class=\"position\" data-position=\"", out);
        s_esc (out, p->position_id);
        fprintf (out, "\" data-ready-now=\"%u\" data-gap=\"%d\" data-successors=\"%zu\"><td>",
                 p->ready_now, p->gap? 1: 0, p->n_successors);
        s_esc (out, p->position_id);
        if (*p->title) {
            fputs ("<br>", out);
            s_esc (out, p->title);
        }
        fputs ("</td><td>", out);
        s_esc (out, p->unit_id);
        fputs ("</td><td>", out);
        if (p->vacant)
            fputs ("<span class=\"gap\">vacant</span>", out);
        else
            s_esc (out, p->incumbent_id);
        fprintf (out, "</td><td class=\"num\">%u%s</td><td>", p->ready_now,
                 p->gap? " <span class=\"gap\">gap</span>": "");
        if (!p->n_successors)
            fputs ("<span class=\"gap\">nobody named</span>", out);
        else
            fputs ("<ul class=\"succ\">", out);
        for (size_t j = 0; j < p->n_successors; j++) {
            const Hrwatch__V1__ReportSuccessor *s = p->successors[j];
            fputs ("<li class=\"successor\" data-employee=\"", out);
            s_esc (out, s->employee_id);
            fprintf (out, "\" data-readiness=\"%d\" data-counted=\"%d\" data-mentor=\"",
                     s->readiness, s->counted? 1: 0);
            s_esc (out, s->mentor_id);
            fputs ("\">", out);
            s_esc (out, s->employee_id);
            fprintf (out, ", %s", hrw_report_readiness (s->readiness));
            if (!s->counted) {
                fputs (", <i>not counted: ", out);
                s_esc (out, s->not_counted_because);
                fputs ("</i>", out);
            }
            if (*s->mentor_id) {
                fputs (", mentored by ", out);
                s_esc (out, s->mentor_id);
            }
            else
                fputs (", no mentor", out);
            fputs ("</li>", out);
        }
        fprintf (out, "%s</td></tr>\n", p->n_successors? "</ul>": "");
    }
    fputs ("</tbody></table>\n</section>\n", out);
}

//  What a kind the report explains means, in a sentence.
static const char *
s_kind_words (int kind)
{
    switch (kind) {
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSION_GAP:
            return "A critical role has fewer successors ready now than it needs.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_BENCH_STRENGTH:
            return "Too few of a unit's critical roles have a ready-now successor.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_SUCCESSOR_OVERLAP:
            return "One person is the only cover for several critical roles.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_SPIKE:
            return "More people left of their own choice recently than the unit's history "
                   "makes likely.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_TURNOVER_RISE:
            return "Voluntary exits have run above the usual rate for months.";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_REDUCTION_IN_FORCE:
            return "A planned reduction in force (for information; not counted as turnover).";
        case HRWATCH__V1__ALERT_KIND__ALERT_KIND_ENGAGEMENT_DROP:
            return "A team's survey answers fell clearly below its earlier surveys.";
        default:
            return "";
    }
}

//  A signal's row: what it means in plain words, and since when it has
//  fired (with the days to the date of the data), which is what a reader
//  reads; the summary stays as its detector wrote it when it fired, so a
//  day count in it is the one of that day.
static void
s_signal_row (FILE *out, const Hrwatch__V1__WorkforceReport *w, const Hrwatch__V1__Alert *a)
{
    char kind[64], d[16];
    const ProtobufCEnumValue *sev
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__severity__descriptor, a->severity);
    const char *sev_name = sev && !strncmp (sev->name, "SEVERITY_", 9)? sev->name + 9: "UNKNOWN";
    hrw_report_kind_name (a->kind, kind, sizeof (kind));
    fputs ("<tr class=\"alert signal\" data-kind=\"", out);
    s_esc (out, kind);
    fprintf (out, "\" data-severity=\"%d\" data-since=\"%s\"><td class=\"sev-", a->severity,
             hrw_report_date (a->started_at, d, sizeof (d)));
    for (const char *p = sev_name; *p; p++)
        fputc (*p >= 'A' && *p <= 'Z'? *p + 32: *p, out);
    fputs ("\">", out);
    s_esc (out, sev_name);
    fputs ("</td><td>", out);
    s_esc (out, kind);
    fputs ("</td><td>", out);
    s_esc (out, a->subject);
    fputs ("</td><td class=\"meaning\">", out);
    s_esc (out, *hrw_report_signal_meaning (a->kind)? hrw_report_signal_meaning (a->kind)
                                                    : "(no description for this kind)");
    fprintf (out, "</td><td class=\"since\"><b>%s</b><br>%ld days</td><td>", d,
             hrw_report_days (a->started_at, w->clock));
    s_esc (out, a->summary);
    fputs ("</td></tr>\n", out);
}

static void
s_alert_row (FILE *out, const Hrwatch__V1__Alert *a, int explain)
{
    char kind[64], d[16];
    const ProtobufCEnumValue *sev
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__severity__descriptor, a->severity);
    const char *sev_name = sev && !strncmp (sev->name, "SEVERITY_", 9)? sev->name + 9: "UNKNOWN";
    hrw_report_kind_name (a->kind, kind, sizeof (kind));
    fputs ("<tr class=\"alert\" data-kind=\"", out);
    s_esc (out, kind);
    fprintf (out, "\" data-severity=\"%d\"><td class=\"sev-", a->severity);
    for (const char *p = sev_name; *p; p++)
        fputc (*p >= 'A' && *p <= 'Z'? *p + 32: *p, out);
    fputs ("\">", out);
    s_esc (out, sev_name);
    fputs ("</td><td>", out);
    s_esc (out, kind);
    fputs ("</td><td>", out);
    s_esc (out, a->subject);
    fprintf (out, "</td><td>%s</td><td>", hrw_report_date (a->started_at, d, sizeof (d)));
    if (explain && *s_kind_words (a->kind)) {
        fputs ("<b>", out);
        s_esc (out, s_kind_words (a->kind));
        fputs ("</b><br>", out);
    }
    s_esc (out, a->summary);
    fputs ("</td></tr>\n", out);
}

//  (f) The alerts of the kinds explained above, (g) every other kind.
static void
s_alerts (FILE *out, const Hrwatch__V1__WorkforceReport *w, int signals)
{
    if (signals)
        s_section (out, "signals", "Signals",
                   "further warning signs hrwatch watches for, by name (for example people "
                   "leaving early in their tenure, a manager with many exits, a successor "
                   "without a mentor, development that has stalled, a succession at risk), "
                   "critical first, then warnings, then information, the oldest first; each "
                   "with what it means, since when it has been firing, and what it measured "
                   "when it fired (a day count there is of that day: the date it has fired "
                   "since is the one to read).");
    else
        s_section (out, "alerts", "Alerts firing now",
                   "the conditions hrwatch is raising now about succession, bench strength, "
                   "turnover and engagement, the most severe and the oldest first, each with "
                   "what it means and what was measured.");
    size_t shown = 0, n_sorted;
    const Hrwatch__V1__Alert **sorted = hrw_report_alerts_sorted (w, &n_sorted);
    const Hrwatch__V1__Alert *const *list = sorted? sorted: (const Hrwatch__V1__Alert *const *)
                                                           w->alerts;
    for (size_t i = 0; i < w->n_alerts; i++) {
        const Hrwatch__V1__Alert *a = list[i];
        if (hrw_report_kind_explained (a->kind) == signals)
            continue;
        if (!shown++)
            fputs (signals? "<table><thead><tr><th>Severity</th><th>Kind</th><th>About</th>"
                            "<th>What it means</th><th>Firing since</th><th>When it fired, "
                            "it measured</th></tr></thead><tbody>\n"
                          : "<table><thead><tr><th>Severity</th><th>Kind</th><th>About</th>"
                            "<th>Since</th><th>What it says</th></tr></thead><tbody>\n", out);
        if (signals)
            s_signal_row (out, w, a);
        else
            s_alert_row (out, a, 1);
    }
    free (sorted);
    if (shown)
        fputs ("</tbody></table>\n", out);
    else
        fprintf (out, "<p class=\"none\">%s</p>\n", signals? "No signals firing."
                                                             : "No alerts firing.");
    fputs ("</section>\n", out);
}

int
hrw_report_html_write (FILE *out, const Hrwatch__V1__WorkforceReport *w)
{
    char d[16];
    const char *scope = *w->unit_id? w->unit_id: "the whole company";
    fputs ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>Workforce report: ", out);
    s_esc (out, scope);
    fprintf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>Workforce "
             "report: ", s_css);
    s_esc (out, scope);
    if (*w->name && strcmp (w->name, w->unit_id)) {
        fputs (" (", out);
        s_esc (out, w->name);
        fputs (")", out);
    }
    fprintf (out, "</h1>\n<p class=\"asof\">Data as of <b id=\"as-of\">%s</b> (hrwatch's clock: "
             "the time of the newest HR event it has taken in, or today on a live feed). ",
             hrw_report_date (w->clock, d, sizeof (d)));
    if (w->n_unit_path > 1) {
        fputs ("Part of ", out);
        for (size_t i = 0; i + 1 < w->n_unit_path; i++) {
            s_esc (out, w->unit_path[i]);
            fputs (i + 2 < w->n_unit_path? " / ": ". ", out);
        }
    }
    fprintf (out, "</p>\n</header>\n");
    s_section (out, "overview", "At a glance",
               "the size of the organisation now, and how many warnings are open.");
    //  The company's totals, not the lengths of the (capped) lists.
    size_t gaps = 0, signals = 0, alerts = 0;
    for (size_t i = 0; i < w->n_positions; i++)
        gaps += w->positions[i]->gap? 1: 0;
    for (size_t i = 0; i < w->n_alerts; i++)
        hrw_report_kind_explained (w->alerts[i]->kind)? alerts++: signals++;
    uint32_t units = hrw_report_units_total (w), critical = hrw_report_positions_total (w);
    uint32_t firing = hrw_report_alerts_total (w);
    if (w->gaps_total > gaps)
        gaps = w->gaps_total;
    fprintf (out, "<ul><li><b id=\"headcount-now\" data-value=\"%lld\">%lld</b> people now, in "
             "<b id=\"units-total\" data-value=\"%u\">%u</b> unit%s.</li><li><b id=\""
             "critical-total\" data-value=\"%u\">%u</b> critical role%s, <b id=\"gaps-total\" "
             "data-value=\"%zu\">%zu</b> with a succession gap.</li>",
             (long long) w->headcount, (long long) w->headcount, units, units, units == 1? "": "s",
             critical, critical, critical == 1? "": "s", gaps, gaps);
    if (firing == alerts + signals)
        fprintf (out, "<li><b id=\"alerts-total\" data-value=\"%u\">%zu</b> alert%s and %zu "
                 "signal%s firing.</li></ul>\n", firing, alerts, alerts == 1? "": "s", signals,
                 signals == 1? "": "s");
    else
        fprintf (out, "<li><b id=\"alerts-total\" data-value=\"%u\">%u</b> alerts and signals "
                 "firing (of the first %zu listed: %zu alert%s and %zu signal%s).</li></ul>\n",
                 firing, firing, w->n_alerts, alerts, alerts == 1? "": "s", signals,
                 signals == 1? "": "s");
    for (size_t i = 0; i < w->n_truncated; i++) {
        char note[160];
        fputs ("<p class=\"note\">", out);
        s_esc (out, hrw_report_cut_note (w, w->truncated[i], note, sizeof (note)));
        fputs ("</p>\n", out);
    }
    fputs ("</section>\n", out);
    s_monthly (out, w);
    s_turnover (out, w);
    s_engagement (out, w);
    s_bench (out, w);
    s_positions (out, w);
    s_alerts (out, w, 0);
    s_alerts (out, w, 1);
    fputs ("<footer><p class=\"what\">Written by hrwatch report. Figures are computed by "
           "hrwatchd from the HR events it holds; docs/report.md says how each is worked out."
           "</p></footer>\n</body>\n</html>\n", out);
    return ferror (out)? -1: 0;
}
