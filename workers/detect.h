/*  detect: the detectors. Each event, once applied to the store, is shown
    to them with a snapshot of what it changed; they re-evaluate only the
    subjects it touches (no rescans) at the event-time clock and hand their
    verdicts to alerts. A sweep at each day boundary re-evaluates firing
    time-window alerts, so they resolve when nothing happens. */
#ifndef HRW_DETECT_H
#define HRW_DETECT_H

#include <stdint.h>

#include "workers/alerts.h"
#include "workers/store.h"

typedef struct {
    uint32_t min_ready_now;         //  Ready-now successors a critical role needs
    double bench_strength_min;      //  Share of covered critical roles in a subtree
    uint32_t bench_min_positions;   //  Critical roles before bench strength counts
    uint32_t max_sole_successor;    //  Roles one person may be sole cover for
    uint32_t window_days;           //  Turnover window
    uint32_t baseline_days;         //  Turnover baseline, before the window
    double alpha;                   //  Turnover fires below this tail probability
    double resolve_p;               //  ... and resolves above this one
    uint32_t min_exits;             //  Voluntary exits before turnover may fire
    uint32_t min_headcount;         //  Unit size before turnover may fire
    double prior_person_days;       //  Weight of the company rate in a unit's baseline
    double rise_h;                  //  CUSUM decision threshold for a sustained rise
    double spike_h;                 //  CUSUM decision threshold for a sharp spike
    double engagement_drop;         //  Mean drop (1-5 scale) that counts
    double engagement_fdr_q;        //  False discovery rate across a cycle's units
    uint32_t engagement_baseline_cycles;    //  Closed cycles pooled as the baseline
    double enps_drop;               //  eNPS drop (points) that counts on its own
    uint32_t min_respondents;       //  Anonymity threshold, at least 3
    uint32_t survey_close_days;     //  A survey cycle closes this long after its start
    //  Successor development (detect_development.c)
    uint32_t unmentored_days;       //  Days a successor may go without a mentor
    uint32_t stale_readiness_days;  //  Days a nomination's readiness may stay unimproved
    //  Early-tenure exits and manager hotspots (detect_tenure.c,
    //  detect_manager.c; docs/alerts.md)
    uint32_t early_tenure_days;     //  An exit this soon after the hire is early
    uint32_t early_tenure_window_days;  //  Trailing window of exits judged
    uint32_t early_tenure_baseline_days;    //  The rest of the company's share, over this
    uint32_t early_tenure_min_exits;    //  Early exits before it may fire
    double early_tenure_alpha;      //  Fires below this binomial tail probability
    uint32_t manager_window_days;   //  Trailing window of a manager's reports' exits
    uint32_t manager_min_exits;     //  Voluntary exits among reports before it may fire
    uint32_t manager_min_reports;   //  Direct reports (at the window's start) before it may
    double manager_alpha;           //  Fires below this Poisson tail probability
} hrw_detect_opts_t;

typedef struct hrw_detect hrw_detect_t;

/*  What an event is about to change, taken before it is applied. */
typedef struct {
    hrw_employee_info_t employee;   //  The employee's record before, if any
    int had_employee;
    hrw_position_info_t position;   //  The position's record before, if any
    int had_position;
    hrw_unit_info_t unit;           //  The unit's definition before, if any
    int had_unit;
    char sched_unit[HRW_ID_MAX + 1];    //  Where its exit counted as scheduled, or ""
    int voiding;                    //  The event is being taken back, not applied
    int64_t counted_us;             //  ... and was applied at this clock
} hrw_detect_before_t;

/*  Fills opts with the documented defaults. */
void hrw_detect_defaults (hrw_detect_opts_t *opts);

/*  Opens the detectors' own databases. NULL on failure. */
hrw_detect_t *hrw_detect_new (hrw_store_t *store, hrw_alerts_t *alerts,
                              const hrw_detect_opts_t *opts);

void hrw_detect_destroy (hrw_detect_t **self_p);

void hrw_detect_set_opts (hrw_detect_t *self, const hrw_detect_opts_t *opts);

/*  Snapshot before ev is applied (inside the write transaction). */
int hrw_detect_before (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                       hrw_detect_before_t *before);

/*  Updates the detectors' state for ev, now applied, and re-evaluates what
    it touches at clock_us. Returns 0 or an LMDB error. */
int hrw_detect_after (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                      const hrw_detect_before_t *before, int64_t clock_us);

/*  A change entered ahead of its day (on 1, when it is held) or no longer
    coming (0: voided while held), inside the write transaction: exits and
    transfers are noted for each person, and the critical positions they
    hold or are nominated for re-evaluated at clock_us (their gaps raised
    or lowered early, with the day they take effect). When the change is
    applied on its day its note goes without a word: the gap is then
    judged as it is. trigger: the event that made the change (NULL: ev).
    Returns 0 or an error. */
int hrw_detect_schedule (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int on,
                         int64_t clock_us, const char *trigger);

/*  The earliest scheduled exit of employee after the clock (event time
    and the event's id into id), or HRW_TIME_NONE. For the unit report
    and the gap's early warning. */
int64_t hrw_detect_scheduled_exit (hrw_detect_t *self, const char *employee, int transfers,
                                   char id[HRW_EVENT_ID_MAX + 1]);

typedef struct {
    uint64_t total;                 //  Exits entered ahead, in the subtree
    uint64_t voluntary;             //  ... voluntary
    uint64_t in_window;             //  ... voluntary, within window_days of the clock
    int64_t last_in_window_us;      //  The latest of those
    int64_t next_us;                //  The earliest of all, or HRW_TIME_NONE
} hrw_unit_scheduled_t;

