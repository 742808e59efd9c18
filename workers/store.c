/*  store: LMDB environment, named databases, and how each event type
    changes them.

    Out-of-order events: every field an event sets is a register stamped
    with the event's time (tie broken by a hash of the event id); an event
    changes a field only when its stamp is newer than the field's. An
    employee is active when their latest hire is later than their latest
    exit. So an exit that arrives before its hire, or a backfill of last
    year, lands where it belongs in event time and nothing is lost. */
#include "workers/store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/rec.h"

#define S_REC_VERSION 1

typedef enum {
    S_DB_META, S_DB_EVENT_IDS, S_DB_EMPLOYEES, S_DB_UNITS, S_DB_POSITIONS,
    S_DB_NOMINATIONS, S_DB_MENTORSHIPS, S_DB_SURVEYS, S_DB_REJECTED, S_DB_PENDING,
    S_DB_CYCLES, S_DB_CYCLE_UNITS, S_DB_COUNT
} s_db_t;

static const char *s_db_names[S_DB_COUNT] = {
    "meta", "event_ids", "employees", "units", "positions",
    "nominations", "mentorships", "surveys", "rejected", "pending",
    "survey_cycles", "survey_cycle_units"
};

#define S_MAX_DBS 32    //  Ours, and room for sibling modules' own

struct hrw_store {
    MDB_env *env;                   //  The environment
    MDB_dbi dbi[S_DB_COUNT];        //  Named databases, by s_db_t
    MDB_txn *wtxn;                  //  Open write transaction, or NULL
    hrw_counters_t counters;        //  Live counters (include wtxn's changes)
    hrw_counters_t saved;           //  Counters as of the last commit
    hrw_store_opts_t opts;          //  Limits, as opened
    size_t map_size;                //  Current map size
    size_t page_size;               //  LMDB page size
    int lock_fd;                    //  Holds the store's exclusive lock
};

typedef struct {
    int64_t ts;     //  Event time, µs
    uint64_t tb;    //  Tie-break: hash of the event id
} s_stamp_t;

static const s_stamp_t s_no_stamp = { HRW_TIME_NONE, 0 };

static int
s_newer (s_stamp_t a, s_stamp_t b)
{
    return a.ts > b.ts || (a.ts == b.ts && a.tb > b.tb);
}

static void
s_put_stamp (hrw_wrec_t *w, s_stamp_t s)
{
    hrw_rec_put_i64 (w, s.ts);
    hrw_rec_put_u64 (w, s.tb);
}

static s_stamp_t
s_get_stamp (hrw_rrec_t *r)
{
    s_stamp_t s;
    s.ts = hrw_rec_get_i64 (r);
    s.tb = hrw_rec_get_u64 (r);
    return s;
}

static MDB_val
s_val (const void *p, size_t n)
{
    MDB_val v = { n, (void *) p };
    return v;
}

//  Composite key "a\0b" in buf (ids are validated to hold no NUL).
static MDB_val
s_pair_key (char *buf, size_t cap, const char *a, const char *b)
{
    //  On the path of every survey answer and nomination: no printf here.
    size_t la = strlen (a), lb = strlen (b);
    if (la + 1 + lb > cap)
        lb = la + 1 < cap? cap - la - 1: 0;
    if (la + 1 > cap)
        la = cap - 1;
    memcpy (buf, a, la);
    buf[la] = '\0';
    memcpy (buf + la + 1, b, lb);
    return s_val (buf, la + 1 + lb);
}

static void
s_copy_str (char *dst, size_t cap, hrw_str_t s)
{
    size_t n = s.n < cap - 1? s.n: cap - 1;
    memcpy (dst, s.p, n);
    dst[n] = '\0';
}

// ---------------------------------------------------------------------------
// Opening, transactions, growth

const char *
hrw_store_strerror (int rc)
{
    switch (rc) {
        case HRW_E_SCHEMA: return "store has an unknown schema version";
        case HRW_E_CORRUPT: return "store record does not decode";
        case HRW_E_LOCKED: return "store is in use by another process";
        case HRW_E_TRUNCATED:
            return "store file is shorter than its LMDB meta page says (truncated)";
        case HRW_E_NO_META:
            return "store file has no valid LMDB meta page (overwritten, or not an LMDB file)";
        case HRW_E_BAD_META:
            return "one of the store file's two LMDB meta pages is not valid (overwritten)";
        case HRW_E_EMPTIED:
            return "store file is empty, but the marker " HRW_STORE_MARKER " says a store was"
                   " created here (hrwatchd --init starts a new empty store)";
        case HRW_E_MISSING:
            return "store file is missing, but the marker " HRW_STORE_MARKER " says a store was"
                   " created here (hrwatchd --init starts a new empty store)";
        default: return mdb_strerror (rc);
    }
}

static int
s_mkdirs (const char *path)
{
    char tmp[4096];
    if (snprintf (tmp, sizeof (tmp), "%s", path) >= (int) sizeof (tmp))
        return ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir (tmp, 0750) && errno != EEXIST)
            return errno;
        *p = '/';
    }
    if (mkdir (tmp, 0750) && errno != EEXIST)
        return errno;
    return 0;
}

//  LMDB lets several processes share an environment, but this store keeps
//  its counters in memory: a second daemon on the same directory would
//  corrupt them, so one process at a time holds it.
static int
s_lock (hrw_store_t *self)
{
    char path[4096];
    if (snprintf (path, sizeof (path), "%s/hrwatchd.lock", self->opts.path) >= (int) sizeof (path))
        return ENAMETOOLONG;
    self->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0)
        return errno;
    if (flock (self->lock_fd, LOCK_EX | LOCK_NB))
        return errno == EWOULDBLOCK? HRW_E_LOCKED: errno;
    return 0;
}

int
hrw_store_damaged (int rc)
{
    return rc == HRW_E_TRUNCATED || rc == HRW_E_NO_META || rc == HRW_E_BAD_META
           || rc == HRW_E_EMPTIED || rc == HRW_E_MISSING;
}

//  LMDB 0.9's meta page (mdb.c: an MDB_page header, then an MDB_meta), as
//  offsets of the fields the check reads. The format is LMDB's on-disk
//  one (MDB_DATA_VERSION 1), stable across 0.9.x; its words are size_t
//  (pgno_t, txnid_t, pointers), so the offsets follow sizeof (size_t).
#define S_W              sizeof (size_t)
#define S_PG_PGNO        0                      //  mp_pgno: 0 or 1 here
#define S_PG_FLAGS       (S_W + 2)              //  mp_flags, after mp_pad
#define S_PG_HDR         (S_W + 8)              //  PAGEHDRSZ
#define S_MM_MAGIC       (S_PG_HDR)             //  mm_magic
#define S_MM_VERSION     (S_PG_HDR + 4)         //  mm_version
#define S_MM_DBS         (S_PG_HDR + 8 + 2 * S_W)       //  mm_dbs[2], after
                                                        //  mm_address, mm_mapsize
#define S_MM_PSIZE       (S_MM_DBS)             //  mm_dbs[FREE_DBI].md_pad
#define S_MDB_DB         (8 + 5 * S_W)          //  sizeof (MDB_db)
#define S_MM_LAST_PG     (S_MM_DBS + 2 * S_MDB_DB)      //  mm_last_pg
#define S_MM_TXNID       (S_MM_LAST_PG + S_W)   //  mm_txnid
#define S_META_END       (S_MM_TXNID + S_W)     //  Bytes read of each page
#define S_P_META         0x08                   //  P_META in mp_flags
#define S_MDB_MAGIC      0xBEEFC0DEu
#define S_MDB_VERSION    1u

typedef struct {
    uint64_t txnid;     //  Transaction that wrote it
    uint64_t last_pg;   //  Last page in use
    uint32_t psize;     //  Page size
} s_lmdb_meta_t;

