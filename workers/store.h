/*  store: the workforce state in one LMDB environment. Events are applied
    inside a write transaction that the caller groups (group commit); every
    entity field is a last-writer-wins register ordered by event time, so
    the same set of events gives the same state in any arrival order. */
#ifndef HRW_STORE_H
#define HRW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hrwatch/v1/events.pb-c.h"
#include "lib/buf.h"

#define HRW_SCHEMA_VERSION 1

/*  Error codes: one space with errno values (positive) and LMDB's (which
    pass through as they are); hrw_store_strerror has words for each.
    HRW_E_NOTFOUND and HRW_E_MAP_FULL are LMDB's own numbers, the two that
    callers test for. */
#define HRW_E_NOTFOUND (-30798) //  No record under that key (MDB_NOTFOUND)
#define HRW_E_MAP_FULL (-30792) //  The map is full: grow it, retry (MDB_MAP_FULL)
#define HRW_E_SCHEMA  (-30100)  //  Store has an unknown schema version
#define HRW_E_CORRUPT (-30101)  //  A record does not decode
#define HRW_E_LOCKED  (-30102)  //  Another process has the store open
#define HRW_E_TRUNCATED (-30103) //  data.mdb ends before its last page
#define HRW_E_NO_META (-30104)  //  Neither LMDB meta page of data.mdb is valid
#define HRW_E_BAD_META (-30105) //  One LMDB meta page of data.mdb is not valid
#define HRW_E_EMPTIED (-30106)  //  data.mdb is empty, the marker says a store was
#define HRW_E_MISSING (-30107)  //  data.mdb is gone, the marker says a store was
#define HRW_E_OVERFLOW (-30108) //  A record too large to write (HRW_REC_MAX)

/*  The store's files in opts->path: LMDB's data file, and the marker that
    says a store was created there (so that losing the data file is told
    apart from a first start). */
#define HRW_STORE_FILE "data.mdb"
#define HRW_STORE_MARKER "hrwatch-store"

#define HRW_ID_MAX 64           //  Longest entity id, in bytes
#define HRW_EVENT_ID_MAX 128    //  Longest event id, in bytes

typedef struct hrw_store hrw_store_t;

typedef struct {
    const char *path;               //  Directory holding data.mdb
    size_t map_size;                //  Initial map size, bytes
    size_t max_map_size;            //  Growth stops here; 0 = no limit
    uint32_t rejected_keep;         //  Rejected events kept (newest)
    int no_sync;                    //  Skip fsync on commit: fuzzing only,
                                    //  never the daemon (acks need durability)
} hrw_store_opts_t;

typedef struct {
    uint64_t employees_active;      //  Hired and not exited since
    uint64_t employees_exited;      //  Exited and not re-hired since
    uint64_t units;                 //  Org units defined
    uint64_t positions;             //  Positions defined
    uint64_t critical_positions;    //  ... of which critical
    uint64_t nominations;           //  Active successor nominations
    uint64_t mentorships;           //  Active mentoring relationships
    uint64_t survey_responses;      //  Responses aggregated
    uint64_t events_accepted;       //  Events applied
    uint64_t events_duplicate;      //  Re-sent events recognised
    uint64_t events_rejected;       //  Events and frames rejected
    uint64_t rejected_kept;         //  Rejections kept for inspection
    uint64_t rejected_next_seq;     //  Sequence number of the next one
    int64_t latest_event_us;        //  Newest occurred_at accepted
    int64_t clock_us;               //  Event-time clock (see engine.h)
    uint64_t events_pending;        //  Accepted, held for the clock
    uint64_t voids;                 //  Events voided (by a void or a correction)
} hrw_counters_t;

typedef enum {
    HRW_APPLIED = 1,    //  New event, applied
    HRW_DUPLICATE,      //  Same id and content seen before
    HRW_CONFLICT,       //  Same id, different content: not applied
    HRW_NOT_VOIDABLE    //  A void or correction of an event that cannot be
                        //  taken back (a survey answer or close, a void)
} hrw_apply_t;

