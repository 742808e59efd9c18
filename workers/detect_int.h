/*  detect_int: what the detector families (detect_succession.c,
    detect_turnover.c, detect_engagement.c) share with the entry points in
    detect.c. Private to workers/detect*.c; the rest of the daemon sees
    only workers/detect.h. */
#ifndef HRW_DETECT_INT_H
#define HRW_DETECT_INT_H

#include "workers/detect.h"

#define S_DAY_US (86400LL * HRW_US_PER_SEC)

#define K(name) HRWATCH__V1__ALERT_KIND__ALERT_KIND_##name
#define SEV(name) HRWATCH__V1__SEVERITY__SEVERITY_##name

//  The spans of series read or written lately (detect_series.c).
typedef struct hrw_series_cache hrw_series_cache_t;
hrw_series_cache_t *hrw_series_cache_new (void);
void hrw_series_cache_destroy (hrw_series_cache_t **self_p);

//  The turnover CUSUMs read or written lately (detect_turnover.c).
typedef struct hrw_cusum_cache hrw_cusum_cache_t;
hrw_cusum_cache_t *hrw_cusum_cache_new (void);
void hrw_cusum_cache_destroy (hrw_cusum_cache_t **self_p);

struct hrw_detect {
    hrw_series_cache_t *series; //  Series spans known (detect_series.c)
    hrw_cusum_cache_t *cusums;  //  CUSUM records known (detect_turnover.c)
    int64_t first_exit;         //  When the first voluntary exit was seen ...
    uint32_t first_exit_epoch;  //  ... as read at this store epoch
    int first_exit_known;       //  ... if read
    hrw_store_t *store;         //  State, environment, transaction
    hrw_alerts_t *alerts;       //  Where verdicts go
    hrw_detect_opts_t opts;     //  Thresholds
    hrw_detect_opts_t judged;   //  Thresholds the stored alerts were judged by
    int (*checkpoint) (void *); //  Called between the subjects of a long sweep
    void *checkpoint_arg;
    hrw_table_t db_nominee;     //  employee\0position -> "" (who is nominated where)
    hrw_table_t db_series;      //  unit\0time -> s_point_t (cumulative, per unit)
    hrw_table_t db_covered;     //  position -> s_cover_t (as last counted)
    hrw_table_t db_bench;       //  unit -> s_bench_t (subtree totals)
    hrw_table_t db_sole;        //  employee -> uint32 (roles they alone cover)
    hrw_table_t db_decided;     //  survey cycle -> int64 (when its family was decided)
    hrw_table_t db_holds;       //  employee\0position -> "" (named incumbent there)
    hrw_table_t db_rise;        //  unit -> s_rise_t (sustained-rise CUSUM)
    hrw_table_t db_spike;       //  unit -> s_spike_t (sharp-spike CUSUM)
    //  Successor development and succession at risk (detect_development.c)
    hrw_table_t db_dev_person;  //  employee -> s_person_t (successor since, mentors)
    hrw_table_t db_dev_nom;     //  employee\0position -> s_nom_t (since nominated or improved)
    hrw_table_t db_dev_mentor;  //  mentor\0mentee -> uint8 (active, as last counted)
    hrw_table_t db_dev_due;     //  time\0kind\0employee -> "" (what the sweep must reach)
    hrw_table_t db_dev_risk;    //  position -> s_risk_t (its sole successor and their unit)
    hrw_table_t db_dev_risk_idx;    //  unit\0position -> "" for the sole successor's unit
                                    //  and every unit above it
    hrw_table_t db_dev_drops;   //  unit -> uint32 (engagement drops firing there)
    //  Early-tenure exits and manager hotspots
    hrw_table_t db_tenure;      //  unit\0time -> cumulative voluntary and early exits;
                                //  unit -> int64 (when its alert last resolved)
    hrw_table_t db_manager;     //  manager\0time -> cumulative reports, person-days, exits
    hrw_table_t db_manager_unit;    //  manager -> the unit most of their reports are in
    hrw_table_t db_sched;       //  employee\0time tie-break -> kind and event id
                                //  of an exit or move entered ahead of its day;
                                //  "#" -> how many
    hrw_table_t db_sched_unit;  //  unit\0time tie-break -> voluntary: the exits
                                //  entered ahead, in each unit above the leaver
};

// ---------------------------------------------------------------------------
// Common to every family (detect.c)

/*  A fixed-size record of a table under a string key into out, which is
    zeroed first and stays zero when there is none or it is not of that
    size. Returns 0 or an error code. */
int hrw_detect__get_or_zero (hrw_detect_t *self, hrw_table_t t, const char *key, void *out,
                             size_t size);