static uint64_t
s_word (const uint8_t *buf, size_t off)
{
    if (S_W == 8) {
        uint64_t v;
        memcpy (&v, buf + off, 8);
        return v;
    }
    uint32_t v;
    memcpy (&v, buf + off, 4);
    return v;
}

static uint32_t
s_u32 (const uint8_t *buf, size_t off)
{
    uint32_t v;
    memcpy (&v, buf + off, 4);
    return v;
}

//  Reads the meta page numbered pgno at offset off; 1 when it is one.
static int
s_meta_read (int fd, off_t off, uint64_t pgno, s_lmdb_meta_t *out)
{
    uint8_t buf[S_META_END];
    if (pread (fd, buf, sizeof (buf), off) != (ssize_t) sizeof (buf))
        return 0;
    uint16_t flags;
    memcpy (&flags, buf + S_PG_FLAGS, 2);
    if (s_word (buf, S_PG_PGNO) != pgno || !(flags & S_P_META)
        || s_u32 (buf, S_MM_MAGIC) != S_MDB_MAGIC || s_u32 (buf, S_MM_VERSION) != S_MDB_VERSION)
        return 0;
    out->psize = s_u32 (buf, S_MM_PSIZE);
    out->last_pg = s_word (buf, S_MM_LAST_PG);
    out->txnid = s_word (buf, S_MM_TXNID);
    //  LMDB uses the OS page size, a power of two up to its MAX_PAGESIZE
    //  (32 KiB in 0.9); the two metas are pages 0 and 1, so last_pg >= 1.
    return out->psize >= 512 && out->psize <= 65536 && !(out->psize & (out->psize - 1))
           && out->last_pg >= 1;
}

//  Whether the store in opts->path may be mapped. LMDB maps data.mdb
//  whole and trusts its meta pages: a file cut short makes the first read
//  past its end a SIGBUS, and an emptied one is taken for a new store. So
//  check here, with two page reads, before LMDB sees the file. Sets
//  *fresh when there is no store yet (data.mdb missing or empty) and
//  *marked when the marker is there.
static int
s_check (const hrw_store_opts_t *opts, int init, int *fresh, int *marked)
{
    char path[4096];
    struct stat st;
    int rc = 0, fd = -1;
    *fresh = 0;
    if (snprintf (path, sizeof (path), "%s/%s", opts->path, HRW_STORE_MARKER)
        >= (int) sizeof (path))
        return ENAMETOOLONG;
    if (stat (path, &st) == 0)
        *marked = 1;
    else if (errno == ENOENT)
        *marked = 0;
    else
        return errno;
    snprintf (path, sizeof (path), "%s/%s", opts->path, HRW_STORE_FILE);
    fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            return errno;
        *fresh = 1;
        return *marked && !init? HRW_E_MISSING: 0;
    }
    if (fstat (fd, &st)) {
        rc = errno;
        goto done;
    }
    if (st.st_size == 0) {
        *fresh = 1;
        rc = *marked && !init? HRW_E_EMPTIED: 0;
        goto done;
    }
    //  Meta 1 follows meta 0 by a page; with meta 0 unreadable, guess the
    //  page size LMDB would have chosen here, the OS's.
    s_lmdb_meta_t m0, m1;
    int ok0 = s_meta_read (fd, 0, 0, &m0);
    long os_psize = sysconf (_SC_PAGESIZE);
    off_t off1 = ok0? (off_t) m0.psize: (off_t) (os_psize > 0? os_psize: 4096);
    int ok1 = s_meta_read (fd, off1, 1, &m1) && (!ok0 || m1.psize == m0.psize);
    if (!ok0 && !ok1) {
        rc = HRW_E_NO_META;
        goto done;
    }
    //  LMDB opens from the newer of the two.
    const s_lmdb_meta_t *m = ok0 && (!ok1 || m0.txnid >= m1.txnid)? &m0: &m1;
    if (m->last_pg >= (uint64_t) INT64_MAX / m->psize
        || (uint64_t) st.st_size < (m->last_pg + 1) * m->psize) {
        rc = HRW_E_TRUNCATED;
        goto done;
    }
    //  LMDB 0.9 refuses a file unless both metas are sound (MDB_INVALID);
    //  say which, in the same words as the others.
    if (!ok0 || !ok1)
        rc = HRW_E_BAD_META;
done:
    close (fd);
    return rc;
}

