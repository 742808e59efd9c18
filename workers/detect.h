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
    double engagement_drop;         //  Mean drop (1-5 scale) that counts
    double engagement_p;            //  Welch's test must be below this
    double enps_drop;               //  eNPS drop (points) that counts on its own
    uint32_t min_respondents;       //  Anonymity threshold, at least 3
} hrw_detect_opts_t;

typedef struct hrw_detect hrw_detect_t;

/*  What an event is about to change, taken before it is applied. */
typedef struct {
    hrw_employee_info_t employee;   //  The employee's record before, if any
    int had_employee;
    hrw_position_info_t position;   //  The position's record before, if any
    int had_position;
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

/*  Re-evaluates firing time-window alerts at clock_us. */
int hrw_detect_sweep (hrw_detect_t *self, int64_t clock_us);

#endif