typedef enum { HRW_EMP_UNKNOWN, HRW_EMP_ACTIVE, HRW_EMP_EXITED } hrw_emp_status_t;

typedef struct {
    hrw_emp_status_t status;
    char unit[HRW_ID_MAX + 1];
    int64_t unit_at_us;         //  When the unit was last set (hire, transfer)
    char position[HRW_ID_MAX + 1];
    int64_t position_at_us;     //  When the position was last set
    char manager[HRW_ID_MAX + 1];
    int32_t level;
    int64_t hired_us;           //  Latest hire, or HRW_TIME_NONE
    int64_t exited_us;          //  Latest exit, or HRW_TIME_NONE
    int exit_type;              //  Hrwatch__V1__ExitType of the latest exit
    int regretted;
    int reduction_in_force;
} hrw_employee_info_t;

typedef struct {
    int defined;
    char parent[HRW_ID_MAX + 1];
    char name[256];
} hrw_unit_info_t;

typedef struct {
    int defined;
    char unit[HRW_ID_MAX + 1];
    char title[256];
    int critical;
    char incumbent[HRW_ID_MAX + 1];
    int64_t incumbent_at_us;    //  When the incumbent was last set (the
                                //  definition, a hire or promotion into it)
} hrw_position_info_t;

typedef struct {
    uint32_t responses;         //  Respondents in the aggregate
    uint32_t engagement[5];     //  Count of answers 1..5
    uint32_t enps_responses;    //  Respondents who answered eNPS
    uint32_t enps[11];          //  Count of answers 0..10
    int64_t first_us, last_us;  //  Event-time span of the responses
} hrw_survey_info_t;

//  A survey cycle across units.
typedef struct {
    int64_t first_us;           //  Its first response applied, or HRW_TIME_NONE
    int64_t closed_us;          //  Closed for every unit at, or HRW_TIME_NONE
} hrw_cycle_info_t;

//  A survey cycle in one unit.
typedef struct {
    int64_t closed_us;          //  Its aggregate final since, or HRW_TIME_NONE
    uint32_t late;              //  Responses after the close, not applied
    uint32_t spare;             //  Zero
} hrw_cycle_unit_t;

//  A rejection as kept: no payload, nothing the event said beyond its id.
typedef struct {
    const char *event_id;       //  "" when it did not decode
    const char *event_type;     //  The body's field name ("exit"), or ""
    int reason;                 //  Hrwatch__V1__Reason
    const char *field;          //  The offending field's path, or ""
    const char *message;        //  Written by validation, never echoed text
} hrw_rejection_t;

typedef struct {
    uint64_t seq;
    int64_t received_us;
    const char *event_id;       //  NUL-terminated; "" when unknown
    const char *event_type;
    int reason;                 //  Hrwatch__V1__Reason
    const char *field;
    const char *message;        //  NUL-terminated
} hrw_rejected_view_t;

/*  Opens (creating if needed) the store at opts->path. Returns 0 and sets
    *out, or an error code for hrw_store_strerror.
    Before LMDB maps data.mdb, its two meta pages are read and checked: a
    file shorter than its last page, or without valid meta pages, is
    refused (HRW_E_TRUNCATED, HRW_E_NO_META, HRW_E_BAD_META) rather than
    mapped. Where the marker is and data.mdb is missing or empty, the store
    is refused too (HRW_E_MISSING, HRW_E_EMPTIED): an empty store would take
    every re-sent event as new. A directory without either starts a new
    store. The marker is written once a store is open and lacks one. */
int hrw_store_open (const hrw_store_opts_t *opts, hrw_store_t **out);

/*  As hrw_store_open, but where the marker is and data.mdb is missing or
    empty, starts a new empty store there (hrwatchd --init). A store that
    is there, damaged or not, is treated as hrw_store_open treats it. */