//  The marker: a small text file, written whole to a temporary name and
//  renamed, the file and the directory synced, so that once it is there it
//  stays, and it is there only once the store it speaks of is durable.
static int
s_write_marker (const char *dir)
{
    char path[4096], tmp[4096], text[128];
    int rc = 0, fd = -1;
    if (snprintf (path, sizeof (path), "%s/%s", dir, HRW_STORE_MARKER) >= (int) sizeof (path)
        || snprintf (tmp, sizeof (tmp), "%s/%s.tmp", dir, HRW_STORE_MARKER)
               >= (int) sizeof (tmp))
        return ENAMETOOLONG;
    time_t now = time (NULL);
    struct tm tm;
    char when[32];
    strftime (when, sizeof (when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&now, &tm));
    int len = snprintf (text, sizeof (text),
                        "hrwatch store\nschema %d\ncreated %s\n", HRW_SCHEMA_VERSION, when);
    fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    errno = 0;
    if (write (fd, text, (size_t) len) != len || fsync (fd)) {
        rc = errno? errno: EIO;
        goto fail;
    }
    if (close (fd)) {
        fd = -1;
        rc = errno;
        goto fail;
    }
    fd = -1;
    if (rename (tmp, path)) {
        rc = errno;
        goto fail;
    }
    if ((fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return errno;
    if (fsync (fd))
        rc = errno;
    close (fd);
    return rc;
fail:
    if (fd >= 0)
        close (fd);
    unlink (tmp);
    return rc;
}

static int
s_load_meta (hrw_store_t *self, MDB_txn *txn)
{
    MDB_val key = s_val ("schema", 6), val;
    int rc = mdb_get (txn, self->dbi[S_DB_META], &key, &val);
    if (rc == MDB_NOTFOUND) {
        uint32_t v = HRW_SCHEMA_VERSION;
        val = s_val (&v, sizeof (v));
        rc = mdb_put (txn, self->dbi[S_DB_META], &key, &val, 0);
        memset (&self->counters, 0, sizeof (self->counters));
        self->counters.latest_event_us = HRW_TIME_NONE;
        self->counters.clock_us = HRW_TIME_NONE;
        self->counters.rejected_next_seq = 1;
        return rc;
    }
    if (rc)
        return rc;
    uint32_t v;
    if (val.mv_size != sizeof (v))
        return HRW_E_CORRUPT;
    memcpy (&v, val.mv_data, sizeof (v));
    if (v != HRW_SCHEMA_VERSION)
        return HRW_E_SCHEMA;
    key = s_val ("counters", 8);
    rc = mdb_get (txn, self->dbi[S_DB_META], &key, &val);
    if (rc)
        return rc == MDB_NOTFOUND? HRW_E_CORRUPT: rc;
    if (val.mv_size != sizeof (self->counters))
        return HRW_E_CORRUPT;
    memcpy (&self->counters, val.mv_data, sizeof (self->counters));
    return 0;
}

static int
s_save_counters (hrw_store_t *self)
{
    MDB_val key = s_val ("counters", 8);
    MDB_val val = s_val (&self->counters, sizeof (self->counters));
    return mdb_put (self->wtxn, self->dbi[S_DB_META], &key, &val, 0);
}

static int
s_open (const hrw_store_opts_t *opts, int init, hrw_store_t **out)
{
    int fresh = 0, marked = 0;
    hrw_store_t *self = calloc (1, sizeof (*self));
    if (!self)
        return ENOMEM;
    self->opts = *opts;
    self->lock_fd = -1;
    int rc = s_mkdirs (opts->path);
    if (rc)
        goto fail;
    //  Under the lock: no other daemon changes the files while we look.
    if ((rc = s_lock (self)))
        goto fail;
    if ((rc = s_check (opts, init, &fresh, &marked)))
        goto fail;
    if ((rc = mdb_env_create (&self->env)))
        goto fail;
    if ((rc = mdb_env_set_maxdbs (self->env, S_MAX_DBS)))
        goto fail;
    if ((rc = mdb_env_set_mapsize (self->env, opts->map_size)))
        goto fail;
    unsigned flags = MDB_NOTLS | (opts->no_sync? MDB_NOSYNC: 0);
    if ((rc = mdb_env_open (self->env, opts->path, flags, 0600)))
        goto fail;
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info (self->env, &info);
    mdb_env_stat (self->env, &st);
    self->map_size = info.me_mapsize;     //  May be larger: the file's own
    self->page_size = st.ms_psize;
    if ((rc = mdb_txn_begin (self->env, NULL, 0, &self->wtxn)))
        goto fail;
    for (int i = 0; i < S_DB_COUNT; i++)
        if ((rc = mdb_dbi_open (self->wtxn, s_db_names[i], MDB_CREATE, &self->dbi[i])))
            goto fail;
    if ((rc = s_load_meta (self, self->wtxn)))
        goto fail;
    if ((rc = hrw_store_commit (self)))
        goto fail;
    //  After the first commit, so the marker never speaks of a store that
    //  is not on disk; a store from before the marker gets one now.
    if ((fresh || !marked) && (rc = s_write_marker (opts->path)))
        goto fail;
    *out = self;
    return 0;
fail:
    hrw_store_destroy (&self);
    return rc;
}

int
hrw_store_open (const hrw_store_opts_t *opts, hrw_store_t **out)
{
    return s_open (opts, 0, out);
}

int
hrw_store_init (const hrw_store_opts_t *opts, hrw_store_t **out)
{
    return s_open (opts, 1, out);
}

void
hrw_store_destroy (hrw_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_store_t *self = *self_p;
    if (self->wtxn)
        mdb_txn_abort (self->wtxn);
    if (self->env)
        mdb_env_close (self->env);
    if (self->lock_fd >= 0)
        close (self->lock_fd);
    free (self);
    *self_p = NULL;
}

int
hrw_store_begin (hrw_store_t *self)
{
    int rc = mdb_txn_begin (self->env, NULL, 0, &self->wtxn);
    if (rc)
        self->wtxn = NULL;
    self->saved = self->counters;
    return rc;
}

int
hrw_store_commit (hrw_store_t *self)
{
    int rc = s_save_counters (self);
    if (rc) {
        hrw_store_abort (self);
        return rc;
    }
    rc = mdb_txn_commit (self->wtxn);
    self->wtxn = NULL;
    if (rc) {
        self->counters = self->saved;
        return rc;
    }
    self->saved = self->counters;
    //  Grow before the map is full, so that a full map is rare and costs a
    //  retried group only when one group alone outgrows the headroom.
    uint64_t size, used;
    hrw_store_usage (self, &size, &used);
    if (used > size / 4 * 3)
        hrw_store_grow (self);
    return 0;
}

void
hrw_store_abort (hrw_store_t *self)
{
    if (self->wtxn)
        mdb_txn_abort (self->wtxn);
    self->wtxn = NULL;
    self->counters = self->saved;
}

int
hrw_store_grow (hrw_store_t *self)
{
    size_t want = self->map_size * 2;
    if (self->opts.max_map_size && want > self->opts.max_map_size)
        want = self->opts.max_map_size;
    if (want <= self->map_size)
        return MDB_MAP_FULL;
    int rc = mdb_env_set_mapsize (self->env, want);
    if (rc)
        return rc;
    self->map_size = want;
    return 0;
}

int
hrw_store_backup (hrw_store_t *self, const char *parent, const char *name, uint64_t *bytes)
{
    //  The copy holds everything the store does: its directory and file are
    //  the owner's alone from the moment they exist, and neither a link
    //  planted in the parent nor an existing copy is followed or replaced.
    int rc = s_mkdirs (parent);
    if (rc)
        return rc;
    int pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return errno;
    int dfd = -1, fd = -1;
    if (mkdirat (pfd, name, 0700)) {
        rc = errno;
        goto done;
    }
    if ((dfd = openat (pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0
        || (fd = openat (dfd, "data.mdb", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                         0600)) < 0) {
        rc = errno;
        goto done;
    }
    //  A read transaction of its own: the copy is as of the last commit,
    //  and writers carry on meanwhile.
    if ((rc = mdb_env_copyfd2 (self->env, fd, MDB_CP_COMPACT)))
        goto done;
    struct stat st;
    if (fsync (fd) || fstat (fd, &st) || fsync (dfd)) {
        rc = errno;
        goto done;
    }
    *bytes = (uint64_t) st.st_size;
done:
    if (fd >= 0)
        close (fd);
    if (dfd >= 0)
        close (dfd);
    close (pfd);
    return rc;
}

void
hrw_store_set_rejected (hrw_store_t *self, uint32_t keep)
{
    self->opts.rejected_keep = keep;
}

void
hrw_store_counters (hrw_store_t *self, hrw_counters_t *out)
{
    *out = self->counters;
}

void
hrw_store_usage (hrw_store_t *self, uint64_t *map_size, uint64_t *used)
{
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    *map_size = info.me_mapsize;
    *used = (uint64_t) (info.me_last_pgno + 1) * self->page_size;
}

//  Reads use the open write transaction when there is one (a thread may
//  hold only one), or a short read-only transaction.
static int
s_read_begin (hrw_store_t *self, MDB_txn **txn)
{
    if (self->wtxn) {
        *txn = self->wtxn;
        return 0;
    }
    return mdb_txn_begin (self->env, NULL, MDB_RDONLY, txn);
}

static void
s_read_end (hrw_store_t *self, MDB_txn *txn)
{
    if (txn != self->wtxn)
        mdb_txn_abort (txn);
}

// ---------------------------------------------------------------------------
// Employees

typedef struct {
    s_stamp_t hired, exited;            //  Latest hire and exit
    uint8_t exit_type, regretted, rif;  //  Of the latest exit
    s_stamp_t unit_at, pos_at, mgr_at, level_at;
    hrw_str_t unit, pos, mgr;
    int32_t level;
} s_employee_t;

static hrw_emp_status_t
s_emp_status (const s_employee_t *e)
{
    if (e->hired.ts == HRW_TIME_NONE)
        return e->exited.ts == HRW_TIME_NONE? HRW_EMP_UNKNOWN: HRW_EMP_EXITED;
    //  A hire and an exit at the same instant: the exit wins, whatever order
    //  they arrived in.
    if (e->exited.ts == HRW_TIME_NONE || e->hired.ts > e->exited.ts)
        return HRW_EMP_ACTIVE;
    return HRW_EMP_EXITED;
}

static int
s_emp_decode (const MDB_val *v, s_employee_t *e)
{
    hrw_rrec_t r = { v->mv_data, v->mv_size, 0, 0 };
    if (hrw_rec_get_u8 (&r) != S_REC_VERSION)
        return HRW_E_CORRUPT;
    e->hired = s_get_stamp (&r);
    e->exited = s_get_stamp (&r);
    e->exit_type = hrw_rec_get_u8 (&r);
    e->regretted = hrw_rec_get_u8 (&r);
    e->rif = hrw_rec_get_u8 (&r);
    e->unit_at = s_get_stamp (&r);
    e->unit = hrw_rec_get_str (&r);
    e->pos_at = s_get_stamp (&r);
    e->pos = hrw_rec_get_str (&r);
    e->mgr_at = s_get_stamp (&r);
    e->mgr = hrw_rec_get_str (&r);
    e->level_at = s_get_stamp (&r);
    e->level = (int32_t) hrw_rec_get_u32 (&r);
    return r.err? HRW_E_CORRUPT: 0;
}

static int
s_emp_load (MDB_txn *txn, MDB_dbi dbi, const char *id, s_employee_t *e)
{
    MDB_val key = s_val (id, strlen (id)), val;
    int rc = mdb_get (txn, dbi, &key, &val);
    if (rc == MDB_NOTFOUND) {
        memset (e, 0, sizeof (*e));
        e->hired = e->exited = e->unit_at = e->pos_at = e->mgr_at = e->level_at = s_no_stamp;
        e->unit = e->pos = e->mgr = hrw_str ("");
        return MDB_NOTFOUND;
    }
    return rc? rc: s_emp_decode (&val, e);
}

static int
s_emp_save (hrw_store_t *self, const char *id, const s_employee_t *e)
{
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, e->hired);
    s_put_stamp (&w, e->exited);
    hrw_rec_put_u8 (&w, e->exit_type);
    hrw_rec_put_u8 (&w, e->regretted);
    hrw_rec_put_u8 (&w, e->rif);
    s_put_stamp (&w, e->unit_at);
    hrw_rec_put_str (&w, e->unit);
    s_put_stamp (&w, e->pos_at);
    hrw_rec_put_str (&w, e->pos);
    s_put_stamp (&w, e->mgr_at);
    hrw_rec_put_str (&w, e->mgr);
    s_put_stamp (&w, e->level_at);
    hrw_rec_put_u32 (&w, (uint32_t) e->level);
    if (w.err)
        return HRW_E_CORRUPT;
    MDB_val key = s_val (id, strlen (id)), val = s_val (w.data, w.len);
    return mdb_put (self->wtxn, self->dbi[S_DB_EMPLOYEES], &key, &val, 0);
}

static void
s_count_status (hrw_counters_t *c, hrw_emp_status_t st, int delta)
{
    if (st == HRW_EMP_ACTIVE)
        c->employees_active += delta;
    else if (st == HRW_EMP_EXITED)
        c->employees_exited += delta;
}

//  Sets a string register when the stamp is newer; an empty value leaves
//  the register alone (the field was not given).
static void
s_set_str (s_stamp_t at, const char *value, s_stamp_t *reg_at, hrw_str_t *reg)
{
    if (value && *value && s_newer (at, *reg_at)) {
        *reg_at = at;
        *reg = hrw_str (value);
    }
}

static void
s_set_level (s_stamp_t at, int32_t level, s_employee_t *e)
{
    if (level > 0 && s_newer (at, e->level_at)) {
        e->level_at = at;
        e->level = level;
    }
}

// ---------------------------------------------------------------------------
// Positions and units

typedef struct {
    s_stamp_t def_at;           //  Last PositionDefined, or none
    hrw_str_t unit, title;
    uint8_t critical;
    s_stamp_t inc_at;           //  Last change of incumbent
    hrw_str_t incumbent;
} s_position_t;

static int
s_pos_load (MDB_txn *txn, MDB_dbi dbi, const char *id, s_position_t *p)
{
    MDB_val key = s_val (id, strlen (id)), val;
    int rc = mdb_get (txn, dbi, &key, &val);
    if (rc == MDB_NOTFOUND) {
        memset (p, 0, sizeof (*p));
        p->def_at = p->inc_at = s_no_stamp;
        p->unit = p->title = p->incumbent = hrw_str ("");
        return rc;
    }
    if (rc)
        return rc;
    hrw_rrec_t r = { val.mv_data, val.mv_size, 0, 0 };
    if (hrw_rec_get_u8 (&r) != S_REC_VERSION)
        return HRW_E_CORRUPT;
    p->def_at = s_get_stamp (&r);
    p->unit = hrw_rec_get_str (&r);
    p->title = hrw_rec_get_str (&r);
    p->critical = hrw_rec_get_u8 (&r);
    p->inc_at = s_get_stamp (&r);
    p->incumbent = hrw_rec_get_str (&r);
    return r.err? HRW_E_CORRUPT: 0;
}

static int
s_pos_save (hrw_store_t *self, const char *id, const s_position_t *p)
{
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, p->def_at);
    hrw_rec_put_str (&w, p->unit);
    hrw_rec_put_str (&w, p->title);
    hrw_rec_put_u8 (&w, p->critical);
    s_put_stamp (&w, p->inc_at);
    hrw_rec_put_str (&w, p->incumbent);
    if (w.err)
        return HRW_E_CORRUPT;
    MDB_val key = s_val (id, strlen (id)), val = s_val (w.data, w.len);
    return mdb_put (self->wtxn, self->dbi[S_DB_POSITIONS], &key, &val, 0);
}

static void
s_count_position (hrw_counters_t *c, const s_position_t *p, int delta)
{
    if (p->def_at.ts == HRW_TIME_NONE)
        return;
    c->positions += delta;
    if (p->critical)
        c->critical_positions += delta;
}

//  Hires and promotions name the position a person now holds: that makes
//  them its incumbent, unless a later event said otherwise.
static int
s_set_incumbent (hrw_store_t *self, const char *position, const char *employee, s_stamp_t at)
{
    if (!position || !*position)
        return 0;
    s_position_t p;
    int rc = s_pos_load (self->wtxn, self->dbi[S_DB_POSITIONS], position, &p);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (!s_newer (at, p.inc_at))
        return 0;
    p.inc_at = at;
    p.incumbent = hrw_str (employee);
    return s_pos_save (self, position, &p);
}

static int
s_apply_position (hrw_store_t *self, const Hrwatch__V1__PositionDefined *m, s_stamp_t at)
{
    s_position_t p;
    int rc = s_pos_load (self->wtxn, self->dbi[S_DB_POSITIONS], m->position_id, &p);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (s_newer (at, p.def_at)) {
        s_count_position (&self->counters, &p, -1);
        p.def_at = at;
        p.unit = hrw_str (m->unit_id);
        p.title = hrw_str (m->title);
        p.critical = m->critical? 1: 0;
        s_count_position (&self->counters, &p, +1);
    }
    //  The definition states the incumbent (empty: vacant) as of its time.
    if (s_newer (at, p.inc_at)) {
        p.inc_at = at;
        p.incumbent = hrw_str (m->incumbent_id);
    }
    return s_pos_save (self, m->position_id, &p);
}

static int
s_apply_unit (hrw_store_t *self, const Hrwatch__V1__OrgUnitDefined *m, s_stamp_t at)
{
    MDB_val key = s_val (m->unit_id, strlen (m->unit_id)), val;
    int rc = mdb_get (self->wtxn, self->dbi[S_DB_UNITS], &key, &val);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        if (!s_newer (at, s_get_stamp (&r)))
            return r.err? HRW_E_CORRUPT: 0;
    }
    else
        self->counters.units++;
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, at);
    hrw_rec_put_str (&w, hrw_str (m->parent_id));
    hrw_rec_put_str (&w, hrw_str (m->name));
    if (w.err)
        return HRW_E_CORRUPT;
    val = s_val (w.data, w.len);
    return mdb_put (self->wtxn, self->dbi[S_DB_UNITS], &key, &val, 0);
}

