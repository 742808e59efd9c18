/*  store_int: what the store's files share (store.c: environment and
    transactions; store_table.c: tables, cursors and read scopes for other
    modules; store_apply.c: how events change the state; store_read.c:
    reads of it). Private to workers/store*.c, the only files that know
    LMDB. */
#ifndef HRW_STORE_INT_H
#define HRW_STORE_INT_H

#include <lmdb.h>

#include "lib/clock.h"
#include "lib/keys.h"
#include "lib/rec.h"
#include "workers/store.h"

#define S_REC_VERSION 1

//  Rejected records: version 2 keeps what an integrator needs to fix the
//  sender and nothing the event said. Version 1 records (older stores) also
//  kept the payload; it is skipped on reading and ages out with the rest.
#define S_REJECTED_VERSION 2

//  The store's own named databases.
typedef enum {
    S_DB_META, S_DB_EVENT_IDS, S_DB_EMPLOYEES, S_DB_UNITS, S_DB_POSITIONS,
    S_DB_NOMINATIONS, S_DB_MENTORSHIPS, S_DB_SURVEYS, S_DB_REJECTED, S_DB_PENDING,
    S_DB_CYCLES, S_DB_CYCLE_UNITS, S_DB_JOURNAL, S_DB_VOIDS, S_DB_COUNT
} hrw_store_db_t;

//  A read scope: the store has one, and nested scopes share it.
struct hrw_store_read {
    hrw_store_t *store;             //  Whose scope
    MDB_txn *txn;                   //  Its read-only transaction, or NULL
                                    //  while it borrows the write one
    unsigned depth;                 //  Scopes begun and not ended
};

#define HRW_CURSOR_POOL 16          //  Cursors open at once without an allocation

struct hrw_cursor {
    MDB_cursor *cur;                //  LMDB's cursor
    MDB_txn *own;                   //  Its own read-only transaction, or NULL
    hrw_store_t *store;             //  Whose pool it is in, or NULL (allocated)
    hrw_store_t *home;              //  Whose table it walks
    MDB_dbi dbi;                    //  Its table
    int placed;                     //  Positioned since it was opened
};

//  LMDB allocates a cursor at every mdb_cursor_open and, in a write
//  transaction, frees it only when the transaction ends; a unit's series
//  is read several times for each event, so a closed write cursor is kept
//  for the next open of its table until then.
#define HRW_WCUR_STASH 8

//  Named tables: ours, and room for sibling modules' own (the detectors keep
//  many). LMDB numbers them after its own two, so every handle is below
//  HRW_TABLES_MAX.
#define HRW_STORE_MAX_DBS 64
#define HRW_TABLES_MAX (HRW_STORE_MAX_DBS + 2)
#define HRW_CHAIN_SLOTS 1024        //  Unit chains kept, by a hash of the unit
#define HRW_EMP_SLOTS 16            //  Employees kept, by a hash of the id

typedef struct {
    uint64_t version;               //  The units table's, when walked; 0: empty
    size_t n;
    char chain[HRW_CHAIN_MAX][HRW_ID_MAX + 1];
} hrw_chain_slot_t;

typedef struct {
    uint64_t version;               //  The employees table's, when read; 0: empty
    int rc;                         //  0, or HRW_E_NOTFOUND
    char id[HRW_ID_MAX + 1];
    hrw_employee_info_t info;
} hrw_emp_slot_t;

typedef struct {
    MDB_dbi dbi;
    MDB_cursor *cur;
} hrw_wcur_t;

