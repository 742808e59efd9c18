/*  detect_series: the time-indexed series ("id\0time" -> a fixed-size
    record of cumulative figures) behind the turnover, early-tenure and
    manager families, and what is known of them in memory.

    An exit judges every unit above the leaver, each at the clock, at the
    start of its window and of its baseline, and at where its CUSUMs were
    last brought up to: a dozen seeks per unit, and a write to each unit's
    series and the company's. The times asked move forward with the clock
    and each answer holds for a span of time (from a point to the next),
    so the spans read lately are kept per series; a write at t changes the
    span that holds t and no other. Writes wait in their series' slot
    until the slot is needed for another, the series is read from the
    store, or the transaction commits (the store calls
    hrw_detect__series_flush first): a day's events in one group write the
    company's point for that day once, not once each.

    What is kept stands while the store's epoch does (it moves when a
    write transaction is abandoned, and writes waiting are dropped with
    it); this module is the only writer of these tables' series keys. */
#include "workers/detect_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/keys.h"

#define S_SLOTS 4096        //  Series kept, by a hash of table and id
#define S_SPANS 8           //  Spans kept per series (the times an exit asks)
#define S_PEND 4            //  Writes waiting per series
#define S_REC 48            //  Largest record kept

typedef struct {
    int64_t at;                 //  The point's time, HRW_TIME_NONE: before the first
    int64_t next;               //  The next point's time, INT64_MAX: none (the head)
    uint64_t used;              //  When last asked; 0: unused
    uint8_t rec[S_REC];         //  The point's record (zeroes before the first)
} s_span_t;

typedef struct {
    uint32_t epoch;             //  The store's epoch when filled
    unsigned table;             //  Which table; UINT32_MAX: empty
    size_t size;                //  Its records' size
    char id[HRW_ID_MAX + 1];    //  Whose series
    s_span_t span[S_SPANS];
    unsigned npend;             //  Writes waiting
    int listed;                 //  In the cache's list of slots with writes waiting
    struct {
        int64_t t;
        uint8_t rec[S_REC];
    } pend[S_PEND];
} s_slot_t;

struct hrw_series_cache {
    uint64_t tick;              //  Asks so far
    size_t nwaiting;            //  Slots with writes waiting (some perhaps no longer)
    uint32_t waiting[S_SLOTS];
    s_slot_t slot[S_SLOTS];
};

hrw_series_cache_t *
hrw_series_cache_new (void)
{
    hrw_series_cache_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    for (size_t i = 0; i < S_SLOTS; i++)
        self->slot[i].table = UINT32_MAX;
    return self;
}