// ---------------------------------------------------------------------------
// Person events

typedef struct {
    hrw_store_t *store;
    s_employee_t emp;
    hrw_emp_status_t before;
} s_emp_change_t;

static int
s_emp_begin (hrw_store_t *self, const char *id, s_emp_change_t *c)
{
    c->store = self;
    int rc = s_emp_load (self->wtxn, self->dbi[S_DB_EMPLOYEES], id, &c->emp);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    c->before = s_emp_status (&c->emp);
    return 0;
}

static int
s_emp_end (s_emp_change_t *c, const char *id)
{
    s_count_status (&c->store->counters, c->before, -1);
    s_count_status (&c->store->counters, s_emp_status (&c->emp), +1);
    return s_emp_save (c->store, id, &c->emp);
}

static int
s_apply_hire (hrw_store_t *self, const Hrwatch__V1__Hire *m, s_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    if (s_newer (at, c.emp.hired))
        c.emp.hired = at;
    s_set_str (at, m->unit_id, &c.emp.unit_at, &c.emp.unit);
    s_set_str (at, m->position_id, &c.emp.pos_at, &c.emp.pos);
    s_set_str (at, m->manager_id, &c.emp.mgr_at, &c.emp.mgr);
    s_set_level (at, m->level, &c.emp);
    if ((rc = s_emp_end (&c, m->employee_id)))
        return rc;
    return s_set_incumbent (self, m->position_id, m->employee_id, at);
}