/*  Writes a fixed-size record under a string key. */
/*  Between two subjects of a long sweep, holding nothing read from the
    store: the owner may commit there. 0 or an error. */
int hrw_detect__checkpoint (hrw_detect_t *self);

int hrw_detect__put (hrw_detect_t *self, hrw_table_t t, const char *key, const void *val,
                     size_t size);

/*  The unit and its ancestors, nearest first (hrw_store_unit_chain). */
size_t hrw_detect__chain (hrw_detect_t *self, const char *unit, char chain[][HRW_ID_MAX + 1]);

/*  Adds a named figure to an alert's details (up to HRW_ALERT_DETAILS_MAX). */
void hrw_detect__detail (hrw_alert_eval_t *e, const char *name, double value);

/*  An evaluation of kind about subject, not firing, severity WARNING. */
void hrw_detect__eval_init (hrw_alert_eval_t *e, Hrwatch__V1__AlertKind kind,
                            const char *subject, const char *unit, const char *trigger);

/*  1 when the evaluation neither fires nor ends a firing alert: nothing to
    write, so the summary need not be built. */
int hrw_detect__quiet (hrw_detect_t *self, const hrw_alert_eval_t *e);

/*  Hands the verdict to the alert log. Returns 0 or an error code. */
int hrw_detect__update (hrw_detect_t *self, const hrw_alert_eval_t *e, int64_t clock);

/*  A table walk's callback (hrw_table_prefix_each) that appends each key
    of an id's length, NUL-terminated, to the hrw_buf_t at arg: the ids to
    re-judge, collected before re-judging writes to the table. */
int hrw_detect__key_collect (hrw_bytes_t k, hrw_bytes_t v, void *arg);

/*  The series key "id\0" and the time big-endian into buf; returns its
    length (the prefix "id\0" is that less 8). */
size_t hrw_detect__series_key (const char *id, int64_t t, uint8_t buf[HRW_ID_MAX + 9]);

/*  A time-indexed series in table (key "id\0time" -> a fixed-size record
    of cumulative figures): the last record at or before t into out (size
    bytes) and its time into *at; zeroes and HRW_TIME_NONE when there is
    none. Returns 0 or an error code. */
int hrw_detect__series_at (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t,
                           void *out, size_t size, int64_t *at);

/*  Corrects id's series from t on, as if a change counted then had been
    otherwise: a point at t is made if there is none (carry brings the one
    before it forward to t), then fix(rec, microseconds since t, arg) is
    called on it and every later point. For a voided event. */
int hrw_detect__series_fix (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t,
                            size_t size, void (*carry) (void *, int64_t),
                            void (*fix) (void *, int64_t, const void *), const void *arg);

/*  Re-evaluates the critical positions employee holds or is nominated
    for, saying cause. */
int hrw_detect__gap_scheduled (hrw_detect_t *self, const char *employee, int64_t clock,
                               const char *trigger, const char *cause);

#define S_SCHED_SOON_US (30 * S_DAY_US)    //  An early warning this near warns

/*  Scheduled exits: the unit's test, and the early warnings a month ahead
    judged again at the midnight sweep. */
int hrw_detect__sched_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                            const char *trigger);
int hrw_detect__sched_sweep (hrw_detect_t *self, int64_t day);

/*  Writes every series write still waiting in memory to the store: before
    the store commits, and before a series is walked in the store. */
int hrw_detect__series_flush (hrw_detect_t *self);

/*  Writes the record of id's series at t (perhaps later: the store sees
    it by the next commit or hrw_detect__series_flush). */
int hrw_detect__series_put (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t,
                            const void *val, size_t size);

// ---------------------------------------------------------------------------
// Succession gap, bench strength, successor overlap (detect_succession.c)

int hrw_detect__bench_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                            const char *trigger);

/*  A unit's subtree counts added to (sign 1) or taken from (-1) each of the
    n ancestors given, which are then re-evaluated. */
int hrw_detect__bench_move (hrw_detect_t *self, const char *unit,
                            char ancestors[][HRW_ID_MAX + 1], size_t n, int sign,
                            int64_t clock, const char *trigger);

/*  The subtree counts of a unit (0 and 0 when none are kept). */
int hrw_detect__bench_counts (hrw_detect_t *self, const char *unit, uint32_t *critical,
                              uint32_t *covered);

int hrw_detect__overlap (hrw_detect_t *self, const char *employee, int delta, int64_t clock,
                         const char *trigger);
int hrw_detect__gap_eval (hrw_detect_t *self, const char *position, int64_t clock,
                          const char *trigger, const char *cause);