int hrw_store_init (const hrw_store_opts_t *opts, hrw_store_t **out);

/*  1 when rc says the store's files are damaged or lost, so that the way
    out is a restore from a backup (or --init); else 0. */
int hrw_store_damaged (int rc);

/*  Closes the store; sets *self_p to NULL. An open write txn is aborted. */
void hrw_store_destroy (hrw_store_t **self_p);

/*  Words for an error code returned by this module. */
const char *hrw_store_strerror (int rc);

/*  Starts the write transaction that following applies go into. */
int hrw_store_begin (hrw_store_t *self);

/*  Commits it durably; the counters are written with it. Returns 0 or an
    error code, in which case nothing of the transaction was kept. */
int hrw_store_commit (hrw_store_t *self);

/*  fn(arg) is called at each commit (hrw_store_commit, _commit_part)
    before the transaction is: for a module that keeps writes in memory to
    write them. An error from it abandons the transaction and is the
    commit's. fn NULL: none. */
void hrw_store_on_commit (hrw_store_t *self, int (*fn) (void *), void *arg);

/*  Abandons the write transaction and its counter changes. */
void hrw_store_abort (hrw_store_t *self);

/*  Commits the write transaction so far durably (with the counters), for
    the caller to begin the next (hrw_store_begin): one long step need not
    hold every page it dirties in memory until its end. Nothing read from
    the store before it may be used after it. Returns 0; EBUSY, doing
    nothing, while a cursor or read scope is open; or hrw_store_commit's
    error (nothing of the transaction kept). */
int hrw_store_commit_part (hrw_store_t *self);

/*  After HRW_E_MAP_FULL, with no transaction open: doubles the map. Returns
    0, or HRW_E_MAP_FULL when max_map_size is reached. */
int hrw_store_grow (hrw_store_t *self);

/*  Records a validated event's id with its content hash (the idempotency
    check), counting it, without applying it; known_us (when the event was
    known: see engine.h) moves the newest event time the clock follows. A
    void or correction is checked first: of an event voided already it is
    HRW_DUPLICATE (a correction is applied all the same), of one that
    cannot be taken back HRW_NOT_VOIDABLE; else the void is noted. Sets
    *result: only an HRW_APPLIED event is to be applied, now or later.
    Returns 0 or an error code (the transaction must then be aborted). */
int hrw_store_accept (hrw_store_t *self, const Hrwatch__V1__Event *ev,
                      uint64_t content_hash, int64_t known_us, hrw_apply_t *result);

/*  The employee a person event (hire, exit, promotion, transfer) is
    about, or NULL for other events. */
const char *hrw_store_event_employee (const Hrwatch__V1__Event *ev);

/*  The event a void or a correction takes back, or NULL. */
const char *hrw_store_event_target (const Hrwatch__V1__Event *ev);

/*  1 when the store has kept every event it applied, so it can take one
    back (a store made before it kept them cannot). */
int hrw_store_journaled (hrw_store_t *self);

/*  1 when the event can be taken back (it writes a record: not a survey
    answer or close, nor a void). */
int hrw_store_voidable (const Hrwatch__V1__Event *ev);

/*  Forgets that target is voided (by the event by, or by any when NULL):
    the void will not apply after all. Returns 0 or an error. */
int hrw_store_void_forget (hrw_store_t *self, const char *target, const char *by);

/*  1 when a void of the event with this id was accepted. */
int hrw_store_is_voided (hrw_store_t *self, const char *event_id);

/*  Applies an accepted event's body to the state at clock_us, and keeps
    it (raw, its encoding) under the records it wrote, so a void can take
    it back. Returns 0 or an error. */
int hrw_store_apply (hrw_store_t *self, const Hrwatch__V1__Event *ev, const void *raw,
                     size_t raw_len, int64_t clock_us);

typedef enum {
    HRW_TARGET_NONE,            //  Never applied, not held: nothing to undo
    HRW_TARGET_HELD,            //  Held for the clock: now dropped
    HRW_TARGET_APPLIED          //  Applied: to be taken back
} hrw_target_t;