static int
s_apply_exit (hrw_store_t *self, const Hrwatch__V1__Exit *m, s_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    if (s_newer (at, c.emp.exited)) {
        c.emp.exited = at;
        c.emp.exit_type = (uint8_t) m->type;
        c.emp.regretted = m->regretted? 1: 0;
        c.emp.rif = m->reduction_in_force? 1: 0;
    }
    return s_emp_end (&c, m->employee_id);
}

static int
s_apply_promotion (hrw_store_t *self, const Hrwatch__V1__Promotion *m, s_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    s_set_str (at, m->new_position_id, &c.emp.pos_at, &c.emp.pos);
    s_set_level (at, m->new_level, &c.emp);
    if ((rc = s_emp_end (&c, m->employee_id)))
        return rc;
    return s_set_incumbent (self, m->new_position_id, m->employee_id, at);
}

static int
s_apply_transfer (hrw_store_t *self, const Hrwatch__V1__Transfer *m, s_stamp_t at)
{
    s_emp_change_t c;
    int rc = s_emp_begin (self, m->employee_id, &c);
    if (rc)
        return rc;
    s_set_str (at, m->new_unit_id, &c.emp.unit_at, &c.emp.unit);
    s_set_str (at, m->new_manager_id, &c.emp.mgr_at, &c.emp.mgr);
    return s_emp_end (&c, m->employee_id);
}

// ---------------------------------------------------------------------------
// Relationships: nominations and mentorships share one shape, a pair key
// with a stamped (active, detail) register.

static int
s_apply_pair (hrw_store_t *self, s_db_t db, const char *a, const char *b, s_stamp_t at,
              int active, int detail, uint64_t *counter)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val key = s_pair_key (kbuf, sizeof (kbuf), a, b), val;
    int was_active = 0;
    int rc = mdb_get (self->wtxn, self->dbi[db], &key, &val);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        s_stamp_t old = s_get_stamp (&r);
        was_active = hrw_rec_get_u8 (&r);
        if (r.err)
            return HRW_E_CORRUPT;
        if (!s_newer (at, old))
            return 0;
    }
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REC_VERSION);
    s_put_stamp (&w, at);
    hrw_rec_put_u8 (&w, (uint8_t) active);
    hrw_rec_put_u8 (&w, (uint8_t) detail);
    *counter += active - was_active;
    val = s_val (w.data, w.len);
    return mdb_put (self->wtxn, self->dbi[db], &key, &val, 0);
}

static int
s_read_pair (hrw_store_t *self, s_db_t db, const char *a, const char *b, int *active,
             int *detail)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val key = s_pair_key (kbuf, sizeof (kbuf), a, b), val;
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    rc = mdb_get (txn, self->dbi[db], &key, &val);
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        s_get_stamp (&r);
        *active = hrw_rec_get_u8 (&r);
        int d = hrw_rec_get_u8 (&r);
        if (detail)
            *detail = d;
        rc = r.err? HRW_E_CORRUPT: 0;
    }
    s_read_end (self, txn);
    return rc;
}

// ---------------------------------------------------------------------------
// Survey aggregates: histograms per (unit, cycle); nothing per respondent.

//  Reads a fixed-size record; a missing one reads as *dflt.
static int
s_get_fixed (hrw_store_t *self, MDB_txn *txn, s_db_t db, MDB_val key, void *out, size_t size,
             const void *dflt)
{
    MDB_val val;
    int rc = mdb_get (txn, self->dbi[db], &key, &val);
    if (rc == MDB_NOTFOUND) {
        memcpy (out, dflt, size);
        return 0;
    }
    if (rc)
        return rc;
    if (val.mv_size != size)
        return HRW_E_CORRUPT;
    memcpy (out, val.mv_data, size);
    return 0;
}

static const hrw_cycle_info_t s_no_cycle = { HRW_TIME_NONE, HRW_TIME_NONE };
static const hrw_cycle_unit_t s_no_cycle_unit = { HRW_TIME_NONE, 0, 0 };

static int
s_put_fixed (hrw_store_t *self, s_db_t db, MDB_val key, const void *rec, size_t size)
{
    MDB_val val = s_val (rec, size);
    return mdb_put (self->wtxn, self->dbi[db], &key, &val, 0);
}

//  A cycle is closed for a unit when it was closed for every unit or for
//  that unit alone.
static int
s_cycle_closed (const hrw_cycle_info_t *c, const hrw_cycle_unit_t *u)
{
    return c->closed_us != HRW_TIME_NONE || u->closed_us != HRW_TIME_NONE;
}

//  Notes the cycle and the unit in it; says whether the answer is late.
static int
s_survey_note (hrw_store_t *self, const Hrwatch__V1__SurveyResponse *m, int64_t t, int *late)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val ckey = s_val (m->survey_cycle_id, strlen (m->survey_cycle_id));
    MDB_val ukey = s_pair_key (kbuf, sizeof (kbuf), m->survey_cycle_id, m->unit_id);
    hrw_cycle_info_t c;
    hrw_cycle_unit_t u;
    int rc = s_get_fixed (self, self->wtxn, S_DB_CYCLES, ckey, &c, sizeof (c), &s_no_cycle);
    if (!rc)
        rc = s_get_fixed (self, self->wtxn, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u),
                          &s_no_cycle_unit);
    if (rc)
        return rc;
    *late = s_cycle_closed (&c, &u);
    if (*late)
        u.late++;
    else if (c.first_us == HRW_TIME_NONE || t < c.first_us) {
        c.first_us = t;
        rc = s_put_fixed (self, S_DB_CYCLES, ckey, &c, sizeof (c));
    }
    if (!rc)
        rc = s_put_fixed (self, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u));
    return rc;
}

static int
s_apply_close (hrw_store_t *self, const Hrwatch__V1__SurveyCycleClosed *m, int64_t t)
{
    return hrw_store_survey_close (self, m->survey_cycle_id, m->unit_id, t);
}

int
hrw_store_survey_close (hrw_store_t *self, const char *cycle, const char *unit, int64_t at_us)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val ckey = s_val (cycle, strlen (cycle));
    hrw_cycle_info_t c;
    int rc = s_get_fixed (self, self->wtxn, S_DB_CYCLES, ckey, &c, sizeof (c), &s_no_cycle);
    if (rc || c.closed_us != HRW_TIME_NONE)
        return rc;      //  Closed for all already: a second close changes nothing
    if (!*unit) {
        c.closed_us = at_us;
        return s_put_fixed (self, S_DB_CYCLES, ckey, &c, sizeof (c));
    }
    MDB_val ukey = s_pair_key (kbuf, sizeof (kbuf), cycle, unit);
    hrw_cycle_unit_t u;
    rc = s_get_fixed (self, self->wtxn, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u), &s_no_cycle_unit);
    if (rc || u.closed_us != HRW_TIME_NONE)
        return rc;
    u.closed_us = at_us;
    return s_put_fixed (self, S_DB_CYCLE_UNITS, ukey, &u, sizeof (u));
}