int hrw_detect__gap_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                            const char *employee, const hrw_detect_before_t *b, int64_t clock);
int hrw_detect__gap_defined (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                             const hrw_detect_before_t *b, int64_t clock);
int hrw_detect__gap_nomination (hrw_detect_t *self, const Hrwatch__V1__Event *ev, int voiding,
                                int64_t clock);

// ---------------------------------------------------------------------------
// Turnover and org-unit history (detect_turnover.c)

/*  A unit's cumulative turnover history at one instant (the series in
    db_series): headcount from then on, and totals since the beginning. */
typedef struct {
    int64_t headcount;
    double person_days;
    uint64_t voluntary;         //  Voluntary exits, reductions in force excluded
    uint64_t regretted;         //  ... of which regretted
    uint64_t rif;               //  Exits in a reduction in force
} hrw_detect_point_t;

/*  The unit's series at t: its last point at or before t (its time in
    *at), person-days carried forward to t; zero and HRW_TIME_NONE before
    its first point. "" is the company. Returns 0 or an error code. */
int hrw_detect__point_at (hrw_detect_t *self, const char *unit, int64_t t,
                          hrw_detect_point_t *out, int64_t *at);


/*  A unit defined or re-parented: its history follows it in the tree. */
int hrw_detect__unit_moved (hrw_detect_t *self, const char *unit, const hrw_detect_before_t *b,
                            int64_t clock, const char *trigger);
int hrw_detect__turnover_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                               const char *trigger);
int hrw_detect__rif_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                          const char *trigger);
int hrw_detect__turnover_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                                 const char *employee, const hrw_detect_before_t *b,
                                 int64_t clock);

// ---------------------------------------------------------------------------
// Engagement (detect_engagement.c)

/*  Decides a survey cycle's family once (later calls change nothing). */
int hrw_detect__engagement_decide (hrw_detect_t *self, const char *cycle, int64_t clock,
                                   const char *trigger);

/*  Closes and decides the cycles whose time is up at clock. */
int hrw_detect__engagement_close_due (hrw_detect_t *self, int64_t clock);

// ---------------------------------------------------------------------------
// Successor development, succession at risk (detect_development.c)

/*  An event, now applied: the mentees, nominees and people it concerns are
    re-evaluated (successor without a mentor, development stalled). */
int hrw_detect__dev_after (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                           const hrw_detect_before_t *b, const char *employee, int64_t clock);

/*  At a day boundary: the people whose alerts time alone brings due. */
int hrw_detect__dev_sweep (hrw_detect_t *self, int64_t clock);

/*  After new thresholds: everyone with a development record. */
int hrw_detect__dev_reevaluate (hrw_detect_t *self, int64_t clock);

/*  A position's gap evaluated: its only counted ready-now successor (or ""
    when it has none or several, or is not critical) decides succession at
    risk, re-indexed under their unit. */
int hrw_detect__dev_risk (hrw_detect_t *self, const char *position, const char *sole,
                          int64_t clock, const char *trigger);

/*  A turnover spike or engagement drop about to be recorded (was_firing:
    before): when it starts or stops firing, the positions whose sole
    successor sits there are re-evaluated. */
int hrw_detect__dev_cause (hrw_detect_t *self, const hrw_alert_eval_t *e, int was_firing,
                           int64_t clock);
// Early-tenure exits (detect_tenure.c) and manager hotspots (detect_manager.c)

/*  A unit's (and its subtree's) voluntary exits and person-days over
    [from, to), with prior_person_days of the company's rate over the same
    days added as the turnover baseline's shrinkage does (so *exits /
    *person_days is that baseline rate); *judged says a whole period of
    exit history lies behind it. "" is the company. */
int hrw_detect__unit_rate (hrw_detect_t *self, const char *unit, int64_t from, int64_t to,
                           double *exits, double *person_days, int *judged);

/*  Counts a voluntary exit (with the tenure it came at) and re-judges the
    leaver's unit and its ancestors; nothing for other events. */
int hrw_detect__tenure_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                               const char *employee, const hrw_detect_before_t *b,
                               int64_t clock);
int hrw_detect__tenure_eval (hrw_detect_t *self, const char *unit, int64_t clock,
                             const char *trigger);

/*  Moves a person between managers' series as a hire, transfer or exit
    changes whom they report to, and re-judges a manager who lost a report
    to a voluntary exit. */
int hrw_detect__manager_person (hrw_detect_t *self, const Hrwatch__V1__Event *ev,
                                const char *employee, const hrw_detect_before_t *b,
                                int64_t clock);
int hrw_detect__manager_eval (hrw_detect_t *self, const char *manager, int64_t clock,
                              const char *trigger);

#endif
