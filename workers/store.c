/*  store: the LMDB environment: opening it (after checking its files),
    write transactions and their counters, growth, backups. How events
    change the state is in store_apply.c, reads of it in store_read.c, and
    the tables other modules keep here in store_table.c.

    Out-of-order events: every field an event sets is a register stamped
    with the event's time (tie broken by a hash of the event id); an event
    changes a field only when its stamp is newer than the field's. An
    employee is active when their latest hire is later than their latest
    exit. So an exit that arrives before its hire, or a backfill of last
    year, lands where it belongs in event time and nothing is lost. */
#include "workers/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *s_db_names[S_DB_COUNT] = {
    "meta", "event_ids", "employees", "units", "positions",
    "nominations", "mentorships", "surveys", "rejected", "pending",
    "survey_cycles", "survey_cycle_units", "journal", "voids"
};


// ---------------------------------------------------------------------------
// Opening, transactions, growth

//  LMDB's numbers are the store's for the two codes callers test.
_Static_assert (HRW_E_NOTFOUND == MDB_NOTFOUND, "HRW_E_NOTFOUND is MDB_NOTFOUND");
_Static_assert (HRW_E_MAP_FULL == MDB_MAP_FULL, "HRW_E_MAP_FULL is MDB_MAP_FULL");

//  The store's error codes and their words; NULL words are LMDB's own.
static const struct {
    int code;                   //  HRW_E_*
    const char *text;           //  What it says, or NULL for mdb_strerror's
} s_errors[] = {
    { HRW_E_NOTFOUND, NULL },
    { HRW_E_MAP_FULL, NULL },
    { HRW_E_SCHEMA, "store has an unknown schema version" },
    { HRW_E_CORRUPT, "store record does not decode" },
    { HRW_E_LOCKED, "store is in use by another process" },
    { HRW_E_TRUNCATED, "store file is shorter than its LMDB meta page says (truncated)" },
    { HRW_E_NO_META,
      "store file has no valid LMDB meta page (overwritten, or not an LMDB file)" },
    { HRW_E_BAD_META,
      "one of the store file's two LMDB meta pages is not valid (overwritten)" },
    { HRW_E_EMPTIED, "store file is empty, but the marker " HRW_STORE_MARKER " says a store was"
                     " created here (hrwatchd --init starts a new empty store)" },
    { HRW_E_MISSING, "store file is missing, but the marker " HRW_STORE_MARKER " says a store"
                     " was created here (hrwatchd --init starts a new empty store)" },
    { HRW_E_OVERFLOW, "store record is too large to write" },
};

const char *
hrw_store_strerror (int rc)
{
    for (size_t i = 0; i < sizeof (s_errors) / sizeof (s_errors[0]); i++)
        if (s_errors[i].code == rc && s_errors[i].text)
            return s_errors[i].text;
    //  LMDB's codes and errno values (mdb_strerror hands those to strerror).
    return mdb_strerror (rc);
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
    //  A store begun with the journal has every event in it: only there
    //  can a void derive a record anew from the events that remain.
    MDB_val jkey = hrw_store__val ("journal", 7), jval;
    MDB_val key = hrw_store__val ("schema", 6), val;
    int rc = mdb_get (txn, self->dbi[S_DB_META], &key, &val);
    if (rc == HRW_E_NOTFOUND) {
        uint32_t v = HRW_SCHEMA_VERSION;
        val = hrw_store__val (&v, sizeof (v));
        jval = hrw_store__val ("1", 1);
        rc = mdb_put (txn, self->dbi[S_DB_META], &key, &val, 0);
        if (!rc)
            rc = mdb_put (txn, self->dbi[S_DB_META], &jkey, &jval, 0);
        self->journaled = 1;
        memset (&self->counters, 0, sizeof (self->counters));
        self->counters.latest_event_us = HRW_TIME_NONE;
        self->counters.clock_us = HRW_TIME_NONE;
        self->counters.rejected_next_seq = 1;
        return rc;
    }
    if (rc)
        return rc;
    self->journaled = mdb_get (txn, self->dbi[S_DB_META], &jkey, &jval) == 0;
    uint32_t v;
    if (val.mv_size != sizeof (v))
        return HRW_E_CORRUPT;
    memcpy (&v, val.mv_data, sizeof (v));
    if (v != HRW_SCHEMA_VERSION)
        return HRW_E_SCHEMA;
    key = hrw_store__val ("counters", 8);
    rc = mdb_get (txn, self->dbi[S_DB_META], &key, &val);
    if (rc)
        return rc == HRW_E_NOTFOUND? HRW_E_CORRUPT: rc;
    //  Counters are only ever added at the end: an older store's are
    //  shorter, and what it did not count is zero.
    if (val.mv_size > sizeof (self->counters) || val.mv_size < offsetof (hrw_counters_t, voids))
        return HRW_E_CORRUPT;
    memset (&self->counters, 0, sizeof (self->counters));
    memcpy (&self->counters, val.mv_data, val.mv_size);
    return 0;
}