static int
s_apply_survey (hrw_store_t *self, const Hrwatch__V1__SurveyResponse *m, int64_t t)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    int late;
    int rc = s_survey_note (self, m, t, &late);
    if (rc || late)
        return rc;      //  A closed aggregate is final
    MDB_val key = s_pair_key (kbuf, sizeof (kbuf), m->unit_id, m->survey_cycle_id), val;
    hrw_survey_info_t agg;
    rc = mdb_get (self->wtxn, self->dbi[S_DB_SURVEYS], &key, &val);
    if (rc == MDB_NOTFOUND) {
        memset (&agg, 0, sizeof (agg));
        agg.first_us = agg.last_us = t;
    }
    else if (rc)
        return rc;
    else if (val.mv_size != sizeof (agg))
        return HRW_E_CORRUPT;
    else
        memcpy (&agg, val.mv_data, sizeof (agg));
    agg.responses++;
    agg.engagement[m->engagement - 1]++;
    if (m->enps_answer_case == HRWATCH__V1__SURVEY_RESPONSE__ENPS_ANSWER_ENPS) {
        agg.enps_responses++;
        agg.enps[m->enps]++;
    }
    if (t < agg.first_us)
        agg.first_us = t;
    if (t > agg.last_us)
        agg.last_us = t;
    self->counters.survey_responses++;
    val = s_val (&agg, sizeof (agg));
    return mdb_put (self->wtxn, self->dbi[S_DB_SURVEYS], &key, &val, 0);
}

// ---------------------------------------------------------------------------
// Applying an event

static int
s_apply_body (hrw_store_t *self, const Hrwatch__V1__Event *ev, s_stamp_t at)
{
    uint64_t *noms = &self->counters.nominations;
    uint64_t *ments = &self->counters.mentorships;
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE:
            return s_apply_hire (self, ev->hire, at);
        case HRWATCH__V1__EVENT__BODY_EXIT:
            return s_apply_exit (self, ev->exit, at);
        case HRWATCH__V1__EVENT__BODY_PROMOTION:
            return s_apply_promotion (self, ev->promotion, at);
        case HRWATCH__V1__EVENT__BODY_TRANSFER:
            return s_apply_transfer (self, ev->transfer, at);
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED:
            return s_apply_unit (self, ev->org_unit_defined, at);
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED:
            return s_apply_position (self, ev->position_defined, at);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED:
            return s_apply_pair (self, S_DB_NOMINATIONS, ev->successor_nominated->position_id,
                                 ev->successor_nominated->employee_id, at, 1,
                                 ev->successor_nominated->readiness, noms);
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN:
            return s_apply_pair (self, S_DB_NOMINATIONS, ev->successor_withdrawn->position_id,
                                 ev->successor_withdrawn->employee_id, at, 0, 0, noms);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ASSIGNED:
            return s_apply_pair (self, S_DB_MENTORSHIPS, ev->mentor_assigned->mentor_id,
                                 ev->mentor_assigned->mentee_id, at, 1, 0, ments);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ENDED:
            return s_apply_pair (self, S_DB_MENTORSHIPS, ev->mentor_ended->mentor_id,
                                 ev->mentor_ended->mentee_id, at, 0, 0, ments);
        case HRWATCH__V1__EVENT__BODY_SURVEY_RESPONSE:
            return s_apply_survey (self, ev->survey_response, at.ts);
        case HRWATCH__V1__EVENT__BODY_SURVEY_CYCLE_CLOSED:
            return s_apply_close (self, ev->survey_cycle_closed, at.ts);
        default:
            return HRW_E_CORRUPT;  //  Validation lets no other case through
    }
}

void
hrw_store_event_stamp (const Hrwatch__V1__Event *ev, int64_t *time_us, uint64_t *tb)
{
    *time_us = hrw_clock_from_parts (ev->occurred_at->seconds, ev->occurred_at->nanos);
    *tb = hrw_fnv1a (HRW_FNV_OFFSET, ev->event_id, strlen (ev->event_id));
}

int
hrw_store_accept (hrw_store_t *self, const Hrwatch__V1__Event *ev, uint64_t content_hash,
                  hrw_apply_t *result)
{
    MDB_val key = s_val (ev->event_id, strlen (ev->event_id)), val;
    int rc = mdb_get (self->wtxn, self->dbi[S_DB_EVENT_IDS], &key, &val);
    if (rc == 0) {
        uint64_t seen;
        if (val.mv_size < sizeof (seen))
            return HRW_E_CORRUPT;
        memcpy (&seen, val.mv_data, sizeof (seen));
        *result = seen == content_hash? HRW_DUPLICATE: HRW_CONFLICT;
        if (*result == HRW_DUPLICATE)
            self->counters.events_duplicate++;
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    s_stamp_t at;
    hrw_store_event_stamp (ev, &at.ts, &at.tb);
    struct { uint64_t hash; int64_t occurred; } rec = { content_hash, at.ts };
    val = s_val (&rec, sizeof (rec));
    if ((rc = mdb_put (self->wtxn, self->dbi[S_DB_EVENT_IDS], &key, &val, MDB_NOOVERWRITE)))
        return rc;
    self->counters.events_accepted++;
    if (at.ts > self->counters.latest_event_us)
        self->counters.latest_event_us = at.ts;
    *result = HRW_APPLIED;
    return 0;
}

int
hrw_store_apply (hrw_store_t *self, const Hrwatch__V1__Event *ev)
{
    s_stamp_t at;
    hrw_store_event_stamp (ev, &at.ts, &at.tb);
    return s_apply_body (self, ev, at);
}

// ---------------------------------------------------------------------------
// Events held for the clock, in event-time order

static MDB_val
s_time_key (int64_t t, uint64_t tb, uint8_t buf[16])
{
    //  Flipping the sign bit makes big-endian byte order numeric order.
    uint64_t u = (uint64_t) t ^ (1ULL << 63);
    for (int i = 7; i >= 0; i--, u >>= 8)
        buf[i] = (uint8_t) u;
    for (int i = 15; i >= 8; i--, tb >>= 8)
        buf[i] = (uint8_t) tb;
    return s_val (buf, 16);
}

int
hrw_store_defer (hrw_store_t *self, int64_t time_us, uint64_t tb, const void *data, size_t len)
{
    uint8_t kbuf[16];
    MDB_val key = s_time_key (time_us, tb, kbuf), val = s_val (data, len);
    int rc = mdb_put (self->wtxn, self->dbi[S_DB_PENDING], &key, &val, 0);
    if (rc == 0)
        self->counters.events_pending++;
    return rc;
}

int
hrw_store_take_due (hrw_store_t *self, int64_t upto, hrw_buf_t *buf)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (self->wtxn, self->dbi[S_DB_PENDING], &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    if (rc == 0) {
        uint8_t limit[16];
        s_time_key (upto, UINT64_MAX, limit);
        if (k.mv_size != 16 || memcmp (k.mv_data, limit, 16) > 0)
            rc = MDB_NOTFOUND;
    }
    if (rc == 0) {
        hrw_buf_clear (buf);
        if (hrw_buf_append (buf, v.mv_data, v.mv_size))
            rc = ENOMEM;
        else if ((rc = mdb_cursor_del (cur, 0)) == 0)
            self->counters.events_pending--;
    }
    mdb_cursor_close (cur);
    return rc;
}

void
hrw_store_set_clock (hrw_store_t *self, int64_t clock_us)
{
    self->counters.clock_us = clock_us;
}

int
hrw_store_db (hrw_store_t *self, const char *name, unsigned int *dbi)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_dbi_open (txn, name, MDB_CREATE, dbi))) {
        mdb_txn_abort (txn);
        return rc;
    }
    return mdb_txn_commit (txn);
}

void *
hrw_store_txn (hrw_store_t *self)
{
    return self->wtxn;
}

int
hrw_store_read_begin (hrw_store_t *self, void **txn)
{
    return s_read_begin (self, (MDB_txn **) txn);
}

void
hrw_store_read_end (hrw_store_t *self, void *txn)
{
    s_read_end (self, txn);
}

// ---------------------------------------------------------------------------
// Rejected events