struct hrw_store {
    //  Cursors are opened several times for each event (a unit's series
    //  is read at three or four times); they come from here, not malloc.
    struct hrw_cursor cursor_pool[HRW_CURSOR_POOL];
    uint32_t cursor_used;           //  Bit i: cursor_pool[i] is handed out
    hrw_wcur_t wstash[HRW_WCUR_STASH];  //  Closed cursors of wtxn, to reuse
    uint64_t table_writes[HRW_TABLES_MAX];  //  Changes to each table, by dbi
                                    //  (a write, or a transaction abandoned)
    uint32_t txn_epoch;             //  Write transactions abandoned
    int (*on_commit) (void *);      //  Called first at each commit
    void *on_commit_arg;
    //  Unit chains walked lately: every person event walks its unit's chain
    //  for each family, a lookup per level each time. An entry stands while
    //  the units table's version does.
    hrw_chain_slot_t chains[HRW_CHAIN_SLOTS];
    //  Employees read lately: each family reads the person an event is
    //  about after it is applied. An entry stands while the employees
    //  table's version does.
    hrw_emp_slot_t emps[HRW_EMP_SLOTS];
    int nstash;                     //  How many; 0 whenever wtxn ends
    MDB_env *env;                   //  The environment
    MDB_dbi dbi[S_DB_COUNT];        //  Named databases, by hrw_store_db_t
    MDB_txn *wtxn;                  //  Open write transaction, or NULL
    struct hrw_store_read read;     //  The read scope, when one is open
    hrw_counters_t counters;        //  Live counters (include wtxn's changes)
    hrw_counters_t saved;           //  Counters as of the last commit
    hrw_store_opts_t opts;          //  Limits, as opened
    size_t map_size;                //  Current map size
    size_t page_size;               //  LMDB page size
    int lock_fd;                    //  Holds the store's exclusive lock
    int journaled;                  //  Every applied event is in the journal (a
                                    //  store made before it was kept is not)
};

//  A write to a table: what was read from it may have changed.
static inline void
hrw_store__wrote (hrw_store_t *self, unsigned dbi)
{
    if (dbi < HRW_TABLES_MAX)
        self->table_writes[dbi]++;
}

//  A write transaction abandoned: whatever was read of any table may be
//  gone.
static inline void
hrw_store__abandoned (hrw_store_t *self)
{
    self->txn_epoch++;
    for (size_t i = 0; i < HRW_TABLES_MAX; i++)
        self->table_writes[i]++;
}

//  When a register was last set: event time, tie broken by a hash of the
//  event id.
typedef struct {
    int64_t ts;     //  Event time, µs
    uint64_t tb;    //  Tie-break: hash of the event id
} hrw_stamp_t;

static inline MDB_val
hrw_store__val (const void *p, size_t n)
{
    MDB_val v = { n, (void *) p };
    return v;
}

static inline hrw_stamp_t
hrw_stamp_get (hrw_rrec_t *r)
{
    hrw_stamp_t s;
    s.ts = hrw_rec_get_i64 (r);
    s.tb = hrw_rec_get_u64 (r);
    return s;
}

//  The key "a\0b" in buf (see hrw_key_pair).
static inline MDB_val
hrw_store__pair_key (char *buf, size_t cap, const char *a, const char *b)
{
    return hrw_store__val (buf, hrw_key_pair (buf, cap, a, b));
}

/*  The transaction reads go into: the write one, the read scope's, or a
    short read-only one of their own, which hrw_store__read_end ends. */
int hrw_store__read_begin (hrw_store_t *self, MDB_txn **txn);
void hrw_store__read_end (hrw_store_t *self, MDB_txn *txn);

// ---------------------------------------------------------------------------
// Records shared by applying and reading (store_apply.c)

typedef struct {
    hrw_stamp_t hired, exited;          //  Latest hire and exit
    uint8_t exit_type, regretted, rif;  //  Of the latest exit
    hrw_stamp_t unit_at, pos_at, mgr_at, level_at;
    hrw_str_t unit, pos, mgr;
    int32_t level;
} hrw_emp_rec_t;

typedef struct {
    hrw_stamp_t def_at;         //  Last PositionDefined, or none
    hrw_str_t unit, title;
    uint8_t critical;
    hrw_stamp_t inc_at;         //  Last change of incumbent
    hrw_str_t incumbent;
} hrw_pos_rec_t;

hrw_emp_status_t hrw_store__emp_status (const hrw_emp_rec_t *e);

/*  An employee's or position's record (strings are views into txn's
    pages); a missing one reads as empty, with HRW_E_NOTFOUND. */
int hrw_store__emp_load (MDB_txn *txn, MDB_dbi dbi, const char *id, hrw_emp_rec_t *e);
int hrw_store__pos_load (MDB_txn *txn, MDB_dbi dbi, const char *id, hrw_pos_rec_t *p);

/*  Reads a fixed-size record; a missing one reads as *dflt. */
int hrw_store__get_fixed (hrw_store_t *self, MDB_txn *txn, hrw_store_db_t db, MDB_val key,
                          void *out, size_t size, const void *dflt);

extern const hrw_cycle_info_t hrw_store__no_cycle;         //  A cycle never seen
extern const hrw_cycle_unit_t hrw_store__no_cycle_unit;    //  ... in a unit

#endif