static int
s_save_counters (hrw_store_t *self)
{
    MDB_val key = hrw_store__val ("counters", 8);
    MDB_val val = hrw_store__val (&self->counters, sizeof (self->counters));
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
    if ((rc = mdb_env_set_maxdbs (self->env, HRW_STORE_MAX_DBS)))
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
    self->nstash = 0;           //  LMDB frees a write transaction's cursors
    if (self->wtxn)
        mdb_txn_abort (self->wtxn);
    if (self->read.txn)
        mdb_txn_abort (self->read.txn);
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

void
hrw_store_on_commit (hrw_store_t *self, int (*fn) (void *), void *arg)
{
    self->on_commit = fn;
    self->on_commit_arg = arg;
}

int
hrw_store_commit (hrw_store_t *self)
{
    int rc = self->on_commit && self->wtxn? self->on_commit (self->on_commit_arg): 0;
    if (!rc)
        rc = s_save_counters (self);
    if (rc) {
        hrw_store_abort (self);
        return rc;
    }
    self->nstash = 0;           //  LMDB frees a write transaction's cursors
    rc = mdb_txn_commit (self->wtxn);
    self->wtxn = NULL;
    if (rc) {
        hrw_store__abandoned (self);    //  Nothing of it was kept
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
    self->nstash = 0;           //  LMDB frees a write transaction's cursors
    hrw_store__abandoned (self);    //  What was read in it may be gone
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
        return HRW_E_MAP_FULL;
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

// ---------------------------------------------------------------------------
// Read scopes

//  Reads use the open write transaction when there is one (a thread may
//  hold only one), else the read scope's, else a short read-only one.
int
hrw_store__read_begin (hrw_store_t *self, MDB_txn **txn)
{
    if (self->wtxn || self->read.txn) {
        *txn = self->wtxn? self->wtxn: self->read.txn;
        return 0;
    }
    return mdb_txn_begin (self->env, NULL, MDB_RDONLY, txn);
}

void
hrw_store__read_end (hrw_store_t *self, MDB_txn *txn)
{
    if (txn != self->wtxn && txn != self->read.txn)
        mdb_txn_abort (txn);
}

int
hrw_store_read_begin (hrw_store_t *self, hrw_store_read_t **out)
{
    //  Inside the write transaction the scope is that transaction.
    if (!self->read.depth && !self->wtxn) {
        int rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &self->read.txn);
        if (rc) {
            self->read.txn = NULL;
            return rc;
        }
    }
    self->read.store = self;
    self->read.depth++;
    *out = &self->read;
    return 0;
}

void
hrw_store_read_end (hrw_store_read_t **scope_p)
{
    if (!scope_p || !*scope_p)
        return;
    hrw_store_read_t *scope = *scope_p;
    if (scope->depth && --scope->depth == 0 && scope->txn) {
        mdb_txn_abort (scope->txn);
        scope->txn = NULL;
    }
    *scope_p = NULL;
}

void
hrw_store_set_clock (hrw_store_t *self, int64_t clock_us)
{
    self->counters.clock_us = clock_us;
}

int
hrw_store_commit_part (hrw_store_t *self)
{
    if (!self->wtxn)
        return EINVAL;
    //  A cursor or read scope handed out belongs to the transaction: its
    //  holder would read freed pages after the commit.
    if (self->cursor_used || self->read.depth)
        return EBUSY;
    //  Nothing is acknowledged on this commit, so its meta page need not
    //  be flushed: the next commit's flush of its pages takes it along, and
    //  a power loss before that falls back to the meta page flushed last,
    //  whole (LMDB keeps integrity with MDB_NOMETASYNC).
    int rc = mdb_env_set_flags (self->env, MDB_NOMETASYNC, 1);
    if (rc)
        return rc;
    rc = hrw_store_commit (self);
    mdb_env_set_flags (self->env, MDB_NOMETASYNC, 0);
    return rc;
}
