/*  store_table: the tables other modules keep in the store (alerts,
    detectors), read and written in its transactions: point reads and
    writes, cursors, and prefix walks. */
#include "workers/store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static hrw_bytes_t
s_bytes (const MDB_val *v)
{
    hrw_bytes_t b = { v->mv_data, v->mv_size };
    return b;
}

//  The transaction a view may be read in: the write one, or the scope's.
static MDB_txn *
s_scope_txn (hrw_store_t *self)
{
    return self->wtxn? self->wtxn: self->read.txn;
}

int
hrw_table_open (hrw_store_t *self, const char *name, hrw_table_t *out)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_dbi_open (txn, name, MDB_CREATE, &out->id))) {
        mdb_txn_abort (txn);
        return rc;
    }
    return mdb_txn_commit (txn);
}

int
hrw_table_get (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen,
               hrw_bytes_t *val)
{
    MDB_txn *txn = s_scope_txn (self);
    if (!txn)
        return EINVAL;
    MDB_val k = hrw_store__val (key, klen), v;
    int rc = mdb_get (txn, t.id, &k, &v);
    if (rc == 0)
        *val = s_bytes (&v);
    return rc;
}

int
hrw_table_get_fixed (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen,
                     void *out, size_t size)
{
    MDB_txn *txn;
    int rc = hrw_store__read_begin (self, &txn);
    if (rc)
        return rc;
    MDB_val k = hrw_store__val (key, klen), v;
    rc = mdb_get (txn, t.id, &k, &v);
    if (rc == 0 && v.mv_size != size)
        rc = HRW_E_CORRUPT;
    else if (rc == 0)
        memcpy (out, v.mv_data, size);
    hrw_store__read_end (self, txn);
    return rc;
}

uint64_t
hrw_table_version (const hrw_store_t *self, hrw_table_t t)
{
    //  0: no version (a handle past the table, which LMDB does not give):
    //  nothing read from it is kept.
    if (t.id >= HRW_TABLES_MAX)
        return 0;
    //  64 bits: a count that wrapped could give a kept entry's version back.
    return self->table_writes[t.id] + 1;
}

uint32_t
hrw_store_epoch (const hrw_store_t *self)
{
    return self->txn_epoch;
}

int
hrw_table_put (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen,
               const void *val, size_t vlen, unsigned flags)
{
    if (!self->wtxn)
        return EINVAL;
    MDB_val k = hrw_store__val (key, klen), v = hrw_store__val (val, vlen);
    hrw_store__wrote (self, t.id);
    return mdb_put (self->wtxn, t.id, &k, &v, flags & HRW_PUT_APPEND? MDB_APPEND: 0);
}

int
hrw_table_del (hrw_store_t *self, hrw_table_t t, const void *key, size_t klen)
{
    if (!self->wtxn)
        return EINVAL;
    MDB_val k = hrw_store__val (key, klen);
    hrw_store__wrote (self, t.id);
    return mdb_del (self->wtxn, t.id, &k, NULL);
}

//  A write cursor of the table kept by an earlier close, or NULL.
static MDB_cursor *
s_unstash (hrw_store_t *self, MDB_dbi dbi)
{
    for (int i = self->nstash - 1; i >= 0; i--)
        if (self->wstash[i].dbi == dbi) {
            MDB_cursor *cur = self->wstash[i].cur;
            self->wstash[i] = self->wstash[--self->nstash];
            return cur;
        }
    return NULL;
}