/*  Finds the event a void takes back: copies its encoding into raw and,
    when it was applied, the clock it was applied at into *counted_us;
    a held one is dropped from the queue. Returns 0 or an error. */
int hrw_store_target (hrw_store_t *self, const char *event_id, hrw_buf_t *raw,
                      int64_t *counted_us, hrw_target_t *where);

/*  Takes an applied event back: the records it wrote are derived anew
    from the events that remain, as if it had never come. 0 or an error. */
int hrw_store_unapply (hrw_store_t *self, const Hrwatch__V1__Event *ev);

/*  The event time and tie-break of an event, as the store orders them. */
void hrw_store_event_stamp (const Hrwatch__V1__Event *ev, int64_t *time_us, uint64_t *tb);

/*  Holds an accepted event's encoding until the clock reaches its time. */
int hrw_store_defer (hrw_store_t *self, int64_t time_us, uint64_t tb, const void *data,
                     size_t len);

/*  1 when an event is held with an event time at or before t. */
int hrw_store_held_by (hrw_store_t *self, int64_t t);

/*  The earliest held event at or before upto: copies its encoding into buf
    (growing it) and removes it from the queue. Returns 0, or HRW_E_NOTFOUND
    when none is due. */
int hrw_store_take_due (hrw_store_t *self, int64_t upto, hrw_buf_t *buf);

/*  Sets the event-time clock (kept with the counters). */
void hrw_store_set_clock (hrw_store_t *self, int64_t clock_us);

// ---------------------------------------------------------------------------
// Tables: for modules that keep their own records in this store (alerts,
// detectors), in its transactions. Keys and values are bytes; the store
// knows nothing of what they hold.

typedef struct {
    unsigned int id;            //  The store's handle of a named table
} hrw_table_t;

typedef struct {
    const void *data;           //  Bytes in the store: read, never written
    size_t len;                 //  Their length
} hrw_bytes_t;

/*  Opens (creating) the table of that name, outside a write transaction.
    Returns 0 or an error code. */
int hrw_table_open (hrw_store_t *self, const char *name, hrw_table_t *out);

/*  The value under key as a view into the store, valid until the write
    transaction or read scope it was read in ends, or the next write. Only
    inside one of them (else EINVAL). Returns 0 or HRW_E_NOTFOUND. */
int hrw_table_get (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen,
                   hrw_bytes_t *val);

/*  A fixed-size record under key, copied to out; anywhere. Returns 0,
    HRW_E_NOTFOUND, or HRW_E_CORRUPT when the stored one is not size bytes
    (out is then left alone). */
int hrw_table_get_fixed (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen,
                         void *out, size_t size);

#define HRW_PUT_APPEND 1u       //  The key sorts after every other (faster)

/*  A number that changes whenever the table may have: at every write to it
    and whenever a write transaction is abandoned (a commit keeps what was
    read, and no one else writes the store). What was read from the table
    while it stays the same may be used again without reading; never while
    it is 0. */
uint64_t hrw_table_version (const hrw_store_t *self, hrw_table_t t);

/*  A number that changes whenever a write transaction is abandoned: what
    a module read and wrote itself (as the only writer of its tables)
    stands while it stays the same. */
uint32_t hrw_store_epoch (const hrw_store_t *self);

/*  Writes val under key, inside the write transaction (else EINVAL).
    flags: 0 or HRW_PUT_APPEND. Returns 0 or an error code. */
int hrw_table_put (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen,
                   const void *val, size_t vlen, unsigned flags);

/*  Removes key, inside the write transaction. Returns 0, HRW_E_NOTFOUND
    or an error code. */
int hrw_table_del (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen);

/*  Ordered reading: a cursor over one table. */
typedef struct hrw_cursor hrw_cursor_t;