/*  The exits entered ahead in unit's subtree at clock_us. */
int hrw_detect_unit_scheduled (hrw_detect_t *self, const char *unit, int64_t clock_us,
                               hrw_unit_scheduled_t *out);

/*  After hrw_detect_set_opts, inside a write transaction: re-evaluates at
    clock_us what the changed thresholds decide (all critical positions,
    bench strength and overlap counts; the firing turnover, reduction in
    force, early-tenure and manager-hotspot alerts), so alerts say at once what the new
    thresholds make of them. Returns 0 or an LMDB error; on an error the
    thresholds stay marked as not yet applied. */
int hrw_detect_reevaluate (hrw_detect_t *self, int64_t clock_us);

/*  Re-evaluates firing time-window alerts at clock_us, a day boundary, and
    closes (and decides) the survey cycles whose time is up. */
int hrw_detect_sweep (hrw_detect_t *self, int64_t clock_us);

/*  fn (arg) is called inside a sweep between subjects, where nothing read
    from the store is held, so that it may commit the transaction so far
    and begin the next (hrw_store_commit_part). Returns 0 or an error. */
void hrw_detect_set_checkpoint (hrw_detect_t *self, int (*fn) (void *), void *arg);

/*  Whether a survey cycle is open, so day boundaries must be swept even
    with nothing firing. */
int hrw_detect_cycles_open (hrw_detect_t *self);

/*  Whether a development alert falls due at or before upto, so the day
    boundaries up to it must be swept even with nothing firing. */
int hrw_detect_due_by (hrw_detect_t *self, int64_t upto);

typedef struct {
    int64_t headcount;              //  At the clock
    int64_t headcount_at_start;     //  At the start of the window: the one
                                    //  min_headcount is tested on and alerts show
    uint64_t observed;              //  Voluntary exits in the window
    uint64_t regretted;             //  ... of which regretted
    uint64_t rif;                   //  Exits in a reduction in force, in the window
    double expected;                //  Voluntary exits expected in the window
    double p_value;                 //  P(at least observed | expected)
    double annualised;              //  Voluntary turnover in the window, per year
    double baseline_annualised;     //  The (shrunk) baseline, per year
    int judged;                     //  A full baseline period of exits exists
    double person_days;             //  Person-days in the window
    int rate_known;                 //  Enough of them for annualised to mean anything
    double rise_cusum;              //  The sustained-rise statistic, as last updated
} hrw_unit_turnover_t;

/*  Turnover figures for a unit (and its subtree) at clock_us, inside a
    transaction. */
int hrw_detect_unit_turnover (hrw_detect_t *self, const char *unit, int64_t clock_us,
                              hrw_unit_turnover_t *out);

/*  The same from outside a transaction, with bench strength counts. */
int hrw_detect_unit_report (hrw_detect_t *self, const char *unit, int64_t clock_us,
                            hrw_unit_turnover_t *out, uint32_t *critical, uint32_t *covered);

#define HRW_SUCCESSORS_MAX 32

typedef struct {
    char employee[HRW_ID_MAX + 1];
    int readiness;                  //  Hrwatch__V1__Readiness
    const char *why_not;            //  Why they do not count, or NULL
    char note[HRW_ID_MAX + 32];     //  e.g. "moved to P-9 since nominated", or ""
} hrw_successor_t;

typedef struct {
    int defined, critical, vacant, gap;
    char unit[HRW_ID_MAX + 1];
    char title[256];
    char incumbent[HRW_ID_MAX + 1];
    char vacant_because[2 * HRW_ID_MAX + 40];   //  e.g. "incumbent E-5 exited"
    uint32_t ready_now;             //  Eligible ready-now successors
    hrw_successor_t successors[HRW_SUCCESSORS_MAX];   //  Active nominations
    size_t n_successors;
} hrw_position_report_t;

/*  A position's incumbent, successors and gap state. 0 or HRW_E_NOTFOUND. */
int hrw_detect_position_report (hrw_detect_t *self, const char *position,
                                hrw_position_report_t *out);

// ---------------------------------------------------------------------------
// History, for reports (detect_history.c): read-only, inside the caller's
// read scope; nothing here changes a detector's state.

typedef struct {
    int64_t start_us;               //  The month's first instant (in)
    int64_t end_us;                 //  Its end (out), or the clock for the last
    int64_t headcount;              //  At end_us
    uint64_t voluntary;             //  Voluntary exits in [start, end), RIF excluded
    double person_days;             //  Person-days in [start, end)
    double expected;                //  Voluntary exits the baseline expects there
    uint32_t expected_low;          //  5% Poisson quantile of expected
    uint32_t expected_high;         //  95% Poisson quantile of expected
    int judged;                     //  A full baseline of exits existed at end_us
} hrw_history_month_t;

/*  The unit's (and its subtree's; "" for the whole company) headcount,
    voluntary exits, person-days and expected exits for each of n months,
    whose start_us and end_us the caller has set (ascending, not
    overlapping). Expected is the month's person-days times the (shrunk)
    baseline rate as it stood at the month's end: the rate a turnover alert
    at that time judged against. Returns 0 or an error code. */
int hrw_detect_history_months (hrw_detect_t *self, const char *unit, hrw_history_month_t *months,
                               size_t n);

/*  The smallest k with P(X <= k) >= q for X Poisson with that mean (a
    normal approximation past a mean of 1000). */
uint32_t hrw_detect_poisson_quantile (double mean, double q);

#endif