void
hrw_series_cache_destroy (hrw_series_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

size_t
hrw_detect__series_key (const char *id, int64_t t, uint8_t buf[HRW_ID_MAX + 9])
{
    //  Ids are validated where they enter; the bound keeps a missed one
    //  from writing past buf.
    size_t n = strnlen (id, HRW_ID_MAX);
    memcpy (buf, id, n);
    buf[n] = '\0';
    hrw_key_put_time (buf + n + 1, t);
    return n + 9;
}

//  Writes a slot's waiting points to the store.
static int
s_flush (hrw_detect_t *self, s_slot_t *s)
{
    int rc = 0;
    uint32_t epoch = hrw_store_epoch (self->store);
    for (unsigned i = 0; !rc && s->epoch == epoch && i < s->npend; i++) {
        uint8_t kb[HRW_ID_MAX + 9];
        size_t klen = hrw_detect__series_key (s->id, s->pend[i].t, kb);
        rc = hrw_table_put (self->store, (hrw_table_t) { s->table }, kb, klen, s->pend[i].rec,
                            s->size, 0);
    }
    s->npend = 0;       //  Written, or dropped with an abandoned transaction
    return rc;
}

int
hrw_detect__series_flush (hrw_detect_t *self)
{
    hrw_series_cache_t *c = self->series;
    int rc = 0;
    for (size_t i = 0; i < c->nwaiting; i++) {
        s_slot_t *s = &c->slot[c->waiting[i]];
        int r = s_flush (self, s);
        s->listed = 0;
        rc = rc? rc: r;
    }
    c->nwaiting = 0;
    return rc;
}

//  The slot that keeps id's series of table into *out, emptied first when
//  it kept another (its waiting writes written) or an earlier epoch's;
//  NULL when records of size are not kept. Returns 0 or an error code.
static int
s_slot (hrw_detect_t *self, hrw_table_t table, const char *id, size_t size, s_slot_t **out)
{
    size_t len = strnlen (id, HRW_ID_MAX + 1);
    *out = NULL;
    if (size > S_REC || len > HRW_ID_MAX)
        return 0;
    uint64_t h = hrw_fnv1a (HRW_FNV_OFFSET, &table.id, sizeof (table.id));
    s_slot_t *s = &self->series->slot[hrw_fnv1a (h, id, len) % S_SLOTS];
    uint32_t epoch = hrw_store_epoch (self->store);
    if (s->table != table.id || s->epoch != epoch || s->size != size || memcmp (s->id, id, len + 1)) {
        int rc = s_flush (self, s);
        if (rc)
            return rc;
        memset (s->span, 0, sizeof (s->span));
        s->table = table.id;
        s->epoch = epoch;
        s->size = size;
        memcpy (s->id, id, len + 1);
    }
    *out = s;
    return 0;
}

static s_span_t *
s_span_find (s_slot_t *s, int64_t t)
{
    for (int i = 0; i < S_SPANS; i++)
        if (s->span[i].used && s->span[i].at <= t && t < s->span[i].next)
            return &s->span[i];
    return NULL;
}

static void
s_span_keep (hrw_detect_t *self, s_slot_t *s, int64_t at, int64_t next, const void *rec)
{
    s_span_t *lru = &s->span[0];
    for (int i = 1; i < S_SPANS; i++)
        if (s->span[i].used < lru->used)
            lru = &s->span[i];
    lru->at = at;
    lru->next = next;
    lru->used = ++self->series->tick;
    memcpy (lru->rec, rec, s->size);
}

//  The last point at or before t from the store, and when the next one
//  is (INT64_MAX: none). *known is 0 when the answer holds for t alone
//  or not at all (a record of another shape was met).
static int
s_seek (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t, void *out,
        size_t size, int64_t *at, int64_t *next, int *known)
{
    memset (out, 0, size);
    *at = HRW_TIME_NONE;
    *next = INT64_MAX;
    *known = 1;
    uint8_t kb[HRW_ID_MAX + 9], want[HRW_ID_MAX + 9];
    hrw_bytes_t k = { kb, hrw_detect__series_key (id, t == INT64_MAX? t: t + 1, kb) }, v;
    size_t wlen = hrw_detect__series_key (id, t, want), plen = wlen - 8;
    hrw_cursor_t *cur;
    int rc = hrw_cursor_open (self->store, table, &cur);
    if (rc)
        return rc;
    //  The first key after t, then the one before it: the last at or
    //  before t, if it is this id's.
    rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v);
    if (rc == 0 && k.len >= plen && !memcmp (k.data, want, plen)) {
        if (k.len == wlen)
            *next = hrw_key_get_time ((const uint8_t *) k.data + plen);
        else
            *known = 0;
    }
    rc = hrw_cursor_get (cur, rc == 0? HRW_CURSOR_PREV: HRW_CURSOR_LAST, &k, &v);
    if (rc == 0 && k.len >= plen && !memcmp (k.data, want, plen)) {
        if (k.len == wlen && v.len == size) {
            memcpy (out, v.data, size);
            *at = hrw_key_get_time ((const uint8_t *) k.data + plen);
        }
        else
            *known = 0;
    }
    hrw_cursor_close (&cur);
    return rc == HRW_E_NOTFOUND? 0: rc;
}

int
hrw_detect__series_at (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t,
                       void *out, size_t size, int64_t *at)
{
    s_slot_t *s;
    int rc = s_slot (self, table, id, size, &s);
    if (rc)
        return rc;
    s_span_t *sp = s? s_span_find (s, t): NULL;
    if (sp) {
        sp->used = ++self->series->tick;
        memcpy (out, sp->rec, size);
        *at = sp->at;
        return 0;
    }
    int64_t next;
    int known;
    rc = s_seek (self, table, id, t, out, size, at, &next, &known);
    if (rc || !s)
        return rc;
    if (!known) {
        //  A record of another shape met (not one of these series'): the
        //  store alone answers, as it is, and nothing is kept.
        if ((rc = s_flush (self, s)))
            return rc;
        return s_seek (self, table, id, t, out, size, at, &next, &known);
    }
    //  The store's answer, then the writes waiting: one at or before t and
    //  after the store's point is the point; one after t may end the span.
    for (unsigned i = 0; i < s->npend; i++) {
        int64_t p = s->pend[i].t;
        if (p <= t && (*at == HRW_TIME_NONE || p >= *at)) {
            *at = p;
            memcpy (out, s->pend[i].rec, size);
        }
        else if (p > t && p < next)
            next = p;
    }
    s_span_keep (self, s, *at, next, out);
    return 0;
}