typedef enum {
    HRW_CURSOR_FIRST,           //  The first record
    HRW_CURSOR_LAST,            //  The last record
    HRW_CURSOR_NEXT,            //  The one after (the first, on a new cursor)
    HRW_CURSOR_PREV,            //  The one before (the last, on a new cursor)
    HRW_CURSOR_SEEK             //  The first with a key at or after *key
} hrw_cursor_op_t;

/*  Opens a cursor on the table, in the write transaction or read scope
    (or, outside both, a snapshot of its own). Returns 0 or an error code. */
int hrw_cursor_open (hrw_store_t *self, hrw_table_t t, hrw_cursor_t **out);

/*  Moves the cursor and sets key and val (views, as hrw_table_get's, valid
    until the next move). Returns 0, or HRW_E_NOTFOUND past either end. */
int hrw_cursor_get (hrw_cursor_t *cur, hrw_cursor_op_t op, hrw_bytes_t *key, hrw_bytes_t *val);

/*  Removes the record the cursor is on (write transaction only). */
int hrw_cursor_del (hrw_cursor_t *cur);

/*  Closes the cursor; sets *cur_p to NULL. */
void hrw_cursor_close (hrw_cursor_t **cur_p);

/*  Calls fn for each record whose key starts with the plen bytes of prefix
    (every record when plen is 0), in key order, until fn returns non-zero,
    which is then returned.
    Returns 0 or an error code. */
int hrw_table_prefix_each (hrw_store_t *self, hrw_table_t t, const void *prefix, size_t plen,
                           int (*fn) (hrw_bytes_t key, hrw_bytes_t val, void *arg), void *arg);

/*  A read scope: the reads made until it ends (by any module, through any
    call of this store) see one snapshot. Inside the write transaction it
    is that transaction; outside, a read-only one. Scopes nest. */
typedef struct hrw_store_read hrw_store_read_t;

/*  Starts a read scope. Returns 0 and sets *out, or an error code. */
int hrw_store_read_begin (hrw_store_t *self, hrw_store_read_t **out);

/*  Ends it; sets *scope_p to NULL. */
void hrw_store_read_end (hrw_store_read_t **scope_p);

/*  Records a rejection (kept for inspection, oldest dropped beyond
    rejected_keep). */
int hrw_store_reject (hrw_store_t *self, int64_t now_us, const hrw_rejection_t *rej);

/*  Changes how many rejected events are kept. */
void hrw_store_set_rejected (hrw_store_t *self, uint32_t keep);

/*  Writes a consistent, compacted copy of the store (as of the last commit)
    into parent/name: parent is made if missing, name must not exist (EEXIST)
    and is made 0700 with data.mdb 0600 in it; links are not followed. name
    is one path component, checked by the caller. Sets *bytes to the copy's
    size. Returns 0, an errno value or an error code. */
int hrw_store_backup (hrw_store_t *self, const char *parent, const char *name, uint64_t *bytes);

/*  Counters as of the last commit (or the open transaction). */
void hrw_store_counters (hrw_store_t *self, hrw_counters_t *out);

/*  Current map size and bytes in use. */
void hrw_store_usage (hrw_store_t *self, uint64_t *map_size, uint64_t *used);

/*  A digest of every entity and event id, independent of arrival order.
    Writes 16 hex digits and a NUL to hex. */
int hrw_store_digest (hrw_store_t *self, char hex[17]);

/*  Calls fn for each kept rejection with seq > after_seq, oldest first, at
    most limit times. The view is valid only during the call. */
int hrw_store_rejected_each (hrw_store_t *self, uint64_t after_seq, uint32_t limit,
                             void (*fn) (const hrw_rejected_view_t *, void *),
                             void *arg);

typedef struct {
    const char *employee;       //  NUL-terminated
    int active;                 //  Nominated (1) or withdrawn (0)
    int readiness;              //  Hrwatch__V1__Readiness
    int64_t at_us;              //  Event time of the last change
} hrw_nomination_view_t;

