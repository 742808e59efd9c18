/*  test_series: the detectors' time-indexed series, kept in memory
    (spans read lately, writes waiting until the commit), must answer
    exactly what the store alone would. A long random run of writes, reads
    at any time, corrections from a past time on, commits, commits in
    parts and abandoned transactions is checked against a plain model of
    the points at every read, and the store's own records against the
    model's committed points after every commit: over a few hot series
    (whose spans are reused) and thousands of cold ones (more than the
    slots, so series are pushed out with writes still waiting). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/keys.h"
#include "workers/alerts.h"
#include "workers/detect_int.h"
#include "workers/store.h"

#define S_IDS 6000              //  Series per table (more than the slots)
#define S_HOT 8                 //  Of which asked most
#define S_OPS 60000
#define S_REC 40                //  The turnover point's size
#define S_TABLES 2

typedef struct {
    int64_t t;
    uint8_t rec[S_REC];
} s_point_t;

typedef struct {
    s_point_t *pts;             //  In time order
    size_t n, cap;
} s_series_t;

//  Undo log of the open transaction: the series as it was before a write.
typedef struct {
    unsigned table, id;
    s_point_t *pts;
    size_t n;
} s_undo_t;

typedef struct {
    char dir[256];
    hrw_store_t *store;
    hrw_alerts_t *alerts;
    hrw_detect_t *detect;
    hrw_table_t table[S_TABLES];
    size_t size[S_TABLES];
    s_series_t model[S_TABLES][S_IDS];
    s_undo_t *undo;
    size_t n_undo, cap_undo;
    uint64_t rng;
} s_run_t;

static uint64_t
s_rand (s_run_t *r)
{
    r->rng ^= r->rng << 13;
    r->rng ^= r->rng >> 7;
    r->rng ^= r->rng << 17;
    return r->rng;
}

static void
s_id (unsigned id, char out[16])
{
    snprintf (out, 16, "U-%u", id);
}

static void
s_remember (s_run_t *r, unsigned table, unsigned id)
{
    if (r->n_undo == r->cap_undo) {
        r->cap_undo = r->cap_undo? 2 * r->cap_undo: 256;
        r->undo = realloc (r->undo, r->cap_undo * sizeof (*r->undo));
        assert_non_null (r->undo);
    }
    s_series_t *s = &r->model[table][id];
    s_undo_t *u = &r->undo[r->n_undo++];
    u->table = table;
    u->id = id;
    u->n = s->n;
    u->pts = malloc ((s->n + 1) * sizeof (s_point_t));
    assert_non_null (u->pts);
    if (s->n)
        memcpy (u->pts, s->pts, s->n * sizeof (s_point_t));
}

static void
s_forget_undo (s_run_t *r, int restore)
{
    while (r->n_undo) {
        s_undo_t *u = &r->undo[--r->n_undo];
        if (restore) {
            s_series_t *s = &r->model[u->table][u->id];
            if (s->cap < u->n) {
                s->pts = realloc (s->pts, u->n * sizeof (s_point_t));
                s->cap = u->n;
            }
            if (u->n)
                memcpy (s->pts, u->pts, u->n * sizeof (s_point_t));
            s->n = u->n;
        }
        free (u->pts);
    }
}

static void
s_model_put (s_run_t *r, unsigned table, unsigned id, int64_t t, const uint8_t *rec)
{
    s_remember (r, table, id);
    s_series_t *s = &r->model[table][id];
    size_t i = 0;
    while (i < s->n && s->pts[i].t < t)
        i++;
    if (i < s->n && s->pts[i].t == t) {
        memcpy (s->pts[i].rec, rec, S_REC);
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap? 2 * s->cap: 8;
        s->pts = realloc (s->pts, s->cap * sizeof (s_point_t));
        assert_non_null (s->pts);
    }
    memmove (&s->pts[i + 1], &s->pts[i], (s->n - i) * sizeof (s_point_t));
    s->pts[i].t = t;
    memcpy (s->pts[i].rec, rec, S_REC);
    s->n++;
}

//  What the model says id's series holds at t.
static void
s_model_at (s_run_t *r, unsigned table, unsigned id, int64_t t, uint8_t *rec, int64_t *at)
{
    const s_series_t *s = &r->model[table][id];
    memset (rec, 0, S_REC);
    *at = HRW_TIME_NONE;
    for (size_t i = 0; i < s->n && s->pts[i].t <= t; i++) {
        *at = s->pts[i].t;
        memcpy (rec, s->pts[i].rec, r->size[table]);
    }
}

//  The fix the run applies from a time on: every byte of a point plus one.
static void
s_fix (void *rec, int64_t dt, const void *arg)
{
    (void) dt;
    size_t size = *(const size_t *) arg;
    for (size_t i = 0; i < size; i++)
        ((uint8_t *) rec)[i]++;
}

static void
s_model_fix (s_run_t *r, unsigned table, unsigned id, int64_t t)
{
    uint8_t rec[S_REC];
    int64_t at;
    s_model_at (r, table, id, t, rec, &at);
    if (at != t)
        s_model_put (r, table, id, t, rec);     //  Carried as is (no carry function)
    s_remember (r, table, id);
    s_series_t *s = &r->model[table][id];
    for (size_t i = 0; i < s->n; i++)
        if (s->pts[i].t >= t)
            s_fix (s->pts[i].rec, 0, &r->size[table]);
}

typedef struct {
    s_run_t *r;
    unsigned table, id;
    size_t plen, i;
} s_walk_t;

static int
s_walk_one (hrw_bytes_t k, hrw_bytes_t v, void *arg)
{
    s_walk_t *w = arg;
    const s_series_t *s = &w->r->model[w->table][w->id];
    assert_int_equal (k.len, w->plen + 8);
    assert_true (w->i < s->n);
    assert_true (hrw_key_get_time ((const uint8_t *) k.data + w->plen) == s->pts[w->i].t);
    assert_int_equal (v.len, w->r->size[w->table]);
    assert_memory_equal (v.data, s->pts[w->i].rec, v.len);
    w->i++;
    return 0;
}

//  The store's records of a series are the model's, point for point.
static void
s_check_stored (s_run_t *r, unsigned table, unsigned id)
{
    char name[16];
    uint8_t prefix[HRW_ID_MAX + 9];
    s_id (id, name);
    s_walk_t w = { r, table, id, hrw_detect__series_key (name, 0, prefix) - 8, 0 };
    assert_int_equal (hrw_table_prefix_each (r->store, r->table[table], prefix, w.plen,
                                             s_walk_one, &w), 0);
    assert_int_equal (w.i, r->model[table][id].n);
}

static unsigned
s_pick (s_run_t *r)
{
    return s_rand (r) % 10 < 7? (unsigned) (s_rand (r) % S_HOT): (unsigned) (s_rand (r) % S_IDS);
}

static void
s_step (s_run_t *r, int64_t *clock)
{
    unsigned table = (unsigned) (s_rand (r) % S_TABLES), id = s_pick (r);
    size_t size = r->size[table];
    char name[16];
    s_id (id, name);
    uint64_t op = s_rand (r) % 100;
    if (op < 40) {
        //  A write: mostly at the clock, which moves on; now and then in
        //  the past (inside a span) or at a point already there.
        uint8_t rec[S_REC] = { 0 };
        for (size_t i = 0; i < size; i++)
            rec[i] = (uint8_t) s_rand (r);
        if (s_rand (r) % 4)
            *clock += (int64_t) (s_rand (r) % 3) * 1000;
        int64_t t = s_rand (r) % 5? *clock: *clock - (int64_t) (s_rand (r) % 50) * 1000;
        assert_int_equal (hrw_detect__series_put (r->detect, r->table[table], name, t, rec,
                                                  size), 0);
        s_model_put (r, table, id, t, rec);
    }
    else if (op < 90) {
        int64_t t = *clock - (int64_t) (s_rand (r) % 60) * 1000 + (int64_t) (s_rand (r) % 3) - 1;
        uint8_t got[S_REC] = { 0 }, want[S_REC];
        int64_t got_at, want_at;
        assert_int_equal (hrw_detect__series_at (r->detect, r->table[table], name, t, got, size,
                                                 &got_at), 0);
        s_model_at (r, table, id, t, want, &want_at);
        assert_true (got_at == want_at);
        assert_memory_equal (got, want, size);
    }
    else if (op < 93) {
        int64_t t = *clock - (int64_t) (s_rand (r) % 40) * 1000;
        assert_int_equal (hrw_detect__series_fix (r->detect, r->table[table], name, t, size,
                                                  NULL, s_fix, &r->size[table]), 0);
        s_model_fix (r, table, id, t);
    }
    else if (op < 97) {
        //  A commit (now and then a part): the store then holds the model.
        if (s_rand (r) % 2)
            assert_int_equal (hrw_store_commit_part (r->store), 0);
        else
            assert_int_equal (hrw_store_commit (r->store), 0);
        assert_int_equal (hrw_store_begin (r->store), 0);
        s_forget_undo (r, 0);
        for (unsigned i = 0; i < S_HOT; i++)
            s_check_stored (r, table, i);
        s_check_stored (r, table, (unsigned) (s_rand (r) % S_IDS));
    }
    else {
        hrw_store_abort (r->store);
        assert_int_equal (hrw_store_begin (r->store), 0);
        s_forget_undo (r, 1);
    }
}

static void
test_series_as_the_store (void **state)
{
    (void) state;
    s_run_t *r = calloc (1, sizeof (*r));
    assert_non_null (r);
    r->rng = 0x9e3779b97f4a7c15ULL;
    h_tempdir (r->dir, sizeof (r->dir));
    hrw_store_opts_t so = { r->dir, 64u << 20, 0, 100, 1 };
    assert_int_equal (hrw_store_open (&so, &r->store), 0);
    assert_non_null (r->alerts = hrw_alerts_new (r->store, 100));
    hrw_detect_opts_t o;
    hrw_detect_defaults (&o);
    assert_non_null (r->detect = hrw_detect_new (r->store, r->alerts, &o));
    //  The turnover series (40-byte points) and the early-tenure one (16).
    r->table[0] = r->detect->db_series;
    r->size[0] = sizeof (hrw_detect_point_t);
    r->table[1] = r->detect->db_tenure;
    r->size[1] = 16;
    assert_int_equal (r->size[0], S_REC);
    int64_t clock = 1700000000LL * HRW_US_PER_SEC;
    assert_int_equal (hrw_store_begin (r->store), 0);
    for (int i = 0; i < S_OPS; i++)
        s_step (r, &clock);
    assert_int_equal (hrw_store_commit (r->store), 0);
    s_forget_undo (r, 0);
    for (unsigned t = 0; t < S_TABLES; t++)
        for (unsigned id = 0; id < S_IDS; id++)
            s_check_stored (r, t, id);
    hrw_detect_destroy (&r->detect);
    hrw_alerts_destroy (&r->alerts);
    hrw_store_destroy (&r->store);
    for (unsigned t = 0; t < S_TABLES; t++)
        for (unsigned id = 0; id < S_IDS; id++)
            free (r->model[t][id].pts);
    free (r->undo);
    h_rmtree (r->dir);
    free (r);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_series_as_the_store),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