//  The spans a new point at t changes: the one holding t ends there, or
//  takes the point when it is the last (the span before stays known).
static void
s_spans_put (hrw_detect_t *self, s_slot_t *s, int64_t t, const void *val)
{
    s_span_t *sp = s_span_find (s, t);
    if (!sp)
        return;         //  No span known holds t: none changes
    if (sp->at == t)
        memcpy (sp->rec, val, s->size);
    else if (sp->next == INT64_MAX) {
        sp->next = t;
        sp->used = ++self->series->tick;
        s_span_keep (self, s, t, INT64_MAX, val);
    }
    else
        sp->next = t;
}

int
hrw_detect__series_put (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t,
                        const void *val, size_t size)
{
    s_slot_t *s;
    int rc = s_slot (self, table, id, size, &s);
    if (rc)
        return rc;
    if (!s) {
        uint8_t kb[HRW_ID_MAX + 9];
        size_t klen = hrw_detect__series_key (id, t, kb);
        return hrw_table_put (self->store, table, kb, klen, val, size, 0);
    }
    unsigned i = 0;
    while (i < s->npend && s->pend[i].t != t)
        i++;
    if (i == S_PEND) {
        if ((rc = s_flush (self, s)))
            return rc;
        i = 0;
    }
    if (i == s->npend) {
        s->pend[i].t = t;
        s->npend++;
    }
    memcpy (s->pend[i].rec, val, size);
    if (!s->listed) {
        hrw_series_cache_t *c = self->series;
        c->waiting[c->nwaiting++] = (uint32_t) (s - c->slot);
        s->listed = 1;
    }
    s_spans_put (self, s, t, val);
    return 0;
}

typedef struct {
    size_t plen;                //  Length of "id\0"
    size_t size;                //  Record size
    hrw_buf_t points;           //  time, record; time, record; ...
} s_fix_t;

static int
s_fix_collect (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_fix_t *f = arg;
    if (k.len != f->plen + 8 || v.len != f->size)
        return 1;
    int64_t at = hrw_key_get_time ((const uint8_t *) k.data + f->plen);
    hrw_buf_append (&f->points, &at, sizeof (at));
    hrw_buf_append (&f->points, v.data, v.len);
    return 0;
}

int
hrw_detect__series_fix (hrw_detect_t *self, hrw_table_t table, const char *id, int64_t t,
                        size_t size, void (*carry) (void *, int64_t),
                        void (*fix) (void *, int64_t, const void *), const void *arg)
{
    uint8_t rec[256];
    int64_t at;
    if (size > sizeof (rec))
        return EINVAL;
    //  The later points are walked in the store: every write in it first.
    int rc = hrw_detect__series_flush (self);
    if (!rc)
        rc = hrw_detect__series_at (self, table, id, t, rec, size, &at);
    if (rc)
        return rc;
    if (at != t) {
        if (at != HRW_TIME_NONE && carry)
            carry (rec, t - at);
        if ((rc = hrw_detect__series_put (self, table, id, t, rec, size))
            || (rc = hrw_detect__series_flush (self)))
            return rc;
    }
    //  Collected first: the points are rewritten as they are walked.
    uint8_t kb[HRW_ID_MAX + 9];
    s_fix_t f = { hrw_detect__series_key (id, t, kb) - 8, size, { 0 } };
    hrw_cursor_t *cur;
    if ((rc = hrw_cursor_open (self->store, table, &cur)))
        return rc;
    hrw_bytes_t k = { kb, f.plen + 8 }, v;
    for (rc = hrw_cursor_get (cur, HRW_CURSOR_SEEK, &k, &v); rc == 0;
         rc = hrw_cursor_get (cur, HRW_CURSOR_NEXT, &k, &v))
        if (memcmp (k.data, kb, f.plen) || s_fix_collect (k, v, &f))
            break;
    hrw_cursor_close (&cur);
    rc = rc == HRW_E_NOTFOUND? 0: rc;
    if (!rc && f.points.oom)
        rc = ENOMEM;
    for (size_t off = 0; !rc && off + sizeof (int64_t) + size <= f.points.len;
         off += sizeof (int64_t) + size) {
        memcpy (&at, f.points.data + off, sizeof (at));
        memcpy (rec, f.points.data + off + sizeof (at), size);
        fix (rec, at - t, arg);
        rc = hrw_detect__series_put (self, table, id, at, rec, size);
    }
    hrw_buf_free (&f.points);
    return rc;
}