/*  Calls fn for each nomination (active or not) for a position. */
int hrw_store_nominations_each (hrw_store_t *self, const char *position,
                                void (*fn) (const hrw_nomination_view_t *, void *), void *arg);

/*  Calls fn for each survey cycle with responses from a unit. */
int hrw_store_surveys_each (hrw_store_t *self, const char *unit,
                            void (*fn) (const char *cycle, const hrw_survey_info_t *, void *),
                            void *arg);

/*  Closes a survey cycle for one unit, or for every unit when unit is "",
    at at_us (inside the write transaction). Later responses for it count
    as late and are not applied. Closing a closed cycle changes nothing. */
int hrw_store_survey_close (hrw_store_t *self, const char *cycle, const char *unit,
                            int64_t at_us);

/*  A cycle's first response and close; a cycle never seen reads as open
    and empty. Returns 0 or an error code. */
int hrw_store_survey_cycle (hrw_store_t *self, const char *cycle, hrw_cycle_info_t *out);

/*  A cycle's state in a unit: closed_us is the earlier of its own close and
    the cycle's close for every unit. */
int hrw_store_survey_state (hrw_store_t *self, const char *unit, const char *cycle,
                            hrw_cycle_unit_t *out);

/*  Calls fn for each unit with responses (applied or late) in a cycle. */
int hrw_store_cycle_units_each (hrw_store_t *self, const char *cycle,
                                void (*fn) (const char *unit, void *), void *arg);

/*  Calls fn for each survey cycle known, in id order. */
int hrw_store_cycles_each (hrw_store_t *self,
                           void (*fn) (const char *cycle, const hrw_cycle_info_t *, void *),
                           void *arg);

/*  Walks of a whole table, in id order, each in one snapshot (a read
    scope of its own, or the caller's). The info is valid only during the
    call. Returns 0 or an error code. */
int hrw_store_units_each (hrw_store_t *self,
                          void (*fn) (const char *id, const hrw_unit_info_t *, void *),
                          void *arg);
int hrw_store_positions_each (hrw_store_t *self,
                              void (*fn) (const char *id, const hrw_position_info_t *, void *),
                              void *arg);
int hrw_store_employees_each (hrw_store_t *self,
                              void (*fn) (const char *id, const hrw_employee_info_t *, void *),
                              void *arg);

typedef struct {
    const char *mentor;         //  NUL-terminated
    const char *mentee;         //  NUL-terminated
    int active;                 //  Mentoring now (1) or ended (0)
    int64_t at_us;              //  Event time of the last change
} hrw_mentorship_view_t;

/*  Calls fn for each mentorship (active or not), by mentor: one scan of
    the table. The view is valid only during the call. */
int hrw_store_mentorships_each (hrw_store_t *self,
                                void (*fn) (const hrw_mentorship_view_t *, void *), void *arg);

#define HRW_CHAIN_MAX 16    //  Deepest org tree followed

/*  The unit and its ancestors, nearest first, following parents (stopping
    at a loop or HRW_CHAIN_MAX). Returns how many; 0 for "". */
size_t hrw_store_unit_chain (hrw_store_t *self, const char *unit,
                             char chain[][HRW_ID_MAX + 1]);

/*  Point reads; each returns 0, or HRW_E_NOTFOUND when nothing is known. */
int hrw_store_employee (hrw_store_t *self, const char *id, hrw_employee_info_t *out);
int hrw_store_unit (hrw_store_t *self, const char *id, hrw_unit_info_t *out);
int hrw_store_position (hrw_store_t *self, const char *id, hrw_position_info_t *out);
int hrw_store_nomination (hrw_store_t *self, const char *position, const char *employee,
                          int *active, int *readiness);
int hrw_store_mentorship (hrw_store_t *self, const char *mentor, const char *mentee,
                          int *active);
int hrw_store_survey (hrw_store_t *self, const char *unit, const char *cycle,
                      hrw_survey_info_t *out);

#endif