static MDB_val
s_seq_key (uint64_t seq, uint8_t buf[8])
{
    //  Big-endian, so LMDB's byte order is numeric order.
    for (int i = 7; i >= 0; i--) {
        buf[i] = (uint8_t) seq;
        seq >>= 8;
    }
    return s_val (buf, 8);
}

static int
s_trim_rejected (hrw_store_t *self)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (self->wtxn, self->dbi[S_DB_REJECTED], &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    while (self->counters.rejected_kept > self->opts.rejected_keep
           && (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST)) == 0) {
        if ((rc = mdb_cursor_del (cur, 0)))
            break;
        self->counters.rejected_kept--;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND? 0: rc;
}

//  Rejected records: version 2 keeps what an integrator needs to fix the
//  sender and nothing the event said. Version 1 records (older stores) also
//  kept the payload; it is skipped on reading and ages out with the rest.
#define S_REJECTED_VERSION 2

int
hrw_store_reject (hrw_store_t *self, int64_t now_us, const hrw_rejection_t *rej)
{
    self->counters.events_rejected++;
    if (self->opts.rejected_keep == 0)
        return 0;
    hrw_wrec_t w;
    w.len = 0;
    w.err = 0;
    hrw_rec_put_u8 (&w, S_REJECTED_VERSION);
    hrw_rec_put_i64 (&w, now_us);
    hrw_rec_put_u8 (&w, (uint8_t) rej->reason);
    hrw_str_t id = hrw_str (rej->event_id);
    if (id.n > HRW_EVENT_ID_MAX)
        id.n = HRW_EVENT_ID_MAX;
    hrw_rec_put_str (&w, id);
    hrw_rec_put_str (&w, hrw_str (rej->event_type));
    hrw_rec_put_str (&w, hrw_str (rej->field));
    hrw_rec_put_str (&w, hrw_str (rej->message));
    if (w.err)
        return HRW_E_CORRUPT;
    uint8_t kbuf[8];
    MDB_val key = s_seq_key (self->counters.rejected_next_seq, kbuf);
    MDB_val val = s_val (w.data, w.len);
    int rc = mdb_put (self->wtxn, self->dbi[S_DB_REJECTED], &key, &val, 0);
    if (rc)
        return rc;
    self->counters.rejected_next_seq++;
    self->counters.rejected_kept++;
    return s_trim_rejected (self);
}

//  One stored rejection into view (its strings copied to the buffers).
static int
s_rejected_view (const MDB_val *k, const MDB_val *v, hrw_rejected_view_t *view,
                 char id[HRW_EVENT_ID_MAX + 1], char type[64], char field[64], char msg[256])
{
    hrw_rrec_t r = { v->mv_data, v->mv_size, 0, 0 };
    view->seq = 0;
    for (int i = 0; i < 8; i++)
        view->seq = view->seq << 8 | ((const uint8_t *) k->mv_data)[i];
    uint8_t version = hrw_rec_get_u8 (&r);
    view->received_us = hrw_rec_get_i64 (&r);
    view->reason = hrw_rec_get_u8 (&r);
    s_copy_str (id, HRW_EVENT_ID_MAX + 1, hrw_rec_get_str (&r));
    type[0] = field[0] = '\0';
    if (version == S_REJECTED_VERSION) {
        s_copy_str (type, 64, hrw_rec_get_str (&r));
        s_copy_str (field, 64, hrw_rec_get_str (&r));
    }
    s_copy_str (msg, 256, hrw_rec_get_str (&r));
    if (r.err || (version != 1 && version != S_REJECTED_VERSION))
        return HRW_E_CORRUPT;
    view->event_id = id;
    view->event_type = type;
    view->field = field;
    view->message = msg;
    return 0;
}

int
hrw_store_rejected_each (hrw_store_t *self, uint64_t after_seq, uint32_t limit,
                         void (*fn) (const hrw_rejected_view_t *, void *), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open (txn, self->dbi[S_DB_REJECTED], &cur)))
        goto done;
    uint8_t kbuf[8];
    MDB_val k = s_seq_key (after_seq + 1, kbuf), v;
    MDB_cursor_op op = MDB_SET_RANGE;
    for (uint32_t n = 0; n < limit && (rc = mdb_cursor_get (cur, &k, &v, op)) == 0; n++) {
        op = MDB_NEXT;
        hrw_rejected_view_t view;
        char id[HRW_EVENT_ID_MAX + 1], type[64], field[64], msg[256];
        if ((rc = s_rejected_view (&k, &v, &view, id, type, field, msg)))
            goto done;
        fn (&view, arg);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
done:
    if (cur)
        mdb_cursor_close (cur);
    s_read_end (self, txn);
    return rc;
}

// ---------------------------------------------------------------------------
// Digest and point reads

int
hrw_store_digest (hrw_store_t *self, char hex[17])
{
    static const s_db_t dbs[] = { S_DB_EVENT_IDS, S_DB_EMPLOYEES, S_DB_UNITS, S_DB_POSITIONS,
                                  S_DB_NOMINATIONS, S_DB_MENTORSHIPS, S_DB_SURVEYS,
                                  S_DB_CYCLES, S_DB_CYCLE_UNITS };
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    uint64_t h = HRW_FNV_OFFSET;
    for (size_t i = 0; i < sizeof (dbs) / sizeof (dbs[0]) && !rc; i++) {
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open (txn, self->dbi[dbs[i]], &cur)))
            break;
        MDB_val k, v;
        h = hrw_fnv1a (h, &i, sizeof (i));
        while ((rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) == 0) {
            uint64_t lens[2] = { k.mv_size, v.mv_size };
            h = hrw_fnv1a (h, lens, sizeof (lens));
            h = hrw_fnv1a (h, k.mv_data, k.mv_size);
            h = hrw_fnv1a (h, v.mv_data, v.mv_size);
        }
        mdb_cursor_close (cur);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    s_read_end (self, txn);
    snprintf (hex, 17, "%016llx", (unsigned long long) h);
    return rc;
}

int
hrw_store_employee (hrw_store_t *self, const char *id, hrw_employee_info_t *out)
{
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    s_employee_t e;
    rc = s_emp_load (txn, self->dbi[S_DB_EMPLOYEES], id, &e);
    if (rc == 0) {
        out->status = s_emp_status (&e);
        s_copy_str (out->unit, sizeof (out->unit), e.unit);
        out->unit_at_us = e.unit_at.ts;
        s_copy_str (out->position, sizeof (out->position), e.pos);
        out->position_at_us = e.pos_at.ts;
        s_copy_str (out->manager, sizeof (out->manager), e.mgr);
        out->level = e.level;
        out->hired_us = e.hired.ts;
        out->exited_us = e.exited.ts;
        out->exit_type = e.exit_type;
        out->regretted = e.regretted;
        out->reduction_in_force = e.rif;
    }
    s_read_end (self, txn);
    return rc;
}

int
hrw_store_unit (hrw_store_t *self, const char *id, hrw_unit_info_t *out)
{
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    MDB_val key = s_val (id, strlen (id)), val;
    rc = mdb_get (txn, self->dbi[S_DB_UNITS], &key, &val);
    if (rc == 0) {
        hrw_rrec_t r = { val.mv_data, val.mv_size, 1, 0 };
        out->defined = s_get_stamp (&r).ts != HRW_TIME_NONE;
        s_copy_str (out->parent, sizeof (out->parent), hrw_rec_get_str (&r));
        s_copy_str (out->name, sizeof (out->name), hrw_rec_get_str (&r));
        rc = r.err? HRW_E_CORRUPT: 0;
    }
    s_read_end (self, txn);
    return rc;
}