int
hrw_cursor_open (hrw_store_t *self, hrw_table_t t, hrw_cursor_t **out)
{
    hrw_cursor_t *c = NULL;
    for (int i = 0; i < HRW_CURSOR_POOL && !c; i++)
        if (!(self->cursor_used & (1u << i))) {
            self->cursor_used |= 1u << i;
            c = &self->cursor_pool[i];
            memset (c, 0, sizeof (*c));
            c->store = self;
        }
    if (!c && !(c = calloc (1, sizeof (*c))))
        return ENOMEM;
    c->home = self;
    MDB_txn *txn = s_scope_txn (self);
    int rc = 0;
    c->dbi = t.id;
    if (txn && txn == self->wtxn && (c->cur = s_unstash (self, t.id)))
        goto done;
    if (!txn && (rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &c->own)) == 0)
        txn = c->own;
    if (!rc)
        rc = mdb_cursor_open (txn, t.id, &c->cur);
    if (rc) {
        hrw_cursor_close (&c);
        return rc;
    }
done:
    *out = c;
    return 0;
}

int
hrw_cursor_get (hrw_cursor_t *cur, hrw_cursor_op_t op, hrw_bytes_t *key, hrw_bytes_t *val)
{
    static const MDB_cursor_op ops[] = {
        [HRW_CURSOR_FIRST] = MDB_FIRST, [HRW_CURSOR_LAST] = MDB_LAST,
        [HRW_CURSOR_NEXT] = MDB_NEXT, [HRW_CURSOR_PREV] = MDB_PREV,
        [HRW_CURSOR_SEEK] = MDB_SET_RANGE
    };
    MDB_val k = { 0, NULL }, v;
    if (op == HRW_CURSOR_SEEK)
        k = hrw_store__val (key->data, key->len);
    //  A reused cursor still stands where it was: next and prev on a new
    //  one start at the ends, as LMDB's fresh cursors do.
    if (!cur->placed && (op == HRW_CURSOR_NEXT || op == HRW_CURSOR_PREV))
        op = op == HRW_CURSOR_NEXT? HRW_CURSOR_FIRST: HRW_CURSOR_LAST;
    cur->placed = 1;
    int rc = mdb_cursor_get (cur->cur, &k, &v, ops[op]);
    if (rc == 0) {
        *key = s_bytes (&k);
        *val = s_bytes (&v);
    }
    return rc;
}

int
hrw_cursor_del (hrw_cursor_t *cur)
{
    hrw_store__wrote (cur->home, cur->dbi);
    return mdb_cursor_del (cur->cur, 0);
}

void
hrw_cursor_close (hrw_cursor_t **cur_p)
{
    if (!cur_p || !*cur_p)
        return;
    hrw_cursor_t *c = *cur_p;
    hrw_store_t *store = c->store;
    if (c->cur && store && !c->own && store->wtxn
        && mdb_cursor_txn (c->cur) == store->wtxn && store->nstash < HRW_WCUR_STASH)
        store->wstash[store->nstash++] = (hrw_wcur_t) { c->dbi, c->cur };
    else if (c->cur)
        mdb_cursor_close (c->cur);
    if (c->own)
        mdb_txn_abort (c->own);
    if (c->store)
        c->store->cursor_used &= ~(1u << (c - c->store->cursor_pool));
    else
        free (c);
    *cur_p = NULL;
}

int
hrw_table_prefix_each (hrw_store_t *self, hrw_table_t t, const void *prefix, size_t plen,
                       int (*fn) (hrw_bytes_t key, hrw_bytes_t val, void *arg), void *arg)
{
    hrw_cursor_t *cur;
    int rc = hrw_cursor_open (self, t, &cur);
    if (rc)
        return rc;
    hrw_bytes_t k = { prefix, plen }, v;
    hrw_cursor_op_t op = plen? HRW_CURSOR_SEEK: HRW_CURSOR_FIRST;   //  LMDB seeks no empty key
    while ((rc = hrw_cursor_get (cur, op, &k, &v)) == 0) {
        op = HRW_CURSOR_NEXT;
        if (k.len < plen || memcmp (k.data, prefix, plen))
            break;
        if ((rc = fn (k, v, arg)))
            break;
    }
    hrw_cursor_close (&cur);
    return rc == HRW_E_NOTFOUND? 0: rc;
}