int
hrw_store_position (hrw_store_t *self, const char *id, hrw_position_info_t *out)
{
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    s_position_t p;
    rc = s_pos_load (txn, self->dbi[S_DB_POSITIONS], id, &p);
    if (rc == 0) {
        out->defined = p.def_at.ts != HRW_TIME_NONE;
        s_copy_str (out->unit, sizeof (out->unit), p.unit);
        s_copy_str (out->title, sizeof (out->title), p.title);
        out->critical = p.critical;
        s_copy_str (out->incumbent, sizeof (out->incumbent), p.incumbent);
        out->incumbent_at_us = p.inc_at.ts;
    }
    s_read_end (self, txn);
    return rc;
}

int
hrw_store_nomination (hrw_store_t *self, const char *position, const char *employee,
                      int *active, int *readiness)
{
    return s_read_pair (self, S_DB_NOMINATIONS, position, employee, active, readiness);
}

int
hrw_store_mentorship (hrw_store_t *self, const char *mentor, const char *mentee, int *active)
{
    return s_read_pair (self, S_DB_MENTORSHIPS, mentor, mentee, active, NULL);
}

int
hrw_store_survey (hrw_store_t *self, const char *unit, const char *cycle,
                  hrw_survey_info_t *out)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_val key = s_pair_key (kbuf, sizeof (kbuf), unit, cycle), val;
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    rc = mdb_get (txn, self->dbi[S_DB_SURVEYS], &key, &val);
    if (rc == 0) {
        if (val.mv_size == sizeof (*out))
            memcpy (out, val.mv_data, sizeof (*out));
        else
            rc = HRW_E_CORRUPT;
    }
    s_read_end (self, txn);
    return rc;
}

//  Walks the keys "prefix\0..." of a pair-keyed database, handing fn the
//  part after the NUL and the value.
static int
s_pair_each (hrw_store_t *self, s_db_t db, const char *prefix,
             void (*fn) (const char *second, const MDB_val *v, void *), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open (txn, self->dbi[db], &cur))) {
        s_read_end (self, txn);
        return rc;
    }
    size_t plen = strlen (prefix) + 1;   //  With its NUL
    MDB_val k = s_val (prefix, plen), v;
    MDB_cursor_op op = MDB_SET_RANGE;
    while ((rc = mdb_cursor_get (cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size <= plen || memcmp (k.mv_data, prefix, plen))
            break;
        char second[HRW_ID_MAX + 1];
        size_t n = k.mv_size - plen < HRW_ID_MAX? k.mv_size - plen: HRW_ID_MAX;
        memcpy (second, (const char *) k.mv_data + plen, n);
        second[n] = '\0';
        fn (second, &v, arg);
    }
    mdb_cursor_close (cur);
    s_read_end (self, txn);
    return rc == MDB_NOTFOUND? 0: rc;
}

typedef struct {
    void (*fn) (const hrw_nomination_view_t *, void *);
    void *arg;
} s_nom_ctx_t;

static void
s_nom_each (const char *employee, const MDB_val *v, void *arg)
{
    s_nom_ctx_t *c = arg;
    hrw_rrec_t r = { v->mv_data, v->mv_size, 1, 0 };
    hrw_nomination_view_t view;
    view.employee = employee;
    view.at_us = s_get_stamp (&r).ts;
    view.active = hrw_rec_get_u8 (&r);
    view.readiness = hrw_rec_get_u8 (&r);
    if (!r.err)
        c->fn (&view, c->arg);
}

int
hrw_store_nominations_each (hrw_store_t *self, const char *position,
                            void (*fn) (const hrw_nomination_view_t *, void *), void *arg)
{
    s_nom_ctx_t c = { fn, arg };
    return s_pair_each (self, S_DB_NOMINATIONS, position, s_nom_each, &c);
}

typedef struct {
    void (*fn) (const char *, const hrw_survey_info_t *, void *);
    void *arg;
} s_survey_ctx_t;

static void
s_survey_each (const char *cycle, const MDB_val *v, void *arg)
{
    s_survey_ctx_t *c = arg;
    hrw_survey_info_t info;
    if (v->mv_size != sizeof (info))
        return;
    memcpy (&info, v->mv_data, sizeof (info));
    c->fn (cycle, &info, c->arg);
}

int
hrw_store_surveys_each (hrw_store_t *self, const char *unit,
                        void (*fn) (const char *, const hrw_survey_info_t *, void *), void *arg)
{
    s_survey_ctx_t c = { fn, arg };
    return s_pair_each (self, S_DB_SURVEYS, unit, s_survey_each, &c);
}

size_t
hrw_store_unit_chain (hrw_store_t *self, const char *unit, char chain[][HRW_ID_MAX + 1])
{
    size_t n = 0;
    if (!unit || !*unit)
        return 0;
    s_copy_str (chain[n++], HRW_ID_MAX + 1, hrw_str (unit));
    while (n < HRW_CHAIN_MAX) {
        hrw_unit_info_t u;
        if (hrw_store_unit (self, chain[n - 1], &u) || !*u.parent)
            break;
        //  A parent loop (units redefined into a cycle) ends the walk.
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen |= !strcmp (chain[i], u.parent);
        if (seen)
            break;
        s_copy_str (chain[n++], HRW_ID_MAX + 1, hrw_str (u.parent));
    }
    return n;
}

int
hrw_store_survey_cycle (hrw_store_t *self, const char *cycle, hrw_cycle_info_t *out)
{
    MDB_txn *txn;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    rc = s_get_fixed (self, txn, S_DB_CYCLES, s_val (cycle, strlen (cycle)), out, sizeof (*out),
                      &s_no_cycle);
    s_read_end (self, txn);
    return rc;
}

int
hrw_store_survey_state (hrw_store_t *self, const char *unit, const char *cycle,
                        hrw_cycle_unit_t *out)
{
    char kbuf[2 * HRW_ID_MAX + 2];
    MDB_txn *txn;
    hrw_cycle_info_t c;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    rc = s_get_fixed (self, txn, S_DB_CYCLES, s_val (cycle, strlen (cycle)), &c, sizeof (c),
                      &s_no_cycle);
    if (!rc)
        rc = s_get_fixed (self, txn, S_DB_CYCLE_UNITS,
                          s_pair_key (kbuf, sizeof (kbuf), cycle, unit), out, sizeof (*out),
                          &s_no_cycle_unit);
    //  The earlier of the two closes is when the aggregate became final.
    if (!rc && c.closed_us != HRW_TIME_NONE
        && (out->closed_us == HRW_TIME_NONE || c.closed_us < out->closed_us))
        out->closed_us = c.closed_us;
    s_read_end (self, txn);
    return rc;
}

typedef struct {
    void (*fn) (const char *, void *);
    void *arg;
} s_unit_ctx_t;

static void
s_cycle_unit_each (const char *unit, const MDB_val *v, void *arg)
{
    s_unit_ctx_t *c = arg;
    (void) v;
    c->fn (unit, c->arg);
}

int
hrw_store_cycle_units_each (hrw_store_t *self, const char *cycle,
                            void (*fn) (const char *unit, void *), void *arg)
{
    s_unit_ctx_t c = { fn, arg };
    return s_pair_each (self, S_DB_CYCLE_UNITS, cycle, s_cycle_unit_each, &c);
}

int
hrw_store_cycles_each (hrw_store_t *self,
                       void (*fn) (const char *cycle, const hrw_cycle_info_t *, void *),
                       void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = s_read_begin (self, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open (txn, self->dbi[S_DB_CYCLES], &cur))) {
        s_read_end (self, txn);
        return rc;
    }
    MDB_val k, v;
    while ((rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) == 0) {
        hrw_cycle_info_t info;
        char cycle[HRW_ID_MAX + 1];
        if (v.mv_size != sizeof (info) || k.mv_size > HRW_ID_MAX)
            continue;
        memcpy (&info, v.mv_data, sizeof (info));
        memcpy (cycle, k.mv_data, k.mv_size);
        cycle[k.mv_size] = '\0';
        fn (cycle, &info, arg);
    }
    mdb_cursor_close (cur);
    s_read_end (self, txn);
    return rc == MDB_NOTFOUND? 0: rc;
}
